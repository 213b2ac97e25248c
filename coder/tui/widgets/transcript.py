"""The transcript: passages as wrapped lines, drawn line by line so long documents stay fast.

A Line API widget (like toolong's log view): only the visible lines are rendered, and a
document is laid out once per width. What to mark — codings, mentions, search hits, the
selection — arrives as `Marks` from the screen; the widget never reads the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from coder.documents import Document
from coder.tui.marks import Painted, PassageCodings
from coder.tui.widgets.transcript_mouse import TranscriptMouse

LEFT_GUTTER = 6  # passage number, memo mark and selection bar
LABELS = (16, 2 / 7)  # the code labels' column: at least 16 cells, at most 2/7 of the width (wider labels wrap)
WORD = re.compile(r"\S*")


@dataclass(frozen=True)
class Line:
    passage: int  # index into the document's passages, -1 for the gap between passages
    start: int  # offsets into the document's text
    end: int
    first: bool = False


@dataclass
class Marks:
    """What the screen wants marked, in document offsets and passage indices."""

    cursor: int = 0
    selection: tuple[int, int] = (0, 0)
    sentence: tuple[int, int] | None = None
    codings: PassageCodings | None = None
    mentions: list[tuple[int, int]] = field(default_factory=list)
    hits: list[tuple[int, int]] = field(default_factory=list)
    suggestions: dict[int, list[str]] = field(default_factory=dict)
    memos: set[int] = field(default_factory=set)  # passages with a memo on (part of) them
    active: tuple[int, int] | None = None  # the coding that nudges and memos act on
    _painted: dict[int, list[Painted]] = field(default_factory=dict, repr=False)

    def painted(self, index: int) -> list[Painted]:
        if index not in self._painted:
            self._painted[index] = self.codings.painted(index) if self.codings else []
        return self._painted[index]

    def labels(self, index: int) -> list[tuple[str, str]]:
        """The code labels of a passage, the coder's own first, each once."""
        seen: dict[str, str] = {}
        for painted in sorted(self.painted(index), key=lambda p: p.rank):
            seen.setdefault(painted.label, painted.colour)
        return list(seen.items())


@lru_cache(maxsize=256)
def coding_style(colour: str, mine: bool) -> Style:
    return Style(color=colour) if mine else Style(color=colour, italic=True, dim=True)


def label_width(codings: PassageCodings | None, width: int) -> int:
    """The cells a code label may take: what the longest label needs ("● name", with "· coder" when others are shown),
    within LABELS."""
    needed = 0
    if codings is not None:
        names = max((len(style.name) for style in codings.styles.values()), default=0)
        others = max((len(name) for name in codings.coder_names.values()), default=0) if len(codings.coder_names) > 1 else 0
        needed = 2 + names + (3 + others if others else 0)
    return max(LABELS[0], min(needed, int((width - LEFT_GUTTER) * LABELS[1])))


@lru_cache(maxsize=32)
def _line_pattern(width: int) -> re.Pattern[str]:
    """The longest run of at most `width` characters that ends a word, or a cut through a longer word."""
    if width < 2:
        return re.compile(r"\S")
    return re.compile(rf"\S(?:[^\n]{{0,{width - 2}}}\S)?(?=\s|\Z)|\S{{{width}}}")


def whole_words(text: str, width: int) -> str:
    """The text with any word longer than `width` shortened with "…", so that wrapping never cuts a word in two."""
    if width < 2 or not any(len(word) > width for word in text.split()):
        return text
    return " ".join(word if len(word) <= width else word[: width - 1] + "…" for word in text.split(" "))


def wrap(text: str, start: int, end: int, width: int, first_width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of text[start:end] into (start, end) line spans; newlines always break.

    The regular expression engine does the wrapping, so a 100,000-word document lays out in milliseconds.
    """
    spans: list[tuple[int, int]] = []
    position = start
    first = _line_pattern(max(1, first_width)).search(text, position, end)
    if first is None:
        return [(start, start)]
    spans.append(first.span())
    spans.extend(m.span() for m in _line_pattern(max(1, width)).finditer(text, first.end(), end))
    return spans


class TranscriptView(TranscriptMouse, ScrollView, can_focus=True, inherit_bindings=False):
    """A document's passages with their codings marked; the cursor passage highlighted.

    No bindings of its own (not even the scroll keys it would inherit): the screen's moving keys move the cursor.
    """

    ALLOW_SELECT = False  # a drag chooses words to code (transcript_mouse.py), not text to copy
    left_gutter = LEFT_GUTTER

    COMPONENT_CLASSES = {
        "transcript--speaker", "transcript--number", "transcript--current", "transcript--selected",
        "transcript--sentence", "transcript--hit", "transcript--mention", "transcript--suggestion",
        "transcript--bar", "transcript--active",
    }

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.document: Document | None = None
        self.marks = Marks()
        self.lines: list[Line] = []
        self.first_line: list[int] = []  # per passage: its first line
        self._laid_out_width = 0
        self.label_width = LABELS[0]
        self._buckets: dict[int, list[tuple[int, int, str, Style]]] = {}
        self._mention_buckets: dict[int, list[tuple[int, int, str, Style]]] = {}
        self._bucketed_mentions: object = None
        self._strips: dict[tuple, Strip] = {}
        self._signatures: dict[int, tuple] = {}

    # Attributes down ---------------------------------------------------------------------

    def show_document(self, document: Document | None, marks: Marks) -> None:
        self.document = document
        self._laid_out_width = 0
        self._bucketed_mentions = None
        self.marks = marks
        self._layout()
        self.scroll_to(y=0, animate=False)
        self.update_marks(marks)

    def notify_style_update(self) -> None:
        self._strips = {}  # a new theme: every line is drawn again
        super().notify_style_update()

    def update_marks(self, marks: Marks) -> None:
        self.marks = marks
        self._signatures = {}
        self._bucket_marks()
        if self.lines and self.text_width != self._laid_out_width:  # a longer code name, or others' codings shown
            self._layout()
        self.refresh()

    # Layout ------------------------------------------------------------------------------

    @property
    def text_width(self) -> int:
        """The text's column, with the labels' column (`label_width`, measured afresh) beside it."""
        width = self.scrollable_content_region.width
        self.label_width = label_width(self.marks.codings, width)
        return max(10, width - LEFT_GUTTER - self.label_width - 2)

    def on_resize(self) -> None:
        self._rewrap()

    def _watch_show_vertical_scrollbar(self) -> None:
        """The scrollbar the lines brought (or took away) changes the text's width, and no resize says so (as in Textual's
        TextArea): the lines are wrapped again at once, else they stay too wide until the next repaint re-wraps them —
        under the pointer, in the middle of a drag."""
        self._rewrap()

    def _rewrap(self) -> None:
        if self.text_width != self._laid_out_width or not self.lines:
            self._layout()
            self.scroll_to_passage(self.marks.cursor)

    def _layout(self) -> None:
        self.lines, self.first_line = [], []
        self._strips = {}
        document = self.document
        width = self._laid_out_width = self.text_width
        if document is None or not self.size.width:  # not on screen yet: laid out on the first resize
            self.virtual_size = Size(0, 0)
            return
        text = document.text
        for index, passage in enumerate(document.passages):
            if index:
                self.lines.append(Line(-1, passage.start, passage.start))
            self.first_line.append(len(self.lines))
            label = len(passage.speaker) + 1 if passage.speaker else 0
            word = WORD.match(text, passage.start, passage.end)
            own_line = bool(label and word and label + word.end() - word.start() > width)  # the speaker's name alone
            if own_line:
                self.lines.append(Line(index, passage.start, passage.start, first=True))
            first_width = width if own_line else width - label
            for number, (start, end) in enumerate(wrap(text, passage.start, passage.end, width, first_width)):
                self.lines.append(Line(index, start, end, first=number == 0 and not own_line))
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.lines))
        self.refresh()

    def passage_lines(self, index: int) -> tuple[int, int]:
        """First and last line of a passage."""
        first = self.first_line[index]
        last = self.first_line[index + 1] - 2 if index + 1 < len(self.first_line) else len(self.lines) - 1
        return first, last

    def scroll_to_passage(self, index: int) -> None:
        """Scroll as little as needed to show the passage (its top, if it is taller than the view)."""
        if not self.first_line:
            return
        first, last = self.passage_lines(index)
        height = self.scrollable_content_region.height
        top = round(self.scroll_y)
        if first < top or last - first + 1 > height:
            top = max(0, first - 1)
        elif last >= top + height:
            top = last - height + 2
        self.scroll_to(y=top, animate=False)

    def _bucket_marks(self) -> None:
        """Sort the few marked spans (hits, sentence, active coding) into the passages they touch.

        Mentions are sorted once per document; codings come already sorted by passage.
        """
        self._buckets = {}
        if self.document is None:
            return
        if self._bucketed_mentions is not self.marks.mentions:
            style = self.get_component_rich_style("transcript--mention")
            self._mention_buckets = self._sorted_into_passages([(s, e, "mention", style) for s, e in self.marks.mentions])
            self._bucketed_mentions = self.marks.mentions
        spans = [(s, e, "hit", self.get_component_rich_style("transcript--hit")) for s, e in self.marks.hits]
        if self.marks.sentence:
            spans.append((*self.marks.sentence, "sentence", self.get_component_rich_style("transcript--sentence")))
        if self.marks.active:
            spans.append((*self.marks.active, "active", self.get_component_rich_style("transcript--active")))
        self._buckets = self._sorted_into_passages(spans)

    def _sorted_into_passages(self, spans: list[tuple[int, int, str, Style]]) -> dict[int, list[tuple[int, int, str, Style]]]:
        assert self.document is not None  # marks are sorted only while a document is shown
        buckets: dict[int, list[tuple[int, int, str, Style]]] = {}
        for span in spans:
            for index in self.document.passages_touched(span[0], span[1]):
                buckets.setdefault(index, []).append(span)
        return buckets

    # Drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        number = y + round(self.scroll_y)
        width = self.scrollable_content_region.width
        if self.document is None or number >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        line = self.lines[number]
        if line.passage < 0:
            return Strip.blank(width, self.rich_style)
        # A key press changes one or two passages; the other lines on screen are drawn from the cache.
        key = (number, width, self._signature(line.passage))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._draw(line, number, width)
            if len(self._strips) > 4_000:
                self._strips.pop(next(iter(self._strips)))
        return strip

    def _signature(self, index: int) -> tuple:
        """Everything that decides how a passage's lines look; equal signatures draw equal lines."""
        if index not in self._signatures:
            marks = self.marks
            low, high = marks.selection
            self._signatures[index] = (
                tuple(marks.painted(index)), low <= index <= high and (high > low), low <= index <= high,
                tuple(self._buckets.get(index, ())), tuple(marks.suggestions.get(index, ())), index in marks.memos,
            )
        return self._signatures[index]

    def _draw(self, line: Line, number: int, width: int) -> Strip:
        marks = self.marks
        low, high = marks.selection
        base = self.rich_style
        if low <= line.passage <= high:
            base += self.get_component_rich_style("transcript--selected" if high > low else "transcript--current")
        segments = self._gutter(line, base) + self._text(line, base) + self._labels(line, number, base)
        return Strip(segments).crop_extend(0, width, base)

    def _gutter(self, line: Line, base: Style) -> list[Segment]:
        assert self.document is not None  # lines are drawn only while a document is shown
        passage = self.document.passages[line.passage]
        low, high = self.marks.selection
        bar = "▌" if low <= line.passage <= high else " "
        if line.first:
            noted = line.passage in self.marks.memos or any(p.memo for p in self.marks.painted(line.passage))
            memo = "✎" if noted else " "
            return [Segment(f"{passage.ordinal:>4}", base + self.get_component_rich_style("transcript--number")),
                    Segment(memo, base), Segment(bar, base + self.get_component_rich_style("transcript--bar"))]
        return [Segment("     ", base), Segment(bar, base + self.get_component_rich_style("transcript--bar"))]

    def _text(self, line: Line, base: Style) -> list[Segment]:
        assert self.document is not None  # lines are drawn only while a document is shown
        passage = self.document.passages[line.passage]
        text = self.document.text
        segments: list[Segment] = []
        if line.first and passage.speaker:
            speaker = passage.speaker if len(passage.speaker) < self._laid_out_width else passage.speaker[: self._laid_out_width - 2] + "…"
            segments.append(Segment(speaker + " ", base + self.get_component_rich_style("transcript--speaker")))
        spans = [(p.start, p.end, "coding", coding_style(p.colour, p.mine)) for p in self.marks.painted(line.passage)]
        spans += self._mention_buckets.get(line.passage, []) + self._buckets.get(line.passage, [])
        spans = [s for s in spans if s[0] < line.end and s[1] > line.start]
        cuts = sorted({line.start, line.end, *(max(line.start, s[0]) for s in spans), *(min(line.end, s[1]) for s in spans)})
        for start, end in zip(cuts, cuts[1:]):
            style = base
            for kind in ("coding", "mention", "sentence", "active", "hit"):
                for s in spans:
                    if s[2] == kind and s[0] <= start and s[1] >= end:
                        style += s[3]
            segments.append(Segment(text[start:end].replace("\n", " "), style))
        used = sum(cell_len(s.text) for s in segments)
        segments.append(Segment(" " * max(0, self._laid_out_width - used), base))
        return segments

    def _labels(self, line: Line, number: int, base: Style) -> list[Segment]:
        first, last = self.passage_lines(line.passage)
        row = number - first
        width = self.label_width
        labels = [(f"● {name}", Style(color=colour)) for name, colour in self.marks.labels(line.passage)]
        labels += [(f"? {name}", self.get_component_rich_style("transcript--suggestion"))
                   for name in self.marks.suggestions.get(line.passage, [])]
        labels = [(whole_words(text, width - 2), style) for text, style in labels]
        rows = [(("  " if part else "") + text[start:end], style) for text, style in labels
                for part, (start, end) in enumerate(wrap(text, 0, len(text), width - 2, width))]  # long ones wrap
        capacity = last - first + 1
        if len(rows) > capacity and row == capacity - 1:
            return [Segment(" "), Segment(f"+{len(rows) - capacity + 1} more"[:width], base)]
        if row < len(rows):
            text, style = rows[row]
            return [Segment(" "), Segment(text[:width], base + style)]
        return []
