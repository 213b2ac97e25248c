"""`coder log`: the study's history from the events log, filtered by coder, date and action."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder import coding, events
from coder.cli import main
from coder.errors import CoderError
from coder.history import events_log


def test_history_lists_who_did_what_and_what_was_undone(study, db):
    ana, ben = coding.add_coder(db, "ana"), coding.add_coder(db, "ben")
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, 0, 10)
    coding.apply_code(db, 1, coding.find_code(db, "Diffusing"), ben, 0, 10)
    events.undo(db, ben)
    rows = events_log(db, action="code")
    assert [(r["coder"], r["undone"]) for r in rows] == [("ana", ""), ("ben", "yes")]
    assert [r["action"] for r in events_log(db, coder="ben")] == ["add_coder", "code", "undo"]
    assert events_log(db, last=1)[0]["action"] == "undo"
    assert events_log(db, action="import")[0]["coder"] == "(tool)"


def test_history_filters_by_dates_as_whole_local_days(study, db):
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), 0, 10)
    count = len(events_log(db))
    assert len(events_log(db, since="2000-01-01", until="2999-12-31")) == count
    assert events_log(db, since="2999-01-01") == [] and events_log(db, until="2000-01-01") == []
    assert len(events_log(db, since="2000-01-01T00:00")) == count
    with pytest.raises(CoderError, match="'yesterday' is not a date"):
        events_log(db, since="yesterday")
    with pytest.raises(CoderError, match="no event has the action 'cod'"):
        events_log(db, action="cod")


def test_history_cli_formats(study):
    runner = CliRunner()
    coded = runner.invoke(main, ["--study", str(study.root), "code", "int01", "2", "Accessing", "--coder", "ana"])
    assert coded.exit_code == 0
    table = runner.invoke(main, ["--study", str(study.root), "log", "--coder", "ana"])
    assert table.exit_code == 0 and "code function/Accessing" in table.output
    rows = json.loads(runner.invoke(main, ["--study", str(study.root), "log", "--action", "code", "--format", "json"]).output)
    assert [r["summary"].split(" at ")[0] for r in rows] == ["code function/Accessing"] and rows[0]["uuid"]


def test_what_changed_names_the_code_and_the_passage(study, db):
    """The workbench's undo and redo say which code on which passage (issue 14, item 8), not offsets."""
    from coder.history import what_changed

    ana = coding.add_coder(db, "ana")
    name = db.execute("SELECT name FROM documents WHERE id = 1").fetchone()[0]
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, *coding.passage_span(db, 1, 2))
    assert what_changed(db, events.undo(db, ana)) == f"code Accessing on {name} ¶2"
    coding.apply_code(db, 1, coding.find_code(db, "Diffusing"), ana, *coding.passage_span(db, 1, 1, 3))
    assert what_changed(db, events.undo(db, ana)) == f"code Diffusing on {name} ¶1–3"
    coded = coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, *coding.passage_span(db, 1, 2))
    coding.nudge_coding(db, coded, "end", -1, ana)
    assert what_changed(db, events.undo(db, ana)) == f"nudge Accessing on {name} ¶2"
    coding.add_coder(db, "ben")
    added = events_log(db, action="add_coder")[-1]
    assert what_changed(db, events.Event(added["id"], "add_coder", added["summary"], False, None, [])) == "added coder ben"
    accessing = coding.find_code(db, "Accessing").id
    bulk = [["insert", "codings", {"id": n, "code_id": accessing, "document_id": 1, "start": n, "end": n + 1}] for n in range(101)]
    assert what_changed(db, events.Event(0, "autocode", "", True, None, bulk)) == "autocode Accessing: 101 codings in 1 documents"
