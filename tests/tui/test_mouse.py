"""The mouse, for those who use one (issue 14, item 3): a click selects a passage, a drag any words (in one passage
or across two) and the code keys apply to exactly them, a double-click a sentence, a click on a code applies it.

Where a word is on the screen is read from the lines the transcript draws, not from the code under test; each
gesture is followed by a wait until the app has handled all it caused (see `Mouse`), not by a guess.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget

from coder import documents
from coder.study import Study, connect_study
from coder.suggest import Suggester, suggestions_in_study
from coder.tui.app import CoderApp
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.transcript import TranscriptView
from coder.tui.widgets.transcript_mouse import word_span
from tests.tui.test_coding_screen import status
from tests.tui.waiting import quiet, running, settle, until


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


class Mouse:
    """The pointer (and the keys) of a test; the app's message hook, counting the messages handled.

    After each gesture it waits until the app has handled everything the gesture caused — the transcript's
    message to the screen arrives a hop later, which the pilot's own wait for an idle CPU may not see on a
    busy machine — and until the transcript stands still (`still`).
    """

    def __init__(self) -> None:
        self.handled = 0
        self.pilot: Pilot

    def __call__(self, message: Message) -> None:
        self.handled += 1

    @property
    def view(self) -> TranscriptView:
        return self.pilot.app.screen.query_one(TranscriptView)

    async def still(self) -> None:
        """Wait until the transcript's lines (laid out afresh on each change of width) and its scroll stay the same
        through a screen update and the messages it brings: where a word is drawn is then where the pointer finds it."""
        view = self.view
        while True:
            before = (view.lines, view.scroll_y)
            await self.pilot.pause()  # it ends with the screen's pending layout done
            await quiet(self.pilot, lambda: self.handled)
            if view.lines is before[0] and view.scroll_y == before[1]:
                return

    async def click(self, widget: Widget, offset: tuple[int, int], times: int = 1, shift: bool = False) -> None:
        await self.pilot.click(widget, offset=offset, times=times, shift=shift)
        await self.still()

    async def down(self, offset: tuple[int, int]) -> None:
        await self.pilot.mouse_down(self.view, offset=offset)
        await self.still()

    async def hover(self, offset: tuple[int, int]) -> None:
        await self.pilot.hover(self.view, offset=offset)
        await self.still()

    async def up(self, offset: tuple[int, int]) -> None:
        await self.pilot.mouse_up(self.view, offset=offset)
        await self.still()

    async def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        """Press the left button at `start`, move over the text to `end`, release: as a terminal reports a drag."""
        middle = ((start[0] + end[0]) // 2, (start[1] + end[1]) // 2)
        await self.down(start)
        await self.hover(middle)
        await self.hover(end)
        await self.up(end)

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.still()


@asynccontextmanager
async def workbench(study: Study, suggest: Suggester = suggestions_in_study) -> AsyncIterator[Mouse]:
    """The workbench on the study once the first document's suggestions are in (their labels share the lines'
    width, and the scrollbar the lines bring narrows it): only then are the words looked for on the screen."""
    mouse = Mouse()
    app = CoderApp(study, "ana", suggest=suggest)
    async with running(app, message_hook=mouse) as pilot:
        mouse.pilot = pilot
        await until(pilot, lambda: bool(pilot.app.screen.suggested), "the suggestions")
        await settle(pilot, lambda: mouse.handled)
        await mouse.still()
        yield mouse


def found_at_once(study: Study) -> Suggester:
    """Suggestions for the first document found before the workbench starts: they arrive before the transcript
    is first laid out (found in a thread, on a busy machine they sometimes do)."""
    db = connect_study(study)
    try:
        first = documents.list_documents(db)[0].id
    finally:
        db.close()
    ready = {first: suggestions_in_study(study.root, first)}
    return lambda root, document_id: ready.get(document_id) or suggestions_in_study(root, document_id)


async def test_a_drag_selects_words_and_the_code_key_codes_exactly_them(piura):
    async with workbench(piura) as mouse:
        view = mouse.view
        hotel, hall = on_screen(view, "hotel"), on_screen(view, "hall")
        await mouse.drag((hotel[0] + 2, hotel[1]), (hall[0] + 1, hall[1]))  # from inside one word into another
        await mouse.press("1")
        assert coded_text(piura) == [("Accessing", "hotel conference hall")]
        await mouse.press("u")
        await mouse.drag((hall[0] + 3, hall[1]), (hotel[0], hotel[1]))  # backwards: the same words
        await mouse.press("2")
        assert coded_text(piura) == [("Diffusing", "hotel conference hall")]


@pytest.mark.parametrize("found", ["meanwhile", "at_once"])
async def test_a_drag_across_two_passages(piura, found):
    async with workbench(piura, found_at_once(piura) if found == "at_once" else suggestions_in_study) as mouse:
        screen: CodingScreen = mouse.pilot.app.screen
        neighbours, opened = on_screen(mouse.view, "neighbours"), on_screen(mouse.view, "Opened")
        await mouse.drag((neighbours[0] + 4, neighbours[1]), (opened[0] + 2, opened[1]))
        assert (screen.at.anchor, screen.at.cursor) == (0, 1) and "(+1 selected)" in status(screen.app)
        await mouse.press("3")
        [(code, text)] = coded_text(piura)
        assert code == "Coordinating" and text.startswith("neighbours instead.") and text.endswith("PRESIDENT OF APEM: Opened")


async def test_the_lines_are_wrapped_again_when_the_scrollbar_comes_and_a_click_finds_the_word_under_it(piura):
    async with workbench(piura, found_at_once(piura)) as mouse:  # the lines first laid out before the scrollbar showed
        view = mouse.view
        width = view.scrollable_content_region.width
        assert view.show_vertical_scrollbar and view.size.width - width == view.styles.scrollbar_size_vertical
        drawn = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
        assert all(len(line) == width for line in drawn)
        assert all(line[view.left_gutter + view.text_width:].startswith(" ") for line in drawn)  # no word under the labels
        await mouse.click(view, on_screen(view, "Opened"), times=2)
        screen: CodingScreen = mouse.pilot.app.screen
        assert screen.passage().ordinal == 2 and screen.sentence_span() == screen.sentences()[0]


async def test_a_click_selects_a_passage_and_a_double_click_a_sentence(piura):
    async with workbench(piura) as mouse:
        screen: CodingScreen = mouse.pilot.app.screen
        view = mouse.view
        registration = on_screen(view, "Registration")
        await mouse.click(view, (registration[0] + 3, registration[1]), times=2)
        assert screen.passage().ordinal == 1 and screen.at.sentence == 1
        await mouse.press("4")
        [(code, text)] = coded_text(piura)
        assert code == "Enabling" and text.startswith("Registration desk busy") and text.endswith(".")
        await mouse.click(view, on_screen(view, "Opened"))  # a click: the whole passage
        assert screen.passage().ordinal == 2 and screen.sentence_span() is None
        await mouse.press("4")
        assert coded_text(piura)[-1][1].startswith("Opened by welcoming everybody")
        await mouse.click(view, on_screen(view, "hotel"))
        await mouse.click(view, on_screen(view, "Opened"), shift=True)  # every passage up to the one shift+clicked
        assert (screen.at.anchor, screen.at.cursor) == (0, 1) and "(+1 selected)" in status(screen.app)


async def test_a_click_on_a_code_in_the_codebook_applies_it_to_the_dragged_words(piura):
    async with workbench(piura) as mouse:
        screen: CodingScreen = mouse.pilot.app.screen
        view, codebook = mouse.view, screen.query_one(CodebookPane)
        hotel, hall = on_screen(view, "hotel"), on_screen(view, "hall")
        await mouse.drag(hotel, (hall[0] + 2, hall[1]))
        diffusing = next(i for i, s in screen.code_styles.items() if s.name == "Diffusing")
        line = codebook.nodes[diffusing].line - round(codebook.scroll_y)
        await mouse.click(codebook, (8, line))
        assert coded_text(piura) == [("Diffusing", "hotel conference hall")]
        await mouse.press("tab", "tab")  # keyboard-only use stays whole: back to the transcript, the words still chosen
        await mouse.press("1")
        assert coded_text(piura) == [("Diffusing", "hotel conference hall"), ("Accessing", "hotel conference hall")]


def test_a_drag_takes_whole_words():
    text = "Congress held in a hotel conference hall in Piura city."
    hotel, hall = text.index("hotel"), text.index("hall")
    assert text[slice(*word_span(text, hotel + 2, hall + 1))] == "hotel conference hall"
    assert text[slice(*word_span(text, hotel - 1, hall + 4))] == "hotel conference hall"  # from the space before
    assert text[slice(*word_span(text, hotel, hotel + 1))] == "hotel"
    assert word_span(text, len(text) - 1, len(text)) is None  # the full stop alone: no word


async def test_a_drag_past_the_bottom_of_the_view_scrolls_it_and_goes_on_choosing(piura):
    async with workbench(piura) as mouse:
        screen: CodingScreen = mouse.pilot.app.screen
        view = mouse.view
        hotel = on_screen(view, "hotel")
        height = view.scrollable_content_region.height
        await mouse.down(hotel)
        for _ in range(3):
            await mouse.hover((20, height))  # on the status line, below the view
        await mouse.up((20, height))
        scrolled = round(view.scroll_y)
        assert scrolled == 4  # a line per move below the view (the release's own move too), none for the release
        start, end = screen.selection()
        assert screen.document.text[start:].startswith("hotel conference hall")
        last = view.lines[height - 1 + scrolled]  # the last line shown now
        assert last.start <= end <= last.end
