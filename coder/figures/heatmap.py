"""A cross-tab drawn for print: the table `coder xtab` prints, as a heatmap with the numbers in its cells.

`crosstab.crosstab` counts, with the same options as the command (measure, once per document, row
or column percentages, whose codings, documents, a code group, roll-up, within a code); the
figure shades each cell by its value (counts, or the percentage shown) and writes the number in
it. The margins the command prints (the `total` row and column, and `n` under percentages) are
written beside the shaded cells, unshaded, so the figure carries the same numbers as the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder import crosstab
from coder.db import Database
from coder.figures.labels import renderer_of
from coder.figures.output import CM, Saved, Style, drawn, new_figure, resize

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

    from coder.crosstab import CrossTab

LONGEST = 48  # characters of a row or column label; longer ones end in …


def short(label: str) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= LONGEST else label[: LONGEST - 1] + "…"


def draw(db: Database, rows: str, columns: str, style: Style, **options: Any) -> tuple[Figure, list[str], dict[str, Any]]:
    """The heatmap of ROWS × COLUMNS (options as `crosstab.crosstab`), its caption lines, and facts for checking it."""
    result = crosstab.crosstab(db, rows, columns, **options)
    grid = result.grid(totals=True, bases=True)
    n_rows, n_columns = len(result.row_labels), len(result.col_labels)
    figure = new_figure(style, style.width_cm)
    font = style.font(7)
    renderer = renderer_of(figure)
    measured = [figure.text(0, 0, short(label), fontsize=font) for label in grid.labels]
    measured += [figure.text(0, 0, short(label), fontsize=font, rotation=45) for label in grid.columns]
    sizes = [text.get_window_extent(renderer) for text in measured]  # type: ignore[arg-type]
    for text in measured:
        text.remove()
    per_cm = figure.dpi * CM
    left = max((box.width for box in sizes[: len(grid.labels)]), default=0) / per_cm + 0.3
    top = max((box.height for box in sizes[len(grid.labels):]), default=0) / per_cm + 0.25
    last = sizes[-1].width / per_cm if grid.columns else 0.0  # the last column's label leans out to the right
    width = max(style.width_cm - left - 0.3, 1.0)
    cell_width = width / max(len(grid.columns), 1)
    width = max(style.width_cm - left - max(0.3, last - cell_width / 2 + 0.1), 1.0)
    cell_width = width / max(len(grid.columns), 1)
    cell_height = min(max(0.45, cell_width * 0.6), 0.8) * style.scale
    height = top + cell_height * max(len(grid.labels), 1) + 0.3
    resize(figure, style, height)
    ax = figure.add_axes((left / style.width_cm, 0.3 / height, width / style.width_cm, (height - top - 0.3) / height))
    peak = max((float(v) for cells in result.shown() for v in cells), default=0.0) or 1.0
    colour_map = _colours(style)
    for i, row in enumerate(grid.values):
        for j, value in enumerate(row):
            margin = i >= n_rows or j >= n_columns
            share = 0.0 if margin else float(value) / peak
            face = "#ffffff" if margin else colour_map(0.08 + 0.92 * share)
            ax.add_patch(_cell(j, i, face, "#bbbbbb" if margin else "#ffffff"))
            dark = not margin and share > 0.55
            ax.text(j + 0.5, i + 0.5, result.number_text(value), ha="center", va="center", fontsize=font,
                    color="#ffffff" if dark else "#000000", fontstyle="italic" if margin else "normal")
    ax.set_xlim(0, len(grid.columns))
    ax.set_ylim(len(grid.labels), 0)
    ax.set_xticks([j + 0.5 for j in range(len(grid.columns))], [short(c) for c in grid.columns], fontsize=font, rotation=45,
                  ha="left", rotation_mode="anchor")
    ax.set_yticks([i + 0.5 for i in range(len(grid.labels))], [short(r) for r in grid.labels], fontsize=font)
    ax.xaxis.tick_top()
    ax.tick_params(length=0, pad=2)
    for spine in ax.spines.values():
        spine.set_visible(False)
    caption = _caption(result, grid.labels, grid.columns, options)
    numbers = [result.number_text(v) for row in grid.values for v in row]
    return figure, caption, {"rows": grid.labels, "columns": grid.columns, "numbers": numbers, "total": result.total}


def _colours(style: Style) -> Any:
    from matplotlib import colormaps

    return colormaps[style.colour_map]


def _cell(x: int, y: int, face: Any, edge: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 1, 1, facecolor=face, edgecolor=edge, linewidth=0.6)


def _caption(result: CrossTab, labels: list[str], columns: list[str], options: dict[str, Any]) -> list[str]:
    shown = {"row": "each cell's share of its row, in %", "col": "each cell's share of its column, in %"}.get(
        result.percent or "", f"{result.unit} counted")
    lines = [f"Cross-tab of {result.describe()}.",
             f"Cells: {shown}; the darker, the larger. A {result.unit.rstrip('s')} counts in a cell when the same coder coded it"
             " with both values; the totals count distinct ones, so they are not the sums of the cells when one carries"
             " several values."]
    margins = [m for m in ("total", "n") if m in labels or m in columns]
    if margins:
        lines.append(f"Unshaded: {' and '.join(margins)} ({'the counts the percentages are of' if 'n' in margins else 'margins'}).")
    if options.get("roll_up"):
        lines.append("Sub-codes are counted for their top-level code.")
    if not result.total:
        lines.append("Nothing was counted: no codings of these dimensions.")
    return lines


def xtab_figure(db: Database, rows: str, columns: str, path: Path, style: Style, *, command: str, **options: Any) -> Saved:
    """Draw the heatmap of ROWS × COLUMNS (options as `crosstab.crosstab`) and write it with its caption file."""
    return drawn(lambda: draw(db, rows, columns, style, **options), path, style, command)
