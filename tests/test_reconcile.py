"""Reconciliation on the bundled study with its two demonstration coders: the queue, every kind of decision,
undo, resuming where the walk stopped, and agreement of the consensus with each coder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coder import coding, events, reconcile
from coder.db import set_setting
from coder.errors import CoderError
from coder.study import Study, connect_study


@pytest.fixture
def db(bundled_coded: Path, tmp_path: Path):
    root = tmp_path / "piura"
    shutil.copytree(bundled_coded, root)
    database = connect_study(Study(root))
    yield database
    database.close()


def coder_rows(db, name: str) -> list[tuple]:
    return db.execute("SELECT c.uuid, c.code_id, c.start, c.end, c.memo, c.updated FROM codings c JOIN coders r ON r.id = c.coder_id"
                      " WHERE r.name = ? ORDER BY c.uuid", [name]).fetchall()


def names(db, ids) -> list[str]:
    paths = {r[0]: f"{r[1]}/{r[2]}" for r in db.execute(
        "SELECT c.id, g.name, c.name FROM codes c JOIN code_groups g ON g.id = c.group_id")}
    return sorted(paths[i] for i in ids)


def test_reconcile_queue_lists_every_passage_where_the_coders_differ(db):
    queue = reconcile.open_queue(db)
    assert (queue.coders, queue.consensus) == (["ana", "ben"], "consensus")
    assert queue.documents == ["int01", "int03", "int04", "int12", "int16"]  # not cong02: only ana coded it
    assert queue.groups == ["function", "phase", "role", "actor"]
    assert len(queue.units) == 44 and queue.progress() == "1 of 44"
    assert all(unit.codes["ana"] != unit.codes["ben"] for unit in queue.units)
    assert [(u.document, u.ordinal) for u in queue.units] == sorted((u.document, u.ordinal) for u in queue.units)
    first = queue.units[0]
    assert first.key == "int01:2"
    assert names(db, first.disputed) == ["actor/APEM", "function/New technologies and markets"]
    only_phase = reconcile.open_queue(db, groups=["phase"])
    assert len(only_phase.units) == 16 and all(1 <= len(u.disputed) <= 2 for u in only_phase.units)


def consensus_codings(db) -> set[tuple[int, int, int]]:
    return {(d, s, c) for d, s, c in db.execute(
        "SELECT c.document_id, c.start, c.code_id FROM codings c JOIN coders r ON r.id = c.coder_id WHERE r.name = 'consensus'")}


def everything(db) -> list[list[tuple]]:
    return [db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in ("events", "codings", "coders", "settings")]


def test_reconcile_opening_writes_nothing_and_the_agreed_codes_are_a_decision(db):
    before = everything(db)
    queue = reconcile.open_queue(db)
    reconcile.open_queue(db, groups=["phase"], documents=["int01"], at="int01:4")
    assert everything(db) == before  # no consensus coder, no codings, no event, not even the queue's place
    shared = {(u.document_id, start, c) for u in queue.agreed + queue.units
              for c, spans in reconcile.target_codings(u, "intersection").items() for start, _ in spans}
    assert len(shared) == sum(len(u.shared) for u in queue.agreed + queue.units)
    assert len(queue.agreed) == 13 and reconcile.copy_agreed(db, queue) == len(shared) and consensus_codings(db) == shared
    assert events.undo(db, coding.coder_id(db, "consensus")).action == "reconcile_agreed"  # one step, undoable
    assert consensus_codings(db) == set()
    reconcile.decide(db, queue, queue.units[0], "drop")
    reconcile.copy_agreed(db, queue)  # passages already decided are left alone
    assert not {x for x in consensus_codings(db) if x[:2] == (queue.units[0].document_id, queue.units[0].start)}


def test_reconcile_every_kind_of_decision_leaves_the_coders_codings_alone(db):
    queue = reconcile.open_queue(db)
    unit = queue.units[0]  # int01 passage 2
    ana, ben = coder_rows(db, "ana"), coder_rows(db, "ben")
    expected = {
        ("keep", "ana"): unit.codes["ana"], ("keep", "ben"): unit.codes["ben"],
        ("union", None): unit.codes["ana"] | unit.codes["ben"], ("intersection", None): unit.shared, ("drop", None): frozenset(),
    }
    for (kind, who), codes in expected.items():
        decision = reconcile.decide(db, queue, unit, kind, coder=who)
        assert set(reconcile.consensus_codes(db, queue, unit)) == codes
        assert decision.codes == names(db, codes)
    enabling = coding.find_code(db, "function/Enabling").id
    reconcile.decide(db, queue, unit, "recode", codes=[enabling])
    assert reconcile.consensus_codes(db, queue, unit) == [enabling]
    assert coder_rows(db, "ana") == ana and coder_rows(db, "ben") == ben
    assert db.execute("SELECT count(*) FROM events WHERE action = 'reconcile'").fetchone() == (6,)
    assert reconcile.decided(db, queue) == {"int01:2": "recode → function/Enabling"}


def test_reconcile_a_decision_is_one_undoable_event(db):
    queue = reconcile.open_queue(db)
    unit = queue.units[0]
    consensus = coding.add_coder(db, "consensus")
    reconcile.decide(db, queue, unit, "keep", coder="ana", memo="ana's reading: APEM only reports here")
    assert reconcile.rationale(db, queue, unit) == "ana's reading: APEM only reports here"
    reconcile.decide(db, queue, unit, "drop")
    assert events.undo(db, consensus).summary == "reconcile int01 passage 2: drop → nothing"
    assert set(reconcile.consensus_codes(db, queue, unit)) == unit.codes["ana"]
    assert reconcile.decided(db, queue)["int01:2"].startswith("keep ana")
    events.undo(db, consensus)
    assert reconcile.consensus_codes(db, queue, unit) == [] and reconcile.rationale(db, queue, unit) is None
    assert "int01:2" not in reconcile.decided(db, queue)
    events.redo(db, consensus)
    assert reconcile.decided(db, queue)["int01:2"].startswith("keep ana")


def test_reconcile_union_of_an_exclusive_group_is_refused(db):
    queue = reconcile.open_queue(db, groups=["phase"])
    unit = queue.units[0]
    with pytest.raises(CoderError, match="phase is exclusive, and this would give both"):
        reconcile.decide(db, queue, unit, "union")
    assert reconcile.decide(db, queue, unit, "keep", coder="ben").codes == names(db, unit.codes["ben"])


def test_reconcile_keeps_a_coders_stretch_and_nudges_its_boundary(db):
    queue = reconcile.open_queue(db, groups=["role"])
    unit = queue.units[queue.index_of("int01:8")]
    broker = coding.find_code(db, "role/broker").id
    (ana_span,) = unit.spans[("ana", broker)]
    assert unit.start < ana_span[0] < ana_span[1] < unit.end  # ana coded one sentence of the passage
    reconcile.decide(db, queue, unit, "keep", coder="ana")
    (kept,) = reconcile.consensus_codings(db, queue, unit)
    assert (kept["start"], kept["end"]) == ana_span
    start, end = coding.nudge_coding(db, kept["id"], "end", 2, coding.add_coder(db, "consensus"))
    assert start == ana_span[0] and end > ana_span[1]


def test_reconcile_resumes_where_it_stopped(db):
    queue = reconcile.open_queue(db)
    for _ in range(5):
        reconcile.move(queue, 1)
    assert queue.progress() == "6 of 44" and reconcile.open_queue(db).progress() == "1 of 44"  # moving writes nothing
    reconcile.decide(db, queue, queue.current, "drop")
    reconcile.remember(db, queue)  # what the screen does after a decision
    again = reconcile.open_queue(db)
    assert again.current.key == queue.current.key and again.progress() == "6 of 44"
    reconcile.move(again, -10)
    assert reconcile.open_queue(db).progress() == "6 of 44"
    jumped = reconcile.open_queue(db, coders=["ana", "ben"], documents=["int04"], at="int04:10")
    assert jumped.current.key == "int04:10" and reconcile.open_queue(db).progress() == "6 of 44"  # opening only reads
    reconcile.remember(db, jumped)  # a decision there would remember that queue and its place
    assert reconcile.open_queue(db).current.key == "int04:10"


def test_reconcile_consensus_agreement_with_each_coder(db):
    queue = reconcile.open_queue(db)
    with pytest.raises(CoderError):
        set_setting(db, coding.CONSENSUS_SETTING, "nobody-yet")
        reconcile.consensus_agreement(db, reconcile.open_queue(db))
    set_setting(db, coding.CONSENSUS_SETTING, "consensus")
    reconcile.copy_agreed(db, queue)  # where ana and ben agree, and then …
    for unit in queue.units:  # … wherever they differ, the consensus takes ana's codes
        reconcile.decide(db, queue, unit, "keep", coder="ana")
    reports = reconcile.consensus_agreement(db, queue)
    assert list(reports) == ["ana", "ben"]
    assert reports["ana"].parameters["coders"] == ["consensus", "ana"]
    assert {row.name: row.alpha.value for row in reports["ana"].rows if row.kind != "code"} == {
        "function": 1.0, "phase": 1.0, "role": 1.0, "actor": 1.0, "pooled": 1.0}
    assert 0.6 < reports["ben"].row("function").alpha.value < 0.9
