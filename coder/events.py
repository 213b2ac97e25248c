"""The append-only events log: who changed what and when, with enough to undo and redo it.

Every public write runs inside `writing(...)`, which records the rows it inserted, deleted
and updated as one event in the same transaction. Undo and redo are themselves events that
point (`reverts`) at the original one, so the history survives restarts and is never rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from coder.db import Database, inserted_id, new_uuid, now, transaction
from coder.errors import CoderError

Op = list[Any]  # ["insert", table, row] | ["delete", table, row] | ["update", table, id, before, after]


@dataclass
class Changes:
    """The rows one write touched, in order, so that the write can be inverted exactly."""

    db: Database
    ops: list[Op] = field(default_factory=list)

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert a row and remember it; returns its id."""
        columns = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.db.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({marks}) RETURNING *", list(row.values()))
        stored = dict(zip([d[0] for d in cursor.description], cursor.fetchall()[0]))  # with the columns' defaults, as undo will see it
        self.ops.append(["insert", table, stored])
        return stored["id"]

    def delete(self, table: str, row_id: int) -> dict[str, Any]:
        """Delete a row and remember all of it; returns the deleted row."""
        cursor = self.db.execute(f"DELETE FROM [{table}] WHERE id = ? RETURNING *", [row_id])
        found = cursor.fetchall()
        if not found:
            raise CoderError(f"{table} row {row_id} no longer exists", fix="refresh the view and try again")
        row = dict(zip([d[0] for d in cursor.description], found[0]))
        self.ops.append(["delete", table, row])
        return row

    def update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        """Change some columns of a row and remember their old values."""
        row = _fetch(self.db, table, row_id)
        after = {k: v for k, v in values.items() if row[k] != v}
        if not after:
            return
        sets = ", ".join(f"[{c}] = ?" for c in after)
        self.db.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", [*after.values(), row_id])
        self.ops.append(["update", table, row_id, {k: row[k] for k in after}, after])


ACCOUNTED = ("id", "uuid", "document_id", "code_id", "coder_id", "start", "end")  # what places a coding


def accounted(ops: list[Op]) -> list[Op]:
    """The rows of a bulk write (a coding file, a merge, a REFI import) cut to what places each one, so that the
    log accounts for every coding it brought while staying small: such a load is never undone row by row."""
    def cut(row: dict[str, Any]) -> dict[str, Any]:
        return {k: row[k] for k in ACCOUNTED if k in row}

    return [[op[0], op[1], cut(op[2])] if op[0] != "update" else [op[0], op[1], op[2], cut(op[3]), cut(op[4])]
            for op in ops if op[1] == "codings"]


def _fetch(db: Database, table: str, row_id: int) -> dict[str, Any]:
    cursor = db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])
    values = cursor.fetchone()
    if values is None:
        raise CoderError(f"{table} row {row_id} no longer exists", fix="refresh the view and try again")
    return dict(zip([d[0] for d in cursor.description], values))


@contextmanager
def writing(
    db: Database,
    action: str,
    *,
    coder_id: int | None,
    summary: str = "",
    undoable: bool = True,
) -> Iterator[Changes]:
    """Run one write as one transaction and log it as one event (skipped when nothing changed)."""
    with transaction(db):
        changes = Changes(db)
        yield changes
        if changes.ops or not undoable:
            log_event(db, action, coder_id=coder_id, summary=summary, ops=changes.ops, undoable=undoable)


def log_event(
    db: Database,
    action: str,
    *,
    coder_id: int | None,
    summary: str = "",
    ops: list[Op] | None = None,
    undoable: bool = False,
    reverts: int | None = None,
    ops_json: str | None = None,
) -> int:
    """Append one event; inside the caller's transaction. `ops_json`: the ops already as JSON text (a bulk load
    writes its many rows' ops as it goes, rather than holding them all as objects)."""
    cursor = db.execute(
        "INSERT INTO events (uuid, at, coder_id, action, summary, undoable, reverts, changes)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [new_uuid(), now(), coder_id, action, summary, int(undoable), reverts, ops_json or json.dumps(ops or [])],
    )
    return inserted_id(cursor)


@dataclass(frozen=True)
class Event:
    id: int
    action: str
    summary: str
    undoable: bool
    reverts: int | None
    ops: list[Op]


def _events_backwards(db: Database, coder_id: int, batch: int = 200) -> Iterator[Event]:
    before = None
    while True:
        rows = db.execute(
            "SELECT id, action, summary, undoable, reverts, changes FROM events"
            " WHERE coder_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
            [coder_id, before, before, batch],
        ).fetchall()
        if not rows:
            return
        for row in rows:
            yield Event(row[0], row[1], row[2], bool(row[3]), row[4], json.loads(row[5]))
        before = rows[-1][0]


def _original(db: Database, event_id: int) -> Event:
    row = db.execute(
        "SELECT id, action, summary, undoable, reverts, changes FROM events WHERE id = ?", [event_id]
    ).fetchone()
    return Event(row[0], row[1], row[2], bool(row[3]), row[4], json.loads(row[5]))


def next_undo(db: Database, coder_id: int) -> tuple[Event, Event] | None:
    """The coder's most recent change still in effect: (original event, event whose ops to invert)."""
    decided: set[int | None] = set()
    for event in _events_backwards(db, coder_id):
        if event.action == "redo" and event.reverts not in decided:
            assert event.reverts is not None  # an undo or a redo names the event it reverts (merge drops those that cannot)
            return _original(db, event.reverts), event
        if event.action in ("undo", "redo"):
            decided.add(event.reverts)
        elif event.undoable and event.id not in decided:
            return event, event
    return None


def next_redo(db: Database, coder_id: int) -> tuple[Event, Event] | None:
    """The coder's most recent undo that can be redone (none once a new change was made)."""
    decided: set[int | None] = set()
    for event in _events_backwards(db, coder_id):
        if event.action == "undo" and event.reverts not in decided:
            assert event.reverts is not None  # an undo or a redo names the event it reverts (merge drops those that cannot)
            return _original(db, event.reverts), event
        if event.action in ("undo", "redo"):
            decided.add(event.reverts)
        elif event.undoable and event.id not in decided:
            return None
    return None


def undo(db: Database, coder_id: int) -> Event | None:
    """Undo the coder's last change still in effect; returns the original event, or None."""
    return _revert(db, coder_id, "undo")


def redo(db: Database, coder_id: int) -> Event | None:
    """Redo the coder's last undone change; returns the original event, or None."""
    return _revert(db, coder_id, "redo")


def _revert(db: Database, coder_id: int, action: str) -> Event | None:
    with transaction(db):
        found = (next_undo if action == "undo" else next_redo)(db, coder_id)
        if found is None:
            return None
        original, applied = found
        _refuse_offsets_of_a_replaced_text(db, action, applied)
        changes = Changes(db)
        for op in reversed(applied.ops):
            _invert(changes, op)
        log_event(
            db, action, coder_id=coder_id, summary=f"{action}: {original.summary}",
            ops=changes.ops, reverts=original.id,
        )
        return original


def _refuse_offsets_of_a_replaced_text(db: Database, action: str, applied: Event) -> None:
    """Undo and redo put rows and offsets back as they were when `applied` was made: never onto a transcript
    re-imported since, where those offsets would fall on other words."""
    placed = {op[2]["document_id"] for op in applied.ops if op[0] == "delete" and op[2].get("document_id") is not None}
    placed |= {row[0] for op in applied.ops if op[0] == "update" and {"start", "end"} & set(op[3])
               for row in db.execute(f"SELECT document_id FROM [{op[1]}] WHERE id = ?", [op[2]])}
    if not placed:
        return
    marks = ", ".join("?" for _ in placed)
    row = db.execute(f"SELECT name FROM documents WHERE id IN ({marks}) AND imported >= (SELECT at FROM events WHERE id = ?)",
                     [*placed, applied.id]).fetchone()
    if row:
        raise CoderError(f"cannot {action}: '{row[0]}' was re-imported since, and what it would put back would fall on other words",
                         fix="make the change again on the text as it is now")


def _invert(changes: Changes, op: Op) -> None:
    kind, table = op[0], op[1]
    if kind == "insert":
        row = op[2]
        current = _fetch(changes.db, table, row["id"])
        if current != row:
            raise CoderError(f"cannot undo: {table} row {row['id']} was changed since", fix="undo the later change first")
        changes.delete(table, row["id"])
    elif kind == "delete":
        changes.insert(table, op[2])
    else:
        row_id, before, after = op[2], op[3], op[4]
        current = _fetch(changes.db, table, row_id)
        if {k: current[k] for k in after} != after:
            raise CoderError(f"cannot undo: {table} row {row_id} was changed since", fix="undo the later change first")
        changes.update(table, row_id, before)


# The log replayed -------------------------------------------------------------------------------


def replay_codings(db: Database) -> tuple[dict[int, dict[str, Any]], set[int]]:
    """Replay every logged change to codings: (codings the log says exist, by id; ids it says were deleted)."""
    alive: dict[int, dict[str, Any]] = {}
    deleted: set[int] = set()
    for (changes,) in db.execute("SELECT changes FROM events WHERE changes LIKE '%\"codings\"%' ORDER BY id"):
        for op in json.loads(changes):
            if op[1] != "codings":
                continue
            if op[0] in ("insert", "delete") and op[2].get("id") is None:
                continue  # a merged event about a coding that never came here
            if op[0] == "insert":
                alive[op[2]["id"]] = dict(op[2])
                deleted.discard(op[2]["id"])
            elif op[0] == "delete":
                alive.pop(op[2]["id"], None)
                deleted.add(op[2]["id"])
            elif op[2] in alive:
                alive[op[2]].update(op[4])
    return alive, deleted


def account_for_codings(db: Database) -> int:
    """Record, in one event, every coding the log cannot account for — codings a load brought before loads
    recorded their rows (schema 3 and earlier) — so that from then on doctor can tell any other from a hand edit."""
    alive, deleted = replay_codings(db)
    cursor = db.execute(f"SELECT {', '.join(ACCOUNTED)} FROM codings ORDER BY id")
    rows = [dict(zip(ACCOUNTED, values)) for values in cursor.fetchall()]
    missing = [["insert", "codings", row] for row in rows if row["id"] not in alive and row["id"] not in deleted]
    if missing:
        log_event(db, "account_codings", coder_id=None, ops=missing,
                  summary=f"recorded {len(missing)} codings loaded before the events log kept every load's rows")
    return len(missing)
