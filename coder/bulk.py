"""Many codings arriving at once (a coding file): the one-coding rules applied to the whole set in memory.

`coding.apply_in` costs several statements per coding and reads the document's text for each one's
anchor; a file of 200,000 rows spent minutes there. Here the rows are grouped by document, coder and
code, the coder's codings already in the study are read once per document, and the same rule is played
out on them in Python — a coder's codings of one code never overlap, so a row overlapping others
becomes their union (their memos joined), while a row inside a single coding only sets its memo. What
changes is then written with one statement per kind of change, each quote and its context cut from
the document's text read once, and returned as the events log's ops, so that `coder doctor` accounts
for every coding as before. The caller has already refused every row that would replace a code of an
exclusive group (coding files check that in the file and against the study), so no other code is carved.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coder.coding import CONTEXT
from coder.db import Database, new_uuids, now
from coder.events import Op, accounted


@dataclass(frozen=True)
class Arrival:
    """One coding to apply: where, which code, whose, and its memo."""

    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    memo: str | None


@dataclass
class _Span:
    start: int
    end: int
    memo: str | None
    row: dict[str, Any] | None = None  # the study's coding this is (None: made by this load)
    memo_changed: bool = False


def apply_many(db: Database, arrivals: Sequence[Arrival]) -> tuple[list[Op], list[bool]]:
    """Apply every arrival, in order, inside the caller's transaction; returns the ops done, cut as
    `events.accounted` cuts a bulk write's, and for each arrival whether it made a new coding (False: a coding
    of the study or of an earlier row held it)."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for index, item in enumerate(arrivals):
        groups.setdefault((item.document_id, item.coder_id, item.code_id), []).append(index)
    existing = _existing(db, {(d, c) for d, c, _ in groups}, {k for _, _, k in groups})
    made = [False] * len(arrivals)
    deleted: list[dict[str, Any]] = []
    updated: list[_Span] = []
    new: list[tuple[tuple[int, int, int], _Span]] = []
    for key, indices in groups.items():
        spans = list(existing.get(key, []))
        for index in indices:
            made[index] = _apply(spans, arrivals[index])
        kept = {id(s) for s in spans}
        deleted += [s.row for s in existing.get(key, []) if s.row is not None and id(s) not in kept]
        updated += [s for s in spans if s.row is not None and s.memo_changed]
        new += [(key, s) for s in spans if s.row is None]
    return _write(db, deleted, updated, new), made


def _existing(db: Database, places: set[tuple[int, int]], codes: set[int]) -> dict[tuple[int, int, int], list[_Span]]:
    """The study's codings of the arrivals' documents, coders and codes, in order, per (document, coder, code)."""
    found: dict[tuple[int, int, int], list[_Span]] = {}
    columns = ("id", "uuid", "document_id", "code_id", "coder_id", "start", "end", "memo", "updated")
    for document_id, coder_id in sorted(places):
        for values in db.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM codings"
                                 " WHERE document_id = ? AND coder_id = ? ORDER BY start", [document_id, coder_id]):
            row = dict(zip(columns, values))
            if row["code_id"] in codes:
                found.setdefault((document_id, coder_id, row["code_id"]), []).append(
                    _Span(row["start"], row["end"], row["memo"], row))
    return found


def _apply(spans: list[_Span], item: Arrival) -> bool:
    """`coding.apply_in`'s rule for one code of one coder on a list of non-overlapping spans in order; True when
    it makes a new span."""
    first = bisect_right(spans, item.start, key=_end)  # the first span that ends after the item starts
    if first == len(spans) or spans[first].start >= item.end:  # overlaps none: the common case
        spans.insert(first, _Span(item.start, item.end, item.memo))
        return True
    last = first
    while last < len(spans) and spans[last].start < item.end:
        last += 1
    same = spans[first:last]
    if len(same) == 1 and same[0].start <= item.start and same[0].end >= item.end:
        if item.memo and item.memo != same[0].memo:
            same[0].memo, same[0].memo_changed = item.memo, True
        return False
    memos = [s.memo for s in same if s.memo] + ([item.memo] if item.memo else [])
    union = _Span(min([item.start, *(s.start for s in same)]), max([item.end, *(s.end for s in same)]),
                  "\n\n".join(dict.fromkeys(memos)) or None)
    spans[first:last] = [union]
    return True


def _end(span: _Span) -> int:
    return span.end


def _write(db: Database, deleted: list[dict[str, Any]], updated: list[_Span],
           new: list[tuple[tuple[int, int, int], _Span]]) -> list[Op]:
    """Delete, update and insert with one statement each; the ops as `Changes` would have recorded them."""
    stamp = now()
    ops: list[Op] = [["delete", "codings", row] for row in deleted]
    db.conn.executemany("DELETE FROM codings WHERE id = ?", [(row["id"],) for row in deleted])
    for span in updated:
        assert span.row is not None  # only the study's codings are updated
        ops.append(["update", "codings", span.row["id"], {"memo": span.row["memo"], "updated": span.row["updated"]},
                    {"memo": span.memo, "updated": stamp}])
    ops = accounted(ops)
    db.conn.executemany("UPDATE codings SET memo = ?, updated = ? WHERE id = ?",
                        [(span.memo, stamp, span.row["id"]) for span in updated if span.row is not None])
    new.sort(key=lambda item: item[0][0])  # by document: each text is read once
    rows = []
    text, text_of = "", None
    uuids = iter(new_uuids(len(new)))
    for (document_id, coder_id, code_id), span in new:
        if document_id != text_of:
            text, text_of = db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0], document_id
        rows.append((next(uuids), document_id, code_id, coder_id, span.start, span.end, text[span.start:span.end],
                     text[max(span.start - CONTEXT, 0):span.start], text[span.end:span.end + CONTEXT], span.memo, stamp, stamp))
    before = db.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0]
    db.conn.executemany("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, prefix, suffix, memo,"
                        " status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?)", rows)
    ids = dict(db.execute("SELECT uuid, id FROM codings WHERE id > ?", [before]).fetchall())
    columns = ("uuid", "document_id", "code_id", "coder_id", "start", "end")
    ops += [["insert", "codings", {"id": ids[row[0]], **dict(zip(columns, row))}] for row in rows]
    return ops
