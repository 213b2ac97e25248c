"""Another copy's database, read for a merge: a file from elsewhere, so nothing in it is trusted until checked.

The file must be SQLite (its header), sound (`PRAGMA quick_check`), and hold the tables and columns a
merge reads, with values of the right kinds that refer to rows it holds. It is read once, whole (a merge
compares every coding anyway), with SQLite's own length limit set to `LIMITS.file_bytes`, so a huge value
is refused before it is allocated. Whatever is wrong is one line naming the file; there is no size limit
for the file itself (a real study's database may be a gigabyte).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coder.errors import CoderError
from coder.limits import LIMITS, Limits
from coder.schema import SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
MERGED_TABLES = ("codings", "memos")  # events touching only these keep their undo information when merged
INT, TEXT, MAYBE_INT, MAYBE_TEXT = (int,), (str,), (int, type(None)), (str, type(None))
KINDS: dict[str, dict[str, tuple[type, ...]]] = {  # what a merge reads of each table, and of which kind
    "coders": {"id": INT, "uuid": TEXT, "name": TEXT, "created": TEXT},
    "documents": {"id": INT, "name": TEXT, "sha256": TEXT},
    "code_groups": {"id": INT, "name": TEXT},
    "codes": {"id": INT, "group_id": INT, "name": TEXT},
    "codings": {"id": INT, "uuid": TEXT, "document_id": INT, "code_id": INT, "coder_id": INT, "start": INT, "end": INT,
                "memo": MAYBE_TEXT, "status": TEXT},
    "memos": {"id": INT, "uuid": TEXT, "coder_id": MAYBE_INT, "document_id": MAYBE_INT, "start": MAYBE_INT, "end": MAYBE_INT,
              "code_id": MAYBE_INT, "text": TEXT},
    "events": {"id": INT, "uuid": TEXT, "at": TEXT, "coder_id": MAYBE_INT, "action": TEXT, "summary": MAYBE_TEXT,
               "undoable": INT, "reverts": MAYBE_INT, "changes": MAYBE_TEXT},
}
SHAPES: dict[str, tuple[type, ...]] = {"insert": (str, dict), "delete": (str, dict), "update": (str, int, dict, dict)}
FIX = "pass a study folder or a .db written by coder export-coder (this file is damaged, or not coder's)"


@dataclass
class Copy:
    """Everything a merge reads of another copy, checked."""

    path: Path
    coders: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    code_paths: dict[int, str]  # id → group/name
    codings: list[dict[str, Any]]  # whole rows, inserted here as they are
    memos: list[dict[str, Any]]
    events: list[dict[str, Any]]  # those of a coder, with their changes parsed
    uuids: dict[str, dict[int, str]]  # codings, memos, events: id → uuid


def damaged(path: Path, problem: str) -> CoderError:
    return CoderError(f"'{path}' is not a coder study database that can be merged: {problem}; nothing was merged", fix=FIX)


def read_copy(path: Path, columns: dict[str, set[str]], limits: Limits = LIMITS) -> Copy:
    """Read and check another copy's database (read-only); `columns` are this study's, which its rows must fit."""
    try:
        with path.open("rb") as stream:
            head = stream.read(len(SQLITE_HEADER))
    except OSError as error:
        raise CoderError(f"'{path}' cannot be read ({error.strerror or error})", fix="check the file's permissions") from error
    if head and head != SQLITE_HEADER:  # an empty file is an empty database: "not a coder study database" below
        raise CoderError(f"'{path}' is not a SQLite database", fix="pass a study folder or a .db written by coder")
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.file_bytes)  # a longer value: refused before it is read
        conn.execute("PRAGMA trusted_schema = OFF")
        return _read(conn, path, columns)
    except sqlite3.DatabaseError as error:  # a damaged page, a value too big, a schema SQLite refuses
        raise CoderError(f"'{path}' is not a SQLite database that can be read ({' '.join(str(error).split())})", fix=FIX) from error
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, path: Path, columns: dict[str, set[str]]) -> Copy:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not version or not set(KINDS) <= tables:
        raise CoderError(f"'{path}' is not a coder study database", fix="pass a study folder or a .db written by coder export-coder")
    if version > SCHEMA_VERSION:
        raise CoderError(f"'{path}' was written by a newer coder (schema {version})", fix="upgrade coder, then merge again")
    if (check := conn.execute("PRAGMA quick_check(1)").fetchone()[0]) != "ok":
        raise damaged(path, f"SQLite finds it damaged ({' '.join(str(check).split())})")
    for table, kinds in KINDS.items():
        theirs = {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}
        if missing := sorted(set(kinds) - theirs):
            raise damaged(path, f"table {table} has no column {', '.join(missing)}")
        if table in MERGED_TABLES and (unknown := sorted(theirs - columns.get(table, theirs))):
            raise damaged(path, f"table {table} has column(s) {', '.join(unknown)} this study does not have")

    def rows(table: str, where: str = "") -> list[dict[str, Any]]:
        cursor = conn.execute(f"SELECT * FROM [{table}] {where} ORDER BY id")
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row)) for row in cursor.fetchall()]
        for row in found:
            for column, kinds in KINDS[table].items():
                if not isinstance(row[column], kinds):
                    raise damaged(path, f"{table} {row['id']!r} has {column} {_short(row[column])}")
        return found

    coders, documents, groups, codes = rows("coders"), rows("documents"), rows("code_groups"), rows("codes")
    group_names = {g["id"]: g["name"] for g in groups}
    code_paths = {c["id"]: f"{group_names[c['group_id']]}/{c['name']}" for c in codes if c["group_id"] in group_names}
    ids = {"coder_id": {c["id"] for c in coders}, "document_id": {d["id"] for d in documents}, "code_id": set(code_paths)}
    copy = Copy(path, coders, documents, code_paths, rows("codings"), rows("memos"), [], {})
    for table, found in (("codings", copy.codings), ("memos", copy.memos)):
        for row in found:
            for column, known in ids.items():
                if row[column] is not None and row[column] not in known:
                    raise damaged(path, f"{table} {row['id']} refers to {column[:-3]} {row[column]}, which it does not hold")
            if (row["start"], row["end"]) != (None, None) and not (
                    isinstance(row["start"], int) and isinstance(row["end"], int) and 0 <= row["start"] <= row["end"]
                    and (table == "memos" or row["start"] < row["end"])):
                raise damaged(path, f"{table} {row['id']} spans {row['start']}–{row['end']}")
    events = rows("events")
    copy.uuids = {table: {r["id"]: r["uuid"] for r in found} for table, found in (
        ("codings", copy.codings), ("memos", copy.memos), ("events", events))}
    for event in events:
        if event["coder_id"] is None:
            continue
        if event["coder_id"] not in ids["coder_id"]:
            raise damaged(path, f"event {event['id']} refers to coder {event['coder_id']}, which it does not hold")
        event["ops"] = _ops(event, path)
        copy.events.append(event)
    return copy


def _ops(event: dict[str, Any], path: Path) -> list[list[Any]]:
    """An event's changes, parsed and of the shape undo reads: [insert|delete, table, row] or [update, table, id, old, new]."""
    try:
        ops = json.loads(event["changes"] or "[]")
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser goes
        raise damaged(path, f"event {event['id']} has changes that are not JSON ({error})") from error
    for op in ops if isinstance(ops, list) else [ops]:
        if not _well_formed(op):
            raise damaged(path, f"event {event['id']} has a change of an unknown shape ({_short(op)})")
    return ops


def _well_formed(op: Any) -> bool:
    if not (isinstance(op, list) and op and isinstance(op[0], str) and op[0] in SHAPES):
        return False
    shape = SHAPES[op[0]]
    if len(op) != len(shape) + 1 or not all(isinstance(value, kind) for value, kind in zip(op[1:], shape)):
        return False
    return all(isinstance(row.get(column), kinds) for row in op[2:] if isinstance(row, dict)
               for column, kinds in (("id", MAYBE_INT), ("uuid", MAYBE_TEXT), ("coder_id", MAYBE_INT),
                                     ("document_id", MAYBE_INT), ("code_id", MAYBE_INT)))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"
