"""A study coder may not write — a read-only share, a colleague's copy — opens for reading and analysis, and each
write is refused in one line that names the cause and the fix; a full disk and a study locked by another program
are one line too. Nothing in the study changes (compared byte for byte)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import coder.db
from coder.cli import main
from coder.db import connect, open_db
from coder.errors import CoderError
from coder.study import Study, connect_study
from tests import export_study
from tests.conftest import REPO, init_study, opened, write
from tests.test_file_modes import SURVEY
from tests.unwritable import snapshot, unwritable, with_contents

READS = [["status"], ["codings"], ["xtab", "code", "document"], ["agree"], ["search", "buyers"], ["doctor"], ["log"]]
CODE = ["code", "int01", "3", "Enabling", "--coder", "ana"]


def cli(study: Study, *args: str):
    return CliRunner().invoke(main, ["--study", str(study.root), *args])


def one_line(result, *expected: str) -> str:
    """The error a refused command printed: one line, a non-zero exit, and the words it must say."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "unexpected" not in lines[0], result.output
    for words in expected:
        assert words in lines[0], lines[0]
    return lines[0]


def codings_in(path: Path) -> int:
    db = connect(path)
    try:
        return db.execute("SELECT count(*) FROM codings").fetchone()[0]
    finally:
        db.close()


def test_a_read_only_study_opens_for_reading_and_analysis_and_refuses_writes(make_study, tmp_path):
    study = export_study.build(make_study)
    write(study.transcripts_dir / "survey" / "ties.csv", SURVEY)
    opened(study.root)
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(study.root)
    with unwritable(*with_contents(study.root)):
        for command in READS:
            result = cli(study, *command)
            assert result.exit_code == 0, (command, result.output)
            assert "study.db is read-only, so the study is open for reading only" in result.output
        assert "ana: 9 codings" in cli(study, "status").output
        assert cli(study, "export", "excerpts", "--output", str(out)).exit_code == 0
        assert cli(study, "agree", "--save", str(out / "agreement")).exit_code == 0
        assert cli(study, "backup", str(out / "copy.db")).exit_code == 0
        for command in (["cooccur"], ["network"], ["actors"], ["matrix", "--output", str(out / "matrix.csv")]):
            assert cli(study, *command).exit_code == 0, command
        one_line(cli(study, *CODE), "study.db is read-only: the study is open for reading only, so nothing was written",
                 "fix: copy the study folder to a place you can write")
        one_line(cli(study, "export", "excerpts"), "may not write", "exports", "--output")
        one_line(cli(study, "backup"), "may not write", ".backups")
    assert snapshot(study.root) == before
    assert len(list(out.glob("excerpts-*.md"))) == 1 and (out / "agreement" / "parameters.json").exists()
    assert (out / "copy.db").exists() and (out / "matrix.csv").exists()


def test_a_read_only_folder_says_coder_cannot_write_the_wal_file(make_study):
    study = export_study.build(make_study)  # closed cleanly: no -wal file beside study.db, and none can be made
    before = snapshot(study.root)
    with unwritable(study.root):
        db = connect_study(study)
        assert coder.db.read_only(db) == "the study folder is read-only, so coder cannot write study.db-wal"
        assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 11
        db.close()
        one_line(cli(study, *CODE), "the study folder is read-only, so coder cannot write study.db-wal")
    assert snapshot(study.root) == before


def test_a_read_only_database_file_in_a_writable_folder(make_study):
    study = export_study.build(make_study)
    database = study.db_path.read_bytes()
    with unwritable(study.db_path):
        assert cli(study, "xtab", "code", "document").exit_code == 0
        one_line(cli(study, *CODE), "study.db is read-only")
    assert study.db_path.read_bytes() == database


CRASH_AFTER_CODING = """
import os, sys
from coder import coding
from coder.db import connect
db = connect(sys.argv[1])
db.execute("PRAGMA wal_autocheckpoint = 0")
document = coding.find_document(db, "int01")
start, end = coding.passage_span(db, document, 3)
coding.apply_code(db, document, coding.find_code(db, "Enabling"), coding.coder_id(db, "ana"), start, end)
os._exit(0)  # no checkpoint, no clean close: the coding is only in study.db-wal
"""


@pytest.mark.parametrize("shm", ["kept", "deleted"])
def test_a_read_only_study_shows_what_is_only_in_its_wal_file(make_study, shm, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # private copies go here, where no other test makes any
    study = export_study.build(make_study)
    subprocess.run([sys.executable, "-c", CRASH_AFTER_CODING, str(study.db_path)], check=True,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    wal = study.db_path.with_name("study.db-wal")
    assert wal.stat().st_size > 0
    if shm == "deleted":
        study.db_path.with_name("study.db-shm").unlink()
    before = snapshot(study.root)
    copies = set(Path(tempfile.gettempdir()).glob("coder-read-only-*"))
    with unwritable(*with_contents(study.root)):
        db = connect(study.db_path)
        assert coder.db.read_only(db) == "study.db is read-only"
        assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 12  # 11, and the one in the -wal
        made = set(Path(tempfile.gettempdir()).glob("coder-read-only-*")) - copies
        assert len(made) == (1 if shm == "deleted" else 0)  # a private copy, only when SQLite cannot read it in place
        db.close()
        del db
        gc.collect()
        assert not any(path.exists() for path in made)
        assert "ana: 10 codings" in cli(study, "status").output
    assert snapshot(study.root) == before


def test_a_read_only_study_coder_cannot_migrate_or_create_is_one_line(make_study, tmp_path):
    old = make_study(name="old")
    old.db_path.unlink()
    open_db(old.db_path, upto=1).close()
    empty = tmp_path / "empty"
    init_study(empty).db_path.unlink()
    with unwritable(*with_contents(old.root), *with_contents(empty)):
        with pytest.raises(CoderError, match=r"study.db is read-only, and its database, made by an older coder \(schema 1"):
            connect_study(old)
        one_line(cli(Study(empty), "status"), "the study folder is read-only, so coder cannot create study.db")


def test_a_full_disk_is_one_line_and_writes_nothing(study, tmp_path):
    """SQLite says SQLITE_FULL when the database may not grow (max_page_count) exactly as when the disk is full."""
    from coder.corpus import import_documents

    big = write(study.transcripts_dir / "big.md", "\n\n".join(f"RESPONDENT: turn {n} " + "word " * 200 for n in range(400)))
    db = connect_study(study)
    documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(CoderError, match=r"^the disk is full \(SQLite could not grow study.db: database or disk is full\):"
                                         r" nothing was written, the study is as it was before — fix: free some space"):
        import_documents(db, [big], study.load_codebook(), root=study.root)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == documents
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


FULL_DISK = r"""
set -e
mount -t tmpfs -o size=1200k tmpfs "$1"
cp -a "$2" "$1/study"
cp "$3" "$1/study/transcripts/big.md"
head -c $(( $(df --output=avail -B1 "$1" | tail -1) - 96 * 1024 )) /dev/zero > "$1/filler"
set +e
"$4" -m coder --study "$1/study" import > "$1/out.txt" 2>&1
echo "exit $?"
cat "$1/out.txt"
"$4" - "$1/study/study.db" <<'CHECK'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("PRAGMA integrity_check").fetchone()[0], c.execute("SELECT count(*) FROM documents").fetchone()[0])
CHECK
"""


def test_a_full_disk_through_the_command_line(study, tmp_path):
    """A real ENOSPC: the study on a 1.2 MB tmpfs with 96 KB left, mounted in a mount namespace of its own."""
    big = write(tmp_path / "big.md", "\n\n".join(f"RESPONDENT: turn {n} " + "word " * 200 for n in range(400)))
    mount = tmp_path / "small-disk"
    mount.mkdir()
    try:
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", FULL_DISK, "sh", str(mount),
                               str(study.root), str(big), sys.executable], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    except FileNotFoundError:
        pytest.skip("no unshare here")
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.strip()}")
    lines = done.stdout.splitlines()
    assert lines[0] == "exit 1", done.stdout + done.stderr
    assert len(lines) == 3 and lines[1].startswith("Error: the disk is full ("), done.stdout
    assert "nothing was written, the study is as it was before — fix: free some space on that disk" in lines[1]
    assert lines[2] == "ok 1"  # the study as it was: one document, intact


def test_a_study_locked_by_another_program_is_one_line_after_the_wait(study, monkeypatch):
    monkeypatch.setenv("CODER_LOCK_WAIT", "0.3")
    holder = connect(study.db_path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert cli(study, "status").exit_code == 0  # reading waits for nobody
        one_line(cli(study, "code", "int01", "2", "Accessing", "--coder", "ana"),
                 "another program has held the study locked for 0.3 s", "so coder could not write",
                 "fix: close that program or let it finish, then try again (CODER_LOCK_WAIT=SECONDS waits longer)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert codings_in(study.db_path) == 0
    monkeypatch.setenv("CODER_LOCK_WAIT", "soon")
    one_line(cli(study, "code", "int01", "2", "Accessing", "--coder", "ana"), "CODER_LOCK_WAIT='soon' is not a number")
