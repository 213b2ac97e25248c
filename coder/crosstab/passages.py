"""Where the codings fall: every (coding, passage it overlaps) pair of the whole study, as numpy arrays.

Every cross-tab counts these pairs. They are mapped with `coder.spans.overlapping` (a sorted search
per coding, no SQL range join) and kept per connection until the database changes (SQLite's
`data_version` and the connection's change count), so a screen that re-tabulates does not read the
codings again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coder.crosstab.small import coded_passages
from coder.db import Database, KeptUntilChanged
from coder.spans import overlapping

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy

CHUNK = 1_000_000  # codings per SQL read: keeps each group_concat string well under SQLite's limit


@dataclass
class StudyArrays:
    """Every passage, and every (coding, passage it overlaps) pair, of the whole study."""

    hit_seg: numpy.ndarray  # index into the seg_ arrays
    hit_doc: numpy.ndarray
    hit_code: numpy.ndarray
    hit_coder: numpy.ndarray  # coder id
    hit_start: numpy.ndarray  # the coding clipped to the passage
    hit_end: numpy.ndarray
    seg_id: numpy.ndarray
    seg_doc: numpy.ndarray
    seg_ordinal: numpy.ndarray
    seg_start: numpy.ndarray
    seg_end: numpy.ndarray


def forget_arrays() -> None:
    """Empty the per-connection caches, so the next table reads the codings from SQLite again."""
    study_arrays.forget()
    coded_passages.forget()


def _columns(db: Database, sql: str, count: int, params: Sequence[Any] = ()) -> list[numpy.ndarray]:
    """Integer columns of a query, read through group_concat: far faster than fetching rows one by one."""
    import numpy as np  # ≈0.1 s

    row = db.execute(sql, list(params)).fetchone()
    return [np.fromstring(value or "", dtype=np.int64, sep=",") for value in (row or [None] * count)]


@KeptUntilChanged
def study_arrays(db: Database) -> StudyArrays:
    """The study's passages and coding hits, read once per connection and kept until the database changes."""
    import numpy as np  # ≈0.1 s

    low, high = db.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM codings").fetchone()
    parts = [_columns(db, "SELECT group_concat(document_id), group_concat(code_id), group_concat(coder_id),"
                          " group_concat(start), group_concat(end) FROM codings WHERE id BETWEEN ? AND ?",
                      5, [first, min(first + CHUNK - 1, high)]) for first in range(low, high + 1, CHUNK)]
    doc, code, coder, start, end = [np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, np.int64)
                                    for i in range(5)]
    seg = _columns(db, "SELECT group_concat(id), group_concat(document_id), group_concat(ordinal),"
                       " group_concat(start), group_concat(end) FROM segments", 5)
    order = np.lexsort((seg[3], seg[1]))  # by document, then start
    seg_id, seg_doc, seg_ordinal, seg_start, seg_end = (column[order] for column in seg)
    which, hit_seg = overlapping((seg_doc, seg_start, seg_end), (doc, start, end))
    arrays = StudyArrays(hit_seg, doc[which], code[which], coder[which], np.maximum(start[which], seg_start[hit_seg]),
                         np.minimum(end[which], seg_end[hit_seg]), seg_id, seg_doc, seg_ordinal, seg_start, seg_end)
    return arrays


@dataclass
class Hits:
    """One row per (coding, passage it overlaps), after the coder/document/code filters."""

    seg: numpy.ndarray  # index into the passage arrays
    doc: numpy.ndarray
    code: numpy.ndarray
    coder: numpy.ndarray  # dense index into the chosen coder ids
    start: numpy.ndarray  # the coding clipped to the passage
    end: numpy.ndarray


def coded_hits(db: Database, coder_ids: Sequence[int], documents: list[int] | None,
               code_ids: Sequence[int] | None) -> tuple[Hits, StudyArrays]:
    """The hits of these coders (numbered densely in their order), in these documents, of these codes (None: any)."""
    import numpy as np  # ≈0.1 s

    a = study_arrays(db)
    dense = lookup_table(dict(zip(coder_ids, range(len(coder_ids)))), a.hit_coder)
    keep = dense[a.hit_coder] >= 0
    if documents is not None:
        keep &= lookup_table(dict.fromkeys(documents, 1), a.hit_doc)[a.hit_doc] >= 0
    if code_ids is not None:
        keep &= lookup_table(dict.fromkeys(code_ids, 1), a.hit_code)[a.hit_code] >= 0
    rows = np.flatnonzero(keep)
    return Hits(seg=a.hit_seg[rows], doc=a.hit_doc[rows], code=a.hit_code[rows], coder=dense[a.hit_coder[rows]],
                start=a.hit_start[rows], end=a.hit_end[rows]), a


def only_within(hits: Hits, ncod: int, marking: set[int]) -> Hits:
    """The hits in passages where the same coder also coded one of the `marking` codes."""
    import numpy as np  # ≈0.1 s

    unit = hits.seg * ncod + hits.coder
    keep = np.isin(unit, unit[np.isin(hits.code, sorted(marking))])
    return Hits(seg=hits.seg[keep], doc=hits.doc[keep], code=hits.code[keep], coder=hits.coder[keep],
                start=hits.start[keep], end=hits.end[keep])


def lookup_table(mapping: dict[int, int], keys: numpy.ndarray) -> numpy.ndarray:
    """An array indexed by key (up to the largest of `keys`) holding the mapped value, -1 where unmapped."""
    import numpy as np  # ≈0.1 s

    size = max([*mapping, int(keys.max()) if len(keys) else 0]) + 1
    table = np.full(size, -1, dtype=np.int64)
    if mapping:
        table[list(mapping)] = list(mapping.values())
    return table
