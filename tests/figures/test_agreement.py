"""Agreement per code of the bundled study's two coders, drawn once and written as SVG, PDF and PNG: every code
and its α with the bootstrap interval, the bands, the sizes asked for."""

from __future__ import annotations

import pytest

from coder.agreement import measure_agreement
from coder.errors import CoderError
from coder.figures import agreement
from coder.figures.output import Saved, Style, printing, save
from tests.figures.checks import assert_page, png_size, svg_texts

DRAWS = 100
CODES = ["Enabling", "Diffusing", "Coordinating", "Scanning sources"]


@pytest.fixture(scope="module")
def drawn(bundled_db, tmp_path_factory) -> dict[str, Saved]:
    """One drawing (the bootstrap is the slow part), saved in each format."""
    folder = tmp_path_factory.mktemp("agreement")
    found = {}
    with printing():
        figure, caption, facts = agreement.draw(bundled_db, Style(12.0, "svg"), codes=CODES, bootstrap=DRAWS)
        for fmt in ("svg", "pdf", "png"):
            found[fmt] = save(figure, folder / f"agreement.{fmt}", Style(12.0, fmt), caption)
            found[fmt].extra = facts
    return found


def test_agreement_svg_has_every_code_and_its_alpha_with_interval(drawn, bundled_db):
    report = measure_agreement(bundled_db, codes=CODES, bootstrap=DRAWS)
    texts = svg_texts(drawn["svg"].path)
    rows = [row for row in report.rows if row.document is None]
    assert [agreement.label(row) for row in rows] == drawn["svg"].extra["labels"]
    assert [agreement.label(row) for row in rows if agreement.label(row) not in texts] == []
    for row in rows:
        low, high = row.alpha.details["ci_low"], row.alpha.details["ci_high"]
        assert f"{row.alpha.value:.3f} [{low:.3f}, {high:.3f}]" in texts
    assert {"reliable: ≥ .800", "tentative: .667 to .800", "not reliable: < .667"} <= set(texts)


def test_agreement_pdf_and_png_sizes(drawn):
    assert_page(drawn["pdf"].path, 12.0, drawn["pdf"].height_cm)
    assert png_size(drawn["png"].path) == drawn["png"].pixels


def test_agreement_caption_names_the_coders_and_the_bootstrap(drawn):
    caption = drawn["svg"].caption_path.read_text(encoding="utf-8")
    assert caption.startswith("Inter-coder agreement of ana, ben per code")
    assert f"({DRAWS} draws, seed 1)" in caption


def test_agreement_kappa_has_no_interval(bundled_db):
    with printing():
        _, caption, facts = agreement.draw(bundled_db, Style(8.5, "svg"), metric="kappa", codes=["Enabling", "Diffusing"])
    assert all("[" not in value for value in facts["values"]) and "κ has no interval" in " ".join(caption)
    with pytest.raises(CoderError, match="unknown coefficient"):
        agreement.draw(bundled_db, Style(), metric="pi")
