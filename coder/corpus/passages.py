"""Passages: a transcript's body cut into speaker turns, or into paragraphs where nobody is named.

A passage is the unit the researcher codes and the program counts, so its offsets point into
the stored text exactly: cutting never rewrites a character, it only trims the space around a
turn. A speaker label is a line starting with a name and a colon (`RESPONDENT:`), written in
capitals or listed in the transcript's header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Passage:
    """A span of a document's text: one speaker turn or paragraph, with its speaker and (for captions) its times."""

    start: int
    end: int
    speaker: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


LABEL = re.compile(r"^(?P<label>[^\W\d_][^:\n]{0,60}?):(?:[ \t]+|$)", re.MULTILINE)


def is_speaker_label(label: str, speakers: frozenset[str] = frozenset()) -> bool:
    """`INTERVIEWER`, `RESPONDENT (PRESIDENT)`, `ENTREVISTADO`: capitals, or a name the header lists."""
    if label.casefold() in speakers:
        return True
    return label == label.upper() and any(c.isalpha() for c in label) and len(label.split()) <= 8


def cut_passages(body: str, speakers: Iterable[str] = ()) -> list[Passage]:
    """One passage per speaker turn; where no speakers are named, one per paragraph."""
    known = frozenset(s.casefold() for s in speakers)
    labels = [m for m in LABEL.finditer(body) if is_speaker_label(m.group("label").strip(), known)]
    passages: list[Passage] = []
    first = labels[0].start() if labels else len(body)
    passages.extend(_paragraphs(body, 0, first))
    for index, match in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(body)
        start = match.end()
        passage = _trimmed(body, start, end, speaker=match.group("label").strip())
        if passage:
            passages.append(passage)
    return passages


BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _paragraphs(body: str, start: int, end: int) -> Iterator[Passage]:
    """The paragraphs between blank lines: found by the gaps, so memory does not grow with a paragraph's length."""
    at = start
    for gap in BLANK_LINE.finditer(body, start, end):
        if passage := _trimmed(body, at, gap.start()):
            yield passage
        at = gap.end()
    if passage := _trimmed(body, at, end):
        yield passage


def _trimmed(body: str, start: int, end: int, speaker: str | None = None) -> Passage | None:
    chunk = body[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    if right <= left:
        return None
    return Passage(start + left, start + right, speaker)
