"""A study is a folder: `codebook/`, `transcripts/`, `exports/` and the `study.db` built from them.

Opening a study brings the database up to date with the folder: the schema is migrated
(after a backup), the codebook synced when its files changed, and new transcripts imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from coder.codebook import Codebook, SyncReport, codebook_is_current, load_codebook, sync_codebook
from coder.codings_file import CODINGS_FOLDER, CodingsFileReport, import_codings_folder
from coder.corpus import ImportReport, Progress, document_files, import_documents, refresh_mentions
from coder.db import Database, open_db, read_only, set_setting, setting, transaction
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


KEEP_BACKUPS = 10  # automatic backups kept in .backups/; older ones are deleted (manual ones never are)


def backup(db: Database, destination: Path, *, verify: bool = False) -> Path:
    """Copy a live database with SQLite's backup API: one consistent snapshot, safe while others read and write.

    The copy is written under a temporary name and renamed when complete, so a crash mid-copy never
    leaves a half backup under the real name. `verify` runs SQLite's integrity check on the copy.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT, 0o666))  # its mode as the umask says (SQLite would make it 0644)
    target = sqlite3.connect(str(partial))
    try:
        db.conn.backup(target)
        if verify:
            verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise CoderError(f"the backup copy failed its integrity check ({verdict})", where=str(destination),
                                 fix="run coder doctor on the study, then try again")
    except BaseException:
        target.close()
        partial.unlink(missing_ok=True)
        raise
    target.close()
    os.replace(partial, destination)
    return destination


def backup_before(study: Study, db: Database, reason: str) -> Path:
    """An automatic backup in `.backups/`, named by time and reason; only the last KEEP_BACKUPS are kept."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    made = backup(db, study.backups_dir / f"study-{stamp}-before-{reason}.db")
    prune_backups(study)
    return made


def prune_backups(study: Study, keep: int = KEEP_BACKUPS) -> list[Path]:
    """Delete all but the newest `keep` automatic backups (their names sort by time); returns those deleted."""
    automatic = sorted(study.backups_dir.glob("study-*-before-*.db"))
    old = automatic[: max(len(automatic) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def backup_study(study: Study, db: Database, destination: Path | None = None, *, force: bool = False) -> Path:
    """A backup the researcher asked for (`coder backup`): checked, never pruned, never over another file."""
    if destination is None:
        destination = study.backups_dir / f"study-{datetime.now().strftime('%Y%m%d-%H%M%S')}-manual.db"
    destination = destination.expanduser().resolve()
    if destination == study.db_path.resolve():
        raise CoderError("the backup cannot replace the study's own database", where=str(destination),
                         fix="name another file, e.g. coder backup ~/study-copy.db")
    if destination.is_dir():
        raise CoderError("is a folder", where=str(destination), fix="name a file, e.g. study-copy.db")
    if destination.exists() and not force:
        raise CoderError("already exists; not replaced", where=str(destination), fix="name another file, or add --force")
    return backup(db, destination, verify=True)


def read_only_reason(db: Database) -> str | None:
    """Why the study may only be read ("the study folder is read-only, so …"), or None when coder may write it."""
    return read_only(db)


def study_title(study: Study, db: Database) -> str:
    """The study's name for a project file: the codebook's title, else the folder's name."""
    return setting(db, "title") or study.root.name


def connect_study(study: Study) -> Database:
    """Open the study's database, migrating an older schema after backing it up."""
    return open_db(study.db_path, before_migration=lambda db, version: backup_before(study, db, f"migration-from-v{version}"))


@dataclass
class OpenReport:
    codebook: SyncReport | None = None
    imported: ImportReport = field(default_factory=ImportReport)
    survey: SurveyReport | None = None
    codings: list[CodingsFileReport] = field(default_factory=list)  # coding files of transcripts/codings/ loaded now
    needs_review: int = 0  # codings and memos an edited transcript left for review (now or earlier): coder doctor lists them


def refresh_study(
    study: Study,
    db: Database,
    *,
    progress: Progress | None = None,
    cancelled: threading.Event | None = None,
) -> OpenReport:
    """Bring the database up to date with the folder: codebook changes, new transcripts, the survey network.

    A study that may only be read is left as it is (what changed in its folder is not brought in).
    """
    report = OpenReport()
    if read_only(db):
        report.needs_review = needs_review(db)
        return report
    codebook = _changed_codebook(study, db)  # None: its files hold the bytes the database took in
    if codebook is not None and not codebook_is_current(db, codebook):
        report.codebook = sync_codebook(db, codebook)
        if report.codebook.organisations_changed and db.execute("SELECT 1 FROM documents LIMIT 1").fetchone():
            refresh_mentions(db, codebook)
    if study.transcripts_dir.is_dir():
        files = document_files(study.transcripts_dir)
        new, edited = _new_and_edited(db, study.root, files)
        if new or edited:  # an edited transcript is re-imported and its codings re-anchored (coder.reanchor), after a backup
            report.imported = import_documents(db, new + edited, codebook or study.load_codebook(), root=study.root, update=True,
                                               progress=progress, cancelled=cancelled,
                                               before_writing=lambda: backup_if_coded(study, db, "import"))
        report.survey = refresh_survey(db, study.transcripts_dir / SURVEY_FOLDER, root=study.root)
        if not (cancelled and cancelled.is_set()):
            report.codings = import_codings_folder(db, study.transcripts_dir / CODINGS_FOLDER, root=study.root)
    report.needs_review = needs_review(db)
    return report


def _changed_codebook(study: Study, db: Database) -> Codebook | None:
    """The codebook, read and checked, unless its files (`codebook_files`) still hold the bytes the database took
    in: then None, and its YAML is parsed (≈50 ms with ruamel's import) only if a transcript is to be imported."""
    files = json.loads(setting(db, "codebook_files") or "[]")
    if files and _bytes_digest([study.codebook_dir / name for name in files]) == setting(db, "codebook_sha256"):
        return None
    codebook = study.load_codebook()
    if list(codebook.files) != files:
        set_setting(db, "codebook_files", json.dumps(codebook.files))
    return codebook


def _bytes_digest(paths: list[Path]) -> str | None:
    """The SHA-256 of the files' bytes one after another (as the codebook's `sha256`); None if one cannot be read."""
    digest = hashlib.sha256()
    try:
        for path in paths:
            with path.open("rb") as file:
                while piece := file.read(1 << 20):
                    digest.update(piece)
    except OSError:
        return None
    return digest.hexdigest()


def needs_review(db: Database) -> int:
    """How many codings and memos an edited transcript left for review (coder doctor lists them)."""
    return db.execute("SELECT (SELECT count(*) FROM codings WHERE status <> 'ok')"
                      " + (SELECT count(*) FROM memos WHERE status <> 'ok')").fetchone()[0]


SETTLED_NS = 2_000_000_000  # a file's time vouches for its bytes once modified this long before the look (FAT ticks by 2 s)


def _new_and_edited(db: Database, root: Path, files: list[Path]) -> tuple[list[Path], list[Path]]:
    """The transcripts not yet imported, and those whose bytes changed since they were.

    A file is read (and hashed) only when its size or modification time differs from when its bytes were last
    found to be the imported ones (`transcript_files`), so opening an unchanged study reads no transcript (a
    copy of the study too: copies keep both). Those found unchanged are remembered, unless modified too
    recently to vouch for the bytes (an edit within the clock's tick after the look would keep the time): the
    next open reads those again. An edit that keeps both size and time escapes this; `coder doctor` reads every file.
    """
    known = dict(db.execute("SELECT path, sha256 FROM documents").fetchall())
    vouched = {row[0]: tuple(row[1:]) for row in db.execute("SELECT path, sha256, size, mtime_ns FROM transcript_files")}
    new, edited, unchanged = [], [], []
    now = time.time_ns()
    for path in files:
        relative = path.relative_to(root).as_posix()
        sha256 = known.get(relative)
        if sha256 is None:
            new.append(path)
            continue
        try:
            stat = path.stat()  # before reading: bytes changed after it show as another time on the next open
        except OSError:
            continue  # gone or unreadable now: import reports it when asked to read it
        seen = (sha256, stat.st_size, stat.st_mtime_ns)
        if vouched.get(relative) == seen:
            continue
        digest = _digest(path)
        if digest is not None and digest != sha256:
            edited.append(path)
        elif digest is not None and stat.st_mtime_ns < now - SETTLED_NS:
            unchanged.append((relative, *seen))
    if unchanged and not read_only(db):
        try:
            with transaction(db, durable=False):  # only saves reading them again: not worth a flush of its own
                db.conn.executemany("INSERT OR REPLACE INTO transcript_files (path, sha256, size, mtime_ns)"
                                    " VALUES (?, ?, ?, ?)", unchanged)
        except CoderError:
            pass  # a full disk or a long lock: they are simply read again next time
    return new, edited


def _digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes; None when it cannot be read now (import reports it when asked to read it)."""
    return _bytes_digest([path])


def _changed_on_disk(path: Path, sha256: str | None) -> bool:
    """True when a transcript already imported no longer has the bytes it was imported from (read and hashed)."""
    digest = _digest(path) if sha256 is not None else None
    return digest is not None and digest != sha256


def changed_transcripts(study: Study, db: Database) -> list[tuple[str, str]]:
    """(document, path) of documents whose transcript file changed or vanished since it was imported."""
    found = []
    for name, path, sha256 in db.execute("SELECT name, path, sha256 FROM documents ORDER BY name").fetchall():
        if not path or ":" in path[2:]:  # no file of its own (e.g. "project.qdpx:Interview 3", from REFI-QDA)
            continue
        file = study.root / path
        if not file.exists() or _changed_on_disk(file, sha256):
            found.append((name, path))
    return found


def backup_if_coded(study: Study, db: Database, reason: str) -> Path | None:
    """An automatic backup before a bulk write, unless the study holds nothing a backup would save."""
    if db.execute("SELECT 1 FROM codings UNION ALL SELECT 1 FROM memos LIMIT 1").fetchone() is None:
        return None
    return backup_before(study, db, reason)


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
