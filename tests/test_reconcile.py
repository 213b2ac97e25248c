"""Reconciliation on the bundled study with its two demonstration coders (before their consensus): the queue, every kind of decision,
undo, resuming where the walk stopped, and agreement of the consensus with each coder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coder import coding, events, reconcile
from coder.db import set_setting
from coder.errors import CoderError
from coder.study import Study, connect_study
from tests.conftest import demonstration_codes


@pytest.fixture
def db(bundled_two_coders: Path, tmp_path: Path):
    root = tmp_path / "piura"
    shutil.copytree(bundled_two_coders, root)
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
    assert queue.documents == sorted(name for name, in db.execute("SELECT name FROM documents"))  # both coded all 22
    assert queue.groups == [name for name, in db.execute("SELECT name FROM code_groups ORDER BY ordinal")]
    files = demonstration_codes()  # the coding files read apart from coder
    differ = sorted(key for key, codes in files.items() if codes["ana"] != codes["ben"])
    assert [(u.document, u.ordinal) for u in queue.units] == sorted(differ, key=lambda k: (k[0], k[1]))
    assert queue.progress() == f"1 of {len(differ)}"
    for unit in queue.units:
        codes = files[(unit.document, unit.ordinal)]
        assert names(db, unit.codes["ana"]) == sorted(codes["ana"]) and names(db, unit.codes["ben"]) == sorted(codes["ben"])
        assert names(db, unit.disputed) == sorted(codes["ana"] ^ codes["ben"])
    phases = demonstration_codes(group="phase")
    only_phase = reconcile.open_queue(db, groups=["phase"])
    assert [u.key for u in only_phase.units] == [f"{d}:{n}" for d, n in sorted(k for k, c in phases.items() if c["ana"] != c["ben"])]
    assert all(1 <= len(u.disputed) <= 2 for u in only_phase.units)


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
    agreed = [key for key, codes in demonstration_codes().items() if codes["ana"] == codes["ben"]]
    assert len(queue.agreed) == len(agreed) and reconcile.copy_agreed(db, queue) == len(shared) and consensus_codings(db) == shared
    assert events.undo(db, coding.coder_id(db, "consensus")).action == "reconcile_agreed"  # one step, undoable
    assert consensus_codings(db) == set()
    reconcile.decide(db, queue, queue.units[0], "drop")
    reconcile.copy_agreed(db, queue)  # passages already decided are left alone
    assert not {x for x in consensus_codings(db) if x[:2] == (queue.units[0].document_id, queue.units[0].start)}


def test_reconcile_every_kind_of_decision_leaves_the_coders_codings_alone(db):
    queue = reconcile.open_queue(db)
    unit = queue.units[0]
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
    assert reconcile.decided(db, queue) == {unit.key: "recode → function/Enabling"}


def test_reconcile_a_decision_is_one_undoable_event(db):
    queue = reconcile.open_queue(db)
    unit = queue.units[0]
    consensus = coding.add_coder(db, "consensus")
    reconcile.decide(db, queue, unit, "keep", coder="ana", memo="ana's reading: APEM only reports here")
    assert reconcile.rationale(db, queue, unit) == "ana's reading: APEM only reports here"
    reconcile.decide(db, queue, unit, "drop")
    groups = ", ".join(queue.groups)
    assert events.undo(db, consensus).summary == f"reconcile {unit.document} passage {unit.ordinal} ({groups}): drop → nothing"
    assert set(reconcile.consensus_codes(db, queue, unit)) == unit.codes["ana"]
    assert reconcile.decided(db, queue)[unit.key].startswith("keep ana")
    events.undo(db, consensus)
    assert reconcile.consensus_codes(db, queue, unit) == [] and reconcile.rationale(db, queue, unit) is None
    assert unit.key not in reconcile.decided(db, queue)
    events.redo(db, consensus)
    assert reconcile.decided(db, queue)[unit.key].startswith("keep ana")


def test_reconcile_union_of_an_exclusive_group_is_refused(db):
    queue = reconcile.open_queue(db, groups=["phase"])
    unit = next(u for u in queue.units if u.codes["ana"] and u.codes["ben"])  # two different phases
    with pytest.raises(CoderError, match="phase is exclusive, and this would give both"):
        reconcile.decide(db, queue, unit, "union")
    assert reconcile.decide(db, queue, unit, "keep", coder="ben").codes == names(db, unit.codes["ben"])


def test_reconcile_keeps_a_coders_stretch_and_nudges_its_boundary(db):
    ana = coding.coder_id(db, "ana")
    document = coding.find_document(db, "int01")
    broker = coding.find_code(db, "role/broker")
    start, end = coding.passage_span(db, document, 2)
    coding.apply_code(db, document, broker, ana, start + 10, start + 40)  # ana codes one stretch of the passage
    queue = reconcile.open_queue(db, groups=["role"])
    unit = queue.units[queue.index_of("int01:2")]
    (ana_span,) = unit.spans[("ana", broker.id)]
    assert ana_span == (start + 10, start + 40)
    reconcile.decide(db, queue, unit, "keep", coder="ana")
    (kept,) = reconcile.consensus_codings(db, queue, unit)
    assert (kept["start"], kept["end"]) == ana_span
    start, end = coding.nudge_coding(db, kept["id"], "end", 2, coding.add_coder(db, "consensus"))
    assert start == ana_span[0] and end > ana_span[1]


def test_reconcile_resumes_where_it_stopped(db):
    queue = reconcile.open_queue(db)
    total = len(queue.units)
    for _ in range(5):
        reconcile.move(queue, 1)
    assert queue.progress() == f"6 of {total}" and reconcile.open_queue(db).progress() == f"1 of {total}"  # moving writes nothing
    reconcile.decide(db, queue, queue.current, "drop")
    reconcile.remember(db, queue)  # what the screen does after a decision
    again = reconcile.open_queue(db)
    assert again.current.key == queue.current.key and again.progress() == f"6 of {total}"
    reconcile.move(again, -10)
    assert reconcile.open_queue(db).progress() == f"6 of {total}"
    target = reconcile.open_queue(db, documents=["int04"]).units[3].key
    jumped = reconcile.open_queue(db, coders=["ana", "ben"], documents=["int04"], at=target)
    assert jumped.current.key == target and reconcile.open_queue(db).progress() == f"6 of {total}"  # opening only reads
    reconcile.remember(db, jumped)  # a decision there would remember that queue and its place
    assert reconcile.open_queue(db).current.key == target


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
    figures = {row.name: row.alpha.value for row in reports["ana"].rows if row.kind != "code"}
    assert set(figures) >= {"function", "phase", "role", "actor", "pooled"} and set(figures.values()) == {1.0}
    assert 0.6 < reports["ben"].row("function").alpha.value < 1.0  # ben differs from the consensus where ana did
