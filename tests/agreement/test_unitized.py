"""The unitized α family on coders' sections: Krippendorff's Fig. 12.11, pooling documents, degenerate spans."""

from __future__ import annotations

import pytest

from coder import agreement
from coder.agreement import Section
from tests.agreement.worked_examples import FIG_12_11


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



def test_agreement_degenerate_spans_are_undefined() -> None:
    nothing = agreement.unitized(100, [], coders=["a", "b"])
    assert all(r.undefined and r.reason for r in (nothing.u_alpha, nothing.binary_u_alpha, nothing.cu_alpha))
    overlapping = agreement.unitized(100, [("a", 0, 50, "x"), ("a", 40, 60, "y"), ("b", 0, 50, "x")])
    assert "overlapping" in overlapping.u_alpha.reason
    percent, kappa = agreement.nvivo_comparison(100, [], [])
    assert percent.value == 1.0 and kappa.undefined and "neither" in kappa.reason
    assert agreement.nvivo_comparison(100, [], [], nvivo_convention=True)[1].value == 1.0
    assert agreement.nvivo_comparison(100, [(0, 10)], [])[1].value == 0.0  # one coder coded nothing: κ = 0
