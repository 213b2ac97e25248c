"""The key table (`?`): every binding of the coding screen, the mouse, and every shortcut key of the codebook."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from coder.tui.marks import CodeStyle

KEY_NAMES = {"slash": "/", "question_mark": "?", "plus": "+", "semicolon": ";", "left_square_bracket": "[",
             "right_square_bracket": "]", "escape": "Esc", "enter": "Enter", "colon": ":", "home": "Home", "end": "End",
             "pageup": "PgUp", "pagedown": "PgDn"}
MOUSE = [
    ("click", "select the passage clicked (shift+click: every passage up to it)"),
    ("drag", "select the words dragged across (in one passage or several): the code keys apply to exactly them"),
    ("double-click", "select the sentence clicked"),
    ("click a code", "in the codebook: apply it to the selection"),
]


def key_names(keys: str) -> str:
    return " ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


def help_table(bindings: list[Binding], styles: dict[int, CodeStyle], keys: dict[str, int]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    table.add_column("key")
    table.add_column("does")
    for binding in bindings:
        label = binding.group.description + " " + binding.description if binding.group else binding.description
        table.add_row(key_names(binding.key) if binding.key != "1" else "shortcut keys", label)
    table.add_row("Tab / shift+Tab", "move between the documents, the transcript and the codebook (the status line names"
                  " the one the keys go to)")
    table.add_row("ctrl+p", "the command palette: every action, by name")
    for row in MOUSE:
        table.add_row(*row)
    for key, code_id in sorted(keys.items()):
        style = styles[code_id]
        table.add_row(key, Text.assemble("toggle ", (f"● {style.group} / {style.name}", style.colour)))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, bindings: list[Binding], styles: dict[int, CodeStyle], keys: dict[str, int]) -> None:
        super().__init__()
        self.table = help_table(bindings, styles, keys)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static("Keys — Esc closes", classes="dialog-title")
            yield Static(self.table)
