"""Opening a study reads only the transcripts that changed: a file's size and times vouch for its bytes.

An unchanged study opens without reading a transcript; a file edited to another size with its modification
time put back, or to the same size with a new time, is still read, re-imported and its codings re-anchored.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder import study as study_module
from coder.cli import main
from coder.study import Study, changed_transcripts, connect_study, refresh_study
from tests.conftest import INTERVIEW, write

LONG_AGO = time.time() - 3600  # times old enough to vouch for the bytes


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The transcripts opening reads to hash, by name."""
    seen: list[str] = []
    digest = study_module._digest

    def counted(path: Path) -> str | None:
        seen.append(path.name)
        return digest(path)

    monkeypatch.setattr(study_module, "_digest", counted)
    return seen


def settled(study: Study) -> Study:
    """Every transcript's times an hour old, then one open that finds them unchanged and remembers it."""
    for path in study.transcripts_dir.glob("*.md"):
        os.utime(path, (LONG_AGO, LONG_AGO))
    reopen(study)
    return study


def reopen(study: Study) -> str:
    """Open the study as every command does; returns the first document's text."""
    db = connect_study(study)
    try:
        refresh_study(study, db)
        return db.execute("SELECT text FROM documents ORDER BY id").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def two(make_study) -> Study:
    built = make_study(documents={"int01.md": INTERVIEW, "int02.md": INTERVIEW.replace("id: int01", "id: int02")})
    reopen(built)  # imported
    return settled(built)


def test_opening_an_unchanged_study_reads_no_transcript(two, reads):
    reopen(two)
    reopen(two)
    assert reads == []


def test_opening_reads_a_file_edited_to_another_size_with_its_time_put_back(two, reads):
    path = two.transcripts_dir / "int01.md"
    times = path.stat()
    path.write_text(INTERVIEW.replace("The training days", "The long training days"), encoding="utf-8")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert "The long training days" in reopen(two)
    assert reads == ["int01.md"]  # only the edited one


def test_opening_reads_a_file_edited_to_the_same_size_with_a_new_time(two, reads):
    path = two.transcripts_dir / "int01.md"
    size = path.stat().st_size
    path.write_text(INTERVIEW.replace("The training days", "The TRAINING days"), encoding="utf-8")
    assert path.stat().st_size == size
    assert "The TRAINING days" in reopen(two)
    assert reads == ["int01.md"]


def test_opening_reads_a_touched_file_once_then_trusts_it_again(two, reads):
    path = two.transcripts_dir / "int02.md"
    os.utime(path, (LONG_AGO + 60, LONG_AGO + 60))  # touched, bytes the same
    reopen(two)
    reopen(two)
    assert reads == ["int02.md"]


def test_opening_never_trusts_times_too_recent_to_vouch_for_the_bytes(two, reads):
    """A file edited within the clock's tick after a look would keep its times: recent times are read every time."""
    path = two.transcripts_dir / "int02.md"
    path.touch()
    reopen(two)
    reopen(two)
    assert reads == ["int02.md", "int02.md"]


def test_opening_after_a_re_import_reads_the_file_again(two, reads):
    """What is remembered is tied to the imported bytes (sha256): a re-import by any route makes it stale."""
    db = connect_study(two)
    db.execute("UPDATE documents SET sha256 = 'other' WHERE name = 'int02'")
    db.close()
    reopen(two)
    assert "int02.md" in reads


def test_opening_a_copy_of_the_study_reads_no_transcript(two, reads, tmp_path):
    copy = Study(tmp_path / "copy")
    shutil.copytree(two.root, copy.root)  # sizes and modification times kept
    reopen(copy)
    assert reads == []


def test_opening_misses_an_edit_that_keeps_size_and_time_but_doctor_finds_it_and_import_update_takes_it(two):
    path = two.transcripts_dir / "int01.md"
    before = path.stat()
    path.write_text(INTERVIEW.replace("The training days", "The TRAINING days"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert "The TRAINING days" not in reopen(two)
    db = connect_study(two)
    assert changed_transcripts(two, db) == [("int01", "transcripts/int01.md")]
    db.close()
    result = CliRunner().invoke(main, ["--study", str(two.root), "import", "--update"])
    assert result.exit_code == 0 and "1 updated" in result.output, result.output
    assert "The TRAINING days" in reopen(two)


@pytest.fixture
def parses(monkeypatch) -> list[Path]:
    """The codebook folders opening parses."""
    seen: list[Path] = []
    load = study_module.load_codebook

    def counted(folder: Path):
        seen.append(folder)
        return load(folder)

    monkeypatch.setattr(study_module, "load_codebook", counted)
    return seen


def test_opening_parses_the_codebook_only_when_its_files_changed(two, parses):
    reopen(two)
    assert parses == []
    organisations = two.codebook_dir / "organisations.yaml"
    organisations.write_text(organisations.read_text(encoding="utf-8").replace("based_in: Lima", "based_in: Callao"), encoding="utf-8")
    reopen(two)
    db = connect_study(two)
    assert db.execute("SELECT based_in FROM organisations WHERE name = 'PROMPERU'").fetchone() == ("Callao",)
    db.close()
    reopen(two)
    assert parses == [two.codebook_dir]


def test_opening_parses_the_codebook_to_import_a_new_transcript(two, parses):
    write(two.transcripts_dir / "int03.md", INTERVIEW.replace("id: int01", "id: int03"))
    db = connect_study(two)
    refresh_study(two, db)
    assert parses == [two.codebook_dir] and db.execute("SELECT count(*) FROM mentions WHERE document_id = 3").fetchone()[0] > 0
    db.close()
