"""Re-anchoring: carrying codings and memos over to a new version of their transcript.

A transcript edited after it was coded (a typo fixed, a turn added, removed or moved) must not
lose a single coding, nor move one silently. Each coding is placed on the new text in three steps:

1. **Diff.** The old and new texts are aligned (lines first, then words, then characters inside
   the stretches that changed), which maps every unchanged character to its new offset. A coding
   whose first and last characters map, and whose new text is exactly its stored quote, is placed
   there (`moved` when its offsets changed) — if the quote occurs once in the old text and once in
   the new, or its stored prefix and suffix confirm that copy with real words and no other copy (a
   diff can pair two copies of a repeated turn the wrong way round).
2. **Quote search.** Otherwise its quote is looked for in the new text. It is taken (`relocated`: a
   turn moved elsewhere keeps its codings) only when it occurs exactly once and either its stored
   prefix and suffix confirm it with real words — a speaker label or whitespace alone is no
   evidence, every turn has them — or it is long enough to be unmistakable and occurred only once
   in the old text too. A quote found in several places is never placed by a guess.
3. **Review.** A coding still not placed keeps its original quote, prefix and suffix and is
   flagged: `changed` (its text was edited; it covers the diff's estimate of the edited text) or
   `orphaned` (its text is gone; it marks one character where the text used to be), with the places
   its quote now occurs as candidates. Such codings show in `coder doctor` until a coder accepts
   them (where they are, or at a candidate) or recodes them.

Memos on spans are placed the same way, their old text standing in for the quote.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from coder.coding import CONTEXT  # characters of prefix and suffix kept with each quote
from coder.corpus.passages import LABEL
from coder.db import Database, now
from coder.events import Changes

EVIDENCE = 12  # context characters (not a speaker label, not whitespace) that must agree before a quote found elsewhere is trusted
UNIQUE_QUOTE = 20  # a quote this long, once in the old text and once in the new, needs no context to be trusted
MAX_CANDIDATES = 1000  # occurrences of a quote examined (short quotes can be everywhere)
MAX_LISTED = 10  # places listed, numbered, for a coding or memo left for review whose quote occurs more than once
CHARACTER_DIFF = 4_000  # stretches up to this many characters are compared character by character
WORD_DIFF_EXACT = 20_000  # up to this many words the word diff considers every word (autojunk off)

REVIEW = ("changed", "orphaned")  # statuses of codings and memos that need a coder's eye
Block = tuple[int, int, int]  # old start, new start, length of an unchanged stretch

# Lines with the blank lines after them (so blank lines never anchor a match); words with their spaces.
LEVELS = (re.compile(r"[^\n]*\n*|[^\n]+"), re.compile(r"\s*\S+|\s+"))


class Alignment:
    """Which characters of the old text survive unchanged in the new one, and where."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        blocks: list[Block] = []
        _align(old, new, 0, len(old), 0, len(new), 0, blocks)
        self.blocks = [(0, 0, 0), *blocks, (len(old), len(new), 0)]
        self.starts = [b[0] for b in self.blocks]

    def _block(self, position: int) -> int:
        return bisect_right(self.starts, position) - 1

    def exact(self, position: int) -> int | None:
        """The new offset of the old character at `position`, if it survived unchanged."""
        a, b, size = self.blocks[self._block(position)]
        return b + position - a if position < a + size else None

    def estimate(self, position: int) -> int:
        """The best guess for an old boundary's new offset (proportional inside an edited stretch)."""
        index = self._block(position)
        a, b, size = self.blocks[index]
        if position < a + size:
            return b + position - a
        old_from, new_from = a + size, b + size
        if index + 1 >= len(self.blocks):
            return len(self.new)
        old_to, new_to = self.blocks[index + 1][0], self.blocks[index + 1][1]
        if old_to <= old_from:
            return new_from
        return new_from + round((position - old_from) * (new_to - new_from) / (old_to - old_from))

    def span(self, start: int, end: int) -> tuple[int, int, bool]:
        """The new span of an old one, and whether both its edge characters survived."""
        first, last = self.exact(start), self.exact(end - 1)
        new_start = first if first is not None else self.estimate(start)
        new_end = last + 1 if last is not None else self.estimate(end)
        return new_start, max(new_end, new_start), first is not None and last is not None


def _align(old: str, new: str, a0: int, a1: int, b0: int, b1: int, level: int, out: list[Block]) -> None:
    """Unchanged stretches between old[a0:a1] and new[b0:b1], refining edited stretches a level down."""
    if a0 == a1 or b0 == b1:
        return
    if level == len(LEVELS):
        if a1 - a0 <= CHARACTER_DIFF and b1 - b0 <= CHARACTER_DIFF:
            matcher = SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False)
            out.extend((a0 + i, b0 + j, n) for i, j, n in matcher.get_matching_blocks() if n)
        return
    old_tokens, old_at = _tokens(old, a0, a1, LEVELS[level])
    new_tokens, new_at = _tokens(new, b0, b1, LEVELS[level])
    # Common words ("the", "de") would make an exact word diff quadratic on long texts; above this size
    # difflib's popularity heuristic skips them as anchors, and the stretches between anchors are refined anyway.
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=len(new_tokens) > WORD_DIFF_EXACT)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append((old_at[i1], new_at[j1], old_at[i2] - old_at[i1]))
        elif tag == "replace":
            _align(old, new, old_at[i1], old_at[i2], new_at[j1], new_at[j2], level + 1, out)


def _tokens(text: str, start: int, end: int, pattern: re.Pattern[str]) -> tuple[list[str], list[int]]:
    """The tokens of text[start:end] and their offsets (with the end offset appended)."""
    tokens, offsets = [], []
    for match in pattern.finditer(text, start, end):
        if match.end() > match.start():
            tokens.append(match.group())
            offsets.append(match.start())
    offsets.append(end)
    return tokens, offsets


# Placing one quote ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    """What a coding or memo remembers of its text: where it was, the text itself and its surroundings."""

    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    outcome: str  # unchanged | moved | relocated | changed | orphaned

    @property
    def status(self) -> str:
        return self.outcome if self.outcome in REVIEW else "ok"


def place(selector: Selector, alignment: Alignment) -> Place:
    """Where a selector lands in the new text (see the module docstring for the rules)."""
    new = alignment.new
    start, end, edges = alignment.span(selector.start, selector.end)
    if edges and new[start:end] == selector.quote:
        if (start, end) == (selector.start, selector.end):
            return Place(start, end, "unchanged")
        if _beyond_doubt(alignment, start, selector):
            return Place(start, end, "moved")
        # A quote the texts repeat, its surroundings changed: the diff may have paired the wrong copy.
    found = find_quote(new, selector, old=alignment.old)
    if found is not None:
        return Place(found, found + len(selector.quote), "relocated")
    if end > start and new[start:end].strip():
        return Place(start, end, "changed")
    at = min(max(alignment.estimate(selector.start), 0), max(len(new) - 1, 0))
    return Place(at, at + 1, "orphaned")


def find_quote(text: str, selector: Selector, *, old: str) -> int | None:
    """Where the quote now is, when that is beyond doubt: it occurs once, and its context confirms it with
    real words (or it is long enough to be unmistakable and the old text held no other copy to mistake
    it for); None otherwise — a coder must choose."""
    quote = selector.quote
    if not quote.strip():
        return None
    found = candidates(text, quote, limit=2)
    if len(found) != 1:
        return None  # nowhere, or in several places: never a guess between copies of a short turn
    at = found[0]
    return at if confirmed(text, at, selector) or (len(quote) >= UNIQUE_QUOTE and _once(old, quote)) else None


def _once(text: str, quote: str) -> bool:
    return len(candidates(text, quote, limit=2)) == 1


def _beyond_doubt(alignment: Alignment, at: int, selector: Selector) -> bool:
    """Whether the copy of the quote the diff paired the coding with is surely its own: the context confirms it
    and no other copy, or there was and is no other copy (the old text is scanned only then: a pass costs)."""
    others = [other for other in candidates(alignment.new, selector.quote) if other != at]
    if any(confirmed(alignment.new, other, selector) for other in others):
        return False
    return confirmed(alignment.new, at, selector) or (not others and _once(alignment.old, selector.quote))


def confirmed(text: str, at: int, selector: Selector) -> bool:
    """Whether the text around the quote at `at` agrees with its stored prefix and suffix in real words
    (a speaker label or whitespace is no evidence: every turn has them)."""
    before, after = _context_agreeing(text, at, selector)
    stored = _words_in(selector.prefix, 0, len(selector.prefix)) + _words_in(selector.suffix, 0, len(selector.suffix))
    if stored == 0 or before + after < min(stored, EVIDENCE):
        return False  # too little agrees to hold enough words: the quick answer at most copies of a short quote
    end = at + len(selector.quote)
    evidence = _words_in(text, at - before, at) + _words_in(text, end, end + after)
    return evidence >= min(stored, EVIDENCE)


def candidates(text: str, quote: str, *, limit: int = MAX_CANDIDATES) -> list[int]:
    """Where a quote occurs in a text (at most `limit` places): the places a coder may choose from."""
    return list(_occurrences(text, quote, limit)) if quote.strip() else []


def _words_in(text: str, start: int, end: int) -> int:
    """Characters of text[start:end] that are neither whitespace nor part of a speaker label (`INTERVIEWER:`)."""
    start, end = max(start, 0), min(end, len(text))
    if start >= end:
        return 0
    count = _non_space(text[start:end])
    for label in LABEL.finditer(text, text.rfind("\n", 0, start) + 1, min(len(text), end + 80)):
        if label.start() >= end:
            break
        count -= _non_space(text[max(label.start(), start) : min(label.end(), end)])
    return count


def _non_space(text: str) -> int:
    return len(text) - sum(map(str.isspace, text))


def _occurrences(text: str, quote: str, limit: int = MAX_CANDIDATES) -> Iterator[int]:
    at = text.find(quote)
    count = 0
    while at >= 0 and count < limit:
        yield at
        count += 1
        at = text.find(quote, at + 1)


def _context_agreeing(text: str, at: int, selector: Selector) -> tuple[int, int]:
    """How many characters of the stored prefix (backwards) and of the suffix (forwards) agree with the text here."""
    before = text[max(at - len(selector.prefix), 0) : at]
    after = text[at + len(selector.quote) : at + len(selector.quote) + len(selector.suffix)]
    agreed = [0, 0]
    for side, pairs in enumerate((zip(reversed(before), reversed(selector.prefix)), zip(after, selector.suffix))):
        for x, y in pairs:
            if x != y:
                break
            agreed[side] += 1
    return agreed[0], agreed[1]


def context(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix a selector keeps around text[start:end]."""
    return text[max(start - CONTEXT, 0) : start], text[end : end + CONTEXT]


@dataclass(frozen=True)
class Candidate:
    """A place where the quote of a coding or memo left for review now occurs: one a coder may choose."""

    start: int
    end: int
    passage: int | None

    def describe(self) -> str:
        return f"passage {self.passage} ({self.start}-{self.end})" if self.passage else f"{self.start}-{self.end}"


def candidate_places(db: Database, document_id: int, text: str, quote: str, *, limit: int = MAX_LISTED) -> list[Candidate]:
    """Where a quote occurs in its document's current text, with the passage of each place (at most `limit`)."""
    return [Candidate(at, at + len(quote), db.execute("SELECT min(ordinal) FROM segments WHERE document_id = ? AND end > ?",
                                                      [document_id, at]).fetchone()[0])
            for at in candidates(text, quote, limit=limit)]


def listed(places: list[Candidate]) -> str:
    """The places, numbered from 1 as `coder doctor --accept ID:N` takes them."""
    more = " and more" if len(places) > MAX_LISTED else ""
    return ", ".join(f"[{n}] {c.describe()}" for n, c in enumerate(places[:MAX_LISTED], 1)) + more


# Re-anchoring a document's codings and memos ------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """What happened to one coding or memo when its document changed."""

    kind: str  # coding | memo
    id: int
    uuid: str
    document: str
    code: str | None
    coder: str | None
    quote: str
    old: tuple[int, int]
    new: tuple[int, int]
    outcome: str
    candidates: tuple[Candidate, ...] = ()  # for one left for review: where its quote now occurs (the first MAX_LISTED + 1)

    @property
    def needs_review(self) -> bool:
        return self.outcome in REVIEW

    def describe(self) -> str:
        what = f"{self.kind} {self.code or ''}".rstrip() + (f" ({self.coder})" if self.coder else "")
        quote = " ".join(self.quote.split())
        quote = quote if len(quote) <= 50 else quote[:49] + "…"
        moves = f"{self.old[0]}-{self.old[1]} → {self.new[0]}-{self.new[1]}"
        places = f"; its quote is now at {listed(list(self.candidates))}" if self.candidates else ""
        return f"{self.document}: {what} “{quote}” {self.outcome} ({moves}){places}"


def reanchor_document(changes: Changes, document_id: int, name: str, old: str, new: str) -> list[Placement]:
    """Place every coding and span memo of a document on its new text; inside the caller's transaction.

    Returns one Placement per coding and memo (unchanged ones included). The updates are recorded
    in `changes`, so the event that logs the import says what moved where.
    """
    db = changes.db
    codings = _rows(db, "SELECT c.id, c.uuid, c.start, c.end, c.quote, c.prefix, c.suffix, c.status, c.updated, c.code_id,"
                        " c.coder_id, g.name || '/' || k.name AS code_path, r.name AS coder_name FROM codings c"
                        " JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id"
                        " JOIN coders r ON r.id = c.coder_id WHERE c.document_id = ? ORDER BY c.start, c.id", document_id)
    memos = _rows(db, "SELECT m.id, m.uuid, m.start, m.end, m.status, r.name AS coder_name FROM memos m"
                      " LEFT JOIN coders r ON r.id = m.coder_id WHERE m.document_id = ? AND m.start IS NOT NULL"
                      " AND m.end > m.start ORDER BY m.start, m.id", document_id)
    if not codings and not memos:
        return []
    alignment = Alignment(old, new)
    placements: list[Placement] = []
    planned: list[tuple[dict[str, Any], Place]] = []
    taken: set[tuple[int, int, int, int]] = set()
    for row in codings:
        selector = Selector(row["start"], row["end"], row["quote"], row["prefix"], row["suffix"])
        spot = _free(place(selector, alignment), taken, (row["code_id"], row["coder_id"]), len(new))
        planned.append((row, spot))
        places = candidate_places(db, document_id, new, row["quote"], limit=MAX_LISTED + 1) if spot.status != "ok" else []
        placements.append(Placement("coding", row["id"], row["uuid"], name, row["code_path"], row["coder_name"],
                                    row["quote"], (row["start"], row["end"]), (spot.start, spot.end), spot.outcome, tuple(places)))
    # Codings of one code and coder are unique by span: park them all beyond the new text first, so
    # that no coding's new span collides with another's old one while they are moved one by one.
    db.execute("UPDATE codings SET start = start + :shift, end = end + :shift WHERE document_id = :doc",
               {"shift": len(old) + len(new) + 1, "doc": document_id})
    stamp = now()
    for row, spot in planned:
        after: dict[str, Any] = {"start": spot.start, "end": spot.end, "status": spot.status}
        if spot.status == "ok":  # placed exactly: the selector follows the text; otherwise the original is kept
            after["quote"] = new[spot.start : spot.end]
            after["prefix"], after["suffix"] = context(new, spot.start, spot.end)
        changed = {k: v for k, v in after.items() if row[k] != v}
        if changed:
            changed["updated"] = stamp
            changes.ops.append(["update", "codings", row["id"], {k: row[k] for k in changed}, changed])
        values = after | changed
        db.execute(f"UPDATE codings SET {', '.join(f'[{k}] = ?' for k in values)} WHERE id = ?", [*values.values(), row["id"]])
    for row in memos:
        quote = old[row["start"] : row["end"]]
        selector = Selector(row["start"], row["end"], quote, *context(old, row["start"], row["end"]))
        spot = place(selector, alignment)
        fresh = spot.status != "ok" and row["status"] == "ok"  # one already flagged no longer knows its original text
        places = candidate_places(db, document_id, new, quote, limit=MAX_LISTED + 1) if fresh else []
        placements.append(Placement("memo", row["id"], row["uuid"], name, None, row["coder_name"], quote,
                                    (row["start"], row["end"]), (spot.start, spot.end), spot.outcome, tuple(places)))
        status = row["status"] if spot.status == "ok" and row["status"] in REVIEW else spot.status  # flagged until accepted
        if (spot.start, spot.end, status) != (row["start"], row["end"], row["status"]):
            changes.update("memos", row["id"], {"start": spot.start, "end": spot.end, "status": status, "updated": stamp})
    return placements


def _rows(db: Database, sql: str, document_id: int) -> list[dict[str, Any]]:
    cursor = db.execute(sql, [document_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def _free(spot: Place, taken: set[tuple[int, int, int, int]], owner: tuple[int, int], length: int) -> Place:
    """The placement, widened by a character at a time if another coding of the same code and coder is there
    (which only a coding left for review can meet, and a widened one always is)."""
    start, end = spot.start, spot.end
    while (*owner, start, end) in taken:
        if end < length:
            end += 1
        elif start > 0:
            start -= 1
        else:
            break
    taken.add((*owner, start, end))
    if (start, end) == (spot.start, spot.end):
        return spot
    return Place(start, end, spot.outcome if spot.outcome in REVIEW else "changed")


def report_lines(updated: list[str], placements: list[Placement]) -> list[str]:
    """What re-importing edited transcripts did to their codings and memos, for the terminal."""
    if not updated:
        return []
    review = [p for p in placements if p.needs_review]
    relocated = [p for p in placements if p.outcome == "relocated"]
    moved = sum(p.outcome == "moved" for p in placements)
    lines = [f"re-imported {', '.join(updated)} (changed on disk): {len(placements)} codings and memos re-anchored —"
             f" {moved} moved with the text, {len(relocated)} found again by their quote, {len(review)} need review"]
    lines += [f"  needs review: {p.describe()}" for p in review]
    if review:
        lines.append("  see them with: coder doctor")
    return lines
