"""Agreement per code drawn for print: α (or κ) per code, group and pooled, with α's bootstrap interval
and Krippendorff's bands shaded behind (reliable from .800, tentative from .667).

`agreement.measure_agreement` computes the figures with the same options as `coder agree`; the
figure only draws its rows (the study-wide ones, not per document), each value written at the
right so the numbers can be read off and checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder.db import Database
from coder.errors import CoderError
from coder.figures.output import Saved, Style, drawn, new_figure

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

    from coder.agreement import Row

METRICS = {"alpha": "Krippendorff's α", "kappa": "κ (Cohen's for two coders, Fleiss' for more)"}
ROW_CM = 0.42  # height of one code's line


def label(row: Row) -> str:
    if row.kind == "group":
        return f"group {row.name}"
    return "pooled (all codes)" if row.kind == "pooled" else row.name


def draw(db: Database, style: Style, *, metric: str = "alpha", bootstrap: int = 1000, seed: int = 1,
         **options: Any) -> tuple[Figure, list[str], dict[str, Any]]:
    """The agreement figure (options as `measure_agreement`), its caption lines, and facts for checking it."""
    from coder.agreement import RELIABLE, TENTATIVE, measure_agreement

    if metric not in METRICS:
        raise CoderError(f"unknown coefficient '{metric}'", fix="use alpha or kappa")
    report = measure_agreement(db, bootstrap=bootstrap if metric == "alpha" else 0, seed=seed, **options)
    rows = [row for row in report.rows if row.document is None]
    if not rows:
        raise CoderError("no codes to compare", fix="choose coders who coded the same documents (coder agree shows which)")
    results = [row.alpha if metric == "alpha" else row.kappa for row in rows]
    font = style.font(7)
    height = 1.9 + ROW_CM * len(rows) * style.scale
    figure = new_figure(style, height)
    left = _widest(figure, [label(row) for row in rows], font) + 0.3
    right = _widest(figure, [figure_text(r) for r in results], font) + 0.3
    ax = figure.add_axes((left / style.width_cm, 0.9 / height, max(style.width_cm - left - right, 2.0) / style.width_cm,
                          (height - 1.7) / height))
    values = [float(r.value) for r in results if r.value is not None]
    lows = [float(r.details["ci_low"]) for r in results if r.details.get("ci_low") is not None]
    low = min([0.0, *values, *lows]) - 0.05
    ax.set_xlim(low, 1.0)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    shades = ((RELIABLE, 1.0, "#d9ecd9", ""), (TENTATIVE, RELIABLE, "#fbefc6", ""), (low, TENTATIVE, "#f6dcd8", ""))
    if style.grey:
        shades = ((RELIABLE, 1.0, "#ffffff", ""), (TENTATIVE, RELIABLE, "#e6e6e6", "///"), (low, TENTATIVE, "#c8c8c8", ""))
    for start, end, colour, hatch in shades:
        ax.axvspan(start, end, facecolor=colour, hatch=hatch or None, edgecolor="#999999", linewidth=0, zorder=0)
    for x in (TENTATIVE, RELIABLE):
        ax.axvline(x, color="#777777", linewidth=0.5, linestyle=":", zorder=1)
    _bands_legend(figure, shades, style, font)
    for y, result in enumerate(results):
        if result.value is None:
            ax.text(low + 0.01, y, f"undefined: {result.reason}", fontsize=style.font(6), va="center", fontstyle="italic",
                    color="#555555")
        else:
            ci_low, ci_high = result.details.get("ci_low"), result.details.get("ci_high")
            if ci_low is not None and ci_high is not None:
                ax.plot([float(ci_low), float(ci_high)], [y, y], color="#000000", linewidth=0.9, solid_capstyle="butt", zorder=2)
            ax.plot([result.value], [y], marker=style.marker(1) if rows[y].kind != "code" else "o", color="#000000",
                    markerfacecolor="#ffffff" if rows[y].kind != "code" else "#000000", markersize=4 * style.scale, zorder=3)
        ax.text(1.02, y, figure_text(result), transform=ax.get_yaxis_transform(), fontsize=font, va="center", ha="left")
    ax.set_yticks(range(len(rows)), [label(row) for row in rows], fontsize=font)
    ax.tick_params(axis="x", labelsize=font, length=2)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel(METRICS[metric], fontsize=font)
    caption = _caption(report, rows, metric, bootstrap, seed)
    return figure, caption, {"labels": [label(row) for row in rows], "values": [figure_text(r) for r in results]}


def _widest(figure: Figure, texts: list[str], font: float) -> float:
    """The widest of these texts at this size, in cm."""
    from coder.figures.labels import renderer_of
    from coder.figures.output import CM

    renderer = renderer_of(figure)
    widest = 0.0
    for text in texts:
        drawn = figure.text(0, 0, text, fontsize=font)
        widest = max(widest, drawn.get_window_extent(renderer).width)  # type: ignore[arg-type]
        drawn.remove()
    return widest / (figure.dpi * CM)


def _bands_legend(figure: Figure, shades: tuple[tuple[float, float, str, str], ...], style: Style, font: float) -> None:
    from matplotlib.patches import Patch

    names = ("reliable: ≥ .800", "tentative: .667 to .800", "not reliable: < .667")  # Krippendorff's bands
    handles = [Patch(facecolor=colour, hatch=hatch or None, edgecolor="#999999", linewidth=0.4, label=name)
               for (_, _, colour, hatch), name in zip(shades, names)]
    figure.legend(handles=handles, loc="upper center", ncol=3, fontsize=font, frameon=False, bbox_to_anchor=(0.5, 1.0),
                  handlelength=1.4, columnspacing=1.0, borderaxespad=0.2)


def number(value: float) -> str:
    return f"{round(value, 3) + 0.0:.3f}"  # no "-0.000"


def figure_text(result: Any) -> str:
    """α or κ as `coder agree` prints it, with its interval when there is one."""
    if result.value is None:
        return "undefined"
    ci = (result.details.get("ci_low"), result.details.get("ci_high"))
    interval = f" [{number(ci[0])}, {number(ci[1])}]" if ci[0] is not None and ci[1] is not None else ""
    return f"{number(result.value)}{interval}"


def _caption(report: Any, rows: list[Row], metric: str, bootstrap: int, seed: int) -> list[str]:
    p = report.parameters
    lines = [f"Inter-coder agreement of {', '.join(p['coders'])} per code, per code group and pooled: {METRICS[metric]}"
             f" on {p['unit']} units, {len(p['documents'])} document(s) ({p['documents_chosen']}).",
             "Shading: Krippendorff's bands, reliable from .800, tentative from .667, not reliable below."]
    if metric == "alpha" and bootstrap:
        lines.append(f"Lines: 95% percentile bootstrap intervals of α ({bootstrap} draws, seed {seed}).")
    elif metric == "kappa":
        lines.append("κ has no interval here; the bootstrap interval is α's (coder figure agreement).")
    lines.append(f"Overlap rule: {p['overlap_rule']}. Groups and the pooled row (open markers) stack their codes' decisions.")
    lines += [f"Note: {note}" for note in report.notes]
    return lines


def agreement_figure(db: Database, path: Path, style: Style, *, command: str, **options: Any) -> Saved:
    """Draw agreement per code (options as `draw`) and write it with its caption file to `path`."""
    return drawn(lambda: draw(db, style, **options), path, style, command)
