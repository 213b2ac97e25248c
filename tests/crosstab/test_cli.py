"""The table commands for cross-tabs: xtab, cooccur and matrix, printed or saved under exports/."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli import main


def run(root: Path, *args: str, ok: bool = True):
    result = CliRunner(mix_stderr=False).invoke(main, ["--study", str(root), *args]) if _mixes() else \
        CliRunner().invoke(main, ["--study", str(root), *args])
    assert (result.exit_code == 0) is ok, result.output + (result.stderr if ok is False else "")
    return result


def _mixes() -> bool:
    import inspect

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_crosstab_cli_xtab_table_csv_json_and_chi2(coded):
    table = run(coded, "xtab", "function", "phase", "--coder", "ana").stdout
    assert "function × phase: passages, coded by ana" in table
    assert "Accessing         3        0        0        3" in table
    rows = list(csv.DictReader(io.StringIO(run(coded, "xtab", "function", "phase", "--coder", "ana", "--format", "csv").stdout)))
    assert rows[0] == {"function": "Accessing", "Phase 1": "3", "Phase 2": "0", "Phase 3": "0", "total": "3"}
    data = json.loads(run(coded, "xtab", "function", "attr:kind", "--coder", "ana", "--percent", "row", "--format", "json").stdout)
    assert data[0] == {"function": "Accessing", "congress_notes": pytest.approx(100 / 3), "interview": pytest.approx(200 / 3),
                       "n": 3}
    chi = run(coded, "xtab", "phase", "attr:kind", "--coder", "ana", "--chi2").stdout
    assert "chi-square = " in chi and "df = 2" in chi and "warning: 6 of 6 cells" in chi


def test_crosstab_cli_cell_cooccur_and_errors(coded):
    cell = run(coded, "xtab", "function", "phase", "--coder", "ana", "--cell", "Accessing", "Phase 1").stdout
    assert "cong01" in cell and "APEM took us to the trade fair" in cell
    co = list(csv.DictReader(io.StringIO(run(coded, "cooccur", "--group", "function", "--coder", "ana", "--format", "csv").stdout)))
    assert co[0]["code"] == "Accessing" and co[0]["Accessing"] == "3"
    bad = run(coded, "xtab", "function", "colour", ok=False)
    assert "unknown dimension 'colour'" in bad.output and "Traceback" not in bad.output
    assert "xlsx is a file format" in run(coded, "xtab", "function", "phase", "--format", "xlsx", ok=False).output


def test_crosstab_cli_saves_under_exports_and_refuses_to_overwrite(coded, tmp_path):
    first = run(coded, "xtab", "function", "phase", "--coder", "ana", "--save").stdout
    second = run(coded, "xtab", "function", "phase", "--coder", "ana", "--save").stdout
    assert "exports/xtab-function-by-phase-passages-ana.csv" in first
    assert "exports/xtab-function-by-phase-passages-ana-2.csv" in second
    target = tmp_path / "table.xlsx"
    run(coded, "xtab", "function", "phase", "--output", str(target), "--format", "xlsx")
    assert target.exists()
    assert "already exists" in run(coded, "xtab", "function", "phase", "--output", str(target), ok=False).output
    run(coded, "xtab", "function", "phase", "--output", str(target), "--force")
    matrix = run(coded, "matrix", "--unit", "document", "--coder", "ana").stdout
    assert "exports/matrix-document-by-code.csv: 2 documents" in matrix
    for path in (coded / "exports").glob("*"):
        path.unlink()


def test_crosstab_cli_xtab_within_a_phase_says_so_in_its_heading(coded):
    table = run(coded, "xtab", "function", "actor", "--within", "Phase 1", "--roll-up", "--coder", "ana").stdout
    assert table.startswith("function × actor: passages (only passages also coded Phase 1), coded by ana\n")
    rows = list(csv.DictReader(io.StringIO(run(coded, "xtab", "function", "actor", "--within", "Phase 1", "--roll-up",
                                                "--coder", "ana", "--format", "csv").stdout)))
    assert {r["function"]: r["APEM"] for r in rows} == {"Accessing": "2", "Diffusing": "0", "Coordinating": "0", "Enabling": "0",
                                                        "total": "2"}
