"""Type to filter a list, Enter to choose: codes to apply, coders, documents, code actions."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from coder.text import fold


def matches(query: str, label: str) -> bool:
    """Every word of the query occurs in the label, ignoring case and accents."""
    label = fold(label)
    return all(word in label for word in fold(query).split())


class QuickPick(ModalScreen[str | None]):
    """Choose one of many: `items` are (id, label, colour or None); returns the chosen id."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, title: str, items: Sequence[tuple[str, str, str | None]], *, allow_new: str | None = None) -> None:
        """Args: allow_new: when set, typed text that matches nothing can be chosen as a new entry (its label)."""
        super().__init__()
        self.title_text = title
        self.items = items
        self.allow_new = allow_new

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(placeholder="type to filter, Enter to choose, Esc to cancel")
            yield OptionList(*self._options(""))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0 if options.option_count else None  # Enter chooses the first, as after typing

    def _options(self, query: str) -> list[Option]:
        options = [Option(Text(f"● {label}", style=colour or "") if colour else Text(label), id=item_id)
                   for item_id, label, colour in self.items if matches(query, label)]
        if self.allow_new and query.strip() and not any(fold(label) == fold(query) for _, label, _ in self.items):
            options.append(Option(Text(f"+ {self.allow_new}: {query.strip()}", style="italic"), id=f"new:{query.strip()}"))
        return options

    @on(Input.Changed)
    def refilter(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.set_options(self._options(event.value))
        options.highlighted = 0 if options.option_count else None

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    @on(Input.Submitted)
    def choose_highlighted(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is not None:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
