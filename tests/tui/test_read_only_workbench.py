"""The workbench on a study it may not write: it says so, shows everything, and refuses every key that writes with a
one-line notice (no dialog, no crash, not a byte changed); a key pressed while another program holds the study
locked is a notice too."""

from __future__ import annotations

from textual.actions import parse

from coder.db import connect
from coder.tui.app import WRITING_ACTIONS
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.help import HelpScreen
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_close, press_to_open, running, until
from tests.unwritable import snapshot, unwritable, with_contents


def noticed(app) -> list[str]:
    """The notices the app shows from now on."""
    notices: list[str] = []
    notify = app.notify
    app.notify = lambda message, **options: (notices.append(str(message)), notify(message, **options))[1]
    return notices


async def test_a_read_only_study_opens_in_the_workbench_and_refuses_every_key_that_writes(coded_piura):
    before = snapshot(coded_piura.root)
    with unwritable(*with_contents(coded_piura.root)):
        app = app_for(coded_piura, "ana")
        notices = noticed(app)
        async with running(app) as pilot:
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            assert " read-only " in str(screen.query_one("#status").render())
            assert app.sub_title == "read-only: study.db is read-only"
            await pilot.press("j", "j")  # reading goes on as ever
            assert screen.at.cursor == 2
            writing = [binding.key.split(",")[0] for binding in CodingScreen.BINDINGS if parse(binding.action)[1] in WRITING_ACTIONS]
            assert {"1", "enter", "p", "u", "plus", "A", "c"} <= set(writing)
            for key in [*writing, *screen.code_keys, "X"]:
                notices.clear()
                await pilot.press(key)
                await until(pilot, lambda: bool(notices), f"a notice for {key}")
                assert app.screen is screen, f"{key} opened {app.screen}"
                assert len(notices) == 1 and "read-only" in notices[0] and "\n" not in notices[0], (key, notices)
            await press_to_open(pilot, "question_mark", HelpScreen)
            await press_to_close(pilot, "escape", HelpScreen)
    assert snapshot(coded_piura.root) == before


def events(study) -> int:
    db = connect(study.db_path)
    try:
        return db.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        db.close()


async def test_a_key_pressed_while_another_program_holds_the_study_locked_is_a_notice(coded_piura, monkeypatch):
    monkeypatch.setenv("CODER_LOCK_WAIT", "0.2")
    before = events(coded_piura)
    app = app_for(coded_piura, "ana")
    notices = noticed(app)
    async with running(app) as pilot:
        holder = connect(coded_piura.db_path)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            await pilot.press("1")
            await until(pilot, lambda: bool(notices), "a notice")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert notices[0].startswith("another program has held the study locked for 0.2 s"), notices
        assert isinstance(app.screen, CodingScreen) and events(coded_piura) == before
        await pilot.press("1")  # the lock gone, the same key codes the passage
    assert events(coded_piura) == before + 1
