"""One line under the transcript: the pane the keys go to, study, coder, document, passage n/N, phase, and what just happened."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


class StatusLine(Static):
    read_only: str | None = None  # why the study may only be read: then the line says "read-only" after the study's name
    pane = ""  # the pane that has the keyboard (documents, transcript, codebook): named first, so `e` or Enter never surprise
    shown: dict[str, Any] | None = None  # the last `show`'s arguments: shown again when the focus moves

    def set_pane(self, pane: str) -> None:
        self.pane = pane
        if self.shown:
            self.show(**self.shown)

    def show(self, *, study: str, coder: str, document: str, passage: int, passages: int, phase: str | None,
             selection: int = 1, note: str = "") -> None:
        self.shown = {"study": study, "coder": coder, "document": document, "passage": passage, "passages": passages,
                      "phase": phase, "selection": selection}
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.pane:
            text.append(f" {self.pane} ", style="bold reverse")
        text.append(f" {study} ", style="bold")
        if self.read_only:
            text.append(" read-only ", style="bold reverse")
            text.append(" ")
        text.append("· coder ")
        text.append(coder, style="bold")
        text.append(f" · {document} · passage {passage}/{passages}")
        if selection > 1:
            text.append(f" (+{selection - 1} selected)")
        text.append(" · phase ")
        text.append(phase or "—", style="bold")
        if note:
            text.append(f"  {note}", style="italic")
        self.update(text, layout=False)  # one line, always: no layout pass on every key
