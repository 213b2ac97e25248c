"""The key table (`?`): every binding of the screen it is asked on (the coding screen, or a view), the keys that open
the views (F2…), the mouse, and on the coding screen every shortcut key of the codebook."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
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
    return " ".join(KEY_NAMES.get(k, k.upper() if k[:1] == "f" and k[1:].isdigit() else k) for k in keys.split(","))


def help_table(bindings: list[Binding], styles: dict[int, CodeStyle], keys: dict[str, int], *,
               views: Sequence[Binding] = (), panes: bool = True) -> Table:
    """Args: views: the app's keys that open a view; panes: the screen has panes that Tab moves between."""
    table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2))
    table.add_column("key")
    table.add_column("does")
    for binding in bindings:
        if not binding.show and binding.key.isdigit():
            continue  # 2…9 after a `1…9` row
        label = binding.group.description + " " + binding.description if binding.group else binding.description
        key = "shortcut keys" if binding.action.startswith("code_key") else binding.key_display or key_names(binding.key)
        table.add_row(key, label)
    for binding in views:
        table.add_row(key_names(binding.key), f"the {binding.description} view (Esc returns to coding)")
    if panes:
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

    def __init__(self, bindings: list[Binding], styles: dict[int, CodeStyle], keys: dict[str, int], *,
                 views: Sequence[Binding] = (), panes: bool = True) -> None:
        super().__init__()
        self.table = help_table(bindings, styles, keys, views=views, panes=panes)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static("Keys — Esc closes", classes="dialog-title")
            yield Static(self.table)


def view_help(screen: Screen) -> None:
    """`?` on a view: its own keys and the keys of the other views."""
    bindings = [b for b in screen.BINDINGS if isinstance(b, Binding)]
    views = [b for b in screen.app.BINDINGS if isinstance(b, Binding)]
    screen.app.push_screen(HelpScreen(bindings, {}, {}, views=views, panes=False))
