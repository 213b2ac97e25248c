"""Finding passages: full-text search over the study, and the passages that mention an organisation.

Researchers type queries the way they would in a library catalogue; `fts_query` turns them
into SQLite FTS5 syntax with every term quoted, so punctuation in a query can never be read
as an operator. The query language:

    training days        both words, anywhere in the passage, in any order
    "trade fair"         the exact phrase
    certif*              words starting with "certif" (certification, certified...)
    fair OR feria        either word (OR in capitals joins the terms on each side)
    buyers -Lima         "buyers" but not "Lima" (also: NOT Lima)

Case and accents never matter ("peru" finds "Perú"). When the whole query is the name or an
alias of an organisation, the hits also include every passage where the import found that
organisation mentioned, whatever the spelling ("SENASA" also finds "Senasa", "SENANSA").
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from coder.db import Database
from coder.errors import CoderError
from coder.text import fold

OPEN, CLOSE = "\ue000", "\ue001"  # private-use characters that mark matches in highlight()
SNIPPET_BEFORE, SNIPPET_AFTER = 50, 90  # characters of context around the first match


@dataclass
class Hit:
    """A passage that matches a search; offsets are absolute (into documents.text)."""

    document_id: int
    document: str
    ordinal: int
    segment_id: int
    start: int
    end: int
    snippet: str
    spans: list[tuple[int, int]]
    snippet_start: int = 0  # where `snippet` starts in the document
    speaker: str | None = None
    organisation: str | None = None  # set when the passage mentions the organisation searched for

    @property
    def snippet_spans(self) -> list[tuple[int, int]]:
        """The matched spans relative to `snippet` (for highlighting a result list)."""
        end = self.snippet_start + len(self.snippet)
        return [(max(s, self.snippet_start) - self.snippet_start, min(e, end) - self.snippet_start)
                for s, e in self.spans if s < end and e > self.snippet_start]


@dataclass
class _Term:
    text: str
    prefix: bool = False
    excluded: bool = False
    alternatives: list[_Term] = field(default_factory=list)

    def fts(self) -> str:
        return '"' + self.text.replace('"', '""') + '"' + (" *" if self.prefix else "")


def _searchable(text: str) -> bool:
    """True when FTS5's unicode61 tokenizer finds a word in it (letters, digits, private use)."""
    return any(unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "Co" for c in text)


def _terms(query: str) -> list[tuple[str, str, bool]]:
    """Split a query into (kind, text, prefix) tokens; kind is word, phrase, or, not, minus."""
    tokens: list[tuple[str, str, bool]] = []
    index, length = 0, len(query)
    while index < length:
        char = query[index]
        if char.isspace():
            index += 1
            continue
        if char == "-" and index + 1 < length and not query[index + 1].isspace():
            tokens.append(("minus", "", False))
            index += 1
            continue
        if char == '"':
            closing = query.find('"', index + 1)
            closing = length if closing == -1 else closing
            text, index = query[index + 1 : closing], closing + 1
            prefix = index < length and query[index] == "*"
            index += prefix
            tokens.append(("phrase", text, prefix))
            continue
        end = index
        while end < length and not query[end].isspace() and query[end] != '"':
            end += 1
        word, index = query[index:end], end
        if word in ("OR", "|"):
            tokens.append(("or", word, False))
        elif word == "NOT":
            tokens.append(("minus", "", False))
        elif word != "AND":
            tokens.append(("word", word.rstrip("*").lstrip("*"), word.endswith("*")))
    return tokens


def fts_query(query: str) -> str:
    """Translate the researcher's query language into an FTS5 expression (see the module docstring)."""
    groups: list[list[_Term]] = []
    excluded: list[_Term] = []
    pending_minus = pending_or = False
    for kind, text, prefix in _terms(query.replace("\x00", " ")):
        if kind == "minus":
            pending_minus = True
            continue
        if kind == "or":
            pending_or = bool(groups) and not pending_minus
            continue
        if _searchable(text):
            term = _Term(text, prefix)
            if pending_minus:
                excluded.append(term)
            elif pending_or:
                groups[-1].append(term)
            else:
                groups.append([term])
        pending_minus = pending_or = False
    if not groups:
        what = "only leaves words out" if excluded else "has no words to look for"
        raise CoderError(f"the search '{query.strip()}' {what}", fix='type a word or "a phrase" to look for, e.g. training -Lima')
    positive = " AND ".join(
        group[0].fts() if len(group) == 1 else "(" + " OR ".join(t.fts() for t in group) + ")" for group in groups
    )
    if excluded:
        return f"({positive}) NOT ({' OR '.join(t.fts() for t in excluded)})"
    return positive


def organisation_named(db: Database, query: str) -> tuple[int, str] | None:
    """The organisation whose name, alias or full name the whole query is (case and accents ignored)."""
    wanted = fold(" ".join(query.replace('"', " ").split()))
    if not wanted:
        return None
    for org_id, name, full_name, aliases in db.execute("SELECT id, name, full_name, aliases FROM organisations ORDER BY id"):
        spellings = [name, full_name or "", *json.loads(aliases or "[]")]
        if any(fold(" ".join(s.split())) == wanted for s in spellings if s):
            return org_id, name
    return None


def search(db: Database, query: str, *, document_id: int | None = None, limit: int | None = 500) -> list[Hit]:
    """Passages matching `query` (the query language above), in document order.

    Args:
        document_id: search only this document.
        limit: at most this many hits (the first ones in document order); None for all.
    """
    expression = fts_query(query)
    hits: dict[int, Hit] = {}
    try:
        rows = db.execute(
            "SELECT s.id, s.document_id, d.name, s.ordinal, s.start, s.end, s.speaker,"
            f" highlight(passages_fts, 0, '{OPEN}', '{CLOSE}')"
            " FROM passages_fts JOIN segments s ON s.id = passages_fts.rowid JOIN documents d ON d.id = s.document_id"
            " WHERE passages_fts MATCH :q AND (:doc IS NULL OR s.document_id = :doc)"
            " ORDER BY d.name, s.ordinal LIMIT :limit",
            {"q": expression, "doc": document_id, "limit": -1 if limit is None else limit},
        ).fetchall()
    except sqlite3.OperationalError as error:
        raise CoderError(f"cannot search for '{query.strip()}' ({error})",
                         fix='put unusual characters inside "double quotes", or search for plain words') from error
    for segment_id, doc_id, name, ordinal, start, end, speaker, marked in rows:
        hits[segment_id] = Hit(doc_id, name, ordinal, segment_id, start, end, "", _marked_spans(marked, start), speaker=speaker)
    organisation = organisation_named(db, query)
    if organisation is not None:
        _add_mentions(db, hits, organisation, document_id)
    ordered = sorted(hits.values(), key=lambda h: (h.document, h.ordinal))[: limit if limit is not None else None]
    _add_snippets(db, ordered)
    return ordered


def _marked_spans(marked: str, offset: int) -> list[tuple[int, int]]:
    """Spans of the text between the highlight markers, shifted by the passage's offset."""
    spans: list[tuple[int, int]] = []
    position, start = offset, None
    for char in marked:
        if char == OPEN:
            start = position
        elif char == CLOSE:
            if start is not None and position > start:
                spans.append((start, position))
            start = None
        else:
            position += 1
    return spans


def _add_mentions(db: Database, hits: dict[int, Hit], organisation: tuple[int, str], document_id: int | None) -> None:
    rows = db.execute(
        "SELECT s.id, s.document_id, d.name, s.ordinal, s.start, s.end, s.speaker, m.start, m.end"
        " FROM mentions m JOIN segments s ON s.document_id = m.document_id AND s.start <= m.start AND m.start < s.end"
        " JOIN documents d ON d.id = s.document_id"
        " WHERE m.organisation_id = :org AND (:doc IS NULL OR m.document_id = :doc) ORDER BY d.name, s.ordinal, m.start",
        {"org": organisation[0], "doc": document_id},
    ).fetchall()
    for segment_id, doc_id, name, ordinal, start, end, speaker, m_start, m_end in rows:
        hit = hits.get(segment_id)
        if hit is None:
            hit = hits[segment_id] = Hit(doc_id, name, ordinal, segment_id, start, end, "", [], speaker=speaker)
        hit.organisation = organisation[1]
        hit.spans = _union([*hit.spans, (m_start, m_end)])


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _add_snippets(db: Database, hits: list[Hit]) -> None:
    """A short excerpt around each hit's first match, cut at word boundaries."""
    for hit in hits:
        text = db.execute("SELECT substr(text, ?, ?) FROM documents WHERE id = ?",
                          [hit.start + 1, hit.end - hit.start, hit.document_id]).fetchone()[0]
        anchor = hit.spans[0][0] - hit.start if hit.spans else 0
        first = max(0, anchor - SNIPPET_BEFORE)
        last = min(len(text), anchor + SNIPPET_AFTER)
        if first > 0:
            space = text.find(" ", first, anchor)
            first = space + 1 if space != -1 else first
        if last < len(text):
            space = text.rfind(" ", anchor, last)
            last = space if space > anchor else last
        hit.snippet, hit.snippet_start = text[first:last], hit.start + first


def next_hit(hits: list[Hit], document_id: int, ordinal: int, direction: int = 1, *, document: str | None = None) -> Hit | None:
    """The hit after (direction +1) or before (-1) passage `ordinal` of a document, wrapping around.

    Args:
        document: the document's name, needed only when that document has no hits (to know
            where it falls in document order).
    """
    if not hits:
        return None
    names = {h.document_id: h.document for h in hits}
    name = names.get(document_id, document)
    if name is None:
        return hits[0] if direction > 0 else hits[-1]
    here = (name, ordinal)
    if direction > 0:
        return next((h for h in hits if (h.document, h.ordinal) > here), hits[0])
    return next((h for h in reversed(hits) if (h.document, h.ordinal) < here), hits[-1])


def hit_rows(hits: list[Hit]) -> list[dict[str, Any]]:
    """Hits as plain rows for tables, CSV and JSON (the CLI's output)."""
    return [{
        "document": h.document, "passage": h.ordinal, "speaker": h.speaker, "start": h.start, "end": h.end,
        "snippet": h.snippet, "spans": [list(s) for s in h.spans], "organisation": h.organisation,
    } for h in hits]
