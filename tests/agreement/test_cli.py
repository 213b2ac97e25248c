"""The command line: `coder agree` as a table, JSON, CSV and Markdown, and its one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from coder.cli import main
from tests.agreement.coded_study import coded_study


def run(study, *args: str):
    return CliRunner().invoke(main, ["--study", str(study.root), "agree", *args])


def test_agreement_cli_table(make_study) -> None:
    study, db = coded_study(make_study)
    db.close()
    result = run(study)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:7] == ["code", "units", "coders", "agree", "%", "Cohen", "κ"]
    assert any(line.startswith("function/Accessing") and "unstable" in line for line in lines)
    assert any(line.startswith("group phase (exclusive)") for line in lines)
    assert any(line.startswith("pooled (all codes stacked)") for line in lines)
    assert "coders: ana, ben" in result.output


def test_agreement_cli_options_and_formats(make_study, tmp_path: Path) -> None:
    study, db = coded_study(make_study)
    db.close()
    result = run(study, "--coders", "ana", "ben", "--docs", "int01", "int02", "--codes", "Accessing,Diffusing", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["parameters"]["documents"] == ["int01", "int02"]
    assert [row["name"] for row in data["rows"]] == ["function/Accessing", "function/Diffusing", "function", "pooled"]
    assert data["rows"][0]["metrics"]["alpha"]["units"] == 4
    result = run(study, "--format", "csv", "--unit", "sentence", "--bootstrap", "100", "--seed", "2", "--save", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split(",")
    assert {"name", "alpha", "kappa", "alpha_ci_low", "band"} <= set(header)
    assert (tmp_path / "out" / "parameters.json").exists() and (tmp_path / "out" / "pooled.csv").exists()
    md = run(study, "--unit", "character", "--by-document", "--format", "md")
    assert md.exit_code == 0 and md.output.startswith("| code | document | characters | sections |")


def test_agreement_cli_errors_are_one_line(make_study) -> None:
    study, db = coded_study(make_study)
    db.close()
    result = run(study, "--coders", "ana")
    assert result.exit_code == 1
    assert "at least two coders" in result.output and "Traceback" not in result.output
    assert run(study, "--min-overlap", "2").exit_code == 1
