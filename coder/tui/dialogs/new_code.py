"""Open coding: a new code on the fly — name, group, parent, optional shortcut key."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select


class NewCodeDialog(ModalScreen[dict | None]):
    """Returns {"name", "group", "parent", "key"} on Enter in the last field or ctrl+s; Enter in the name field moves on."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("ctrl+s", "create", "Create")]

    def __init__(self, groups: list[str], codes: dict[str, list[str]], group: str | None = None) -> None:
        """Args: codes: group → names of its codes (the possible parents)."""
        super().__init__()
        self.groups = groups
        self.codes = codes
        self.group = group if group in groups else groups[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New code — Tab moves, ctrl+s (or Enter in the key field) creates it in codebook.yaml and"
                        " applies it to the selection, Esc cancels", classes="dialog-title")
            yield Input(placeholder="name", id="name")
            yield Select([(g, g) for g in self.groups], value=self.group, allow_blank=False, id="group")
            yield Select(self._parents(self.group), prompt="no parent (top level)", id="parent")
            yield Input(placeholder="shortcut key (optional, one character)", max_length=1, id="key")

    def _parents(self, group: str) -> list[tuple[str, str]]:
        return [(name, name) for name in self.codes.get(group, [])]

    @on(Select.Changed, "#group")
    def group_changed(self, event: Select.Changed) -> None:
        self.query_one("#parent", Select).set_options(self._parents(str(event.value)))

    @on(Input.Submitted, "#name")
    def next_field(self) -> None:
        """Enter in the name moves on to the group: the form is not done yet."""
        self.focus_next()

    @on(Input.Submitted, "#key")
    def action_create(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            self.query_one("#name", Input).focus()
            return
        parent = self.query_one("#parent", Select).value
        self.dismiss({
            "name": name,
            "group": str(self.query_one("#group", Select).value),
            "parent": None if parent is Select.NULL else str(parent),
            "key": self.query_one("#key", Input).value.strip() or None,
        })
