"""Scale groups (ordered: true, value: per code): weighted κ and α at ordinal, interval and ratio level,
from the codebook through the database to `coder agree --level`, checked against published values
(Krippendorff 2011, Cohen 1968), scikit-learn and the krippendorff package."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from coder import agreement, coding
from coder.cli import main
from coder.codebook import load_codebook
from coder.codebook.model import CodebookError
from coder.schema import M009_SCALES, MIGRATIONS
from coder.study import connect_study, refresh_study
from tests.agreement.worked_examples import COHEN_1960, COHEN_1968_WEIGHTS, K2011_CANONICAL, K2011_LEVELS
from tests.conftest import INTERVIEW, write

SCALE_CODEBOOK = """\
groups:
  - name: rating
    exclusive: true
    codes:
      - name: one
        value: 1
      - name: two
        value: 2
      - name: three
        value: 3
      - name: four
        value: 4
      - name: five
        value: 5
  - name: stage
    exclusive: true
    ordered: true
    codes:
      - name: early
      - name: middle
      - name: late
"""
PASSAGES = [(13, 74), (88, 276), (291, 308), (322, 426)]  # INTERVIEW's; an exclusive group takes one code per passage
DOCUMENTS = ["int01", "int02", "int03"]
NAMES = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def scale_study(make_study, data=K2011_CANONICAL, coders="ABCD"):
    """Reliability data coded as passages: unit u is passage u % 4 of document int0{u // 4 + 1}; None = not coded."""
    documents = {f"{d}.md": INTERVIEW.replace("id: int01", f"id: {d}") for d in DOCUMENTS}
    study = make_study(documents=documents, codebook=SCALE_CODEBOOK, organisations=None)
    db = connect_study(study)
    refresh_study(study, db)
    ids = {name: coding.add_coder(db, name) for name in coders}
    docs = [coding.find_document(db, d) for d in DOCUMENTS]
    code = {v: coding.find_code(db, f"rating/{name}") for v, name in NAMES.items()}
    for u, row in enumerate(data):
        for name, value in zip(coders, row):
            if value is not None:
                start, end = PASSAGES[u % 4]
                coding.apply_code(db, docs[u // 4], code[value], ids[name], start, end)
    return study, db


# ---------------------------------------------------------------------------------------------
# The coefficients


@pytest.mark.parametrize("level", list(K2011_LEVELS))
def test_scales_alpha_levels_reproduce_krippendorff_2011(level: str) -> None:
    printed, exact = K2011_LEVELS[level]
    value = agreement.krippendorff_alpha(K2011_CANONICAL, level).value
    assert value == pytest.approx(printed, abs=5e-4)
    assert value == pytest.approx(exact, abs=1e-9)


@pytest.mark.parametrize("weights, printed, exact", COHEN_1968_WEIGHTS)
def test_scales_weighted_kappa_reproduces_cohen_1968(weights, printed, exact) -> None:
    result = agreement.weighted_kappa(COHEN_1960, weights)
    assert result.value == pytest.approx(printed, abs=5e-4)
    assert result.value == pytest.approx(exact, abs=1e-9)
    assert result.units == 200


def test_scales_weighted_kappa_equals_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is not installed (it is not a dependency)")
    rng = np.random.default_rng(17)
    for _ in range(20):
        a = rng.integers(0, 5, 80)
        b = np.clip(a + rng.integers(-1, 2, 80) * (rng.random(80) < 0.5), 0, 4)
        for weights in ("linear", "quadratic"):
            ours = agreement.weighted_kappa(np.stack([a, b], axis=1), weights).value
            assert ours == pytest.approx(metrics.cohen_kappa_score(a, b, weights=weights), abs=1e-9)
    pairs = np.array(COHEN_1960)
    for weights in ("linear", "quadratic"):  # Cohen's table with equal spacing: no printed value, scikit-learn agrees
        assert agreement.weighted_kappa(COHEN_1960, weights).value == pytest.approx(
            metrics.cohen_kappa_score(pairs[:, 0], pairs[:, 1], weights=weights), abs=1e-9)


def test_scales_weighted_kappa_scores_and_limits() -> None:
    data = [[0, 0], [0, 1], [1, 1], [1, 5], [5, 5], [0, 5], [0, 0]]
    labels = [0, 1, 5]
    r = agreement.ratings(data, labels=labels)
    ranked = agreement.weighted_kappa(r, "linear")
    valued = agreement.weighted_kappa(r, "linear", scores=labels)
    table = np.array(ranked.details["table"]) / 7
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    v = np.abs(np.subtract.outer(labels, labels))
    assert valued.value == pytest.approx(1 - (v * table).sum() / (v * expected).sum())
    assert ranked.value != valued.value
    assert agreement.weighted_kappa([[1, 1], [1, 1]], "quadratic").undefined
    assert "two coders" in agreement.weighted_kappa([[1, 2, 1]], "linear").reason
    assert "no unit" in agreement.weighted_kappa([[1, None], [None, 2]], "linear").reason
    with pytest.raises(ValueError):
        agreement.weighted_kappa(data, "cubic")


# ---------------------------------------------------------------------------------------------
# The codebook


def test_scales_codebook_fields(tmp_path) -> None:
    write(tmp_path / "codebook.yaml", SCALE_CODEBOOK)
    book = load_codebook(tmp_path)
    rating, stage = book.groups
    assert [c.value for c in rating.codes] == [1, 2, 3, 4, 5] and rating.valued and not rating.ordered
    assert stage.ordered and not stage.valued


@pytest.mark.parametrize("group, problem", [
    ("  - name: g\n    ordered: true\n    codes:\n      - name: a\n      - name: b\n", "not exclusive"),
    ("  - name: g\n    exclusive: true\n    codes:\n      - name: a\n        value: 1\n      - name: b\n", "some codes"),
    ("  - name: g\n    exclusive: true\n    codes:\n      - name: a\n        value: 1\n      - name: b\n        value: 1.0\n",
     "the same value"),
    ("  - name: g\n    exclusive: true\n    codes:\n      - name: a\n        value: high\n", "must be a number"),
    ("  - name: g\n    exclusive: true\n    ordered: yes please\n    codes:\n      - name: a\n", "true or false"),
])
def test_scales_codebook_problems(tmp_path, group: str, problem: str) -> None:
    write(tmp_path / "codebook.yaml", "groups:\n" + group)
    with pytest.raises(CodebookError) as error:
        load_codebook(tmp_path)
    assert problem in str(error.value)


# ---------------------------------------------------------------------------------------------
# The study and the command line


def test_scales_study_reproduces_krippendorff_2011_at_every_level(make_study) -> None:
    study, db = scale_study(make_study)
    rows = db.execute("SELECT g.name, g.ordered, c.name, c.value FROM codes c JOIN code_groups g ON g.id = c.group_id"
                      " ORDER BY c.ordinal").fetchall()
    assert [tuple(r) for r in rows][:2] == [("rating", 0, "one", 1.0), ("rating", 0, "two", 2.0)]
    assert [tuple(r) for r in rows][5] == ("stage", 1, "early", None)
    for level, (printed, exact) in K2011_LEVELS.items():
        report = agreement.measure_agreement(db, coders=list("ABCD"), documents=DOCUMENTS, group="rating", level=level)
        row = report.row("rating")
        assert any(note.startswith("scale 1 < 2 < 3 < 4 < 5") for note in row.notes)
        if level == "nominal":  # the group's nominal α keeps 'none' as a value, on every passage
            assert row.alpha.units == 12 and "alpha_nominal" not in row.metrics
            continue
        assert row.alpha.value == pytest.approx(exact, abs=1e-9), level
        assert row.alpha.value == pytest.approx(printed, abs=5e-4), level
        assert row.alpha.units == 11 and row.alpha.details["level"] == level
        assert row.metrics["alpha_nominal"].units == 12
        assert "weighted_kappa_linear" not in row.metrics  # four coders: weighted κ is for two
    db.close()


def test_scales_study_against_the_krippendorff_package(make_study) -> None:
    import krippendorff

    data = [[1, 2], [2, 2], [5, 4], [4, 4], [1, 1], [3, 5], [2, None], [5, 5], [3, 3], [4, 3], [1, 2], [5, 5]]
    study, db = scale_study(make_study, data, "AB")
    values = np.array([[np.nan if v is None else v for v in row] for row in data], float).T
    for level in agreement.LEVELS[1:]:
        report = agreement.measure_agreement(db, coders=["A", "B"], documents=DOCUMENTS, group="rating", level=level)
        row = report.row("rating")
        assert row.alpha.value == pytest.approx(krippendorff.alpha(reliability_data=values, level_of_measurement=level), abs=1e-9)
        both = np.array([r for r in data if None not in r])
        assert row.metrics["weighted_kappa_quadratic"].value == pytest.approx(
            agreement.weighted_kappa(agreement.ratings(both.tolist(), labels=[1, 2, 3, 4, 5]), "quadratic", scores=[1, 2, 3, 4, 5]).value)
    db.close()


def run(study, *args: str):
    return CliRunner().invoke(main, ["--study", str(study.root), "agree", "--docs", *DOCUMENTS, *args])


def test_scales_cli_level_and_weighted_kappa(make_study) -> None:
    study, db = scale_study(make_study, [row[:2] for row in K2011_CANONICAL], "AB")
    db.close()
    result = run(study, "--coders", "A", "B", "--group", "rating", "--level", "ordinal")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert "κw linear" in header and "κw quadratic" in header and "BP κ (q)" in header
    line = next(line for line in result.output.splitlines() if line.startswith("group rating"))
    pairs = agreement.ratings([row[:2] for row in K2011_CANONICAL if None not in row[:2]], labels=[1, 2, 3, 4, 5])
    assert f"{agreement.krippendorff_alpha([row[:2] for row in K2011_CANONICAL], 'ordinal').value:.3f} (ordinal)" in line
    assert f"{agreement.weighted_kappa(pairs, 'linear', scores=[1, 2, 3, 4, 5]).value:.3f}" in line
    assert "(q=6)" in line  # five codes and 'none'
    assert "q = 2 for a code" in result.output
    data = json.loads(run(study, "--coders", "A", "B", "--group", "rating", "--level", "ratio", "--format", "json").output)
    group = next(row for row in data["rows"] if row["name"] == "rating")
    assert group["metrics"]["alpha"]["metric"] == "krippendorff_alpha_ratio"
    assert group["metrics"]["brennan_prediger"]["details"]["q"] == 6
    assert data["parameters"]["level"] == "ratio"
    csv = run(study, "--coders", "A", "B", "--group", "rating", "--format", "csv").output
    assert "weighted_kappa_linear" in csv.splitlines()[0] and "brennan_prediger_q" in csv.splitlines()[0]


def test_scales_cli_ordered_group_without_values(make_study) -> None:
    study, db = scale_study(make_study, [], "AB")
    docs = [coding.find_document(db, d) for d in DOCUMENTS]
    a, b = coding.coder_id(db, "A"), coding.coder_id(db, "B")
    stage = [coding.find_code(db, f"stage/{name}") for name in ("early", "middle", "late")]
    for u, (x, y) in enumerate([(0, 0), (1, 2), (2, 2), (1, 1), (0, 0), (1, 2), (0, 1), (2, 2), (1, 1), (2, 1)]):
        start, end = PASSAGES[u % 4]
        coding.apply_code(db, docs[u // 4], stage[x], a, start, end)
        coding.apply_code(db, docs[u // 4], stage[y], b, start, end)
    db.close()
    result = run(study, "--coders", "A", "B", "--group", "stage", "--level", "interval")
    assert result.exit_code == 0, result.output
    assert "(ordinal)" in result.output and "which interval α needs" in result.output
    result = run(study, "--coders", "A", "B", "--group", "stage", "--level", "ordinal", "--unit", "character")
    assert result.exit_code != 0 and "--level ordinal applies to passage" in result.output


def test_scales_reach_a_database_made_before_them(make_study) -> None:
    """A study opened by a version without scales: the upgrade adds the columns and reads the codebook again."""
    study, db = scale_study(make_study, [[1, 2]], "AB")
    db.execute("ALTER TABLE codes DROP COLUMN value")
    db.execute("ALTER TABLE code_groups DROP COLUMN ordered")
    db.execute(f"PRAGMA user_version = {MIGRATIONS.index(M009_SCALES)}")  # the version before the step
    db.close()
    db = connect_study(study)
    refresh_study(study, db)
    assert db.execute("SELECT count(*) FROM codes WHERE value IS NOT NULL").fetchone()[0] == 5
    assert db.execute("SELECT ordered FROM code_groups WHERE name = 'stage'").fetchone()[0] == 1
    db.close()


def test_scales_saved_files_reproduce_every_level(make_study, tmp_path) -> None:
    """The group's saved file, 0 read as missing and its codes as the points in file_points, gives α in the krippendorff package."""
    import csv

    import krippendorff

    data = [[5, 4], [1, 1], [3, 5], [4, 4], [1, 2], [2, 2], [5, None], [3, 3], [4, 3], [2, 1], [5, 5], [3, 4]]
    codebook = SCALE_CODEBOOK.replace("value: 4", "value: 40").replace("value: 2\n", "value: 7\n")  # unequal, out of file order
    study = make_study(documents={f"{d}.md": INTERVIEW.replace("id: int01", f"id: {d}") for d in DOCUMENTS},
                       codebook=codebook, organisations=None)
    db = connect_study(study)
    refresh_study(study, db)
    ids = {name: coding.add_coder(db, name) for name in "AB"}
    code = {v: coding.find_code(db, f"rating/{name}") for v, name in NAMES.items()}
    for u, row in enumerate(data):
        for name, value in zip("AB", row):
            if value is not None:
                coding.apply_code(db, coding.find_document(db, DOCUMENTS[u // 4]), code[value], ids[name], *PASSAGES[u % 4])
    for level in agreement.LEVELS[1:]:
        report = agreement.measure_agreement(db, coders=["A", "B"], documents=DOCUMENTS, group="rating", level=level)
        folder = tmp_path / level
        agreement.save(report, folder)
        parameters = json.loads((folder / "parameters.json").read_text(encoding="utf-8"))
        entry = parameters["files"]["group:rating"]
        result = next(row for row in parameters["results"] if row["name"] == "rating")["metrics"]["alpha"]
        points = {int(k): v for k, v in result["details"]["file_points"].items()}
        assert sorted(points.values()) == [1, 3, 5, 7, 40]
        with (folder / entry["file"]).open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        matrix = np.array([[points.get(int(r[c] or 0), np.nan) for r in rows] for c in entry["coder_columns"]], float)
        assert krippendorff.alpha(reliability_data=matrix, level_of_measurement=level) == pytest.approx(result["value"], abs=1e-12)
    db.close()
