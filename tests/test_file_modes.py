"""Every file coder writes for the researcher follows the umask, like any file a user saves (never 0600 by itself)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli import main
from tests import export_study
from tests.conftest import write

SURVEY = "source,target,technological,commercial\nSENASA,APEM,5,2\nAPEM,PROMPERU,3,4\n"


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def files_under(folder: Path) -> dict[Path, int]:
    return {path: stat.S_IMODE(path.stat().st_mode) for path in folder.rglob("*")}


@pytest.mark.parametrize("mask", [0o002, 0o077])
def test_every_file_coder_writes_follows_the_umask(make_study, tmp_path, mask):
    study = export_study.build(make_study)
    write(study.transcripts_dir / "survey" / "ties.csv", SURVEY)
    out = tmp_path / "out"
    commands = [
        ["export", "excerpts", "--format", "md"], ["export", "excerpts", "--format", "docx"],
        ["export", "excerpts", "--format", "xlsx"], ["export", "excerpts", "--format", "csv"],
        ["export", "excerpts", "--format", "jsonl"], ["export", "memos"], ["export", "memos", "--format", "docx"],
        ["export", "codebook"], ["export", "codebook", "--format", "qdc"], ["export", "qdpx"],
        ["export", "excerpts", "--output", str(out / "excerpts.md")],
        ["xtab", "code", "document", "--save"], ["xtab", "code", "document", "--output", str(out / "xtab.xlsx")],
        ["matrix"], ["network", "--export", str(out / "ties.net")], ["network", "--export", str(out / "ties.graphml")],
        ["agree", "--save", str(out / "agreement")], ["export-coder", "ana", str(out / "ana.db")],
        ["backup"], ["backup", str(out / "copy.db")],
    ]
    with umask(mask):
        for command in commands:
            result = CliRunner().invoke(main, ["--study", str(study.root), *command])
            assert result.exit_code == 0, (command, result.output)
        write(study.transcripts_dir / "int03.md", export_study.INTERVIEW.replace("id: int01", "id: int03"))
        assert CliRunner().invoke(main, ["--study", str(study.root), "import"]).exit_code == 0  # an automatic backup first
        new = tmp_path / "new"
        assert CliRunner().invoke(main, ["init", str(new)]).exit_code == 0
    written = {**files_under(study.exports_dir), **files_under(study.backups_dir), **files_under(out), **files_under(new)}
    expected_files, expected_folders = 0o666 & ~mask, 0o777 & ~mask
    wrong = {str(path): oct(mode) for path, mode in written.items()
             if mode != (expected_folders if path.is_dir() else expected_files)}
    assert not wrong, f"under umask {oct(mask)}: {sorted(wrong.items())}"
    names = {path.name for path in written}
    assert {"excerpts.md", "xtab.xlsx", "ties.net", "ties.graphml", "ana.db", "copy.db", "study.db"} <= names
    assert len([p for p in written if p.parent == study.exports_dir]) == 12
    assert any(name.endswith("-before-import.db") for name in names) and any(name.endswith("-manual.db") for name in names)
    assert (out / "agreement" / "parameters.json").exists()
