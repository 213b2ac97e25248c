"""The one mapping of codings onto units, checked against the obvious double loop."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.spans import overlapping


def units_of(document_lengths: list[list[int]]) -> list[tuple[int, int, int]]:
    """Units laid end to end with one-character gaps, per document, sorted by document and start."""
    units = []
    for document, lengths in enumerate(document_lengths):
        start = 0
        for length in lengths:
            units.append((document, start, start + length))
            start += length + 1
    return units


def brute_force(units: list[tuple[int, int, int]], codings: list[tuple[int, int, int]]) -> set[tuple[int, int]]:
    return {(c, u) for c, (cd, cs, ce) in enumerate(codings) for u, (ud, us, ue) in enumerate(units)
            if cd == ud and us < ce and ue > cs or cd == ud and cs == ce and us < cs < ue}


def arrays(rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def test_spans_a_coding_across_three_passages_and_one_touching_the_edge():
    units = [(0, 0, 10), (0, 11, 20), (0, 21, 30), (1, 0, 5)]
    codings = [(0, 5, 25), (0, 20, 21), (1, 5, 9), (0, 10, 11)]  # across three; in a gap; beyond the end; in a gap
    coding, unit = overlapping(arrays(units), arrays(codings))
    assert sorted(zip(coding.tolist(), unit.tolist())) == [(0, 0), (0, 1), (0, 2)]


@settings(max_examples=200, deadline=None)
@given(lengths=st.lists(st.lists(st.integers(1, 8), min_size=1, max_size=6), min_size=1, max_size=3),
       picks=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 60), st.integers(0, 20)), max_size=12))
def test_spans_equal_the_double_loop(lengths, picks):
    units = units_of(lengths)
    codings = [(document % len(lengths), start, start + width) for document, start, width in picks]
    coding, unit = overlapping(arrays(units), arrays(codings))
    assert set(zip(coding.tolist(), unit.tolist())) == brute_force(units, codings)
    assert len(coding) == len(set(zip(coding.tolist(), unit.tolist())))  # each pair once
