"""A cross-tab counts and prints without pandas, and its plain numbers are the DataFrame's, cell for cell."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from coder import crosstab
from coder.cli.tables import frame_rows
from coder.crosstab import small, tables

REPO = Path(__file__).resolve().parents[2]
TABLES = [("function", "phase", "passages"), ("function", "attr:kind", "passages"), ("code", "document", "documents"),
          ("function", "document", "characters"), ("function", "coder", "words"), ("code", "code", "passages"),
          ("actor", "type", "passages")]


def same(first: list[dict], second: list[dict]) -> bool:
    """Equal rows, NaN equal to NaN (printing turns both into an empty cell)."""
    def key(rows: list[dict]) -> str:
        return json.dumps([{k: "nan" if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()} for r in rows])

    return key(first) == key(second)


@pytest.mark.parametrize("percent", [None, "row", "col"])
@pytest.mark.parametrize(("rows", "columns", "measure"), TABLES)
def test_grid_prints_what_the_dataframe_holds(db, rows, columns, measure, percent):
    result = crosstab.crosstab(db, rows, columns, measure=measure, percent=percent)
    for totals, bases, frame in ((False, False, result.table), (True, False, result.with_totals()),
                                 (True, True, result.with_totals(bases=True))):
        grid = result.grid(totals=totals, bases=bases)
        assert [str(label) for label in frame.index] == grid.labels and [str(c) for c in frame.columns] == grid.columns
        for pretty in (False, True):
            assert same(frame_rows(grid, index=result.rows.title, pretty=pretty)[0],
                        frame_rows(frame, index=result.rows.title, pretty=pretty)[0])
        assert grid.frame().equals(frame)


@pytest.mark.parametrize("percent", [None, "row", "col"])
def test_nothing_counted_prints_like_the_dataframe(db, percent):
    result = crosstab.crosstab(db, "function", "phase", coders=["ben"], documents=["cong01"], percent=percent)
    assert result.total == 0
    for totals, bases, frame in ((False, False, result.table), (True, False, result.with_totals()),
                                 (True, True, result.with_totals(bases=True))):
        assert same(frame_rows(result.grid(totals=totals, bases=bases), index="f")[0], frame_rows(frame, index="f")[0])


@pytest.mark.parametrize("once", [False, True])
@pytest.mark.parametrize("measure", ["passages", "documents"])
@pytest.mark.parametrize(("rows", "columns", "_"), TABLES)
def test_plain_python_counts_what_numpy_counts(db, monkeypatch, rows, columns, _, measure, once):
    """Small studies in a process without numpy are counted in plain Python: the same counts as the arrays'."""
    if once and measure == "documents":
        return
    counted = {}
    for way, hits in (("numpy", lambda db: None), ("python", small.coded_passages)):
        monkeypatch.setattr(tables, "small_study", hits)
        for options in ({}, {"coders": ["ana"]}, {"documents": ["int01"]}, {"group": "function"}, {"roll_up": True},
                        {"within": "Phase 1"}, {"within": "Accessing", "roll_up": True}):
            result = crosstab.crosstab(db, rows, columns, measure=measure, once_per_document=once, **options)
            counted[way, str(options)] = (result.cells, result.row_sums, result.col_sums, result.total,
                                          result.row_labels, result.col_labels)
    for key in {key for _, key in counted}:
        assert counted["python", key] == counted["numpy", key], key


def test_crosstab_and_xtab_print_without_pandas(coded):
    """Counting a table and printing `coder xtab` / `coder cooccur` import no pandas (≈0.3 s of a cold table),
    and on a small study no numpy either (≈0.1 s)."""
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from coder.cli import main\n"
        "from coder import crosstab\n"
        "from pathlib import Path\nfrom coder.study import Study, connect_study\n"
        f"root = {str(coded)!r}\n"
        "db = connect_study(Study(Path(root)))\n"
        "crosstab.crosstab(db, 'code', 'document')\n"
        "crosstab.cooccurrence(db)\n"
        "db.close()\n"
        "for args in (['xtab', 'code', 'document'], ['xtab', 'function', 'phase', '--percent', 'row', '--format', 'csv'],"
        " ['cooccur']):\n"
        "    result = CliRunner().invoke(main, ['--study', root, *args])\n"
        "    assert result.exit_code == 0, result.output\n"
        "print('pandas' in sys.modules, 'numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False False", done.stderr
