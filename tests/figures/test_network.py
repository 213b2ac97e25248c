"""The survey network figure of the bundled study, as SVG, PDF and PNG: every organisation labelled, the page
and pixel sizes asked for, labels apart, and the same picture (bytes and positions) on every run."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder import network
from coder.errors import CoderError
from coder.figures import network as figure
from coder.figures.output import Saved, Style, pixels, printing
from tests.figures.checks import assert_page, png_size, svg_texts


@pytest.fixture(scope="module")
def drawn(bundled_db, tmp_path_factory) -> dict[str, Saved]:
    folder = tmp_path_factory.mktemp("network")
    styles = {"svg": Style(17.5, "svg"), "pdf": Style(8.5, "pdf"), "png": Style(12.0, "png", grey=True)}
    return {fmt: figure.network_figure(bundled_db, folder / f"network.{fmt}", style, command="coder figure network")
            for fmt, style in styles.items()}


def test_network_svg_labels_every_organisation(drawn, bundled_db):
    texts = svg_texts(drawn["svg"].path)
    names = [name for _, name in network.survey_nodes(bundled_db)]
    assert len(names) == 47
    assert [name for name in names if name not in texts] == []
    assert "APEM and its members" in texts and "PROMANGO and its members" in texts
    assert "weighted out-degree 77" in texts  # SENASA's, the largest (Table 2)
    assert "government service" in texts and "technological rating 5" in texts


def test_network_pdf_is_a_column_wide_page(drawn):
    saved = drawn["pdf"]
    assert_page(saved.path, 8.5, saved.height_cm)
    assert saved.height_cm > 8.5  # the legends go under the network


def test_network_png_has_the_pixels_of_its_width(drawn):
    saved = drawn["png"]
    assert png_size(saved.path) == saved.pixels == (pixels(12.0), pixels(saved.height_cm))
    assert saved.pixels[0] == 1417  # 12 cm at 300 dpi


def test_network_labels_do_not_overlap(drawn):
    assert {fmt: saved.extra["overlaps"] for fmt, saved in drawn.items()} == {"svg": 0, "pdf": 0, "png": 0}


def test_network_caption_says_what_and_whose(drawn):
    caption = drawn["svg"].caption_path.read_text(encoding="utf-8")
    assert caption.startswith("The survey's knowledge network (technological knowledge): 47 organisations")
    assert "APEM (14 member firms), PROMANGO (12 member firms)" in caption
    assert "Codings: none" in caption and caption.rstrip().endswith("Made with: coder figure network")


def test_network_is_the_same_picture_every_time(drawn, bundled_db, tmp_path):
    again = figure.network_figure(bundled_db, tmp_path / "again.svg", Style(17.5, "svg"), command="coder figure network")
    assert again.extra["positions"] == drawn["svg"].extra["positions"]
    assert again.path.read_bytes() == drawn["svg"].path.read_bytes()


def test_network_layout_groups_members_around_their_association(bundled_db):
    graph = network.survey_graph(bundled_db)
    place = figure.layout(graph)
    assert list(place.clusters) == ["APEM", "PROMANGO"] and len(place.clusters["APEM"]) == 14
    assert place.positions["APEM"] == place.centres["APEM"]
    for association, firms in place.clusters.items():
        cx, cy = place.centres[association]
        assert all(abs(((place.positions[f][0] - cx) ** 2 + (place.positions[f][1] - cy) ** 2) ** 0.5 - figure.RING) < 1e-9
                   for f in firms)
    others = [n for n in graph if n not in place.clusters["APEM"] + place.clusters["PROMANGO"] + ["APEM", "PROMANGO"]]
    assert min(place.positions[n][1] for n in others) > max(place.centres[a][1] for a in place.centres)


def test_network_coded_rings_count_passages_as_actor(bundled_db):
    name, counts, whose = figure.coded_counts(bundled_db, "enabling", None, None)
    assert name == "Enabling" and counts["SENASA"] > 0 and "ana" in whose
    with pytest.raises(CoderError, match="not a function"):
        figure.coded_counts(bundled_db, "Gardening", None, None)


def test_network_colour_by_local_has_two_categories(bundled_db):
    with printing():
        _, caption, facts = figure.draw(bundled_db, Style(8.5, "svg"), colour_by="local", weight="both")
    assert "local (based in the study's region) or external" in " ".join(caption)
    assert "technological and commercial added" in caption[0] and facts["overlaps"] == 0


def test_network_needs_a_survey(db, tmp_path):
    with pytest.raises(CoderError, match="no survey network"):
        figure.network_figure(db, tmp_path / "none.svg", Style(), command="x")
    assert not Path(tmp_path / "none.svg").exists()
