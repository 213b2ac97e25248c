"""The survey network drawn for print: who gives knowledge to whom, and how central each organisation is.

The graph is `network.survey_graph` (an arc per tie whose rating for the chosen weight is above 0);
a node's size is its weighted out-degree, the measure of `network.centrality` (the paper's Table 2),
its colour (and, in greyscale, its marker) the organisation's type or whether it is local. The
layout is computed, not simulated, so the same study always gives the same picture: each
association sits in the middle of a ring of its member firms (shaded), the other organisations
on an arc above them, grouped by colour and, within a group, most central first. With `coded`
(a function), a ring around a node grows with the passages where it is coded as actor of that
function (`network.actor_activity`), setting the coding beside the network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder import network
from coder.crosstab import actor_counts, choose_coders
from coder.db import Database
from coder.errors import CoderError
from coder.figures.labels import boxes, overlaps, renderer_of, repel
from coder.figures.output import Saved, Style, drawn, new_figure, resize
from coder.network.measures import natural_order
from coder.network.survey import MAX_RATING, weight_name
from coder.text import fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    import networkx
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COLOUR_BY = ("type", "local")
RING = 0.3  # radius of a ring of member firms, in units of the arc of the other organisations


@dataclass
class Layout:
    """Node positions, the groups of member firms (association → firms), and the colour categories."""

    positions: dict[str, tuple[float, float]]
    clusters: dict[str, list[str]]
    centres: dict[str, tuple[float, float]]
    directions: dict[str, tuple[float, float]]  # where each label goes from its node (a unit vector)


def category(info: dict[str, Any], colour_by: str) -> str:
    if colour_by == "local":
        return "local" if info.get("local") else "external"
    return str(info.get("type") or "no type")


def layout(graph: networkx.DiGraph, colour_by: str = "type") -> Layout:
    """Positions for every node, the same for the same graph: associations with their firms below, the rest above."""
    strength = {name: float(graph.out_degree(name, weight="weight")) for name in graph}
    member_of = {name: _first_membership(info) for name, info in graph.nodes(data=True)}
    associations = sorted({a for a in member_of.values() if a}, key=natural_order)
    clusters = {a: sorted((n for n, m in member_of.items() if m == a), key=natural_order) for a in associations}
    grouped = set(associations) | {n for firms in clusters.values() for n in firms}
    categories = _categories(graph, colour_by)
    others = sorted((n for n in graph if n not in grouped),
                    key=lambda n: (categories.index(category(graph.nodes[n], colour_by)), -strength[n], natural_order(n)))
    positions: dict[str, tuple[float, float]] = {}
    directions: dict[str, tuple[float, float]] = {}
    centres: dict[str, tuple[float, float]] = {}
    if clusters:
        angles = _spread(math.radians(165), math.radians(15), len(others))
        middle = (0.0, -0.15)
    else:
        angles = [math.pi / 2 - 2 * math.pi * k / max(len(others), 1) for k in range(len(others))]
        middle = (0.0, 0.0)
    for name, angle in zip(others, angles):
        positions[name] = (middle[0] + math.cos(angle), middle[1] + math.sin(angle))
        directions[name] = (math.cos(angle), math.sin(angle))
    span = 0.62 if len(clusters) > 1 else 0.0
    for k, (association, firms) in enumerate(clusters.items()):
        x = -span + 2 * span * k / (len(clusters) - 1) if len(clusters) > 1 else 0.0
        centre = (x, -0.62)
        centres[association] = centre
        if association in graph:
            positions[association] = centre
            directions[association] = (0.0, 1.0)
        for j, firm in enumerate(firms):
            angle = math.pi / 2 + 2 * math.pi * (j + 0.5) / len(firms)
            positions[firm] = (centre[0] + RING * math.cos(angle), centre[1] + RING * math.sin(angle))
            directions[firm] = (math.cos(angle), math.sin(angle))
    return Layout(positions, clusters, centres, directions)


def _first_membership(info: dict[str, Any]) -> str:
    """The first association a node belongs to (member_of is joined with ', ')."""
    names = [part.strip() for part in str(info.get("member_of") or "").split(",") if part.strip()]
    return sorted(names, key=natural_order)[0] if names else ""


def _categories(graph: networkx.DiGraph, colour_by: str) -> list[str]:
    """The colour categories in use, most central first (local before external)."""
    if colour_by == "local":
        return ["local", "external"]
    totals: dict[str, float] = {}
    for name, info in graph.nodes(data=True):
        kind = category(info, colour_by)
        totals[kind] = totals.get(kind, 0.0) + float(graph.out_degree(name, weight="weight"))
    return sorted(totals, key=lambda kind: (-totals[kind], fold(kind)))


def _spread(first: float, last: float, n: int) -> list[float]:
    if n == 1:
        return [(first + last) / 2]
    return [first + (last - first) * k / (n - 1) for k in range(n)]


def coded_counts(db: Database, function: str, coders: Sequence[str] | None,
                 documents: Sequence[str] | None) -> tuple[str, dict[str, int], str]:
    """Passages where each organisation is coded as actor of `function` (sub-codes rolled up, as `coder actors`
    counts them): (the function's name, counts, whose codings)."""
    found = actor_counts(db, coders=coders, documents=documents)
    chosen = next((f for f in found.functions if fold(f) == fold(function)), None)
    if chosen is None:
        raise CoderError(f"'{function}' is not a function of the codebook",
                         fix=f"name one of: {', '.join(found.functions)}" if found.functions else "code functions first")
    counts = {actor: n for (actor, name), n in found.by_function.items() if name == chosen and n}
    return chosen, counts, choose_coders(db, coders).describe()


def draw(db: Database, style: Style, *, weight: str = "technological", colour_by: str = "type", coded: str | None = None,
         coders: Sequence[str] | None = None, documents: Sequence[str] | None = None) -> tuple[Figure, list[str], dict[str, Any]]:
    """The network figure, its caption lines, and facts for checking it (positions, labels left overlapping)."""
    weight = weight_name(weight)
    if colour_by not in COLOUR_BY:
        raise CoderError(f"cannot colour organisations by '{colour_by}'", fix="use type or local")
    graph = network.survey_graph(db, weight)
    if not graph.number_of_nodes():
        raise CoderError("this study has no survey network",
                         fix="put organisations.csv and ties.csv (or one Pajek .net file) in transcripts/survey/")
    coding = coded_counts(db, coded, coders, documents) if coded else None
    place = layout(graph, colour_by)
    strength = {name: float(graph.out_degree(name, weight="weight")) for name in graph}
    top = max(strength.values()) or 1.0
    categories = _categories(graph, colour_by)
    figure = new_figure(style, style.width_cm)
    band = _legend(figure, categories, style, colour_by, weight, top, coding)
    square = style.width_cm * 0.9
    resize(figure, style, square + band)
    ax = figure.add_axes((0.01, band / (square + band), 0.98, square / (square + band) * 0.99))
    ax.set_axis_off()
    scale = style.width_cm / 17.5
    sizes = {name: scale ** 2 * (14 + 420 * strength[name] / top) for name in graph}
    _draw_clusters(ax, place, style)
    _draw_arcs(ax, graph, place, sizes, style, weight)
    _draw_nodes(ax, graph, place, sizes, style, colour_by, categories)
    rings = _draw_rings(ax, place, sizes, coding[1], style) if coding else {}
    labels = _draw_labels(ax, graph, place, sizes, rings, style)
    _fit(figure, ax, labels)
    repel(figure, labels, _node_boxes(ax, place, {**sizes, **rings}))
    _fit(figure, ax, labels)
    left = len(overlaps(boxes(figure, labels)))  # measured as drawn, after the last fit
    caption = _caption(graph, place, weight, colour_by, coding)
    return figure, caption, {"positions": place.positions, "labels": [label.get_text() for label in labels], "overlaps": left}


def _draw_clusters(ax: Axes, place: Layout, style: Style) -> None:
    from matplotlib.patches import Circle

    for k, (association, centre) in enumerate(place.centres.items()):
        ax.add_patch(Circle(centre, RING + 0.12, facecolor="#eeeeee" if style.grey else "#f3efe6", edgecolor="#bbbbbb",
                            linewidth=0.5, hatch="...." if style.grey and k % 2 else None, zorder=0))
        ax.annotate(f"{association} and its members", (centre[0], centre[1] - RING - 0.12), xytext=(0, -3),
                    textcoords="offset points", ha="center", va="top", fontsize=style.font(7), fontstyle="italic",
                    color="#555555")


def _draw_arcs(ax: Axes, graph: networkx.DiGraph, place: Layout, sizes: dict[str, float], style: Style, weight: str) -> None:
    import networkx as nx  # ≈0.2 s

    scale = style.width_cm / 17.5
    most = MAX_RATING * (2 if weight == "both" else 1)
    edges = sorted(graph.edges(data=True), key=lambda e: (e[2]["weight"], natural_order(e[0]), natural_order(e[1])))
    nodes = list(graph)
    nx.draw_networkx_edges(graph, place.positions, ax=ax, edgelist=[(s, t) for s, t, _ in edges], nodelist=nodes,
                           node_size=[sizes[n] for n in nodes], width=[scale * (0.2 + 1.6 * d["weight"] / most) for _, _, d in edges],
                           edge_color="#333333" if style.grey else "#4d4d4d", alpha=0.45, arrows=True, arrowstyle="-|>",
                           arrowsize=max(3.0, 7 * scale), connectionstyle="arc3,rad=0.12", min_source_margin=1, min_target_margin=2)


def _draw_nodes(ax: Axes, graph: networkx.DiGraph, place: Layout, sizes: dict[str, float], style: Style,
                colour_by: str, categories: list[str]) -> None:
    for k, kind in enumerate(categories):
        names = [n for n in graph if category(graph.nodes[n], colour_by) == kind]
        if not names:
            continue
        ax.scatter([place.positions[n][0] for n in names], [place.positions[n][1] for n in names], s=[sizes[n] for n in names],
                   c=style.colour(k), marker=style.marker(k), edgecolors="#222222", linewidths=0.5, zorder=3)


def _draw_rings(ax: Axes, place: Layout, sizes: dict[str, float], counts: dict[str, int], style: Style) -> dict[str, float]:
    """A ring round each organisation coded as actor of the function, wider the more passages; its size (points²)."""
    most = max(counts.values(), default=1) or 1
    rings = {name: (math.sqrt(sizes[name]) + 3 + 12 * counts[name] / most) ** 2 for name in counts if name in place.positions}
    names = sorted(rings, key=natural_order)
    if names:
        ax.scatter([place.positions[n][0] for n in names], [place.positions[n][1] for n in names], s=[rings[n] for n in names],
                   facecolors="none", edgecolors="#000000" if style.grey else "#D55E00", linewidths=1.1,
                   linestyle="--" if style.grey else "-", zorder=2)
    return rings


def _draw_labels(ax: Axes, graph: networkx.DiGraph, place: Layout, sizes: dict[str, float], rings: dict[str, float],
                 style: Style) -> list[Any]:
    labels = []
    for name in sorted(graph, key=natural_order):
        dx, dy = place.directions[name]
        gap = math.sqrt(rings.get(name, sizes[name])) / 2 + 1.5
        ha = "left" if dx > 0.3 else "right" if dx < -0.3 else "center"
        va = "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"
        labels.append(ax.annotate(name, place.positions[name], xytext=(dx * gap, dy * gap), textcoords="offset points",
                                  ha=ha, va=va, fontsize=style.font(6.5), zorder=4))
    return labels


def _node_boxes(ax: Axes, place: Layout, sizes: dict[str, float]) -> list[tuple[float, float, float, float]]:
    """Each node's box in pixels, for the labels to keep off (a label sits beside its own node already)."""
    per_point = ax.figure.dpi / 72
    found = []
    for name in sorted(place.positions, key=natural_order):
        x, y = ax.transData.transform(place.positions[name])
        radius = math.sqrt(sizes.get(name, 0.0)) / 2 * per_point
        if radius:
            found.append((x - radius, y - radius, x + radius, y + radius))
    return found


def _fit(figure: Figure, ax: Axes, labels: Sequence[Any]) -> None:
    """Limits that take in every node and label, with equal scales on both axes (a circle stays round)."""
    box = ax.get_window_extent(renderer_of(figure))  # type: ignore[arg-type]
    for _ in range(3):  # labels keep their size in points as the limits grow: measure again
        inverse = ax.transData.inverted()
        xs, ys = [-1.05, 1.05], [-1.05, 1.0]
        for found in boxes(figure, labels):
            (x0, y0), (x1, y1) = inverse.transform([(found[0], found[1]), (found[2], found[3])])
            xs += [x0, x1]
            ys += [y0, y1]
        low_x, high_x, low_y, high_y = min(xs) - 0.03, max(xs) + 0.03, min(ys) - 0.03, max(ys) + 0.03
        per_pixel = max((high_x - low_x) / box.width, (high_y - low_y) / box.height)
        middle_x, middle_y = (low_x + high_x) / 2, (low_y + high_y) / 2
        ax.set_xlim(middle_x - per_pixel * box.width / 2, middle_x + per_pixel * box.width / 2)
        ax.set_ylim(middle_y - per_pixel * box.height / 2, middle_y + per_pixel * box.height / 2)


def _legend(figure: Figure, categories: list[str], style: Style, colour_by: str, weight: str, top: float,
            coding: tuple[str, dict[str, int], str] | None) -> float:
    """Two legends under the network, side by side on a page, one above the other in a column: the colours
    (categories), and what size, width and rings mean. Returns the height (cm) they take."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import IdentityTransform

    scale = style.width_cm / 17.5
    font = style.font(6.5)
    kinds = [Line2D([], [], linestyle="", marker=style.marker(k), markersize=6 * style.scale, markerfacecolor=style.colour(k),
                    markeredgecolor="#222222", markeredgewidth=0.5, label=kind) for k, kind in enumerate(categories)]
    first = figure.legend(handles=kinds, loc="lower left", ncol=2 if len(kinds) > 4 else 1, fontsize=font, frameon=False,
                  bbox_to_anchor=(0.0, 0.0), handlelength=1.2, columnspacing=0.8, borderaxespad=0.2,
                  title=f"colour: {'organisation type' if colour_by == 'type' else 'local or external'}", title_fontsize=font,
                  alignment="left")
    sizes = []
    for value in sorted({round(top), max(1, round(top / 4))}, reverse=True):
        size = scale ** 2 * (14 + 420 * value / top)
        sizes.append(Line2D([], [], linestyle="", marker="o", markersize=math.sqrt(size), markerfacecolor="#ffffff",
                            markeredgecolor="#222222", markeredgewidth=0.5, label=f"weighted out-degree {value}"))
    most = MAX_RATING * (2 if weight == "both" else 1)
    for rating in (1, most):
        sizes.append(Line2D([], [], color="#4d4d4d", alpha=0.6, linewidth=scale * (0.2 + 1.6 * rating / most),
                            label=f"{weight} rating {rating}"))
    if coding:
        sizes.append(Line2D([], [], linestyle="--" if style.grey else "-", marker="o", markersize=8 * style.scale,
                            markerfacecolor="none", markeredgecolor="#000000" if style.grey else "#D55E00", color="none",
                            label=f"coded as actor of {coding[0]}"))
    widest = max(math.sqrt(scale ** 2 * 434), 1.8 * font)  # the largest node's marker, in points: the handles must hold it
    second = figure.legend(handles=sizes, loc="lower right", ncol=2, fontsize=font, frameon=False, bbox_to_anchor=(1.0, 0.0),
                           handlelength=widest / font + 0.2, columnspacing=0.8, borderaxespad=0.2, labelspacing=1.8,
                           title="size, width, ring", title_fontsize=font, alignment="left")
    renderer = renderer_of(figure)
    heights = [legend.get_window_extent(renderer).height / figure.dpi * 2.54 for legend in (first, second)]  # type: ignore[arg-type]
    side_by_side = (first.get_window_extent(renderer).width + second.get_window_extent(renderer).width  # type: ignore[arg-type]
                    < 0.95 * figure.bbox.width)
    if side_by_side:
        return max(heights) + 0.2
    second.set_loc("lower left")
    second.set_bbox_to_anchor((0.0, heights[0] * figure.dpi / 2.54), transform=IdentityTransform())  # pixels: above the first
    return sum(heights) + 0.2


def _caption(graph: networkx.DiGraph, place: Layout, weight: str, colour_by: str,
             coding: tuple[str, dict[str, int], str] | None) -> list[str]:
    most = MAX_RATING * (2 if weight == "both" else 1)
    added = ", technological and commercial added" if weight == "both" else ""
    groups = ", ".join(f"{a} ({len(firms)} member firms)" for a, firms in place.clusters.items())
    lines = [
        f"The survey's knowledge network ({weight} knowledge): {graph.number_of_nodes()} organisations and"
        f" {graph.number_of_edges()} ties rated above 0. An arc points from the organisation that gives knowledge to the one"
        f" that receives it; its width is the receiver's rating (1–{most}{added}).",
        "Node size: the weighted out-degree, the sum of the ratings the receivers gave (the paper's Table 2); colour: "
        + ("the organisation's type." if colour_by == "type" else "local (based in the study's region) or external."),
    ]
    if groups:
        lines.append(f"Shaded: each association in the middle of its member firms: {groups}.")
    if coding:
        function, counts, whose = coding
        shown = sorted(((n, c) for n, c in counts.items() if n in place.positions), key=lambda item: (-item[1], natural_order(item[0])))
        outside = sorted(n for n in counts if n not in place.positions)
        lines.append(f"Ring: the passages where the organisation is coded as actor of {function}, on the codings of {whose}"
                     f" (the ring grows with the count): " + (", ".join(f"{n} {c}" for n, c in shown) or "none") + "."
                     + (f" Coded but not in the survey: {', '.join(outside)}." if outside else ""))
    else:
        lines.append("Codings: none; the figure draws the survey's ratings only.")
    return lines


def network_figure(db: Database, path: Path, style: Style, *, command: str, **options: Any) -> Saved:
    """Draw the survey network (options as `draw`) and write it with its caption file to `path`."""
    return drawn(lambda: draw(db, style, **options), path, style, command)
