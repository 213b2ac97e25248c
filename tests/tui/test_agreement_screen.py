"""The agreement view chooses (issue 14, item 5): a coder picker for any two or more coders (or the consensus), a
code's disagreements listed by Enter, and each one opened in the reconcile queue (Enter) or the transcript (o)."""

from __future__ import annotations

from textual.widgets import DataTable, SelectionList, Static

from coder.tui.dialogs.coder_picker import CoderPicker
from coder.tui.screens.agreement import AgreementScreen
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.reconcile import ReconcileScreen
from tests.tui.conftest import app_for
from tests.tui.test_reconcile_screen import add_third_coder, title
from tests.tui.waiting import press_to_close, press_to_open, running, settle, until


def agreement_title(app) -> str:
    return str(app.screen.query_one("#agree-title", Static).render())


def code_row(app, code: str) -> None:
    table = app.screen.query_one("#agree-table", DataTable)
    table.move_cursor(row=[str(table.get_row_at(i)[0]) for i in range(table.row_count)].index(code), column=0)


async def test_agreement_screen_picks_coders_and_drills_into_disagreements(coded_piura):
    add_third_coder(coded_piura)  # maria: Diffusing on every even passage of int01
    app = app_for(coded_piura)
    async with running(app, size=(160, 40)) as pilot:
        await press_to_open(pilot, "f2", AgreementScreen)
        assert "ana vs ben vs maria" in agreement_title(app)  # everyone with codings but the consensus, by default

        picker = await press_to_open(pilot, "w", CoderPicker)
        assert picker.query_one(SelectionList).selected == ["ana", "ben", "maria"] and picker.focused is picker.query_one(SelectionList)
        await pilot.press("space", "down", "space")  # untick ana and ben: one coder left
        await pilot.press("enter")
        assert app.screen is picker and "at least two" in str(picker.query_one("#picker-help", Static).render())
        await pilot.press("space")  # tick ben again: ben and maria
        await press_to_close(pilot, "enter", CoderPicker)
        await settle(pilot)
        assert "ben vs maria" in agreement_title(app) and "ana" not in agreement_title(app).split("·")[1]

        code_row(app, "function/Diffusing")
        await pilot.press("enter")  # the code's disagreements: maria gave Diffusing where ben did not
        listing = app.screen.query_one("#agree-disagreements", DataTable)
        assert listing.row_count > 0 and app.screen.focused is listing
        first = [str(c) for c in listing.get_row_at(0)]
        assert first[0] == "int01" and "maria ✓" in first[3] and "ben ✗" in first[3]
        await press_to_open(pilot, "enter", ReconcileScreen)  # Enter: the reconcile queue of ben and maria, at that passage
        assert f"int01 passage {first[1]}" in title(app) and app.screen.opened_queue.coders == ["ben", "maria"]
        await press_to_close(pilot, "escape", ReconcileScreen)

        await press_to_open(pilot, "f2", AgreementScreen)  # o: the passage itself, in the transcript
        code_row(app, "function/Diffusing")
        await pilot.press("enter", "down")
        listing = app.screen.query_one("#agree-disagreements", DataTable)
        second = [str(c) for c in listing.get_row_at(1)]
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, CodingScreen), "the coding screen")
        screen: CodingScreen = app.screen
        assert screen.document.info.name == second[0] and screen.passage().ordinal == int(second[1])


def help_rows(app) -> dict[str, str]:
    """The `?` table on top: key → what it does."""
    table = app.screen.table
    keys, does = (list(column.cells) for column in table.columns)
    return {str(k): str(d) for k, d in zip(keys, does)}


async def test_every_view_key_is_in_the_key_bar_the_help_and_the_palette(coded_piura):
    from coder.tui.screens.help import HelpScreen

    views = {"F2": "agreement", "F3": "reconcile", "F4": "cross-tabs", "F5": "network"}
    app = app_for(coded_piura)
    async with running(app, size=(200, 50)) as pilot:
        for key, screen_kind, own in [(None, CodingScreen, {"S": "dismiss suggestion"}),
                                      ("f2", AgreementScreen, {"Enter": "disagreements", "w": "which coders…", "o": "open passage"}),
                                      ("f3", ReconcileScreen, {"1…9": "keep coder N"})]:
            if key:
                await press_to_open(pilot, key, screen_kind)
            screen = app.screen
            bar = str(screen.query_one("#keys", Static).render())
            assert all(f"{k.lower()} {name}" in bar for k, name in views.items()), bar
            if screen_kind is not CodingScreen:  # the coding screen's bar is one line, `?` for the rest (its own keys)
                assert all(does in bar for does in own.values()), bar
            await press_to_open(pilot, "question_mark", HelpScreen)
            rows = help_rows(app)
            assert all(name in rows[k] for k, name in views.items()) and all(rows[k] == v for k, v in own.items()), rows
            await press_to_close(pilot, "escape", HelpScreen)
            commands = {command.title for command in app.get_system_commands(screen)}
            assert {"Agreement", "Reconcile", "Cross-tabs", "Network"} <= commands
            assert {v.capitalize() for v in own.values()} <= commands, commands
            if key:
                await press_to_close(pilot, "escape", screen_kind)
