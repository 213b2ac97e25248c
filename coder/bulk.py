"""Many codings arriving at once (a coding file): the one-coding rules applied to the whole set in memory.

`coding.apply_in` costs several statements per coding and reads the document's text for each one's
anchor; a file of 200,000 rows spent minutes there. Here the rows are grouped by document, coder and
code, the coder's codings already in the study are read once per document, and the same rule is played
out on them in Python — a coder's codings of one code never overlap, so a row overlapping others
becomes their union (their memos joined), while a row inside a single coding only sets its memo. What
changes is then written a document at a time, each quote and its context cut from the document's text
read once, and the events log's ops are written as JSON text as it goes, so that `coder doctor` accounts
for every coding as before. The caller has already refused every row that would replace a code of an
exclusive group (coding files check that in the file and against the study), so no other code is carved.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from coder.coding import CONTEXT
from coder.db import Database, new_uuids, now
from coder.errors import CoderError
from coder.events import Op, accounted

Key = tuple[int, int, int]  # document, coder, code
New = tuple[int, int, int, int, int, str | None, str | None, str | None]  # document, coder, code, start, end, memo, uuid, created


@dataclass(frozen=True, slots=True)
class Arrival:
    """One coding to apply: where, which code, whose, and its memo."""

    document_id: int
    code_id: int
    coder_id: int
    start: int
    end: int
    memo: str | None
    uuid: str | None = None  # kept when the coding comes whole (another tool's GUID); else a new one
    created: str | None = None


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    memo: str | None
    row: dict[str, Any] | None = None  # the study's coding this is (None: made by this load)
    memo_changed: bool = False
    uuid: str | None = None
    created: str | None = None


def apply_many(db: Database, arrivals: Sequence[Arrival]) -> tuple[str, list[bool]]:
    """Apply every arrival, in order, inside the caller's transaction; returns the ops done as the events log's
    JSON, cut as `events.accounted` cuts a bulk write's, and for each arrival whether it made a new coding
    (False: a coding of the study or of an earlier row held it). One document at a time: what is held is a
    document's worth of rows, and the log's text."""
    by_document: dict[int, list[int]] = {}
    for index, item in enumerate(arrivals):
        by_document.setdefault(item.document_id, []).append(index)
    made = [True] * len(arrivals)
    uuids = iter(sorted(new_uuids(len(arrivals))))  # handed out in order, so the uuid index fills in order
    stamp = now()
    pieces = []
    for document_id in sorted(by_document):
        text = _text(db, document_id)
        length = len(text)
        groups: dict[Key, list[int]] = {}
        for index in by_document.pop(document_id):
            item = arrivals[index]
            if item.start < 0 or item.end <= item.start or item.end > length:  # as coding.apply_in refuses it
                raise CoderError(f"span {item.start}-{item.end} is outside the document (0-{length})",
                                 fix="use offsets inside the text, start < end")
            groups.setdefault((document_id, item.coder_id, item.code_id), []).append(index)
        existing = _existing(db, document_id, {c for _, c, _ in groups}, {k for _, _, k in groups})
        deleted: list[dict[str, Any]] = []
        updated: list[_Span] = []
        new: list[New] = []
        for key, indices in groups.items():
            items = [arrivals[i] for i in indices]
            if key not in existing and _apart(items):  # the common case: each row a coding of its own
                new += [(*key, item.start, item.end, item.memo, item.uuid, item.created) for item in items]
                continue
            spans = list(existing.get(key, []))
            for index in indices:
                made[index] = _apply(spans, arrivals[index])
            kept = {id(s) for s in spans}
            deleted += [s.row for s in existing.get(key, []) if s.row is not None and id(s) not in kept]
            updated += [s for s in spans if s.row is not None and s.memo_changed]
            new += [(*key, s.start, s.end, s.memo, s.uuid, s.created) for s in spans if s.row is None]
        pieces.append(_write(db, document_id, text, deleted, updated, sorted(new, key=lambda n: n[:5]), uuids, stamp))
    return "[" + ",".join(piece for piece in pieces if piece) + "]", made


def _text(db: Database, document_id: int) -> str:
    """The document's text, read once: it bounds the spans and gives each new coding its quote."""
    row = db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()
    if row is None:
        raise CoderError(f"document {document_id} does not exist", fix="refresh and pick a document again")
    return row[0]


def _apart(items: list[Arrival]) -> bool:
    """True when no two of the rows overlap."""
    spans = sorted((item.start, item.end) for item in items)
    return all(before[1] <= after[0] for before, after in zip(spans, spans[1:]))


def _existing(db: Database, document_id: int, coders: set[int], codes: set[int]) -> dict[Key, list[_Span]]:
    """The study's codings of a document by the arrivals' coders and of their codes, in order, per (document, coder, code)."""
    found: dict[Key, list[_Span]] = {}
    columns = ("id", "uuid", "document_id", "code_id", "coder_id", "start", "end", "memo", "updated")
    for coder_id in sorted(coders):
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
    if not same:  # the item's own coding, whole: its uuid and time come with it
        union.uuid, union.created = item.uuid, item.created
    spans[first:last] = [union]
    return True


def _end(span: _Span) -> int:
    return span.end


def _write(db: Database, document_id: int, text: str, deleted: list[dict[str, Any]], updated: list[_Span],
           new: list[New], uuids: Iterator[str], stamp: str) -> str:
    """Delete, update, then insert a document's codings; returns their ops as JSON (the log's list without brackets)."""
    ops: list[Op] = [["delete", "codings", row] for row in deleted]
    db.conn.executemany("DELETE FROM codings WHERE id = ?", [(row["id"],) for row in deleted])
    for span in updated:
        assert span.row is not None  # only the study's codings are updated
        ops.append(["update", "codings", span.row["id"], {"memo": span.row["memo"], "updated": span.row["updated"]},
                    {"memo": span.memo, "updated": stamp}])
    db.conn.executemany("UPDATE codings SET memo = ?, updated = ? WHERE id = ?",
                        [(span.memo, stamp, span.row["id"]) for span in updated if span.row is not None])
    pieces = [json.dumps(op, separators=(",", ":")) for op in accounted(ops)]
    if new:
        values = [(uuid or next(uuids), document_id, code_id, coder_id, start, end, text[start:end],
                   text[max(start - CONTEXT, 0):start], text[end:end + CONTEXT], memo, created or stamp, stamp)
                  for _, coder_id, code_id, start, end, memo, uuid, created in new]
        before = db.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0]
        db.conn.executemany("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, prefix, suffix,"
                            " memo, status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?)", values)
        ids = dict(db.execute("SELECT uuid, id FROM codings WHERE id > ?", [before]).fetchall())
        pieces += [f'["insert","codings",{{"id":{ids[uuid]},"uuid":"{uuid}","document_id":{document_id},"code_id":{code_id},'
                   f'"coder_id":{coder_id},"start":{start},"end":{end}}}]' for uuid, _, code_id, coder_id, start, end, *_ in values]
    return ",".join(pieces)
