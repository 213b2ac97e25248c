"""The codebook as a tree: groups, codes and sub-codes with their keys, colours and live counts."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

NARROWEST = 32
EDGES = 3  # the pane's edge and its scrollbar


def code_label(row: dict[str, Any], count: int) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{row['key']} " if row["key"] else "  ", style="bold")
    text.append("● ", style=row["colour"] or "grey70")
    text.append(row["code"], style="" if row["active"] else "strike dim")
    if count:
        text.append(f"  {count}", style="grey62")
    return text


class CodebookPane(Tree[int]):
    """Enter on a code applies it to the selection; `e` edits it."""

    BINDINGS = [Binding("escape", "screen.close_pane", "back to the transcript", show=False)]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("codebook", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.rows: dict[int, dict[str, Any]] = {}
        self.nodes: dict[int, TreeNode[int]] = {}

    widest = 32  # the most columns the pane may take: the screen sets it for its width

    def watch_virtual_size(self) -> None:
        self.fit()

    def fit(self) -> None:
        """As wide as the longest code's line needs (guides, key, name, count, edge and scrollbar), up to `widest`."""
        self.styles.width = max(NARROWEST, min(self.virtual_size.width + EDGES, self.widest))

    def set_codebook(self, rows: list[dict[str, Any]], counts: dict[int, int], collapsed: set[str]) -> None:
        self.clear()
        self.rows = {r["id"]: r for r in rows}
        self.nodes = {}
        groups: dict[str, TreeNode[int]] = {}
        for row in rows:
            group = groups.get(row["group"])
            if group is None:
                title = Text(row["group"], style="bold")
                if row["exclusive"]:
                    title.append("  one per passage", style="grey62 italic")
                group = groups[row["group"]] = self.root.add(title, expand=row["group"] not in collapsed)
            parent = self.nodes.get(row["parent_id"], group)
            self.nodes[row["id"]] = parent.add(code_label(row, counts.get(row["id"], 0)), data=row["id"], expand=True)
        for node in self.nodes.values():
            node.allow_expand = bool(node.children)

    def update_counts(self, counts: dict[int, int], only: list[int] | None = None) -> None:
        """New counts for every code, or for `only` these codes (missing from `counts`: zero)."""
        for code_id in self.nodes if only is None else only:
            if code_id in self.nodes:
                self.nodes[code_id].set_label(code_label(self.rows[code_id], counts.get(code_id, 0)))
