"""The command line: every command on a real study folder, errors as one line with a non-zero exit."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from coder.cli import main
from tests.conftest import INTERVIEW, write


def run(study, *args: str, ok: bool = True):
    result = CliRunner().invoke(main, ["--study", str(study.root), *args])
    assert (result.exit_code == 0) is ok, result.output
    return result


def test_cli_init_makes_a_study_that_opens(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0 and "Created a study" in result.output
    assert (tmp_path / "new" / "codebook" / "codebook.yaml").exists() and (tmp_path / "new" / "study.db").exists()
    status = CliRunner().invoke(main, ["--study", str(tmp_path / "new"), "status"])
    assert "0 documents" in status.output and "theme 1" in status.output


def test_cli_status_counts_documents_words_codes_and_coders(study):
    run(study, "code", "int01", "2", "Accessing", "--coder", "ana")
    output = run(study, "status").output
    assert "1 documents" in output and "4 passages" in output and "function 5, phase 3, role 2, actor 4" in output
    assert "ana: 1 codings, 1 passages coded (25.0%) in 1 of 1 documents" in output
    (row,) = json.loads(run(study, "status", "--format", "json").output)
    assert (row["documents"], row["coder"], row["percent_coded"], row["documents_coded"]) == (1, "ana", 25.0, 1)


def test_cli_codebook_prints_the_tree_with_keys(study):
    output = run(study, "codebook").output
    assert "function\n  [1] Accessing  ·0\n        Scanning sources  ·0\n  [2] Diffusing" in output
    assert "phase  (exclusive: one per passage)" in output
    rows = list(csv.DictReader(io.StringIO(run(study, "codebook", "--format", "csv").output)))
    assert rows[0] == {"group": "function", "code": "Accessing", "parent": "", "key": "1", "colour": "#2a9d8f",
                       "codings": "0", "active": "1"}


def test_cli_code_uncode_and_list_round_trip(study):
    assert "coded int01 passage 2-4 with function/Coordinating" in run(
        study, "code", "int01", "2-4", "Coordinating", "--coder", "ana", "--memo", "joint").output
    run(study, "code", "int01", "3", "phase/Phase 2", "--coder", "ana")
    rows = json.loads(run(study, "codings", "--format", "json").output)
    assert [(r["code"], r["passage"], r["coder"], r["memo"]) for r in rows] == [
        ("Coordinating", 2, "ana", "joint"), ("Phase 2", 3, "ana", None)]
    assert rows[0]["quote"].startswith("Through APEM")
    table = run(study, "codings", "--code", "Coordinating").output
    assert "Coordinating" in table and "Phase 2" not in table
    assert "(1 coding changed)" in run(study, "uncode", "int01", "3", "Coordinating", "--coder", "ana").output
    rows = json.loads(run(study, "codings", "--format", "json").output)
    assert [(r["code"], r["passage"]) for r in rows] == [("Coordinating", 2), ("Phase 2", 3), ("Coordinating", 4)]
    md = run(study, "codings", "--coder", "ana", "--format", "md").output
    assert md.startswith("| document | passage |") and md.count("\n") == 5


def test_cli_import_adds_new_files_and_copies_outside_ones(study, tmp_path):
    outside = write(tmp_path / "elsewhere" / "int02.md", INTERVIEW.replace("id: int01", "id: int02"))
    assert "1 added, 0 updated, 0 unchanged" in run(study, "import", str(outside)).output
    assert (study.transcripts_dir / "int02.md").exists()
    assert "0 added, 0 updated, 2 unchanged" in run(study, "import").output
    write(study.transcripts_dir / "int02.md", INTERVIEW.replace("id: int01", "id: int02").replace("really", "truly"))
    assert "re-import them with --update" in run(study, "import").output
    assert "0 added, 1 updated" in run(study, "import", "--update").output


def test_cli_errors_are_one_line_with_a_fix(study, tmp_path):
    cases = [
        (["code", "int99", "1", "Accessing"], "Error: no document named 'int99'"),
        (["code", "int01", "1", "Nothing"], "Error: no code named 'Nothing' in the codebook — fix: see the codes with: coder codebook"),
        (["code", "int01", "x", "Accessing"], "Error: 'x' is not a passage number or range"),
        (["uncode", "int01", "1", "Accessing", "--coder", "nobody"], "Error: no coder named 'nobody'"),
    ]
    for args, message in cases:
        result = run(study, *args, ok=False)
        assert result.exit_code == 1 and result.output.startswith(message) and result.output.count("\n") == 1, result.output
    result = CliRunner().invoke(main, ["--study", str(tmp_path / "nowhere"), "status"])
    assert result.exit_code == 1 and "no such folder" in result.output


def test_cli_bad_codebook_lists_every_problem(study):
    write(study.codebook_dir / "codebook.yaml", "groups:\n  - name: a\n    codes:\n      - name: x\n        key: q\n      - name: x\n")
    result = run(study, "status", ok=False)
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and "key 'q' of 'x' is reserved" in lines[0] and "duplicate code name 'x'" in lines[1]
