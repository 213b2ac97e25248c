"""Search the study (or the current document): words, "phrases", prefix*, OR, -excluded, organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option

from coder.errors import CoderError
from coder.search import Hit, search

if TYPE_CHECKING:
    from coder.db import Database


def hit_prompt(hit: Hit) -> Text:
    text = Text(f"{hit.document} §{hit.ordinal}  ", style="bold")
    snippet = Text(" ".join(hit.snippet.split()))
    for start, end in hit.spans:
        low, high = start - hit.snippet_start, end - hit.snippet_start
        if 0 <= low < len(hit.snippet):
            snippet.stylize("reverse", low, min(high, len(hit.snippet)))
    return text + snippet


class SearchDialog(ModalScreen[tuple[list[Hit], int] | None]):
    """Type a query and Enter; Enter on a result jumps to it (then n / N go through the others)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("ctrl+d", "toggle_scope", "this document only")]

    def __init__(self, db: Database, document_id: int | None, query: str = "") -> None:
        super().__init__()
        self.db = db
        self.document_id = document_id
        self.query_text = query
        self.hits: list[Hit] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog search"):
            yield Label('Search — words, "a phrase", prefix*, a OR b, -word; an organisation finds its mentions',
                        classes="dialog-title")
            yield Input(self.query_text, placeholder="query, then Enter")
            yield Checkbox("only this document (ctrl+d)", id="scope")
            yield Label("", id="count")
            yield OptionList()

    def action_toggle_scope(self) -> None:
        box = self.query_one(Checkbox)
        box.value = not box.value

    @on(Input.Submitted)
    @on(Checkbox.Changed)
    def run_search(self) -> None:
        query = self.query_one(Input).value
        if not query.strip():
            return
        only_here = self.query_one(Checkbox).value
        try:
            self.hits = search(self.db, query, document_id=self.document_id if only_here else None)
        except CoderError as error:
            self.query_one("#count", Label).update(str(error))
            return
        self.query_one("#count", Label).update(f"{len(self.hits)} passages — Enter on one to go there")
        results = self.query_one(OptionList)
        results.set_options([Option(hit_prompt(hit), id=str(i)) for i, hit in enumerate(self.hits)])
        if self.hits:
            results.highlighted = 0
            results.focus()

    @on(OptionList.OptionSelected)
    def go(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None  # every option is made with its hit's index as id
        self.dismiss((self.hits, int(event.option.id)))
