"""Cross-tabs in CSV and JSON carry their totals, and percentage tables the counts they are of, so a
reader of the file can work out the counts and every percentage again."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.crosstab.test_cli import run

TABLE = ["xtab", "function", "phase", "--coder", "ana,ben"]


def table(text: str, fmt: str, index: str) -> dict[str, dict[str, float]]:
    """A written table as {row label: {column: number}}."""
    rows = json.loads(text) if fmt == "json" else list(csv.DictReader(io.StringIO(text)))
    return {row.pop(index): {k: float(v) for k, v in row.items()} for row in rows}


def written(coded: Path, tmp_path: Path, fmt: str, how: str, *extra: str) -> str:
    """The table as `--format FMT` prints it, or as `--output FILE.FMT` writes it."""
    if how == "stdout":
        return run(coded, *TABLE, *extra, "--format", fmt).stdout
    path = tmp_path / f"{'-'.join(extra) or 'counts'}.{fmt}"
    run(coded, *TABLE, *extra, "--output", str(path))
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("how", ["stdout", "file"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_percentages_can_be_worked_out_again_from_a_written_cross_tab(coded, tmp_path, fmt, how):
    counts = table(written(coded, tmp_path, fmt, how), fmt, "function")
    assert counts["total"]["total"] == 7 and counts["Diffusing"]["total"] == 2  # distinct passages, not sums of cells
    assert counts["Diffusing"]["Phase 2"] + counts["Diffusing"]["Phase 3"] == 2
    columns = [c for c in counts["total"] if c != "total"]
    rows = table(written(coded, tmp_path, fmt, how, "--percent", "row"), fmt, "function")
    assert rows.keys() == counts.keys() and [*columns, "n"] == list(rows["total"])
    for label, row in rows.items():  # each row's n is its total: the counts, the margins included, come back
        assert row["n"] == counts[label]["total"]
        for column in columns:
            assert row[column] * row["n"] / 100 == pytest.approx(counts[label][column])
            assert row[column] == pytest.approx(100 * counts[label][column] / counts[label]["total"])
    cols = table(written(coded, tmp_path, fmt, how, "--percent", "col"), fmt, "function")
    assert list(cols) == [*[r for r in counts if r != "total"], "n"] and cols["n"] == counts["total"]
    for label in [r for r in cols if r != "n"]:  # each column's n is its total: the counts come back
        for column in [*columns, "total"]:
            assert cols[label][column] * cols["n"][column] / 100 == pytest.approx(counts[label][column])
            assert cols[label][column] == pytest.approx(100 * counts[label][column] / counts["total"][column])


def test_the_printed_table_is_as_before_and_cooccurrence_has_totals_everywhere(coded):
    printed = run(coded, *TABLE, "--percent", "row").stdout
    assert "total" in printed and " n " not in printed and not printed.splitlines()[2].rstrip().endswith(" n")
    co = table(run(coded, "cooccur", "--group", "function", "--coder", "ana", "--format", "csv").stdout, "csv", "code")
    assert co["Accessing"]["Accessing"] == co["Accessing"]["total"] == co["total"]["Accessing"] == 3
    assert co["total"]["total"] == 7
    as_json = table(run(coded, "cooccur", "--group", "function", "--coder", "ana", "--format", "json").stdout, "json", "code")
    assert as_json == co
    assert "total" in run(coded, "cooccur", "--group", "function", "--coder", "ana").stdout
