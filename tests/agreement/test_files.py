"""Saving a report: the CSV files give the same α in the krippendorff package."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from coder import agreement
from tests.agreement.coded_study import coded_study


def test_agreement_study_save_reproduces_alpha_with_krippendorff(make_study, tmp_path: Path) -> None:
    import krippendorff

    study, db = coded_study(make_study)
    report = agreement.measure_agreement(db, documents=["int01", "int02"], bootstrap=200, seed=5)
    written = agreement.save(report, tmp_path / "run")
    parameters = json.loads((tmp_path / "run" / "parameters.json").read_text(encoding="utf-8"))
    assert parameters["bootstrap"] == {"draws": 200, "seed": 5, "confidence": 0.95}
    assert parameters["documents"] == ["int01", "int02"]
    checked = 0
    for key, entry in parameters["files"].items():
        with (tmp_path / "run" / entry["file"]).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        matrix = np.array([[float(r[c]) if r[c] != "" else np.nan for r in rows] for c in entry["coder_columns"]])
        name = key.removeprefix("group:")
        expected = report.row(name).alpha.value
        assert krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal") == pytest.approx(expected, abs=1e-12)
        checked += 1
    assert checked == len(report.variables) == 8  # five codes, two groups, pooled
    assert len(written) == 9
    with (tmp_path / "run" / "pooled.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["code", "document", "unit", "start", "end", "ana", "ben"]
    db.close()
