"""Moving through a document with keys (issue 14, item 2): Home/End, PgUp/PgDn, go to passage N, each document
reopening at the coder's last passage in it, `g` passing over the interviewer's turns, the focused pane shown."""

from __future__ import annotations

from coder import coding, documents
from coder.study import Study, connect_study
from coder.tui.dialogs.go_to import GoToDialog
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.document_list import DocumentList
from coder.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import app_for
from tests.tui.test_coding_screen import status
from tests.tui.waiting import press_to_close, press_to_open, running, until


def where(screen: CodingScreen) -> tuple[str, int]:
    return screen.document.info.name, screen.passage().ordinal


async def open_from_the_list(pilot, screen: CodingScreen, name: str) -> None:
    """Choose a document in the document list, as a reader would (Enter on it)."""
    listed = screen.query_one(DocumentList)
    listed.focus()
    listed.highlighted = listed.get_option_index(str(next(d.id for d in screen.documents if d.name == name)))
    await pilot.press("enter")
    await until(pilot, lambda: screen.document.info.name == name, f"{name} to open")


async def test_home_end_and_a_screenful_up_and_down(piura):
    app = app_for(piura)
    async with running(app, size=(200, 50)) as pilot:
        screen: CodingScreen = app.screen
        last = len(screen.document.passages)
        await pilot.press("end")
        assert where(screen) == ("cong01", last) and f"passage {last}/{last}" in status(app)
        await pilot.press("home")
        assert where(screen) == ("cong01", 1)
        view = screen.query_one(TranscriptView)
        height = view.scrollable_content_region.height
        await pilot.press("pagedown")
        first = screen.passage().ordinal
        lines = view.first_line
        assert first > 2 and lines[first - 1] <= height < lines[first]  # the last passage starting within a screenful
        await pilot.press("pagedown", "pagedown")
        assert screen.passage().ordinal > first
        await pilot.press("pageup", "pageup", "pageup")
        assert where(screen) == ("cong01", 1)
        await pilot.press("pageup")  # stays at the first
        assert where(screen) == ("cong01", 1)
        await pilot.press("down", "down")  # the arrows move the cursor, not just the view
        assert where(screen) == ("cong01", 3)


async def test_go_to_passage_n(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        dialog = await press_to_open(pilot, "colon", GoToDialog)
        assert "1–26" in str(dialog.query_one(".dialog-title").render())
        await pilot.press("9", "9", "enter")  # no passage 99: said, and the dialog stays
        assert app.screen is dialog and "from 1 to 26" in str(dialog.query_one("#go-to-problem").render())
        await pilot.press("backspace", "backspace", "1", "2")
        await press_to_close(pilot, "enter", GoToDialog)
        assert where(screen) == ("cong01", 12) and "passage 12/26" in status(app)
        await press_to_open(pilot, "colon", GoToDialog)
        await press_to_close(pilot, "escape", GoToDialog)
        assert where(screen) == ("cong01", 12)


async def test_each_document_reopens_at_the_coders_last_passage_in_it(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        await pilot.press("j", "j", "j", "j")
        await open_from_the_list(pilot, screen, "int01")
        assert where(screen) == ("int01", 1)  # never opened before: its first passage
        await pilot.press("j", "j")
        await open_from_the_list(pilot, screen, "cong01")
        assert where(screen) == ("cong01", 5)
        await open_from_the_list(pilot, screen, "int01")
        assert where(screen) == ("int01", 3)
    app = app_for(piura)
    async with running(app) as pilot:
        screen = app.screen
        assert where(screen) == ("int01", 3)  # the study reopens where the coder left
        await open_from_the_list(pilot, screen, "cong01")
        assert where(screen) == ("cong01", 5)
    db = connect_study(piura)
    coding.add_coder(db, "ben")
    db.close()
    app = app_for(piura, "ben")  # another coder's places are their own
    async with running(app) as pilot:
        screen = app.screen
        await open_from_the_list(pilot, screen, "int01")
        assert where(screen) == ("int01", 1)


def skips(study: Study, coder: str) -> bool:
    db = connect_study(study)
    try:
        return documents.skips_interviewer(db, coder)
    finally:
        db.close()


async def test_g_passes_over_the_interviewers_turns_when_the_coder_chooses_so(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        await open_from_the_list(pilot, screen, "int01")
        screen.query_one(TranscriptView).focus()
        assert screen.passage().speaker == "INTERVIEWER"
        await pilot.press("1", "g")  # the interviewer's question coded; g stops at every turn not coded
        assert screen.passage().ordinal == 2
        await pilot.press("1", "g")
        assert screen.passage().speaker == "INTERVIEWER" and screen.passage().ordinal == 3
        await pilot.press("I")
        assert "g now skips the interviewer's turns" in status(app) and skips(piura, "ana")
        await pilot.press("k", "g")  # from passage 2: the interviewer's turn 3 is passed over
        assert screen.passage().ordinal == 4 and screen.passage().speaker == "RESPONDENT"
        await pilot.press("g")
        assert screen.passage().speaker == "RESPONDENT" and screen.passage().ordinal == 6
    app = app_for(piura)
    async with running(app) as pilot:
        assert skips(piura, "ana") and not skips(piura, "ben")  # kept across sessions, per coder
        await pilot.press("I")
        assert "g now stops at the interviewer's turns too" in status(app) and not skips(piura, "ana")


def test_g_skips_the_turns_the_suggestions_leave_out_too():
    from coder.turns import is_interviewer  # one rule for both (tests/test_suggest.py has its other cases)

    asking = ["INTERVIEWER", "ENTREVISTADOR", "Entrevistadora (María)", "Q", "I", "MODERATOR"]
    answering = ["RESPONDENT", "ENTREVISTADO", "INTERVIEWEE", "QUESTION FROM THE FLOOR", "IMG MANAGER", None]
    assert all(is_interviewer(s) for s in asking) and not any(is_interviewer(s) for s in answering)


async def test_the_focused_pane_shows_in_its_border_and_in_the_status_line(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        codebook, transcript = screen.query_one(CodebookPane), screen.query_one(TranscriptView)
        assert status(app).startswith(" transcript ")
        assert transcript.styles.outline_left[0] == "thick" and codebook.styles.border_left[0] != "thick"
        await pilot.press("tab")
        assert codebook.has_focus and status(app).startswith(" codebook ")
        assert codebook.styles.border_left[0] == "thick" and transcript.styles.outline_left[0] != "thick"
        await pilot.press("tab")
        assert status(app).startswith(" documents ")
        await pilot.press("tab")
        assert status(app).startswith(" transcript ")


async def test_e_in_the_transcript_asks_which_code_the_selections_first(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        await pilot.press("2")  # Diffusing on passage 1
        pick = await press_to_open(pilot, "e", QuickPick)
        assert pick.title_text.startswith("Edit which code?") and pick.items[0][1] == "function / Diffusing"
        actions = await press_to_open(pilot, "enter", QuickPick)
        assert actions.title_text == "Edit function/Diffusing"
        await press_to_close(pilot, "escape", QuickPick)
        assert isinstance(app.screen, CodingScreen) and screen.query_one(TranscriptView).has_focus


async def test_help_and_the_palette_list_the_moving_keys_and_the_mouse(piura):
    from rich.console import Console

    from coder.tui.screens.help import HelpScreen

    app = app_for(piura)
    async with running(app) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Go to the first passage", "Go to the last passage", "A screenful up", "A screenful down",
                "Go to passage…", "G skips interviewer turns (on/off)"} <= titles
        help_screen = await press_to_open(pilot, "question_mark", HelpScreen)
        console = Console(width=120, record=True)
        console.print(help_screen.table)
        shown = console.export_text()
    for row in ("Home ", "End ", "PgUp ", "PgDn ", ": ", "I ", "g skips interviewer turns (on/off): now off", "drag", "double-click",
                "click a code"):
        assert row in shown, row
