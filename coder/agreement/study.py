"""Inter-coder agreement: how far independent coders agree, with numbers a reviewer can reproduce.

Two layers. The metrics are pure functions on plain data (a units × coders table, or coders'
character sections on a continuum): percent agreement, Cohen's κ, Scott's π, Fleiss' κ,
Brennan–Prediger κ, Krippendorff's α, the unitized α family (uα, |uα, cuα, (k)uα) and NVivo's
character-level comparison. The study layer reads a subset of the study (documents × codes ×
coders), turns codings into those tables by a documented overlap rule, and reports per code, per
code group and pooled; `save` writes every table as CSV so R or Python give the same numbers.

Every figure is a `Result` carrying the counts behind it; where a formula has no value it is
"undefined" with the reason (never NaN, never an exception). Definitions, references and
choices are in docs/agreement.md and ../shared/agreement/AGREEMENT.md.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder.errors import CoderError
from coder.spans import overlapping

if TYPE_CHECKING:
    import numpy as np

    from coder.db import Database

RELIABLE = 0.800  # Krippendorff (2004, 2019): rely on data with α ≥ .800 ...
TENTATIVE = 0.667  # ... draw tentative conclusions only with .667 ≤ α < .800
MIN_UNITS = 30  # fewer pairable units than this: the figure is flagged unstable
MIN_CATEGORY_VALUES = 10  # ... or when the rarest value in use has fewer pairable values than this
MIN_SECTIONS = 10  # span level: fewer coded sections (all coders together) than this is unstable
DEFAULT_SEED = 1
DEFAULT_CONFIDENCE = 0.95
UNITS = ("passage", "sentence", "document", "character")
NOT_APPLIED, APPLIED, NONE = "not applied", "applied", "none"
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _numpy():  # noqa: ANN202 - the numpy module
    import numpy  # ≈60 ms; only agreement computations need it

    return numpy


def band(value: float | None) -> str:
    """Krippendorff's interpretation band of an α: reliable, tentative, not reliable (or undefined)."""
    if value is None:
        return "undefined"
    if value >= RELIABLE:
        return "reliable"
    if value >= TENTATIVE:
        return "tentative"
    return "not reliable"


@dataclass(frozen=True)
class Result:
    """One coefficient with the counts behind it; `value` is None (undefined) with a `reason`.

    units: units that entered the computation (pairable units; characters at span level);
    values: pairable values (Σ values in pairable units; coder × characters at span level);
    agreements: units (characters) on which every coder who coded them gave the same value;
    prevalence: each value's share of the pairable values;
    unstable: too little data for the figure to mean much (see MIN_UNITS, MIN_CATEGORY_VALUES,
    MIN_SECTIONS); details: the intermediate quantities (p_o, p_e, D_o, D_e, CI, ...).
    """

    metric: str
    value: float | None
    reason: str = ""
    units: int = 0
    values: float = 0
    coders: int = 0
    agreements: float = 0
    prevalence: dict[str, float] = field(default_factory=dict)
    unstable: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def undefined(self) -> bool:
        return self.value is None

    @property
    def band(self) -> str:
        return band(self.value)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (numpy numbers turned into Python ones)."""
        return _plain({
            "metric": self.metric, "value": self.value, "band": self.band, "reason": self.reason or None,
            "units": self.units, "values": self.values, "coders": self.coders, "agreements": self.agreements,
            "prevalence": self.prevalence, "unstable": self.unstable, "details": self.details,
        })


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    return value


def _undefined(metric: str, reason: str, **counts: Any) -> Result:
    return Result(metric, None, reason, **counts)


def _number(value: float) -> float:
    """A float rounded to 12 decimals, so hand-checkable figures print cleanly."""
    return float(round(value, 12))


# ---------------------------------------------------------------------------------------------
# Reliability data: a units × coders table, kept as its distinct rows and how often each occurs


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
        np = _numpy()
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
        np = _numpy()
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
    np = _numpy()
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
    return Ratings.from_codes(codes, [_plain(label) for label in labels], names)


def _numeric_ratings(data: np.ndarray, coders: Sequence[str] | None) -> Ratings:
    """`ratings` for a numeric array (NaN = not coded), without a Python loop over units."""
    np = _numpy()
    values = data.astype(float)
    missing = np.isnan(values)
    labels = np.unique(values[~missing])
    codes = np.where(missing, -1, np.searchsorted(labels, np.where(missing, labels[0] if len(labels) else 0, values)))
    names = tuple(coders) if coders is not None else tuple(f"coder {j + 1}" for j in range(data.shape[1]))
    return Ratings.from_codes(codes, [_plain(v) for v in labels], names)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        hasattr(value, "dtype") and value != value)


def stack(parts: Sequence[Ratings]) -> Ratings:
    """Several variables on the same coders and values, stacked as if one longer table."""
    np = _numpy()
    if not parts:
        raise ValueError("nothing to stack")
    first = parts[0]
    if any(p.labels != first.labels or p.coders != first.coders for p in parts):
        raise ValueError("only tables with the same coders and values can be stacked")
    patterns = np.concatenate([p.patterns for p in parts])
    counts = np.concatenate([p.counts for p in parts])
    return Ratings.from_codes(patterns, first.labels, first.coders, weights=counts)


class _Tally:
    """What every unit-level coefficient needs from `Ratings`, computed once."""

    def __init__(self, r: Ratings) -> None:
        np = _numpy()
        self.r = r
        vc = r.value_counts().astype(float)
        m = vc.sum(axis=1)
        pair = m >= 2
        self.vc, self.m, self.f = vc[pair], m[pair], r.counts[pair]
        self.patterns = r.patterns[pair]
        self.units = float(self.f.sum())
        self.values = float((self.f * self.m).sum())
        self.n_c = (self.f[:, None] * self.vc).sum(axis=0)
        self.unanimous = float(self.f[(self.vc.max(axis=1, initial=0) == self.m)].sum()) if len(self.f) else 0.0
        active = (self.patterns >= 0) & (self.f[:, None] > 0)
        self.coders = int(active.any(axis=0).sum()) if len(self.f) else 0
        self.np = np

    def prevalence(self) -> dict[str, float]:
        total = self.n_c.sum()
        return {str(label): _number(n / total) for label, n in zip(self.r.labels, self.n_c) if n > 0} if total else {}

    def unstable(self) -> bool:
        used = self.n_c[self.n_c > 0]
        return self.units < MIN_UNITS or (len(used) > 0 and float(used.min()) < MIN_CATEGORY_VALUES)

    def counts(self) -> dict[str, Any]:
        return {"units": int(round(self.units)), "values": _number(self.values), "coders": self.coders,
                "agreements": _number(self.unanimous), "prevalence": self.prevalence(), "unstable": self.unstable()}

    def one_value(self) -> str | None:
        """The reason a chance-corrected coefficient has no value, if the data are degenerate."""
        if self.units == 0:
            return "no unit was coded by at least two coders"
        used = [str(label) for label, n in zip(self.r.labels, self.n_c) if n > 0]
        if len(used) < 2:
            return f"only one value in use ('{used[0]}'), so chance agreement is perfect"
        return None


def percent_agreement(data: Any) -> Result:
    """Share of pairable units on which every coder who coded the unit gave the same value.

    For two coders this is the familiar "% agreement". `details["pairwise"]` is the mean
    agreement over pairs of coders within a unit (Fleiss' P̄ / Gwet's p_a), which is kinder to
    three or more coders.
    """
    t = _Tally(ratings(data))
    if t.units == 0:
        return _undefined("percent_agreement", "no unit was coded by at least two coders", **t.counts())
    pairwise = float((t.f * (t.vc * (t.vc - 1)).sum(axis=1) / (t.m * (t.m - 1))).sum() / t.units)
    return Result("percent_agreement", _number(t.unanimous / t.units), details={"pairwise": _number(pairwise)}, **t.counts())


def _coincidences(t: _Tally) -> np.ndarray:
    """Krippendorff's coincidence matrix o_ck = Σ_u (pairs c–k between coders in u) / (m_u − 1)."""
    np = t.np
    w = t.f / (t.m - 1)
    return np.einsum("k,kc,kd->cd", w, t.vc, t.vc) - np.diag((w[:, None] * t.vc).sum(axis=0))


def _distances(level: str, labels: Sequence[Any], n_c: np.ndarray) -> np.ndarray:
    """δ²_ck of Krippendorff's metrics (nominal, ordinal by ranks through the marginals, interval, ratio)."""
    np = _numpy()
    size = len(labels)
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        i, k = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        low, high = np.minimum(i, k), np.maximum(i, k)
        return (cum[high + 1] - cum[low] - (n_c[i] + n_c[k]) / 2) ** 2
    try:
        x = np.asarray(labels, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{level} α needs numeric values") from error
    if level == "interval":
        return (x[:, None] - x[None, :]) ** 2
    if level == "ratio":
        total = x[:, None] + x[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total != 0, ((x[:, None] - x[None, :]) / np.where(total != 0, total, 1)) ** 2, 0.0)
    raise ValueError(f"unknown level of measurement '{level}' (use one of {', '.join(LEVELS)})")


def krippendorff_alpha(data: Any, level: str = "nominal") -> Result:
    """Krippendorff's α for any number of coders with missing data (Krippendorff 2011, 2019 §12.3).

    α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck over the coincidence matrix of pairable values.
    Cross-checked against the `krippendorff` package in tests/test_agreement.py.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement '{level}' (use one of {', '.join(LEVELS)})")
    r = ratings(data)
    t = _Tally(r)
    metric = "krippendorff_alpha" if level == "nominal" else f"krippendorff_alpha_{level}"
    reason = t.one_value()
    if reason:
        return _undefined(metric, reason, **t.counts())
    np = t.np
    o = _coincidences(t)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    delta = _distances(level, r.labels, n_c)
    observed = float((o * delta).sum() / n)
    expected = float((np.outer(n_c, n_c) * delta).sum() / (n * (n - 1)))
    if expected <= 0:
        return _undefined(metric, "the values in use do not differ on this metric (expected disagreement is 0)", **t.counts())
    details = {"level": level, "observed_disagreement": _number(observed), "expected_disagreement": _number(expected),
               "coincidences": o.tolist(), "categories": list(r.labels)}
    return Result(metric, _number(1 - observed / expected), details=details, **t.counts())


def _pair_table(r: Ratings) -> tuple[np.ndarray, float]:
    """The 2-coder contingency table over units both coded (rows: first coder)."""
    np = _numpy()
    size = len(r.labels)
    table = np.zeros((size, size))
    both = (r.patterns >= 0).all(axis=1)
    np.add.at(table, (r.patterns[both, 0], r.patterns[both, 1]), r.counts[both])
    return table, float(table.sum())


def _two_coders(metric: str, data: Any, chance: str) -> Result:
    r = ratings(data)
    t = _Tally(r)
    if len(r.coders) != 2:
        return _undefined(metric, f"it compares exactly two coders (there are {len(r.coders)})", **t.counts())
    np = t.np
    table, n = _pair_table(r)
    both = (r.patterns >= 0).all(axis=1)
    counts = t.counts() | {"units": int(round(n)), "values": _number(2 * n),
                           "agreements": _number(float(np.trace(table)))}
    if n == 0:
        return _undefined(metric, "no unit was coded by both coders", **counts)
    rows, cols = table.sum(axis=1) / n, table.sum(axis=0) / n
    p_o = float(np.trace(table)) / n
    p_e = float((rows * cols).sum()) if chance == "cohen" else float((((rows + cols) / 2) ** 2).sum())
    details = {"p_o": _number(p_o), "p_e": _number(p_e), "categories": list(r.labels),
               "table": table.tolist(), "units_left_out": _number(float(r.counts[~both].sum()))}
    if 1 - p_e < 1e-12:
        used = [str(label) for label, a, b in zip(r.labels, rows, cols) if a or b]
        return _undefined(metric, f"only one value in use ('{used[0]}'), so chance agreement is perfect",
                          details=details, **counts)
    return Result(metric, _number((p_o - p_e) / (1 - p_e)), details=details, **counts)


def cohen_kappa(data: Any) -> Result:
    """Cohen's κ (1960) for two coders: chance from each coder's own margins, over units both coded."""
    return _two_coders("cohen_kappa", data, "cohen")


def scott_pi(data: Any) -> Result:
    """Scott's π for two coders: like Cohen's κ, with the two coders' margins pooled."""
    return _two_coders("scott_pi", data, "scott")


def fleiss_kappa(data: Any) -> Result:
    """Fleiss' κ (1971) for any fixed number of coders, with κ_j per category in `details`.

    It needs every coder on every unit, so units some coder left out are dropped (their number
    is in details["units_left_out"], as R's irr::kappam.fleiss does); with missing data prefer α.
    """
    r = ratings(data)
    m = len(r.coders)
    complete = (r.patterns >= 0).all(axis=1)
    dropped = float(r.counts[~complete].sum())
    full = Ratings(r.patterns[complete], r.counts[complete], r.labels, r.coders)
    t = _Tally(full)
    counts = t.counts()
    if m < 2:
        return _undefined("fleiss_kappa", "it needs at least two coders", **counts)
    if t.units == 0:
        return _undefined("fleiss_kappa", "no unit was coded by every coder", details={"units_left_out": dropped}, **counts)
    n_units = t.units
    p_i = ((t.vc**2).sum(axis=1) - m) / (m * (m - 1))
    p_bar = float((t.f * p_i).sum() / n_units)
    p_j = t.n_c / (n_units * m)
    p_e = float((p_j**2).sum())
    per_category: dict[str, float | None] = {}
    for j, label in enumerate(r.labels):
        if 0 < p_j[j] < 1:
            disagreement = float((t.f * t.vc[:, j] * (m - t.vc[:, j])).sum())
            per_category[str(label)] = _number(1 - disagreement / (n_units * m * (m - 1) * p_j[j] * (1 - p_j[j])))
        else:
            per_category[str(label)] = None
    details = {"P_bar": _number(p_bar), "P_e_bar": _number(p_e), "p_j": {str(k): _number(v) for k, v in zip(r.labels, p_j)},
               "per_category": per_category, "units_left_out": _number(dropped)}
    if 1 - p_e < 1e-12:
        return _undefined("fleiss_kappa", t.one_value() or "chance agreement is perfect", details=details, **counts)
    return Result("fleiss_kappa", _number((p_bar - p_e) / (1 - p_e)), details=details, **counts)


def brennan_prediger(data: Any, q: int) -> Result:
    """Brennan & Prediger's κ_n (Bennett's S): chance agreement = 1/q for q possible categories.

    q is explicit: the number of categories a coder could choose (MAXQDA uses the number of codes
    in its table), not just those observed. Observed agreement is the mean pairwise agreement
    within units (Gwet's p_a), which for two coders is the percent agreement.
    """
    r = ratings(data)
    t = _Tally(r)
    counts = t.counts()
    in_use = int((t.n_c > 0).sum())
    if q < 2:
        return _undefined("brennan_prediger", f"q = {q}: there must be at least two possible categories", **counts)
    if q < in_use:
        return _undefined("brennan_prediger", f"q = {q} is smaller than the {in_use} categories in use", **counts)
    if t.units == 0:
        return _undefined("brennan_prediger", "no unit was coded by at least two coders", **counts)
    p_a = float((t.f * (t.vc * (t.vc - 1)).sum(axis=1) / (t.m * (t.m - 1))).sum() / t.units)
    return Result("brennan_prediger", _number((p_a - 1 / q) / (1 - 1 / q)),
                  details={"p_a": _number(p_a), "p_e": _number(1 / q), "q": q}, **counts)


def bootstrap_alpha(
    data: Any, draws: int = 1000, seed: int = DEFAULT_SEED, *, level: str = "nominal", confidence: float = DEFAULT_CONFIDENCE,
) -> Result:
    """α with a percentile bootstrap interval: pairable units resampled with replacement.

    Resampling N units with replacement is the same as drawing how often each distinct row occurs
    from a multinomial, so every draw costs a few small matrix products whatever N is. The seed,
    number of draws, draws where α had no value, and the share of draws below .667 and .800 are
    reported in `details`.
    """
    np = _numpy()
    base = krippendorff_alpha(data, level)
    if base.undefined or draws <= 0:
        return replace(base, details=base.details | {"ci_draws": draws, "ci_seed": seed, "ci_low": None, "ci_high": None})
    r = ratings(data)
    t = _Tally(r)
    if not np.allclose(t.f, np.round(t.f)):
        raise ValueError("the bootstrap resamples whole units; these data are weighted")
    rng = np.random.default_rng(seed)
    n_units = int(round(t.units))
    sampled = rng.multinomial(n_units, t.f / t.units, size=draws).astype(float)  # draws × patterns
    w = sampled / (t.m - 1)
    o = np.einsum("bk,kc,kd->bcd", w, t.vc, t.vc) - np.einsum("bk,kc,cd->bcd", w, t.vc, np.eye(len(r.labels)))
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    if level == "ordinal":  # δ depends on each draw's margins
        delta = np.stack([_distances(level, r.labels, n_c[b]) for b in range(draws)])
    else:
        delta = np.broadcast_to(_distances(level, r.labels, n_c[0]), o.shape)
    expected = np.einsum("bc,bd,bcd->b", n_c, n_c, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        alphas = np.where((expected > 0) & ((n_c > 0).sum(axis=1) >= 2),
                          1 - (n - 1) * (o * delta).sum(axis=(1, 2)) / expected, np.nan)
    ok = alphas[~np.isnan(alphas)]
    tail = (1 - confidence) / 2
    low, high = (np.quantile(ok, [tail, 1 - tail]) if len(ok) else (None, None))
    return replace(base, details=base.details | {
        "ci_low": _number(float(low)) if low is not None else None, "ci_high": _number(float(high)) if high is not None else None,
        "ci_confidence": confidence, "ci_draws": draws, "ci_seed": seed, "ci_undefined_draws": int(draws - len(ok)),
        "ci_method": "percentile bootstrap, pairable units resampled with replacement",
        "share_below_0.667": _number(float((ok < TENTATIVE).mean())) if len(ok) else None,
        "share_below_0.800": _number(float((ok < RELIABLE).mean())) if len(ok) else None,
    })


# ---------------------------------------------------------------------------------------------
# Span level: coders' character sections on a continuum (Krippendorff's unitized α family)


@dataclass(frozen=True)
class Section:
    """One coder's coded stretch [start, end) of a continuum, with its value (a code)."""

    coder: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Unitized:
    """The unitized α family on one continuum (Krippendorff, Mathet, Bouvry & Widlöcher 2016)."""

    u_alpha: Result
    binary_u_alpha: Result
    cu_alpha: Result
    by_value: dict[str, Result]

    def as_dict(self) -> dict[str, Any]:
        return {"u_alpha": self.u_alpha.as_dict(), "binary_u_alpha": self.binary_u_alpha.as_dict(),
                "cu_alpha": self.cu_alpha.as_dict(), "by_value": {k: v.as_dict() for k, v in self.by_value.items()}}


@dataclass
class _Continuum:
    """Sections cut into atoms: stretches on which every coder's value is constant."""

    length: int
    coders: tuple[str, ...]
    labels: tuple[str, ...]  # the values; index 0 of the atom values is the gap (φ)
    sec_value: np.ndarray  # 1..V per section
    sec_length: np.ndarray
    atom_length: np.ndarray  # T
    atom_value: np.ndarray  # T × M, 0 = gap
    atom_section: np.ndarray  # T × M, -1 = gap

    def ratings(self, gap: str, values: Sequence[str] | None = None) -> Ratings:
        """Characters as units (atoms weighted by their length): for percent agreement and κ on characters."""
        return Ratings.from_codes(self.atom_value, (gap, *(values or self.labels)), self.coders, weights=self.atom_length)


def _parse_sections(sections: Iterable[Any]) -> list[Section]:
    parsed = []
    for s in sections:
        if isinstance(s, Section):
            parsed.append(s)
        elif isinstance(s, dict):
            parsed.append(Section(str(s["coder"]), int(s["start"]), int(s["end"]), str(s.get("value", s.get("code")))))
        else:
            coder, start, end, value = s
            parsed.append(Section(str(coder), int(start), int(end), str(value)))
    return parsed


def _continuum(
    length: int, coder: np.ndarray, start: np.ndarray, end: np.ndarray, value: np.ndarray,
    coders: Sequence[str], labels: Sequence[str],
) -> _Continuum | str:
    """Build the atoms of a continuum from section arrays (coder index, start, end, value 1..V); or why not."""
    np = _numpy()
    m = len(coders)
    if len(start) and (start.min() < 0 or end.max() > length or (end <= start).any()):
        raise ValueError(f"sections must satisfy 0 ≤ start < end ≤ {length}")
    order = np.lexsort((end, start, coder))
    coder, start, end, value = coder[order], start[order], end[order], value[order]
    if len(start) > 1:
        big = int(length) + 1
        reach = np.maximum.accumulate(coder * big + end) - coder * big  # furthest end so far, per coder
        clash = np.flatnonzero((coder[1:] == coder[:-1]) & (start[1:] < reach[:-1]))
        if len(clash):
            i = clash[0] + 1
            return (f"coder {coders[coder[i]]} has overlapping sections near {start[i]}–{end[i]}: the unitized coefficients"
                    " need one value per character and coder (compute them per code, or for an exclusive group)")
    bounds = np.unique(np.concatenate([[0, length], start, end]))
    atom_start, atom_length = bounds[:-1], np.diff(bounds)
    atom_value = np.zeros((len(atom_start), m), np.int64)
    atom_section = np.full((len(atom_start), m), -1, np.int64)
    for j in range(m):
        mine = np.flatnonzero(coder == j)
        if not len(mine):
            continue
        idx = np.searchsorted(start[mine], atom_start, side="right") - 1
        inside = (idx >= 0) & (end[mine][np.clip(idx, 0, None)] > atom_start)
        atom_value[inside, j] = value[mine][idx[inside]]
        atom_section[inside, j] = mine[idx[inside]]
    return _Continuum(int(length), tuple(coders), tuple(labels), value, end - start, atom_length, atom_value, atom_section)


def _unitized(c: _Continuum | str, m: int) -> Unitized:
    """uα, |uα, cuα and (k)uα from the atoms (AGREEMENT.md §4, the coincidence-matrix form)."""
    np = _numpy()
    names = ("u_alpha", "binary_u_alpha", "cu_alpha")
    if isinstance(c, str) or m < 2:
        reason = c if isinstance(c, str) else "it needs at least two coders"
        return Unitized(*(_undefined(n, reason, coders=m) for n in names), by_value={})
    size = len(c.labels) + 1
    t = _Tally(c.ratings("(gap)"))
    ell = np.zeros((size, size))
    if t.units:
        ell = _coincidences(t)  # ℓ_ck: atoms are units with all m coders present, weighted by length
    total = float(ell.sum())
    w = np.bincount(c.sec_value, weights=c.sec_length.astype(float) ** 2, minlength=size)
    w[0] = m * c.length - float(c.sec_length.sum())  # a gap pairs like a run of single characters
    rows = ell.sum(axis=1)
    eps = (np.outer(rows, rows) - np.diag(w)) / (total - w.sum() / total) if total else np.zeros_like(ell)
    off = ~np.eye(size, dtype=bool)
    same = (c.atom_value == c.atom_value[:, :1]).all(axis=1)
    counts = {"units": c.length, "values": _number(total), "coders": m,
              "agreements": _number(float(c.atom_length[same].sum())),
              "prevalence": {label: _number(float(rows[i + 1] / total)) for i, label in enumerate(c.labels)} if total else {},
              "unstable": len(c.sec_value) < MIN_SECTIONS}
    detail = {"length": c.length, "sections": int(len(c.sec_value))}

    def coefficient(name: str, observed: float, expected: float, empty: str) -> Result:
        if expected <= 1e-12:
            return _undefined(name, empty, details=detail, **counts)
        return Result(name, _number(1 - observed / expected), details=detail | {
            "observed": _number(observed), "expected": _number(expected)}, **counts)

    nothing = "no coder marked any section, or every coder marked everything alike: there is nothing to tell apart"
    u_alpha = coefficient("u_alpha", float(ell[off].sum()), float(eps[off].sum()), nothing)
    binary = coefficient("binary_u_alpha", float(ell[0, 1:].sum() + ell[1:, 0].sum()),
                         float(eps[0, 1:].sum() + eps[1:, 0].sum()), nothing)
    # cuα: only stretches that two coders both marked as relevant, with each section's pairable length
    valued = (c.atom_value > 0).sum(axis=1)
    pairable = np.zeros(len(c.sec_value))
    for j in range(m):
        ids = c.atom_section[:, j]
        keep = ids >= 0
        pairable += np.bincount(ids[keep], weights=(c.atom_length * (valued - 1))[keep], minlength=len(c.sec_value))
    pairable /= m - 1
    star = ell[1:, 1:]
    star_total = float(star.sum())
    coverage = _number(star_total / total) if total else 0.0
    star_counts = counts | {"values": _number(star_total)}
    by_value: dict[str, Result] = {}
    if star_total <= 0:
        reason = "no stretch was marked by two coders, so there is no coding to compare"
        cu = _undefined("cu_alpha", reason, details=detail | {"coverage": coverage}, **star_counts)
        by_value = {label: _undefined("k_u_alpha", reason, details={"value": label, "coverage": 0.0}, **star_counts)
                    for label in c.labels}
        return Unitized(u_alpha, binary, cu, by_value)
    w_star = np.bincount(c.sec_value - 1, weights=pairable**2, minlength=size - 1)
    star_rows = star.sum(axis=1)
    eps_star = (np.outer(star_rows, star_rows) - np.diag(w_star)) / (star_total - w_star.sum() / star_total)
    off_star = ~np.eye(size - 1, dtype=bool)
    cu = coefficient("cu_alpha", float(star[off_star].sum()), float(eps_star[off_star].sum()),
                     "every stretch two coders both marked has the same value: the values cannot disagree")
    cu = replace(cu, values=_number(star_total), details=cu.details | {"coverage": coverage})
    for k, label in enumerate(c.labels):
        col, col_eps = float(star[:, k].sum()), float(eps_star[:, k].sum())
        cover = _number(col / float(ell[:, k + 1].sum())) if ell[:, k + 1].sum() else 0.0
        info = {"value": label, "coverage": cover}
        if col <= 0:
            by_value[label] = _undefined("k_u_alpha", f"'{label}' never overlaps another coder's value", details=info, **star_counts)
        elif col_eps - eps_star[k, k] <= 1e-12:
            by_value[label] = _undefined("k_u_alpha", f"no other value could be confused with '{label}'", details=info, **star_counts)
        else:
            kappa = 1 - (col_eps / col) * (col - star[k, k]) / (col_eps - eps_star[k, k])
            by_value[label] = Result("k_u_alpha", _number(kappa), details=info, **star_counts)
    return Unitized(u_alpha, binary, cu, by_value)


def _section_arrays(sections: list[Section], coders: Sequence[str] | None) -> tuple[Any, ...]:
    np = _numpy()
    names = list(coders) if coders is not None else list(dict.fromkeys(s.coder for s in sections))
    labels = sorted({s.value for s in sections}, key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit() else 0, v))
    where = {name: j for j, name in enumerate(names)}
    unknown = {s.coder for s in sections} - set(where)
    if unknown:
        raise ValueError(f"sections by coders not listed: {sorted(unknown)}")
    index = {label: i + 1 for i, label in enumerate(labels)}
    arrays = (np.array([where[s.coder] for s in sections], np.int64), np.array([s.start for s in sections], np.int64),
              np.array([s.end for s in sections], np.int64), np.array([index[s.value] for s in sections], np.int64))
    return names, labels, arrays


def unitized(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Unitized:
    """The unitized α family on one continuum [0, length): uα, |uα, cuα (with coverage), (k)uα.

    Sections are (coder, start, end, value) tuples, dicts or `Section`s, 0-based half-open.
    Adjacent sections of the same value stay distinct units (never merged). Within one coder
    sections must not overlap (compute per code, or for an exclusive group); if they do, every
    coefficient is undefined with the reason.
    """
    parsed = _parse_sections(sections)
    names, labels, (coder, start, end, value) = _section_arrays(parsed, coders)
    return _unitized(_continuum(length, coder, start, end, value, names, labels), len(names))


def pool_continua(continua: Iterable[tuple[int, Iterable[Any]]]) -> tuple[int, list[Section]]:
    """Concatenate several continua (documents) into one, shifting positions; sections are not merged."""
    offset, pooled = 0, []
    for length, sections in continua:
        pooled.extend(Section(s.coder, s.start + offset, s.end + offset, s.value) for s in _parse_sections(sections))
        offset += length
    return offset, pooled


def u_alpha(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Result:
    """Krippendorff's uα: agreement on boundaries and values together."""
    return unitized(length, sections, coders).u_alpha


def binary_u_alpha(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Result:
    """|uα: agreement on what is relevant (any value) versus gaps; per code this is ATLAS.ti's α-binary."""
    return unitized(length, sections, coders).binary_u_alpha


def cu_alpha(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Result:
    """cuα: agreement on values where coders both marked the text (coverage in details)."""
    return unitized(length, sections, coders).cu_alpha


def nvivo_comparison(
    length: int, first: Iterable[tuple[int, int]], second: Iterable[tuple[int, int]], *, nvivo_convention: bool = False,
) -> tuple[Result, Result]:
    """NVivo's coding comparison for one code in one document: (percent agreement, κ) on characters.

    Percent = (characters coded by both + by neither) / all characters; κ = (TA − ΣEF)/(TU − ΣEF),
    which is Cohen's κ on the per-character 2 × 2 table. When neither coder coded anything κ is
    undefined, or 1 with `nvivo_convention=True` (NVivo's documented habit).
    """
    np = _numpy()
    masks = []
    for spans in (first, second):
        diff = np.zeros(length + 1, np.int64)
        for start, end in spans:
            diff[start] += 1
            diff[end] -= 1
        masks.append(np.cumsum(diff[:-1]) > 0)
    a, b = masks
    both, neither = int((a & b).sum()), int((~a & ~b).sum())
    agree = both + neither
    prevalence = {"coded by first": _number(a.mean()), "coded by second": _number(b.mean())} if length else {}
    counts = {"units": length, "values": 2 * length, "coders": 2, "agreements": agree, "prevalence": prevalence}
    details = {"both": both, "neither": neither, "first_only": int((a & ~b).sum()), "second_only": int((~a & b).sum())}
    if not length:
        reason = "the document is empty"
        return _undefined("nvivo_percent_agreement", reason, **counts), _undefined("nvivo_kappa", reason, **counts)
    percent = Result("nvivo_percent_agreement", _number(agree / length), details=details, **counts)
    expected = float(a.sum()) * float(b.sum()) / length + float((~a).sum()) * float((~b).sum()) / length
    if length - expected < 1e-9:
        if nvivo_convention:
            return percent, Result("nvivo_kappa", 1.0, details=details | {"convention": "NVivo: κ = 1 when neither coded"}, **counts)
        return percent, _undefined("nvivo_kappa", "neither coder coded this code here, or both coded everything "
                                   "(NVivo reports κ = 1 in this case)", details=details, **counts)
    return percent, Result("nvivo_kappa", _number((agree - expected) / (length - expected)),
                           details=details | {"expected": _number(expected)}, **counts)


# ---------------------------------------------------------------------------------------------
# The study: which documents, codes and coders; codings turned into units × coders tables


@dataclass(frozen=True)
class CodeInfo:
    id: int
    name: str
    group: str
    group_id: int
    exclusive: bool
    group_size: int  # active codes in the group (Brennan–Prediger's q for an exclusive group is this + 1)

    @property
    def path(self) -> str:
        return f"{self.group}/{self.name}"


@dataclass
class Variable:
    """One variable's units × coders table: a code (binary), an exclusive group (nominal), or a stack of codes."""

    name: str
    kind: str  # "code" | "group" | "pooled"
    labels: tuple[str, ...]
    values: np.ndarray  # rows × coders, value index or -1 (missing); for stacks, the codes one after another
    codes: tuple[str, ...] = ()  # for stacks: the code of each block of rows, in order


@dataclass
class Row:
    """One line of the agreement table: a code, a code group or the pooled figure (optionally per document)."""

    kind: str  # "code" | "group" | "pooled"
    name: str
    metrics: dict[str, Result]
    document: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def alpha(self) -> Result:
        return self.metrics["alpha"]

    @property
    def kappa(self) -> Result:
        return self.metrics["kappa"]

    @property
    def percent(self) -> Result:
        return self.metrics["percent"]

    def flags(self) -> list[str]:
        """Short warnings for the table: unstable, undefined (with the reason), missing data, ..."""
        flags = ["unstable"] if self.alpha.unstable else []
        if self.alpha.undefined:
            flags.append(f"α undefined: {self.alpha.reason}")
        if self.kappa.undefined and not self.alpha.undefined:
            flags.append(f"κ undefined: {self.kappa.reason}")
        return flags + self.notes

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "document": self.document, "band": self.alpha.band,
                "flags": self.flags(), "metrics": {k: v.as_dict() for k, v in self.metrics.items()}}


@dataclass
class Report:
    """What `measure_agreement` found: the parameters, the rows, and the tables behind them (for `save`)."""

    parameters: dict[str, Any]
    rows: list[Row]
    variables: dict[str, Variable] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)  # unit level: document, unit, start, end per row
    sections: dict[str, Any] = field(default_factory=dict)  # character level: the coders' sections
    notes: list[str] = field(default_factory=list)

    def row(self, name: str, document: str | None = None) -> Row:
        """The row of a code (path or name), a group, or 'pooled'."""
        for row in self.rows:
            if row.document == document and (row.name == name or (row.kind == "code" and row.name.split("/", 1)[1] == name)):
                return row
        raise KeyError(name)


POOLING = ("pooled and group rows stack the binary (applied / not applied) decisions of every code in them, "
           "as if each unit × code were one unit, and compute one coefficient on the stack; exclusive groups "
           "are one nominal variable per unit (the code applied, or none)")


def measure_agreement(
    db: Database,
    *,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    group: str | None = None,
    unit: str = "passage",
    min_overlap: float | None = None,
    by_document: bool = False,
    bootstrap: int = 0,
    seed: int = DEFAULT_SEED,
) -> Report:
    """Agreement between coders on a subset of the study, per code, per code group and pooled.

    Args:
        coders: coder names (default: everyone with codings on the documents, except the consensus coder).
        documents: document names (default: the documents every chosen coder has coded something in).
        codes: code names or group/name paths; group: a code group (default: the codes the coders used there).
        unit: passage, sentence, document, or character (span level: the unitized α family).
        min_overlap: a coder applied a code to a unit when their codings cover at least this share of
            it (default: any character).
        by_document: add a row per code and document (at character level: NVivo's comparison).
        bootstrap, seed: draws for a bootstrap interval of α (unit levels) and the random seed.
    """
    np = _numpy()
    if unit not in UNITS:
        raise CoderError(f"unknown unit '{unit}'", fix=f"use one of: {', '.join(UNITS)}")
    if min_overlap is not None and not 0 < min_overlap <= 1:
        raise CoderError(f"--min-overlap {min_overlap} is not a share of the unit", fix="use a number above 0 and at most 1, e.g. 0.5")
    if min_overlap is not None and unit == "character":
        raise CoderError("--min-overlap does not apply to character units", fix="drop it, or use --unit passage")
    if bootstrap < 0:
        raise CoderError("the number of bootstrap draws is negative", fix="use e.g. --bootstrap 1000")
    chosen_docs = _documents_named(db, documents) if documents else None
    worked = _worked(db)
    coder_rows = _choose_coders(db, coders, chosen_docs, worked)
    coder_ids = [c for c, _ in coder_rows]
    coder_names = tuple(n for _, n in coder_rows)
    if chosen_docs is None:
        chosen_docs = [d for d, _ in _all_documents(db) if all((d, c) in worked for c in coder_ids)]
        if not chosen_docs:
            raise CoderError(f"no document has codings by every one of {', '.join(coder_names)}",
                             fix="name the documents with --docs, or choose other coders with --coders")
    doc_rows = _document_rows(db, chosen_docs, with_length=unit in ("document", "character"))
    notes: list[str] = []
    if unit == "character":
        incomplete = [name for d, name, _ in doc_rows if not all((d, c) in worked for c in coder_ids)]
        if incomplete:
            notes.append(f"{len(incomplete)} document(s) left out: not every coder has coded in them ({', '.join(incomplete[:5])}"
                         f"{', …' if len(incomplete) > 5 else ''}); span-level agreement needs every coder on the whole text")
            doc_rows = [row for row in doc_rows if row[1] not in incomplete]
        if not doc_rows:
            raise CoderError("no document has codings by every chosen coder", fix="choose other documents or coders")
    doc_ids = [d for d, _, _ in doc_rows]
    wanted = _choose_codes(db, codes, group)
    raw = _fetch_codings(db, coder_ids, doc_ids, wanted)
    if wanted is None and not len(raw):
        raise CoderError("the chosen coders have no codings in the chosen documents", fix="choose other documents or coders")
    code_list = _code_info(db, wanted if wanted is not None else np.unique(raw[:, 1]).tolist())
    parameters = {
        "unit": unit,
        "overlap_rule": ("a coder applied a code to a unit when their codings of it cover at least "
                         f"{min_overlap:g} of the unit's characters" if min_overlap else
                         "a coder applied a code to a unit when their codings of it cover at least one of its characters")
        if unit != "character" else "characters: coded or not, per code",
        "min_overlap": min_overlap,
        "coders": list(coder_names),
        "documents": [name for _, name, _ in doc_rows],
        "codes": [c.path for c in code_list],
        "group": group,
        "missing": "a coder's units in a document where they have no codings at all are missing data, not 'not applied'",
        "pooling": POOLING,
        "bootstrap": {"draws": bootstrap, "seed": seed, "confidence": DEFAULT_CONFIDENCE} if bootstrap else None,
        "unstable_when": (f"fewer than {MIN_UNITS} pairable units, or the rarest value in use has fewer than "
                          f"{MIN_CATEGORY_VALUES} pairable values" if unit != "character" else
                          f"fewer than {MIN_SECTIONS} coded sections, all coders together"),
        "bands": {"reliable": f"α ≥ {RELIABLE:.3f}", "tentative": f"{TENTATIVE:.3f} ≤ α < {RELIABLE:.3f}",
                  "not reliable": f"α < {TENTATIVE:.3f}"},
    }
    codings = _prepare_codings(raw, doc_ids, [c.id for c in code_list], coder_ids)
    if unit == "character":
        report = _character_report(np, doc_rows, code_list, coder_ids, coder_names, codings, by_document)
    else:
        report = _unit_report(np, db, unit, min_overlap, doc_rows, code_list, coder_ids, coder_names, codings, worked,
                              by_document, bootstrap, seed)
    report.parameters = parameters | report.parameters
    report.notes = notes + report.notes
    return report


def _documents_named(db: Database, names: Sequence[str]) -> list[int]:
    from coder.coding import find_document

    return list(dict.fromkeys(find_document(db, name) for name in names))


def _all_documents(db: Database) -> list[tuple[int, str]]:
    return [(r[0], r[1]) for r in db.execute("SELECT id, name FROM documents ORDER BY name")]


def _worked(db: Database) -> set[tuple[int, int]]:
    """(document, coder) pairs where the coder has at least one coding: the documents they worked on."""
    rows = db.execute("SELECT document_id, coder_id FROM codings GROUP BY document_id, coder_id")  # covering index: fast
    return {(d, c) for d, c in rows}


def _choose_coders(db: Database, names: Sequence[str] | None, documents: list[int] | None,
                   worked: set[tuple[int, int]]) -> list[tuple[int, str]]:
    from coder.coding import coder_id, consensus_coder

    known = {r[0]: r[1] for r in db.execute("SELECT id, name FROM coders")}
    if names:
        chosen = [(i, known[i]) for i in dict.fromkeys(coder_id(db, name, create=False) for name in names)]
    else:
        consensus = consensus_coder(db)
        among = None if documents is None else set(documents)
        ids = {c for d, c in worked if among is None or d in among}
        chosen = sorted(((i, known[i]) for i in ids if known[i] != consensus), key=lambda item: item[1])
    if len(chosen) < 2:
        found = ", ".join(n for _, n in chosen) or "none"
        raise CoderError(f"agreement needs at least two coders ({'named' if names else 'with codings here'}: {found})",
                         fix="let a second coder code the same documents, or name the coders with --coders A B")
    return chosen


def _document_rows(db: Database, ids: list[int], *, with_length: bool) -> list[tuple[int, str, int]]:
    length = "length(text)" if with_length else "0"
    found = {r[0]: (r[0], r[1], r[2]) for r in db.execute(
        f"SELECT id, name, {length} FROM documents WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])}
    return [found[i] for i in ids if i in found]


def _choose_codes(db: Database, names: Sequence[str] | None, group: str | None) -> list[int] | None:
    """The code ids named by --codes and --group (None: the codes the coders used, found with their codings)."""
    from coder.coding import find_code

    if not names and not group:
        return None
    wanted: list[int] = [find_code(db, name).id for name in names or ()]
    if group:
        row = db.execute("SELECT id FROM code_groups WHERE lower(name) = lower(?)", [group]).fetchone()
        if row is None:
            known = ", ".join(r[0] for r in db.execute("SELECT name FROM code_groups ORDER BY ordinal"))
            raise CoderError(f"no code group named '{group}'", fix=f"use one of: {known}")
        wanted += [r[0] for r in db.execute("SELECT id FROM codes WHERE group_id = ? AND active ORDER BY ordinal", [row[0]])]
    return list(dict.fromkeys(wanted))


def _code_info(db: Database, ids: Iterable[int]) -> list[CodeInfo]:
    """Codes in codebook order, with their group (and how many active codes it has)."""
    rows = db.execute(
        "SELECT c.id, c.name, g.name, g.id, g.exclusive,"
        " (SELECT count(*) FROM codes x WHERE x.group_id = g.id AND x.active) FROM codes c JOIN code_groups g ON g.id = c.group_id"
        " WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY g.ordinal, c.ordinal, c.id", [json.dumps(sorted(set(ids)))])
    return [CodeInfo(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


def _fetch_codings(db: Database, coders: list[int], docs: list[int], codes: list[int] | None) -> np.ndarray:
    """Raw codings of the selection: rows of document id, code id, coder id, start, end."""
    import itertools

    np = _numpy()
    # two integers packed per column: Python's sqlite3 spends its time per value, not per row
    rows = db.execute(
        "SELECT (document_id << 40) | (code_id << 20) | coder_id, (start << 32) | end FROM codings"
        " WHERE coder_id IN (SELECT value FROM json_each(?)) AND document_id IN (SELECT value FROM json_each(?))"
        + (" AND code_id IN (SELECT value FROM json_each(?))" if codes is not None else ""),
        [json.dumps(coders), json.dumps(docs)] + ([json.dumps(codes)] if codes is not None else [])).fetchall()
    packed = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)
    low20, low32 = (1 << 20) - 1, (1 << 32) - 1
    return np.stack([packed[:, 0] >> 40, (packed[:, 0] >> 20) & low20, packed[:, 0] & low20,
                     packed[:, 1] >> 32, packed[:, 1] & low32], axis=1)


def _prepare_codings(raw: np.ndarray, docs: list[int], codes: list[int], coders: list[int]) -> dict[str, np.ndarray]:
    """Codings as 0-based document, code and coder indices, each coder's overlapping codings of a code merged."""
    np = _numpy()
    doc, code, coder = _index_of(np, raw[:, 0], docs), _index_of(np, raw[:, 1], codes), _index_of(np, raw[:, 2], coders)
    keep = (doc >= 0) & (code >= 0) & (coder >= 0)
    key = (doc[keep] * len(codes) + code[keep]) * len(coders) + coder[keep]
    key, start, end = _merge_overlaps(np, key, raw[keep, 3], raw[keep, 4])
    per = len(codes) * len(coders)
    return {"doc": key // per, "code": (key // len(coders)) % len(codes), "coder": key % len(coders), "start": start, "end": end}


def _index_of(np: Any, values: np.ndarray, ids: list[int]) -> np.ndarray:
    size = max(max(ids, default=0), int(values.max(initial=0))) + 1
    lookup = np.full(size, -1, np.int64)
    lookup[np.asarray(ids, np.int64)] = np.arange(len(ids))
    return lookup[values]


def _merge_overlaps(np: Any, key: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping intervals that share a key (touching ones stay apart); sorted by key and start."""
    if not len(key):
        return key, start, end
    big = int(end.max()) + 1
    if int(key.max()) * big < 1 << 62:  # one integer sort key is several times faster than lexsort
        order = np.argsort(key * big + start)
    else:
        order = np.lexsort((start, key))
    key, start, end = key[order], start[order], end[order]
    reach = np.maximum.accumulate(key * big + end) - key * big  # furthest end so far within the key
    new = np.ones(len(key), bool)
    new[1:] = (key[1:] != key[:-1]) | (start[1:] >= reach[:-1])
    if new.all():
        return key, start, end
    first = np.flatnonzero(new)
    return key[first], start[first], np.maximum.reduceat(end, first)


def _load_units(db: Database, unit: str, doc_rows: list[tuple[int, str, int]]) -> dict[str, np.ndarray]:
    """The units of the chosen documents in document order: document index, ordinal, start, end."""
    import itertools

    np = _numpy()
    ids = [d for d, _, _ in doc_rows]
    if unit == "document":
        flat = np.array([[d, 1, 0, length] for d, _, length in doc_rows], dtype=np.int64).reshape(-1, 4)
    else:
        table = "segments" if unit == "passage" else "sentences"
        rows = db.execute(f"SELECT (document_id << 32) | ordinal, (start << 32) | end FROM {table}"
                          " WHERE document_id IN (SELECT value FROM json_each(?)) AND end > start", [json.dumps(ids)]).fetchall()
        packed = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)
        low = (1 << 32) - 1
        flat = np.stack([packed[:, 0] >> 32, packed[:, 0] & low, packed[:, 1] >> 32, packed[:, 1] & low], axis=1)
    doc = _index_of(np, flat[:, 0], ids)
    order = np.lexsort((flat[:, 2], doc))
    return {"doc": doc[order], "ordinal": flat[order, 1], "start": flat[order, 2], "end": flat[order, 3]}


def _coverage(np: Any, units: dict[str, np.ndarray], codings: dict[str, np.ndarray], n_codes: int, n_coders: int) -> dict[str, np.ndarray]:
    """Characters of each unit covered by each coder's codings of each code (only pairs that overlap)."""
    which, unit = overlapping((units["doc"], units["start"], units["end"]), (codings["doc"], codings["start"], codings["end"]))
    overlap = np.minimum(codings["end"][which], units["end"][unit]) - np.maximum(codings["start"][which], units["start"][unit])
    keep = overlap > 0
    key = (unit[keep] * n_codes + codings["code"][which][keep]) * n_coders + codings["coder"][which][keep]
    distinct, inverse = np.unique(key, return_inverse=True)
    return {"unit": distinct // (n_codes * n_coders), "code": (distinct // n_coders) % n_codes, "coder": distinct % n_coders,
            "covered": np.bincount(inverse.ravel(), weights=overlap[keep])}


def _unit_metrics(r: Ratings, q: int, bootstrap: int, seed: int) -> dict[str, Result]:
    metrics = {"percent": percent_agreement(r), "kappa": cohen_kappa(r) if len(r.coders) == 2 else fleiss_kappa(r)}
    if len(r.coders) == 2:
        metrics["scott_pi"] = scott_pi(r)
    metrics["brennan_prediger"] = brennan_prediger(r, q)
    metrics["alpha"] = bootstrap_alpha(r, bootstrap, seed) if bootstrap else krippendorff_alpha(r)
    return metrics


def _unit_notes(values: np.ndarray, metrics: dict[str, Result]) -> list[str]:
    notes = []
    missing = int((values < 0).sum())
    if missing:
        notes.append(f"missing data ({missing} unit × coder values)")
    left_out = metrics["kappa"].details.get("units_left_out")
    if left_out:
        notes.append(f"κ leaves out {int(left_out)} incomplete units")
    return notes


def _unit_report(
    np: Any, db: Database, unit: str, min_overlap: float | None, doc_rows: list[tuple[int, str, int]], code_list: list[CodeInfo],
    coder_ids: list[int], coder_names: tuple[str, ...], codings: dict[str, np.ndarray], worked: set[tuple[int, int]],
    by_document: bool, bootstrap: int, seed: int,
) -> Report:
    units = _load_units(db, unit, doc_rows)
    n_units, n_codes, n_coders = len(units["start"]), len(code_list), len(coder_ids)
    if not n_units:
        raise CoderError(f"the chosen documents have no {unit}s", fix="choose another --unit, or re-import the documents")
    has_worked = np.array([[(d, c) in worked for c in coder_ids] for d, _, _ in doc_rows], bool).reshape(-1, n_coders)
    base = np.where(has_worked[units["doc"]], 0, -1).astype(np.int8)
    cover = _coverage(np, units, codings, n_codes, n_coders)
    size = (units["end"] - units["start"])[cover["unit"]]
    applied = cover["covered"] >= min_overlap * size - 1e-9 if min_overlap else cover["covered"] > 0
    values = np.broadcast_to(base, (n_codes, n_units, n_coders)).copy()
    values[cover["code"][applied], cover["unit"][applied], cover["coder"][applied]] = 1
    binary = (NOT_APPLIED, APPLIED)
    rows: list[Row] = []
    variables: dict[str, Variable] = {}
    per_code: list[Ratings] = []
    for c, code in enumerate(code_list):
        r = Ratings.from_codes(values[c], binary, coder_names)
        per_code.append(r)
        metrics = _unit_metrics(r, 2, bootstrap, seed)
        rows.append(Row("code", code.path, metrics, notes=_unit_notes(values[c], metrics)))
        variables[code.path] = Variable(code.path, "code", binary, values[c])
    for group_id, members in _groups(code_list).items():
        first = code_list[members[0]]
        if len(members) < 2:
            continue
        if first.exclusive:
            nominal, mixed = _exclusive_values(np, base, cover, applied, members, n_coders)
            labels = (NONE, *(code_list[c].name for c in members))
            metrics = _unit_metrics(Ratings.from_codes(nominal, labels, coder_names), first.group_size + 1, bootstrap, seed)
            notes = _unit_notes(nominal, metrics)
            if mixed:
                notes.append(f"{mixed} mixed units (a coder applied several codes of the group; the one covering most counts)")
            rows.append(Row("group", first.group, metrics, notes=notes))
            variables[f"group:{first.group}"] = Variable(first.group, "group", labels, nominal)
        else:
            metrics = _unit_metrics(stack([per_code[c] for c in members]), 2, bootstrap, seed)
            rows.append(Row("group", first.group, metrics, notes=_unit_notes(values[members], metrics)))
            variables[f"group:{first.group}"] = Variable(first.group, "group", binary, None, tuple(code_list[c].path for c in members))
    if n_codes >= 2:
        metrics = _unit_metrics(stack(per_code), 2, bootstrap, seed)
        defined = [row.alpha.value for row in rows if row.kind == "code" and not row.alpha.undefined]
        metrics["alpha"] = replace(metrics["alpha"], details=metrics["alpha"].details | {
            "mean_of_code_alphas": _number(sum(defined) / len(defined)) if defined else None})
        rows.append(Row("pooled", "pooled", metrics, notes=_unit_notes(values, metrics)))
        variables["pooled"] = Variable("pooled", "pooled", binary, None, tuple(c.path for c in code_list))
    if by_document:
        bounds = np.searchsorted(units["doc"], np.arange(len(doc_rows) + 1))
        for c, code in enumerate(code_list):
            for d, (_, name, _) in enumerate(doc_rows):
                part = values[c, bounds[d]:bounds[d + 1]]
                metrics = _unit_metrics(Ratings.from_codes(part, binary, coder_names), 2, bootstrap, seed)
                rows.append(Row("code", code.path, metrics, document=name, notes=_unit_notes(part, metrics)))
    names = np.array([name for _, name, _ in doc_rows], dtype=object)
    return Report({"units_total": n_units}, rows, variables,
                  units={"document": names[units["doc"]] if n_units else names[:0], "unit": units["ordinal"],
                         "start": units["start"], "end": units["end"]})


def _groups(code_list: list[CodeInfo]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i, code in enumerate(code_list):
        groups.setdefault(code.group_id, []).append(i)
    return groups


def _exclusive_values(
    np: Any, base: np.ndarray, cover: dict[str, np.ndarray], applied: np.ndarray, members: list[int], n_coders: int,
) -> tuple[np.ndarray, int]:
    """One nominal value per unit and coder for an exclusive group: the code applied (most coverage wins), or none."""
    position = np.full(max(members) + 1, -1)
    position[members] = np.arange(len(members))
    chosen = applied & np.isin(cover["code"], members)
    unit, coder, covered = cover["unit"][chosen], cover["coder"][chosen], cover["covered"][chosen]
    pos = position[cover["code"][chosen]]
    cell = unit * n_coders + coder
    order = np.lexsort((pos, -covered, cell))  # per cell: most coverage first, then codebook order
    cell, pos = cell[order], pos[order]
    head = np.ones(len(cell), bool)
    head[1:] = cell[1:] != cell[:-1]
    nominal = base.copy()
    nominal[cell[head] // n_coders, cell[head] % n_coders] = pos[head] + 1
    return nominal, int(len(np.unique(cell[~head])))


def _character_report(
    np: Any, doc_rows: list[tuple[int, str, int]], code_list: list[CodeInfo], coder_ids: list[int],
    coder_names: tuple[str, ...], codings: dict[str, np.ndarray], by_document: bool,
) -> Report:
    lengths = np.array([length for _, _, length in doc_rows], np.int64)
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    n_coders, n_docs = len(coder_ids), len(doc_rows)
    start = offsets[codings["doc"]] + codings["start"]  # positions on the documents concatenated
    end = offsets[codings["doc"]] + codings["end"]
    # codings sorted by code, then document: every (code, document) is one slice of `order`
    order = np.lexsort((codings["doc"], codings["code"]))
    cells = np.searchsorted(codings["code"][order] * n_docs + codings["doc"][order], np.arange(len(code_list) * n_docs + 1))

    def taken(code: int, doc: int | None = None) -> np.ndarray:
        first, last = (code * n_docs, (code + 1) * n_docs) if doc is None else (code * n_docs + doc, code * n_docs + doc + 1)
        return order[cells[first]:cells[last]]

    def row(kind: str, name: str, parts: list[np.ndarray], labels: tuple[str, ...], q: int, *, nominal: np.ndarray | None = None,
            length: int = total, begin: np.ndarray = start, finish: np.ndarray = end, document: str | None = None) -> Row:
        """A row from codings in `parts`: each part on its own copy of the continuum (stacked), or, with
        `nominal` (code → value), all on one continuum as one nominal variable."""
        idx = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        if nominal is None:
            shift = np.repeat(np.arange(len(parts)), [len(p) for p in parts]) * length
            values, span = np.ones(len(idx), np.int64), length * len(parts)
        else:
            shift, values, span = 0, nominal[codings["code"][idx]], length
        cont = _continuum(span, codings["coder"][idx], begin[idx] + shift, finish[idx] + shift, values, coder_names, labels)
        family = _unitized(cont, n_coders)
        alpha = family.binary_u_alpha if nominal is None else family.u_alpha
        if isinstance(cont, str):
            metrics = {k: _undefined(k, cont, coders=n_coders) for k in ("percent", "kappa", "brennan_prediger")}
        else:
            r = cont.ratings(NOT_APPLIED, (APPLIED,)) if nominal is None else cont.ratings(NONE)
            metrics = {"percent": percent_agreement(r), "kappa": cohen_kappa(r) if n_coders == 2 else fleiss_kappa(r),
                       "brennan_prediger": brennan_prediger(r, q)}
            metrics = {k: replace(v, unstable=alpha.unstable) for k, v in metrics.items()}
        metrics["alpha"] = alpha
        if nominal is not None:
            metrics |= {"binary_u_alpha": family.binary_u_alpha, "cu_alpha": family.cu_alpha}
            metrics |= {f"k_u_alpha {label}": result for label, result in family.by_value.items()}
        return Row(kind, name, metrics, document=document)

    rows = [row("code", code.path, [taken(c)], (code.path,), 2) for c, code in enumerate(code_list)]
    for members in _groups(code_list).values():
        first = code_list[members[0]]
        if len(members) < 2:
            continue
        if first.exclusive:
            nominal = np.zeros(len(code_list), np.int64)
            nominal[members] = np.arange(1, len(members) + 1)
            rows.append(row("group", first.group, [taken(c) for c in members], tuple(code_list[c].name for c in members),
                            first.group_size + 1, nominal=nominal))
        else:
            rows.append(row("group", first.group, [taken(c) for c in members], (first.group,), 2))
    if len(code_list) >= 2:
        rows.append(row("pooled", "pooled", [taken(c) for c in range(len(code_list))], ("pooled",), 2))
    if by_document:
        for c, code in enumerate(code_list):
            for d, (_, name, length) in enumerate(doc_rows):
                idx = taken(c, d)
                local = row("code", code.path, [idx], (code.path,), 2, length=int(length),
                            begin=codings["start"], finish=codings["end"], document=name)
                if n_coders == 2:  # NVivo's per code × document comparison
                    spans = [list(zip(codings["start"][idx][codings["coder"][idx] == j].tolist(),
                                      codings["end"][idx][codings["coder"][idx] == j].tolist())) for j in range(2)]
                    local.metrics["percent"], local.metrics["kappa"] = nvivo_comparison(int(length), *spans)
                rows.append(local)
    names = [name for _, name, _ in doc_rows]
    return Report({"characters_total": total}, rows, sections={
        "codings": codings, "documents": names, "lengths": lengths, "offsets": offsets, "codes": [c.path for c in code_list],
        "coders": list(coder_names)})


# ---------------------------------------------------------------------------------------------
# Reproducibility and follow-up: the tables as CSV, and the units the coders disagree on


def save(report: Report, directory: Path | str) -> list[Path]:
    """Write `parameters.json` and one CSV per code, group and the pooled stack, into `directory`.

    Each CSV has a row per unit: document, unit (its ordinal), start, end, then one column per coder
    (1 = applied, 0 = not applied, empty = missing; exclusive groups use 0 = none, 1.. = the codes
    listed in parameters.json). Stacked files (groups, pooled) add a `code` column. At character
    level, `sections.csv` and `documents.csv` hold the coders' sections instead. Returns the files.
    """
    from coder import __version__ as version

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    files: dict[str, Any] = {}
    coders = list(report.parameters["coders"])
    columns = [f"coder {name}" if name in ("code", "document", "unit", "start", "end") else name for name in coders]
    taken: set[str] = {"parameters"}
    for key, variable in report.variables.items():
        path = folder / f"{_slug(key, taken)}.csv"
        _write_variable(report, variable, path, columns)
        files[key] = {"file": path.name, "values": dict(enumerate(variable.labels)), "coder_columns": columns,
                      "stacked_codes": list(variable.codes) or None}
        written.append(path)
    if report.sections:
        written += _write_sections(report.sections, folder)
        files["sections"] = {"file": "sections.csv", "documents": "documents.csv"}
    parameters = {
        "tool": f"coder {version}", **report.parameters, "files": files, "notes": report.notes,
        "reproduce": _reproduce_hint(report, columns), "results": [row.as_dict() for row in report.rows],
    }
    path = folder / "parameters.json"
    path.write_text(json.dumps(_plain(parameters), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path, *written]


def _slug(key: str, taken: set[str]) -> str:
    from coder.text import slug

    base = slug(key.replace("group:", "group-"), lower=True) or "code"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def _write_variable(report: Report, variable: Variable, path: Path, columns: list[str]) -> None:
    np = _numpy()
    blocks = [(code, report.variables[code].values) for code in variable.codes] if variable.codes else [(None, variable.values)]
    units = report.units
    ids = [units["document"], units["unit"].astype(str), units["start"].astype(str), units["end"].astype(str)]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow((["code"] if variable.codes else []) + ["document", "unit", "start", "end", *columns])
        for code, values in blocks:
            cells = np.where(values < 0, "", values.astype(str))
            lead = [[code]] * len(values) if code is not None else [[]] * len(values)
            writer.writerows(lead[i] + [ids[0][i], ids[1][i], ids[2][i], ids[3][i], *cells[i]] for i in range(len(values)))


def _write_sections(sections: dict[str, Any], folder: Path) -> list[Path]:
    codings = sections["codings"]
    with (folder / "sections.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["document", "code", "coder", "start", "end"])
        for d, c, j, s, e in zip(codings["doc"], codings["code"], codings["coder"], codings["start"], codings["end"]):
            writer.writerow([sections["documents"][d], sections["codes"][c], sections["coders"][j], int(s), int(e)])
    with (folder / "documents.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["document", "length", "offset"])
        writer.writerows([name, int(n), int(o)] for name, n, o in zip(sections["documents"], sections["lengths"], sections["offsets"]))
    return [folder / "sections.csv", folder / "documents.csv"]


def _reproduce_hint(report: Report, columns: list[str]) -> dict[str, str]:
    if report.sections:
        return {"python": "from coder.agreement import unitized, pool_continua  # see docs/agreement.md, 'Reproducing'"}
    names = ", ".join(f'"{c}"' for c in columns)
    return {
        "python": f'd = pandas.read_csv(FILE); krippendorff.alpha(reliability_data=d[[{names}]].T.to_numpy(float), '
                  'level_of_measurement="nominal")',
        "R": f'd <- read.csv(FILE, check.names = FALSE); irr::kripp.alpha(t(as.matrix(d[, c({names})])), method = "nominal")',
    }


def disagreements(report: Report, name: str, document: str | None = None) -> list[dict[str, Any]]:
    """The units (or character stretches) where the coders disagree on a code or group, in text order.

    Each item: document, unit, start, end, code (for stacks) and values {coder: value or None}.
    """
    np = _numpy()
    coders = list(report.parameters["coders"])
    if report.sections:
        return _span_disagreements(report, name, document)
    key = next((k for k in (name, f"group:{name}") if k in report.variables), None)
    if key is None:
        key = next((k for k, v in report.variables.items() if v.kind == "code" and k.split("/", 1)[1] == name), None)
    if key is None:
        raise CoderError(f"no code or group '{name}' in this agreement run", fix="use a name from the table")
    variable = report.variables[key]
    blocks = [(code, report.variables[code].values) for code in variable.codes] if variable.codes else [(None, variable.values)]
    found = []
    for code, values in blocks:
        present = values >= 0
        high = np.where(present, values, -1).max(axis=1)
        low = np.where(present, values, np.iinfo(values.dtype).max).min(axis=1)
        differ = (present.sum(axis=1) >= 2) & (high != low)
        if document is not None:
            differ &= report.units["document"] == document
        for i in np.flatnonzero(differ):
            found.append({"document": report.units["document"][i], "unit": int(report.units["unit"][i]),
                          "start": int(report.units["start"][i]), "end": int(report.units["end"][i]), "code": code or key,
                          "values": {c: (variable.labels[v] if v >= 0 else None) for c, v in zip(coders, values[i].tolist())}})
    return found


def _span_disagreements(report: Report, name: str, document: str | None) -> list[dict[str, Any]]:
    np = _numpy()
    sections = report.sections
    codes = sections["codes"]
    matches = [i for i, path in enumerate(codes) if path == name or path.split("/", 1)[1] == name]
    if not matches:
        raise CoderError(f"no code '{name}' in this agreement run", fix="use a code from the table")
    c = matches[0]
    codings = sections["codings"]
    found = []
    for d, doc_name in enumerate(sections["documents"]):
        if document is not None and doc_name != document:
            continue
        mine = (codings["doc"] == d) & (codings["code"] == c)
        cont = _continuum(int(sections["lengths"][d]), codings["coder"][mine], codings["start"][mine], codings["end"][mine],
                          np.ones(int(mine.sum()), np.int64), sections["coders"], (codes[c],))
        bounds = np.concatenate([[0], np.cumsum(cont.atom_length)])
        differ = (cont.atom_value != cont.atom_value[:, :1]).any(axis=1)
        for t in np.flatnonzero(differ):
            values = {coder: APPLIED if v else NOT_APPLIED for coder, v in zip(sections["coders"], cont.atom_value[t].tolist())}
            if found and found[-1]["document"] == doc_name and found[-1]["end"] == bounds[t] and found[-1]["values"] == values:
                found[-1]["end"] = int(bounds[t + 1])
            else:
                found.append({"document": doc_name, "unit": None, "start": int(bounds[t]), "end": int(bounds[t + 1]),
                              "code": codes[c], "values": values})
    return found
