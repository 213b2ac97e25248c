"""The footer: the active keys of the screen, on one line where the screen has a key table (`?`).

Textual's own Footer is one line that scrolls sideways. A screen with `?` help shows the keys
that fit on one line, whole, and ends with `?` for the rest (the transcript keeps its lines on a
small terminal) — the app's own keys (the views, F2…) kept at its end where they take at most half
the line; a screen without one wraps its keys over as many lines as they need.
A click on a key does what the key does.
"""

from __future__ import annotations

from itertools import groupby

from rich.text import Text
from textual.binding import Binding
from textual.dom import DOMNode
from textual.events import Click
from textual.screen import Screen
from textual.widgets import Static

MORE = Text.assemble(("?", "bold"), " more keys")

Item = tuple[Text, str, DOMNode]  # what the bar shows, the action it runs when clicked, and where


class KeyBar(Static):
    def on_mount(self) -> None:
        self.items: list[Item] = []
        self.help: Item | None = None  # the `?` key, always shown last on a one-line bar
        self.places: list[tuple[int, int, int, Item]] = []  # (line, first cell, last cell + 1, item) as laid out
        self.screen.bindings_updated_signal.subscribe(self, self.show_keys)
        self.show_keys(self.screen)

    def show_keys(self, screen: Screen) -> None:
        shown = [(b, enabled, node) for node, b, enabled, _ in screen.active_bindings.values() if b.show]
        first_of_action: dict[str, tuple[Binding, bool, DOMNode]] = {}
        for binding, enabled, node in shown:
            first_of_action.setdefault(binding.action, (binding, enabled, node))
        self.items, self.help = [], None
        runs = groupby(first_of_action.values(), key=lambda item: item[0].group or id(item[0]))
        for _, run in runs:
            members = list(run)
            group = members[0][0].group
            keys = " ".join(self.app.get_key_display(b) for b, _, _ in members)
            label = group.description if group and len(members) > 1 else members[0][0].description
            enabled = any(e for _, e, _ in members)
            item = (Text.assemble((keys, "bold" if enabled else "dim"), (f" {label}", "" if enabled else "dim")),
                    members[0][0].action, members[0][2])
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
        self.places = []
        pinned = [item for item in self.items if item[2] is self.app] if self.help is not None else []
        room = sum(item[0].cell_len + 2 for item in pinned)
        if room > width // 2:
            pinned, room = [], 0
        for item in (i for i in self.items if not any(i is p for p in pinned)):
            if self.help is not None:
                if lines[-1].cell_len + 2 + item[0].cell_len + room + 2 + MORE.cell_len > width:
                    break
            elif lines[-1].cell_len and lines[-1].cell_len + 2 + item[0].cell_len > width:
                lines.append(Text())
            self.place(lines, item)
        for item in pinned:
            self.place(lines, item)
        if self.help is not None:
            self.place(lines, self.help if len(self.places) == len(self.items) else (MORE, *self.help[1:]))
        self.update(Text("\n").join(lines))

    def place(self, lines: list[Text], item: Item) -> None:
        if lines[-1].cell_len:
            lines[-1].append("  ")
        start = lines[-1].cell_len
        lines[-1].append_text(item[0])
        self.places.append((len(lines) - 1, start, lines[-1].cell_len, item))

    async def on_click(self, event: Click) -> None:
        """A click on a key runs its action, as the key would (the documents' and codebook's overlays, `?`…)."""
        for line, start, end, (_, action, node) in self.places:
            if event.y == line and start <= event.x < end:
                await self.app.run_action(action, node)
                return
