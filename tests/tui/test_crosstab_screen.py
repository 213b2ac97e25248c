"""The cross-tab view on the bundled study: the table shows what `crosstab.crosstab` counts, keys change it,
and Enter on a number lists its passages and leads back to the coding screen."""

from __future__ import annotations

from textual.widgets import DataTable

from coder import crosstab
from coder.study import Study, connect_study
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.crosstab import CrossTabScreen
from coder.tui.widgets.passage_list import PassageList
from tests.conftest import demonstration_codes
from tests.tui.conftest import app_for
from tests.tui.view_helpers import code
from tests.tui.waiting import press_to_close, press_to_open, running, settle


def demonstration(study: Study) -> None:
    """A few codings by `tester`, the only coder with codings (the study carries no demonstration codings)."""
    code(study, "tester", "int01", [2, 4], "Accessing", "Phase 1 early exporting")
    code(study, "tester", "int03", [4], "Coordinating", "Phase 2 joint initiatives")
    code(study, "tester", "int03", [6], "Coordinating", "Accessing", "Phase 2 joint initiatives")


def shown_counts(screen: CrossTabScreen) -> dict[tuple[str, str], str]:
    """The table's value cells as {(row label, column label): text}, totals left out."""
    table = screen.query_one("#xtab-table", DataTable)
    result = screen.result
    cells = {}
    for i, row_label in enumerate(result.counts.index):
        row = table.get_row(f"r{i}")
        for j, column_label in enumerate(result.counts.columns):
            cells[(str(row_label), str(column_label))] = str(row[j + 1]).strip()
    return cells


async def test_crosstab_screen_shows_the_domain_counts_and_keys_change_the_table(piura):
    demonstration(piura)
    db = connect_study(piura)
    expected = crosstab.crosstab(db, "function", "phase").counts
    by_phase = crosstab.crosstab(db, "phase", "phase", measure="characters", percent="row")
    db.close()
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f4", CrossTabScreen)
        assert (screen.result.rows.title, screen.result.columns.title) == ("function", "phase")
        cells = shown_counts(screen)
        assert cells == {(str(r), str(c)): str(int(expected.at[r, c])) for r in expected.index for c in expected.columns}
        assert cells[("Accessing", "Phase 1 early exporting")] == "2" and cells[("Coordinating", "Phase 2 joint initiatives")] == "2"
        assert str(screen.query_one("#xtab-table", DataTable).get_row("total")[-1]).strip() == "4"  # distinct passages
        await pilot.press("r", "m", "percent_sign")  # rows: the next dimension; characters; row percentages
        await settle(pilot)
        result = screen.result
        assert (result.rows.title, result.columns.title) == ("phase", "phase")
        assert (result.measure, result.percent) == ("characters", "row")
        assert "characters" in str(screen.query_one("#xtab-title").render())
        shown = shown_counts(screen)
        diagonal = by_phase.table.at["Phase 1 early exporting", "Phase 1 early exporting"]
        assert shown[("Phase 1 early exporting", "Phase 1 early exporting")] == f"{diagonal:.1f}" == "100.0"
        await pilot.press("c", "o")  # columns: role; once per document counts passages again
        await settle(pilot)
        result = screen.result
        assert (result.columns.title, result.measure, result.once_per_document) == ("role", "passages", True)


async def test_crosstab_screen_lists_a_cells_passages_and_jumps_to_one(piura):
    demonstration(piura)
    db = connect_study(piura)
    behind = crosstab.cell_passages(db, "function", "phase", "Coordinating", "Phase 2 joint initiatives")
    db.close()
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        await press_to_open(pilot, "f4", CrossTabScreen)
        table = app.screen.query_one("#xtab-table", DataTable)
        coordinating = list(app.screen.result.counts.index).index("Coordinating")
        table.move_cursor(row=coordinating, column=2)  # Coordinating × Phase 2 joint initiatives
        await pilot.press("enter")
        await settle(pilot)
        passages = app.screen.query_one(PassageList)
        assert [(r["document"], r["passage"]) for r in passages.rows] == [(r["document"], r["passage"]) for r in behind]
        assert [(r["document"], r["passage"]) for r in passages.rows] == [("int03", 4), ("int03", 6)]
        assert passages.has_focus
        await pilot.press("down")
        await press_to_close(pilot, "enter", CrossTabScreen)
        assert isinstance(app.screen, CodingScreen)
        assert "int03 · passage 6/" in str(app.screen.query_one("#status").render())


async def test_views_count_every_coder_after_a_decision_and_w_chooses_whose_codings(two_coders_piura):
    """F3 and a decision made a consensus coder: the views still count ana and ben (as `coder xtab` does), say how far
    the consensus has got, and count the consensus only when `w` chooses it."""
    from coder.tui.dialogs.quick_pick import QuickPick
    from coder.tui.screens.network import NetworkScreen
    from coder.tui.screens.reconcile import ReconcileScreen

    differing = sorted(key for key, by in demonstration_codes().items() if by["ana"] != by["ben"])  # from the coding files
    total = len(differing)
    first = demonstration_codes()[differing[0]]["ana"]  # the first disagreement: ana gave it a function and a phase
    assert any(c.startswith("function/") for c in first) and any(c.startswith("phase/") for c in first)
    db = connect_study(two_coders_piura)
    everybody = crosstab.crosstab(db, "function", "phase").counts
    db.close()
    app = app_for(two_coders_piura)
    async with running(app) as pilot:
        await press_to_open(pilot, "f3", ReconcileScreen)
        assert f"{differing[0][0]} passage {differing[0][1]}" in str(app.screen.query_one("#rec-title").render())
        await pilot.press("a")  # keep ana's codes on the first disagreement
        screen = await press_to_open(pilot, "f4", CrossTabScreen)
        assert (screen.result.counts == everybody).all().all()
        title = str(screen.query_one("#xtab-title").render())
        assert f"coded by ana, ben (all but consensus) · consensus: 1 of {total} disagreements settled" in title
        await press_to_open(pilot, "w", QuickPick)
        await pilot.press(*"consensus")
        await press_to_close(pilot, "enter", QuickPick)
        await settle(pilot)
        assert screen.result.coders.names == ("consensus",) and screen.result.total == 1
        assert f"coded by consensus · consensus: 1 of {total}" in str(screen.query_one("#xtab-title").render())
        network = await press_to_open(pilot, "f5", NetworkScreen)
        assert f"by ana, ben (all but consensus) · consensus: 1 of {total}" in str(network.query_one("#network-title").render())
