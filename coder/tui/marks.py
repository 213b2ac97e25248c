"""A document's codings sorted into the passages they touch, ready for the transcript to draw.

A long document can carry tens of thousands of codings, so after a write only the passages
the write touched are read again from the database and re-sorted; the rest stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coder.documents import CodingSpan, Document

PALETTE = ("#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#8ab17d", "#6d597a", "#b56576", "#4d908e", "#577590", "#f9844a")


@dataclass
class CodeStyle:
    """How a code looks on screen."""

    name: str
    colour: str
    group: str
    ordinal: int


def code_styles(rows: list[dict[str, Any]]) -> dict[int, CodeStyle]:
    """Each code's name and colour (codes without a colour get one from a fixed palette)."""
    return {row["id"]: CodeStyle(row["code"], row["colour"] or PALETTE[row["id"] % len(PALETTE)], row["group"], index)
            for index, row in enumerate(rows)}


@dataclass(frozen=True)
class Painted:
    """One coding as the transcript draws it."""

    start: int
    end: int
    colour: str
    label: str
    rank: int  # codebook order; someone else's codings come after the coder's own
    mine: bool
    memo: bool


@dataclass
class PassageCodings:
    """The codings of one document, by passage index, for one coder (and others', dimmed, if shown)."""

    document: Document
    styles: dict[int, CodeStyle]
    coder_id: int
    coder_names: dict[int, str]
    codings: dict[int, CodingSpan] = field(default_factory=dict)
    by_passage: dict[int, list[CodingSpan]] = field(default_factory=dict)

    def load(self, codings: list[CodingSpan]) -> None:
        self.codings, self.by_passage = {}, {}
        self._add(codings)

    def replace(self, start: int, end: int, fresh: list[CodingSpan]) -> tuple[int, int]:
        """Swap the codings overlapping [start, end) for `fresh` ones read from the database.

        Returns the span the caller must re-read and pass again: it grows to cover every coding
        dropped, so a coding that was shortened away from the span is not left stale.
        """
        dropped = [c for i in self.document.passages_touched(start, end) for c in self.by_passage.get(i, ())
                   if c.start < end and c.end > start]
        for coding in dropped:
            self.codings.pop(coding.id, None)
            for index in self.document.passages_touched(coding.start, coding.end):
                self.by_passage[index] = [c for c in self.by_passage.get(index, ()) if c.id != coding.id]
        self._add([c for c in fresh if c.id not in self.codings])
        return min([start, *(c.start for c in dropped)]), max([end, *(c.end for c in dropped)])

    def _add(self, codings: list[CodingSpan]) -> None:
        for coding in codings:
            if coding.code_id not in self.styles:
                continue
            self.codings[coding.id] = coding
            for index in self.document.passages_touched(coding.start, coding.end):
                self.by_passage.setdefault(index, []).append(coding)

    def in_passage(self, index: int) -> list[CodingSpan]:
        return self.by_passage.get(index, [])

    def mine(self, start: int, end: int) -> list[CodingSpan]:
        """The coder's own codings overlapping a span."""
        found = {c.id: c for i in self.document.passages_touched(start, end) for c in self.by_passage.get(i, ())
                 if c.coder_id == self.coder_id and c.start < end and c.end > start}
        return sorted(found.values(), key=lambda c: (c.start, c.end, c.id))

    def painted(self, index: int) -> list[Painted]:
        """What to draw in a passage: the codebook's first codes last, so their colour is on top."""
        shown = []
        for coding in self.by_passage.get(index, ()):
            style = self.styles[coding.code_id]
            mine = coding.coder_id == self.coder_id
            label = style.name if mine else f"{style.name} · {self.coder_names.get(coding.coder_id, '?')}"
            shown.append(Painted(coding.start, coding.end, style.colour, label, style.ordinal + (0 if mine else 10_000), mine,
                                 bool(coding.memo) and mine))
        return sorted(shown, key=lambda p: -p.rank)

    def coded_passages(self) -> int:
        """How many passages carry at least one of the coder's own codings."""
        return sum(1 for codings in self.by_passage.values() if any(c.coder_id == self.coder_id for c in codings))
