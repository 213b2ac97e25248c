"""The agreement and reconcile screens on the bundled study with its demonstration codings (coders ana and ben),
driven by key presses; asserts on the database and on the widgets."""

from __future__ import annotations

import csv
import io

from textual.widgets import DataTable, SelectionList, Static

from coder import reconcile
from coder.study import Study, connect_study, refresh_study
from coder.tui.dialogs.coder_picker import CoderPicker
from coder.tui.dialogs.memo import MemoDialog
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.screens.agreement import AgreementScreen
from coder.tui.screens.reconcile import ReconcileScreen
from tests.conftest import demonstration_codes
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_close, press_to_open, running, settle, until


def consensus_at(study: Study, passage: int, document: str = "int01") -> list[str]:
    """The consensus coder's function and phase codes on a passage of a document."""
    db = connect_study(study)
    try:
        return [r[0] for r in db.execute(
            "SELECT k.name FROM codings c JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id"
            " JOIN coders r ON r.id = c.coder_id JOIN segments s ON s.document_id = c.document_id AND s.ordinal = ?"
            " JOIN documents d ON d.id = c.document_id WHERE r.name = 'consensus' AND d.name = ?"
            " AND g.name IN ('function', 'phase') AND c.start < s.end AND c.end > s.start ORDER BY g.ordinal, k.ordinal",
            [passage, document])]
    finally:
        db.close()


def coders_codes(study: Study, coder: str, passage: int, document: str = "int01") -> list[str]:
    db = connect_study(study)
    try:
        return [r[0] for r in db.execute(
            "SELECT k.name FROM codings c JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id"
            " JOIN coders r ON r.id = c.coder_id JOIN segments s ON s.document_id = c.document_id AND s.ordinal = ?"
            " JOIN documents d ON d.id = c.document_id WHERE r.name = ? AND d.name = ?"
            " AND g.name IN ('function', 'phase') AND c.start < s.end AND c.end > s.start ORDER BY g.ordinal, k.ordinal",
            [passage, coder, document])]
    finally:
        db.close()


def differing(document: str, groups: tuple[str, ...] | None = ("function", "phase")) -> list[int]:
    """The passages of a document where ana's and ben's codes of the groups (None: of every group) differ, read from
    the coding files."""
    def of(codes: set[str]) -> set[str]:
        return {c for c in codes if groups is None or c.split("/")[0] in groups}

    return sorted(passage for (name, passage), by in demonstration_codes().items()
                  if name == document and of(by["ana"]) != of(by["ben"]))


def title(app) -> str:
    return str(app.screen.query_one("#rec-title", Static).render())


def decided(study: Study) -> dict[str, str]:
    db = connect_study(study)
    try:
        return reconcile.decided(db, reconcile.open_queue(db))
    finally:
        db.close()


async def test_reconcile_screen_every_decision_quit_midway_and_resume(two_coders_piura):
    study = two_coders_piura  # before reconciling: no consensus coder yet
    units = differing("int07")  # ten disagreements on function and phase, each chosen below for what a decision needs
    assert len(units) == 10
    db = connect_study(study)
    queue = reconcile.open_queue(db, groups=["function", "phase"], documents=["int07"])
    assert [u.ordinal for u in queue.units] == units
    reconcile.remember(db, queue)  # the queue F3 resumes, as if the researcher had left it there
    db.close()
    ana = {p: coders_codes(study, "ana", p, "int07") for p in units}
    ben = {p: coders_codes(study, "ben", p, "int07") for p in units}
    phases = {"Phase 1 early exporting", "Phase 2 joint initiatives", "Phase 3 new knowledge"}
    clash = units[1]  # the coders gave this one different phases: a union would give two of an exclusive group
    assert set(ana[clash]) & phases and set(ben[clash]) & phases and set(ana[clash]) & phases != set(ben[clash]) & phases
    assert not (set(ana[units[2]]) & phases and set(ben[units[2]]) & phases)  # … this one they did not
    only_ana = sorted(set(ana[units[0]]) - set(ben[units[0]]))
    assert only_ana
    app = app_for(study)
    async with running(app) as pilot:
        await press_to_open(pilot, "f3", ReconcileScreen)
        assert "unit 1 of 10" in title(app) and f"int07 passage {units[0]}" in title(app)
        assert only_ana[0] in str(app.screen.query_one("#rec-coder-0", Static).render())
        await pilot.press("a", "u")  # keep A; a union where the coders differ on the phase is refused …
        assert f"int07 passage {clash}" in title(app) and "1 decided" in title(app)
        await pilot.press("b", "u", "i", "d")  # … keep B instead; union, intersection, drop: one unit each
        assert "unit 6 of 10" in title(app) and "5 decided" in title(app)
    assert consensus_at(study, units[0], "int07") == ana[units[0]]
    assert consensus_at(study, units[1], "int07") == ben[units[1]]
    assert set(consensus_at(study, units[2], "int07")) == set(ana[units[2]]) | set(ben[units[2]])
    assert set(consensus_at(study, units[3], "int07")) == set(ana[units[3]]) & set(ben[units[3]])
    assert consensus_at(study, units[4], "int07") == []
    so_far = decided(study)
    assert [so_far[f"int07:{p}"].split(" → ")[0] for p in units[:5]] == [
        "keep ana", "keep ben", "union", "intersection", "drop"]

    app = app_for(study)  # quit in the middle; the queue resumes where it stopped
    async with running(app) as pilot:
        await press_to_open(pilot, "f3", ReconcileScreen)
        sixth = units[5]
        assert "unit 6 of 10" in title(app) and f"int07 passage {sixth}" in title(app)
        shared = set(ana[sixth]) & set(ben[sixth])
        assert "Diffusing" in shared
        assert consensus_at(study, sixth, "int07") == []  # opening gave the consensus nothing …
        await pilot.press("c")  # … until the researcher has it take what ana and ben share
        assert set(consensus_at(study, sixth, "int07")) == shared
        assert "the consensus took the codes ana and ben agree on" in title(app)
        await press_to_open(pilot, "r", QuickPick)  # recode: toggle one code, stay on the unit
        await pilot.press(*"function diffusing")
        await press_to_close(pilot, "enter", QuickPick)
        assert set(consensus_at(study, sixth, "int07")) == shared - {"Diffusing"} and "unit 6 of 10" in title(app)
        await press_to_open(pilot, "m", MemoDialog)
        await pilot.press(*"the visits teach good practice, not diffusion")
        await press_to_close(pilot, "ctrl+s", MemoDialog)
        assert "rationale: the visits teach good practice, not diffusion" in str(
            app.screen.query_one("#rec-consensus", Static).render())
        seventh = units[6]
        assert "Accessing" in ana[seventh]
        await pilot.press("n", "a", "p")  # keep A on the seventh, then back to it to nudge a boundary
        assert f"int07 passage {seventh}" in title(app)
        db = connect_study(study)
        start, end = db.execute("SELECT s.start, s.end FROM segments s JOIN documents d ON d.id = s.document_id"
                                " WHERE d.name = 'int07' AND s.ordinal = ?", [seventh]).fetchone()
        widest = ("SELECT max(c.end) FROM codings c JOIN coders r ON r.id = c.coder_id JOIN codes k ON k.id = c.code_id"
                  " WHERE r.name = 'consensus' AND k.name = 'Accessing' AND c.start BETWEEN ? AND ?")
        before = db.execute(widest, [start, end]).fetchone()[0]
        await pilot.press("semicolon", "shift+right")
        after = db.execute(widest, [start, end]).fetchone()[0]
        db.close()
        assert before == end and after > before and "now" in title(app)
        await pilot.press("n", "b")  # the eighth: keep B
        await pilot.press("a", "i")  # the ninth: keep A; the tenth: intersection, the last unit
        assert "that was the last unit" in title(app) and "10 decided" in title(app)
        await pilot.press("z")  # undo the last decision
        assert f"undid: reconcile int07 passage {units[9]}" in title(app)
    assert len(decided(study)) == 9 and f"int07:{units[9]}" not in decided(study)
    assert consensus_at(study, units[7], "int07") == ben[units[7]]
    assert consensus_at(study, units[8], "int07") == ana[units[8]]
    db = connect_study(study)
    assert db.execute("SELECT text FROM memos m JOIN coders r ON r.id = m.coder_id WHERE r.name = 'consensus'").fetchall() == [
        ("the visits teach good practice, not diffusion",)]
    db.close()


def agreement_by_code(study: Study) -> dict[str, tuple[float, str]]:
    """α and band of each code for ana and ben, as `coder agree --format csv` prints them."""
    from click.testing import CliRunner

    from coder.cli import main

    result = CliRunner().invoke(main, ["--study", str(study.root), "agree", "--coders", "ana,ben", "--format", "csv"])
    assert result.exit_code == 0, result.output
    return {row["name"]: (float(row["alpha"]), row["band"]) for row in csv.DictReader(io.StringIO(result.output))
            if row["kind"] == "code"}


async def test_reconcile_screen_agreement_table_sorts_and_lists_disagreements(coded_piura):
    from coder import coding

    # ana and ben differ on La Molina once; ben now gives it to six more passages, so its band is not reliable
    codes = demonstration_codes()
    extra = [p for (d, p), by in sorted(codes.items()) if d == "int02" and "actor/La Molina" not in by["ana"] | by["ben"]][:6]
    db = connect_study(coded_piura)
    document, molina, ben = coding.find_document(db, "int02"), coding.find_code(db, "actor/La Molina"), coding.add_coder(db, "ben")
    for passage in extra:
        coding.code_passages(db, document, passage, passage, molina, ben)
    db.close()
    expected = agreement_by_code(coded_piura)
    tentative = next(code for code, (_, band) in expected.items() if band == "tentative")
    assert expected["function/Enabling"][1] == "reliable" and expected["actor/La Molina"][1] == "not reliable"
    accessing = sorted(key for key, by in codes.items() if ("function/Accessing" in by["ana"]) != ("function/Accessing" in by["ben"]))
    app = app_for(coded_piura)
    async with running(app, size=(140, 40)) as pilot:
        coding_screen = app.screen  # blind by default: in int01, ana sees none of ben's codings
        coding_screen.open_document(app.db.execute("SELECT id FROM documents WHERE name = 'int01'").fetchone()[0])
        await pilot.pause()
        painted = {p.label for i in range(len(coding_screen.at.document.passages))
                   for p in coding_screen.query_one("#transcript").marks.painted(i)}
        assert coding_screen.show_others is False and painted and not any("ben" in label for label in painted)
        await press_to_open(pilot, "f2", AgreementScreen)
        table = app.screen.query_one("#agree-table", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        by_code = {str(r[0]): r for r in rows}
        for code, style in (("function/Enabling", "bold green"), (tentative, "yellow"), ("actor/La Molina", "red")):
            assert str(by_code[code][1]) == f"{expected[code][0]:.3f}" and by_code[code][1].style == style
        assert "ana vs ben" in str(app.screen.query_one("#agree-title", Static).render())
        await pilot.press("right", "s")  # sort by α, highest first
        alphas = [float(str(table.get_row_at(i)[1])) for i in range(table.row_count) if str(table.get_row_at(i)[1]) != "undefined"]
        assert alphas == sorted(alphas, reverse=True)
        await pilot.press("s")  # again: lowest first
        alphas = [float(str(table.get_row_at(i)[1])) for i in range(table.row_count) if str(table.get_row_at(i)[1]) != "undefined"]
        assert alphas == sorted(alphas) and str(table.get_row_at(0)[1]) == f"{min(a for a, _ in expected.values()):.3f}"
        table.move_cursor(row=[str(table.get_row_at(i)[0]) for i in range(table.row_count)].index("function/Accessing"), column=0)
        await pilot.press("enter")
        listing = app.screen.query_one("#agree-disagreements", DataTable)
        assert listing.row_count == len(accessing)  # the passages where one of them gave Accessing, the other not
        assert [str(c) for c in listing.get_row_at(0)][:2] == [accessing[0][0], str(accessing[0][1])]
        await pilot.press("down")
        await press_to_open(pilot, "enter", ReconcileScreen)  # the second one → the reconcile queue there
        assert f"{accessing[1][0]} passage {accessing[1][1]}" in title(app)
        await pilot.press("a")
        await press_to_close(pilot, "escape", ReconcileScreen)
        await press_to_open(pilot, "f2", AgreementScreen)
        picker = await press_to_open(pilot, "w", CoderPicker)  # whose agreement: now the consensus against ana
        assert picker.query_one(SelectionList).selected == ["ana", "ben"]
        await pilot.press("down", "space", "down", "space")  # untick ben, tick the consensus
        await press_to_close(pilot, "enter", CoderPicker)
        await settle(pilot)
        assert "ana vs consensus" in str(app.screen.query_one("#agree-title", Static).render())


async def test_reconcile_screen_reads_the_queue_again_when_its_transcript_was_re_imported(two_coders_piura):
    coded_piura = two_coders_piura  # before reconciling: nothing decided yet
    db = connect_study(coded_piura)
    reconcile.remember(db, reconcile.open_queue(db, documents=["int01"]))  # the queue F3 resumes: int01's
    db.close()
    app = app_for(coded_piura)
    async with running(app) as pilot:
        await press_to_open(pilot, "f3", ReconcileScreen)
        assert f"int01 passage {differing('int01', None)[0]}" in title(app)  # its first disagreement on any group
        path = coded_piura.transcripts_dir / "int01-apem-general-manager.md"  # a colleague adds two turns at the top
        path.write_text(path.read_text(encoding="utf-8").replace(
            "INTERVIEWER: Thank you", "INTERVIEWER: Shall we start?\n\nRESPONDENT: Yes.\n\nINTERVIEWER: Thank you", 1), encoding="utf-8")
        other = connect_study(coded_piura)
        refresh_study(coded_piura, other)
        other.close()
        await pilot.press("a")  # keep A, on the passage as read before the re-import
        assert decided(coded_piura) == {}  # nothing written at the old offsets
        await until(pilot, lambda: app.screen.current_unit.version == 2, "the queue read again")
        await pilot.press("a")  # the key again: now on the new text
        assert len(decided(coded_piura)) == 1


def add_third_coder(study: Study, name: str = "maria") -> None:
    """A third coder who gives every even passage of int01 from 2 to 22 the code Diffusing, and nothing else."""
    from coder import coding

    db = connect_study(study)
    try:
        maria = coding.add_coder(db, name)
        document = coding.find_document(db, "int01")
        diffusing = coding.find_code(db, "function/Diffusing")
        for passage in range(2, 23, 2):
            coding.code_passages(db, document, passage, passage, diffusing, maria)
    finally:
        db.close()


async def test_reconcile_screen_with_three_coders_keeps_any_coder_by_number(coded_piura):
    add_third_coder(coded_piura)
    app = app_for(coded_piura)
    async with running(app, size=(140, 40)) as pilot:
        await press_to_open(pilot, "f3", ReconcileScreen)
        queue = app.screen.opened_queue
        assert queue.coders == ["ana", "ben", "maria"] and "int01 passage 2" in title(app)
        columns = [str(app.screen.query_one(f"#rec-coder-{i}", Static).render()).splitlines()[0] for i in range(3)]
        assert columns == ["A/1 · ana", "B/2 · ben", "3 · maria"]
        assert "1…9" in str(app.screen.query_one("#keys", Static).render())  # the key bar says how
        await pilot.press("3")  # keep maria's codes, through reconcile.decide like a and b
        assert consensus_at(coded_piura, 2) == ["Diffusing"] and "int01 passage 4" in title(app)
        assert decided(coded_piura)["int01:2"].startswith("keep maria")
        await pilot.press("4")  # there is no fourth coder: a message, nothing written, the unit stays
        await until(pilot, lambda: any("No coder 4 here" in n.message for n in app._notifications), "the refusal")
        assert "int01 passage 4" in title(app) and len(decided(coded_piura)) == 1
        ben4 = coders_codes(coded_piura, "ben", 4)
        await pilot.press("2")  # keep ben (as b would)
        assert consensus_at(coded_piura, 4) == ben4 and decided(coded_piura)["int01:4"].startswith("keep ben")
        await pilot.press("1")  # keep ana (as a would)
        assert decided(coded_piura)["int01:6"].startswith("keep ana") and len(decided(coded_piura)) == 3
