"""Open coding: creating, renaming, moving, merging and defining codes while coding.

Each edit is one transaction and one undoable event, and is written through to
`codebook/codebook.yaml` by `coder.codebook.mirror` (comments, order and layout of untouched
entries kept), so the YAML stays the readable, versionable source of the codebook. Undo and
redo of these events go through `undo_with_codebook` / `redo_with_codebook` (or `events.undo`
followed by `mirror_to_yaml(study, db, event.ops)`), which bring the YAML back in line with
the database. Codes generated from the organisations file are edited there, not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coder.codebook.mirror import mirror_to_yaml
from coder.codebook.model import BASIC_COLOURS, HEX_COLOUR, RESERVED_KEYS, TEXT_FIELDS
from coder.coding import CodeRef, apply_in, check_version, find_code, reshape_coding
from coder.db import Database, locked, new_uuid, now
from coder.errors import CoderError
from coder.events import Changes, writing

if TYPE_CHECKING:
    from coder.study import Study  # coder.study imports this package: a runtime import would be a cycle

CodeLike = CodeRef | str | int  # a CodeRef, "name" / "group/name", or a code id


@dataclass(frozen=True)
class MergeReport:
    target: CodeRef
    moved: int  # codings that simply changed code
    unioned: int  # codings joined with an overlapping coding of the target


# Looking codes up ----------------------------------------------------------------------------


def _row(db: Database, code: CodeLike) -> dict[str, Any]:
    if isinstance(code, CodeRef):
        code_id = code.id
    elif isinstance(code, int):
        code_id = code
    else:
        code_id = find_code(db, code).id
    cursor = db.execute(
        "SELECT c.*, g.name AS group_name, g.generate, g.exclusive FROM codes c JOIN code_groups g ON g.id = c.group_id"
        " WHERE c.id = ?", [code_id])
    values = cursor.fetchone()
    if values is None:
        raise CoderError(f"code {code_id} no longer exists", fix="refresh the codebook pane and try again")
    return dict(zip([d[0] for d in cursor.description], values))


def _ref(row: dict[str, Any]) -> CodeRef:
    return CodeRef(row["id"], row["name"], row["group_name"], bool(row["exclusive"]))


def _path(row: dict[str, Any]) -> str:
    return f"{row['group_name']}/{row['name']}"


def _editable(row: dict[str, Any], verb: str) -> None:
    if row["organisation_id"] is not None:
        raise CoderError(f"'{_path(row)}' is generated from the organisations file and cannot be {verb} here",
                         fix="edit the organisation in codebook/organisations.yaml instead")
    if not row["active"]:
        raise CoderError(f"'{_path(row)}' is retired (it is no longer in codebook.yaml)",
                         fix="merge it into a current code, or add it back with + (same name)")


def _ancestors(db: Database, code_id: int | None) -> list[int]:
    chain: list[int] = []
    while code_id is not None and code_id not in chain:
        chain.append(code_id)
        row = db.execute("SELECT parent_id FROM codes WHERE id = ?", [code_id]).fetchone()
        code_id = row[0] if row else None
    return chain


# Validation ------------------------------------------------------------------------------------


def _check_name(db: Database, group_id: int, group: str, name: str, except_id: int | None = None) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise CoderError("a code needs a name", fix="type a name for the code")
    if "/" in name:
        raise CoderError(f"'{name}' contains '/', which separates group and code (group/name)", fix="choose a name without /")
    for other_id, other, active in db.execute("SELECT id, name, active FROM codes WHERE group_id = ?", [group_id]):
        if other_id != except_id and other.casefold() == name.casefold() and (active or other != name):
            state = "" if active else " (retired)"
            raise CoderError(f"group '{group}' already has a code named '{other}'{state}",
                             fix="choose another name, or merge the two codes")
    return name


def _check_key(db: Database, key: str | None, except_id: int | None = None) -> str | None:
    if key is None or key == "":
        return None
    key = "space" if key == " " else str(key)
    if len(key) != 1 and key != "space":
        raise CoderError(f"shortcut key '{key}' is not one character", fix="use a single character, e.g. 5 or t")
    if key in RESERVED_KEYS:
        raise CoderError(f"shortcut key '{key}' is reserved for a coder command",
                         fix=f"choose a key other than {' '.join(sorted(RESERVED_KEYS))}")
    used = db.execute("SELECT g.name || '/' || c.name FROM codes c JOIN code_groups g ON g.id = c.group_id"
                      " WHERE c.key = ? AND c.active = 1 AND c.id IS NOT ?", [key, except_id]).fetchone()
    if used:
        raise CoderError(f"shortcut key '{key}' is already used by '{used[0]}'", fix="choose a free key, or none")
    return key


def _check_colour(colour: str | None) -> str | None:
    if colour is None or colour == "":
        return None
    colour = colour.strip()
    if HEX_COLOUR.fullmatch(colour) or colour.lower() in BASIC_COLOURS:
        return colour
    raise CoderError(f"bad colour '{colour}'", fix="use #rrggbb, e.g. #2a9d8f, or a basic colour name")


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _texts(values: list[str]) -> str:
    return json.dumps(list(dict.fromkeys(v.strip() for v in values if v and v.strip())), ensure_ascii=False)


# The edits ---------------------------------------------------------------------------------------


@locked
def create_code(
    db: Database, study: Study, *, group: str, name: str, parent: CodeLike | None = None, key: str | None = None,
    colour: str | None = None, description: str | None = None, coder_id: int | None = None,
    apply_to: tuple[int, int, int] | None = None, version: int | None = None,
) -> CodeRef:
    """Add a code to a group (under `parent`, if given) and to codebook.yaml; returns it.

    A retired code of the same name (one that still has codings) comes back instead of a new one.

    Args:
        coder_id: who makes the change (needed for the coder to undo it).
        apply_to: (document_id, start, end) to code with the new code in the same event, so
            one undo takes back both (the workbench's `+`).
        version: the version of that document's text the span was read from (refused if it changed since).
    """
    if apply_to is not None and coder_id is None:
        raise CoderError("a new code can only be applied for a coder", fix="pass coder_id with apply_to")
    groups = db.execute("SELECT id, name, exclusive, generate FROM code_groups ORDER BY ordinal").fetchall()
    found = [g for g in groups if g[1] == group] or [g for g in groups if g[1].casefold() == str(group).casefold()]
    if not found:
        raise CoderError(f"no code group named '{group}'", fix=f"use one of: {', '.join(g[1] for g in groups)}")
    group_id, group, exclusive, generate = found[0]
    if generate:
        raise CoderError(f"the codes of group '{group}' are generated from the organisations file",
                         fix="add the organisation to codebook/organisations.yaml instead")
    name = " ".join(str(name).split())
    retired = db.execute("SELECT id FROM codes WHERE group_id = ? AND name = ? AND active = 0", [group_id, name]).fetchone()
    name = _check_name(db, group_id, group, name, except_id=retired[0] if retired else None)
    parent_row = _row(db, parent) if parent is not None else None
    if parent_row is not None:
        _check_parent(parent_row, group_id, group)
    values = {
        "parent_id": parent_row["id"] if parent_row else None, "key": _check_key(db, key),
        "colour": _check_colour(colour), "description": _text(description), "active": 1,
    }
    with writing(db, "create_code", coder_id=coder_id, summary=f"create code {group}/{name}") as changes:
        values["ordinal"] = _make_room(db, changes, group_id, parent_row)
        if retired:
            code_id = retired[0]
            changes.update("codes", code_id, {k: v for k, v in values.items() if v is not None or k == "parent_id"})
        else:
            code_id = changes.insert("codes", {
                "uuid": new_uuid(), "group_id": group_id, "name": name, "include": None, "exclude": None,
                "examples": "[]", "keywords": "[]", "organisation_id": None, **values,
            })
        created = CodeRef(code_id, name, group, bool(exclusive))
        if apply_to is not None:
            check_version(db, apply_to[0], version)
            assert coder_id is not None  # checked on entry
            apply_in(changes, apply_to[0], created, coder_id, apply_to[1], apply_to[2])
        mirror_to_yaml(study, db, changes.ops)
    return created


def _check_parent(parent: dict[str, Any], group_id: int, group: str) -> None:
    if parent["group_id"] != group_id:
        raise CoderError(f"parent '{_path(parent)}' is in another group than '{group}'",
                         fix=f"choose a parent from group '{group}', or none")
    if not parent["active"]:
        raise CoderError(f"parent '{_path(parent)}' is retired", fix="choose a parent that is in the codebook")


def _make_room(db: Database, changes: Changes, group_id: int, parent: dict[str, Any] | None) -> int:
    """The ordinal of a new code: after its parent's sub-codes, else at the end of its group."""
    rows = db.execute("SELECT id, parent_id, ordinal FROM codes WHERE group_id = ?", [group_id]).fetchall()
    if not rows:
        return 0
    if parent is None:
        return max(r[2] for r in rows) + 1
    family, grew = {parent["id"]}, True
    while grew:
        before = len(family)
        family |= {r[0] for r in rows if r[1] in family}
        grew = len(family) > before
    ordinal = max(r[2] for r in rows if r[0] in family) + 1
    for code_id, _, later in rows:
        if later >= ordinal:
            changes.update("codes", code_id, {"ordinal": later + 1})
    return ordinal


@locked
def rename_code(db: Database, study: Study, code: CodeLike, new_name: str, *, coder_id: int | None = None) -> CodeRef:
    """Rename a code (its codings keep it); sub-codes in the YAML follow the new name."""
    row = _row(db, code)
    _editable(row, "renamed")
    name = _check_name(db, row["group_id"], row["group_name"], new_name, except_id=row["id"])
    with writing(db, "rename_code", coder_id=coder_id, summary=f"rename {_path(row)} to {name}") as changes:
        changes.update("codes", row["id"], {"name": name})
        mirror_to_yaml(study, db, changes.ops)
    return CodeRef(row["id"], name, row["group_name"], bool(row["exclusive"]))


@locked
def move_code(db: Database, study: Study, code: CodeLike, new_parent: CodeLike | None, *, coder_id: int | None = None) -> CodeRef:
    """Make a code a sub-code of `new_parent` (same group), or a top-level code with None."""
    row = _row(db, code)
    _editable(row, "moved")
    parent_id, where = None, "to the top level"
    if new_parent is not None:
        parent = _row(db, new_parent)
        _check_parent(parent, row["group_id"], row["group_name"])
        if row["id"] in _ancestors(db, parent["id"]):
            raise CoderError(f"'{_path(parent)}' is '{row['name']}' itself or one of its sub-codes (a parent cycle)",
                             fix="choose a parent outside the code's own branch")
        parent_id, where = parent["id"], f"under {parent['name']}"
    with writing(db, "move_code", coder_id=coder_id, summary=f"move {_path(row)} {where}") as changes:
        changes.update("codes", row["id"], {"parent_id": parent_id})
        mirror_to_yaml(study, db, changes.ops)
    return _ref(row)


@locked
def merge_codes(db: Database, study: Study, source: CodeLike, target: CodeLike, *, coder_id: int | None = None) -> MergeReport:
    """Merge `source` into `target`: its codings, memos, sub-codes and keywords move over, then it is removed.

    Per coder and document, a source coding that overlaps target codings is joined with them into
    one coding (memos kept, one after the other), so nothing is ever coded twice.
    """
    src, dst = _row(db, source), _row(db, target)
    if src["id"] == dst["id"]:
        raise CoderError(f"cannot merge '{_path(src)}' into itself", fix="choose two different codes")
    if src["group_id"] != dst["group_id"]:
        raise CoderError(f"'{_path(src)}' and '{_path(dst)}' are in different groups",
                         fix="merge codes of the same group (a group is one dimension of the coding)")
    for row in (src, dst):
        if row["organisation_id"] is not None:
            raise CoderError(f"'{_path(row)}' is generated from the organisations file and cannot be merged here",
                             fix="merge the organisations in codebook/organisations.yaml (make one an alias of the other)")
    _editable(dst, "merged into")  # a retired source is fine: merging is how its codings find a home
    with writing(db, "merge_codes", coder_id=coder_id, summary=f"merge {_path(src)} into {_path(dst)}") as changes:
        moved, unioned = _move_codings(changes, src["id"], dst["id"])
        for (memo_id,) in db.execute("SELECT id FROM memos WHERE code_id = ?", [src["id"]]).fetchall():
            changes.update("memos", memo_id, {"code_id": dst["id"]})
        if src["id"] in _ancestors(db, dst["parent_id"]):
            changes.update("codes", dst["id"], {"parent_id": src["parent_id"]})
        for (child,) in db.execute("SELECT id FROM codes WHERE parent_id = ? AND id != ?", [src["id"], dst["id"]]).fetchall():
            changes.update("codes", child, {"parent_id": dst["id"]})
        keywords = json.loads(dst["keywords"]) + json.loads(src["keywords"])
        changes.update("codes", dst["id"], {"keywords": _texts(keywords)})
        changes.delete("codes", src["id"])
        mirror_to_yaml(study, db, changes.ops)
    return MergeReport(_ref(dst), moved, unioned)


def _move_codings(changes: Changes, source_id: int, target_id: int) -> tuple[int, int]:
    db = changes.db
    cursor = db.execute("SELECT * FROM codings WHERE code_id = ? ORDER BY document_id, coder_id, start", [source_id])
    names = [d[0] for d in cursor.description]
    moved = unioned = 0
    for coding in [dict(zip(names, r)) for r in cursor.fetchall()]:
        found = db.execute(
            "SELECT * FROM codings WHERE document_id = ? AND coder_id = ? AND code_id = ? AND start < ? AND end > ? ORDER BY start",
            [coding["document_id"], coding["coder_id"], target_id, coding["end"], coding["start"]])
        overlapping = [dict(zip(names, r)) for r in found.fetchall()]
        if not overlapping:
            changes.update("codings", coding["id"], {"code_id": target_id, "updated": now()})
            moved += 1
            continue
        keep, *others = overlapping
        memos = [c["memo"] for c in [*overlapping, coding] if c["memo"]]
        for other in [*others, coding]:
            changes.delete("codings", other["id"])
        reshape_coding(changes, keep, min(c["start"] for c in [*overlapping, coding]), max(c["end"] for c in [*overlapping, coding]))
        changes.update("codings", keep["id"], {"memo": "\n\n".join(dict.fromkeys(memos)) or None})
        unioned += 1
    return moved, unioned


@locked
def define_code(
    db: Database, study: Study, code: CodeLike, description: str | None = None, include: str | None = None,
    exclude: str | None = None, *, examples: list[str] | None = None, keywords: list[str] | None = None,
    key: str | None = None, colour: str | None = None, coder_id: int | None = None,
) -> CodeRef:
    """Give a code its definition (description, include, exclude) and, optionally, examples, keywords, key, colour.

    None leaves a field as it is; an empty string (or list) clears it.
    """
    row = _row(db, code)
    _editable(row, "redefined")
    values: dict[str, Any] = {}
    for field, value in zip(TEXT_FIELDS, (description, include, exclude)):
        if value is not None:
            values[field] = _text(value)
    if examples is not None:
        values["examples"] = _texts(examples)
    if keywords is not None:
        values["keywords"] = _texts(keywords)
    if key is not None:
        values["key"] = _check_key(db, key, except_id=row["id"])
    if colour is not None:
        values["colour"] = _check_colour(colour)
    with writing(db, "define_code", coder_id=coder_id, summary=f"define {_path(row)}") as changes:
        changes.update("codes", row["id"], values)
        mirror_to_yaml(study, db, changes.ops)
    return _ref(row)
