"""Formula injection: no cell of any table coder writes runs as a formula in a spreadsheet.

The study: a document titled `=HYPERLINK(…)` with the attributes kind `+1` and
interviewee_organisation `-1+2`, a code `=2+3` and a phase `-1+2` (from the codebook, as a `.qdc`
would bring them), a passage `-- and the training…`, a coder `@SUM(1)`, memos `=HYPERLINK(…)` on a coding and on a document, an
organisation `@SUM(1)` (codebook and survey) and one `=2+3` only the survey knows. Every command
that writes a table writes one, and each is read back (csv, openpyxl): no cell, header and index
labels included, starts with `=`, `+`, `-`, `@`, a tab or a carriage return; the hostile text is
there with its apostrophe; numbers are still numbers. The runs (`RUNS`):

- xtab, cooccur, network, actors: `--format csv` on the terminal, `--output` .csv and .xlsx, `--save`
- matrix: `--output` .csv and .xlsx, and its default file under exports/
- codings, search, codebook, status, doctor, log, agree, serve coders: `--format csv` on the terminal
- agree `--save DIR`: one CSV per code, group and the pooled stack (parameters.json names the columns as written)
- export excerpts `--format csv` and `xlsx`, export memos `--format csv`

Not tables (`NOT_TABLES`): export codebook (Markdown, Word, REFI-QDA XML) and network `--export`
(Pajek, GraphML). `test_every_table_writer_is_run` fails when a command gains a way to write a
table that `RUNS` does not exercise; `test_only_the_cell_writer_writes_spreadsheets` when code
writes CSV or Excel without `coder.exports.cells`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from coder import assignments, coding, memos
from coder.cli import main
from coder.exports.cells import FORMULA_STARTS, frame_cells, safe_cell
from coder.exports.tables import export_table
from coder.serve.logins import add_login
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW, REPO, SMALL_CODEBOOK, SMALL_ORGANISATIONS, study_builder, write

HYPERLINK = '=HYPERLINK("http://x","y")'
HOSTILE = (HYPERLINK, "=2+3", "+1", "-1+2", "@SUM(1)")

RUNS: list[tuple[str, set[str], list[str]]] = [
    # (command, what of it the run exercises, arguments: {out} is a new file, {dir} a new folder)
    ("xtab", {"csv"}, ["xtab", "function", "phase", "--format", "csv"]),
    ("xtab", {"--output"}, ["xtab", "function", "coder", "--output", "{out}.csv"]),
    ("xtab", {"xlsx", "--output"}, ["xtab", "document", "attr:interviewee_organisation", "--format", "xlsx", "-o", "{out}.xlsx"]),
    ("xtab", {"--save"}, ["xtab", "actor", "attr:kind", "--save"]),
    ("xtab", {"xlsx", "--save"}, ["xtab", "phase", "function", "--coder", "all", "--save", "--format", "xlsx"]),
    ("cooccur", {"csv"}, ["cooccur", "--format", "csv"]),
    ("cooccur", {"--output"}, ["cooccur", "--output", "{out}.csv"]),
    ("cooccur", {"xlsx", "--save"}, ["cooccur", "--format", "xlsx", "--save"]),
    ("network", {"csv"}, ["network", "--format", "csv"]),
    ("network", {"--output"}, ["network", "-o", "{out}.csv"]),
    ("network", {"xlsx", "--save"}, ["network", "--format", "xlsx", "--save"]),
    ("actors", {"csv"}, ["actors", "--all", "--format", "csv"]),
    ("actors", {"--output"}, ["actors", "--all", "-o", "{out}.csv"]),
    ("actors", {"xlsx", "--save"}, ["actors", "--all", "--format", "xlsx", "--save"]),
    ("matrix", {"--output"}, ["matrix", "--output", "{out}.csv"]),
    ("matrix", {"--output"}, ["matrix", "--unit", "document", "--output", "{out}.xlsx"]),
    ("matrix", set(), ["matrix", "--unit", "document"]),
    ("codings", {"csv"}, ["codings", "--format", "csv"]),
    ("search", {"csv"}, ["search", "training", "--format", "csv"]),
    ("codebook", {"csv"}, ["codebook", "--format", "csv"]),
    ("status", {"csv"}, ["status", "--format", "csv"]),
    ("assign", {"csv"}, ["assign", "--format", "csv"]),
    ("doctor", {"csv"}, ["doctor", "--quick", "--format", "csv"]),
    ("log", {"csv"}, ["log", "--format", "csv"]),
    ("agree", {"csv"}, ["agree", "--format", "csv"]),
    ("agree", {"--save"}, ["agree", "--save", "{dir}"]),
    ("export excerpts", {"csv", "--output"}, ["export", "excerpts", "--format", "csv", "-o", "{out}.csv"]),
    ("export excerpts", {"xlsx", "--output"}, ["export", "excerpts", "--format", "xlsx", "-o", "{out}.xlsx"]),
    ("export memos", {"csv", "--output"}, ["export", "memos", "--format", "csv", "-o", "{out}.csv"]),
    ("export codings", {"--output"}, ["export", "codings", "ana", "-o", "{out}.csv"]),
    ("reconcile list", {"csv"}, ["reconcile", "list", "--format", "csv"]),
    ("serve coders", {"csv"}, ["serve", "coders", "--format", "csv"]),
]
NOT_TABLES = {("export codebook", "--output"): "Markdown, Word or REFI-QDA XML",
              ("network", "--export"): "Pajek or GraphML, for network tools"}
QUIET = {"doctor", "agree"}  # on the terminal no cell starts with a name the study chose (checks; group/code paths)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study whose titles, codes, coders, memos, attributes and organisations are formulas, coded by two coders."""
    document = (INTERVIEW.replace("title: Interview with a grower", f"title: '{HYPERLINK}'")
                .replace("kind: interview", "kind: '+1'")
                .replace("interviewee_organisation: Small farm", "interviewee_organisation: '-1+2'")
                + "\nRESPONDENT: -- and the training, @SUM(1) paid for it.\n")
    codebook = (SMALL_CODEBOOK.replace("      - name: Enabling\n", "      - name: '=2+3'\n")
                .replace("      - name: Phase 3\n", "      - name: '-1+2'\n"))
    organisations = (SMALL_ORGANISATIONS.replace("  - name: APEM\n", "  - name: '@SUM(1)'\n    aliases: [APEM]\n")
                     .replace("member_of: [APEM]", "member_of: ['@SUM(1)']"))
    study = study_builder(tmp_path_factory.mktemp("hostile"))(
        documents={"int01.md": document, "int02.md": document.replace("id: int01", "id: int02")},
        codebook=codebook, organisations=organisations)
    write(study.transcripts_dir / "survey" / "organisations.csv", "name,type\n@SUM(1),association\nSENASA,government\n=2+3,firm\n")
    write(study.transcripts_dir / "survey" / "ties.csv",
          "source,target,technological,commercial\n@SUM(1),SENASA,5,1\nSENASA,=2+3,3,0\n=2+3,@SUM(1),2,4\n")
    db = connect_study(study)
    refresh_study(study, db)
    for name in ("@SUM(1)", "ana"):
        who = coding.add_coder(db, name)
        for document_id in (coding.find_document(db, "int01"), coding.find_document(db, "int02")):
            for code, passage in (("=2+3", 2), ("-1+2", 2), ("Accessing", 1), ("@SUM(1)", 2)):
                start, end = coding.passage_span(db, document_id, passage)
                coding.apply_code(db, document_id, coding.find_code(db, code), who, start, end, memo=HYPERLINK)
        memos.set_memo(db, who, "-1+2 is what they said", document_id=coding.find_document(db, "int01"))
        assignments.assign(db, [coding.find_document(db, "int01")], [who], by=who)  # a document named by a formula's coder
    add_login(db, "@SUM(1)")  # a login named by a formula (coder serve coders)
    db.close()
    return study.root


def run(root: Path, args: list[str]) -> str:
    """Run a command in the study; its standard output (notes on stderr are left out)."""
    import inspect

    runner = CliRunner(mix_stderr=False) if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters else CliRunner()
    result = runner.invoke(main, ["--study", str(root), *args])
    assert result.exit_code in ((0, 1) if args[0] == "doctor" else (0,)), result.output  # doctor: 1 = findings
    return result.stdout


def read_cells(path: Path) -> list[list[Any]]:
    """Every cell of a CSV file or of every sheet of a workbook (formulas as formulas, not their results)."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        rows = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                assert all(cell.data_type != "f" for cell in row), f"a formula in {path.name}"
                rows.append([cell.value for cell in row])
        return rows
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def written_files(output: str, tmp: Path) -> list[Path]:
    """The files a run reports ('wrote PATH') or that it wrote in its folder."""
    found = [Path(line.removeprefix("wrote ").split(": ")[0]) for line in output.splitlines() if line.startswith("wrote ")]
    return found or sorted(p for p in tmp.rglob("*") if p.suffix in (".csv", ".xlsx"))


def assert_safe(cells: list[list[Any]], what: str, *, quiet: bool = False) -> None:
    """No cell starts as a formula; the hostile text is there, apostrophe first; numbers stay numbers."""
    flat = [value for row in cells for value in row]
    texts = [value for value in flat if isinstance(value, str)]
    assert texts, f"{what}: nothing written"
    starting = [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert not starting, f"{what}: cells that a spreadsheet runs as formulas: {starting[:5]}"
    assert not [t for t in texts if re.fullmatch(r"'-?\d+(\.\d+)?", t)], f"{what}: a number made text"
    if not quiet:
        assert any(t.startswith(tuple("'" + h[0] for h in HOSTILE)) for t in texts), f"{what}: no hostile value written"


@pytest.mark.parametrize(("command", "exercises", "args"), RUNS, ids=[f"{c} {' '.join(sorted(e))} {n}" for n, (c, e, _) in enumerate(RUNS)])
def test_no_cell_of_a_written_table_is_a_formula(hostile: Path, tmp_path: Path, command: str, exercises: set[str],
                                                 args: list[str]) -> None:
    arguments = [a.replace("{out}", str(tmp_path / "table")).replace("{dir}", str(tmp_path / "saved")) for a in args]
    output = run(hostile, arguments)
    files = [] if "csv" in exercises and not exercises & {"--output", "--save"} else written_files(output, tmp_path)
    tables = [(path.name, read_cells(path)) for path in files] or [("stdout", list(csv.reader(io.StringIO(output))))]
    for name, cells in tables:
        assert_safe(cells, f"{' '.join(args)} → {name}", quiet=command in QUIET and name == "stdout")
    for path in files:
        if path.suffix == ".xlsx":  # counts are numbers in the workbook, not text
            assert any(type(v) in (int, float) for row in read_cells(path)[1:] for v in row), path.name


def test_a_code_imported_from_a_qdc_is_no_formula_in_xtab_files(make_study, tmp_path: Path) -> None:
    """The issue's case: a code named `=2+3` comes in with another tool's .qdc and heads a cross-tab column."""
    from coder.refi import write_qdc

    source = make_study(codebook=SMALL_CODEBOOK.replace("      - name: Enabling\n", "      - name: '=2+3'\n"), name="other")
    db = connect_study(source)
    refresh_study(source, db)
    write_qdc(db, tmp_path / "codebook.qdc")
    db.close()
    study = make_study()
    assert "1 new codes" in run(study.root, ["import", "qdpx", str(tmp_path / "codebook.qdc")])
    db = connect_study(study)
    document = coding.find_document(db, "int01")
    coding.apply_code(db, document, coding.find_code(db, "=2+3"), coding.add_coder(db, "ana"), *coding.passage_span(db, document, 2))
    db.close()
    for suffix in ("csv", "xlsx"):
        run(study.root, ["xtab", "phase", "function", "--coder", "ana", "-o", str(tmp_path / f"xtab.{suffix}")])
        header = read_cells(tmp_path / f"xtab.{suffix}")[0]
        assert "'=2+3" in header and "=2+3" not in header


def test_agreement_parameters_name_the_columns_as_written(hostile: Path, tmp_path: Path) -> None:
    run(hostile, ["agree", "--save", str(tmp_path)])
    parameters = json.loads((tmp_path / "parameters.json").read_text(encoding="utf-8"))
    for entry in parameters["files"].values():
        header = read_cells(tmp_path / entry["file"])[0]
        assert set(entry["coder_columns"]) <= set(header) and "'@SUM(1)" in entry["coder_columns"]


def test_every_table_writer_is_run() -> None:
    """Every command's way of writing a table (--format csv/xlsx, --output, --save, --export) is in RUNS or NOT_TABLES."""
    offered: set[tuple[str, str]] = set()
    for path, command in _commands(main, ()):
        for option in command.params:
            if not isinstance(option, click.Option):
                continue
            if "--format" in option.opts and isinstance(option.type, click.Choice):
                offered |= {(path, fmt) for fmt in option.type.choices if fmt in ("csv", "xlsx")}
            offered |= {(path, name) for name in option.opts if name in ("--output", "--save", "--export")}
    covered = {(command, feature) for command, exercises, _ in RUNS for feature in exercises}
    assert offered == covered | set(NOT_TABLES)


def _commands(group: click.Command, prefix: tuple[str, ...]) -> list[tuple[str, click.Command]]:
    if isinstance(group, click.Group):
        context = click.Context(group)  # coder's group loads a command's module when asked for it
        subs = [(name, group.get_command(context, name)) for name in group.list_commands(context)]
        return [found for name, sub in subs if sub is not None for found in _commands(sub, (*prefix, name))]
    return [(" ".join(prefix), group)]


def test_only_the_cell_writer_writes_spreadsheets() -> None:
    """CSV and Excel are written by coder.exports.cells (and the workbook writer it feeds), nowhere else."""
    writers = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\.to_csv\(|\.to_excel\(|import openpyxl|import xlsxwriter")
    offenders = [str(path.relative_to(REPO)) for path in sorted((REPO / "coder").rglob("*.py"))
                 if path.name != "cells.py" and writers.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_text_is_made_safe_and_numbers_are_not(tmp_path: Path) -> None:
    import pandas as pd

    assert [safe_cell(v) for v in (*HOSTILE, "\tx", "\rx", "plain", -3, -0.5, None)] == [
        *("'" + h for h in HOSTILE), "'\tx", "'\rx", "plain", -3, -0.5, None]
    frame = pd.DataFrame({"=2+3": [-3, 4], "share": [-0.5, float("nan")]}, index=pd.Index(["@SUM(1)", "-1+2"], name="+1"))
    assert frame_cells(frame, index=True)[0] == ["+1", "=2+3", "share"]  # made safe as they are written
    export_table(frame, tmp_path / "t.csv")
    export_table(frame, tmp_path / "t.xlsx")
    assert read_cells(tmp_path / "t.csv") == [["'+1", "'=2+3", "share"], ["'@SUM(1)", "-3", "-0.5"], ["'-1+2", "4", ""]]
    assert read_cells(tmp_path / "t.xlsx") == [["'+1", "'=2+3", "share"], ["'@SUM(1)", -3, -0.5], ["'-1+2", 4, None]]


def test_table_csv_is_what_pandas_wrote_before_but_for_the_apostrophes(tmp_path: Path) -> None:
    """The shared writer changes no ordinary cell: missing values, nullable numbers, a nameless index level."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"n": [1, 2], "share": [0.5, np.nan], "text": ["a,b", None], "flag": [True, False],
                          "Int64": pd.array([1, None], dtype="Int64"), "=2+3": [-3, 4]},
                         index=pd.MultiIndex.from_tuples([("int01", 1), ("-1+2", 2)], names=["document", None]))
    for index in (True, False):
        frame.to_csv(tmp_path / "pandas.csv", index=index)
        export_table(frame, tmp_path / "coder.csv", overwrite=True, index=index)
        expected = (tmp_path / "pandas.csv").read_text(encoding="utf-8").replace(",=2+3", ",'=2+3").replace("\n-1+2", "\n'-1+2")
        assert (tmp_path / "coder.csv").read_text(encoding="utf-8") == expected
