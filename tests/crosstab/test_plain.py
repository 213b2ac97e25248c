"""A cross-tab printed without pandas (`CrossTab.plain`) holds the numbers pandas' arithmetic gives."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from coder import crosstab
from coder.cli import main
from coder.cli.base import render
from coder.cli.tables import frame_rows


def pandas_with_totals(result: crosstab.CrossTab) -> pd.DataFrame:
    """The table with its totals, as the DataFrame arithmetic makes it (the reference)."""
    shown = result.table.copy()
    whole = result.total or float("nan")
    if result.percent != "row":
        shown["total"] = result.row_totals if result.percent is None else 100.0 * result.row_totals / whole
    if result.percent != "col":
        bottom = result.col_totals if result.percent is None else 100.0 * result.col_totals / whole
        values = bottom.tolist() + ([result.total] if "total" in shown.columns else [])
        shown = pd.concat([shown, pd.DataFrame([values], index=["total"], columns=shown.columns)])
    return shown


@pytest.mark.parametrize("percent", [None, "row", "col"])
@pytest.mark.parametrize("rows, columns, coders", [("function", "phase", ["ana"]), ("function", "document", None),
                                                   ("actor", "attr:kind", None), ("phase", "coder", ["all"])])
def test_crosstab_plain_table_is_the_pandas_arithmetic(db, rows, columns, coders, percent):
    result = crosstab.crosstab(db, rows, columns, coders=coders, percent=percent)
    expected = pandas_with_totals(result)
    pd.testing.assert_frame_equal(result.with_totals(), expected, check_dtype=False, check_names=False)
    columns_shown, lines = result.plain(totals=False)
    assert lines == [[label, *values] for label, values in zip(result.table.index, result.table.values.tolist())]
    assert columns_shown == list(result.table.columns)


@pytest.mark.parametrize("fmt", ["table", "md", "csv", "json"])
@pytest.mark.parametrize("percent", [[], ["--percent", "row"], ["--percent", "col"]])
def test_crosstab_plain_printing_is_what_the_data_frame_prints(coded, db, fmt, percent):
    printed = CliRunner().invoke(main, ["--study", str(coded), "xtab", "function", "phase", "--format", fmt, *percent]).output
    result = crosstab.crosstab(db, "function", "phase", percent=percent[1] if percent else None)
    frame = pandas_with_totals(result) if fmt in ("table", "md") else result.table
    rows, columns = frame_rows(frame, index=result.rows.title, pretty=fmt in ("table", "md"), default_digits=1 if percent else 0)
    assert render(rows, fmt, columns) in printed


def test_crosstab_printing_a_table_loads_no_pandas(coded):
    code = ("import sys\nfrom coder.cli import main\n"
            "for args in sys.argv[1:]:\n    main(args.split('|'), standalone_mode=False)\n"
            "print('pandas loaded:', 'pandas' in sys.modules, file=sys.stderr)")
    runs = [f"--study|{coded}|xtab|function|phase|--percent|row", f"--study|{coded}|cooccur|--format|json"]
    err = subprocess.run([sys.executable, "-c", code, *runs], capture_output=True, text=True, check=True).stderr
    assert err.splitlines()[-1] == "pandas loaded: False"
