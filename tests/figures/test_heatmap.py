"""The cross-tab heatmap of the bundled study (functions by phase), as SVG, PDF and PNG: every row and column
label and every number of `coder xtab`'s table in the SVG, the page and pixel sizes asked for."""

from __future__ import annotations

import pytest

from coder import crosstab
from coder.figures import heatmap
from coder.figures.output import Saved, Style, printing
from tests.figures.checks import assert_page, png_size, svg_texts

OPTIONS = {"roll_up": False}


@pytest.fixture(scope="module")
def drawn(bundled_db, tmp_path_factory) -> dict[str, Saved]:
    folder = tmp_path_factory.mktemp("heatmap")
    styles = {"svg": Style(17.5, "svg"), "pdf": Style(8.5, "pdf"), "png": Style(10.0, "png", grey=True)}
    command = "coder figure xtab function phase"
    return {fmt: heatmap.xtab_figure(bundled_db, "function", "phase", folder / f"xtab.{fmt}", style, command=command, **OPTIONS)
            for fmt, style in styles.items()}


def test_heatmap_svg_carries_every_label_and_number_of_the_table(drawn, bundled_db):
    result = crosstab.crosstab(bundled_db, "function", "phase", **OPTIONS)
    grid = result.grid(totals=True)
    texts = svg_texts(drawn["svg"].path)
    assert [label for label in [*grid.labels, *grid.columns] if label not in texts] == []
    numbers = [str(int(value)) for row in grid.values for value in row]
    cells = [t for t in texts if t.isdigit()]
    assert cells == numbers  # row by row, totals included: the table `coder xtab function phase` prints
    assert "Coordinating" in texts and "Phase 2 joint initiatives" in texts


def test_heatmap_pdf_and_png_sizes(drawn):
    assert_page(drawn["pdf"].path, 8.5, drawn["pdf"].height_cm)
    saved = drawn["png"]
    assert png_size(saved.path) == saved.pixels and saved.pixels[0] == 1181  # 10 cm at 300 dpi


def test_heatmap_caption_says_what_and_whose(drawn):
    caption = drawn["svg"].caption_path.read_text(encoding="utf-8")
    assert caption.startswith("Cross-tab of function × phase: passages, coded by ana, ben")
    assert "Unshaded: total" in caption and "Made with: coder figure xtab function phase" in caption


def test_heatmap_percentages_show_one_decimal_and_their_bases(bundled_db):
    with printing():
        _, caption, facts = heatmap.draw(bundled_db, "function", "phase", Style(8.5, "svg"), percent="row", roll_up=True)
    assert facts["columns"][-1] == "n" and "total" not in facts["columns"]
    assert all("." in number for number in facts["numbers"][:3])
    assert "each cell's share of its row" in caption[1] and "the counts the percentages are of" in caption[2]


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_heatmap_is_the_same_file_every_time(drawn, bundled_db, tmp_path, fmt):
    """No date, fixed ids: the same table gives the same bytes (a PDF with its fonts embedded too)."""
    style = drawn[fmt]
    again = heatmap.xtab_figure(bundled_db, "function", "phase", tmp_path / f"again.{fmt}", Style(style.width_cm, fmt),
                                command="coder figure xtab function phase", **OPTIONS)
    assert again.path.read_bytes() == style.path.read_bytes()
