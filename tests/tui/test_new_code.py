"""A code made on the fly with `+` is shown at once: its coding and label in the transcript, the code in the pane."""

from __future__ import annotations

from coder.tui.dialogs.new_code import NewCodeDialog
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_close, press_to_open, running


async def test_a_new_code_shows_its_label_without_a_restart(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        await pilot.press("j")
        await press_to_open(pilot, "plus", NewCodeDialog)
        await pilot.press(*"Price talk")
        await press_to_close(pilot, "ctrl+s", NewCodeDialog)  # Enter in the name moves on to the group
        labels = [p.label for p in screen.query_one(TranscriptView).marks.painted(1)]
        assert labels == ["Price talk"]
        assert any("Price talk" in str(node.label) for node in screen.query_one(CodebookPane).nodes.values())
