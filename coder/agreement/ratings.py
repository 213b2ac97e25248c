"""Reliability data: a units × coders table of values, kept as its distinct rows and how often each occurs.

Every unit-level coefficient depends only on this compressed table, which makes stacking codes,
pooling them and bootstrapping cheap even for millions of unit × code decisions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coder.agreement.result import MIN_CATEGORY_VALUES, MIN_UNITS, plain, rounded

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, eq=False)
class Ratings:
    """Reliability data compressed to its distinct rows ("patterns") and their counts.

    `patterns[k, j]` is the index into `labels` of the value coder j gave, or -1 for missing;
    `counts[k]` is how many units (or characters, at span level) show that row. Every unit-level
    coefficient depends only on this table, which makes stacking, pooling and bootstrapping cheap.
    """

    patterns: np.ndarray
    counts: np.ndarray
    labels: tuple[Any, ...]
    coders: tuple[str, ...]

    @classmethod
    def from_codes(cls, codes: Any, labels: Sequence[Any], coders: Sequence[str], weights: Any = None) -> Ratings:
        """From a units × coders array of value indices (-1 = missing), optionally weighted per unit."""
        import numpy as np  # ≈0.1 s

        codes = np.asarray(codes, dtype=np.int64)
        if codes.ndim != 2:
            raise ValueError("reliability data must be a units × coders table")
        n, m = codes.shape
        if m != len(coders):
            raise ValueError(f"{m} columns but {len(coders)} coder names")
        if n == 0:
            return cls(np.zeros((0, m), np.int64), np.zeros(0), tuple(labels), tuple(coders))
        base = len(labels) + 1
        shifted = codes + 1
        if base**m <= 1 << 20:  # few possible rows: count them straight into bins
            key = shifted @ (base ** np.arange(m, dtype=np.int64))
            bins = np.bincount(key, weights=weights, minlength=base**m)
            keys = np.flatnonzero(bins)
            counts = bins[keys].astype(float)
            patterns = (keys[:, None] // base ** np.arange(m, dtype=np.int64)) % base - 1
        else:
            patterns, inverse = np.unique(shifted, axis=0, return_inverse=True)
            counts = np.bincount(inverse.ravel(), weights=weights).astype(float)
            patterns = patterns - 1
            keep = counts > 0
            patterns, counts = patterns[keep], counts[keep]
        return cls(patterns.astype(np.int64), counts, tuple(labels), tuple(coders))

    @property
    def units(self) -> float:
        return float(self.counts.sum())

    def value_counts(self) -> np.ndarray:
        """patterns × values: how many coders gave each value in each distinct row."""
        import numpy as np  # ≈0.1 s

        return (self.patterns[:, :, None] == np.arange(len(self.labels))[None, None, :]).sum(axis=1)


def ratings(data: Any, coders: Sequence[str] | None = None, labels: Sequence[Any] | None = None) -> Ratings:
    """Reliability data from a units × coders table (rows = units; None or NaN = not coded).

    Args:
        data: rows of values, a 2-D array, or `Ratings` (returned as is).
        coders: column names (default: coder 1, coder 2, ...).
        labels: the values in order (needed for ordinal data; default: the sorted values in use).
    """
    if isinstance(data, Ratings):
        return data
    import numpy as np  # ≈0.1 s

    if isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype.kind in "iuf" and labels is None:
        return _numeric_ratings(data, coders)
    rows = [list(row) for row in data]
    width = len(coders) if coders is not None else max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        raise ValueError("every unit needs one value (or None) per coder")
    present = {v for r in rows for v in r if not _missing(v)}
    if labels is None:
        try:
            labels = sorted(present)
        except TypeError:
            labels = sorted(present, key=lambda v: (type(v).__name__, str(v)))
    else:
        unknown = present - set(labels)
        if unknown:
            raise ValueError(f"values {sorted(map(str, unknown))} are not among the labels")
    index = {label: i for i, label in enumerate(labels)}
    codes = np.array([[-1 if _missing(v) else index[v] for v in r] for r in rows], dtype=np.int64).reshape(len(rows), width)
    names = tuple(coders) if coders is not None else tuple(f"coder {j + 1}" for j in range(width))
    return Ratings.from_codes(codes, [plain(label) for label in labels], names)


def _numeric_ratings(data: np.ndarray, coders: Sequence[str] | None) -> Ratings:
    """`ratings` for a numeric array (NaN = not coded), without a Python loop over units."""
    import numpy as np  # ≈0.1 s

    values = data.astype(float)
    missing = np.isnan(values)
    labels = np.unique(values[~missing])
    codes = np.where(missing, -1, np.searchsorted(labels, np.where(missing, labels[0] if len(labels) else 0, values)))
    names = tuple(coders) if coders is not None else tuple(f"coder {j + 1}" for j in range(data.shape[1]))
    return Ratings.from_codes(codes, [plain(v) for v in labels], names)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        hasattr(value, "dtype") and value != value)


def stack(parts: Sequence[Ratings]) -> Ratings:
    """Several variables on the same coders and values, stacked as if one longer table."""
    import numpy as np  # ≈0.1 s

    if not parts:
        raise ValueError("nothing to stack")
    first = parts[0]
    if any(p.labels != first.labels or p.coders != first.coders for p in parts):
        raise ValueError("only tables with the same coders and values can be stacked")
    patterns = np.concatenate([p.patterns for p in parts])
    counts = np.concatenate([p.counts for p in parts])
    return Ratings.from_codes(patterns, first.labels, first.coders, weights=counts)


class Tally:
    """What every unit-level coefficient needs from `Ratings`, computed once: the pairable rows and their counts."""

    @classmethod
    def of(cls, r: Ratings) -> Tally:
        """The tally of `r`, kept with it: a report's five coefficients on one table share it."""
        found = r.__dict__.get("_tally")
        if found is None:
            found = cls(r)
            object.__setattr__(r, "_tally", found)  # Ratings is frozen; the tally is derived, not state
        return found

    def __init__(self, r: Ratings) -> None:
        vc = r.value_counts().astype(float)
        m = vc.sum(axis=1)
        pair = m >= 2
        self.r = r
        self.vc, self.m, self.f = vc[pair], m[pair], r.counts[pair]
        self.patterns = r.patterns[pair]
        self.units = float(self.f.sum())
        self.values = float((self.f * self.m).sum())
        self.n_c = (self.f[:, None] * self.vc).sum(axis=0)
        self.unanimous = float(self.f[(self.vc.max(axis=1, initial=0) == self.m)].sum()) if len(self.f) else 0.0
        active = (self.patterns >= 0) & (self.f[:, None] > 0)
        self.coders = int(active.any(axis=0).sum()) if len(self.f) else 0
        self._counts: dict[str, Any] | None = None

    def prevalence(self) -> dict[str, float]:
        """Each value's share of the pairable values."""
        total = self.n_c.sum()
        return {str(label): rounded(n / total) for label, n in zip(self.r.labels, self.n_c) if n > 0} if total else {}

    def unstable(self) -> bool:
        """Too few pairable units, or too few pairable values of the rarest value in use."""
        used = self.n_c[self.n_c > 0]
        return self.units < MIN_UNITS or (len(used) > 0 and float(used.min()) < MIN_CATEGORY_VALUES)

    def counts(self) -> dict[str, Any]:
        """The counts every `Result` carries (counted once; each caller gets its own copy)."""
        if self._counts is None:
            self._counts = {"units": int(round(self.units)), "values": rounded(self.values), "coders": self.coders,
                            "agreements": rounded(self.unanimous), "prevalence": self.prevalence(),
                            "unstable": self.unstable()}
        return self._counts | {"prevalence": dict(self._counts["prevalence"])}

    def one_value(self) -> str | None:
        """The reason a chance-corrected coefficient has no value, if the data are degenerate."""
        if self.units == 0:
            return "no unit was coded by at least two coders"
        used = [str(label) for label, n in zip(self.r.labels, self.n_c) if n > 0]
        if len(used) < 2:
            return f"only one value in use ('{used[0]}'), so chance agreement is perfect"
        return None
