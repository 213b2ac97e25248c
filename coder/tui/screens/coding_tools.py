"""The coding screen's tools beyond the coding keys: search, auto-coding, open coding, export,
memos, undo and redo, who is coding (keyword suggestions are `coder.tui.screens.suggesting`).

A mixin of `CodingScreen` (kept apart so the screen file stays readable); every action
writes through the domain, then hands back to the screen's `wrote` to re-read and repaint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding

from coder import assignments, coding, documents, memos
from coder.autocode import PassageMatch, apply_autocode
from coder.codebook import (
    CODEBOOK_ACTIONS,
    create_code,
    define_code,
    merge_codes,
    move_code,
    redo_with_codebook,
    rename_code,
    undo_with_codebook,
)
from coder.errors import CoderError
from coder.events import Event
from coder.history import what_changed
from coder.search import next_hit
from coder.served import own_writes
from coder.study import connect_study
from coder.tui.dialogs.autocode import AutocodeDialog
from coder.tui.dialogs.coder_choice import choose_coder
from coder.tui.dialogs.memo import MemoDialog
from coder.tui.dialogs.new_code import NewCodeDialog
from coder.tui.dialogs.prompt import PromptDialog
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.dialogs.search import SearchDialog
from coder.tui.messages import CodingsChanged, StudyChanged
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.document_list import DocumentList
from coder.tui.widgets.transcript import TranscriptView

if TYPE_CHECKING:
    from textual.screen import Screen as _Screen

    from coder.coding import CodeRef
    from coder.db import Database
    from coder.documents import CodingSpan, Document, Passage
    from coder.search import Hit
    from coder.study import Study
    from coder.tui.marks import CodeStyle
    from coder.tui.screens.coding import CodingScreen
    from coder.tui.screens.moving import Position
    from coder.tui.widgets.transcript import Marks
else:
    _Screen = object  # at run time the mixin's screen comes from CodingScreen's other base


class CodingTools(_Screen):
    """Search (/ n N), auto-coding (A), new and edited codes (+ e), export (X), memos (m), undo and redo (u ctrl+r),
    switching coder (c), other coders' codings (v) and help (?) for the coding screen (suggestions: `Suggesting`)."""

    if TYPE_CHECKING:  # what the tools use of CodingScreen, written down for the type checker
        CoderSwitched: ClassVar[type[CodingScreen.CoderSwitched]]
        study: Study
        db: Database
        coder_id: int
        coder_name: str
        at: Position
        show_others: bool
        code_styles: dict[int, CodeStyle]
        code_keys: dict[str, int]
        refs: dict[int, CodeRef]
        note: str

        @property
        def document(self) -> Document: ...
        def passage(self) -> Passage: ...
        def selection(self) -> tuple[int, int]: ...
        def sentence_span(self) -> tuple[int, int] | None: ...
        def mine_in_selection(self) -> list[CodingSpan]: ...
        def active_coding(self) -> CodingSpan | None: ...
        def load_codebook(self) -> None: ...
        def load_documents(self) -> None: ...
        def open_document(self, document_id: int, ordinal: int = 1) -> None: ...
        def reload_codings(self) -> None: ...
        def go_to(self, document_id: int, ordinal: int) -> None: ...
        def after_move(self) -> None: ...
        def repaint(self) -> None: ...
        def wrote(self, note: str, span: tuple[int, int] | None = None) -> None: ...
        def fail(self, error: CoderError) -> None: ...
        def marks(self) -> Marks: ...
        def toggle(self, code_id: int) -> None: ...
        def with_state(self, binding: Binding) -> Binding: ...

    def reloaded(self, error: CoderError) -> bool:
        """A write refused because the transcript was re-imported since it was opened: show the new text and say so
        (nothing was written; the key pressed again acts on the new text). False for any other refusal."""
        if not isinstance(error, coding.DocumentChangedError) or self.at.document is None:
            return False
        self.open_document(self.at.document.info.id, self.passage().ordinal)
        self.notify(f"{self.at.document.info.name} was re-imported since it was opened: it is reloaded and nothing was"
                    " written — check the passage and press the key again", severity="warning", timeout=10)
        return True

    def action_search(self) -> None:
        document_id = self.at.document.info.id if self.at.document else None
        self.app.push_screen(SearchDialog(self.db, document_id), self.searched)

    def searched(self, found: tuple[list[Hit], int] | None) -> None:
        if not found:
            return
        self.at.hits, index = found
        hit = self.at.hits[index]
        self.go_to(hit.document_id, hit.ordinal)
        self.notify(f"hit {index + 1} of {len(self.at.hits)} — n / N for the next / previous", timeout=3)

    def action_next_hit(self, direction: int) -> None:
        if not self.at.hits:
            self.notify("No search yet: press / to search.", severity="warning")
            return
        hit = next_hit(self.at.hits, self.document.info.id, self.passage().ordinal, direction,
                       document=self.document.info.name)
        if hit is not None:
            self.go_to(hit.document_id, hit.ordinal)
            self.note = f"hit {self.at.hits.index(hit) + 1} of {len(self.at.hits)}"
            self.after_move()

    def action_autocode(self) -> None:
        codes = [(code_id, f"{style.group} / {style.name}") for code_id, style in self.code_styles.items()]
        self.app.push_screen(AutocodeDialog(self.db, codes, self.document.info.id), self.autocode)

    def autocode(self, chosen: tuple[int, list[PassageMatch]] | None) -> None:
        if not chosen:
            return
        code_id, matches = chosen
        try:
            count = apply_autocode(self.db, self.refs[code_id], matches, self.coder_id)
        except CoderError as error:
            self.fail(error)
            return
        self.wrote(f"auto-coded {count} passages with {self.refs[code_id].path} (u undoes them all)")
        self.load_documents()
        self.query_one(DocumentList).show_current(self.document.info.id)

    def action_new_code(self) -> None:
        groups: dict[str, list[str]] = {}
        for style in self.code_styles.values():
            groups.setdefault(style.group, []).append(style.name)
        editable = [g for g in groups if not self.generated_group(g)]
        highlighted = self.query_one(CodebookPane).cursor_node
        group = self.code_styles[highlighted.data].group if highlighted and highlighted.data in self.code_styles else None
        self.app.push_screen(NewCodeDialog(editable, groups, group), self.create_code)

    def generated_group(self, group: str) -> bool:
        return any(row["group"] == group and row.get("organisation_id") for row in self.query_one(CodebookPane).rows.values())

    def create_code(self, answer: dict | None) -> None:
        if not answer:
            return
        start, end = self.selection()
        try:
            code = create_code(self.db, self.study, **answer, coder_id=self.coder_id,
                               apply_to=(self.document.info.id, start, end), version=self.document.version)
        except CoderError as error:
            self.fail(error)
            return
        self.load_codebook()
        self.wrote(f"new code {code.path}, applied", (start, end))

    def action_edit_code(self) -> None:
        """The code highlighted in the codebook when the codebook has the keys (the status line says so), else the one
        chosen from a list: the selection's codes first."""
        pane = self.query_one(CodebookPane)
        node = pane.cursor_node if pane.has_focus else None
        if node is not None and node.data is not None:
            self.edit_actions(node.data)
            return
        mine = [c.code_id for c in self.mine_in_selection()]
        order = list(dict.fromkeys([*mine, *self.code_styles]))
        items = [(str(i), f"{self.code_styles[i].group} / {self.code_styles[i].name}", self.code_styles[i].colour) for i in order]
        self.app.push_screen(QuickPick("Edit which code? (or Tab to the codebook, highlight one, press e)", items),
                             self.edit_actions)

    def edit_actions(self, code_id: int | str | None) -> None:
        """What to do with the code (rename, define, move, merge); `code_id` as a list's choice, None if none was."""
        if code_id is None:
            return
        code_id = int(code_id)
        actions = [("rename", "Rename…", None), ("define", "Write its definition…", None),
                   ("move", "Move under another code…", None), ("merge", "Merge into another code…", None)]
        self.app.push_screen(QuickPick(f"Edit {self.refs[code_id].path}", actions),
                             lambda action: self.edit_code(code_id, action))

    def edit_code(self, code_id: int, action: str | None) -> None:
        code = self.refs[code_id]
        same_group = [(str(i), f"{s.group} / {s.name}", s.colour) for i, s in self.code_styles.items()
                      if s.group == code.group and i != code_id]
        if action == "rename":
            def rename(name: str | None) -> None:
                if name:
                    self.codebook_edit(rename_code, code, name.strip())

            self.app.push_screen(PromptDialog(f"Rename {code.path} to", code.name), rename)
        elif action == "define":
            def define(text: str | None) -> None:
                if text is not None:
                    self.codebook_edit(define_code, code, text)

            current = self.query_one(CodebookPane).rows[code_id].get("description") or ""
            self.app.push_screen(PromptDialog(f"Definition of {code.path}", current), define)
        elif action == "move":
            def move(target: str | None) -> None:
                if target:
                    self.codebook_edit(move_code, code, None if target == "top" else int(target))

            self.app.push_screen(QuickPick(f"Move {code.path} under…", [("top", "(top level)", None), *same_group]), move)
        elif action == "merge":
            def merge(target: str | None) -> None:
                if target:
                    self.codebook_edit(merge_codes, code, int(target))

            self.app.push_screen(QuickPick(f"Merge {code.path} into…", same_group), merge)

    def codebook_edit(self, edit: Callable[..., object], code: CodeRef, *arguments: object) -> None:
        """Run one of `coder.codebook`'s edits (rename, define, move, merge) on `code`, then show its result."""
        try:
            edit(self.db, self.study, code, *arguments, coder_id=self.coder_id)
        except CoderError as error:
            self.fail(error)
            return
        self.load_codebook()
        self.wrote(f"{edit.__name__.replace('_', ' ')}: {code.path}")

    def action_export(self) -> None:
        """The export dialog, preset to the code (or group) highlighted in the codebook, else the selection's codes."""
        from coder.tui.dialogs.export import ExportDialog

        pane = self.query_one(CodebookPane)
        node = pane.cursor_node if pane.has_focus else None
        if node is not None and node.data is None and node.children:
            first = node.children[0].data
            assert first is not None  # a group's children are its codes
            self.app.push_screen(ExportDialog(self.study, self.db, self.coder_name, group=self.refs[first].group))
            return
        codes = [self.refs[node.data]] if node is not None and node.data is not None else \
            [self.refs[c.code_id] for c in self.mine_in_selection()]
        self.app.push_screen(ExportDialog(self.study, self.db, self.coder_name, codes=list(dict.fromkeys(code.path for code in codes))))

    # Memos, undo, coders -----------------------------------------------------------------

    def action_memo(self) -> None:
        start, end = self.selection()
        document_id = self.document.info.id
        targets = [("passage", "this passage" if self.sentence_span() is None and self.at.cursor == self.at.anchor else "this selection",
                    memos.memo(self.db, self.coder_id, document_id=document_id, start=start, end=end) or "")]
        targets += [(f"coding:{c.id}", f"coding: {self.code_styles[c.code_id].name}", c.memo or "") for c in self.mine_in_selection()]
        if self.active_coding():
            targets.insert(0, targets.pop(next(i for i, t in enumerate(targets) if t[0] == f"coding:{self.at.active}")))
        self.app.push_screen(MemoDialog(targets), lambda answer: self.save_memo(answer, start, end))

    def save_memo(self, answer: tuple[str, str] | None, start: int, end: int) -> None:
        if answer is None:
            return
        target, text = answer
        try:
            if target.startswith("coding:"):
                coding.set_coding_memo(self.db, int(target.split(":")[1]), text, self.coder_id)
            else:
                memos.set_memo(self.db, self.coder_id, text, document_id=self.document.info.id, start=start, end=end,
                               version=self.document.version)
        except CoderError as error:
            self.fail(error)
            if isinstance(error, coding.DocumentChangedError):  # what was typed is offered again, on the new text
                start, end = self.selection()
                self.app.push_screen(MemoDialog([(target, "this passage, reloaded: check it", text)]),
                                     lambda again: self.save_memo(again, start, end))
            return
        self.wrote("memo saved" if text.strip() else "memo removed", (start, end))

    def action_undo(self) -> None:
        self.revert(undo_with_codebook, "undid")

    def action_redo(self) -> None:
        self.revert(redo_with_codebook, "redid")

    def revert(self, how: Callable[..., Event | None], verb: str) -> None:
        """Undo or redo (`how`: undo_with_codebook or redo_with_codebook), then show what changed."""
        try:
            event = how(self.study, self.db, self.coder_id)
        except CoderError as error:
            self.fail(error)
            return
        if event is None:
            self.notify(f"Nothing to {verb[:-1]}.", severity="warning")
            return
        if event.action in CODEBOOK_ACTIONS:
            self.load_codebook()
        place = next((op[2] for op in event.ops if op[1] == "codings" and op[0] in ("insert", "delete")), None)
        if place and place["document_id"] != self.document.info.id:
            self.open_document(place["document_id"], 1)
        self.wrote(f"{verb}: {what_changed(self.db, event)}")
        self.load_documents()
        self.query_one(DocumentList).show_current(self.document.info.id)

    def on_codings_changed(self, message: CodingsChanged) -> None:
        """Another view changed the coder's codings: show them as they are now."""
        if message.codebook:
            self.load_codebook()
        if self.at.document is not None:
            self.wrote(message.note)
            self.load_documents()
            self.query_one(DocumentList).show_current(self.document.info.id)

    def on_study_changed(self, message: StudyChanged) -> None:
        """Another session or command wrote (live together): the open document's codings as they now are (quick), the
        documents' progress and marks and the code counts read in a thread (a big study takes a moment). The cursor,
        selection and status line stay as they were."""
        if self.at.document is not None:
            self.reload_codings()
            self.query_one(TranscriptView).update_marks(self.marks())
        self.read_changes(own_writes(self.db))

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def read_changes(self, written: int) -> None:
        """`written`: this screen's connection's writes when asked (one more since, and the figures read are old)."""
        db = connect_study(self.study)
        try:
            coded = documents.coded_passages(db, self.coder_id)
            marks = assignments.document_marks(db, self.coder_id)
            counts = documents.code_counts(db, self.coder_id)
        finally:
            db.close()
        self.app.call_from_thread(self.show_changes, written, coded, marks, counts)

    def show_changes(self, written: int, coded: dict[int, int], marks: dict[int, str], counts: dict[int, int]) -> None:
        if written != own_writes(self.db):  # the coder wrote meanwhile: read again
            self.read_changes(own_writes(self.db))
            return
        pane = self.query_one(DocumentList)
        for document_id in pane.documents:
            pane.update_progress(document_id, coded.get(document_id, 0))
            if pane.marks.get(document_id) != marks.get(document_id):
                pane.update_mark(document_id, marks.get(document_id))
        self.query_one(CodebookPane).update_counts(counts)

    def action_switch_coder(self) -> None:
        choose_coder(self.app, f"Switch coder (now {self.coder_name})", coding.coder_names(self.db), self.switch_coder)

    def switch_coder(self, chosen: str | None) -> None:
        if not chosen:
            return
        name = chosen.removeprefix("new:")
        try:
            if chosen.startswith("new:"):  # confirmed in the dialog
                coding.add_coder(self.db, name)
            self.coder_id = coding.switch_coder(self.db, name)
        except CoderError as error:
            self.fail(error)
            return
        self.coder_name = name
        self.post_message(self.CoderSwitched(name))
        self.load_documents()
        self.load_codebook()
        if self.at.document:
            self.open_document(self.at.document.info.id, self.passage().ordinal)
        self.notify(f"Now coding as {name}.")

    def action_toggle_others(self) -> None:
        self.show_others = not self.show_others
        self.note = "showing every coder's codings" if self.show_others else "showing only your codings (blind)"
        self.reload_codings()
        self.repaint()

    def action_help(self) -> None:
        from coder.tui.screens.help import HelpScreen

        bindings = [self.with_state(b) for b in self.BINDINGS if isinstance(b, Binding)]  # all of CodingScreen's are
        views = [b for b in self.app.BINDINGS if isinstance(b, Binding)]  # F2… open the other views
        self.app.push_screen(HelpScreen(bindings, self.code_styles, self.code_keys, views=views))
