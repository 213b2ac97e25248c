"""A study is a folder: `codebook/`, `transcripts/`, `exports/` and the `study.db` built from them.

Opening a study brings the database up to date with the folder: the schema is migrated
(after a backup), the codebook synced when its files changed, and new transcripts imported.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from coder.codebook import Codebook, SyncReport, codebook_is_current, load_codebook, sync_codebook
from coder.corpus import ImportReport, Progress, document_files, import_documents, refresh_mentions
from coder.db import Database, open_db
from coder.errors import CoderError
from coder.network import SURVEY_FOLDER, SurveyReport, refresh_survey

DB_FILE = "study.db"

STARTER_CODEBOOK = """\
# The codebook of this study. Format: see README.md, "The codebook format".
title: My study

groups:
  - name: theme
    description: What the passage is about.
    codes:
      - name: Example theme
        key: "1"
        colour: "#2a9d8f"
        description: Replace this with your first code.
        keywords: [example]
"""


@dataclass(frozen=True)
class Study:
    """The folders and files of one study."""

    root: Path

    @property
    def codebook_dir(self) -> Path:
        return self.root / "codebook"

    @property
    def transcripts_dir(self) -> Path:
        return self.root / "transcripts"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def db_path(self) -> Path:
        return self.root / DB_FILE

    @property
    def backups_dir(self) -> Path:
        return self.root / ".backups"

    def load_codebook(self) -> Codebook:
        return load_codebook(self.codebook_dir)


def locate_study(path: Path | str) -> Study:
    """The study in a folder; a clear error when the folder is not one."""
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise CoderError(f"no such folder '{path}'", fix="pass an existing study folder with --study DIR")
    if not ((root / "codebook").is_dir() or (root / "transcripts").is_dir() or (root / DB_FILE).exists()):
        raise CoderError(f"'{root}' is not a study folder (it has no codebook/ or transcripts/)",
                         fix="run coder inside a study, pass --study DIR, or create one with coder init DIR")
    return Study(root)


def init_study(path: Path | str) -> Study:
    """Create an empty study with a starter codebook; never touches files that already exist."""
    study = Study(Path(path).expanduser().resolve())
    for folder in (study.codebook_dir, study.transcripts_dir, study.exports_dir):
        folder.mkdir(parents=True, exist_ok=True)
    codebook = study.codebook_dir / "codebook.yaml"
    if not codebook.exists():
        codebook.write_text(STARTER_CODEBOOK, encoding="utf-8")
    connect_study(study).close()
    return study


def backup(db: Database, destination: Path) -> Path:
    """Copy a live database with SQLite's backup API (safe while others read and write)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(str(destination))
    try:
        db.conn.backup(target)
    finally:
        target.close()
    return destination


def backup_before(study: Study, db: Database, reason: str) -> Path:
    """An automatic backup in `.backups/`, named by time and reason."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return backup(db, study.backups_dir / f"study-{stamp}-before-{reason}.db")


def connect_study(study: Study) -> Database:
    """Open the study's database, migrating an older schema after backing it up."""
    return open_db(study.db_path, before_migration=lambda db, version: backup_before(study, db, f"migration-from-v{version}"))


@dataclass
class OpenReport:
    codebook: SyncReport | None = None
    imported: ImportReport = field(default_factory=ImportReport)
    survey: SurveyReport | None = None


def refresh_study(
    study: Study,
    db: Database,
    *,
    progress: Progress | None = None,
    cancelled: threading.Event | None = None,
) -> OpenReport:
    """Bring the database up to date with the folder: codebook changes, new transcripts, the survey network."""
    report = OpenReport()
    codebook = study.load_codebook()
    if not codebook_is_current(db, codebook):
        report.codebook = sync_codebook(db, codebook)
        if report.codebook.organisations_changed and db.execute("SELECT 1 FROM documents LIMIT 1").fetchone():
            refresh_mentions(db, codebook)
    if study.transcripts_dir.is_dir():
        known = {row[0] for row in db.execute("SELECT path FROM documents")}
        new = [p for p in document_files(study.transcripts_dir) if p.relative_to(study.root).as_posix() not in known]
        if new:
            report.imported = import_documents(db, new, codebook, root=study.root, progress=progress, cancelled=cancelled)
        report.survey = refresh_survey(db, study.transcripts_dir / SURVEY_FOLDER, root=study.root)
    return report


def copy_into_study(study: Study, path: Path) -> Path:
    """Bring a transcript from outside the study into `transcripts/`, so the study stays whole."""
    path = path.resolve()
    if study.root in path.parents:
        return path
    target = study.transcripts_dir / path.name
    if target.exists() and target.read_bytes() != path.read_bytes():
        raise CoderError(f"transcripts/{path.name} already exists with other content", where=str(path),
                         fix="rename the file before importing it")
    study.transcripts_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)
    return target
