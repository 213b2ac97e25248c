"""Auto-coding: one code applied to every passage found by words, a regular expression or a speaker.

Auto-coding is always two steps. `preview_autocode` lists what would be coded and why, and
changes nothing; `apply_autocode` then codes those passages (or only the matched text) in one
transaction logged as one event, so a single undo takes all of it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coder.coding import CodeRef, apply_in, check_version
from coder.db import Database, reading
from coder.errors import CoderError
from coder.events import writing
from coder.search import search
from coder.text import fold

UNITS = ("passage", "match")
EXCERPT = 100  # characters of the passage shown in a preview


@dataclass
class PassageMatch:
    """A passage that auto-coding would code; offsets are absolute (into documents.text)."""

    document_id: int
    document: str
    ordinal: int
    start: int  # the passage
    end: int
    excerpt: str  # the passage's beginning, or the text around its first match
    why: str  # what matched, in words
    spans: list[tuple[int, int]] = field(default_factory=list)  # the matched text (unit="match")
    speaker: str | None = None
    version: int | None = None  # of the document's text the offsets were read from


def preview_autocode(
    db: Database, *, query: str | None = None, regex: str | None = None, speaker: str | None = None,
    document_id: int | None = None, ignore_case: bool = True,
) -> list[PassageMatch]:
    """The passages that match, in document order; changes nothing.

    Give `query` (search words, as in `coder search`) or `regex` (a Python regular expression),
    `speaker` (a speaker label, e.g. RESPONDENT), or a speaker together with one of the others.

    Args:
        document_id: only this document (default: the whole study).
        ignore_case: for `regex`: match upper and lower case alike (the default).
    """
    if query is not None and regex is not None:
        raise CoderError("auto-coding takes words or a regular expression, not both", fix="drop --query or --regex")
    if not any(v and v.strip() for v in (query, regex, speaker)):
        raise CoderError("nothing to auto-code by", fix="give words (--query), a regular expression (--regex) or a speaker (--speaker)")
    wanted = _speakers(db, speaker, document_id) if speaker else None
    with reading(db):  # the passages and the versions of their texts from one snapshot
        matches = _matches(db, query, regex, document_id, ignore_case)
        versions = dict(db.execute("SELECT id, version FROM documents").fetchall())
    for match in matches:
        match.version = versions.get(match.document_id)
    if wanted is not None:
        matches = [m for m in matches if m.speaker is not None and fold(m.speaker.strip()) in wanted]
        for match in matches:
            match.why = f"speaker {match.speaker}" if not (query or regex) else f"{match.why}; speaker {match.speaker}"
            match.spans = match.spans or [(match.start, match.end)]
    return matches


def _matches(db: Database, query: str | None, regex: str | None, document_id: int | None, ignore_case: bool) -> list[PassageMatch]:
    if query is not None:
        matches = [
            PassageMatch(h.document_id, h.document, h.ordinal, h.start, h.end, h.snippet,
                         f"mentions {h.organisation}" if h.organisation else f"words: {query.strip()}",
                         list(h.spans), h.speaker)
            for h in search(db, query, document_id=document_id, limit=None)
        ]
    elif regex is not None:
        matches = _regex_matches(db, _compile(regex, ignore_case), document_id)
    else:
        matches = _passages(db, document_id)
    return matches


def _compile(regex: str, ignore_case: bool) -> re.Pattern[str]:
    try:
        return re.compile(regex, re.IGNORECASE if ignore_case else 0)
    except re.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        raise CoderError(f"invalid regular expression '{regex}': {error.msg}{where}",
                         fix=r"check brackets and escape special characters with \, e.g. \( or \.") from error


def _speakers(db: Database, speaker: str, document_id: int | None) -> set[str]:
    """The folded speaker label(s) asked for; an unknown label is an error that lists the known ones."""
    wanted = fold(" ".join(speaker.split()))
    known = {r[0] for r in db.execute("SELECT DISTINCT speaker FROM segments WHERE speaker IS NOT NULL"
                                      " AND (:doc IS NULL OR document_id = :doc)", {"doc": document_id})}
    if wanted not in {fold(k.strip()) for k in known}:
        listed = ", ".join(sorted(known)[:12]) or "none (passages are paragraphs)"
        raise CoderError(f"no passages by speaker '{speaker}'", fix=f"use one of the speaker labels: {listed}")
    return {wanted}


def _passages(db: Database, document_id: int | None) -> list[PassageMatch]:
    rows = db.execute(
        "SELECT s.document_id, d.name, s.ordinal, s.start, s.end, s.speaker, substr(d.text, s.start + 1, :n)"
        " FROM segments s JOIN documents d ON d.id = s.document_id WHERE (:doc IS NULL OR s.document_id = :doc)"
        " ORDER BY d.name, s.ordinal", {"doc": document_id, "n": EXCERPT},
    ).fetchall()
    return [PassageMatch(r[0], r[1], r[2], r[3], r[4], r[6], "", [], r[5]) for r in rows]


def _regex_matches(db: Database, pattern: re.Pattern[str], document_id: int | None) -> list[PassageMatch]:
    matches: list[PassageMatch] = []
    documents = db.execute("SELECT id, name, text FROM documents WHERE (:doc IS NULL OR id = :doc) ORDER BY name",
                           {"doc": document_id}).fetchall()
    for doc_id, name, text in documents:
        for ordinal, start, end, speaker in db.execute(
                "SELECT ordinal, start, end, speaker FROM segments WHERE document_id = ? ORDER BY ordinal", [doc_id]):
            spans = [m.span() for m in pattern.finditer(text, start, end) if m.end() > m.start()]  # offsets are absolute
            if spans:
                first = spans[0][0]
                excerpt = text[max(start, first - 30) : min(end, first + EXCERPT - 30)]
                matches.append(PassageMatch(doc_id, name, ordinal, start, end, excerpt,
                                            f"matches /{pattern.pattern}/: {text[spans[0][0]:spans[0][1]]!r}", spans, speaker))
    return matches


def apply_autocode(db: Database, code: CodeRef, matches: list[PassageMatch], coder_id: int, *, unit: str = "passage",
                   action: str = "autocode") -> int:
    """Code every previewed passage (unit="passage") or only the matched text (unit="match") as one event
    (`action`: the event's name in the history, `apply_learned` for learned suggestions).

    Returns how many spans were newly coded (spans the coder had already coded are left as they are).
    """
    if unit not in UNITS:
        raise CoderError(f"unknown unit '{unit}'", fix="use passage or match")
    active = db.execute("SELECT active FROM codes WHERE id = ?", [code.id]).fetchone()
    if not active or not active[0]:
        raise CoderError(f"code '{code.path}' is not in the codebook", fix="choose a current code (coder codebook)")
    spans = [(m.document_id, s, e) for m in matches for s, e in ([(m.start, m.end)] if unit == "passage" else m.spans)]
    coded = 0
    passages = len({(m.document_id, m.ordinal) for m in matches})
    summary = f"{action} {code.path} on {passages} passage{'s' * (passages != 1)}" + (" (matched text)" if unit == "match" else "")
    with writing(db, action, coder_id=coder_id, summary=summary) as changes:
        for document_id, version in {(m.document_id, m.version) for m in matches}:
            check_version(db, document_id, version)  # a preview of an older text codes nothing
        for document_id, start, end in dict.fromkeys(spans):
            before = len(changes.ops)
            apply_in(changes, document_id, code, coder_id, start, end)
            coded += len(changes.ops) > before
    return coded
