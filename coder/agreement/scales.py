"""Agreement on a scale: an exclusive code group whose codes are ordered (`ordered: true`) or carry a `value:`.

Such a group is one ordinal (or interval, ratio) variable per unit. A unit where a coder applied
none of the group's codes has no point on the scale, so it is missing data here (the group's
nominal figures keep "none" as a value). Weighted κ (linear and quadratic, two coders) and α at the
requested level are computed on this table; definitions in docs/agreement.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from coder.agreement.data import CodeInfo
from coder.agreement.metrics import WEIGHTS, bootstrap_alpha, krippendorff_alpha, weighted_kappa
from coder.agreement.ratings import Ratings
from coder.agreement.result import Result

if TYPE_CHECKING:
    import numpy as np


SCALES = ("an exclusive group whose codes are ordered (ordered: true) or have a value: is a scale: weighted κ (linear, "
          "quadratic) and α at --level are computed on the units where coders applied one of its codes, 'none' being "
          "missing; the group's other figures, codes and other groups stay binary or nominal")


@dataclass(frozen=True)
class Scale:
    """A group's codes as points of a scale: `rank[k]` is the place of the group's k-th code (codebook order)."""

    labels: tuple[str | float, ...]  # code names in scale order, or their values (ascending) when every code has one
    rank: tuple[int, ...]
    valued: bool

    @property
    def scores(self) -> list[float]:
        """The points' numbers for weighted κ: their values, or ranks 0, 1, 2, ..."""
        return [float(v) for v in self.labels] if self.valued else [float(i) for i in range(len(self.labels))]


def scale_of(codes: Sequence[CodeInfo]) -> Scale | None:
    """The scale of a group's codes (in codebook order), or None if the group is not one."""
    if all(c.value is not None for c in codes):
        order = sorted(range(len(codes)), key=lambda k: (codes[k].value, k))
        rank = [0] * len(codes)
        for place, k in enumerate(order):
            rank[k] = place
        return Scale(tuple(float(codes[k].value or 0) for k in order), tuple(rank), True)
    if codes and codes[0].ordered:
        return Scale(tuple(c.name for c in codes), tuple(range(len(codes))), False)
    return None


def scale_level(scale: Scale, level: str) -> str:
    """The level α is computed at: interval and ratio need values, so an ordered group without them stays ordinal."""
    return "ordinal" if level in ("interval", "ratio") and not scale.valued else level


def scale_metrics(
    nominal: np.ndarray, scale: Scale, coders: Sequence[str], level: str, bootstrap: int, seed: int,
) -> tuple[dict[str, Result], str]:
    """Weighted κ and (unless the level is nominal) α at the level, on the group's nominal table (0 = none, k = k-th code).

    Returns the figures (keys weighted_kappa_linear, weighted_kappa_quadratic, alpha) and a note saying
    what they were computed on. Each figure's details["file_points"] maps the group's saved file (1, 2, …
    = its codes; 0 = none, missing here) to points on the scale: the codes' values, or ranks 1, 2, ….
    """
    import numpy as np  # ≈0.1 s

    lookup = np.array([-1, *scale.rank], dtype=np.int64)
    points = np.where(nominal > 0, lookup[np.clip(nominal, 0, None)], -1)
    r = Ratings.from_codes(points, scale.labels, coders)
    metrics: dict[str, Result] = {}
    if len(coders) == 2:
        metrics |= {f"weighted_kappa_{w}": weighted_kappa(r, w, scale.scores) for w in WEIGHTS}
    used = scale_level(scale, level)
    if used != "nominal":
        metrics["alpha"] = bootstrap_alpha(r, bootstrap, seed, level=used) if bootstrap else krippendorff_alpha(r, used)
    on_file = {k + 1: scale.labels[place] if scale.valued else place + 1 for k, place in enumerate(scale.rank)}
    metrics = {key: replace(result, details=result.details | {"file_points": on_file}) for key, result in metrics.items()}
    order = " < ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in scale.labels)
    what = (f"{used} α" + (" and weighted κ" if len(coders) == 2 else "")) if used != "nominal" else "weighted κ"
    fallback = f" (ordinal: its codes have no value:, which {level} α needs)" if used != level else ""
    units = next((r.units for r in metrics.values()), 0)
    return metrics, (f"scale {order}: {what}{fallback} on the {units} units where two or more coders applied one of its codes "
                     "('none' is missing)")


def on_scale(codes: Sequence[CodeInfo], nominal: np.ndarray, metrics: dict[str, Result], coders: Sequence[str], level: str,
             bootstrap: int, seed: int) -> list[str]:
    """Add a scale group's figures to its row's `metrics` (its nominal α kept as alpha_nominal); the row's notes."""
    scale = scale_of(codes)
    if scale is None:
        return []
    figures, note = scale_metrics(nominal, scale, coders, level, bootstrap, seed)
    if "alpha" in figures:
        metrics["alpha_nominal"] = metrics["alpha"]
    metrics |= figures
    return [note]
