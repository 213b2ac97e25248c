"""Keyword suggestions: passages whose words match a code's `keywords`, offered but never applied.

A spaCy PhraseMatcher on the NORM attribute (lower case, no accents — see `coder.nlp`) is
built from the active codes' keywords, so "Capacitación" in a keyword list finds
"CAPACITACION" in a transcript. Actor codes are left out: organisation mentions, found at
import, already point at them. spaCy costs about 1.3 s to import, so it is loaded on the
first call, and matchers are cached per language and keyword set.

Suggestions help only where they are wanted: none on interviewer turns (the rule is
`coder.turns`; the study setting `suggest_interviewer_turns` = `on` brings them back), none of
a code the coder dismissed on that passage or removed from it (`coder.dismissals`), and each
says which words of the passage triggered it (`triggers`).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from coder.coding import apply_in, check_version, code_ref, passage_span
from coder.db import Database, set_setting, setting, transaction
from coder.dismissals import dismiss_in, dismissed
from coder.errors import CoderError
from coder.events import writing
from coder.turns import interviewer_passages

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from spacy.matcher import PhraseMatcher
    from spacy.tokenizer import Tokenizer

CACHE_SIZE = 16  # documents whose suggestions are kept (before filtering by coder)
INTERVIEWER_SETTING = "suggest_interviewer_turns"  # "on": suggest on interviewer turns too


@dataclass(frozen=True)
class Suggestion:
    """A code suggested for a passage because `keyword` occurs at [start, end) (absolute offsets)."""

    code_id: int
    code: str  # the code's path, group/name
    keyword: str
    start: int
    end: int


@dataclass(frozen=True)
class _Keyword:
    code_id: int
    code: str
    keyword: str
    ordinal: int


_matchers: dict[tuple[str, str], tuple[PhraseMatcher, dict[int, _Keyword]]] = {}
_results: OrderedDict[tuple[Any, ...], dict[int, list[Suggestion]]] = OrderedDict()


def keyword_table(db: Database) -> list[_Keyword]:
    """Every keyword of the active codes that keywords can suggest (not actor codes)."""
    rows = db.execute(
        "SELECT c.id, g.name || '/' || c.name, c.keywords, g.ordinal * 100000 + c.ordinal FROM codes c"
        " JOIN code_groups g ON g.id = c.group_id"
        " WHERE c.active = 1 AND c.organisation_id IS NULL AND g.generate IS NULL AND c.keywords != '[]'"
        " ORDER BY g.ordinal, c.ordinal"
    ).fetchall()
    table = []
    for code_id, path, keywords, ordinal in rows:
        for keyword in json.loads(keywords):
            if str(keyword).strip():
                table.append(_Keyword(code_id, path, str(keyword).strip(), ordinal))
    return table


def _version(table: list[_Keyword]) -> str:
    """A fingerprint of the keywords: the matcher is rebuilt whenever a keyword or code changes."""
    return hashlib.sha256(json.dumps([(k.code_id, k.code, k.keyword) for k in table]).encode()).hexdigest()


def matcher(language: str, table: list[_Keyword], version: str | None = None) -> tuple[PhraseMatcher, dict[int, _Keyword]]:
    """A PhraseMatcher over the keywords, cached per (language, keyword version)."""
    version = version or _version(table)
    cached = _matchers.get((language, version))
    if cached is not None:
        return cached
    from spacy.matcher import PhraseMatcher  # spaCy is already loaded by coder.nlp.pipeline below

    from coder.nlp import pipeline

    nlp = pipeline(language)
    phrase_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    labels: dict[int, _Keyword] = {}
    for index, keyword in enumerate(table):
        label = f"kw{index}"
        phrase_matcher.add(label, [nlp.make_doc(keyword.keyword)])
        labels[nlp.vocab.strings[label]] = keyword
    if len(_matchers) >= 8:
        _matchers.pop(next(iter(_matchers)))
    _matchers[(language, version)] = (phrase_matcher, labels)
    return phrase_matcher, labels


def suggest_on_interviewer_turns(db: Database) -> bool:
    """Whether suggestions are made on interviewer turns too (off unless the study says `on`)."""
    return setting(db, INTERVIEWER_SETTING) == "on"


def set_suggest_on_interviewer_turns(db: Database, on: bool) -> None:
    set_setting(db, INTERVIEWER_SETTING, "on" if on else None)


def suggestions(db: Database, document_id: int, *, coder_id: int | None = None,
                interviewer: bool | None = None) -> dict[int, list[Suggestion]]:
    """Suggested codes per passage ordinal of a document, in text order.

    Args:
        coder_id: leave out codes this coder already applied to the passage, or dismissed or removed there.
        interviewer: suggest on interviewer turns too (default: the study's setting, off).
    """
    row = db.execute("SELECT language, sha256, version FROM documents WHERE id = ?", [document_id]).fetchone()
    if row is None:
        raise CoderError(f"document {document_id} does not exist", fix="refresh and pick a document again")
    table = keyword_table(db)
    if not table:
        return {}
    version = _version(table)
    key = (document_id, row[1], row[2], row[0], version)
    found = _results.get(key)
    if found is None:
        found = _match_document(db, document_id, row[0] or "en", table, version)
        _results[key] = found
        while len(_results) > CACHE_SIZE:
            _results.popitem(last=False)
    else:
        _results.move_to_end(key)
    if not (suggest_on_interviewer_turns(db) if interviewer is None else interviewer):
        asking = interviewer_passages(db, document_id)
        found = {ordinal: items for ordinal, items in found.items() if ordinal not in asking}
    if coder_id is None:
        return {ordinal: list(items) for ordinal, items in found.items()}
    return without_dismissed(db, document_id, coder_id, _without_coded(db, document_id, coder_id, found))


def without_dismissed(db: Database, document_id: int, coder_id: int,
                      found: dict[int, list[Suggestion]]) -> dict[int, list[Suggestion]]:
    """The suggestions but those the coder dismissed, or whose code the coder removed, on their passage."""
    gone = dismissed(db, document_id, coder_id)
    if not gone:
        return found
    kept = {ordinal: [s for s in items if (ordinal, s.code_id) not in gone] for ordinal, items in found.items()}
    return {ordinal: items for ordinal, items in kept.items() if items}


def triggers(items: list[Suggestion]) -> dict[int, list[str]]:
    """The words that triggered each suggested code (its keywords found in the passage), code id → keywords."""
    words: dict[int, list[str]] = {}
    for item in items:
        found = words.setdefault(item.code_id, [])
        if item.keyword not in found:
            found.append(item.keyword)
    return words


def _match_document(db: Database, document_id: int, language: str, table: list[_Keyword], version: str) -> dict[int, list[Suggestion]]:
    phrase_matcher, labels = matcher(language, table, version)
    from coder.nlp import pipeline

    tokenizer = cast("Tokenizer", pipeline(language).tokenizer)  # Language types it as any callable
    segments = db.execute(
        "SELECT s.ordinal, s.start, substr(d.text, s.start + 1, s.end - s.start) FROM segments s"
        " JOIN documents d ON d.id = s.document_id WHERE s.document_id = ? ORDER BY s.ordinal", [document_id]
    ).fetchall()
    result: dict[int, list[Suggestion]] = {}
    for (ordinal, offset, _), doc in zip(segments, tokenizer.pipe(s[2] for s in segments)):
        found: list[tuple[int, _Keyword, int, int]] = []
        for label, first, last in phrase_matcher(doc):
            keyword = labels[label]
            span = doc[first:last]
            found.append((keyword.ordinal, keyword, offset + span.start_char, offset + span.end_char))
        kept: dict[tuple[int, int, int], Suggestion] = {}
        for _, keyword, start, end in sorted(found, key=lambda f: (f[2], f[0], -f[3])):
            inside = any(o.code_id == keyword.code_id and o_start <= start and end <= o_end and (o_start, o_end) != (start, end)
                         for _, o, o_start, o_end in found)  # a keyword within a longer one of the same code
            if not inside:
                kept.setdefault((keyword.code_id, start, end), Suggestion(keyword.code_id, keyword.code, keyword.keyword, start, end))
        if kept:
            result[ordinal] = list(kept.values())
    return result


def _without_coded(db: Database, document_id: int, coder_id: int, found: dict[int, list[Suggestion]]) -> dict[int, list[Suggestion]]:
    codings = db.execute("SELECT code_id, start, end FROM codings WHERE document_id = ? AND coder_id = ?",
                         [document_id, coder_id]).fetchall()
    spans = {ordinal: span for ordinal, *span in db.execute(
        "SELECT ordinal, start, end FROM segments WHERE document_id = ?", [document_id])}
    result: dict[int, list[Suggestion]] = {}
    for ordinal, items in found.items():
        start, end = spans[ordinal]
        coded = {code for code, s, e in codings if s < end and e > start}
        left = [s for s in items if s.code_id not in coded]
        if left:
            result[ordinal] = left
    return result


def accept_suggestion(db: Database, document_id: int, ordinal: int, code_id: int, coder: int, *, version: int | None = None) -> int:
    """Apply a suggested code to the whole passage (one undoable event); returns the coding's id."""
    code = code_ref(db, code_id)
    with transaction(db):  # the passage is read under the write lock, with the text's version
        check_version(db, document_id, version)
        start, end = passage_span(db, document_id, ordinal)
        with writing(db, "accept_suggestion", coder_id=coder, summary=f"accept suggestion {code.path} at {start}-{end}") as changes:
            return apply_in(changes, document_id, code, coder, start, end)


def dismiss_suggestion(db: Database, document_id: int, ordinal: int, code_id: int, coder: int, *,
                       version: int | None = None) -> bool:
    """The coder turns a suggested code down for a passage: it is not suggested there again (one undoable event).

    Returns False when it was already dismissed (nothing written)."""
    code = code_ref(db, code_id)
    with transaction(db):
        check_version(db, document_id, version)
        start, end = passage_span(db, document_id, ordinal)
        with writing(db, "dismiss_suggestion", coder_id=coder,
                     summary=f"dismiss suggestion {code.path} at {start}-{end}") as changes:
            return dismiss_in(changes, document_id, code_id, coder, start, end) > 0


def suggestions_in_study(study_root: Path | str, document_id: int, coder_id: int | None = None) -> dict[int, list[Suggestion]]:
    """`suggestions` for a study given by its folder, on a connection of its own (for a thread or another process)."""
    from coder.study import Study, connect_study

    db = connect_study(Study(Path(study_root)))
    try:
        return suggestions(db, document_id, coder_id=coder_id)
    finally:
        db.close()


Suggester = Callable[[Path, int], dict[int, list[Suggestion]]]  # (study folder, document id) → suggestions per passage


class SuggestionProcess:
    """Finds suggestions in one helper process, started on first use: spaCy's import (≈1.3 s) and its
    matching are heavy on the CPU, and in a process of their own they never hold up the workbench."""

    def __init__(self) -> None:
        self._pool: Executor | None = None
        # The process is spawned later, perhaps while Textual holds stderr; multiprocessing's resource
        # tracker must start now, while stderr is still the real one it hands to its own process.
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()

    def __call__(self, study_root: Path, document_id: int) -> dict[int, list[Suggestion]]:
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor  # 40 ms, once a process is needed
            from multiprocessing import get_context

            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        return self._pool.submit(suggestions_in_study, str(study_root), document_id).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
