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

from coder.crosstab.dimensions import Dimension
from coder.crosstab.result import Number
from coder.db import Database, KeptUntilChanged

SMALL = 25_000  # codings up to which passages and documents are counted in plain Python (W1: 10,000)
SHIFT = 1 << 32  # the document in the high bits: one sorted line across documents, as in `coder.spans`


Passage = tuple[int, int, dict[int, set[int]]]  # (passage index, document, coder id → the codes they coded there)


def _ints(text: str | None) -> list[int]:
    return list(map(int, text.split(","))) if text else []


def small_study(db: Database) -> list[Passage] | None:
    """The study's coded passages to count in plain Python; None when numpy is loaded already or the study is not small."""
    return None if "numpy" in sys.modules else coded_passages(db)


@KeptUntilChanged
def coded_passages(db: Database) -> list[Passage] | None:
    """Every coded passage, in document order, with who coded what there; None when the study has more than `SMALL` codings."""
    found = None
    if db.execute("SELECT count(*) FROM codings").fetchone()[0] <= SMALL:
        row = db.execute("SELECT group_concat(document_id), group_concat(code_id), group_concat(coder_id),"
                         " group_concat(start), group_concat(end) FROM codings").fetchone()
        doc, code, coder, start, end = (_ints(column) for column in row)
        row = db.execute("SELECT group_concat(document_id), group_concat(start), group_concat(end) FROM segments").fetchone()
        passages = sorted(zip(*(_ints(column) for column in row)))  # by document, then start
        starts = [d * SHIFT + s for d, s, _ in passages]
        ends = [d * SHIFT + e for d, _, e in passages]
        coded: dict[int, dict[int, set[int]]] = {}
        for d, c, who, s, e in zip(doc, code, coder, start, end):
            first = bisect_right(ends, d * SHIFT + s)  # the first passage ending after the coding starts
            last = bisect_left(starts, d * SHIFT + e)  # one past the last passage starting before it ends
            for seg in range(first, last):
                coded.setdefault(seg, {}).setdefault(who, set()).add(c)
        found = [(seg, passages[seg][0], coded[seg]) for seg in sorted(coded)]
    return found


def count(passages: list[Passage], rows: Dimension, columns: Dimension, coder_ids: Sequence[int],
          documents: list[int] | None, code_ids: Sequence[int] | None, *, by_document: bool, once_per_document: bool
          ) -> tuple[list[list[Number]], list[Number], list[Number], int]:
    """Cells, row totals, column totals and total of distinct passages (or documents), as `counting.tally` counts them.

    A place (passage, or document) counts in a cell when one coder's codings there carry both values;
    by documents, a coder's codings anywhere in the document count together.
    """
    dense = {c: i for i, c in enumerate(coder_ids)}
    wanted_docs = set(documents) if documents is not None else None
    wanted_codes = set(code_ids) if code_ids is not None else None
    table: list[list[Number]] = [[0] * len(columns.labels) for _ in rows.labels]
    row_totals: list[Number] = [0] * len(rows.labels)
    col_totals: list[Number] = [0] * len(columns.labels)
    total = 0
    pairs: set[tuple[int, int]] = set()  # the cells of the place being counted
    pooled: dict[int, set[int]] = {}  # by documents: each coder's codes in the document so far
    place = -1  # none yet
    same = rows.same_values(columns)

    def cells(doc: int, codes: set[int], who: int) -> list[tuple[int, int]]:
        """The (row, column) cells one coder's codes in one place fall in."""
        down = _values(rows, doc, codes, who)
        across = down if same else _values(columns, doc, codes, who)
        return [(la, lb) for la in down for lb in across]

    def close() -> int:
        for who, codes in pooled.items():
            pairs.update(cells(place, codes, dense[who]))
        pooled.clear()
        for la, lb in pairs:
            table[la][lb] += 1
        for la in {la for la, _ in pairs}:
            row_totals[la] += 1
        for lb in {lb for _, lb in pairs}:
            col_totals[lb] += 1
        found = 1 if pairs else 0
        pairs.clear()
        return found

    for seg, doc, coders in passages:
        if wanted_docs is not None and doc not in wanted_docs:
            continue
        here = doc if by_document or once_per_document else seg
        if here != place:
            total += close()
            place = here
        for who, codes in coders.items():
            if who not in dense:
                continue
            kept = codes if wanted_codes is None else codes & wanted_codes
            if not kept:
                continue
            if by_document:
                pooled.setdefault(who, set()).update(kept)
            else:
                pairs.update(cells(doc, kept, dense[who]))
    total += close()
    return table, row_totals, col_totals, total


def _values(dim: Dimension, doc: int, codes: set[int], who: int) -> set[int]:
    """The values (indices into dim.labels) one coder's codes in one place have on a dimension."""
    if dim.kind == "coder":
        return {who}
    if dim.kind == "document":
        return {dim.doc_label[doc]} if doc in dim.doc_label else set()
    return {dim.code_label[c] for c in codes if c in dim.code_label}
