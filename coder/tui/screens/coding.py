"""The coding screen: documents on the left, the transcript in the middle, the codebook on the right.

Every key writes through the same domain functions as the CLI, in one transaction, and the
screen then re-reads what it shows from the database — there is no optimistic state to diverge.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.keys import _character_to_key  # the key name of a character, as Textual names the keys it reads
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ProgressBar, Tree

from coder import assignments, coding, documents, memos
from coder.codebook import codebook_tree
from coder.documents import CodingSpan, Document, Passage
from coder.errors import CoderError
from coder.study import Study, read_only_reason
from coder.suggest import Suggester, Suggestion
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.marks import CodeStyle, PassageCodings, code_styles
from coder.tui.messages import ImportProgress, StudyRefreshed
from coder.tui.screens.coding_layout import PANE_KEYS, PaneLayout
from coder.tui.screens.coding_tools import CodingTools
from coder.tui.screens.moving import MOVING_BINDINGS, UNCODED_BINDINGS, Moving, Position
from coder.tui.screens.suggesting import Suggesting
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.document_list import DocumentList
from coder.tui.widgets.key_bar import KeyBar
from coder.tui.widgets.status_line import StatusLine
from coder.tui.widgets.transcript import Marks, TranscriptView

if TYPE_CHECKING:
    from coder.db import Database

HITS = Binding.Group("hit")
NUDGE_END = Binding.Group("end ±word")
NUDGE_START = Binding.Group("start ±word")
CODE_KEY = "codebook-key"  # the id of the bindings made from the codebook's shortcut keys


class CodingScreen(CodingTools, Suggesting, Moving, PaneLayout, Screen):
    """Read and code a study passage by passage."""

    class CoderSwitched(Message):
        """Now coding as another coder: the views opened next work as this one."""

        def __init__(self, coder: str) -> None:
            super().__init__()
            self.coder = coder

    BINDINGS = [
        *MOVING_BINDINGS,
        *PANE_KEYS,
        Binding("1", "code_key('1')", "toggle code", key_display="1…9"),
        Binding("enter", "pick_code", "code…"),
        Binding("p", "cycle_phase", "phase"),
        Binding("a", "code_actors", "actors"),
        Binding("s", "accept_suggestion", "suggestion"),
        Binding("S", "dismiss_suggestion", "dismiss suggestion"),
        Binding("L", "least_sure", "least sure"),
        Binding("M", "learn_from", "learn from…", show=False),
        Binding("m", "memo", "memo"),
        Binding("u", "undo", "undo"),
        Binding("ctrl+r", "redo", "redo"),
        Binding("slash", "search", "search"),
        Binding("n", "next_hit(1)", "next", group=HITS),
        Binding("N", "next_hit(-1)", "prev", group=HITS),
        *UNCODED_BINDINGS,
        Binding("semicolon", "next_coding", "pick coding"),
        Binding("shift+right", "nudge('end', 1)", "+", group=NUDGE_END, key_display="⇧→"),
        Binding("shift+left", "nudge('end', -1)", "-", group=NUDGE_END, key_display="⇧←"),
        Binding("ctrl+left", "nudge('start', -1)", "+", group=NUDGE_START),
        Binding("ctrl+right", "nudge('start', 1)", "-", group=NUDGE_START),
        Binding("plus", "new_code", "new code"),
        Binding("e", "edit_code", "edit code"),
        Binding("A", "autocode", "auto-code"),
        Binding("X", "export", "export…"),
        Binding("c", "switch_coder", "coder"),
        Binding("D", "mark_done", "document done (or not)", show=False),
        Binding("v", "toggle_others", "others"),
        Binding("question_mark", "help", "help"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, study: Study, db: Database, coder_name: str, suggest: Suggester) -> None:
        super().__init__()
        self.study = study
        self.db = db
        self.suggest = suggest
        self.coder_name = coder_name
        self.coder_id = coding.coder_id(db, coder_name)
        self.at = Position()
        self.show_others = False
        self.code_styles: dict[int, CodeStyle] = {}
        self.code_keys: dict[str, int] = {}
        self.exclusive_group: str | None = None
        self.index: PassageCodings | None = None
        self.progress_timer: Timer | None = None
        self.suggested: dict[int, list[Suggestion]] = {}  # per passage ordinal
        self.note = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield DocumentList(id="documents")
            with Vertical(id="middle"):
                yield TranscriptView(id="transcript")
                yield ProgressBar(id="import-progress", show_eta=False)
            yield CodebookPane(id="codebook")
        yield StatusLine(id="status")  # the whole width: the place and what just happened, on a narrow terminal too
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.query_one("#import-progress").display = False
        self.query_one(StatusLine).read_only = read_only_reason(self.db)
        self.load_codebook()
        self.load_documents()
        self.open_last_position()
        self.query_one(TranscriptView).focus()
        self.learn()

    @property
    def document(self) -> Document:
        """The open document: the actions that need one run only while one is open (see check_action)."""
        assert self.at.document is not None
        return self.at.document

    @property
    def codings(self) -> PassageCodings:
        """The open document's codings, read when it opened (reload_codings)."""
        assert self.index is not None
        return self.index

    # Loading -----------------------------------------------------------------------------

    def load_codebook(self) -> None:
        rows = codebook_tree(self.db)
        self.code_styles = code_styles(rows)
        if self.index is not None:  # the open document's codings are drawn with the codebook as it is now (a new code too)
            self.index.styles = self.code_styles
        self.code_keys = {row["key"]: row["id"] for row in rows if row["key"] and row["active"]}
        self.bind_code_keys()
        self.refs = {row["id"]: coding.CodeRef(row["id"], row["code"], row["group"], bool(row["exclusive"])) for row in rows}
        exclusive = [row["group"] for row in rows if row["exclusive"]]
        self.exclusive_group = "phase" if "phase" in exclusive else (exclusive[0] if exclusive else None)
        actor_groups = {row["group"] for row in rows if row.get("organisation_id")}
        self.query_one(CodebookPane).set_codebook(rows, documents.code_counts(self.db, self.coder_id), actor_groups)

    def load_documents(self) -> None:
        self.documents = documents.list_documents(self.db)
        self.query_one(DocumentList).set_documents(self.documents, documents.coded_passages(self.db, self.coder_id),
                                                   assignments.document_marks(self.db, self.coder_id))

    def open_document(self, document_id: int, ordinal: int = 1) -> None:
        document = documents.load_document(self.db, document_id)
        index = next((i for i, p in enumerate(document.passages) if p.ordinal == ordinal), 0)
        self.at = Position(document=document, cursor=index, anchor=index, hits=self.at.hits)
        self.suggested, self.learned = {}, {}
        self.mentions = documents.document_mentions(self.db, document_id)
        self.mention_spans = [(m.start, m.end) for m in self.mentions]
        self.query_one(DocumentList).show_current(document_id)
        self.reload_codings()
        self.query_one(TranscriptView).show_document(document, self.marks())
        self.query_one(TranscriptView).scroll_to_passage(index)
        self.find_suggestions(document_id)
        self.find_learned(document_id)
        self.after_move()
        # A long document is many long-lived objects; freed by reference counting when the document
        # closes, they need no full garbage-collector scans meanwhile (each would stall a key press).
        gc.freeze()

    def reload_codings(self) -> None:
        """Read the document's codings afresh (on opening it, switching coder, or after an undo)."""
        document = self.at.document
        if document is None:
            return
        self.index = PassageCodings(document, self.code_styles, self.coder_id, self.coder_names())
        coders = None if self.show_others else [self.coder_id]
        self.index.load(documents.document_codings(self.db, document.info.id, coders))

    def reread(self, start: int, end: int) -> set[int]:
        """Read again the codings around a span a write touched; returns the codes involved."""
        coders = None if self.show_others else [self.coder_id]
        document_id = self.document.info.id
        before = {c.code_id for c in self.codings.mine(start, end)}
        while True:
            fresh = documents.document_codings(self.db, document_id, coders, within=(start, end))
            wider = self.codings.replace(start, end, fresh)
            if wider == (start, end):
                return before | {c.code_id for c in fresh if c.coder_id == self.coder_id}
            start, end = wider

    # What the transcript shows -----------------------------------------------------------

    def marks(self) -> Marks:
        document = self.document
        memo_passages = {i for s, e in memos.passages_with_memos(self.db, document.info.id, self.coder_id)
                         for i in document.passages_touched(s, e)}
        active = self.active_coding()
        low, high = sorted((self.at.cursor, self.at.anchor))
        return Marks(
            cursor=self.at.cursor, selection=(low, high), sentence=self.sentence_span(),
            codings=self.index, mentions=self.mention_spans, suggestions=self.suggestion_labels(), memos=memo_passages,
            hits=[span for hit in self.at.hits if hit.document_id == document.info.id for span in hit.spans],
            active=(active.start, active.end) if active else None,
        )

    def coder_names(self) -> dict[int, str]:
        return documents.coders_by_id(self.db) if self.show_others else {self.coder_id: self.coder_name}

    def sentence_span(self) -> tuple[int, int] | None:
        """The narrowed part of the selection: the words chosen with the mouse, or the sentence chosen with [ ]."""
        if self.at.span is not None or self.at.sentence is None:
            return self.at.span
        return self.sentences()[self.at.sentence]

    def sentences(self) -> list[tuple[int, int]]:
        """The cursor passage's sentences."""
        return documents.sentences(self.db, self.document.info.id, self.passage().ordinal)

    def passage(self) -> Passage:
        return self.document.passages[self.at.cursor]

    def selection(self) -> tuple[int, int]:
        """The span a code key applies to: the narrowed sentence, else the selected passages."""
        sentence = self.sentence_span()
        if sentence is not None:
            return sentence
        low, high = sorted((self.at.cursor, self.at.anchor))
        passages = self.document.passages
        return passages[low].start, passages[high].end

    def mine_in_selection(self) -> list[CodingSpan]:
        return self.codings.mine(*self.selection())

    def active_coding(self) -> CodingSpan | None:
        return next((c for c in self.mine_in_selection() if c.id == self.at.active), None)

    def repaint(self) -> None:
        """Show the codings as they are now."""
        self.query_one(TranscriptView).update_marks(self.marks())
        self.after_move()

    def after_move(self) -> None:
        document = self.at.document
        if document is None:
            return
        passage = self.passage()
        start, end = self.selection()
        phase = next((self.code_styles[c.code_id].name for c in self.codings.mine(passage.start, passage.end)
                      if self.code_styles[c.code_id].group == self.exclusive_group), None)
        self.query_one(StatusLine).show(
            study=self.study.root.name, coder=self.coder_name, document=document.info.name, passage=passage.ordinal,
            passages=len(document.passages), phase=phase, selection=abs(self.at.cursor - self.at.anchor) + 1, note=self.note,
            hint=self.hinted,
        )
        self.note = ""

    def moved(self) -> None:
        """The cursor, selection or sentence changed (no write): redraw and remember the place."""
        self.at.active = None
        transcript = self.query_one(TranscriptView)
        transcript.update_marks(self.marks())
        transcript.scroll_to_passage(self.at.cursor)
        self.after_move()
        documents.remember_position(self.db, self.coder_name, self.document.info.id, self.passage().ordinal)

    def wrote(self, note: str, span: tuple[int, int] | None = None) -> None:
        """After a write: re-read what it touched (all of the document without a span), repaint, update counts."""
        self.note = note
        self.learned_from_write()
        if span is None:
            self.reload_codings()
            changed = None
        else:
            changed = list(self.reread(*span))
        self.repaint()
        self.query_one(CodebookPane).update_counts(documents.code_counts(self.db, self.coder_id, changed), changed)
        if self.progress_timer is not None:
            self.progress_timer.stop()
        # The list redraws whole, so its bar waits until the keys pause for a moment.
        self.progress_timer = self.set_timer(0.3, self.show_progress)

    def show_progress(self) -> None:
        self.progress_timer = None
        if self.at.document is not None:
            self.query_one(DocumentList).update_progress(self.at.document.info.id, self.codings.coded_passages())

    def fail(self, error: CoderError) -> None:
        if not self.reloaded(error):
            self.notify(str(error), severity="error", timeout=8)

    # Moving ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.at.document is None and action not in ("help", "switch_coder", "search", "take_document", "app.quit"):
            return False
        return True

    # Coding ------------------------------------------------------------------------------

    def bind_code_keys(self) -> None:
        """The codebook's shortcut keys are bindings like every other key, ahead of the screen's own, so keys typed
        ahead keep their order: `j1` codes the passage `j` moved to (a key taken in on_key overtook the move)."""
        table = self._bindings.key_to_bindings
        for key, bindings in list(table.items()):
            table[key] = [b for b in bindings if b.id != CODE_KEY]
        for character in self.code_keys:
            key, action = "space" if character in (" ", "space") else _character_to_key(character), f"code_key({character!r})"
            bindings = table.setdefault(key, [])
            if not any(b.action == action for b in bindings):  # `1` is bound already, to show the code keys in the key bar
                bindings.insert(0, Binding(key, action, show=False, id=CODE_KEY))

    def action_code_key(self, key: str) -> None:
        if self.at.document is None:
            return
        code_id = self.code_keys.get(key)
        if code_id is None:
            self.notify(f"No code has the key {key}.", severity="warning")
            return
        self.toggle(code_id)

    def toggle(self, code_id: int) -> None:
        start, end = self.selection()
        code = self.refs[code_id]
        try:
            applied = coding.toggle_code(self.db, self.document.info.id, code, self.coder_id, start, end, version=self.document.version)
        except CoderError as error:
            self.fail(error)
            return
        self.wrote(f"{'coded' if applied else 'uncoded'} {code.path}", (start, end))
        if applied:
            self.at.active = next((c.id for c in self.codings.mine(start, end)
                                   if c.code_id == code_id and c.start <= start and c.end >= end), None)
            self.query_one(TranscriptView).update_marks(self.marks())

    def action_pick_code(self) -> None:
        items = [(str(code_id), f"{style.group} / {style.name}", style.colour) for code_id, style in self.code_styles.items()
                 if self.refs[code_id]]
        self.app.push_screen(QuickPick("Code the selection with…", items), self.picked_code)

    def picked_code(self, chosen: str | None) -> None:
        if chosen:
            self.toggle(int(chosen))

    def action_cycle_phase(self) -> None:
        if self.exclusive_group is None:
            self.notify("The codebook has no exclusive group (such as phase).", severity="warning")
            return
        start, end = self.selection()
        try:
            code = coding.cycle_exclusive(self.db, self.document.info.id, self.exclusive_group, self.coder_id, start, end,
                                          version=self.document.version)
        except CoderError as error:
            self.fail(error)
            return
        self.wrote(f"{self.exclusive_group}: {code.name if code else 'none'}", (start, end))

    def action_code_actors(self) -> None:
        start, end = self.selection()
        try:
            found = coding.code_mentioned_actors(self.db, self.document.info.id, self.coder_id, start, end, version=self.document.version)
        except CoderError as error:
            self.fail(error)
            return
        if not found:
            self.notify("No organisation is mentioned in the selection.", severity="warning")
            return
        self.wrote(f"actors: {', '.join(c.name for c in found)}", (start, end))

    def action_next_coding(self) -> None:
        mine = self.mine_in_selection()
        if not mine:
            self.notify("The selection has none of your codings.", severity="warning")
            return
        ids = [c.id for c in mine]
        self.at.active = ids[(ids.index(self.at.active) + 1) % len(ids)] if self.at.active in ids else ids[0]
        self.query_one(TranscriptView).update_marks(self.marks())
        active = self.active_coding()
        assert active is not None  # chosen just now from the selection's codings
        self.notify(f"Selected coding: {self.code_styles[active.code_id].name}", timeout=2)

    def action_nudge(self, edge: str, words: int) -> None:
        target = self.active_coding() or next(iter(self.mine_in_selection()), None)
        if target is None:
            self.notify("The selection has none of your codings to nudge.", severity="warning")
            return
        self.at.active = target.id
        try:
            start, end = coding.nudge_coding(self.db, target.id, edge, words, self.coder_id, version=self.document.version)
        except CoderError as error:
            self.fail(error)
            return
        self.wrote(f"{self.code_styles[target.code_id].name} now {start}-{end}",
                   (min(start, target.start), max(end, target.end)))

    # Who codes what ------------------------------------------------------------------------

    def action_mark_done(self) -> None:
        """The open document is done (for agreement: finished by this coder), or not done any more."""
        document_id = self.document.info.id
        try:
            done = assignments.toggle_done(self.db, document_id, self.coder_id)
        except CoderError as error:
            self.fail(error)
            return
        self.query_one(DocumentList).update_mark(document_id, "done" if done else "assigned")
        work = assignments.work_by_coder(self.db).get(self.coder_name)
        self.note = f"{self.document.info.name} {'done' if done else 'not done'}" + (
            f" · {work.done} of {work.assigned} documents done" if work else "")
        self.after_move()

    def action_take_document(self) -> None:
        """In the documents pane: assign the highlighted document to this coder, or give it back (done mark and all)."""
        pane = self.query_one(DocumentList)
        document_id = pane.highlighted_document()
        if document_id is None:
            return
        mine = document_id in pane.marks
        try:
            if mine:
                assignments.unassign(self.db, [document_id], [self.coder_id], by=self.coder_id)
            else:
                assignments.assign(self.db, [document_id], [self.coder_id], by=self.coder_id)
        except CoderError as error:
            self.fail(error)
            return
        pane.update_mark(document_id, None if mine else "assigned")
        name = pane.documents[document_id].name
        self.notify(f"{name} given back" if mine else f"{name} is yours to code", timeout=3)

    # Background work ---------------------------------------------------------------------

    def on_import_progress(self, message: ImportProgress) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        bar.display = message.done < message.total
        bar.update(total=message.total, progress=message.done)

    def on_study_refreshed(self, message: StudyRefreshed) -> None:
        self.query_one("#import-progress").display = False
        report = message.report
        if report.codebook:
            self.load_codebook()
        if report.imported.added or report.imported.updated or report.codebook:
            self.load_documents()
            if self.at.document is None:
                self.open_last_position()
            else:
                self.open_document(self.at.document.info.id, self.passage().ordinal)
        if report.imported.added:
            self.notify(f"Imported {len(report.imported.added)} new documents.")
        if report.needs_review:  # transcripts edited after coding: see docs/trust.md
            self.notify(f"{report.needs_review} codings or memos need review after a transcript was edited — run: coder doctor",
                        severity="warning", timeout=15)

    @on(Tree.NodeSelected, "#codebook")
    def code_chosen(self, event: Tree.NodeSelected) -> None:
        if event.node.data is not None and self.at.document is not None:
            self.toggle(event.node.data)
