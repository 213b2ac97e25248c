"""The mouse, for those who use one (issue 14, item 3): a click selects a passage, a drag any words (in one passage
or across two) and the code keys apply to exactly them, a double-click a sentence, a click on a code applies it.

Where a word is on the screen is read from the lines the transcript draws, not from the code under test."""

from __future__ import annotations

from coder.study import Study, connect_study
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.transcript import TranscriptView
from coder.tui.widgets.transcript_mouse import word_span
from tests.tui.conftest import app_for
from tests.tui.test_coding_screen import status
from tests.tui.waiting import running, settle, until


def on_screen(view: TranscriptView, word: str, nth: int = 0) -> tuple[int, int]:
    """(x, y) in the view of the first letter of a word as drawn in the text (the nth time), not in the labels beside it."""
    seen = 0
    for y in range(view.scrollable_content_region.height):
        text = view.render_line(y).text[: view.left_gutter + view.text_width]
        at = text.find(f"{word}")
        while at >= 0:
            if seen == nth:
                return at, y
            seen += 1
            at = text.find(word, at + 1)
    raise AssertionError(f"{word!r} is not on the screen")


def coded_text(study: Study, coder: str = "ana") -> list[tuple[str, str]]:
    """(code, text coded) of the coder's codings, read back from the study."""
    db = connect_study(study)
    try:
        return [(code, text[start:end]) for code, text, start, end in db.execute(
            "SELECT k.name, d.text, c.start, c.end FROM codings c JOIN documents d ON d.id = c.document_id"
            " JOIN codes k ON k.id = c.code_id JOIN coders r ON r.id = c.coder_id WHERE r.name = ? ORDER BY c.start, c.id", [coder])]
    finally:
        db.close()


async def suggested(pilot) -> None:
    """Wait for the first document's suggestions: their labels beside the text change how it wraps, so the words
    must be looked for on the screen after they are in."""
    await until(pilot, lambda: bool(pilot.app.screen.suggested), "the suggestions")
    await settle(pilot)


async def drag(pilot, view: TranscriptView, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Press the left button at `start`, move over the text to `end`, release: as a terminal reports a drag."""
    await pilot.mouse_down(view, offset=start)
    middle = ((start[0] + end[0]) // 2, (start[1] + end[1]) // 2)
    await pilot.hover(view, offset=middle)
    await pilot.hover(view, offset=end)
    await pilot.mouse_up(view, offset=end)


async def test_a_drag_selects_words_and_the_code_key_codes_exactly_them(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await suggested(pilot)
        view = app.screen.query_one(TranscriptView)
        hotel, hall = on_screen(view, "hotel"), on_screen(view, "hall")
        await drag(pilot, view, (hotel[0] + 2, hotel[1]), (hall[0] + 1, hall[1]))  # from inside one word into another
        await pilot.press("1")
        assert coded_text(piura) == [("Accessing", "hotel conference hall")]
        await pilot.press("u")
        await drag(pilot, view, (hall[0] + 3, hall[1]), (hotel[0], hotel[1]))  # backwards: the same words
        await pilot.press("2")
        assert coded_text(piura) == [("Diffusing", "hotel conference hall")]


async def test_a_click_selects_a_passage_and_a_double_click_a_sentence(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await suggested(pilot)
        screen: CodingScreen = app.screen
        view = screen.query_one(TranscriptView)
        registration = on_screen(view, "Registration")
        await pilot.click(view, offset=(registration[0] + 3, registration[1]), times=2)
        assert screen.passage().ordinal == 1 and screen.at.sentence == 1
        await pilot.press("4")
        [(code, text)] = coded_text(piura)
        assert code == "Enabling" and text.startswith("Registration desk busy") and text.endswith(".")
        await pilot.click(view, offset=on_screen(view, "Opened"))  # a click: the whole passage
        assert screen.passage().ordinal == 2 and screen.sentence_span() is None
        await pilot.press("4")
        assert coded_text(piura)[-1][1].startswith("Opened by welcoming everybody")
        await pilot.click(view, offset=on_screen(view, "hotel"))
        await pilot.click(view, offset=on_screen(view, "Opened"), shift=True)  # every passage up to the one shift+clicked
        assert (screen.at.anchor, screen.at.cursor) == (0, 1) and "(+1 selected)" in status(app)


async def test_a_click_on_a_code_in_the_codebook_applies_it_to_the_dragged_words(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await suggested(pilot)
        screen: CodingScreen = app.screen
        view, codebook = screen.query_one(TranscriptView), screen.query_one(CodebookPane)
        hotel, hall = on_screen(view, "hotel"), on_screen(view, "hall")
        await drag(pilot, view, hotel, (hall[0] + 2, hall[1]))
        diffusing = next(i for i, s in screen.code_styles.items() if s.name == "Diffusing")
        line = codebook.nodes[diffusing].line - round(codebook.scroll_y)
        await pilot.click(codebook, offset=(8, line))
        assert coded_text(piura) == [("Diffusing", "hotel conference hall")]
        await pilot.press("tab", "tab")  # keyboard-only use stays whole: back to the transcript, the words still chosen
        await pilot.press("1")
        assert coded_text(piura) == [("Diffusing", "hotel conference hall"), ("Accessing", "hotel conference hall")]


def test_a_drag_takes_whole_words():
    text = "Congress held in a hotel conference hall in Piura city."
    hotel, hall = text.index("hotel"), text.index("hall")
    assert text[slice(*word_span(text, hotel + 2, hall + 1))] == "hotel conference hall"
    assert text[slice(*word_span(text, hotel - 1, hall + 4))] == "hotel conference hall"  # from the space before
    assert text[slice(*word_span(text, hotel, hotel + 1))] == "hotel"
    assert word_span(text, len(text) - 1, len(text)) is None  # the full stop alone: no word


async def test_a_drag_past_the_bottom_of_the_view_scrolls_it_and_goes_on_choosing(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await suggested(pilot)
        screen: CodingScreen = app.screen
        view = screen.query_one(TranscriptView)
        hotel = on_screen(view, "hotel")
        height = view.scrollable_content_region.height
        await pilot.mouse_down(view, offset=hotel)
        for _ in range(3):
            await pilot.hover(view, offset=(20, height))  # on the status line, below the view
        await pilot.mouse_up(view, offset=(20, height))
        scrolled = round(view.scroll_y)
        assert scrolled == 4  # a line per move below the view (the release's own move too), none for the release
        start, end = screen.selection()
        assert screen.document.text[start:].startswith("hotel conference hall")
        last = view.lines[height - 1 + scrolled]  # the last line shown now
        assert last.start <= end <= last.end
