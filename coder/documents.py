"""Reading a study's documents for display: passages, sentences, codings, mentions, progress.

The workbench shows what these functions return and nothing else, so the screen always
reflects the database. Every query here is indexed and cheap enough to run after each key press.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from coder.db import Database


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
    sentences: tuple[tuple[int, int], ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Document:
    info: DocumentInfo
    text: str
    passages: list[Passage]


@dataclass(frozen=True)
class CodingSpan:
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
    """A document's text with its passages and their sentences."""
    info = next(d for d in list_documents(db) if d.id == document_id)
    text = db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    sentences: dict[int, list[tuple[int, int]]] = {}
    for segment_id, start, end in db.execute(
        "SELECT segment_id, start, end FROM sentences WHERE document_id = ? ORDER BY start", [document_id]
    ):
        sentences.setdefault(segment_id, []).append((start, end))
    passages = [
        Passage(r[1], r[2], r[3], r[4], tuple(sentences.get(r[0], ())), json.loads(r[5] or "{}"))
        for r in db.execute(
            "SELECT id, ordinal, start, end, speaker, attributes FROM segments WHERE document_id = ? ORDER BY ordinal",
            [document_id],
        )
    ]
    return Document(info, text, passages)


def document_codings(db: Database, document_id: int, coder_ids: list[int] | None = None) -> list[CodingSpan]:
    """The codings of a document (of some coders, or all), in text order."""
    coders = "" if coder_ids is None else f" AND coder_id IN ({', '.join(str(int(c)) for c in coder_ids) or 'NULL'})"
    return [CodingSpan(*r) for r in db.execute(
        f"SELECT id, code_id, coder_id, start, end, memo FROM codings WHERE document_id = ?{coders} ORDER BY start, end",
        [document_id],
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
    return dict(db.execute(
        "SELECT s.document_id, count(*) FROM segments s WHERE (:doc IS NULL OR s.document_id = :doc) AND EXISTS"
        " (SELECT 1 FROM codings c WHERE c.document_id = s.document_id AND c.coder_id = :coder"
        "  AND c.start < s.end AND c.end > s.start) GROUP BY s.document_id",
        {"doc": document_id, "coder": coder_id},
    ).fetchall())


def next_uncoded_passage(db: Database, coder_id: int, document_id: int, after: int) -> tuple[int, int] | None:
    """The next passage the coder has not coded: later in this document, then in the following ones.

    Returns (document id, passage ordinal), or None when everything is coded.
    """
    row = db.execute(
        "SELECT s.document_id, s.ordinal FROM segments s JOIN documents d ON d.id = s.document_id"
        " WHERE (d.name, s.ordinal) > ((SELECT name FROM documents WHERE id = :doc), :after)"
        " AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.document_id = s.document_id AND c.coder_id = :coder"
        "  AND c.start < s.end AND c.end > s.start) ORDER BY d.name, s.ordinal LIMIT 1",
        {"doc": document_id, "after": after, "coder": coder_id},
    ).fetchone()
    if row is None and after > 0:
        return next_uncoded_passage(db, coder_id, _first_document(db), 0)
    return (row[0], row[1]) if row else None


def _first_document(db: Database) -> int:
    return db.execute("SELECT id FROM documents ORDER BY name LIMIT 1").fetchone()[0]


def code_counts(db: Database, coder_id: int) -> dict[int, int]:
    """How many codings the coder has made with each code."""
    return dict(db.execute("SELECT code_id, count(*) FROM codings WHERE coder_id = ? GROUP BY code_id", [coder_id]).fetchall())


def coders(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM coders ORDER BY name")]
