"""A cross-tab's result: its counts and margins as plain Python numbers, pandas only when asked for.

Printing a table (`coder xtab`, `coder cooccur`, the cross-tab view) needs no pandas, whose import
alone takes longer than counting a small study: `grid()` gives the rows to print. The DataFrame
views (`counts`, `table`, `with_totals()`) are built on first use, for the file writers, the
chi-square test and scripts; both views compute the percentages with the same arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coder.crosstab.dimensions import Coders, Dimension

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

Number = int | float


@dataclass
class Grid:
    """A labelled table of plain numbers, to print; `frame()` builds the same table as a DataFrame (for files)."""

    labels: list[str]  # the row labels
    columns: list[str]
    values: list[list[Number]]
    frame: Callable[[], pandas.DataFrame]


@dataclass
class CrossTab:
    """A table of counts with its margins; `grid()` (or the DataFrame `table`) is what to show."""

    cells: list[list[Number]]  # counts, a row per row label
    row_sums: list[Number]  # distinct units per row (not the sum of the cells when units share cells)
    col_sums: list[Number]
    row_labels: list[str]
    col_labels: list[str]
    total: float
    rows: Dimension
    columns: Dimension
    measure: str
    percent: str | None
    once_per_document: bool
    coders: Coders
    within: str | None = None  # only passages the same coder also coded with this code
    _frames: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # Plain numbers --------------------------------------------------------------------------------

    def shown(self) -> list[list[Number]]:
        """The cells as shown: counts, or each cell's share of its row (column) in % (0 for an empty margin)."""
        if self.percent == "row":
            return [[(c / r) * 100 if r > 0 else 0.0 for c in cells] for cells, r in zip(self.cells, self.row_sums)]
        if self.percent == "col":
            return [[(c / r) * 100 if r > 0 else 0.0 for c, r in zip(cells, self.col_sums)] for cells in self.cells]
        return self.cells

    def number_text(self, value: Any) -> str:
        """A cell as `coder xtab` prints it (the view and the heatmap too): one decimal for percentages, whole
        numbers for counts, thousands marked for characters and words, – for none."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if self.percent:
            return f"{float(value):.1f}"
        return f"{int(value):,}" if self.measure in ("characters", "words") else str(int(value))

    def grid(self, *, totals: bool = False, bases: bool = False) -> Grid:
        """The table to print; with `totals`, the margins as `with_totals()` adds them (and `bases`, the counts
        that percentages are of)."""
        values = [list(row) for row in self.shown()]
        labels, columns = list(self.row_labels), list(self.col_labels)
        if not totals:
            return Grid(labels, columns, values, lambda: self.table)
        whole = self.total or float("nan")
        if self.percent != "row":
            margin = self.row_sums if self.percent is None else [100.0 * r / whole for r in self.row_sums]
            columns.append("total")
            for row, value in zip(values, margin):
                row.append(value)
        if self.percent != "col":
            bottom = self.col_sums if self.percent is None else [100.0 * c / whole for c in self.col_sums]
            values.append([*bottom, *([self.total] if self.percent != "row" else [])])
            labels.append("total")
        if bases and self.percent == "row":
            columns.append("n")
            for row, value in zip(values, [*self.row_sums, self.total]):
                row.append(value)
        if bases and self.percent == "col":
            values.append([*self.col_sums, self.total])
            labels.append("n")
        return Grid(labels, columns, values, lambda: self.with_totals(bases=bases))

    # DataFrames, built when asked for ---------------------------------------------------------------

    @property
    def counts(self) -> pandas.DataFrame:
        if "counts" not in self._frames:
            import numpy as np  # ≈0.1 s
            import pandas as pd  # ≈0.3 s

            cells = np.array(self.cells, dtype=np.int64).reshape(len(self.row_labels), len(self.col_labels))
            self._frames["counts"] = pd.DataFrame(cells, index=pd.Index(self.row_labels, name=self.rows.title),
                                                  columns=pd.Index(self.col_labels, name=self.columns.title))
        return self._frames["counts"]

    @property
    def row_totals(self) -> pandas.Series:
        return self._margin("row_totals", self.row_sums, self.counts.index)

    @property
    def col_totals(self) -> pandas.Series:
        return self._margin("col_totals", self.col_sums, self.counts.columns)

    def _margin(self, key: str, values: list[Number], index: pandas.Index) -> pandas.Series:
        if key not in self._frames:
            import numpy as np  # ≈0.1 s
            import pandas as pd  # ≈0.3 s

            self._frames[key] = pd.Series(np.array(values), index=index, name="total")
        return self._frames[key]

    @property
    def table(self) -> pandas.DataFrame:
        if self.percent == "row":
            return (self.counts.div(self.row_totals.where(self.row_totals > 0), axis=0) * 100).fillna(0.0)
        if self.percent == "col":
            return (self.counts.div(self.col_totals.where(self.col_totals > 0), axis=1) * 100).fillna(0.0)
        return self.counts

    def with_totals(self, *, bases: bool = False) -> pandas.DataFrame:
        """The table with a `total` column and row (distinct units, so not the sum when units share cells).

        With `bases`, a percentage table also gets the counts its percentages are of: an `n` column
        (row %: each row's total, and all units) or an `n` row (column %), so the counts and any other
        percentage can be worked out again from a file.
        """
        import pandas as pd  # ≈0.3 s

        shown = self.table.copy()
        whole = self.total or float("nan")
        if self.percent != "row":  # counts: the row margins; column %: each row's share of all units
            shown["total"] = self.row_totals if self.percent is None else 100.0 * self.row_totals / whole
        if self.percent != "col":
            bottom = self.col_totals if self.percent is None else 100.0 * self.col_totals / whole
            values = bottom.tolist() + ([self.total] if "total" in shown.columns else [])
            shown = pd.concat([shown, pd.DataFrame([values], index=["total"], columns=shown.columns)])
        if bases and self.percent == "row":
            shown["n"] = [*self.row_sums, self.total]
        if bases and self.percent == "col":
            shown = pd.concat([shown, pd.DataFrame([[*self.col_sums, self.total]], index=["n"], columns=shown.columns)])
        shown.index.name, shown.columns.name = self.counts.index.name, self.counts.columns.name
        return shown

    # Words ------------------------------------------------------------------------------------------

    @property
    def unit(self) -> str:
        return "documents" if self.measure == "documents" or self.once_per_document else self.measure

    def describe(self) -> str:
        how = "once per document" if self.once_per_document else self.measure
        where = f" (only passages also coded {self.within})" if self.within else ""
        return f"{self.rows.title} × {self.columns.title}: {how}{where}, coded by {self.coders.describe()}"
