"""The agreement coefficients on reliability data: how far coders agree on the units they coded.

Percent agreement, Krippendorff's α (nominal, ordinal, interval, ratio, with a bootstrap
interval), Cohen's κ (also weighted, linear or quadratic), Scott's π, Fleiss' κ and Brennan–Prediger's κ, each a pure function of a
units × coders table (`ratings`), checked against published worked examples and the
`krippendorff` package in tests/agreement/test_metrics.py. Definitions and references are in
docs/agreement.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from coder.agreement.ratings import Ratings, Tally, ratings
from coder.agreement.result import RELIABLE, TENTATIVE, Result, rounded, undefined

if TYPE_CHECKING:
    import numpy as np

DEFAULT_SEED = 1
DEFAULT_CONFIDENCE = 0.95
LEVELS = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = ("linear", "quadratic")


def percent_agreement(data: Any) -> Result:
    """Share of pairable units on which every coder who coded the unit gave the same value.

    For two coders this is the familiar "% agreement". `details["pairwise"]` is the mean
    agreement over pairs of coders within a unit (Fleiss' P̄ / Gwet's p_a), which is kinder to
    three or more coders.
    """
    t = Tally.of(ratings(data))
    if t.units == 0:
        return undefined("percent_agreement", "no unit was coded by at least two coders", **t.counts())
    pairwise = float((t.f * (t.vc * (t.vc - 1)).sum(axis=1) / (t.m * (t.m - 1))).sum() / t.units)
    return Result("percent_agreement", rounded(t.unanimous / t.units), details={"pairwise": rounded(pairwise)}, **t.counts())


def coincidences(t: Tally) -> np.ndarray:
    """Krippendorff's coincidence matrix o_ck = Σ_u (pairs c–k between coders in u) / (m_u − 1)."""
    import numpy as np  # ≈0.1 s

    w = t.f / (t.m - 1)
    return np.einsum("k,kc,kd->cd", w, t.vc, t.vc) - np.diag((w[:, None] * t.vc).sum(axis=0))


def _distances(level: str, labels: Sequence[Any], n_c: np.ndarray) -> np.ndarray:
    """δ²_ck of Krippendorff's metrics (nominal, ordinal by ranks through the marginals, interval, ratio)."""
    import numpy as np  # ≈0.1 s

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
    Cross-checked against the `krippendorff` package in tests/agreement/test_metrics.py.
    """
    import numpy as np  # ≈0.1 s

    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement '{level}' (use one of {', '.join(LEVELS)})")
    r = ratings(data)
    t = Tally.of(r)
    metric = "krippendorff_alpha" if level == "nominal" else f"krippendorff_alpha_{level}"
    reason = t.one_value()
    if reason:
        return undefined(metric, reason, **t.counts())
    o = coincidences(t)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    delta = _distances(level, r.labels, n_c)
    observed = float((o * delta).sum() / n)
    expected = float((np.outer(n_c, n_c) * delta).sum() / (n * (n - 1)))
    if expected <= 0:
        return undefined(metric, "the values in use do not differ on this metric (expected disagreement is 0)", **t.counts())
    details = {"level": level, "observed_disagreement": rounded(observed), "expected_disagreement": rounded(expected),
               "coincidences": o.tolist(), "categories": list(r.labels)}
    return Result(metric, rounded(1 - observed / expected), details=details, **t.counts())


def _pair_table(r: Ratings) -> tuple[np.ndarray, float]:
    """The 2-coder contingency table over units both coded (rows: first coder)."""
    import numpy as np  # ≈0.1 s

    size = len(r.labels)
    table = np.zeros((size, size))
    both = (r.patterns >= 0).all(axis=1)
    np.add.at(table, (r.patterns[both, 0], r.patterns[both, 1]), r.counts[both])
    return table, float(table.sum())


def _two_coders(metric: str, data: Any, chance: str) -> Result:
    import numpy as np  # ≈0.1 s

    r = ratings(data)
    t = Tally.of(r)
    if len(r.coders) != 2:
        return undefined(metric, f"it compares exactly two coders (there are {len(r.coders)})", **t.counts())
    table, n = _pair_table(r)
    both = (r.patterns >= 0).all(axis=1)
    counts = t.counts() | {"units": int(round(n)), "values": rounded(2 * n),
                           "agreements": rounded(float(np.trace(table)))}
    if n == 0:
        return undefined(metric, "no unit was coded by both coders", **counts)
    rows, cols = table.sum(axis=1) / n, table.sum(axis=0) / n
    p_o = float(np.trace(table)) / n
    p_e = float((rows * cols).sum()) if chance == "cohen" else float((((rows + cols) / 2) ** 2).sum())
    details = {"p_o": rounded(p_o), "p_e": rounded(p_e), "categories": list(r.labels),
               "table": table.tolist(), "units_left_out": rounded(float(r.counts[~both].sum()))}
    if 1 - p_e < 1e-12:
        used = [str(label) for label, a, b in zip(r.labels, rows, cols) if a or b]
        return undefined(metric, f"only one value in use ('{used[0]}'), so chance agreement is perfect",
                         details=details, **counts)
    return Result(metric, rounded((p_o - p_e) / (1 - p_e)), details=details, **counts)


def cohen_kappa(data: Any) -> Result:
    """Cohen's κ (1960) for two coders: chance from each coder's own margins, over units both coded."""
    return _two_coders("cohen_kappa", data, "cohen")


def scott_pi(data: Any) -> Result:
    """Scott's π for two coders: like Cohen's κ, with the two coders' margins pooled."""
    return _two_coders("scott_pi", data, "scott")


def weighted_kappa(data: Any, weights: Any = "linear", scores: Sequence[float] | None = None) -> Result:
    """Cohen's weighted κ (1968) for two coders on ordered categories: κ_w = 1 − Σ v_ij p_ij / Σ v_ij e_ij.

    The disagreement weights v are "linear" |x_i − x_j| or "quadratic" (x_i − x_j)² on the
    categories' scores x (default: their ranks, in the order of the labels), or a q × q matrix
    (rows: the first coder), as in Cohen's paper. Chance e_ij is from each coder's own margins.
    """
    import numpy as np  # ≈0.1 s

    metric = f"weighted_kappa_{weights}" if isinstance(weights, str) else "weighted_kappa"
    r = ratings(data)
    t = Tally.of(r)
    if len(r.coders) != 2:
        return undefined(metric, f"it compares exactly two coders (there are {len(r.coders)})", **t.counts())
    table, n = _pair_table(r)
    counts = t.counts() | {"units": int(round(n)), "values": rounded(2 * n), "agreements": rounded(float(np.trace(table)))}
    if n == 0:
        return undefined(metric, "no unit was coded by both coders", **counts)
    x = np.arange(len(r.labels), dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if isinstance(weights, str):
        if weights not in WEIGHTS:
            raise ValueError(f"unknown weights '{weights}' (use one of {', '.join(WEIGHTS)}, or a matrix)")
        v = np.abs(x[:, None] - x[None, :]) ** (1 if weights == "linear" else 2)
    else:
        v = np.asarray(weights, dtype=float)
    if v.shape != table.shape:
        raise ValueError(f"{v.shape[0]} weights for {len(r.labels)} categories")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    observed_w, expected_w = float((v * table).sum() / n), float((v * expected).sum() / n)
    details = {"weights": weights if isinstance(weights, str) else v.tolist(), "scores": x.tolist(), "categories": list(r.labels),
               "observed_disagreement": rounded(observed_w), "expected_disagreement": rounded(expected_w), "table": table.tolist(),
               "units_left_out": rounded(float(r.counts[~(r.patterns >= 0).all(axis=1)].sum()))}
    if expected_w <= 0:
        return undefined(metric, "the values in use do not differ on these weights (expected disagreement is 0)", details=details, **counts)
    return Result(metric, rounded(1 - observed_w / expected_w), details=details, **counts)


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
    t = Tally.of(full)
    counts = t.counts()
    if m < 2:
        return undefined("fleiss_kappa", "it needs at least two coders", **counts)
    if t.units == 0:
        return undefined("fleiss_kappa", "no unit was coded by every coder", details={"units_left_out": dropped}, **counts)
    n_units = t.units
    p_i = ((t.vc**2).sum(axis=1) - m) / (m * (m - 1))
    p_bar = float((t.f * p_i).sum() / n_units)
    p_j = t.n_c / (n_units * m)
    p_e = float((p_j**2).sum())
    per_category: dict[str, float | None] = {}
    for j, label in enumerate(r.labels):
        if 0 < p_j[j] < 1:
            disagreement = float((t.f * t.vc[:, j] * (m - t.vc[:, j])).sum())
            per_category[str(label)] = rounded(1 - disagreement / (n_units * m * (m - 1) * p_j[j] * (1 - p_j[j])))
        else:
            per_category[str(label)] = None
    details = {"P_bar": rounded(p_bar), "P_e_bar": rounded(p_e), "p_j": {str(k): rounded(v) for k, v in zip(r.labels, p_j)},
               "per_category": per_category, "units_left_out": rounded(dropped)}
    if 1 - p_e < 1e-12:
        return undefined("fleiss_kappa", t.one_value() or "chance agreement is perfect", details=details, **counts)
    return Result("fleiss_kappa", rounded((p_bar - p_e) / (1 - p_e)), details=details, **counts)


def brennan_prediger(data: Any, q: int) -> Result:
    """Brennan & Prediger's κ_n (Bennett's S): chance agreement = 1/q for q possible categories.

    q is explicit: the number of categories a coder could choose (MAXQDA uses the number of codes
    in its table), not just those observed. Observed agreement is the mean pairwise agreement
    within units (Gwet's p_a), which for two coders is the percent agreement.
    """
    r = ratings(data)
    t = Tally.of(r)
    counts = t.counts()
    in_use = int((t.n_c > 0).sum())
    if q < 2:
        return undefined("brennan_prediger", f"q = {q}: there must be at least two possible categories", **counts)
    if q < in_use:
        return undefined("brennan_prediger", f"q = {q} is smaller than the {in_use} categories in use", **counts)
    if t.units == 0:
        return undefined("brennan_prediger", "no unit was coded by at least two coders", **counts)
    p_a = float((t.f * (t.vc * (t.vc - 1)).sum(axis=1) / (t.m * (t.m - 1))).sum() / t.units)
    return Result("brennan_prediger", rounded((p_a - 1 / q) / (1 - 1 / q)),
                  details={"p_a": rounded(p_a), "p_e": rounded(1 / q), "q": q}, **counts)


def bootstrap_alpha(
    data: Any, draws: int = 1000, seed: int = DEFAULT_SEED, *, level: str = "nominal", confidence: float = DEFAULT_CONFIDENCE,
) -> Result:
    """α with a percentile bootstrap interval: pairable units resampled with replacement.

    Resampling N units with replacement is the same as drawing how often each distinct row occurs
    from a multinomial, so every draw costs a few small matrix products whatever N is. The seed,
    number of draws, draws where α had no value, and the share of draws below .667 and .800 are
    reported in `details`.
    """
    import numpy as np  # ≈0.1 s

    base = krippendorff_alpha(data, level)
    if base.undefined or draws <= 0:
        return replace(base, details=base.details | {"ci_draws": draws, "ci_seed": seed, "ci_low": None, "ci_high": None})
    r = ratings(data)
    t = Tally.of(r)
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
        "ci_low": rounded(float(low)) if low is not None else None, "ci_high": rounded(float(high)) if high is not None else None,
        "ci_confidence": confidence, "ci_draws": draws, "ci_seed": seed, "ci_undefined_draws": int(draws - len(ok)),
        "ci_method": "percentile bootstrap, pairable units resampled with replacement",
        "share_below_0.667": rounded(float((ok < TENTATIVE).mean())) if len(ok) else None,
        "share_below_0.800": rounded(float((ok < RELIABLE).mean())) if len(ok) else None,
    })
