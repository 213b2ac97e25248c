"""Keeping codebook.yaml in line with the database after a codebook edit, its undo or its redo.

The open-coding edits (`coder.codebook.editing`) change codes in the database; this module
writes the same change into `codebook/codebook.yaml` through `coder.codebook.document`, which
keeps the comments, order and layout of untouched entries. An undo puts back the very entry
it took out (with its heading comment), not one rebuilt from the database row.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder import events
from coder.codebook.document import (
    CodebookDocument,
    delete_entry,
    forget_document,
    insert_entry,
    load_document,
    new_entry,
    plain,
    set_field,
)
from coder.codebook.model import TEXT_FIELDS
from coder.db import Database, set_setting, setting, transaction
from coder.errors import CoderError
from coder.events import Op

if TYPE_CHECKING:
    from coder.study import Study  # coder.study imports this package: a runtime import would be a cycle

# The events of coder.codebook.editing: undoing or redoing one changes codebook.yaml too.
CODEBOOK_ACTIONS = frozenset({"create_code", "rename_code", "move_code", "merge_codes", "define_code"})


def undo_with_codebook(study: Study, db: Database, coder_id: int) -> events.Event | None:
    """`events.undo` for any change, and for a codebook edit the YAML too — all or nothing."""
    return _revert(study, db, coder_id, events.undo)


def redo_with_codebook(study: Study, db: Database, coder_id: int) -> events.Event | None:
    """`events.redo` for any change, and for a codebook edit the YAML too — all or nothing."""
    return _revert(study, db, coder_id, events.redo)


def _revert(study: Study, db: Database, coder_id: int, step: Any) -> events.Event | None:
    try:
        with transaction(db):
            event = step(db, coder_id)
            if event is not None and event.action in CODEBOOK_ACTIONS:
                mirror_to_yaml(study, db, event.ops)
    except sqlite3.IntegrityError as error:  # e.g. undoing a new code that another coder has used since
        raise CoderError(f"cannot {step.__name__} this codebook change: the code has been used since ({error})",
                         fix="remove or merge the codings made with it first") from error
    return event


@dataclass
class _Touched:
    """A code that an event changed: every name it had, its group and its uuid."""

    names: set[str]
    group_id: int | None = None
    uuid: str | None = None


# Entries taken out of the YAML in this session, by (codebook folder, code uuid): an undo puts
# back the very entry (its comments and layout), not one rebuilt from the database row.
_removed: dict[tuple[Path, str], tuple[Any, str | None]] = {}
_replaced: dict[tuple[Path, str, str, Any], Any] = {}  # the same for single text values


def _touched(ops: list[Op]) -> dict[int, _Touched]:
    """The codes an event changed (beyond their position), with every name they had."""
    touched: dict[int, _Touched] = {}
    for op in ops:
        if op[1] != "codes":
            continue
        if op[0] in ("insert", "delete"):
            entry = touched.setdefault(op[2]["id"], _Touched(set()))
            entry.names.add(op[2]["name"])
            entry.group_id, entry.uuid = op[2]["group_id"], op[2]["uuid"]
        elif set(op[4]) - {"ordinal"}:
            entry = touched.setdefault(op[2], _Touched(set()))
            entry.names.update(side["name"] for side in (op[3], op[4]) if "name" in side)
    return touched


def mirror_to_yaml(study: Study, db: Database, ops: list[Op]) -> bool:
    """Bring codebook.yaml in line with the database for the codes these event ops touched; True if written.

    Works the same for an edit, its undo and its redo (pass the original event's ops): the codes
    named in the ops are compared with their rows as they are now. Stores the new codebook
    sha256 in the settings unless the YAML had changed on disk since the last sync (then the
    next open re-reads it).
    """
    touched = _touched(ops)
    if not touched:
        return False
    with transaction(db):
        cursor = db.execute("SELECT c.*, g.name AS group_name FROM codes c JOIN code_groups g ON g.id = c.group_id")
        columns = [d[0] for d in cursor.description]
        rows = {r[0]: dict(zip(columns, r)) for r in cursor.fetchall()}
        for code_id, entry in touched.items():
            if code_id in rows:
                entry.group_id, entry.uuid = rows[code_id]["group_id"], rows[code_id]["uuid"]
                entry.names.add(rows[code_id]["name"])
        groups = dict(db.execute("SELECT id, name FROM code_groups").fetchall())
        document = load_document(study.codebook_dir)
        was_current = setting(db, "codebook_sha256") == document.sha256
        changed = False
        try:
            for group_id in dict.fromkeys(t.group_id for t in touched.values()):
                if group_id in groups:
                    mine = {i: t for i, t in touched.items() if t.group_id == group_id}
                    live = {i: r for i, r in rows.items() if r["group_id"] == group_id and r["active"] and r["organisation_id"] is None}
                    changed |= _mirror_group(document, groups[group_id], mine, live)
            if changed:
                sha = document.save()
                if was_current:
                    set_setting(db, "codebook_sha256", sha)
            else:
                forget_document(study.codebook_dir)  # it may hold an empty `codes:` list made on the way
        except BaseException:
            forget_document(study.codebook_dir)  # it may hold half an edit
            raise
    return changed


def _mirror_group(document: CodebookDocument, group: str, touched: dict[int, _Touched], live: dict[int, dict[str, Any]]) -> bool:
    entries = document.codes(group, create=any(i in live for i in touched))
    by_name = {row["name"]: code_id for code_id, row in live.items()}
    old_names = set().union(*(t.names for t in touched.values()))
    names = [plain(e.get("name")) if isinstance(e, dict) else None for e in entries]
    ids: list[int | None] = []
    for name in names:
        code_id = by_name.get(name)
        if code_id is None:  # a renamed code still under an old name
            code_id = next((i for i, t in touched.items() if name in t.names and i in live and live[i]["name"] not in names), None)
        ids.append(code_id if code_id not in ids else None)
    changed = False
    for index in reversed(range(len(entries))):
        if ids[index] is None and names[index] in old_names:
            entry = entries[index]
            heading = delete_entry(entries, index, document.group(group), "codes")
            for t in touched.values():
                if names[index] in t.names and t.uuid:
                    _removed[(document.folder, t.uuid)] = (entry, heading)
            del ids[index]
            changed = True
    for code_id in sorted((i for i in touched if i in live and i not in ids), key=lambda i: live[i]["ordinal"]):
        ordinal = live[code_id]["ordinal"]
        index = next((n for n, i in enumerate(ids) if i is not None and live[i]["ordinal"] > ordinal), len(ids))
        entry, heading = _removed.pop((document.folder, live[code_id]["uuid"]), (None, None))
        if entry is None:
            entry = new_entry(_fields(live[code_id], live))
        insert_entry(entries, index, entry, document.group(group), "codes", heading)
        ids.insert(index, code_id)
        changed = True
    for entry, code_id in zip(entries, ids):
        if code_id is None:
            continue
        fields = _fields(live[code_id], live)
        if code_id in touched:
            uuid = live[code_id]["uuid"]
            for field in ("name", "key", "colour", *TEXT_FIELDS, "examples", "keywords"):
                old, value = entry.get(field), fields.get(field)
                styled = _replaced.pop((document.folder, uuid, field, plain(value)), None) if isinstance(value, str) else None
                if set_field(entry, field, value, styled=styled):
                    changed = True
                    if isinstance(old, str):
                        _replaced[(document.folder, uuid, field, plain(old))] = old
        if code_id in touched or plain(entry.get("parent")) in old_names:
            changed |= set_field(entry, "parent", fields.get("parent"))
    return changed


def _fields(row: dict[str, Any], live: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A code row as the YAML fields that describe it."""
    parent = live.get(row["parent_id"]) if row["parent_id"] is not None else None
    return {
        "name": row["name"], "parent": parent["name"] if parent else None, "key": row["key"], "colour": row["colour"],
        "description": row["description"], "include": row["include"], "exclude": row["exclude"],
        "examples": json.loads(row["examples"] or "[]"), "keywords": json.loads(row["keywords"] or "[]"),
    }
