"""The network commands: the ranking, its export, actors against the coding, a study without a survey."""

from __future__ import annotations

import json

from click.testing import CliRunner

from coder.cli import main


def test_network_cli_prints_the_ranking_and_exports(bundled, tmp_path):
    study, _ = bundled
    result = CliRunner().invoke(main, ["--study", str(study.root), "network", "--top", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "47 organisations, 190 ties" in lines[0]
    assert [line.split()[1] for line in lines[4:7]] == ["SENASA", "APEM", "PROMANGO"] and len(lines) == 7
    data = json.loads(CliRunner().invoke(main, ["--study", str(study.root), "network", "--weight", "both",
                                                "--format", "json", "--export", str(tmp_path / "s.net")]).stdout)
    assert data[0]["organisation"] == "APEM" and data[0]["weighted_out_degree"] == 134
    assert (tmp_path / "s.net").read_text(encoding="utf-8").startswith("% coder survey network")
    again = CliRunner().invoke(main, ["--study", str(study.root), "network", "--export", str(tmp_path / "s.net")])
    assert again.exit_code == 1 and "already exists" in again.output


def test_network_cli_actors_and_missing_survey(bundled, study):
    root, _ = bundled
    result = CliRunner().invoke(main, ["--study", str(root.root), "actors"])
    assert result.exit_code == 0, result.output
    assert "SENASA" in result.output and "Spearman rank correlation" in result.output
    missing = CliRunner().invoke(main, ["--study", str(study.root), "network"])
    assert missing.exit_code == 1 and "no survey network" in missing.output
