"""Two coders, one file: concurrent writers never lose a write and never see "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from coder import coding, documents
from coder.db import connect, transaction
from coder.errors import CoderError
from coder.study import backup_study, connect_study
from tests.conftest import REPO
from tests.test_crash import WORKER, long_study  # noqa: F401 - the fixture: one 2,000-word interview

PER_CODER = 5_000


def start_writer(study, coder: str, seed: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), "write", str(study.root), coder, str(PER_CODER), str(seed)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_concurrency_two_writers_make_exactly_ten_thousand_codings_without_an_error(long_study):  # noqa: F811
    writers = [start_writer(long_study, "ana", 1), start_writer(long_study, "ben", 2)]
    for writer in writers:
        assert writer.stdout.readline() == "ready\n", writer.stderr.read()
    began = time.perf_counter()
    for writer in writers:  # both start coding at the same moment
        writer.stdin.write("go\n")
        writer.stdin.flush()
    outputs = [writer.communicate(timeout=120) for writer in writers]
    seconds = time.perf_counter() - began
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0 and err == "", err
        assert out.startswith("done ")
    db = connect(long_study.db_path)
    counts = dict(db.execute("SELECT r.name, count(*) FROM codings c JOIN coders r ON r.id = c.coder_id GROUP BY r.name"))
    assert counts == {"ana": PER_CODER, "ben": PER_CODER}
    assert db.execute("SELECT count(*) FROM events WHERE action = 'code'").fetchone()[0] == 2 * PER_CODER
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    print(f"\ntwo writers: {2 * PER_CODER:,} codings in {seconds:.1f} s ({2 * PER_CODER / seconds:,.0f} codings/s),"
          f" (each writer's own time: {', '.join(o.split()[1] + ' s' for o, _ in outputs)})")


def test_concurrency_the_other_coders_new_codings_appear_on_refresh(long_study):  # noqa: F811
    mine, theirs = connect_study(long_study), connect_study(long_study)
    ana, ben = coding.coder_id(mine, "ana"), coding.coder_id(theirs, "ben")
    seen_before = documents.document_codings(mine, 1, None)  # what ana's workbench shows with v (every coder)
    coding.apply_code(theirs, 1, coding.find_code(theirs, "Enabling"), ben, 0, 11)
    fresh = documents.document_codings(mine, 1, None)
    assert len(fresh) == len(seen_before) + 1 and fresh[-1].coder_id == ben
    assert documents.document_codings(mine, 1, [ana]) == []  # blind by default: only her own
    mine.close()
    theirs.close()


def test_concurrency_a_long_write_makes_the_other_coder_wait_not_fail(long_study):  # noqa: F811
    holder, waiter = connect_study(long_study), connect_study(long_study)
    code, ben = coding.find_code(waiter, "Enabling"), coding.coder_id(waiter, "ben")
    holding = threading.Event()

    def hold() -> None:
        with transaction(holder):
            holder.execute("UPDATE settings SET value = value WHERE key = 'codebook_sha256'")
            holding.set()
            time.sleep(0.3)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    began = time.perf_counter()
    coding_id = coding.apply_code(waiter, 1, code, ben, 0, 11)  # queued behind the other transaction, then written
    waited = time.perf_counter() - began
    thread.join()
    assert waited > 0.1
    assert waiter.execute("SELECT count(*) FROM codings WHERE id = ?", [coding_id]).fetchone()[0] == 1
    holder.close()
    waiter.close()


def test_concurrency_backup_while_a_coder_writes_is_complete_and_consistent(long_study, tmp_path):  # noqa: F811
    writer = start_writer(long_study, "ana", 3)
    assert writer.stdout.readline() == "ready\n"
    writer.stdin.write("go\n")
    writer.stdin.flush()
    db = connect_study(long_study)
    copies = []
    while writer.poll() is None and len(copies) < 5:
        copies.append(backup_study(long_study, db, tmp_path / f"copy{len(copies)}.db"))
        time.sleep(0.05)
    writer.communicate(timeout=120)
    assert writer.returncode == 0 and copies
    for copy in copies:  # each copy is one moment of the study: every coding with its event
        snapshot = connect(copy)
        assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        codings, events = snapshot.execute("SELECT (SELECT count(*) FROM codings), (SELECT count(*) FROM events"
                                           " WHERE action = 'code')").fetchone()
        assert codings == events
        snapshot.close()
    with pytest.raises(CoderError, match="already exists"):
        backup_study(long_study, db, copies[0])
    with pytest.raises(CoderError, match="own database"):
        backup_study(long_study, db, long_study.db_path)
    db.close()


def test_concurrency_coders_opening_a_new_study_at_once_migrate_it_once(tmp_path):
    from coder.db import SCHEMA_VERSION, open_db, schema_version

    path, errors, opened = tmp_path / "study.db", [], []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        barrier.wait()
        try:
            opened.append(open_db(path))
        except Exception as error:  # noqa: BLE001 - any error is the failure this test looks for
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and [schema_version(db) for db in opened] == [SCHEMA_VERSION] * 4
    for db in opened:
        db.close()
