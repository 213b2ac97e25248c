"""Print output shared by every figure: the size a journal asks for, the file format, the palette, and
a file written the same way every time.

A figure is sized in centimetres (`column` ≈ 8.5 cm, `page` ≈ 17.5 cm, or a number), drawn on a
bare `matplotlib.figure.Figure` (no pyplot: no global figure state, safe in a workbench thread)
and saved with fonts a reader can open anywhere: TrueType embedded in the PDF (fonttype 42), text
kept as <text> in the SVG (so labels stay searchable and checkable), PNG at 300 dpi. Dates are
left out and the SVG ids salted with a fixed string, so the same study gives the same bytes. A
caption file `<name>.caption.txt` beside the figure says what it shows, on whose codings, and
the command that made it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder.errors import CoderError
from coder.exports.files import replacing

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

FORMATS = ("svg", "pdf", "png")
WIDTHS = {"column": 8.5, "page": 17.5}  # cm: one journal column, the full text width
MIN_CM, MAX_CM = 4.0, 50.0
DPI = 300  # PNG resolution: print quality
CM = 1 / 2.54  # inches per centimetre
# Okabe & Ito's colour-blind-safe palette; greyscale swaps it for grey levels with markers and hatches
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999")
GREYS = ("#000000", "#ffffff", "#777777", "#cccccc", "#444444", "#aaaaaa", "#222222", "#eeeeee", "#999999")
MARKERS = ("o", "s", "^", "D", "v", "p", "h", "P", "X")
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---", "|||")
RC: dict[str, Any] = {
    "svg.fonttype": "none",  # text stays <text>: searchable, and the tests read the labels back
    "svg.hashsalt": "coder",  # ids from a fixed salt: the same figure gives the same bytes
    "pdf.fonttype": 42,  # TrueType embedded: the PDF opens anywhere and its text can be selected
    "ps.fonttype": 42,
    "font.family": "DejaVu Sans",  # matplotlib's own font: the same glyphs on every machine
    "axes.linewidth": 0.6,
    "hatch.linewidth": 0.5,
}
METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": "coder"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "coder", "Producer": "coder (matplotlib)"},
    "png": {"Software": "coder (matplotlib)"},
}


@dataclass(frozen=True)
class Style:
    """How a figure is printed: width in cm, format, greyscale."""

    width_cm: float = WIDTHS["page"]
    fmt: str = "svg"
    grey: bool = False

    @property
    def scale(self) -> float:
        """Font and line scale: 1 on a page-wide figure, smaller in a column."""
        return max(0.6, min(1.4, self.width_cm / WIDTHS["page"])) ** 0.5

    def font(self, points: float) -> float:
        return round(points * self.scale, 2)

    def colour(self, index: int) -> str:
        palette = GREYS if self.grey else COLOURS
        return palette[index % len(palette)]

    def marker(self, index: int) -> str:
        return MARKERS[index % len(MARKERS)] if self.grey else "o"

    def hatch(self, index: int) -> str:
        return HATCHES[index % len(HATCHES)] if self.grey else ""

    @property
    def colour_map(self) -> str:
        return "Greys" if self.grey else "YlOrRd"


def width_cm(value: str | float | None) -> float:
    """`column`, `page` or a number of centimetres ('12', '12cm') as centimetres."""
    if value is None:
        return WIDTHS["page"]
    if isinstance(value, (int, float)):
        number = float(value)
    elif value.strip().lower() in WIDTHS:
        return WIDTHS[value.strip().lower()]
    else:
        try:
            number = float(value.strip().lower().removesuffix("cm"))
        except ValueError:
            raise CoderError(f"'{value}' is not a width", fix="use column (8.5 cm), page (17.5 cm) or centimetres, e.g. 12") from None
    if not MIN_CM <= number <= MAX_CM:
        raise CoderError(f"a figure {number:g} cm wide cannot be printed", fix=f"give between {MIN_CM:g} and {MAX_CM:g} cm")
    return number


def figure_format(fmt: str | None, output: Path | None) -> str:
    """The format asked for, else the output's suffix, else SVG; a suffix that contradicts --format is refused."""
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    if fmt is not None:
        if suffix in FORMATS and suffix != fmt:
            raise CoderError(f"{output} is not a {fmt.upper()} file", fix=f"name it .{fmt}, or leave out --format")
        return fmt
    if suffix and suffix not in FORMATS:
        raise CoderError(f"cannot draw a figure as '.{suffix}'", fix="name the file .svg, .pdf or .png")
    return suffix or "svg"


def pixels(length_cm: float) -> int:
    """A length's pixels in the PNG."""
    return round(length_cm * CM * DPI)


_DRAWING = threading.Lock()  # matplotlib's settings are global: one figure at a time (the workbench draws in threads)


@contextmanager
def printing() -> Iterator[None]:
    """matplotlib (Agg, nothing on screen) with coder's print settings, for drawing and saving one figure."""
    import matplotlib  # ≈0.3 s, loaded by the figure commands only

    matplotlib.use("Agg")
    with _DRAWING, matplotlib.rc_context():
        settings: Any = matplotlib.rcParams  # typed by literal keys; RC's are checked by matplotlib as they are set
        settings.update(RC)
        yield


def new_figure(style: Style, height_cm: float) -> Figure:
    """A bare figure of the style's width and `height_cm`, sized so the PNG has exactly `pixels()` of each."""
    from matplotlib.figure import Figure

    # a hair over the exact size: Agg truncates the pixel count, and w/300*300 may fall just below it
    return Figure(figsize=_inches(style, height_cm), dpi=DPI)


def resize(figure: Figure, style: Style, height_cm: float) -> None:
    """Give the figure a new height (what is placed in points, such as text and legends, keeps its size)."""
    figure.set_size_inches(_inches(style, height_cm))


def _inches(style: Style, height_cm: float) -> tuple[float, float]:
    return (pixels(style.width_cm) + 0.01) / DPI, (pixels(height_cm) + 0.01) / DPI


@dataclass
class Saved:
    """A written figure: the file, its caption file, and its size (cm; pixels for a PNG)."""

    path: Path
    caption_path: Path
    fmt: str
    width_cm: float
    height_cm: float
    extra: dict[str, Any] = field(default_factory=dict)  # what a figure reports besides (e.g. node positions)

    @property
    def pixels(self) -> tuple[int, int]:
        return pixels(self.width_cm), pixels(self.height_cm)

    def describe(self) -> str:
        size = f"{self.pixels[0]}×{self.pixels[1]} px" if self.fmt == "png" else f"{self.width_cm:g}×{self.height_cm:.1f} cm"
        return f"wrote {self.path} ({self.fmt.upper()}, {size}) and its caption {self.caption_path.name}"


def target(folder: Path, stem: str, fmt: str, output: Path | None, *, force: bool) -> Path:
    """Where the figure goes: `output` (refused if it exists, unless `force`), else the first free name in `folder`."""
    from coder.text import slug

    if output is None:
        name = slug(stem) or "figure"
        for number in range(1, 10_000):
            path = folder / (f"{name}.{fmt}" if number == 1 else f"{name}-{number}.{fmt}")
            if not path.exists():
                return path
        raise CoderError("too many figures with the same name", where=str(folder), fix="clean up the folder")
    path = Path(output).expanduser()
    if path.suffix.lower().lstrip(".") not in FORMATS:
        path = path.with_name(f"{path.name}.{fmt}")
    if path.exists() and not force:
        raise CoderError(f"{path} already exists", fix="choose another name, or pass --force to replace it")
    return path


def caption_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.caption.txt")


def save(figure: Figure, path: Path, style: Style, caption: Sequence[str]) -> Saved:
    """Write the figure and its caption file, each whole or not at all."""
    height_cm = figure.get_size_inches()[1] / CM
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary:
        figure.savefig(temporary, format=style.fmt, dpi=DPI, metadata=METADATA[style.fmt])
    text = "\n".join(caption).rstrip() + "\n"
    notes = caption_path(path)
    with replacing(notes) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Saved(path, notes, style.fmt, style.width_cm, round(height_cm, 3))


def drawn(draw: Callable[[], tuple[Figure, list[str], dict[str, Any]]], path: Path, style: Style, command: str) -> Saved:
    """Draw (one figure at a time: matplotlib's settings are global) and write it with its caption file, which ends
    with the command that made it."""
    with printing():
        figure, caption, facts = draw()
        saved = save(figure, path, style, [*caption, f"Made with: {command}"])
    saved.extra = facts
    return saved


def command_line(words: Sequence[str]) -> str:
    """A command as a reader would type it again (quoted where a shell needs it)."""
    import shlex

    return " ".join(shlex.quote(w) for w in words) if os.name != "nt" else " ".join(words)
