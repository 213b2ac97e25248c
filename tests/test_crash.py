"""Crash safety: a coder process SIGKILLed at random moments never loses a returned coding or leaves half of one.

The worker (tests/crash_worker.py) is forked from a zygote that imported coder once, so each of
the ≥ 200 kills costs milliseconds. After every kill the study is reopened and checked: SQLite's
integrity check, every coding whose `apply_code` call returned is present, the events log
replays to exactly the codings table (no coding without its event, no event without its
coding), and the reading position is the last one saved. A few times the workbench itself is
reopened to show it lands on that document and passage. Run with -s to see the figures.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coder import nlp
from coder.db import connect, setting
from coder.study import connect_study, refresh_study
from tests.conftest import REPO

KILLS = int(os.environ.get("CODER_CRASH_KILLS", "200"))
WORKER = Path(__file__).with_name("crash_worker.py")
WORDS = "market buyers training committee harvest mango price export cooperative season quality".split()

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash harness forks its coders (POSIX only)")


def long_interview(turns: int = 40, words: int = 50, seed: int = 0) -> str:
    rng = random.Random(seed)
    body = [("INTERVIEWER: " if i % 2 == 0 else "RESPONDENT: ") + " ".join(rng.choice(WORDS) for _ in range(words)) + "."
            for i in range(turns)]
    return "---\nid: int01\ntitle: A long interview\nkind: interview\n---\n\n" + "\n\n".join(body) + "\n"


@pytest.fixture
def long_study(make_study, monkeypatch):
    """A study with one 2,000-word interview, imported without spaCy (sentences and mentions play no part here)."""
    monkeypatch.setattr(nlp, "annotate", lambda texts, *args, **kwargs: (nlp.Annotation() for _ in texts))
    study = make_study(documents={"int01.md": long_interview()})
    db = connect_study(study)
    refresh_study(study, db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return study


class Replay:
    """The codings the events log says exist, replayed incrementally (events are append-only)."""

    def __init__(self) -> None:
        self.last_event = 0
        self.alive: dict[int, tuple] = {}
        self.deleted: set[int] = set()

    def catch_up(self, db) -> None:
        for event_id, changes in db.execute("SELECT id, changes FROM events WHERE id > ? ORDER BY id", [self.last_event]):
            self.last_event = event_id
            for op in json.loads(changes):
                if op[1] != "codings":
                    continue
                if op[0] == "insert":
                    row = op[2]
                    self.alive[row["id"]] = tuple(row[k] for k in ("document_id", "code_id", "coder_id", "start", "end"))
                    self.deleted.discard(row["id"])
                elif op[0] == "delete":
                    self.alive.pop(op[2]["id"], None)
                    self.deleted.add(op[2]["id"])
                else:
                    raise AssertionError(f"the crash coder never updates a coding, yet event {event_id} does")


class Log:
    """What the killed coders said they did, read incrementally from their shared log file."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.confirmed: set[int] = set()
        self.position: str | None = None  # the last position whose save returned
        self.intent: str | None = None  # a position being saved when the coder was killed

    def read(self) -> None:
        with self.path.open("rb") as file:
            file.seek(self.offset)
            data = file.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode().splitlines():
            kind, value = line.split(" ", 1)
            if kind == "code":
                self.confirmed.add(int(value))
            elif kind == "intent":
                self.intent = value
            else:
                self.position, self.intent = value, None


def check(db_path: Path, log: Log, replay: Replay) -> dict[str, int]:
    """Reopen the study after a kill and count what is wrong (all zeros when nothing is)."""
    db = connect(db_path)
    db.execute("PRAGMA synchronous = NORMAL")  # as the coders' (tests/crash_worker.py): a kill, not a power cut, is tested
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = {r[0]: r[1:] for r in db.execute("SELECT id, document_id, code_id, coder_id, start, end FROM codings")}
        replay.catch_up(db)
        position = setting(db, "position:crash")
    finally:
        db.close()
    logged = replay.alive
    return {
        "corrupt": integrity != "ok",
        "lost": len(log.confirmed - rows.keys()),
        "partial": len(rows.keys() ^ logged.keys()) + sum(rows[i] != logged[i] for i in rows.keys() & logged.keys())
                   + len(replay.deleted & rows.keys()),
        "position": position not in {log.position, log.intent} - {None} and not (position is None and log.position is None),
    }


def wait_for_progress(log: Path, lines: int, timeout: float = 2.0) -> None:
    """Let the coder get about `lines` steps done (0: kill it while it starts), however busy the machine is."""
    target, deadline = log.stat().st_size + 10 * lines, time.monotonic() + timeout
    while log.stat().st_size < target and time.monotonic() < deadline:
        time.sleep(0.001)


async def reopen_workbench(study, log: Log) -> None:
    """The workbench opens on the document and passage last saved (the one being saved counts too)."""
    from coder.tui.app import CoderApp  # Textual, only for these few checks

    app = CoderApp(study, "crash")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        where = f"{screen.at.document.info.id}:{screen.passage().ordinal}"
        assert where in {log.position, log.intent}


async def test_crash_random_kills_lose_nothing_and_leave_nothing_half_done(long_study, tmp_path):
    rng = random.Random(8)
    log, replay = Log(tmp_path / "coder.log"), Replay()
    log.path.touch()
    zygote = subprocess.Popen([sys.executable, str(WORKER), "zygote", str(long_study.root), str(log.path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert zygote.stdout.readline() == "ready\n", zygote.stderr.read()
    totals = {"corrupt": 0, "lost": 0, "partial": 0, "position": 0}
    workbench_checks = {KILLS // 3, 2 * KILLS // 3, KILLS}
    began = time.perf_counter()
    try:
        for kill in range(1, KILLS + 1):
            zygote.stdin.write(f"run {rng.randrange(1 << 30)}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline().split()[1])
            wait_for_progress(log.path, lines=rng.randrange(40))
            time.sleep(rng.uniform(0.0, 0.01))
            os.kill(pid, signal.SIGKILL)
            status = int(zygote.stdout.readline().split()[1])
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, zygote.stderr.read()
            log.read()
            for key, value in check(long_study.db_path, log, replay).items():
                totals[key] += value
            if kill in workbench_checks and log.position:
                await reopen_workbench(long_study, log)
    finally:
        zygote.stdin.write("quit\n")
        zygote.stdin.flush()
        zygote.wait(timeout=10)
    seconds = time.perf_counter() - began
    print(f"\ncrash test: {KILLS} kills in {seconds:.1f} s ({KILLS / seconds:.0f} kills/s), "
          f"{len(log.confirmed):,} codings confirmed, lost {totals['lost']}, partial {totals['partial']}, "
          f"corrupt {totals['corrupt']}, wrong position {totals['position']}")
    assert totals == {"corrupt": 0, "lost": 0, "partial": 0, "position": 0}
    assert len(log.confirmed) >= 1000  # thousands of codings were made and checked
