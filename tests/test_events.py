"""The events log: every write is logged; undo and redo work from it, across restarts."""

from __future__ import annotations

import json

import pytest

from coder import coding, events
from coder.errors import CoderError
from coder.study import connect_study


def test_events_every_write_is_logged_with_its_changes(db):
    ana = coding.add_coder(db, "ana")
    accessing = coding.find_code(db, "Accessing")
    coding_id = coding.apply_code(db, 1, accessing, ana, 0, 10)
    coding.set_coding_memo(db, coding_id, "note", ana)
    coding.remove_code(db, 1, accessing, ana, 0, 10)
    rows = db.execute("SELECT action, coder_id, undoable, changes FROM events WHERE coder_id = ? ORDER BY id", [ana]).fetchall()
    assert [(r[0], r[2]) for r in rows] == [("add_coder", 0), ("code", 1), ("memo", 1), ("uncode", 1)]
    code_ops, memo_ops, uncode_ops = (json.loads(r[3]) for r in rows[1:])
    assert code_ops[0][:2] == ["insert", "codings"] and code_ops[0][2]["id"] == coding_id
    ((kind, table, row_id, before, after),) = memo_ops
    assert (kind, table, row_id, before["memo"], after["memo"]) == ("update", "codings", coding_id, None, "note")
    assert uncode_ops[0][0] == "delete" and uncode_ops[0][2]["memo"] == "note"


def test_events_undo_and_redo_walk_the_history(db):
    ana = coding.add_coder(db, "ana")
    accessing, broker = coding.find_code(db, "Accessing"), coding.find_code(db, "broker")
    coding.apply_code(db, 1, accessing, ana, 0, 10)
    coding.apply_code(db, 1, broker, ana, 20, 30)
    count = lambda: db.execute("SELECT count(*) FROM codings").fetchone()[0]
    assert events.undo(db, ana).summary == "code role/broker at 20-30" and count() == 1
    assert events.undo(db, ana).summary == "code function/Accessing at 0-10" and count() == 0
    assert events.undo(db, ana) is None
    assert events.redo(db, ana).summary == "code function/Accessing at 0-10" and count() == 1
    assert events.redo(db, ana).summary == "code role/broker at 20-30" and count() == 2
    assert events.redo(db, ana) is None
    assert events.undo(db, ana).summary == "code role/broker at 20-30"
    coding.apply_code(db, 1, accessing, ana, 40, 50)  # a new change clears the redo stack
    assert events.redo(db, ana) is None
    assert events.undo(db, ana).summary == "code function/Accessing at 40-50"
    assert events.undo(db, ana).summary == "code function/Accessing at 0-10" and count() == 0


def test_events_undo_survives_a_restart_and_keeps_ids(study, db):
    ana = coding.add_coder(db, "ana")
    coding_id = coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, 0, 10)
    uuid = db.execute("SELECT uuid FROM codings").fetchone()[0]
    events.undo(db, ana)
    db.close()
    reopened = connect_study(study)
    assert events.redo(reopened, ana) is not None
    assert reopened.execute("SELECT id, uuid FROM codings").fetchone() == (coding_id, uuid)
    assert events.undo(reopened, ana) is not None
    assert reopened.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
    reopened.close()


def test_events_undo_is_per_coder(db):
    ana, ben = coding.add_coder(db, "ana"), coding.add_coder(db, "ben")
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, 0, 10)
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ben, 0, 10)
    events.undo(db, ana)
    assert [r[0] for r in db.execute("SELECT r.name FROM codings c JOIN coders r ON r.id = c.coder_id")] == ["ben"]


def test_events_undo_refuses_when_the_row_changed_since(db):
    ana = coding.add_coder(db, "ana")
    coding_id = coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, 0, 10)
    db.execute("UPDATE codings SET memo = 'edited elsewhere' WHERE id = ?", [coding_id])  # e.g. a merge
    with pytest.raises(CoderError, match="was changed since"):
        events.undo(db, ana)
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 1
