"""Go to passage N (`:`): a number, as in any reader's "go to page"."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class GoToDialog(ModalScreen[int | None]):
    """Returns the passage number typed (1…`passages`), or None on Esc."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, document: str, passages: int, current: int) -> None:
        super().__init__()
        self.document = document
        self.passages = passages
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog go-to"):
            yield Label(f"Go to passage of {self.document} (1–{self.passages}, now {self.current})", classes="dialog-title")
            yield Input(type="integer", placeholder="passage number, Enter to go, Esc to stay")
            yield Label("", id="go-to-problem")

    @on(Input.Submitted)
    def answer(self, event: Input.Submitted) -> None:
        value = event.value.strip().lstrip("+")
        if value.isdigit() and 1 <= int(value) <= self.passages:
            self.dismiss(int(value))
            return
        self.query_one("#go-to-problem", Label).update(f"Type a number from 1 to {self.passages}.")
