"""The footer: the active keys of the screen, on one line where the screen has a key table (`?`).

Textual's own Footer is one line that scrolls sideways. A screen with `?` help shows the keys
that fit on one line, whole, and ends with `?` for the rest (the transcript keeps its lines on a
small terminal); a screen without one wraps its keys over as many lines as they need.
"""

from __future__ import annotations

from itertools import groupby

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

MORE = Text.assemble(("?", "bold"), " more keys")


class KeyBar(Static):
    def on_mount(self) -> None:
        self.items: list[Text] = []
        self.help: Text | None = None  # the `?` key, always shown last on a one-line bar
        self.screen.bindings_updated_signal.subscribe(self, self.show_keys)
        self.show_keys(self.screen)

    def show_keys(self, screen: Screen) -> None:
        shown = [(b, enabled) for _, b, enabled, _ in screen.active_bindings.values() if b.show]
        first_of_action: dict[str, tuple[Binding, bool]] = {}
        for binding, enabled in shown:
            first_of_action.setdefault(binding.action, (binding, enabled))
        self.items, self.help = [], None
        runs = groupby(first_of_action.values(), key=lambda item: item[0].group or id(item[0]))
        for _, run in runs:
            members = list(run)
            group = members[0][0].group
            keys = " ".join(self.app.get_key_display(b) for b, _ in members)
            label = group.description if group and len(members) > 1 else members[0][0].description
            enabled = any(e for _, e in members)
            item = Text.assemble((keys, "bold" if enabled else "dim"), (f" {label}", "" if enabled else "dim"))
            if members[0][0].action == "help":
                self.help = item
            else:
                self.items.append(item)
        self.lay_out()

    def on_resize(self) -> None:
        self.lay_out()

    def lay_out(self) -> None:
        """Whole keys per line: a line breaks between two keys, never inside one. Given `?` help: one line,
        as many keys as fit, then `?` (saying "more keys" when some did not fit)."""
        width = max(20, self.size.width or 120)
        lines: list[Text] = [Text()]
        fitted = 0
        for item in self.items:
            if self.help is not None:
                if lines[-1].cell_len + 2 + item.cell_len + 2 + MORE.cell_len > width:
                    break
            elif lines[-1].cell_len and lines[-1].cell_len + 2 + item.cell_len > width:
                lines.append(Text())
            if lines[-1].cell_len:
                lines[-1].append("  ")
            lines[-1].append_text(item)
            fitted += 1
        if self.help is not None:
            if lines[-1].cell_len:
                lines[-1].append("  ")
            lines[-1].append_text(self.help if fitted == len(self.items) else MORE)
        self.update(Text("\n").join(lines))
