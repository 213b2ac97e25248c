"""The study-level report on a small hand-made study: units, the overlap rule, missing data, groups,
pooling, the consensus coder, the character level, disagreements and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coder import agreement, coding
from coder.db import set_setting, transaction
from coder.errors import CoderError
from tests.agreement.coded_study import coded_study


def test_agreement_study_passage_units_and_default_documents(make_study) -> None:
    study, db = coded_study(make_study)
    report = agreement.measure_agreement(db)
    assert report.parameters["coders"] == ["ana", "ben"]
    assert report.parameters["documents"] == ["int01"]  # int02 has no codings by ben, int03 none at all
    assert report.parameters["codes"] == ["function/Accessing", "function/Diffusing", "phase/Phase 1", "phase/Phase 2", "phase/Phase 3"]
    accessing = report.row("Accessing")
    assert report.variables["function/Accessing"].values.tolist() == [[1, 1], [1, 0], [0, 0], [0, 1]]
    assert (accessing.alpha.units, accessing.alpha.values, accessing.alpha.coders) == (4, 8, 2)
    assert accessing.percent.value == 0.5 and accessing.percent.agreements == 2
    assert accessing.alpha.value == pytest.approx(agreement.krippendorff_alpha([[1, 1], [1, 0], [0, 0], [0, 1]]).value)
    assert accessing.kappa.metric == "cohen_kappa" and "scott_pi" in accessing.metrics
    assert accessing.alpha.prevalence == {"not applied": 0.5, "applied": 0.5}
    assert accessing.alpha.unstable and "unstable" in accessing.flags()
    assert report.row("Diffusing").alpha.value == 1.0
    db.close()


def test_agreement_study_sentence_and_document_units(make_study) -> None:
    study, db = coded_study(make_study)
    sentences = agreement.measure_agreement(db, unit="sentence", codes=["Accessing"])
    assert sentences.variables["function/Accessing"].values.tolist() == [[1, 1], [1, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 1], [0, 1]]
    assert sentences.row("Accessing").alpha.units == 8
    document = agreement.measure_agreement(db, unit="document", codes=["Accessing", "Diffusing"])
    assert document.row("Accessing").alpha.units == 1
    assert document.row("Accessing").alpha.undefined and "only one value" in document.row("Accessing").alpha.reason
    assert document.row("Accessing").percent.value == 1.0
    db.close()


def test_agreement_study_overlap_rule(make_study) -> None:
    study, db = coded_study(make_study)
    half = agreement.measure_agreement(db, codes=["Accessing"], min_overlap=0.5)
    assert half.variables["function/Accessing"].values.tolist() == [[1, 0], [0, 0], [0, 0], [0, 1]]
    third = agreement.measure_agreement(db, codes=["Accessing"], min_overlap=20 / 61)  # ben covers exactly 20 of 61
    assert third.variables["function/Accessing"].values.tolist()[0] == [1, 1]
    assert "0.5 of the unit" in half.parameters["overlap_rule"]
    with pytest.raises(CoderError, match="share"):
        agreement.measure_agreement(db, min_overlap=1.5)
    db.close()


def test_agreement_study_missing_data_when_documents_chosen(make_study) -> None:
    study, db = coded_study(make_study)
    report = agreement.measure_agreement(db, documents=["int01", "int02"], codes=["Accessing"])
    values = report.variables["function/Accessing"].values.tolist()
    assert values[4:] == [[1, -1], [0, -1], [0, -1], [0, -1]]  # ben never worked on int02: missing, not "not applied"
    row = report.row("Accessing")
    assert row.alpha.units == 4  # only int01's units are pairable
    assert any(flag.startswith("missing data") for flag in row.flags())
    assert report.units["document"].tolist() == ["int01"] * 4 + ["int02"] * 4
    db.close()


def test_agreement_study_exclusive_group_is_one_nominal_variable(make_study) -> None:
    study, db = coded_study(make_study)
    report = agreement.measure_agreement(db, group="phase")
    phase = report.variables["group:phase"]
    assert phase.labels == ("none", "Phase 1", "Phase 2", "Phase 3")
    assert phase.values.tolist() == [[1, 1], [2, 1], [0, 0], [2, 0]]  # passage 4: Phase 2 covers most of ana's unit
    row = report.row("phase")
    assert row.kind == "group"
    assert row.alpha.value == pytest.approx(agreement.krippendorff_alpha([[1, 1], [2, 1], [0, 0], [2, 0]]).value)
    assert row.metrics["brennan_prediger"].details["q"] == 4  # three phases and none
    assert any("mixed" in flag for flag in row.flags())
    assert report.row("pooled").alpha.units == 12  # three codes × four passages, stacked
    db.close()


def test_agreement_study_pooled_stacks_binary_decisions(make_study) -> None:
    study, db = coded_study(make_study)
    report = agreement.measure_agreement(db, codes=["Accessing", "Diffusing"])
    stacked = np.concatenate([report.variables[p].values for p in ("function/Accessing", "function/Diffusing")]).tolist()
    assert report.row("pooled").alpha.value == pytest.approx(agreement.krippendorff_alpha(stacked).value)
    assert report.row("function").alpha.value == report.row("pooled").alpha.value  # the group holds the same two codes
    db.close()


def test_agreement_study_default_coders_leave_out_consensus(make_study) -> None:
    study, db = coded_study(make_study)
    consensus = coding.add_coder(db, "consensus")
    doc1 = coding.find_document(db, "int01")
    coding.apply_code(db, doc1, coding.find_code(db, "Accessing"), consensus, 13, 74)
    assert agreement.measure_agreement(db).parameters["coders"] == ["ana", "ben"]
    assert agreement.measure_agreement(db, coders=["consensus", "ana"]).parameters["coders"] == ["consensus", "ana"]
    with transaction(db):
        set_setting(db, coding.CONSENSUS_SETTING, "ben")
    assert agreement.measure_agreement(db).parameters["coders"] == ["ana", "consensus"]
    with pytest.raises(CoderError, match="at least two coders"):
        agreement.measure_agreement(db, coders=["ana"])
    db.close()


def test_agreement_study_character_level(make_study, tmp_path: Path) -> None:
    study, db = coded_study(make_study)
    report = agreement.measure_agreement(db, unit="character", codes=["Accessing"], by_document=True)
    ana = [("ana", 13, 74, "x"), ("ana", 88, 100, "x")]
    ben = [("ben", 20, 40, "x"), ("ben", 322, 426, "x")]
    length = len(db.execute("SELECT text FROM documents WHERE name = 'int01'").fetchone()[0])
    row = report.row("Accessing")
    assert row.alpha.metric == "binary_u_alpha"
    assert row.alpha.value == pytest.approx(agreement.binary_u_alpha(length, ana + ben).value)
    per_document = report.row("Accessing", document="int01")
    percent, kappa = agreement.nvivo_comparison(length, [(13, 74), (88, 100)], [(20, 40), (322, 426)])
    assert (per_document.percent.value, per_document.kappa.value) == (percent.value, kappa.value)
    assert per_document.kappa.metric == "nvivo_kappa"
    assert row.kappa.value == pytest.approx(kappa.value)  # one document: the pooled 2 × 2 table is NVivo's
    phase = agreement.measure_agreement(db, unit="character", group="phase").row("phase")
    assert phase.alpha.metric == "u_alpha" and not phase.metrics["cu_alpha"].undefined
    assert 0 < phase.metrics["cu_alpha"].details["coverage"] <= 1
    gaps = agreement.disagreements(report, "Accessing")
    assert [(g["start"], g["end"]) for g in gaps] == [(13, 20), (40, 74), (88, 100), (322, 426)]
    written = agreement.save(report, tmp_path / "spans")
    assert {p.name for p in written} == {"parameters.json", "sections.csv", "documents.csv"}
    db.close()


def test_agreement_study_disagreements(make_study) -> None:
    study, db = coded_study(make_study)
    report = agreement.measure_agreement(db)
    found = agreement.disagreements(report, "Accessing")
    assert [(d["unit"], d["values"]) for d in found] == [(2, {"ana": "applied", "ben": "not applied"}),
                                                         (4, {"ana": "not applied", "ben": "applied"})]
    assert [d["unit"] for d in agreement.disagreements(report, "phase")] == [2, 4]
    with pytest.raises(CoderError):
        agreement.disagreements(report, "no such code")
    db.close()


def test_agreement_study_errors(make_study) -> None:
    study, db = coded_study(make_study)
    with pytest.raises(CoderError, match="unknown unit"):
        agreement.measure_agreement(db, unit="paragraph")
    with pytest.raises(CoderError, match="no code group"):
        agreement.measure_agreement(db, group="nonsense")
    coding.add_coder(db, "cleo")  # a coder with no codings at all
    with pytest.raises(CoderError, match="no document has codings by every one"):
        agreement.measure_agreement(db, coders=["ana", "cleo"])
    db.close()
