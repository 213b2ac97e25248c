"""Whose turn a passage is: the interviewer's questions are told apart from the answers being coded.

The rule, the same everywhere it is asked (keyword suggestions leave interviewer turns out by default):
a passage is an interviewer turn when its speaker label, ignoring case, accents, a trailing number and
anything in brackets, is one of `INTERVIEWER_LABELS` (INTERVIEWER, ENTREVISTADOR, ENTREVISTADORA,
INTERVIEWERIN, INTERVIEWEUR, ENQUÊTEUR, a moderator, `Q` or `I`… — `INTERVIEWER 2` and `ENTREVISTADORA (MARÍA)` too), or
when the transcript's header names it as the interviewer (`interviewer: LUCÍA` or
`interviewers: [LUCÍA, PEDRO]`). Paragraphs without a speaker are never interviewer turns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from coder.text import fold

if TYPE_CHECKING:
    from coder.db import Database

INTERVIEWER_LABELS = frozenset({
    "interviewer", "interviewers", "interviewerin", "entrevistador", "entrevistadora", "entrevistadores",
    "intervieweur", "intervieweuse", "enqueteur", "enqueteuse", "enquetrice", "intervistatore", "intervistatrice",
    "moderator", "moderador", "moderadora", "q", "i",  # a focus group's moderator; transcripts written Q:/A: or I:/R:
})
HEADER_FIELDS = ("interviewer", "interviewers")  # front-matter fields that name a transcript's interviewer(s)
_DECORATION = re.compile(r"\(.*?\)|\[.*?\]|[\d#.:]+")  # "INTERVIEWER 2", "ENTREVISTADORA (MARÍA)"


def _plain(label: str) -> str:
    return " ".join(_DECORATION.sub(" ", fold(label)).split())


def header_interviewers(attributes: dict[str, Any]) -> frozenset[str]:
    """The speaker labels a transcript's header names as its interviewer(s), folded."""
    named: list[str] = []
    for name in HEADER_FIELDS:
        value = attributes.get(name)
        if isinstance(value, list):
            named += [str(v) for v in value]
        elif value:
            named.append(str(value))
    return frozenset(_plain(n) for n in named if _plain(n))


def is_interviewer(speaker: str | None, named: Iterable[str] = ()) -> bool:
    """True for an interviewer's turn: a label of `INTERVIEWER_LABELS`, or one the header names (`named`, folded)."""
    if not speaker:
        return False
    plain = _plain(speaker)
    return plain in INTERVIEWER_LABELS or plain in set(named)


def interviewer_passages(db: Database, document_id: int) -> set[int]:
    """The ordinals of a document's interviewer turns."""
    row = db.execute("SELECT attributes FROM documents WHERE id = ?", [document_id]).fetchone()
    named = header_interviewers(json.loads(row[0] or "{}")) if row else frozenset()
    return {ordinal for ordinal, speaker in db.execute(
        "SELECT ordinal, speaker FROM segments WHERE document_id = ? AND speaker IS NOT NULL", [document_id])
        if is_interviewer(speaker, named)}
