"""The counting rule for passages and documents in plain Python, for small studies in a process without numpy.

Importing numpy (≈0.1 s) takes longer than counting a study of some ten thousand codings in
Python, so while numpy is not loaded, a table of passages or documents of a study with at most
`SMALL` codings is counted here (`coder xtab` on such a study imports neither numpy nor pandas);
once numpy is loaded, its arrays are faster. The codings are mapped onto passages the way
`coder.spans.overlapping` maps them and kept per connection until the database changes, as
`passages.study_arrays` are. The counts are the same either way (tests/crosstab/test_plain.py
counts every table both ways).
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coder.crosstab.dimensions import Dimension
from coder.crosstab.result import Number
from coder.db import Database

SMALL = 25_000  # codings up to which passages and documents are counted in plain Python (W1: 10,000)
SHIFT = 1 << 32  # the document in the high bits: one sorted line across documents, as in `coder.spans`


@dataclass
class PlainHits:
    """Every (coding, passage it overlaps) pair of the study, as lists."""

    seg: list[int]  # index into seg_doc (the passages sorted by document and start)
    doc: list[int]
    code: list[int]
    coder: list[int]  # coder id
    seg_doc: list[int]


_CACHE: dict[int, tuple[Any, tuple[int, int], PlainHits | None]] = {}


def forget_hits() -> None:
    """Empty the per-connection cache."""
    _CACHE.clear()


def _ints(text: str | None) -> list[int]:
    return list(map(int, text.split(","))) if text else []


def small_study(db: Database) -> PlainHits | None:
    """The study's coding hits to count in plain Python; None when numpy is loaded already or the study is not small."""
    return None if "numpy" in sys.modules else plain_hits(db)


def plain_hits(db: Database) -> PlainHits | None:
    """The study's coding hits, or None when it has more than `SMALL` codings (count those with numpy)."""
    marker = (db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes)
    cached = _CACHE.get(id(db.conn))
    if cached and cached[0] is db.conn and cached[1] == marker:
        return cached[2]
    hits = None
    if db.execute("SELECT count(*) FROM codings").fetchone()[0] <= SMALL:
        row = db.execute("SELECT group_concat(document_id), group_concat(code_id), group_concat(coder_id),"
                         " group_concat(start), group_concat(end) FROM codings").fetchone()
        doc, code, coder, start, end = (_ints(column) for column in row)
        row = db.execute("SELECT group_concat(document_id), group_concat(start), group_concat(end) FROM segments").fetchone()
        passages = sorted(zip(*(_ints(column) for column in row)))  # by document, then start
        seg_doc = [d for d, _, _ in passages]
        starts = [d * SHIFT + s for d, s, _ in passages]
        ends = [d * SHIFT + e for d, _, e in passages]
        seg: list[int] = []
        which: list[int] = []
        for i, (d, s, e) in enumerate(zip(doc, start, end)):
            first = bisect_right(ends, d * SHIFT + s)  # the first passage ending after the coding starts
            last = bisect_left(starts, d * SHIFT + e)  # one past the last passage starting before it ends
            if last == first + 1:  # the usual case: a coding within one passage
                seg.append(first)
                which.append(i)
            else:
                seg.extend(range(first, last))
                which.extend([i] * max(last - first, 0))
        hits = PlainHits(seg, [doc[i] for i in which], [code[i] for i in which], [coder[i] for i in which], seg_doc)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(db.conn)] = (db.conn, marker, hits)
    return hits


def count(hits: PlainHits, rows: Dimension, columns: Dimension, coder_ids: Sequence[int], documents: list[int] | None,
          code_ids: Sequence[int] | None, *, by_document: bool, once_per_document: bool
          ) -> tuple[list[list[Number]], list[Number], list[Number], int]:
    """Cells, row totals, column totals and total of distinct passages (or documents), as `counting.tally` counts them."""
    dense = {c: i for i, c in enumerate(coder_ids)}
    n = max(len(coder_ids), 1)
    keep = [dense.get(c, -1) >= 0 for c in hits.coder]
    if documents is not None:
        wanted = set(documents)
        keep = [k and d in wanted for k, d in zip(keep, hits.doc)]
    if code_ids is not None:
        wanted = set(code_ids)
        keep = [k and c in wanted for k, c in zip(keep, hits.code)]
    # a unit is a passage (or document) and the coder, as one number: place × n + coder
    units = [(d if by_document else s) * n + dense.get(c, 0) for s, d, c in zip(hits.seg, hits.doc, hits.coder)]
    side_a = {(u, la) for u, la, k in zip(units, _labels(rows, hits, dense), keep) if k and la >= 0}
    side_b: dict[int, list[int]] = {}
    for u, lb in {(u, lb) for u, lb, k in zip(units, _labels(columns, hits, dense), keep) if k and lb >= 0}:
        side_b.setdefault(u, []).append(lb)
    seg_doc = hits.seg_doc
    cells = {(seg_doc[u // n] if once_per_document else u // n, la, lb)
             for u, la in side_a for lb in side_b.get(u, ())}
    table: list[list[Number]] = [[0] * len(columns.labels) for _ in rows.labels]
    for _, la, lb in cells:
        table[la][lb] += 1
    row_totals: list[Number] = [0] * len(rows.labels)
    col_totals: list[Number] = [0] * len(columns.labels)
    for _, la in {(place, la) for place, la, _ in cells}:
        row_totals[la] += 1
    for _, lb in {(place, lb) for place, _, lb in cells}:
        col_totals[lb] += 1
    return table, row_totals, col_totals, len({place for place, _, _ in cells})


def _labels(dim: Dimension, hits: PlainHits, dense: dict[int, int]) -> list[int]:
    """Each hit's value on this dimension (its index in dim.labels), -1 for none."""
    if dim.kind == "coder":
        return [dense.get(c, -1) for c in hits.coder]
    if dim.kind == "document":
        return [dim.doc_label.get(d, -1) for d in hits.doc]
    return [dim.code_label.get(c, -1) for c in hits.code]
