"""Choosing the coders a view compares: any two or more of them, the consensus coder among them if wanted.

Space ticks and unticks a coder, Enter compares the ticked ones (at least two), Esc keeps the choice as it is.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList, Static


class CoderPicker(ModalScreen[list[str] | None]):
    """Tick coders; returns the ticked names (two or more), in the order listed, or None."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("enter", "compare", "Compare", priority=True),  # before the list's own Enter, which would tick
    ]

    def __init__(self, title: str, coders: list[str], chosen: list[str], *, consensus: str | None = None) -> None:
        """Args: coders: who can be compared; chosen: ticked at first; consensus: the consensus coder's name, marked so."""
        super().__init__()
        self.title_text = title
        self.coders = coders
        self.chosen = set(chosen)
        self.consensus = consensus

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield SelectionList[str](*((f"{name} — the consensus coder" if name == self.consensus else name, name, name in self.chosen)
                                       for name in self.coders))
            yield Static("Space ticks a coder · Enter compares the ticked ones (two or more) · Esc cancels", id="picker-help")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_compare(self) -> None:
        ticked = self.query_one(SelectionList).selected
        if len(ticked) < 2:
            self.query_one("#picker-help", Static).update("Tick at least two coders (Space), then Enter · Esc cancels")
            return
        self.dismiss([name for name in self.coders if name in ticked])
