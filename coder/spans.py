"""Where codings fall: every (coding, unit) pair that overlaps, for passages, sentences or documents.

Agreement and the cross-tabs both ask which units a coding touches; they ask it of hundreds of
thousands of codings at once, so it is answered here, once, with two sorted searches in numpy
instead of a range join in SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy

Spans = tuple["numpy.ndarray", "numpy.ndarray", "numpy.ndarray"]  # document, start, end (int64)


def overlapping(units: Spans, codings: Spans) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Indices (coding, unit) of every unit a coding overlaps by at least one character (empty codings: the unit around them).

    Units must be sorted by document and start and must not overlap within a document (passages
    and sentences never do), so their ends are sorted too.
    """
    import numpy as np  # ≈0.1 s

    shift = np.int64(1) << np.int64(32)  # the document in the high bits: one sorted line across documents
    unit_start, unit_end = units[0] * shift + units[1], units[0] * shift + units[2]
    start, end = codings[0] * shift + codings[1], codings[0] * shift + codings[2]
    first = np.searchsorted(unit_end, start, side="right")  # the first unit ending after the coding starts
    last = np.searchsorted(unit_start, end, side="left") - 1  # the last unit starting before it ends
    count = np.maximum(last - first + 1, 0)
    coding = np.repeat(np.arange(len(start)), count)
    unit = np.repeat(first, count) + np.arange(len(coding)) - np.repeat(np.cumsum(count) - count, count)
    return coding, unit
