"""Cross-tabs written to files (coder.exports.tables): never over an existing file unless asked."""

from __future__ import annotations

import pytest

from coder import crosstab
from coder.errors import CoderError
from coder.exports.tables import export_table, save_table


def test_crosstab_exports_never_overwrite(tmp_path, db):
    table = crosstab.crosstab(db, "function", "phase", coders=["ana"]).table
    first = save_table(table, tmp_path, "xtab function by phase", ".csv")
    second = save_table(table, tmp_path, "xtab function by phase", ".csv")
    assert (first.name, second.name) == ("xtab-function-by-phase.csv", "xtab-function-by-phase-2.csv")
    with pytest.raises(CoderError, match="already exists"):
        export_table(table, first)
    export_table(table, first, overwrite=True)
