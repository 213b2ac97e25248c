"""Merging copies of a study: each coder works in their own copy, and the work comes together here.

`merge_copy` brings another copy's coders, codings, memos and events into this study. Rows
travel by their stable ids (the uuid columns); documents are matched by sha256 and name, codes
by their path `group/name`, coders by uuid (else by name). Nothing here is ever overwritten:
a row that is already here is left alone, and one that differs from ours is reported as a
conflict. A document that differs between the copies, or a code missing here, stops the merge
before anything is written. `export_coder` writes one coder's work as a small study database
that `merge_copy` accepts, for handing work over by e-mail or a USB stick.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coder.coding import passage_extent
from coder.db import Database, inserted_id, now, open_db, reading, set_setting, transaction
from coder.errors import CoderError
from coder.events import accounted, log_event
from coder.merge_source import MERGED_TABLES, Copy, damaged, read_copy


@dataclass
class MergeReport:
    """What a merge brought in, what was already here, and what differed (kept ours)."""

    source: str
    coders_added: list[str] = field(default_factory=list)
    codings_added: int = 0
    memos_added: int = 0
    events_added: int = 0
    unchanged: int = 0  # codings, memos and events that were already here
    conflicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backup: Path | None = None

    @property
    def changed(self) -> bool:
        return bool(self.coders_added or self.codings_added or self.memos_added or self.events_added)

    def describe(self) -> str:
        added = (f"{self.codings_added} codings, {self.memos_added} memos, {self.events_added} events"
                 f"{', coders ' + ', '.join(self.coders_added) if self.coders_added else ''}")
        return (f"merged {self.source}: {added} added; {self.unchanged} already here; "
                f"{len(self.conflicts)} conflict{'s' * (len(self.conflicts) != 1)} (kept ours)")


def _rows(conn: sqlite3.Connection | Database, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def copy_database_path(other: Path | str) -> Path:
    """The database of another copy: a study folder's study.db, or a database file itself."""
    path = Path(other).expanduser()
    if path.is_dir():
        path = path / "study.db"
    if not path.is_file():
        raise CoderError(f"no study database at '{path}'", fix="pass another study folder, or a .db file written by coder export-coder")
    return path.resolve()


def _code_paths(conn: sqlite3.Connection | Database) -> dict[int, str]:
    return {r[0]: f"{r[1]}/{r[2]}" for r in conn.execute(
        "SELECT c.id, g.name, c.name FROM codes c JOIN code_groups g ON g.id = c.group_id")}


@dataclass
class _Maps:
    """Their ids → our ids, found before anything is written."""

    coders: dict[int, int | None] = field(default_factory=dict)  # None: a coder to add
    documents: dict[int, int] = field(default_factory=dict)
    codes: dict[int, int] = field(default_factory=dict)
    document_names: dict[int, str] = field(default_factory=dict)  # ours, for messages
    code_paths: dict[int, str] = field(default_factory=dict)  # ours, for messages


def _match(db: Database, theirs: Copy, codings: list[dict], memos: list[dict], report: MergeReport) -> _Maps:
    """Match their coders, documents and codes to ours; raise listing every document or code that differs."""
    maps = _Maps()
    problems: list[str] = []
    ours_by_uuid = {r["uuid"]: r for r in _rows(db, "SELECT id, uuid, name FROM coders")}
    ours_by_name = {r["name"]: r for r in ours_by_uuid.values()}
    for coder in theirs.coders:
        if coder["uuid"] in ours_by_uuid:
            maps.coders[coder["id"]] = ours_by_uuid[coder["uuid"]]["id"]
        elif coder["name"] in ours_by_name:
            maps.coders[coder["id"]] = ours_by_name[coder["name"]]["id"]
            report.notes.append(f"coder {coder['name']} has another id in the other copy; taken as the same person")
        else:
            maps.coders[coder["id"]] = None
    used_docs = {r["document_id"] for r in codings} | {r["document_id"] for r in memos if r["document_id"] is not None}
    ours_docs = _rows(db, "SELECT id, name, sha256 FROM documents")
    by_name = {d["name"]: d for d in ours_docs}
    by_sha = {d["sha256"]: d for d in ours_docs}
    maps.document_names = {d["id"]: d["name"] for d in ours_docs}
    for doc in theirs.documents:
        if doc["id"] not in used_docs:
            continue
        mine = by_name.get(doc["name"])
        if mine and mine["sha256"] == doc["sha256"]:
            maps.documents[doc["id"]] = mine["id"]
        elif mine:
            problems.append(f"document {doc['name']} differs between the copies (sha256 {mine['sha256'][:12]}… here, "
                            f"{doc['sha256'][:12]}… there)")
        elif doc["sha256"] in by_sha:
            maps.documents[doc["id"]] = by_sha[doc["sha256"]]["id"]
            report.notes.append(f"document {doc['name']} is called {by_sha[doc['sha256']]['name']} here (same text)")
        else:
            problems.append(f"document {doc['name']} is not in this study")
    ours_paths = {path: i for i, path in _code_paths(db).items()}
    folded = {path.casefold(): i for path, i in ours_paths.items()}
    maps.code_paths = {i: path for path, i in ours_paths.items()}
    used_codes = {r["code_id"] for r in codings} | {r["code_id"] for r in memos if r["code_id"] is not None}
    for code_id, path in theirs.code_paths.items():
        found = ours_paths.get(path, folded.get(path.casefold()))
        if found is not None:
            maps.codes[code_id] = found
        elif code_id in used_codes:
            problems.append(f"code {path} is not in this codebook")
    lengths = dict(db.execute("SELECT id, length(text) FROM documents").fetchall())
    for row in codings:  # offsets beyond our text: a damaged copy, or a document's sha256 that lies
        ours = maps.documents.get(row["document_id"])
        if ours is not None and row["end"] > lengths[ours]:
            raise damaged(theirs.path, f"coding {row['uuid'][:8]} spans {row['start']}-{row['end']}, beyond document"
                                       f" {maps.document_names[ours]} (0-{lengths[ours]})")
    if problems:
        raise CoderError(f"the copies differ, nothing was merged: {'; '.join(problems)}",
                         fix="give both copies the same transcripts and codebook (coder import, coder codebook), then merge again")
    return maps


def merge_copy(db: Database, other: Path | str, *, backup: Callable[[], Path] | None = None) -> MergeReport:
    """Bring another copy's coders, codings, memos and events in; idempotent, never overwrites.

    Args:
        other: a study folder or a study database (e.g. written by `export_coder`).
        backup: called once, before the first write, when there is something to write (returns the backup's path).
    """
    path = copy_database_path(other)
    own = db.execute("PRAGMA database_list").fetchone()[2]
    if own and Path(own).resolve() == path:
        raise CoderError("that is this study's own database", fix="pass the other coder's copy")
    columns = {table: {r[1] for r in db.execute(f"PRAGMA table_info([{table}])")} for table in MERGED_TABLES}
    return _merge(db, read_copy(path, columns), backup)


@dataclass
class _Work:
    """What a merge would bring: decided from both copies as they are at one moment."""

    report: MergeReport
    maps: _Maps
    codings: list[dict[str, Any]]
    memos: list[dict[str, Any]]
    events: list[dict[str, Any]]
    coders: list[dict[str, Any]]

    @property
    def anything(self) -> bool:
        return bool(self.codings or self.memos or self.events or self.coders)


def _plan(db: Database, theirs: Copy) -> _Work:
    report = MergeReport(str(theirs.path))
    codings, memos, events = theirs.codings, theirs.memos, theirs.events
    maps = _match(db, theirs, codings, memos, report)
    their_coders = {r["id"]: r for r in theirs.coders}
    plan = _Plan(db, maps, report)
    new_codings = [c for c in codings if plan.coding_is_new(c)]
    new_memos = [m for m in memos if plan.memo_is_new(m)]
    known_events = {r[0] for r in db.execute("SELECT uuid FROM events")}
    new_events = [e for e in events if e["uuid"] not in known_events]
    report.unchanged += len(events) - len(new_events)
    needed = {c["coder_id"] for c in new_codings} | {m["coder_id"] for m in new_memos} | {e["coder_id"] for e in new_events}
    new_coders = [their_coders[c] for c in sorted(needed) if c is not None and maps.coders.get(c) is None]
    return _Work(report, maps, new_codings, new_memos, new_events, new_coders)


def _merge(db: Database, theirs: Copy, backup: Callable[[], Path] | None) -> MergeReport:
    with reading(db):  # a first look: a backup only when something will be written
        first = _plan(db, theirs)
    if not first.anything:
        return first.report
    saved = backup() if backup is not None else None
    try:
        return _write(db, theirs, saved)
    except sqlite3.IntegrityError as error:  # a row of theirs this study's constraints refuse: rolled back whole
        raise CoderError(f"'{theirs.path}' holds a row this study cannot take ({error}); nothing was merged",
                         fix="pass a study folder or a .db written by coder export-coder") from error


def _write(db: Database, theirs: Copy, saved: Path | None) -> MergeReport:
    with transaction(db):  # planned again under the write lock: what another session wrote meanwhile counts
        work = _plan(db, theirs)
        report, maps = work.report, work.maps
        report.backup = saved
        if not work.anything:
            return report
        for coder in work.coders:
            maps.coders[coder["id"]] = inserted_id(db.execute("INSERT INTO coders (uuid, name, created) VALUES (?, ?, ?)",
                                                              [coder["uuid"], coder["name"], coder["created"]]))
            report.coders_added.append(coder["name"])
        brought = []  # the codings as they land here, for the log to account for each
        for row in work.codings:
            mapped = _mapped(row, maps)
            brought.append(["insert", "codings", {**mapped, "id": _insert(db, "codings", mapped)}])
        for row in work.memos:
            _insert(db, "memos", _mapped(row, maps))
        report.codings_added, report.memos_added = len(work.codings), len(work.memos)
        _merge_events(db, theirs, work.events, maps)
        report.events_added = len(work.events)
        log_event(db, "merge", coder_id=None, summary=report.describe(), ops=accounted(brought))
    return report


class _Plan:
    """Decides, row by row, whether their coding or memo is new, already here, or a conflict."""

    def __init__(self, db: Database, maps: _Maps, report: MergeReport) -> None:
        self.maps, self.report = maps, report
        self.coder_names = {r[0]: r[1] for r in db.execute("SELECT id, name FROM coders")}
        self.codings = {r["uuid"]: r for r in _rows(
            db, "SELECT id, uuid, document_id, code_id, coder_id, start, end, memo, status FROM codings")}
        self.coding_keys = {(r["document_id"], r["code_id"], r["coder_id"], r["start"], r["end"]): r for r in self.codings.values()}
        group_of = {r[0]: (r[1], bool(r[2])) for r in db.execute(
            "SELECT c.id, c.group_id, g.exclusive FROM codes c JOIN code_groups g ON g.id = c.group_id")}
        self.group_of = group_of
        # A coder's codings of one code never overlap, and a passage has one code of an exclusive group per coder:
        # what each would add must be free. A slot's entries: (start, end, passages' start, passages' end, code).
        self.db = db
        self.spans: dict[tuple, list[tuple[int, int, int, int, int]]] = {}
        for r in self.codings.values():
            self.spans.setdefault(self._slot(r), []).append(self._entry(r))
        self.memos = {r["uuid"]: r for r in _rows(db, "SELECT id, uuid, coder_id, document_id, start, end, code_id, text FROM memos")}
        self.memo_keys = {(r["coder_id"], r["document_id"], r["start"], r["end"], r["code_id"]): r for r in self.memos.values()}

    def _slot(self, row: dict[str, Any]) -> tuple:
        group, exclusive = self.group_of[row["code_id"]]
        return (row["document_id"], row["coder_id"], ("group", group) if exclusive else ("code", row["code_id"]))

    def _entry(self, row: dict[str, Any]) -> tuple[int, int, int, int, int]:
        _, exclusive = self.group_of[row["code_id"]]
        low, high = passage_extent(self.db, row["document_id"], row["start"], row["end"]) if exclusive else (row["start"], row["end"])
        return row["start"], row["end"], low, high, row["code_id"]

    def _where(self, row: dict[str, Any], coder: str) -> str:
        return (f"{coder}'s {self.maps.code_paths.get(row['code_id'], 'code')} in "
                f"{self.maps.document_names.get(row['document_id'], 'a document')} {row['start']}-{row['end']}")

    def coding_is_new(self, theirs: dict[str, Any]) -> bool:
        coder = self.maps.coders[theirs["coder_id"]]
        row = {"document_id": self.maps.documents[theirs["document_id"]], "code_id": self.maps.codes[theirs["code_id"]],
               "coder_id": coder, "start": theirs["start"], "end": theirs["end"], "memo": theirs["memo"], "status": theirs["status"]}
        name = self.coder_names.get(coder, "a new coder")
        same = self.codings.get(theirs["uuid"]) or (self.coding_keys.get(
            (row["document_id"], row["code_id"], coder, row["start"], row["end"])) if coder is not None else None)
        if same is not None:
            if all(same[k] == row[k] for k in row):
                self.report.unchanged += 1
            else:
                self.report.conflicts.append(f"coding {theirs['uuid'][:8]}: {self._where(row, name)} differs from ours "
                                             f"({self._where(same, self.coder_names[same['coder_id']])}"
                                             f"{', another memo' if same['memo'] != row['memo'] else ''}); kept ours")
            return False
        if coder is not None:
            taken = self.spans.setdefault(self._slot(row), [])
            entry = self._entry(row)
            if any(s < row["end"] and e > row["start"] for s, e, _, _, _ in taken):
                self.report.conflicts.append(f"coding {theirs['uuid'][:8]}: {self._where(row, name)} overlaps {name}'s "
                                             "coding here; kept ours")
                return False
            rival = next((code for _, _, low, high, code in taken if code != row["code_id"] and low < entry[3] and high > entry[2]), None)
            if rival is not None:
                self.report.conflicts.append(f"coding {theirs['uuid'][:8]}: {self._where(row, name)} is in a passage where {name} has"
                                             f" {self.maps.code_paths.get(rival, 'another code')} here, and its group is"
                                             " exclusive (one code per passage); kept ours")
                return False
            taken.append(entry)
        return True

    def memo_is_new(self, theirs: dict[str, Any]) -> bool:
        coder = self.maps.coders[theirs["coder_id"]] if theirs["coder_id"] is not None else None
        document = self.maps.documents.get(theirs["document_id"]) if theirs["document_id"] is not None else None
        code = self.maps.codes.get(theirs["code_id"]) if theirs["code_id"] is not None else None
        key = (coder, document, theirs["start"], theirs["end"], code)
        same = self.memos.get(theirs["uuid"]) or (self.memo_keys.get(key) if coder is not None else None)
        if same is not None:
            if (same["coder_id"], same["document_id"], same["start"], same["end"], same["code_id"], same["text"]) == (*key, theirs["text"]):
                self.report.unchanged += 1
            else:
                self.report.conflicts.append(f"memo {theirs['uuid'][:8]} by {self.coder_names.get(coder, 'a new coder')} differs "
                                             "from ours; kept ours")
            return False
        return True


def _mapped(row: dict[str, Any], maps: _Maps) -> dict[str, Any]:
    """Their row with our ids (and no id of its own: this database gives it one)."""
    out = {k: v for k, v in row.items() if k != "id"}
    for column, table in (("coder_id", maps.coders), ("document_id", maps.documents), ("code_id", maps.codes)):
        if out.get(column) is not None:
            out[column] = table[out[column]]
    return out


def _insert(db: Database, table: str, row: dict[str, Any]) -> int:
    columns = ", ".join(f"[{c}]" for c in row)
    return inserted_id(db.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({', '.join('?' for _ in row)})", list(row.values())))


def _merge_events(db: Database, theirs: Copy, events: list[dict[str, Any]], maps: _Maps) -> None:
    """Append their events (audit and undo history), with the row ids in their changes translated to ours."""
    their_uuids = theirs.uuids
    our_ids = {table: {r[1]: r[0] for r in db.execute(f"SELECT id, uuid FROM [{table}]")} for table in MERGED_TABLES}
    event_uuid = theirs.uuids["events"]
    our_events = {r[1]: r[0] for r in db.execute("SELECT id, uuid FROM events")}
    all_codes = {code_id: maps.codes.get(code_id) for code_id in theirs.code_paths}
    all_docs = _all_documents(db, theirs, maps)

    def translate(table: str, row: dict[str, Any]) -> dict[str, Any]:
        out = dict(row)
        for column, table_map in (("coder_id", maps.coders), ("document_id", all_docs), ("code_id", all_codes)):
            if out.get(column) is not None:
                out[column] = table_map.get(out[column])
        if "id" in out:
            found = our_ids[table].get(row.get("uuid") or their_uuids[table].get(row["id"]))
            if found is None:
                del out["id"]  # a row that is not here: undoing its deletion gives it a new id
            else:
                out["id"] = found
        return out

    for event in events:
        ops = event["ops"]
        undoable = event["undoable"]
        if all(op[1] in MERGED_TABLES for op in ops):
            moved = []
            for op in ops:
                if op[0] == "update":
                    row_id = our_ids[op[1]].get(their_uuids[op[1]].get(op[2]))
                    moved.append(["update", op[1], row_id, translate(op[1], op[3]), translate(op[1], op[4])])
                else:
                    moved.append([op[0], op[1], translate(op[1], op[2])])
            ops = moved
        else:  # codebook edits of the other copy: kept for the record, not undoable here
            ops, undoable = [], 0
        reverts = our_events.get(event_uuid.get(event["reverts"])) if event["reverts"] is not None else None
        if event["reverts"] is not None and reverts is None:
            continue  # reverts an event that did not travel: nothing here for it to undo or redo
        new_id = _insert(db, "events", {"uuid": event["uuid"], "at": event["at"], "coder_id": maps.coders[event["coder_id"]],
                                        "action": event["action"], "summary": event["summary"], "undoable": undoable,
                                        "reverts": reverts, "changes": json.dumps(ops)})
        our_events[event["uuid"]] = new_id


def _all_documents(db: Database, theirs: Copy, maps: _Maps) -> dict[int, int | None]:
    """Every document of theirs that is also here (events may mention documents no coding uses any more)."""
    ours = {(r[0], r[1]): r[2] for r in db.execute("SELECT name, sha256, id FROM documents")}
    return {d["id"]: maps.documents.get(d["id"], ours.get((d["name"], d["sha256"]))) for d in theirs.documents}


# Handing one coder's work over ---------------------------------------------------------------


@dataclass
class ExportReport:
    path: Path
    coder: str
    codings: int
    memos: int
    events: int
    documents: int
    codes: int


def export_coder(db: Database, name: str, path: Path | str) -> ExportReport:
    """Write one coder's codings, memos and events, with the documents and codes they use, as a small study database."""
    from coder.coding import coder_id

    target = Path(path).expanduser()
    if target.exists():
        raise CoderError(f"'{target}' already exists", fix="choose another file name, or delete the old file first")
    coder = coder_id(db, name)
    codings = _rows(db, "SELECT * FROM codings WHERE coder_id = ? ORDER BY id", [coder])
    memos = _rows(db, "SELECT * FROM memos WHERE coder_id = ? ORDER BY id", [coder])
    events = _rows(db, "SELECT * FROM events WHERE coder_id = ? ORDER BY id", [coder])
    doc_ids = sorted({r["document_id"] for r in codings} | {r["document_id"] for r in memos if r["document_id"] is not None})
    code_ids = sorted({r["code_id"] for r in codings} | {r["code_id"] for r in memos if r["code_id"] is not None})
    documents = [r for i in doc_ids for r in _rows(db, "SELECT * FROM documents WHERE id = ?", [i])]
    codes = [r for i in code_ids for r in _rows(db, "SELECT * FROM codes WHERE id = ?", [i])]
    groups = [r for i in sorted({c["group_id"] for c in codes}) for r in _rows(db, "SELECT * FROM code_groups WHERE id = ?", [i])]
    target.parent.mkdir(parents=True, exist_ok=True)
    out = open_db(target)
    try:
        with transaction(out):
            for row in _rows(db, "SELECT * FROM coders WHERE id = ?", [coder]):
                _insert(out, "coders", row)
            for row in documents:
                _insert(out, "documents", row)
            for row in groups:
                _insert(out, "code_groups", row)
            for row in codes:  # just the codes used: their parents and organisations stay behind
                _insert(out, "codes", {**row, "parent_id": row["parent_id"] if row["parent_id"] in code_ids else None,
                                       "organisation_id": None})
            for table, rows in (("codings", codings), ("memos", memos), ("events", events)):
                for row in rows:
                    _insert(out, table, row)
            set_setting(out, "exported_coder", name)
            set_setting(out, "exported_at", now())
        out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file to hand over
    finally:
        out.close()
    return ExportReport(target, name, len(codings), len(memos), len(events), len(documents), len(codes))
