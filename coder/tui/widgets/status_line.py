"""One line under the transcript: the pane the keys go to, study, coder, document, passage n/N, phase, and what
just happened.

When the line does not fit, the place is said shorter: without the study, then "ana · int01 ¶4/26 · phase —",
then "int01 ¶4/26"; what just happened comes first, even if the place waits for the next key. A note longer
than the whole line is also shown as a notice, where it wraps. A hint (the passage's suggestions) comes last:
after the place, cut where the line ends, never instead of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass(frozen=True)
class Place:
    study: str
    coder: str
    document: str
    passage: int
    passages: int
    phase: str | None
    selection: int = 1


class StatusLine(Static):
    read_only: str | None = None  # why the study may only be read: then the line says "read-only" after the study's name
    place: Place | None = None
    note = ""
    hint = ""
    pane = ""  # the pane that has the keyboard (documents, transcript, codebook): named first, so `e` or Enter never surprise

    def set_pane(self, pane: str) -> None:
        self.pane = pane
        self.draw()

    def show(self, *, study: str, coder: str, document: str, passage: int, passages: int, phase: str | None,
             selection: int = 1, note: str = "", hint: str = "") -> None:
        self.place, self.note, self.hint = Place(study, coder, document, passage, passages, phase, selection), note, hint
        self.draw()
        if note and len(note) + 2 > self.size.width > 0:  # cut even alone on the line: said whole where it can wrap
            self.notify(note, timeout=6)

    def on_resize(self) -> None:
        self.draw()

    def draw(self) -> None:
        if self.place is None:
            return
        width = self.size.width or 10_000
        need = len(self.note) + 2 if self.note else 0
        ways = [self.long(self.place), self.long(self.place, study=False), self.short(self.place),
                self.short(self.place, bare=True)]
        ways += [Text(no_wrap=True, overflow="ellipsis")] if self.note else []
        text = next((way for way in ways if way.cell_len + need <= width), ways[-1])
        if self.note:
            text.append(f"  {self.note}", style="italic")
        elif self.hint:
            text.append(f"  {self.hint}", style="italic dim")
        self.update(text, layout=False)  # one line, always: no layout pass on every key

    def long(self, place: Place, *, study: bool = True) -> Text:
        text = self.with_pane()
        text.append(f" {place.study} " if study else " ", style="bold")
        self.mark_read_only(text)
        text.append("· coder " if study else "coder ")
        text.append(place.coder, style="bold")
        text.append(f" · {place.document} · passage {place.passage}/{place.passages}")
        if place.selection > 1:
            text.append(f" (+{place.selection - 1} selected)")
        text.append(" · phase ")
        text.append(place.phase or "—", style="bold")
        return text

    def short(self, place: Place, *, bare: bool = False) -> Text:
        """The place in few cells: the coder, the document, the passage (¶) and the selection; the phase unless `bare`."""
        text = self.with_pane()
        text.append(" ")
        self.mark_read_only(text)
        if not bare:
            text.append(f"{place.coder} · ")
        text.append(f"{place.document} ¶{place.passage}/{place.passages}", style="bold")
        if place.selection > 1:
            text.append(f" (+{place.selection - 1} selected)")
        if not bare:
            text.append(" · phase ")
            text.append(place.phase or "—", style="bold")
        return text

    def with_pane(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.pane:
            text.append(f" {self.pane} ", style="bold reverse")
        return text

    def mark_read_only(self, text: Text) -> None:
        if self.read_only:
            text.append(" read-only ", style="bold reverse")
            text.append(" ")
