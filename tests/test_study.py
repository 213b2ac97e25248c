"""Backups of a study: checked manual copies, and rolling automatic ones before bulk writes."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from coder import coding
from coder.cli import main
from coder.errors import CoderError
from coder.study import KEEP_BACKUPS, backup_before, backup_study, refresh_study
from tests.conftest import INTERVIEW, write


def test_study_automatic_backups_keep_only_the_last_ten(study, db):
    made = [backup_before(study, db, f"test{n}") for n in range(KEEP_BACKUPS + 3)]
    kept = sorted(study.backups_dir.glob("*-before-*.db"))
    assert kept == made[-KEEP_BACKUPS:]
    manual = backup_study(study, db)
    backup_before(study, db, "again")
    assert manual.exists() and len(list(study.backups_dir.glob("*-before-*.db"))) == KEEP_BACKUPS


def test_study_import_of_new_transcripts_backs_up_a_coded_study_first(study, db):
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), 0, 10)
    write(study.transcripts_dir / "int02.md", INTERVIEW.replace("id: int01", "id: int02"))
    refresh_study(study, db)
    (backup,) = study.backups_dir.glob("*-before-import.db")
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT count(*) FROM documents").fetchone()[0] == 1  # taken before the import
    assert copy.execute("SELECT count(*) FROM codings").fetchone()[0] == 1
    copy.close()


def test_study_backup_command_writes_a_checked_copy_and_never_overwrites(study, tmp_path):
    runner = CliRunner()
    target = tmp_path / "copy.db"
    result = runner.invoke(main, ["--study", str(study.root), "backup", str(target)])
    assert result.exit_code == 0 and f"backed up to {target}" in result.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    copy.close()
    again = runner.invoke(main, ["--study", str(study.root), "backup", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert runner.invoke(main, ["--study", str(study.root), "backup", str(target), "--force"]).exit_code == 0
    default = runner.invoke(main, ["--study", str(study.root), "backup"])
    assert default.exit_code == 0 and "-manual.db" in default.output


def test_study_backup_refuses_its_own_database(study, db):
    with pytest.raises(CoderError, match="own database"):
        backup_study(study, db, study.db_path)
