"""The footer: every active key of the screen, wrapped over as many lines as it needs.

Textual's own Footer is one line that scrolls sideways; a coder's screen has more keys than
fit on one line, and all of them should be visible without scrolling.
"""

from __future__ import annotations

from itertools import groupby

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    def on_mount(self) -> None:
        self.items: list[Text] = []
        self.screen.bindings_updated_signal.subscribe(self, self.show_keys)
        self.show_keys(self.screen)

    def show_keys(self, screen: Screen) -> None:
        shown = [(b, enabled) for _, b, enabled, _ in screen.active_bindings.values() if b.show]
        first_of_action: dict[str, tuple[Binding, bool]] = {}
        for binding, enabled in shown:
            first_of_action.setdefault(binding.action, (binding, enabled))
        self.items = []
        runs = groupby(first_of_action.values(), key=lambda item: item[0].group or id(item[0]))
        for _, run in runs:
            members = list(run)
            group = members[0][0].group
            keys = " ".join(self.app.get_key_display(b) for b, _ in members)
            label = group.description if group and len(members) > 1 else members[0][0].description
            enabled = any(e for _, e in members)
            self.items.append(Text.assemble((keys, "bold" if enabled else "dim"), (f" {label}", "" if enabled else "dim")))
        self.lay_out()

    def on_resize(self) -> None:
        self.lay_out()

    def lay_out(self) -> None:
        """Whole keys per line: a line breaks between two keys, never inside one."""
        width = max(20, self.size.width or 120)
        lines: list[Text] = [Text()]
        for item in self.items:
            if lines[-1].cell_len and lines[-1].cell_len + 2 + item.cell_len > width:
                lines.append(Text())
            if lines[-1].cell_len:
                lines[-1].append("  ")
            lines[-1].append_text(item)
        self.update(Text("\n").join(lines))
