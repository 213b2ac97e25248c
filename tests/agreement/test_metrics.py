"""Agreement: published reference values, the krippendorff package, degenerate data, and real studies."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from coder import agreement, coding
from coder.agreement import Section
from coder.cli import main
from coder.db import set_setting, transaction
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW, SHARED

REFERENCE_FILE = SHARED / "agreement" / "reference_cases.json"

# ---------------------------------------------------------------------------------------------
# The published worked examples of ../shared/agreement/reference_cases.json, transcribed here so
# they also run from a clean clone. test_agreement_transcription_matches_shared checks the copy.

COHEN_1960_TABLE = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]  # Cohen (1960) p. 45: κ = .492
COHEN_1960 = [[i + 1, j + 1] for i, row in enumerate(COHEN_1960_TABLE) for j, n in enumerate(row) for _ in range(n)]
FLEISS_WIKIPEDIA = [  # Wikipedia "Fleiss' kappa": 10 subjects × 14 raters, κ = .210
    [5] * 14,
    [2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5],
    [3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5],
    [2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4],
    [1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5],
    [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2],
    [1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4],
    [1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5],
    [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4],
    [2, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5],
]
K2011_CANONICAL = [  # Krippendorff (2011): 12 units × 4 observers; nominal .743, interval .849
    [1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 5, 5, 5], [None, None, 1, 1], [None, 3, None, None],
]
K2004_BINARY = [[1, 0], [1, 1], [0, 1], [0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0], [0, 0]]  # ATLAS.ti: 60 %
FIG_12_11 = [  # Krippendorff (2019) Fig. 12.11, L = 60, 0-based half-open; adjacent sections stay apart
    ("Alex", 0, 7, "1"), ("Alex", 7, 13, "2"), ("Alex", 30, 32, "5"), ("Alex", 32, 37, "6"), ("Alex", 37, 44, "6"),
    ("Alex", 44, 60, "7"), ("Paul", 0, 7, "1"), ("Paul", 7, 13, "3"), ("Paul", 13, 21, "5"), ("Paul", 32, 44, "6"),
    ("Suzan", 0, 7, "1"), ("Suzan", 7, 13, "4"), ("Suzan", 13, 21, "5"), ("Suzan", 32, 37, "6"), ("Suzan", 37, 41, "6"),
    ("Suzan", 41, 44, "6"),
]
NVIVO_HELP = [("userA", 0, 150, "node1"), ("userB", 100, 200, "node1")]  # 1,000 characters: 85 %

TRANSCRIBED = [  # name, metric, level, data, expected, tolerance, exact
    ("bar_u_alpha_k2019_fig12_11", "bar_u_alpha", "binary", (60, FIG_12_11), 0.413, 0.001, 0.4135992304),
    ("cohen_kappa_cohen1960", "cohen_kappa", "nominal", COHEN_1960, 0.492, 0.0005, 0.4915254237),
    ("fleiss_kappa_wikipedia", "fleiss_kappa", "nominal", FLEISS_WIKIPEDIA, 0.21, 0.0005, 0.2099307044),
    ("kalpha_k2011_canonical_interval", "krippendorff_alpha", "interval", K2011_CANONICAL, 0.849, 0.0005, 0.8491071429),
    ("kalpha_k2011_canonical_nominal", "krippendorff_alpha", "nominal", K2011_CANONICAL, 0.743, 0.0005, 0.7434210526),
    ("nvivo_percent_agreement_help_example", "nvivo_percent_agreement", "binary", (1000, NVIVO_HELP), 0.85, 1e-9, 0.85),
    ("percent_agreement_k2004_binary_2coders", "percent_agreement", "nominal", K2004_BINARY, 0.6, 1e-9, 0.6),
    ("u_alpha_k2019_fig12_11", "u_alpha", "nominal", (60, FIG_12_11), 0.51, 0.0005, 0.5099819078),
]


def compute(metric: str, level: str, data: object) -> float | None:
    """The figure a reference case names, computed by coder.agreement."""
    if metric in ("u_alpha", "bar_u_alpha"):
        length, sections = data
        family = agreement.unitized(length, sections)
        return (family.u_alpha if metric == "u_alpha" else family.binary_u_alpha).value
    if metric == "nvivo_percent_agreement":
        length, sections = data
        spans = [[(s[1], s[2]) for s in sections if s[0] == coder] for coder in dict.fromkeys(s[0] for s in sections)]
        return agreement.nvivo_comparison(length, *spans)[0].value
    functions = {"cohen_kappa": agreement.cohen_kappa, "fleiss_kappa": agreement.fleiss_kappa,
                 "percent_agreement": agreement.percent_agreement,
                 "krippendorff_alpha": lambda d: agreement.krippendorff_alpha(d, level)}
    return functions[metric](data).value


def shared_case_data(case: dict) -> object:
    data = case["data"]
    if data["kind"] == "spans":
        return data["continuum_length"], [(s["coder"], s["start"], s["end"], s["code"]) for s in data["spans"]]
    return data["units_x_coders"]


@pytest.mark.parametrize("name, metric, level, data, expected, tolerance, exact", TRANSCRIBED, ids=[c[0] for c in TRANSCRIBED])
def test_agreement_reference_cases_transcribed(name, metric, level, data, expected, tolerance, exact) -> None:
    value = compute(metric, level, data)
    assert value == pytest.approx(expected, abs=tolerance)
    assert value == pytest.approx(exact, abs=1e-9)


@pytest.mark.skipif(not REFERENCE_FILE.exists(), reason="../shared (reference data) is not present")
def test_agreement_reference_cases_shared() -> None:
    cases = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    assert cases, "no reference cases"
    for case in cases:
        value = compute(case["metric"], case["level"], shared_case_data(case))
        assert value == pytest.approx(case["expected"], abs=case["tolerance"]), case["name"]
        if "exact" in case:
            assert value == pytest.approx(case["exact"], abs=1e-9), case["name"]


@pytest.mark.skipif(not REFERENCE_FILE.exists(), reason="../shared (reference data) is not present")
def test_agreement_transcription_matches_shared() -> None:
    cases = {c["name"]: c for c in json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))}
    assert set(cases) == {c[0] for c in TRANSCRIBED}, "reference_cases.json changed: transcribe the new cases"
    for name, metric, level, data, expected, tolerance, exact in TRANSCRIBED:
        case = cases[name]
        assert (case["metric"], case["level"], case["expected"], case["tolerance"], case["exact"]) == (
            metric, level, expected, tolerance, exact)
        shared = shared_case_data(case)
        if isinstance(data, tuple):
            assert (shared[0], sorted(shared[1])) == (data[0], sorted(data[1])), name
        else:
            assert shared == data, name


def test_agreement_reference_intermediates() -> None:
    nominal = agreement.krippendorff_alpha(K2011_CANONICAL)
    assert (nominal.units, nominal.values) == (11, 40)
    assert nominal.details["observed_disagreement"] == pytest.approx(0.2)
    assert nominal.details["expected_disagreement"] == pytest.approx(0.779487, abs=1e-6)
    assert [nominal.details["coincidences"][i][i] for i in range(5)] == pytest.approx([7, 10, 8, 4, 3])
    cohen = agreement.cohen_kappa(COHEN_1960)
    assert (cohen.details["p_o"], cohen.details["p_e"]) == pytest.approx((0.70, 0.41))
    fleiss = agreement.fleiss_kappa(FLEISS_WIKIPEDIA)
    assert fleiss.details["P_bar"] == pytest.approx(0.378022, abs=1e-6)
    assert fleiss.details["P_e_bar"] == pytest.approx(0.212755, abs=1e-6)
    family = agreement.unitized(60, FIG_12_11)
    assert family.u_alpha.values == 180 and family.cu_alpha.values == 83
    assert family.u_alpha.details["observed"] == 70
    assert family.u_alpha.details["expected"] == pytest.approx(142.851868, abs=1e-6)


def test_agreement_unitized_family_fig_12_11() -> None:
    family = agreement.unitized(60, FIG_12_11)
    assert family.cu_alpha.value == pytest.approx(0.72417, abs=5e-6)  # the mean-overlap reading (AGREEMENT.md §4.5)
    assert family.cu_alpha.details["coverage"] == pytest.approx(83 / 180)
    by_value = {k: v.value for k, v in family.by_value.items()}
    assert by_value == {"1": 1.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 1.0, "6": 1.0, "7": None}
    assert "never overlaps" in family.by_value["7"].reason
    merged = [s for s in FIG_12_11 if not (s[0] in ("Alex", "Suzan") and s[3] == "6")] + [("Alex", 32, 44, "6"), ("Suzan", 32, 44, "6")]
    assert agreement.u_alpha(60, merged).value == pytest.approx(0.5125, abs=5e-5)  # merging would change the figure


def test_agreement_pooling_concatenates_documents_without_merging() -> None:
    first = [("a", 0, 10, "x"), ("b", 2, 10, "x")]
    second = [("a", 0, 5, "x"), ("b", 0, 5, "x")]
    length, pooled = agreement.pool_continua([(10, first), (20, second)])
    assert length == 30
    assert Section("a", 10, 15, "x") in pooled
    assert agreement.binary_u_alpha(30, pooled).value == agreement.binary_u_alpha(
        30, first + [(c, s + 10, e + 10, v) for c, s, e, v in second]).value
    touching = agreement.unitized(20, [("a", 0, 10, "x"), ("b", 0, 10, "x"), ("a", 10, 20, "x"), ("b", 10, 20, "x")])
    assert touching.u_alpha.details["sections"] == 4


# ---------------------------------------------------------------------------------------------
# Against other implementations and hand-computed tables

reliability = st.integers(1, 25).flatmap(lambda n: st.integers(2, 5).flatmap(lambda m: st.lists(
    st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=m, max_size=m), min_size=n, max_size=n)))


@settings(max_examples=200, deadline=None)
@given(reliability, st.sampled_from(agreement.LEVELS))
def test_agreement_alpha_equals_krippendorff_package(data: list[list[int | None]], level: str) -> None:
    import krippendorff

    ours = agreement.krippendorff_alpha(data, level)
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float).T
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            theirs = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
    except ValueError:  # the package raises when only one value is in use
        theirs = math.nan
    if math.isnan(theirs):
        assert ours.undefined and ours.reason
    else:
        assert ours.value == pytest.approx(theirs, abs=1e-9)
        assert ours.units == sum(1 for row in data if sum(v is not None for v in row) >= 2)


@settings(max_examples=60, deadline=None)
@given(reliability, st.integers(0, 2**31))
def test_agreement_stack_equals_concatenated_table(data: list[list[int | None]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    other = [[None if rng.random() < 0.2 else int(rng.integers(1, 5)) for _ in row] for row in data]
    labels = [1, 2, 3, 4]
    stacked = agreement.stack([agreement.ratings(data, labels=labels), agreement.ratings(other, labels=labels)])
    assert agreement.krippendorff_alpha(stacked).value == agreement.krippendorff_alpha(
        agreement.ratings(data + other, labels=labels)).value


def test_agreement_cohen_kappa_hand_tables() -> None:
    def table(counts: list[list[int]]) -> list[list[str]]:
        return [[a, b] for a, row in zip("yn", counts) for b, n in zip("yn", row) for _ in range(n)]

    assert agreement.cohen_kappa(table([[20, 5], [10, 15]])).value == pytest.approx(0.4)  # Wikipedia
    assert agreement.cohen_kappa(table([[45, 15], [25, 15]])).value == pytest.approx(0.1304, abs=5e-5)
    assert agreement.cohen_kappa(table([[25, 35], [5, 35]])).value == pytest.approx(0.2593, abs=5e-5)
    assert agreement.scott_pi(table([[20, 5], [10, 15]])).value == pytest.approx((0.7 - 0.505) / 0.495)
    assert agreement.brennan_prediger(table([[20, 5], [10, 15]]), q=2).value == pytest.approx(0.4)
    assert agreement.brennan_prediger(table([[20, 5], [10, 15]]), q=3).value == pytest.approx((0.7 - 1 / 3) / (2 / 3))
    nvivo = agreement.nvivo_comparison(1000, [(0, 150)], [(100, 200)])[1]
    assert nvivo.value == pytest.approx(agreement.cohen_kappa([[1, 1]] * 50 + [[1, 0]] * 100 + [[0, 1]] * 50 + [[0, 0]] * 800).value)


def test_agreement_cohen_kappa_equals_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is not installed (it is not a dependency)")
    rng = np.random.default_rng(11)
    for _ in range(20):
        a = rng.integers(0, 4, 60)
        b = np.where(rng.random(60) < 0.6, a, rng.integers(0, 4, 60))  # agreeing more often than chance
        assert agreement.cohen_kappa(np.stack([a, b], axis=1)).value == pytest.approx(metrics.cohen_kappa_score(a, b), abs=1e-9)


def test_agreement_fleiss_category_kappa_is_kappa_of_dichotomy() -> None:
    result = agreement.fleiss_kappa(FLEISS_WIKIPEDIA)
    for category in range(1, 6):
        dichotomy = [[int(v == category) for v in row] for row in FLEISS_WIKIPEDIA]
        assert result.details["per_category"][str(category)] == pytest.approx(agreement.fleiss_kappa(dichotomy).value)


def test_agreement_fleiss_drops_incomplete_units() -> None:
    result = agreement.fleiss_kappa(K2011_CANONICAL)
    assert result.units == 8 and result.details["units_left_out"] == 4


def test_agreement_bootstrap_is_reproducible() -> None:
    first = agreement.bootstrap_alpha(K2011_CANONICAL, draws=500, seed=3)
    again = agreement.bootstrap_alpha(K2011_CANONICAL, draws=500, seed=3)
    other = agreement.bootstrap_alpha(K2011_CANONICAL, draws=500, seed=4)
    assert first.value == agreement.krippendorff_alpha(K2011_CANONICAL).value
    assert (first.details["ci_low"], first.details["ci_high"]) == (again.details["ci_low"], again.details["ci_high"])
    assert (first.details["ci_low"], first.details["ci_high"]) != (other.details["ci_low"], other.details["ci_high"])
    assert first.details["ci_low"] < first.value <= first.details["ci_high"] <= 1
    assert (first.details["ci_draws"], first.details["ci_seed"]) == (500, 3)


# ---------------------------------------------------------------------------------------------
# Degenerate data: undefined with a reason, never NaN, never an exception


@pytest.mark.parametrize("data, why", [
    ([[1, 1], [1, 1], [1, 1]], "only one value"),
    ([[1, None], [None, 2], [3, None]], "no unit was coded by at least two coders"),
    ([], "no unit"),
])
def test_agreement_degenerate_units_are_undefined(data: list, why: str) -> None:
    for result in (agreement.krippendorff_alpha(data), agreement.fleiss_kappa(data if data else [[None, None]])):
        assert result.undefined and result.reason
        assert result.band == "undefined"
        json.dumps(result.as_dict())
    assert why in agreement.krippendorff_alpha(data).reason


def test_agreement_two_coder_coefficients_need_two_coders() -> None:
    assert "exactly two coders" in agreement.cohen_kappa(K2011_CANONICAL).reason
    assert agreement.scott_pi([[1, 1], [1, 1]]).undefined
    assert agreement.cohen_kappa([[1, None], [None, 1]]).reason == "no unit was coded by both coders"
    assert "smaller than" in agreement.brennan_prediger(K2011_CANONICAL, q=3).reason
    assert agreement.brennan_prediger([[1, 1], [1, 1]], q=2).value == 1.0  # chance 1/q is fixed: still defined


def test_agreement_degenerate_spans_are_undefined() -> None:
    nothing = agreement.unitized(100, [], coders=["a", "b"])
    assert all(r.undefined and r.reason for r in (nothing.u_alpha, nothing.binary_u_alpha, nothing.cu_alpha))
    overlapping = agreement.unitized(100, [("a", 0, 50, "x"), ("a", 40, 60, "y"), ("b", 0, 50, "x")])
    assert "overlapping" in overlapping.u_alpha.reason
    percent, kappa = agreement.nvivo_comparison(100, [], [])
    assert percent.value == 1.0 and kappa.undefined and "neither" in kappa.reason
    assert agreement.nvivo_comparison(100, [], [], nvivo_convention=True)[1].value == 1.0
    assert agreement.nvivo_comparison(100, [(0, 10)], [])[1].value == 0.0  # one coder coded nothing: κ = 0


def test_agreement_unstable_flag() -> None:
    assert agreement.krippendorff_alpha(K2011_CANONICAL).unstable  # 11 units
    assert not agreement.cohen_kappa(COHEN_1960).unstable  # 200 units, every category ≥ 10 values
    rare = [[0, 0]] * 200 + [[1, 1]] * 3
    assert agreement.krippendorff_alpha(rare).unstable  # the rare value has only 6 pairable values
    assert agreement.unitized(60, FIG_12_11).u_alpha.unstable is False  # 16 sections


def test_agreement_import_leaves_numpy_out() -> None:
    code = "import sys, coder.agreement; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


# ---------------------------------------------------------------------------------------------
# A small hand-made study coded by two coders
# INTERVIEW's passages: 1 = [13, 74), 2 = [88, 276), 3 = [291, 308), 4 = [322, 426);
# its sentences: [13,74) [88,109) [110,151) [152,196) [198,276) [291,308) [322,365) [366,426).


def coded_study(make_study, extra_documents: dict[str, str] | None = None):  # noqa: ANN001, ANN201
    documents = {"int01.md": INTERVIEW, "int02.md": INTERVIEW.replace("id: int01", "id: int02"),
                 "int03.md": INTERVIEW.replace("id: int01", "id: int03"), **(extra_documents or {})}
    study = make_study(documents=documents)
    db = connect_study(study)
    refresh_study(study, db)
    ana, ben = coding.coder_id(db, "ana"), coding.coder_id(db, "ben")
    doc1, doc2 = coding.find_document(db, "int01"), coding.find_document(db, "int02")
    code = {name: coding.find_code(db, name) for name in ("Accessing", "Diffusing", "Phase 1", "Phase 2", "Phase 3")}
    plan = [
        (ana, doc1, "Accessing", 13, 74), (ana, doc1, "Accessing", 88, 100),  # passage 1 whole, 12 characters of passage 2
        (ben, doc1, "Accessing", 20, 40), (ben, doc1, "Accessing", 322, 426),  # a third of passage 1, passage 4 whole
        (ana, doc1, "Diffusing", 291, 308), (ben, doc1, "Diffusing", 291, 308),
        (ana, doc1, "Phase 1", 13, 74), (ana, doc1, "Phase 2", 88, 276),
        (ben, doc1, "Phase 1", 13, 74), (ben, doc1, "Phase 1", 88, 276),
        (ana, doc1, "Phase 3", 322, 340), (ana, doc1, "Phase 2", 340, 426),  # passage 4: mostly Phase 2
        (ana, doc2, "Accessing", 13, 74),  # int02: only ana has worked on it; int03: nobody
    ]
    for who, doc, name, start, end in plan:
        coding.apply_code(db, doc, code[name], who, start, end)
    return study, db


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
    consensus = coding.coder_id(db, "consensus")
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
    coding.coder_id(db, "cleo")  # a coder with no codings at all
    with pytest.raises(CoderError, match="no document has codings by every one"):
        agreement.measure_agreement(db, coders=["ana", "cleo"])
    db.close()


# ---------------------------------------------------------------------------------------------
# The command line


def run(study, *args: str):  # noqa: ANN001, ANN201
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
