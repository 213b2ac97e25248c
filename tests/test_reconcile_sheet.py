"""The reconcile queue as a sheet: listed, decided in a spreadsheet, settled as the reconcile screen settles."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder import coding, events, reconcile
from coder.cli import main
from coder.errors import CoderError
from coder.reconcile_sheet import queue_sheet, settle_sheet, sheet_columns
from coder.study import Study, connect_study


@pytest.fixture
def root(bundled_two_coders: Path, tmp_path: Path) -> Path:
    return shutil.copytree(bundled_two_coders, tmp_path / "piura")


def listed(root: Path, *args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["--study", str(root), "reconcile", "list", "--format", "csv", *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def write_sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def consensus_paths(db, unit: reconcile.Unit, queue: reconcile.Queue) -> list[str]:
    return sorted(reconcile._refs(db, set(reconcile.consensus_codes(db, queue, unit)))[c].path
                  for c in reconcile.consensus_codes(db, queue, unit))


def test_the_sheet_lists_every_disagreement_of_the_queue_with_each_coders_codes_and_the_text(root):
    rows = listed(root, "--group", "function")
    db = connect_study(Study(root))
    queue = reconcile.build_queue(db, groups=["function"])
    assert [(r["document"], int(r["passage"])) for r in rows] == [(u.document, u.ordinal) for u in queue.units]
    assert list(rows[0]) == sheet_columns(queue) == ["document", "passage", "ana", "ben", "disputed", "settled",
                                                     "decision", "codes", "memo", "text"]
    for row, unit in zip(rows, queue.units):
        for coder in ("ana", "ben"):
            assert set(filter(None, row[coder].split("; "))) == {reconcile._refs(db, {c})[c].path for c in unit.codes[coder]}
        assert row["ana"] != row["ben"] and row["text"] == " ".join(reconcile.unit_text(db, unit).split())
    db.close()


def test_settling_a_sheet_makes_the_decisions_of_the_screen_each_undoable_with_its_memo(root, tmp_path):
    rows = listed(root, "--group", "function")
    chosen = rows[:3]
    chosen[0] |= {"decision": "keep ana", "memo": "ana read the outside source right"}
    chosen[1] |= {"decision": "union"}
    chosen[2] |= {"decision": "recode", "codes": "function/Diffusing; function/Coordinating", "memo": "neither alone"}
    sheet = write_sheet(tmp_path / "queue.csv", rows)
    result = CliRunner().invoke(main, ["--study", str(root), "reconcile", "settle", str(sheet), "--group", "function"])
    assert result.exit_code == 0, result.output
    assert "settled 3 passages as consensus (2 with a rationale memo)" in result.output
    db = connect_study(Study(root))
    queue = reconcile.build_queue(db, groups=["function"])
    first, second, third = (queue.units[queue.index_of(f"{r['document']}:{r['passage']}")] for r in chosen)
    assert consensus_paths(db, first, queue) == sorted(chosen[0]["ana"].split("; "))
    assert consensus_paths(db, second, queue) == sorted(set(filter(None, (chosen[1]["ana"] + "; " + chosen[1]["ben"]).split("; "))))
    assert consensus_paths(db, third, queue) == ["function/Coordinating", "function/Diffusing"]
    assert reconcile.rationale(db, queue, first) == "ana read the outside source right"
    assert set(reconcile.decided(db, queue)) == {first.key, second.key, third.key}
    assert [r["settled"] for r in queue_sheet(db, queue)[:3]] != ["", "", ""]
    consensus = coding.coder_id(db, "consensus")
    assert events.undo(db, consensus).summary.startswith(f"reconcile {third.document} passage {third.ordinal} (function): recode")
    assert set(reconcile.decided(db, queue)) == {first.key, second.key}
    db.close()


@pytest.mark.parametrize("change, message", [
    ({"decision": "keep carol"}, "'carol' is not a coder of this queue"),
    ({"decision": "maybe"}, "unknown decision 'maybe'"),
    ({"decision": "union", "codes": "function/Enabling"}, "codes are given but the decision is not recode"),
    ({"decision": "recode", "codes": "phase/Phase 2 joint initiatives"}, r"not in the compared groups \(function\)"),
    ({"decision": "keep ana", "ana": "function/Enabling"}, "codes at .* have changed since the sheet was written"),
    ({"decision": "keep ana", "passage": "999"}, "passage 999 is not a disagreement of this queue"),
])
def test_a_bad_row_is_refused_with_its_line_and_nothing_is_settled(root, tmp_path, change, message):
    rows = listed(root, "--group", "function")
    rows[0] |= {"decision": "union"}
    rows[1] |= change
    sheet = write_sheet(tmp_path / "queue.csv", rows)
    db = connect_study(Study(root))
    queue = reconcile.build_queue(db, groups=["function"])
    before = db.execute("SELECT count(*) FROM events").fetchone()
    with pytest.raises(CoderError, match=message) as refused:
        settle_sheet(db, queue, sheet)
    assert refused.value.where == "queue.csv:3"
    assert db.execute("SELECT count(*) FROM events").fetchone() == before and reconcile.decided(db, queue) == {}
    db.close()


def test_a_decision_the_screen_refuses_rolls_back_the_whole_sheet(root, tmp_path):
    rows = listed(root, "--group", "phase")
    rows[0] |= {"decision": "keep ben"}
    clash = next(i for i, row in enumerate(rows) if i and row["ana"] and row["ben"])  # each coder gave a phase
    rows[clash] |= {"decision": "union"}  # two phases in one passage: phase is exclusive
    sheet = write_sheet(tmp_path / "queue.csv", rows)
    db = connect_study(Study(root))
    queue = reconcile.build_queue(db, groups=["phase"])
    with pytest.raises(CoderError, match="phase is exclusive") as refused:
        settle_sheet(db, queue, sheet)
    assert refused.value.where == f"queue.csv:{clash + 2}" and reconcile.decided(db, queue) == {}
    db.close()


def test_agreed_gives_the_consensus_what_the_coders_share(root):
    result = CliRunner().invoke(main, ["--study", str(root), "reconcile", "agreed", "--coders", "ana", "ben"])
    assert result.exit_code == 0, result.output
    db = connect_study(Study(root))
    queue = reconcile.build_queue(db)
    written = db.execute("SELECT count(*) FROM codings WHERE coder_id = ?", [coding.coder_id(db, "consensus")]).fetchone()[0]
    assert written > 0 and f"consensus: {written} codings the coders agree on" in result.output
    assert all(set(reconcile.consensus_codes(db, queue, u)) == u.shared for u in queue.agreed + queue.units)
    db.close()


def test_rationales_of_decisions_on_two_groups_of_one_passage_are_both_kept(root, tmp_path):
    db = connect_study(Study(root))
    function = reconcile.build_queue(db, groups=["function"])
    phase = reconcile.build_queue(db, groups=["phase"])
    unit = next(u for u in function.units if phase.index_of(u.key) is not None)
    reconcile.decide(db, function, unit, "keep", coder="ana", memo="the fair is an outside source")
    reconcile.decide(db, phase, phase.units[phase.index_of(unit.key)], "keep", coder="ben", memo="dated 2005")
    reconcile.decide(db, phase, phase.units[phase.index_of(unit.key)], "keep", coder="ben", memo="dated 2005")  # again
    assert reconcile.rationale(db, function, unit) == "the fair is an outside source\ndated 2005"
    db.close()
