"""Write a memo: on the passage, or on one of the coder's codings in it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Select, TextArea


class MemoDialog(ModalScreen[tuple[str, str] | None]):
    """`targets` are (id, label, current memo); returns (target id, text) on ctrl+s."""

    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, targets: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.targets = targets

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Memo — ctrl+s saves, Esc cancels, Tab moves to what it is on; an empty memo is removed",
                        classes="dialog-title")
            yield TextArea(self.targets[0][2], id="text")  # the first field: Enter starts a new line
            yield Select([(label, target) for target, label, _ in self.targets], value=self.targets[0][0],
                         allow_blank=False, id="target")

    def on_select_changed(self, event: Select.Changed) -> None:
        current = next(memo for target, _, memo in self.targets if target == event.value)
        self.query_one(TextArea).load_text(current)

    def action_save(self) -> None:
        self.dismiss((str(self.query_one(Select).value), self.query_one(TextArea).text))
