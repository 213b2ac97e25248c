"""Syncing the codebook to the database: the YAML's groups, codes and organisations become rows.

`sync_codebook` brings the database's `code_groups`, `codes` and `organisations` in line with a
loaded codebook without ever dropping a code that still has codings (it is retired instead),
so a researcher can edit the YAML freely; `codebook_tree` reads the codes back as stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from coder.codebook.model import Codebook
from coder.db import Database, new_uuid, set_setting, setting
from coder.events import Changes, writing


@dataclass
class SyncReport:
    """What a sync changed, as `group/name` paths of codes."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # gone from the YAML but kept: they have codings
    organisations_changed: bool = False


def codebook_is_current(db: Database, codebook: Codebook) -> bool:
    """True when the database already holds exactly this version of the codebook files."""
    return setting(db, "codebook_sha256") == codebook.sha256


def sync_codebook(db: Database, codebook: Codebook) -> SyncReport:
    """Bring the database's groups, codes and organisations in line with the codebook, in one transaction."""
    report = SyncReport()
    with writing(db, "sync_codebook", coder_id=None, undoable=False) as changes:
        report.organisations_changed = _sync_organisations(db, changes, codebook)
        group_ids = {}
        for ordinal, group in enumerate(codebook.groups):
            values: dict[str, int | float | str | None] = {
                "description": group.description, "exclusive": int(group.exclusive), "generate": group.generate, "ordinal": ordinal,
                "ordered": int(group.ordered)}
            row = db.execute("SELECT id FROM code_groups WHERE name = ?", [group.name]).fetchone()
            if row:
                changes.update("code_groups", row[0], values)
                group_ids[group.name] = row[0]
            else:
                group_ids[group.name] = changes.insert("code_groups", {"name": group.name, **values})
        org_ids = dict(db.execute("SELECT name, id FROM organisations").fetchall())
        existing = {(r[1], r[2]): r[0] for r in db.execute(
            "SELECT c.id, g.name, c.name FROM codes c JOIN code_groups g ON g.id = c.group_id").fetchall()}
        wanted: dict[tuple[str, str], int] = {}
        for ordinal, code in enumerate(codebook.codes()):
            values = {
                "description": code.description, "include": code.include, "exclude": code.exclude,
                "examples": json.dumps(code.examples, ensure_ascii=False), "colour": code.colour, "key": code.key,
                "keywords": json.dumps(code.keywords, ensure_ascii=False),
                "organisation_id": org_ids.get(code.organisation) if code.organisation else None,
                "ordinal": ordinal, "active": 1, "value": code.value,
            }
            code_id = existing.get((code.group, code.name))
            if code_id:
                before = len(changes.ops)
                changes.update("codes", code_id, values)
                if len(changes.ops) > before and set(changes.ops[-1][4]) - {"ordinal"}:
                    report.changed.append(code.path)
            else:
                code_id = changes.insert("codes", {"uuid": new_uuid(), "group_id": group_ids[code.group], "name": code.name,
                                                   "parent_id": None, **values})
                report.added.append(code.path)
            wanted[(code.group, code.name)] = code_id
        for code in codebook.codes():
            parent_id = wanted[(code.group, code.parent)] if code.parent else None
            changes.update("codes", wanted[(code.group, code.name)], {"parent_id": parent_id})
        for (group_name, name), code_id in existing.items():
            if (group_name, name) in wanted:
                continue
            in_use = db.execute("SELECT (SELECT count(*) FROM codings WHERE code_id = :id)"
                                " + (SELECT count(*) FROM memos WHERE code_id = :id)", {"id": code_id}).fetchone()[0]
            if in_use:
                changes.update("codes", code_id, {"active": 0, "key": None})
                report.retired.append(f"{group_name}/{name}")
            else:
                for child in db.execute("SELECT id FROM codes WHERE parent_id = ?", [code_id]).fetchall():
                    changes.update("codes", child[0], {"parent_id": None})
                changes.delete("codes", code_id)
                report.removed.append(f"{group_name}/{name}")
        for group_id, name in db.execute("SELECT id, name FROM code_groups").fetchall():
            if name not in group_ids and not db.execute("SELECT 1 FROM codes WHERE group_id = ?", [group_id]).fetchone():
                changes.delete("code_groups", group_id)
        set_setting(db, "codebook_sha256", codebook.sha256)
        set_setting(db, "region", codebook.region)
        set_setting(db, "title", codebook.title)
    return report


def _sync_organisations(db: Database, changes: Changes, codebook: Codebook) -> bool:
    """Bring the organisations in line; True when their names, aliases or case rule changed (mentions must be found again)."""
    before = db.execute("SELECT name, aliases, match_case FROM organisations WHERE in_codebook = 1 ORDER BY name").fetchall()
    names = set()
    for org in codebook.organisations:
        names.add(org.name)
        values = {
            "full_name": org.full_name, "aliases": json.dumps(org.aliases, ensure_ascii=False), "type": org.type,
            "member_of": json.dumps(org.member_of, ensure_ascii=False), "based_in": org.based_in,
            "match_case": int(org.match_case), "description": org.description, "in_codebook": 1,
        }
        row = db.execute("SELECT id FROM organisations WHERE name = ?", [org.name]).fetchone()
        if row:
            changes.update("organisations", row[0], values)
        else:
            changes.insert("organisations", {"name": org.name, **values})
    for org_id, name in db.execute("SELECT id, name FROM organisations WHERE in_codebook = 1").fetchall():
        if name not in names:
            changes.update("organisations", org_id, {"in_codebook": 0})
            db.execute("DELETE FROM mentions WHERE organisation_id = ?", [org_id])
    after = db.execute("SELECT name, aliases, match_case FROM organisations WHERE in_codebook = 1 ORDER BY name").fetchall()
    return before != after


def codebook_tree(db: Database) -> list[dict[str, Any]]:
    """The codes as stored, in codebook order with each code's depth and number of codings."""
    cursor = db.execute(
        "SELECT g.name AS [group], g.exclusive, c.id, c.name AS code, p.name AS parent, c.parent_id, c.key, c.colour, c.description,"
        " c.active, (SELECT count(*) FROM codings WHERE code_id = c.id) AS codings"
        " FROM codes c JOIN code_groups g ON g.id = c.group_id LEFT JOIN codes p ON p.id = c.parent_id"
        " ORDER BY g.ordinal, c.ordinal"
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    ordered: list[dict[str, Any]] = []

    def visit(row: dict[str, Any], depth: int) -> None:
        ordered.append({**row, "depth": depth})
        for child in children.get(row["id"], []):
            visit(child, depth + 1)

    for row in children.get(None, []):
        visit(row, 0)
    return ordered
