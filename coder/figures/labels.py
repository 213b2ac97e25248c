"""Labels that do not overlap: a small, deterministic repel on the drawn labels' boxes.

Each label is an annotation placed at an offset (in points) from its point. The boxes are measured
with the figure's renderer; overlapping pairs are pushed apart along the line between their
centres (vertically when they share one), half each, until none overlap or the rounds run out.
No randomness and a fixed order, so the same labels always end in the same places.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation

PAD = 1.0  # points of air kept around each label
ROUNDS = 200


def renderer_of(figure: Figure) -> object:
    """The figure's Agg renderer, to measure text before anything is saved."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    return canvas.get_renderer()  # type: ignore[no-untyped-call]


def boxes(figure: Figure, labels: Sequence[Annotation]) -> list[tuple[float, float, float, float]]:
    """Each label's box in display pixels (x0, y0, x1, y1)."""
    renderer = renderer_of(figure)
    found = []
    for label in labels:
        box = label.get_window_extent(renderer)  # type: ignore[arg-type]
        found.append((box.x0, box.y0, box.x1, box.y1))
    return found


def overlaps(found: Sequence[tuple[float, float, float, float]], pad: float = 0.0) -> list[tuple[int, int]]:
    """The pairs of boxes that overlap (by more than `pad` pixels on both axes)."""
    pairs = []
    for i, a in enumerate(found):
        for j in range(i + 1, len(found)):
            b = found[j]
            if min(a[2], b[2]) - max(a[0], b[0]) > pad and min(a[3], b[3]) - max(a[1], b[1]) > pad:
                pairs.append((i, j))
    return pairs


def repel(figure: Figure, labels: Sequence[Annotation], obstacles: Sequence[tuple[float, float, float, float]] = ()) -> int:
    """Move overlapping labels apart (their offsets, in points), and off `obstacles` (boxes in pixels that stay,
    such as the nodes); the number of overlaps between labels left (0 when done)."""
    if not labels:
        return 0
    scale = 72.0 / figure.dpi  # points per pixel
    pad = PAD / scale
    found = [list(box) for box in boxes(figure, labels)]
    fixed = [list(box) for box in obstacles]
    shift = [[0.0, 0.0] for _ in labels]
    for _ in range(ROUNDS):
        padded = [(a[0] - pad, a[1] - pad, a[2] + pad, a[3] + pad) for a in found]
        pairs = overlaps(padded + [(a[0], a[1], a[2], a[3]) for a in fixed])
        pairs = [(i, j) for i, j in pairs if i < len(found)]
        if not pairs:
            break
        for i, j in pairs:
            if j >= len(found):  # an obstacle: the label alone moves off it
                _away(found[i], fixed[j - len(found)], shift[i], pad)
                continue
            a, b = found[i], found[j]
            dx = (b[0] + b[2] - a[0] - a[2]) / 2
            dy = (b[1] + b[3] - a[1] - a[3]) / 2
            overlap_x = min(a[2], b[2]) - max(a[0], b[0]) + 2 * pad
            overlap_y = min(a[3], b[3]) - max(a[1], b[1]) + 2 * pad
            if overlap_y <= overlap_x or dx == 0:  # the cheaper way apart: usually up and down
                step = (overlap_y / 2 + 0.5) * (1 if dy > 0 or (dy == 0 and i < j) else -1)
                moves = (0.0, step)
            else:
                step = (overlap_x / 2 + 0.5) * (1 if dx > 0 else -1)
                moves = (step, 0.0)
            for index, sign in ((i, -1), (j, 1)):
                found[index][0] += sign * moves[0]
                found[index][2] += sign * moves[0]
                found[index][1] += sign * moves[1]
                found[index][3] += sign * moves[1]
                shift[index][0] += sign * moves[0]
                shift[index][1] += sign * moves[1]
    for label, (sx, sy) in zip(labels, shift):
        if sx or sy:
            x, y = label.xyann
            label.xyann = (x + sx * scale, y + sy * scale)
    return len(overlaps(boxes(figure, labels)))


def _away(box: list[float], obstacle: list[float], shift: list[float], pad: float) -> None:
    """Move one label box off a fixed box, the shorter way of up or down."""
    up = obstacle[3] - box[1] + pad + 0.5
    down = box[3] - obstacle[1] + pad + 0.5
    step = up if up < down else -down
    box[1] += step
    box[3] += step
    shift[1] += step
