"""Keyword suggestions on the coding screen: found in the background, marked `?` with the words that
triggered them, accepted with `s`, dismissed with `S` (for good, on that passage).

A mixin of `CodingScreen`. What is suggested where is the domain's (`coder.suggest`): no
suggestions on interviewer turns by default, none the coder dismissed or removed there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from coder.dismissals import dismissed
from coder.errors import CoderError
from coder.suggest import dismiss_suggestion, triggers
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.widgets.transcript import TranscriptView

if TYPE_CHECKING:
    from textual.screen import Screen as _Screen

    from coder.db import Database
    from coder.documents import CodingSpan, Document, Passage
    from coder.study import Study
    from coder.suggest import Suggester, Suggestion
    from coder.tui.marks import CodeStyle, PassageCodings
    from coder.tui.screens.moving import Position
    from coder.tui.widgets.transcript import Marks
else:
    _Screen = object  # at run time the mixin's screen comes from CodingScreen's other base


class Suggesting(_Screen):
    """Keyword suggestions (s accepts, S dismisses) for the coding screen."""

    hinted = ""  # the status line's hint: the cursor passage's suggestions, with their words

    if TYPE_CHECKING:  # what the suggestions use of CodingScreen
        study: Study
        db: Database
        coder_id: int
        at: Position
        code_styles: dict[int, CodeStyle]
        suggest: Suggester
        suggested: dict[int, list[Suggestion]]
        note: str

        @property
        def document(self) -> Document: ...
        @property
        def codings(self) -> PassageCodings: ...
        def passage(self) -> Passage: ...
        def mine_in_selection(self) -> list[CodingSpan]: ...
        def wrote(self, note: str, span: tuple[int, int] | None = None) -> None: ...
        def fail(self, error: CoderError) -> None: ...
        def marks(self) -> Marks: ...
        def after_move(self) -> None: ...
        def toggle(self, code_id: int) -> None: ...

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    def find_suggestions(self, document_id: int) -> None:
        """Keyword suggestions need spaCy (≈1.3 s to import and heavy on the CPU): the app's suggestion
        helper finds them (in a process of its own), this thread only waits for them."""
        found = self.suggest(self.study.root, document_id)
        self.app.call_from_thread(self.show_suggestions, document_id, found)

    def show_suggestions(self, document_id: int, found: dict[int, list[Suggestion]]) -> None:
        if self.at.document is not None and self.at.document.info.id == document_id:
            self.suggested = found
            self.query_one(TranscriptView).update_marks(self.marks())
            self.after_move()  # the status line names the cursor passage's suggestions at once

    def pending(self, ordinal: int, gone: set[tuple[int, int]] | None = None) -> dict[int, list[str]]:
        """The passage's suggestions still open to the coder: code id → the words that triggered it.

        Not a code the coder has there already, nor one dismissed or removed there (`gone`, read when not given)."""
        items = self.suggested.get(ordinal)
        if not items:
            return {}
        if gone is None:
            gone = dismissed(self.db, self.document.info.id, self.coder_id)
        applied = {c.code_id for c in self.codings.in_passage(ordinal - 1) if c.coder_id == self.coder_id}
        return {code: words for code, words in triggers(items).items() if code not in applied and (ordinal, code) not in gone}

    def suggestion_labels(self) -> dict[int, list[str]]:
        """The `?` marks by passage index: each suggested code with the words that triggered it."""
        if not self.suggested:
            return {}
        gone = dismissed(self.db, self.document.info.id, self.coder_id)
        labels: dict[int, list[str]] = {}
        for ordinal in self.suggested:
            if open_here := self.pending(ordinal, gone):
                labels[ordinal - 1] = [f"{self.named(c)} «{', '.join(w)}»" for c, w in open_here.items()]
        self.hint(gone)
        return labels

    def named(self, code_id: int) -> str:
        return self.code_styles[code_id].name if code_id in self.code_styles else str(code_id)

    def hint(self, gone: set[tuple[int, int]]) -> None:
        """The cursor passage's suggestions and the words behind them: the status line's hint, after the place."""
        open_here = self.pending(self.passage().ordinal, gone)
        words = "; ".join(f"{self.named(c)} ({', '.join(w)})" for c, w in open_here.items())
        self.hinted = f"suggested: {words} — s accepts, S dismisses" if open_here else ""

    def action_accept_suggestion(self) -> None:
        mine = {c.code_id for c in self.mine_in_selection()}
        open_here = [c for c in self.pending(self.passage().ordinal) if c not in mine]
        if not open_here:
            self.notify("No suggestion for this passage.", severity="warning")
            return
        self.toggle(open_here[0])

    def action_dismiss_suggestion(self) -> None:
        """Turn a suggestion down for this passage: the only one at once, else chosen from the list (with its words)."""
        open_here = self.pending(self.passage().ordinal)
        if not open_here:
            self.notify("No suggestion for this passage.", severity="warning")
            return
        if len(open_here) == 1:
            self.dismissed_chosen(str(next(iter(open_here))))
            return
        items = [(str(c), f"{self.code_styles[c].group} / {self.code_styles[c].name} — {', '.join(words)}",
                  self.code_styles[c].colour) for c, words in open_here.items() if c in self.code_styles]
        self.app.push_screen(QuickPick(f"Dismiss a suggestion for passage {self.passage().ordinal}", items), self.dismissed_chosen)

    def dismissed_chosen(self, chosen: str | None) -> None:
        if not chosen:
            return
        code_id, ordinal = int(chosen), self.passage().ordinal
        try:
            dismiss_suggestion(self.db, self.document.info.id, ordinal, code_id, self.coder_id, version=self.document.version)
        except CoderError as error:
            self.fail(error)
            return
        self.wrote(f"dismissed the suggestion {self.named(code_id)} for passage {ordinal} (u undoes)",
                   (self.passage().start, self.passage().end))
