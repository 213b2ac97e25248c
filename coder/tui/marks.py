"""Turning a document's codings, mentions and hits into the marks the transcript draws."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from coder.documents import CodingSpan, Document, Mention
from coder.tui.widgets.transcript import Marks

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


def passages_touched(document: Document, start: int, end: int) -> range:
    """Indices of the passages a span overlaps."""
    starts = [p.start for p in document.passages]
    first = max(0, bisect_right(starts, start) - 1)
    last = max(first, bisect_right(starts, end - 1) - 1)
    return range(first, last + 1)


def build_marks(
    document: Document,
    codings: list[CodingSpan],
    styles: dict[int, CodeStyle],
    *,
    coder_id: int,
    coder_names: dict[int, str],
    mentions: list[Mention],
    hits: list[tuple[int, int]],
    cursor: int,
    anchor: int,
    sentence: tuple[int, int] | None,
    suggestions: dict[int, list[str]],
    memos: set[int],
    active: CodingSpan | None,
) -> Marks:
    """Marks for the transcript: the coder's codings coloured and labelled, others' dimmed."""
    labels: dict[int, list[tuple[str, str, int]]] = {}
    painted = []
    for coding in codings:
        style = styles.get(coding.code_id)
        if style is None:
            continue
        mine = coding.coder_id == coder_id
        painted.append((style.ordinal, coding.start, coding.end, style.colour, not mine))
        label = style.name if mine else f"{style.name} · {coder_names.get(coding.coder_id, '?')}"
        for index in passages_touched(document, coding.start, coding.end):
            entry = (label, style.colour, style.ordinal + (0 if mine else 10_000))
            if entry not in labels.setdefault(index, []):
                labels[index].append(entry)
    return Marks(
        cursor=cursor,
        selection=(min(cursor, anchor), max(cursor, anchor)),
        sentence=sentence,
        codings=[span[1:] for span in sorted(painted, reverse=True)],  # the codebook's first codes are painted last, on top
        mentions=[(m.start, m.end) for m in mentions],
        hits=hits,
        labels={i: [(name, colour) for name, colour, _ in sorted(entries, key=lambda e: e[2])] for i, entries in labels.items()},
        suggestions=suggestions,
        memos=memos,
        active=(active.start, active.end) if active else None,
    )
