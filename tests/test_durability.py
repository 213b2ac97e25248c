"""Durable when acknowledged: a coding coder has said is saved (the command printed it, the screen shows it) is on the
disk itself, so a power cut cannot take it back. In WAL mode that is `synchronous = FULL`: the -wal file is synced
at every commit. Only the reading position, saved on every move, is left to the next sync."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from coder import documents
from coder.db import connect, set_setting
from coder.study import connect_study
from coder.suggest import suggestions_in_study
from coder.tui.app import CoderApp
from tests.conftest import REPO

FULL, NORMAL = 2, 1


def synchronous(db) -> int:
    return db.execute("PRAGMA synchronous").fetchone()[0]


def test_every_connection_that_writes_syncs_each_commit(study):
    for db in (connect(study.db_path), connect_study(study), CoderApp(study, "ana", suggest=suggestions_in_study).db):
        assert (db.execute("PRAGMA journal_mode").fetchone()[0], synchronous(db)) == ("wal", FULL)
        db.close()


def test_the_reading_position_alone_waits_for_the_next_sync(study):
    db = connect_study(study)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    documents.remember_position(db, "ana", 1, 3)
    assert statements[1] == "PRAGMA synchronous = NORMAL" and statements[-1] == f"PRAGMA synchronous = {FULL}"
    statements.clear()
    set_setting(db, "current_coder", "ana")
    assert "PRAGMA synchronous = NORMAL" not in statements and synchronous(db) == FULL
    db.close()


def test_the_command_line_says_coded_only_after_the_wal_file_is_synced(study, tmp_path):
    """Watched with strace: after the last write to study.db-wal and before "coded …" reaches stdout, the -wal file
    is synced (fdatasync). With synchronous = NORMAL the sync came only after, at the checkpoint on closing."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    trace = tmp_path / "trace.txt"
    done = subprocess.run(["strace", "-f", "-qq", "-y", "-e", "trace=pwrite64,write,fdatasync,fsync", "-o", str(trace),
                           "coder", "--study", str(study.root), "code", "int01", "2", "Accessing", "--coder", "ana"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    if "ptrace" in done.stderr or "Operation not permitted" in done.stderr:
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()}")
    assert done.returncode == 0 and done.stdout.startswith("coded int01 passage 2"), done.stdout + done.stderr
    calls = [(m[1], m[2]) for m in re.finditer(r"^\d+\s+(\w+)\(\d+<([^>]*)>", trace.read_text(), re.MULTILINE)]
    said = next(i for i, (call, _) in enumerate(calls) if call == "write" and not _.endswith((".db", "-wal", "-shm")))
    wal = str(study.db_path) + "-wal"
    last_write = max(i for i, (call, path) in enumerate(calls[:said]) if call == "pwrite64" and path == wal)
    assert any(call in ("fdatasync", "fsync") and path == wal for call, path in calls[last_write:said]), calls[last_write:said + 1]
