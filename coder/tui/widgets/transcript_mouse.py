"""The transcript's mouse: a click chooses a passage (shift+click: up to it), a drag words, a double-click a sentence.

A mixin of `TranscriptView`: it turns a pointer position into an offset in the document's text
(through the lines the view laid out) and tells the screen what was chosen; the screen decides
what that selects, as it does for keys. Textual's own text selection is off in the transcript
(`ALLOW_SELECT`): a drag here chooses what the code keys apply to.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.events import Click, MouseDown, MouseEvent, MouseMove, MouseUp
from textual.message import Message

if TYPE_CHECKING:
    from textual.widget import Widget as _Widget

    from coder.documents import Document
    from coder.tui.widgets.transcript import Line
else:
    _Widget = object  # at run time the widget comes from TranscriptView's other base

WORD = re.compile(r"\w+(?:['’\-]\w+)*")


def word_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole words from the one at (or after) `start` to the one at (or before) `end`; None if no word is between."""
    words = [m.span() for m in WORD.finditer(text, max(0, start - 100), min(len(text), end + 100))]
    inside = [(a, b) for a, b in words if b > start and a < max(end, start + 1)]
    if not inside:
        return None
    return inside[0][0], inside[-1][1]


class TranscriptMouse(_Widget):
    """Clicks, drags and double-clicks over the transcript's text."""

    if TYPE_CHECKING:  # what the mouse uses of TranscriptView
        document: Document | None
        lines: list[Line]
        left_gutter: int

    class PassageClicked(Message, namespace="transcript_view"):
        """The reader clicked a passage (with shift: extending the selection to it)."""

        def __init__(self, index: int, extend: bool = False) -> None:
            super().__init__()
            self.index = index
            self.extend = extend

    class SpanSelected(Message, namespace="transcript_view"):
        """The reader dragged across words: `start`–`end` in the document's text; `index`: the passage under the pointer."""

        def __init__(self, start: int, end: int, index: int) -> None:
            super().__init__()
            self.start = start
            self.end = end
            self.index = index

    class SentenceClicked(Message, namespace="transcript_view"):
        """The reader double-clicked at `offset` in passage `index`."""

        def __init__(self, index: int, offset: int) -> None:
            super().__init__()
            self.index = index
            self.offset = offset

    pressed: tuple[int, int] | None = None  # (passage, offset) where the left button went down
    dragged = False  # the pointer moved over other text since: the click that follows chooses nothing more

    def point(self, event: MouseEvent) -> tuple[int, int] | None:
        """The passage index and the text offset under the pointer (the nearest line's edge outside the text).

        During a drag the pointer may leave the view: above or below it, the view scrolls a line towards it.
        """
        at = event.get_content_offset_capture(self) if self.pressed is not None else event.get_content_offset(self)
        if self.document is None or at is None or not self.lines:
            return None
        height = self.scrollable_content_region.height
        if isinstance(event, MouseMove) and self.pressed is not None and not 0 <= at.y < height:
            self.scroll_to(y=self.scroll_y + (1 if at.y >= height else -1), animate=False, immediate=True)
        number = min(max(min(max(at.y, 0), height - 1) + round(self.scroll_y), 0), len(self.lines) - 1)
        line = self.lines[number]
        if line.passage < 0:  # the gap between two passages: the next one's start
            return self.lines[number + 1].passage, line.start
        passage = self.document.passages[line.passage]
        column = at.x - self.left_gutter
        if line.first and passage.speaker:
            column -= cell_len(passage.speaker) + 1
        offset = line.start
        for character in self.document.text[line.start:line.end]:
            column -= cell_len(character)
            if column < 0:
                break
            offset += 1
        return line.passage, offset

    def on_mouse_down(self, event: MouseDown) -> None:
        if event.button != 1:
            return
        self.pressed = self.point(event)
        self.dragged = False
        if self.pressed is not None:
            self.capture_mouse()

    def on_mouse_move(self, event: MouseMove) -> None:
        if self.pressed is None:
            return
        here = self.point(event)
        if here is None or (not self.dragged and here[1] == self.pressed[1]):
            return
        self.dragged = True
        self._choose_words(here)

    def on_mouse_up(self, event: MouseUp) -> None:
        if self.pressed is None:
            return
        here = self.point(event)
        if self.dragged and here is not None:
            self._choose_words(here)
        self.pressed = None
        self.capture_mouse(False)

    def _choose_words(self, here: tuple[int, int]) -> None:
        assert self.pressed is not None and self.document is not None  # only while a drag over a document goes on
        low, high = sorted((self.pressed[1], here[1]))
        words = word_span(self.document.text, low, high)
        if words is not None:
            self.post_message(self.SpanSelected(*words, here[0]))

    def on_click(self, event: Click) -> None:
        if self.dragged:  # the end of a drag, not a click
            self.dragged = False
            return
        here = self.point(event)
        if here is None:
            return
        if event.chain >= 2:
            self.post_message(self.SentenceClicked(*here))
        else:
            self.post_message(self.PassageClicked(here[0], extend=event.shift))
