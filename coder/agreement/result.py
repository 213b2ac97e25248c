"""One agreement figure with the counts behind it, and Krippendorff's bands for reading it.

Every coefficient of the package returns a `Result`; where a formula has no value it is
"undefined" with the reason (never NaN, never an exception), so a table of figures can always be
shown, saved and compared with another tool's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

RELIABLE = 0.800  # Krippendorff (2004, 2019): rely on data with α ≥ .800 ...
TENTATIVE = 0.667  # ... draw tentative conclusions only with .667 ≤ α < .800
MIN_UNITS = 30  # fewer pairable units than this: the figure is flagged unstable
MIN_CATEGORY_VALUES = 10  # ... or when the rarest value in use has fewer pairable values than this
MIN_SECTIONS = 10  # span level: fewer coded sections (all coders together) than this is unstable


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
        return plain({
            "metric": self.metric, "value": self.value, "band": self.band, "reason": self.reason or None,
            "units": self.units, "values": self.values, "coders": self.coders, "agreements": self.agreements,
            "prevalence": self.prevalence, "unstable": self.unstable, "details": self.details,
        })


def plain(value: Any) -> Any:
    """JSON-ready data: numpy numbers as Python ones, NaN and infinity as None, keys as strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    return value


def undefined(metric: str, reason: str, **counts: Any) -> Result:
    """A figure the formula gives no value for, with the reason."""
    return Result(metric, None, reason, **counts)


def rounded(value: float) -> float:
    """A float rounded to 12 decimals, so hand-checkable figures print cleanly."""
    return float(round(value, 12))
