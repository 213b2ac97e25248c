"""Reading a study's documents for display: passages, sentences, codings, mentions, progress.

The workbench shows what these functions return and nothing else, so the screen always
reflects the database. Every query here is indexed and cheap enough to run after each key press.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from coder.db import Database, reading, set_setting, setting, transaction
from coder.errors import CoderError
from coder.turns import interviewer_passages


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    name: str
    title: str
    kind: str | None
    passages: int
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Passage:
    ordinal: int
    start: int
    end: int
    speaker: str | None
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Document:
    info: DocumentInfo
    text: str
    passages: list[Passage]
    version: int = 1  # of the text: offsets read from it are good for this version only

    @cached_property
    def starts(self) -> list[int]:
        """Where each passage starts, for finding the passages a span touches by bisection."""
        return [p.start for p in self.passages]

    def passages_touched(self, start: int, end: int) -> range:
        """Indices of the passages a span overlaps."""
        first = max(0, bisect_right(self.starts, start) - 1)
        last = max(first, bisect_right(self.starts, end - 1) - 1)
        return range(first, last + 1)


class CodingSpan(NamedTuple):  # a tuple: documents can carry tens of thousands
    id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    memo: str | None


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    organisation: str
    code_id: int | None  # the actor code of the organisation, if the codebook has one


def list_documents(db: Database) -> list[DocumentInfo]:
    """Every document with its number of passages, by name."""
    return [
        DocumentInfo(r[0], r[1], r[2] or r[1], r[3], r[4], json.loads(r[5] or "{}"))
        for r in db.execute(
            "SELECT d.id, d.name, d.title, d.kind, (SELECT count(*) FROM segments s WHERE s.document_id = d.id),"
            " d.attributes FROM documents d ORDER BY d.name"
        )
    ]


def load_document(db: Database, document_id: int) -> Document:
    """A document's text with its passages and its version, read from one snapshot."""
    with reading(db):
        info = next(d for d in list_documents(db) if d.id == document_id)
        text, version = db.execute("SELECT text, version FROM documents WHERE id = ?", [document_id]).fetchone()
        passages = [
            Passage(r[0], r[1], r[2], r[3], json.loads(r[4]) if r[4] != "{}" else {})
            for r in db.execute(
                "SELECT ordinal, start, end, speaker, attributes FROM segments WHERE document_id = ? ORDER BY ordinal",
                [document_id],
            )
        ]
    return Document(info, text, passages, version)


def sentences(db: Database, document_id: int, ordinal: int) -> list[tuple[int, int]]:
    """The sentence spans of one passage (read when the reader narrows to a sentence)."""
    return [tuple(r) for r in db.execute(
        "SELECT t.start, t.end FROM sentences t JOIN segments s ON s.id = t.segment_id"
        " WHERE s.document_id = ? AND s.ordinal = ? ORDER BY t.ordinal", [document_id, ordinal])]


def document_codings(
    db: Database, document_id: int, coder_ids: list[int] | None = None, within: tuple[int, int] | None = None,
) -> list[CodingSpan]:
    """The codings of a document (of some coders, or all; all of it or those overlapping a span), in text order."""
    coders = "" if coder_ids is None else f" AND coder_id IN ({', '.join(str(int(c)) for c in coder_ids) or 'NULL'})"
    start, end = within or (0, None)
    return [CodingSpan(*r) for r in db.execute(
        "SELECT id, code_id, coder_id, start, end, memo FROM codings WHERE document_id = :doc"
        f"{coders} AND (:end IS NULL OR (start < :end AND end > :start)) ORDER BY start, end",
        {"doc": document_id, "start": start, "end": end},
    )]


def document_mentions(db: Database, document_id: int) -> list[Mention]:
    """Organisation mentions found at import, with the organisation's actor code."""
    return [Mention(*r) for r in db.execute(
        "SELECT m.start, m.end, o.name, (SELECT c.id FROM codes c WHERE c.organisation_id = o.id AND c.active)"
        " FROM mentions m JOIN organisations o ON o.id = m.organisation_id WHERE m.document_id = ? ORDER BY m.start",
        [document_id],
    )]


def coded_passages(db: Database, coder_id: int, document_id: int | None = None) -> dict[int, int]:
    """Per document: how many of its passages the coder has coded (any code, any overlap)."""
    coded = _coded_segments(db, coder_id, document_id)
    counts: dict[int, int] = {}
    for document, _ in coded:
        counts[document] = counts.get(document, 0) + 1
    return counts


def _coded_segments(db: Database, coder_id: int, document_id: int | None = None) -> set[tuple[int, int]]:
    """(document id, ordinal) of every passage a coding of the coder overlaps — one sweep per document.

    A join on overlapping ranges would compare every passage with every coding; sorting both
    and sweeping is linear, which matters for long documents with thousands of codings.
    """
    scope = {"doc": document_id, "coder": coder_id}
    spans: dict[int, list[tuple[int, int]]] = {}
    for document, start, end in db.execute(
        "SELECT document_id, start, end FROM codings WHERE coder_id = :coder AND (:doc IS NULL OR document_id = :doc)"
        " ORDER BY document_id, start", scope,
    ):
        spans.setdefault(document, []).append((start, end))
    coded: set[tuple[int, int]] = set()
    for document, ranges in spans.items():
        merged: list[list[int]] = []
        for start, end in ranges:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        position = 0
        for ordinal, start, end in db.execute(
            "SELECT ordinal, start, end FROM segments WHERE document_id = ? ORDER BY start", [document]
        ):
            while position < len(merged) and merged[position][1] <= start:
                position += 1
            if position < len(merged) and merged[position][0] < end:
                coded.add((document, ordinal))
    return coded


def next_uncoded_passage(db: Database, coder_id: int, document_id: int, after: int, *,
                         skip_interviewer: bool = False) -> tuple[int, int] | None:
    """The next passage the coder has not coded: later in this document, then in the following ones.

    With `skip_interviewer`, the interviewer's turns (`coder.turns`: the same rule as the suggestions') are passed
    over: only answers need codes.
    Returns (document id, passage ordinal), or None when everything is coded.
    """
    order = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY name")]
    here = order.index(document_id)
    for document, beyond in [(document_id, after), *((d, 0) for d in order[here + 1 :] + order[:here]), (document_id, 0)]:
        coded = _coded_segments(db, coder_id, document)
        asking = interviewer_passages(db, document) if skip_interviewer else set()
        for (ordinal,) in db.execute("SELECT ordinal FROM segments WHERE document_id = ? ORDER BY ordinal", [document]):
            if ordinal > beyond and (document, ordinal) not in coded and ordinal not in asking:
                return document, ordinal
    return None


def code_counts(db: Database, coder_id: int, code_ids: list[int] | None = None) -> dict[int, int]:
    """How many codings the coder has made with each code (or with some codes)."""
    only = "" if code_ids is None else f" AND code_id IN ({', '.join(str(int(c)) for c in code_ids) or 'NULL'})"
    return dict(db.execute(f"SELECT code_id, count(*) FROM codings WHERE coder_id = ?{only} GROUP BY code_id",
                           [coder_id]).fetchall())


def coders(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM coders ORDER BY name")]


def coders_by_id(db: Database) -> dict[int, str]:
    return dict(db.execute("SELECT id, name FROM coders ORDER BY name").fetchall())


def last_position(db: Database, coder: str) -> tuple[int, int] | None:
    """Where a coder last was: (document id, passage ordinal), kept across sessions."""
    saved = setting(db, f"position:{coder}")
    if not saved:
        return None
    document_id, ordinal = saved.split(":")
    return int(document_id), int(ordinal)


def remember_position(db: Database, coder: str, document_id: int, ordinal: int) -> None:
    """Where the coder is now: the study reopens here, and this document reopens at this passage.

    A convenience, written without a flush to disk and not kept when the study may not be written (see `set_setting`).
    """
    try:
        with transaction(db, durable=False):
            set_setting(db, f"position:{coder}", f"{document_id}:{ordinal}", remembered=True)
            set_setting(db, f"document_position:{document_id}:{coder}", str(ordinal), remembered=True)
    except CoderError:
        pass


def document_position(db: Database, coder: str, document_id: int) -> int:
    """The passage ordinal the coder was last at in a document (1 for a document not opened yet)."""
    saved = setting(db, f"document_position:{document_id}:{coder}")
    return int(saved) if saved else 1


SKIP_INTERVIEWER = "skip_interviewer:"  # settings key per coder: "1" when g passes over the interviewer's turns


def skips_interviewer(db: Database, coder: str) -> bool:
    return setting(db, SKIP_INTERVIEWER + coder) == "1"


def set_skips_interviewer(db: Database, coder: str, skip: bool) -> None:
    """The coder's choice for `g` (next uncoded): pass over the interviewer's turns or not; kept across sessions."""
    set_setting(db, SKIP_INTERVIEWER + coder, "1" if skip else "0")
