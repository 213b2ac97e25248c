"""Moving through a document as in any reader, with the keyboard or the mouse.

j/k and the selection keys, Home/End, PgUp/PgDn, go to passage N (`:`), the next uncoded passage
(`g`, passing over the interviewer's turns if the coder chose so with `I`), each document reopening
at the coder's last passage in it; clicks, drags and double-clicks in the transcript; and the name
of the pane that has the keyboard in the status line. A mixin of `CodingScreen`, like `CodingTools`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.events import DescendantFocus
from textual.widgets import OptionList

from coder import documents
from coder.errors import CoderError
from coder.tui.dialogs.go_to import GoToDialog
from coder.tui.widgets.status_line import StatusLine
from coder.tui.widgets.transcript import TranscriptView

if TYPE_CHECKING:
    from textual.screen import Screen as _Screen

    from coder.db import Database
    from coder.documents import Document, DocumentInfo, Passage
    from coder.search import Hit
    from coder.tui.widgets.transcript import Marks
else:
    _Screen = object  # at run time the mixin's screen comes from CodingScreen's other base

MOVE = Binding.Group("move")
EXTEND = Binding.Group("extend")
SENTENCE = Binding.Group("sentence")
EDGE = Binding.Group("go to the")
PAGE = Binding.Group("a screenful")

MOVING_BINDINGS = [
    Binding("j,down", "move(1)", "next", group=MOVE),
    Binding("k,up", "move(-1)", "prev", group=MOVE),
    Binding("J,shift+down", "extend(1)", "more", group=EXTEND),
    Binding("K,shift+up", "extend(-1)", "less", group=EXTEND),
    Binding("right_square_bracket", "sentence(1)", "next", group=SENTENCE),
    Binding("left_square_bracket", "sentence(-1)", "prev", group=SENTENCE),
    Binding("escape", "whole_passage", "whole passage", show=False),
    Binding("home", "edge(-1)", "first passage", group=EDGE, show=False),
    Binding("end", "edge(1)", "last passage", group=EDGE, show=False),
    Binding("pageup", "page(-1)", "up", group=PAGE, show=False),
    Binding("pagedown", "page(1)", "down", group=PAGE, show=False),
    Binding("colon", "go_to_passage", "go to passage…", show=False),
]
UNCODED_BINDINGS = [
    Binding("g", "next_uncoded", "uncoded"),
    Binding("I", "skip_interviewer", "g skips interviewer turns (on/off)", show=False),
]

PANES = {"documents": "documents", "transcript": "transcript", "codebook": "codebook"}  # widget id: name in the status line


@dataclass
class Position:
    """Where the reader is: the document, the cursor passage, the selection and the narrowed sentence or span."""

    document: Document | None = None
    cursor: int = 0
    anchor: int = 0
    sentence: int | None = None
    span: tuple[int, int] | None = None  # words chosen with the mouse: the code keys apply to exactly these
    active: int | None = None  # the coding that nudges and memos act on
    hits: list[Hit] = field(default_factory=list)

    def select(self, cursor: int, anchor: int | None = None) -> None:
        """Passages from `anchor` (else the cursor alone) to `cursor`, whole: no sentence or span narrows them."""
        self.cursor = cursor
        self.anchor = cursor if anchor is None else anchor
        self.sentence = self.span = None


class Moving(_Screen):
    """The coding screen's moving keys and mouse: see the module's docstring."""

    if TYPE_CHECKING:  # what moving uses of CodingScreen, written down for the type checker
        db: Database
        coder_id: int
        coder_name: str
        at: Position
        note: str
        documents: list[DocumentInfo]

        @property
        def document(self) -> Document: ...
        def passage(self) -> Passage: ...
        def sentences(self) -> list[tuple[int, int]]: ...
        def open_document(self, document_id: int, ordinal: int = 1) -> None: ...
        def moved(self) -> None: ...
        def marks(self) -> Marks: ...
        def after_move(self) -> None: ...
        def fail(self, error: CoderError) -> None: ...

    def open_last_position(self) -> None:
        document_id, ordinal = documents.last_position(self.db, self.coder_name) or (None, 1)
        known = {d.id for d in self.documents}
        if document_id not in known:
            document_id = self.documents[0].id if self.documents else None
        if document_id is not None:
            self.open_document(document_id, ordinal)

    def go_to(self, document_id: int, ordinal: int) -> None:
        if document_id != self.document.info.id:
            self.open_document(document_id, ordinal)
            return
        passages = self.document.passages
        self.at.select(next((i for i, p in enumerate(passages) if p.ordinal >= ordinal), len(passages) - 1))
        self.moved()

    # Keys --------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        last = len(self.document.passages) - 1
        self.at.select(min(max(self.at.cursor + step, 0), last))
        self.moved()

    def action_extend(self, step: int) -> None:
        last = len(self.document.passages) - 1
        self.at.select(min(max(self.at.cursor + step, 0), last), self.at.anchor)
        self.moved()

    def action_edge(self, direction: int) -> None:
        """Home: the first passage; End: the last."""
        self.at.select(0 if direction < 0 else len(self.document.passages) - 1)
        self.moved()

    def action_page(self, direction: int) -> None:
        """PgDn / PgUp: the passage a screenful of lines below (above) the cursor's, at least the next (previous) one."""
        transcript = self.query_one(TranscriptView)
        starts = transcript.first_line
        if not starts:
            return
        height = max(1, transcript.scrollable_content_region.height - 1)
        target = bisect_right(starts, starts[self.at.cursor] + direction * height) - 1
        if direction > 0:
            target = max(target, self.at.cursor + 1)
        else:
            target = min(target, self.at.cursor - 1)
        self.at.select(min(max(target, 0), len(starts) - 1))
        self.moved()

    def action_sentence(self, step: int) -> None:
        sentences = self.sentences()
        if not sentences:
            return
        current = self.at.sentence
        self.at.select(self.at.cursor)
        self.at.sentence = (0 if step > 0 else len(sentences) - 1) if current is None else min(max(current + step, 0), len(sentences) - 1)
        self.moved()

    def action_whole_passage(self) -> None:
        self.at.select(self.at.cursor)
        self.moved()

    def action_go_to_passage(self) -> None:
        document = self.document
        self.app.push_screen(GoToDialog(document.info.name, len(document.passages), self.passage().ordinal), self.went)

    def went(self, number: int | None) -> None:
        if number is not None:
            self.go_to(self.document.info.id, number)

    def action_next_uncoded(self) -> None:
        skip = documents.skips_interviewer(self.db, self.coder_name)
        found = documents.next_uncoded_passage(self.db, self.coder_id, self.document.info.id, self.passage().ordinal,
                                               skip_interviewer=skip)
        if found is None:
            self.notify("Every passage is coded" + (" (but the interviewer's turns)." if skip else "."))
            return
        self.go_to(*found)

    def action_skip_interviewer(self) -> None:
        skip = not documents.skips_interviewer(self.db, self.coder_name)
        try:
            documents.set_skips_interviewer(self.db, self.coder_name, skip)
        except CoderError as error:  # the study held locked by another program (a read-only one never gets here: app.py)
            self.fail(error)
            return
        self.note = "g now skips the interviewer's turns" if skip else "g now stops at the interviewer's turns too"
        self.after_move()

    def with_state(self, binding: Binding) -> Binding:
        """The binding as help shows it: a key that turns a setting on and off says which it is now."""
        if binding.action != "skip_interviewer":
            return binding
        now = "on" if documents.skips_interviewer(self.db, self.coder_name) else "off"
        return replace(binding, description=f"{binding.description}: now {now}")

    # Mouse -------------------------------------------------------------------------------

    def chose(self) -> None:
        """After a click or a drag: as `moved`, but the view stays still under the pointer."""
        self.at.active = None
        self.query_one(TranscriptView).update_marks(self.marks())
        self.after_move()
        documents.remember_position(self.db, self.coder_name, self.document.info.id, self.passage().ordinal)

    def on_transcript_view_passage_clicked(self, event: TranscriptView.PassageClicked) -> None:
        self.at.select(event.index, self.at.anchor if event.extend else None)
        self.chose()

    def on_transcript_view_span_selected(self, event: TranscriptView.SpanSelected) -> None:
        """Words dragged across: the passages they touch are selected, narrowed to exactly the words."""
        touched = self.document.passages_touched(event.start, event.end)
        cursor = min(max(event.index, touched[0]), touched[-1])
        self.at.select(cursor, touched[-1] if cursor == touched[0] else touched[0])
        self.at.span = (event.start, event.end)
        self.chose()

    def on_transcript_view_sentence_clicked(self, event: TranscriptView.SentenceClicked) -> None:
        """A double-click: the sentence under the pointer."""
        self.at.select(event.index)
        sentences = self.sentences()
        self.at.sentence = next((i for i, (start, end) in enumerate(sentences) if start <= event.offset < end), None)
        self.chose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A document chosen in the list opens where the coder last was in it."""
        if event.option_list.id != "documents":
            return
        assert event.option.id is not None  # every option is made with its document's id
        document_id = int(event.option.id)
        self.open_document(document_id, documents.document_position(self.db, self.coder_name, document_id))
        self.query_one(TranscriptView).focus()

    # Focus -------------------------------------------------------------------------------

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """The status line names the pane the keys go to (its border shows it too: app.tcss)."""
        self.query_one(StatusLine).set_pane(PANES.get(event.widget.id or "", ""))
