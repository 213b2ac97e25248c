"""Auto-coding with a preview: find passages by words, a regular expression or a speaker, then code them all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, Select
from textual.widgets.option_list import Option
from textual.widgets.select import NoSelection

from coder.autocode import PassageMatch, preview_autocode
from coder.errors import CoderError

if TYPE_CHECKING:
    from coder.db import Database

MODES = [("words (search syntax)", "query"), ("regular expression", "regex"), ("speaker label", "speaker")]


class AutocodeDialog(ModalScreen[tuple[int, list[PassageMatch]] | None]):
    """Enter previews the passages; ctrl+s applies the chosen code to all of them (one undoable step)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("ctrl+s", "apply", "Apply")]

    def __init__(self, db: Database, codes: list[tuple[int, str]], document_id: int | None) -> None:
        super().__init__()
        self.db = db
        self.codes = codes
        self.document_id = document_id
        self.matches: list[PassageMatch] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog autocode"):
            yield Label("Auto-code — Enter previews, ctrl+s codes every passage shown, Esc cancels", classes="dialog-title")
            yield Input(placeholder="what to find, then Enter", id="find")
            yield Select(MODES, value="query", allow_blank=False, id="mode")
            yield Select([(path, code_id) for code_id, path in self.codes], prompt="code to apply", id="code")
            yield Checkbox("only this document", id="scope")
            yield Label("", id="count")
            yield OptionList(id="preview")

    @on(Input.Submitted)
    def preview(self) -> None:
        mode = str(self.query_one("#mode", Select).value)
        text = self.query_one("#find", Input).value
        if not text.strip():
            return
        scope = self.document_id if self.query_one("#scope", Checkbox).value else None
        try:
            pattern: dict[str, Any] = {mode: text}  # query=, regex= or speaker=
            self.matches = preview_autocode(self.db, document_id=scope, **pattern)
        except CoderError as error:
            self.query_one("#count", Label).update(str(error))
            return
        self.query_one("#count", Label).update(f"{len(self.matches)} passages would be coded")
        self.query_one("#preview", OptionList).set_options(
            [Option(f"{m.document} §{m.ordinal}  {' '.join(m.excerpt.split())[:90]}") for m in self.matches])

    def action_apply(self) -> None:
        code = self.query_one("#code", Select).value
        if isinstance(code, NoSelection):  # Select.NULL
            self.query_one("#count", Label).update("Choose the code to apply first.")
            return
        if not self.matches:
            self.query_one("#count", Label).update("Nothing to code: preview some passages first (Enter).")
            return
        self.dismiss((int(code), self.matches))
