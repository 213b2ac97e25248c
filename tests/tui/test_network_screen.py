"""The network view on the bundled study: the survey ranking with coded activity, the ego network of the
organisation under the cursor, and its passages as actor, which lead back to the coding screen."""

from __future__ import annotations

from textual.widgets import DataTable

from coder import network
from coder.study import connect_study
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.network import NetworkScreen
from coder.tui.widgets.passage_list import PassageList
from tests.tui.conftest import app_for
from tests.tui.view_helpers import code
from tests.tui.waiting import press_to_close, press_to_open, running, settle


async def test_network_screen_ranks_senasa_first_with_its_coded_activity_and_ego_network(piura):
    code(piura, "tester", "int12", [2, 4], "actor/SENASA", "Enabling")
    code(piura, "tester", "int12", [6], "actor/SENASA", "Diffusing")
    db = connect_study(piura)
    ego = network.ego_ties(db, "SENASA")
    db.close()
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f5", NetworkScreen)
        table = screen.query_one("#network-table", DataTable)
        first = [str(cell).strip() for cell in table.get_row_at(0)]
        headers = [str(column.label).removesuffix(" ▼").strip() for column in table.columns.values()]
        row = dict(zip(headers, first))
        assert (row["rank"], row["organisation"], row["centrality"]) == ("1", "SENASA", "77")
        assert (row["passages"], row["Enabling"], row["Diffusing"]) == ("3", "2 (100%)", "1 (100%)")
        assert [str(table.get_row_at(i)[1]) for i in (1, 2)] == ["APEM", "PROMANGO"]
        await settle(pilot)
        drawing = str(screen.query_one("#network-ego").render())
        receives = ego[ego["direction"] == "receives"]["organisation"].tolist()
        assert f"receives knowledge from {len(receives)}" in drawing and all(name in drawing for name in receives)
        assert f"gives knowledge to {(ego['direction'] == 'gives').sum()}" in drawing and "Agro 1" in drawing
        await pilot.press("s")  # sort by passages as actor: SENASA still first, the sorted column marked
        assert str(table.get_row_at(0)[1]) == "SENASA"
        assert str(list(table.columns.values())[3].label).endswith("▼")


async def test_network_screen_lists_the_passages_of_an_actor_and_jumps_to_one(piura):
    code(piura, "tester", "int12", [2, 4], "actor/SENASA", "Enabling")
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        await press_to_open(pilot, "f5", NetworkScreen)
        await pilot.press("enter")  # on SENASA, the first row
        await settle(pilot)
        passages = app.screen.query_one(PassageList)
        assert [(r["document"], r["passage"]) for r in passages.rows] == [("int12", 2), ("int12", 4)]
        assert "SENASA as actor: 2 passages" in str(app.screen.query_one("#network-cell").render())
        await pilot.press("down")
        await press_to_close(pilot, "enter", NetworkScreen)
        assert isinstance(app.screen, CodingScreen)
        assert "int12 · passage 4/" in str(app.screen.query_one("#status").render())
