"""Cross-tabs, co-occurrence, chi-square, the passages behind a cell and presence matrices, on the
hand-made study (tests/crosstab/handmade.py) whose every count was worked out by hand."""

from __future__ import annotations

import csv

import pytest

from coder import coding, crosstab
from coder.errors import CoderError
from coder.exports.tables import export_table
from coder.study import connect_study
from tests.crosstab.handmade import build, cells


def test_crosstab_function_by_phase_counts_passages(db):
    result = crosstab.crosstab(db, "function", "phase", coders=["ana"])
    assert list(result.counts.columns) == ["Phase 1", "Phase 2", "Phase 3"]
    assert list(result.counts.index) == ["Accessing", "Diffusing", "Coordinating", "Enabling", "Scanning sources"]
    assert cells(result) == {("Accessing", "Phase 1"): 3, ("Scanning sources", "Phase 1"): 1,
                             ("Diffusing", "Phase 2"): 1, ("Diffusing", "Phase 3"): 1,
                             ("Coordinating", "Phase 2"): 1, ("Enabling", "Phase 2"): 1}
    assert result.row_totals.to_dict() == {"Accessing": 3, "Diffusing": 2, "Coordinating": 1, "Enabling": 1,
                                           "Scanning sources": 1}
    assert result.col_totals.to_dict() == {"Phase 1": 4, "Phase 2": 2, "Phase 3": 1}
    assert result.total == 7  # int01 p1-p4 and cong01 p1-p3
    shown = result.with_totals()
    assert shown.at["total", "total"] == 7 and shown.at["Accessing", "total"] == 3


def test_crosstab_row_and_column_percentages_use_the_margins(db):
    rows = crosstab.crosstab(db, "function", "phase", coders=["ana"], percent="row").table
    assert rows.at["Diffusing", "Phase 2"] == 50.0 and rows.at["Diffusing", "Phase 3"] == 50.0
    assert rows.at["Accessing", "Phase 1"] == 100.0 and rows.at["Enabling", "Phase 1"] == 0.0
    cols = crosstab.crosstab(db, "function", "phase", coders=["ana"], percent="col").table
    assert cols.at["Accessing", "Phase 1"] == 75.0 and cols.at["Scanning sources", "Phase 1"] == 25.0
    # Phase 2 passages carry two functions each at most: the column adds up to 150 %, not 100 %.
    assert cols["Phase 2"].tolist() == [0.0, 50.0, 50.0, 50.0, 0.0]


def test_crosstab_roll_up_counts_sub_codes_for_their_parent(db):
    result = crosstab.crosstab(db, "function", "phase", coders=["ana"], roll_up=True)
    assert list(result.counts.index) == ["Accessing", "Diffusing", "Coordinating", "Enabling"]
    assert result.counts.at["Accessing", "Phase 1"] == 4


def test_crosstab_once_per_document_and_documents_measure_differ(db):
    once = crosstab.crosstab(db, "function", "phase", coders=["ana"], once_per_document=True)
    assert once.counts.at["Accessing", "Phase 1"] == 2  # int01 (p2, p3) and cong01 (p1)
    assert once.counts.at["Accessing", "Phase 2"] == 0
    documents = crosstab.crosstab(db, "function", "phase", coders=["ana"], measure="documents")
    # by document, Accessing (int01 p2) and Phase 2 (int01 p4) meet although no passage has both
    assert documents.counts.at["Accessing", "Phase 2"] == 2 and documents.counts.at["Accessing", "Phase 3"] == 1
    assert documents.total == 2
    with pytest.raises(CoderError, match="once-per-document counts passages"):
        crosstab.crosstab(db, "function", "phase", measure="words", once_per_document=True)


def test_crosstab_pairs_values_within_one_coders_coding(db):
    # ana: int01 p2 is Phase 1; ben: Phase 2. Accessing × Phase 2 is ben's pairing only.
    both = crosstab.crosstab(db, "function", "phase", coders=["ana", "ben"])
    assert both.counts.at["Accessing", "Phase 2"] == 1 and both.counts.at["Accessing", "Phase 1"] == 3
    assert both.counts.at["Diffusing", "Phase 2"] == 1  # int01 p4, coded by both: one passage


def test_crosstab_within_a_code_counts_only_passages_the_same_coder_also_coded_with_it(db):
    # Phase 1 (ana): int01 ¶1 (Scanning sources), ¶2 (Accessing, APEM, PROMPERU), ¶3 (Accessing) and cong01 ¶1
    # (Accessing, APEM); ben put int01 ¶2 in Phase 2, so his Accessing there is left out.
    result = crosstab.crosstab(db, "function", "actor", within="Phase 1", roll_up=True)
    assert cells(result) == {("Accessing", "APEM"): 2, ("Accessing", "PROMPERU"): 1}
    assert result.describe() == "function × actor: passages (only passages also coded Phase 1), coded by ana, ben (all)"
    assert crosstab.crosstab(db, "function", "phase", within="Accessing").col_labels == ["Phase 1", "Phase 2", "Phase 3"]
    assert cells(crosstab.crosstab(db, "function", "phase", within="Accessing", roll_up=True)) == {
        ("Accessing", "Phase 1"): 4, ("Accessing", "Phase 2"): 1}  # the sub-code's passage counts as well
    listed = crosstab.cell_passages(db, "function", "actor", "Accessing", "APEM", within="Phase 1", roll_up=True)
    assert [(r["document"], r["passage"]) for r in listed] == [("cong01", 1), ("int01", 2)]


def test_crosstab_cooccurrence_counts_passages_with_both_codes(db):
    result = crosstab.cooccurrence(db, group="function", coders=["ana"])
    table = result.table
    assert table.at["Accessing", "Accessing"] == 3 and table.at["Diffusing", "Enabling"] == 1
    assert table.at["Enabling", "Diffusing"] == 1 and table.at["Accessing", "Diffusing"] == 0
    assert (table.to_numpy() == table.to_numpy().T).all()
    rolled = crosstab.cooccurrence(db, group="function", coders=["ana"], roll_up=True)
    assert rolled.table.at["Accessing", "Accessing"] == 4


def test_crosstab_characters_and_words_count_the_overlap(tmp_path):
    root = build(tmp_path / "study")
    from coder.study import Study

    db = connect_study(Study(root))
    doc_id = coding.find_document(db, "cong01")
    start, end = coding.passage_span(db, doc_id, 1)  # "APEM opened the congress with a talk on buyers in Europe."
    zoe = coding.add_coder(db, "zoe")
    coding.apply_code(db, doc_id, coding.find_code(db, "Accessing"), zoe, start, start + 24)  # APEM opened the congress
    coding.apply_code(db, doc_id, coding.find_code(db, "broker"), zoe, start + 12, start + 36)  # the congress with a talk
    chars = crosstab.crosstab(db, "function", "role", coders=["zoe"], measure="characters")
    assert chars.counts.at["Accessing", "broker"] == 12  # "the congress"
    words = crosstab.crosstab(db, "function", "role", coders=["zoe"], measure="words")
    assert words.counts.at["Accessing", "broker"] == 2
    assert crosstab.crosstab(db, "function", "document", coders=["zoe"], measure="characters").counts.at["Accessing", "cong01"] == 24
    assert crosstab.crosstab(db, "function", "document", coders=["zoe"]).counts.at["Accessing", "cong01"] == 1
    db.close()


def test_crosstab_chi_square_with_expected_counts_and_warnings(db):
    result = crosstab.crosstab(db, "phase", "attr:kind", coders=["ana"])
    # Phase 1: congress 1, interview 3; Phase 2: 1, 1; Phase 3: 1, 0 — each passage in one cell.
    test = crosstab.chi_square(result)
    observed = [[1, 3], [1, 1], [1, 0]]
    rows, cols, n = [sum(r) for r in observed], [sum(c) for c in zip(*observed)], 7
    expected = [[r * c / n for c in cols] for r in rows]
    statistic = sum((o - e) ** 2 / e for ro, re in zip(observed, expected) for o, e in zip(ro, re))
    assert test.statistic == pytest.approx(statistic) and test.dof == 2 and test.n == 7
    assert test.expected.at["Phase 1", "interview"] == pytest.approx(16 / 7)
    assert test.small_expected == 6 and "6 of 6 cells" in test.warnings[0]
    assert not any("several cells" in w for w in test.warnings)
    multi = crosstab.chi_square(crosstab.crosstab(db, "function", "phase", coders=["ana"]))
    assert any("counted in several cells" in w for w in multi.warnings)
    with pytest.raises(CoderError, match="chi-square needs counts"):
        crosstab.chi_square(crosstab.crosstab(db, "function", "phase", measure="characters"))


def test_crosstab_cell_passages_lists_what_a_cell_counts(db):
    found = crosstab.cell_passages(db, "function", "phase", "Accessing", "Phase 1", coders=["ana"])
    assert [(p["document"], p["passage"]) for p in found] == [("cong01", 1), ("int01", 2), ("int01", 3)]
    assert found[1]["text"] == "APEM took us to the trade fair. PROMPERU paid for the stand."
    assert found[1]["speaker"] == "RESPONDENT"
    margin = crosstab.cell_passages(db, "function", "phase", None, "Phase 2", coders=["ana"])
    assert [(p["document"], p["passage"]) for p in margin] == [("cong01", 2), ("int01", 4)]
    assert crosstab.cell_passages(db, "function", "phase", "Accessing", "Phase 2", coders=["ana"]) == []
    by_doc = crosstab.cell_passages(db, "function", "phase", "Accessing", "Phase 2", coders=["ana"], measure="documents")
    assert {(p["document"], p["passage"]) for p in by_doc} == {("int01", 2), ("int01", 3), ("int01", 4), ("cong01", 1),
                                                               ("cong01", 2)}
    with pytest.raises(CoderError, match="'Phase 9' is not a value of phase"):
        crosstab.cell_passages(db, "function", "phase", "Accessing", "Phase 9")


def test_crosstab_presence_matrix_by_passage_and_document(db, tmp_path):
    passages = crosstab.presence_matrix(db, coders=["ana"])
    assert len(passages) == 7 and list(passages.columns[:3]) == ["document", "passage", "function/Accessing"]
    row = passages[(passages["document"] == "int01") & (passages["passage"] == 2)].iloc[0]
    assert (row["function/Accessing"], row["phase/Phase 1"], row["actor/APEM"], row["function/Diffusing"]) == (1, 1, 1, 0)
    assert row["kind"] == "interview" and row["interviewee_organisation"] == "APEM"
    assert passages["function/Accessing"].sum() == 3
    documents = crosstab.presence_matrix(db, unit="document", coders=["ana"], group="function")
    assert documents["document"].tolist() == ["cong01", "int01"]
    assert documents["function/Enabling"].tolist() == [0, 1] and "phase/Phase 1" not in documents.columns
    written = export_table(passages, tmp_path / "matrix.csv", index=False)
    header = next(csv.reader(written.open(encoding="utf-8")))
    assert header[:3] == ["document", "passage", "function/Accessing"]
    export_table(documents, tmp_path / "matrix.xlsx", index=False)
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "matrix.xlsx").active
    assert sheet["A1"].value == "document" and sheet["A3"].value == "int01"
