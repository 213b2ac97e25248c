"""`f` in the network and cross-tab views saves the figure they show under exports/, drawn in a worker by the
same functions as `coder figure`, and says where."""

from __future__ import annotations

from coder.tui.screens.crosstab import CrossTabScreen
from coder.tui.screens.network import NetworkScreen
from tests.figures.checks import svg_texts
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_open, running, settle, until


def saved_message(app) -> str:
    return next((n.message for n in app._notifications if n.message.startswith("Saved the figure to ")), "")


async def test_f_in_the_network_view_saves_the_network_as_shown(coded_piura):
    app = app_for(coded_piura, "ana")
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f5", NetworkScreen)
        await until(pilot, lambda: screen.report is not None, "the ranking")
        await pilot.press("t")  # commercial ties
        await until(pilot, lambda: screen.weight == "commercial" and screen.report is not None, "the commercial ranking")
        await pilot.press("f")
        await until(pilot, lambda: bool(saved_message(app)), "the figure saved", timeout=30)
        await settle(pilot)
    path = coded_piura.exports_dir / "figure-network-commercial.svg"
    assert f"Saved the figure to {path}" in saved_message(app)
    assert "SENASA" in svg_texts(path) and "commercial rating 5" in svg_texts(path)
    caption = path.with_name("figure-network-commercial.caption.txt").read_text(encoding="utf-8")
    assert "(commercial knowledge)" in caption and "Made with: coder figure network --weight commercial" in caption


async def test_f_in_the_crosstab_view_saves_the_heatmap_as_shown(coded_piura):
    app = app_for(coded_piura, "ana")
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f4", CrossTabScreen)
        await until(pilot, lambda: screen.result is not None, "the table")
        await pilot.press("percent_sign")  # row percentages
        await until(pilot, lambda: screen.shown.get("percent") == "row", "row percentages")
        await pilot.press("f")
        await until(pilot, lambda: bool(saved_message(app)), "the figure saved", timeout=30)
        await settle(pilot)
        rows, columns = screen.shown["rows"], screen.shown["columns"]
        result = screen.result
    path = coded_piura.exports_dir / f"figure-xtab-{rows}-by-{columns}.svg"
    assert f"Saved the figure to {path}" in saved_message(app)
    texts = svg_texts(path)
    assert all(str(label) in texts for label in [*result.row_labels, *result.col_labels]) and "n" in texts
    caption = path.with_name(f"figure-xtab-{rows}-by-{columns}.caption.txt").read_text(encoding="utf-8")
    assert "each cell's share of its row" in caption and f"coder figure xtab {rows} {columns}" in caption
