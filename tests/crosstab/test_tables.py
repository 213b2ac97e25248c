"""Cross-tabs on a small hand-made study whose every count was worked out by hand (see CODINGS)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder import coding, crosstab
from coder.cli import main
from coder.db import set_setting, transaction
from coder.errors import CoderError
from coder.study import connect_study, init_study, refresh_study
from tests.conftest import SMALL_CODEBOOK, SMALL_ORGANISATIONS, write

INT01 = """\
---
id: int01
kind: interview
interviewee_organisation: APEM
---

INTERVIEWER: Who found the buyers?

RESPONDENT: APEM took us to the trade fair. PROMPERU paid for the stand.

INTERVIEWER: And the training?

RESPONDENT: SENASA trained us at the hot water plant.
"""

CONG01 = """\
---
id: cong01
kind: congress_notes
---

APEM opened the congress with a talk on buyers in Europe.

The committee agreed a common quality norm.

SENASA explained the fruit-fly traps to the growers.
"""

# (document, passage, code, coder). Passages: int01 has 4 speaker turns, cong01 3 paragraphs.
CODINGS = [
    ("int01", 1, "Market intelligence", "ana"), ("int01", 1, "Phase 1", "ana"),
    ("int01", 2, "Accessing", "ana"), ("int01", 2, "Phase 1", "ana"), ("int01", 2, "APEM", "ana"),
    ("int01", 2, "PROMPERU", "ana"),
    ("int01", 3, "Accessing", "ana"), ("int01", 3, "Phase 1", "ana"),
    ("int01", 4, "Diffusing", "ana"), ("int01", 4, "Enabling", "ana"), ("int01", 4, "Phase 2", "ana"),
    ("int01", 4, "SENASA", "ana"),
    ("cong01", 1, "Accessing", "ana"), ("cong01", 1, "Phase 1", "ana"), ("cong01", 1, "APEM", "ana"),
    ("cong01", 2, "Coordinating", "ana"), ("cong01", 2, "Phase 2", "ana"), ("cong01", 2, "APEM", "ana"),
    ("cong01", 3, "Diffusing", "ana"), ("cong01", 3, "Phase 3", "ana"), ("cong01", 3, "SENASA", "ana"),
    ("int01", 2, "Accessing", "ben"), ("int01", 2, "Phase 2", "ben"),
    ("int01", 4, "Diffusing", "ben"), ("int01", 4, "Phase 2", "ben"),
]


def build(root: Path) -> Path:
    study = init_study(root)
    write(study.codebook_dir / "codebook.yaml", SMALL_CODEBOOK)
    write(study.codebook_dir / "organisations.yaml", SMALL_ORGANISATIONS)
    write(study.transcripts_dir / "int01.md", INT01)
    write(study.transcripts_dir / "cong01.md", CONG01)
    db = connect_study(study)
    refresh_study(study, db)
    for document, passage, code, coder in CODINGS:
        doc_id = coding.find_document(db, document)
        coding.apply_code(db, doc_id, coding.find_code(db, code), coding.coder_id(db, coder),
                          *coding.passage_span(db, doc_id, passage))
    db.close()
    return root


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made study, built once for the module; tests only read it."""
    return build(tmp_path_factory.mktemp("xtab") / "study")


@pytest.fixture
def db(coded: Path):
    from coder.study import Study

    database = connect_study(Study(coded))
    yield database
    database.close()


def cells(result: crosstab.CrossTab) -> dict[tuple[str, str], float]:
    """The non-zero cells of a table."""
    table = result.table
    return {(r, c): table.at[r, c] for r in table.index for c in table.columns if table.at[r, c]}


def test_crosstab_function_by_phase_counts_passages(db):
    result = crosstab.crosstab(db, "function", "phase", coders=["ana"])
    assert list(result.counts.columns) == ["Phase 1", "Phase 2", "Phase 3"]
    assert list(result.counts.index) == ["Accessing", "Diffusing", "Coordinating", "Enabling", "Market intelligence"]
    assert cells(result) == {("Accessing", "Phase 1"): 3, ("Market intelligence", "Phase 1"): 1,
                             ("Diffusing", "Phase 2"): 1, ("Diffusing", "Phase 3"): 1,
                             ("Coordinating", "Phase 2"): 1, ("Enabling", "Phase 2"): 1}
    assert result.row_totals.to_dict() == {"Accessing": 3, "Diffusing": 2, "Coordinating": 1, "Enabling": 1,
                                           "Market intelligence": 1}
    assert result.col_totals.to_dict() == {"Phase 1": 4, "Phase 2": 2, "Phase 3": 1}
    assert result.total == 7  # int01 p1-p4 and cong01 p1-p3
    shown = result.with_totals()
    assert shown.at["total", "total"] == 7 and shown.at["Accessing", "total"] == 3


def test_crosstab_row_and_column_percentages_use_the_margins(db):
    rows = crosstab.crosstab(db, "function", "phase", coders=["ana"], percent="row").table
    assert rows.at["Diffusing", "Phase 2"] == 50.0 and rows.at["Diffusing", "Phase 3"] == 50.0
    assert rows.at["Accessing", "Phase 1"] == 100.0 and rows.at["Enabling", "Phase 1"] == 0.0
    cols = crosstab.crosstab(db, "function", "phase", coders=["ana"], percent="col").table
    assert cols.at["Accessing", "Phase 1"] == 75.0 and cols.at["Market intelligence", "Phase 1"] == 25.0
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


def test_crosstab_document_attribute_and_document_dimensions(db):
    result = crosstab.crosstab(db, "function", "attr:kind", coders=["ana"])
    assert list(result.counts.columns) == ["congress_notes", "interview"]
    assert cells(result) == {("Accessing", "congress_notes"): 1, ("Accessing", "interview"): 2,
                             ("Diffusing", "congress_notes"): 1, ("Diffusing", "interview"): 1,
                             ("Coordinating", "congress_notes"): 1, ("Enabling", "interview"): 1,
                             ("Market intelligence", "interview"): 1}
    organisation = crosstab.crosstab(db, "phase", "attr:interviewee_organisation", coders=["ana"])
    assert list(organisation.counts.columns) == ["APEM", "(none)"]
    assert organisation.counts.at["Phase 1", "APEM"] == 3 and organisation.counts.at["Phase 1", "(none)"] == 1
    by_document = crosstab.crosstab(db, "document", "phase", coders=["ana"])
    assert by_document.counts.loc["int01"].tolist() == [3, 1, 0]
    assert by_document.counts.loc["cong01"].tolist() == [1, 1, 1]
    with pytest.raises(CoderError, match="no document has the attribute 'colour'"):
        crosstab.crosstab(db, "function", "attr:colour")


def test_crosstab_actor_type_group_and_coder_dimensions(db):
    actors = crosstab.crosstab(db, "actor", "function", coders=["ana"], roll_up=True)
    assert cells(actors) == {("APEM", "Accessing"): 2, ("APEM", "Coordinating"): 1, ("PROMPERU", "Accessing"): 1,
                             ("SENASA", "Diffusing"): 2, ("SENASA", "Enabling"): 1}
    types = crosstab.crosstab(db, "type", "phase", coders=["ana"])
    assert cells(types) == {("government service", "Phase 1"): 1, ("government service", "Phase 2"): 1,
                            ("government service", "Phase 3"): 1, ("local industry association", "Phase 1"): 2,
                            ("local industry association", "Phase 2"): 1}
    groups = crosstab.crosstab(db, "group", "coder", coders=["all"])
    assert groups.counts.loc["function"].tolist() == [7, 2] and groups.counts.loc["actor"].tolist() == [5, 0]
    by_coder = crosstab.crosstab(db, "function", "coder", coders=["all"])
    assert by_coder.counts.loc["Accessing"].tolist() == [3, 1] and by_coder.counts.loc["Diffusing"].tolist() == [2, 1]
    with pytest.raises(CoderError, match="unknown dimension 'colour'"):
        crosstab.crosstab(db, "colour", "phase")


def test_crosstab_pairs_values_within_one_coders_coding(db):
    # ana: int01 p2 is Phase 1; ben: Phase 2. Accessing × Phase 2 is ben's pairing only.
    both = crosstab.crosstab(db, "function", "phase", coders=["ana", "ben"])
    assert both.counts.at["Accessing", "Phase 2"] == 1 and both.counts.at["Accessing", "Phase 1"] == 3
    assert both.counts.at["Diffusing", "Phase 2"] == 1  # int01 p4, coded by both: one passage


def test_crosstab_default_coder_is_consensus_then_current_then_all(tmp_path):
    root = build(tmp_path / "study")
    from coder.study import Study

    db = connect_study(Study(root))
    assert crosstab.choose_coders(db).rule == "all"
    with transaction(db):
        set_setting(db, "current_coder", "ben")
    assert crosstab.choose_coders(db).names == ("ben",)
    doc_id = coding.find_document(db, "cong01")
    coding.apply_code(db, doc_id, coding.find_code(db, "Enabling"), coding.coder_id(db, "consensus"),
                      *coding.passage_span(db, doc_id, 1))
    chosen = crosstab.choose_coders(db)
    assert (chosen.names, chosen.rule) == (("consensus",), "consensus")
    result = crosstab.crosstab(db, "function", "document")
    assert cells(result) == {("Enabling", "cong01"): 1}  # the cache saw the new coding
    with pytest.raises(CoderError, match="no coder named 'zoe'"):
        crosstab.choose_coders(db, ["zoe"])
    db.close()


def test_crosstab_document_filters_take_names_patterns_and_attributes(db):
    assert crosstab.crosstab(db, "function", "phase", coders=["ana"], documents=["cong01"]).total == 3
    assert crosstab.crosstab(db, "function", "phase", coders=["ana"], documents=["int*"]).total == 4
    assert crosstab.crosstab(db, "function", "phase", coders=["ana"], documents=["kind=congress_notes"]).total == 3
    with pytest.raises(CoderError, match="no document matches 'x9'"):
        crosstab.crosstab(db, "function", "phase", documents=["x9"])


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
    zoe = coding.coder_id(db, "zoe")
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
    written = crosstab.export_table(passages, tmp_path / "matrix.csv", index=False)
    header = next(csv.reader(written.open(encoding="utf-8")))
    assert header[:3] == ["document", "passage", "function/Accessing"]
    crosstab.export_table(documents, tmp_path / "matrix.xlsx", index=False)
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "matrix.xlsx").active
    assert sheet["A1"].value == "document" and sheet["A3"].value == "int01"


def test_crosstab_exports_never_overwrite(tmp_path, db):
    table = crosstab.crosstab(db, "function", "phase", coders=["ana"]).table
    first = crosstab.export_table(table, crosstab.free_path(tmp_path, "xtab function by phase", ".csv"))
    second = crosstab.export_table(table, crosstab.free_path(tmp_path, "xtab function by phase", ".csv"))
    assert (first.name, second.name) == ("xtab-function-by-phase.csv", "xtab-function-by-phase-2.csv")
    with pytest.raises(CoderError, match="already exists"):
        crosstab.export_table(table, first)
    crosstab.export_table(table, first, overwrite=True)


def test_crosstab_import_leaves_pandas_and_numpy_unloaded():
    code = "import sys, coder.crosstab, coder.network; print([m for m in ('pandas', 'numpy', 'networkx', 'scipy') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


# The command line ---------------------------------------------------------------------------------


def run(root: Path, *args: str, ok: bool = True):
    result = CliRunner(mix_stderr=False).invoke(main, ["--study", str(root), *args]) if _mixes() else \
        CliRunner().invoke(main, ["--study", str(root), *args])
    assert (result.exit_code == 0) is ok, result.output + (result.stderr if ok is False else "")
    return result


def _mixes() -> bool:
    import inspect

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_crosstab_cli_xtab_table_csv_json_and_chi2(coded):
    table = run(coded, "xtab", "function", "phase", "--coder", "ana").stdout
    assert "function × phase: passages, coded by ana" in table
    assert "Accessing            3        0        0        3" in table
    rows = list(csv.DictReader(io.StringIO(run(coded, "xtab", "function", "phase", "--coder", "ana", "--format", "csv").stdout)))
    assert rows[0] == {"function": "Accessing", "Phase 1": "3", "Phase 2": "0", "Phase 3": "0"}
    data = json.loads(run(coded, "xtab", "function", "attr:kind", "--coder", "ana", "--percent", "row", "--format", "json").stdout)
    assert data[0] == {"function": "Accessing", "congress_notes": pytest.approx(100 / 3), "interview": pytest.approx(200 / 3)}
    chi = run(coded, "xtab", "phase", "attr:kind", "--coder", "ana", "--chi2").stdout
    assert "chi-square = " in chi and "df = 2" in chi and "warning: 6 of 6 cells" in chi


def test_crosstab_cli_cell_cooccur_and_errors(coded):
    cell = run(coded, "xtab", "function", "phase", "--coder", "ana", "--cell", "Accessing", "Phase 1").stdout
    assert "cong01" in cell and "APEM took us to the trade fair" in cell
    co = list(csv.DictReader(io.StringIO(run(coded, "cooccur", "--group", "function", "--coder", "ana", "--format", "csv").stdout)))
    assert co[0]["code"] == "Accessing" and co[0]["Accessing"] == "3"
    bad = run(coded, "xtab", "function", "colour", ok=False)
    assert "unknown dimension 'colour'" in bad.output and "Traceback" not in bad.output
    assert "xlsx is a file format" in run(coded, "xtab", "function", "phase", "--format", "xlsx", ok=False).output


def test_crosstab_cli_saves_under_exports_and_refuses_to_overwrite(coded, tmp_path):
    first = run(coded, "xtab", "function", "phase", "--coder", "ana", "--save").stdout
    second = run(coded, "xtab", "function", "phase", "--coder", "ana", "--save").stdout
    assert "exports/xtab-function-by-phase-passages-ana.csv" in first
    assert "exports/xtab-function-by-phase-passages-ana-2.csv" in second
    target = tmp_path / "table.xlsx"
    run(coded, "xtab", "function", "phase", "--output", str(target), "--format", "xlsx")
    assert target.exists()
    assert "already exists" in run(coded, "xtab", "function", "phase", "--output", str(target), ok=False).output
    run(coded, "xtab", "function", "phase", "--output", str(target), "--force")
    matrix = run(coded, "matrix", "--unit", "document", "--coder", "ana").stdout
    assert "exports/matrix-document-by-code.csv: 2 documents" in matrix
    for path in (coded / "exports").glob("*"):
        path.unlink()
