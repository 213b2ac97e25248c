"""Suggestions on the coding screen: found in the background, marked `?` with the words behind them,
accepted with `s`, dismissed with `S` (for good, on that passage), `L` goes where the model is least sure.

A mixin of `CodingScreen`. A code the study's model learned (`coder.learning`, trained in a process of its own on
opening, on a new source (`M`) and after `RETRAIN_AFTER` of its source's codings) is suggested by the model, with its probability
and the words that weighed most; any other code by its keywords (`coder.suggest`). What is suggested
where is the domain's: none on interviewer turns, none the coder dismissed or removed there. A dismissal
of a learned suggestion is a negative example at the next training.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from coder import learning
from coder.coding import consensus_coder
from coder.dismissals import dismissed
from coder.documents import coders
from coder.errors import CoderError
from coder.study import connect_study
from coder.suggest import dismiss_suggestion, triggers
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.widgets.transcript import TranscriptView

if TYPE_CHECKING:
    from textual.screen import Screen as _Screen

    from coder.coding import CodeRef
    from coder.db import Database
    from coder.documents import CodingSpan, Document, Passage
    from coder.study import Study
    from coder.suggest import Suggester, Suggestion
    from coder.tui.marks import CodeStyle, PassageCodings
    from coder.tui.screens.moving import Position
    from coder.tui.widgets.transcript import Marks
else:
    _Screen = object  # at run time the mixin's screen comes from CodingScreen's other base

RETRAIN_AFTER = 20  # new codings (and dismissals) of the model's source before it trains again


class Suggesting(_Screen):
    """Keyword suggestions (s accepts, S dismisses) for the coding screen."""

    hinted = ""  # the status line's hint: the cursor passage's suggestions, with their words
    model: learning.Model | None = None  # the study's model, once trained
    learned: dict[int, list[learning.Learned]] = {}  # the open document's learned suggestions, per passage ordinal

    if TYPE_CHECKING:  # what the suggestions use of CodingScreen
        study: Study
        db: Database
        coder_id: int
        at: Position
        code_styles: dict[int, CodeStyle]
        suggest: Suggester
        suggested: dict[int, list[Suggestion]]
        refs: dict[int, CodeRef]
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
        def go_to(self, document_id: int, ordinal: int) -> None: ...

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

    # The model: trained in a process, it suggests for the open document in a thread ---------------------

    def learn(self) -> None:
        """Train the model again in the background (on opening, after `RETRAIN_AFTER` codings, on a new source)."""
        if getattr(self.app, "learn", None) is not None:
            self.train_model()

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def train_model(self) -> None:
        """The app's training process trains (scikit-learn loads there, never here); this thread only waits for it."""
        model = self.app.learn(self.study.root)  # type: ignore[attr-defined]
        self.app.call_from_thread(self.trained, model)

    def trained(self, model: learning.Model) -> None:
        self.model = model
        if self.at.document is not None:
            self.find_learned(self.at.document.info.id)

    @work(thread=True, exclusive=True, group="learned", exit_on_error=False)
    def find_learned(self, document_id: int) -> None:
        if self.model is None:
            return
        db = connect_study(self.study)
        try:
            found = learning.suggest_document(db, self.model, document_id, coder_id=self.coder_id)
        finally:
            db.close()
        self.app.call_from_thread(self.show_learned, document_id, found)

    def show_learned(self, document_id: int, found: dict[int, list[learning.Learned]]) -> None:
        if self.at.document is not None and self.at.document.info.id == document_id:
            self.learned = found
            self.query_one(TranscriptView).update_marks(self.marks())
            self.after_move()

    def learned_from_write(self) -> None:
        """After a write: once the source's codings and dismissals have moved by `RETRAIN_AFTER` since the model was
        trained, it trains again (writes that are not codings, and other coders' codings, do not count)."""
        if self.model is None:
            return
        count = learning.example_count(self.db, self.model.source)
        if abs(count - self.model.taught) >= RETRAIN_AFTER:
            self.model.taught = count  # once, until the new model comes
            self.learn()

    def action_learn_from(self) -> None:
        """Choose whose coding the model learns from: the consensus, all coders, or one coder."""
        current = learning.default_source(self.db)
        consensus, names = consensus_coder(self.db), coders(self.db)
        items = [*(((consensus, f"the consensus ({consensus})", None),) if consensus in names else ()),
                 (learning.ALL, "all coders, pooled", None), *((n, n, None) for n in names if n != consensus)]
        self.app.push_screen(QuickPick(f"Learn suggestions from (now: {current})", items), self.learn_from_chosen)

    def learn_from_chosen(self, chosen: str | None) -> None:
        if not chosen:
            return
        try:
            source = learning.choose_source(self.db, chosen)
        except CoderError as error:
            self.fail(error)
            return
        self.notify(f"Learning suggestions from {source}: the model trains again in the background.")
        self.learn()

    def action_least_sure(self) -> None:
        """Go to the uncoded passage the model is least sure about: coding it teaches the model most."""
        if self.model is None or not self.model.order:
            self.notify("No learned model yet (it trains in the background on the study's codings).", severity="warning")
            return
        self.find_least_sure(self.model)

    @work(thread=True, exclusive=True, group="least-sure", exit_on_error=False)
    def find_least_sure(self, model: learning.Model) -> None:
        """Every uncoded passage of the study is scored (about 0.2 s on the bundled study): not in the key's thread."""
        db = connect_study(self.study)
        try:
            found = learning.least_sure(db, model, self.coder_id)
        finally:
            db.close()
        self.app.call_from_thread(self.least_sure_found, found)

    def least_sure_found(self, found: tuple[int, int] | None) -> None:
        if found is None:
            self.notify("No uncoded passage left to ask the model about.", severity="warning")
            return
        self.go_to(*found)

    # What is open on a passage ---------------------------------------------------------------------

    def pending(self, ordinal: int, gone: set[tuple[int, int]] | None = None) -> dict[int, list[str]]:
        """The passage's suggestions still open to the coder, learned ones first: code id → the words behind it.

        A learned code is the model's to suggest (its keyword suggestions are left out); not a code the coder
        has there already, nor one dismissed or removed there (`gone`, read when not given)."""
        items, learned = self.suggested.get(ordinal, []), self.learned.get(ordinal, [])
        if not items and not learned:
            return {}
        if gone is None:
            gone = dismissed(self.db, self.document.info.id, self.coder_id)
        applied = {c.code_id for c in self.codings.in_passage(ordinal - 1) if c.coder_id == self.coder_id}
        taught = set(self.model.order) if self.model is not None else set()
        found = {s.code_id: list(s.words) for s in learned}
        found |= {code: words for code, words in triggers(items).items() if code not in taught and code not in found}
        return {code: words for code, words in found.items() if code not in applied and (ordinal, code) not in gone}

    def probability(self, ordinal: int, code_id: int) -> float | None:
        return next((s.probability for s in self.learned.get(ordinal, []) if s.code_id == code_id), None)

    def suggestion_labels(self) -> dict[int, list[str]]:
        """The `?` marks by passage index: each suggested code (with its probability, if learned) and its words."""
        if not self.suggested and not self.learned:
            return {}
        gone = dismissed(self.db, self.document.info.id, self.coder_id)
        labels: dict[int, list[str]] = {}
        for ordinal in sorted(set(self.suggested) | set(self.learned)):
            if open_here := self.pending(ordinal, gone):
                labels[ordinal - 1] = [f"{self.named(c, ordinal)} «{', '.join(w)}»" for c, w in open_here.items()]
        self.hint(gone)
        return labels

    def named(self, code_id: int, ordinal: int | None = None) -> str:
        """The code's name, with the model's probability on the passage when it is a learned suggestion there."""
        name = self.code_styles[code_id].name if code_id in self.code_styles else str(code_id)
        p = self.probability(ordinal, code_id) if ordinal is not None else None
        return name if p is None else f"{name} {p:.2f}"

    def hint(self, gone: set[tuple[int, int]]) -> None:
        """The cursor passage's suggestions and the words behind them: the status line's hint, after the place."""
        open_here = self.pending(self.passage().ordinal, gone)
        ordinal = self.passage().ordinal
        words = "; ".join(f"{self.named(c, ordinal)} ({', '.join(w)})" for c, w in open_here.items())
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
            if self.probability(ordinal, code_id) is not None:  # learned: any code, a negative example from now on
                learning.dismiss(self.db, self.document.info.id, ordinal, self.refs[code_id], self.coder_id,
                                 version=self.document.version)
            else:
                dismiss_suggestion(self.db, self.document.info.id, ordinal, code_id, self.coder_id, version=self.document.version)
        except CoderError as error:
            self.fail(error)
            return
        self.wrote(f"dismissed the suggestion {self.named(code_id)} for passage {ordinal} (u undoes)",
                   (self.passage().start, self.passage().end))
