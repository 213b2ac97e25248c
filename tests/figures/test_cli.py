"""`coder figure network | xtab | agreement` on the bundled study: the file and caption they write, the format
from --format or the suffix, the width, refusals in one line, and nothing drawn over an existing file."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from coder.cli import main
from tests.figures.checks import assert_page, png_size, svg_texts


def run(root, *args: str) -> str:
    result = CliRunner().invoke(main, ["--study", str(root), "figure", *args])
    assert result.exit_code == 0, result.output
    return result.output


def fails(root, *args: str) -> str:
    result = CliRunner().invoke(main, ["--study", str(root), "figure", *args])
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    return result.output


def test_cli_network_coded_grey_column_pdf(bundled_coded, tmp_path):
    out = tmp_path / "network.pdf"
    printed = run(bundled_coded, "network", "--coded", "Enabling", "--grey", "--width", "column", "-o", str(out))
    assert printed.startswith(f"wrote {out} (PDF, 8.5×") and "network.caption.txt" in printed
    caption = (tmp_path / "network.caption.txt").read_text(encoding="utf-8")
    assert "Ring: the passages where the organisation is coded as actor of Enabling, on the codings of ana, ben" in caption
    assert "Made with: coder figure network --coded Enabling --width column --grey" in caption
    assert_page(out, 8.5, float(printed.split("8.5×")[1].split(" cm")[0]), within_cm=0.05)


def test_cli_xtab_png_from_the_suffix_at_a_width_in_cm(bundled_coded, tmp_path):
    out = tmp_path / "function-by-phase.png"
    printed = run(bundled_coded, "xtab", "function", "phase", "--percent", "row", "--roll-up", "--width", "12", "-o", str(out))
    assert "(PNG, 1417×" in printed and png_size(out)[0] == 1417
    caption = (tmp_path / "function-by-phase.caption.txt").read_text(encoding="utf-8")
    assert "Made with: coder figure xtab function phase --percent row --roll-up --width 12" in caption


def test_cli_agreement_goes_under_exports_by_default(bundled_coded, tmp_path):
    root = tmp_path / "piura"
    shutil.copytree(bundled_coded, root)
    for _ in range(2):  # a second figure takes the next free name
        printed = run(root, "agreement", "--codes", "Enabling,Diffusing", "--bootstrap", "50")
    assert printed.startswith(f"wrote {root / 'exports' / 'figure-agreement-alpha-passage-2.svg'} (SVG, 17.5×")
    texts = svg_texts(root / "exports" / "figure-agreement-alpha-passage.svg")
    assert "function/Enabling" in texts and "function/Diffusing" in texts
    assert (root / "exports" / "figure-agreement-alpha-passage.caption.txt").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["xtab", "function", "phase", "--width", "wide"], "'wide' is not a width"),
    (["xtab", "function", "phase", "--width", "200"], "cannot be printed"),
    (["xtab", "function", "phase", "--format", "pdf", "-o", "{tmp}/x.png"], "is not a PDF file"),
    (["xtab", "function", "phase", "-o", "{tmp}/x.docx"], "cannot draw a figure as '.docx'"),
    (["xtab", "function", "gardening", "-o", "{tmp}/x.svg"], "gardening"),
    (["network", "--coded", "Gardening", "-o", "{tmp}/x.svg"], "not a function of the codebook"),
])
def test_cli_refusals_are_one_line(bundled_coded, tmp_path, args, message):
    output = fails(bundled_coded, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert message in output
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_cli_an_existing_file_is_kept_unless_forced(bundled_coded, tmp_path):
    out = tmp_path / "x.svg"
    out.write_text("mine", encoding="utf-8")
    assert "already exists" in fails(bundled_coded, "xtab", "phase", "function", "-o", str(out))
    assert out.read_text(encoding="utf-8") == "mine"
    run(bundled_coded, "xtab", "phase", "function", "-o", str(out), "--force")
    assert "Phase 1 early exporting" in svg_texts(out)
