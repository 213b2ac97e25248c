"""The coefficients on reliability data: published worked examples, the krippendorff package, scikit-learn,
hand-computed tables, and degenerate data (undefined with a reason, never NaN, never an exception)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coder import agreement
from tests.agreement.worked_examples import (
    COHEN_1960,
    FIG_12_11,
    FLEISS_WIKIPEDIA,
    K2011_CANONICAL,
    REFERENCE_FILE,
    TRANSCRIBED,
    compute,
    shared_case_data,
)

# ---------------------------------------------------------------------------------------------
# Published worked examples


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


def test_agreement_unstable_flag() -> None:
    assert agreement.krippendorff_alpha(K2011_CANONICAL).unstable  # 11 units
    assert not agreement.cohen_kappa(COHEN_1960).unstable  # 200 units, every category ≥ 10 values
    rare = [[0, 0]] * 200 + [[1, 1]] * 3
    assert agreement.krippendorff_alpha(rare).unstable  # the rare value has only 6 pairable values
    assert agreement.unitized(60, FIG_12_11).u_alpha.unstable is False  # 16 sections
