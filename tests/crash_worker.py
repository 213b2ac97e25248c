"""A coding process for the crash and two-coder tests (tests/test_crash.py, tests/test_concurrency.py).

    python tests/crash_worker.py zygote STUDY LOG    # forks one coder per "run SEED" line read from stdin
    python tests/crash_worker.py write STUDY CODER N SEED   # codes N distinct word spans as CODER
    python tests/crash_worker.py newcomers STUDY SEED       # adds the coders newcomer-0… and codes a word as each
    python tests/crash_worker.py reimport STUDY N           # re-imports race.md N times, its two versions in turn
    python tests/crash_worker.py cli STUDY N SEED           # runs `coder code race P CODE` N times as ana
    python tests/crash_worker.py workbench STUDY N SEED     # presses N keys in the workbench as ben

Starting Python and importing coder costs ~0.3 s, which would make 200 kills take a minute, so
the zygote imports once and forks a fresh coder for each round; the test SIGKILLs that child.
A child codes single words with the codes of the `function` group through `coding.apply_code`,
and moves its reading position (`position:<coder>`, as the workbench does on every move).
After each call returns it appends a line to LOG with one `os.write` (unbuffered, so a line
written is a line the kernel has, whatever happens to the process next):
`code <coding id>`, `intent <position>` before a move and `pos <position>` after it.
No spaCy: the study is imported by the test before the workers start.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time

from coder import coding
from coder.db import Database, connect, set_setting
from tests.conftest import INTERVIEW

CODES = ("function/Accessing", "function/Diffusing", "function/Coordinating", "function/Enabling",
         "function/Scanning sources")
CRASH_CODER = "crash"
NEWCOMERS = 25  # new coders that four processes add at the same moment

# The race of a coding with a re-import: race.md and an edit that puts two turns before its first, so every
# passage moves. Passages 3 and 4 hold turns found in both versions: the coders code only those.
RACE = INTERVIEW.replace("id: int01", "id: race")
EDITED = RACE.replace("INTERVIEWER: How did you first",
                      "INTERVIEWER: Shall we start?\n\nRESPONDENT: Yes.\n\nINTERVIEWER: How did you first")
RACED = (3, 4)


def read_plan(study: str) -> tuple[int, list[tuple[int, int]], list[coding.CodeRef], list[int]]:
    """What the coders work on: the document, its words' spans, the codes, the passage numbers."""
    db = connect(os.path.join(study, "study.db"))
    try:
        document_id, text = db.execute("SELECT id, text FROM documents ORDER BY id LIMIT 1").fetchone()
        words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
        codes = [coding.find_code(db, name) for name in CODES]
        passages = [r[0] for r in db.execute("SELECT ordinal FROM segments WHERE document_id = ? ORDER BY ordinal", [document_id])]
    finally:
        db.close()  # no connection may cross a fork
    return document_id, words, codes, passages


def unsynced(study: str) -> Database:
    """A connection whose commits are not synced to the disk one by one (synchronous = NORMAL).

    These coders test kills and locks, not power cuts: a SIGKILL loses nothing either way (the kernel holds
    every write), and a sync per commit (≈ 4 ms here) would make their thousands of commits take minutes.
    """
    db = connect(os.path.join(study, "study.db"))
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def crash_child(study: str, log: str, seed: int, plan: tuple) -> None:
    """Code and move until killed (or after 100,000 steps)."""
    rng = random.Random(seed)
    out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    document_id, words, codes, passages = plan
    db = unsynced(study)
    coder = coding.add_coder(db, CRASH_CODER)
    for _ in range(100_000):
        if rng.random() < 0.15:
            where = f"{document_id}:{rng.choice(passages)}"
            os.write(out, f"intent {where}\n".encode())
            set_setting(db, f"position:{CRASH_CODER}", where)
            os.write(out, f"pos {where}\n".encode())
        else:
            start, end = rng.choice(words)
            coding_id = coding.apply_code(db, document_id, rng.choice(codes), coder, start, end)
            os.write(out, f"code {coding_id}\n".encode())
    os._exit(0)


def zygote(study: str, log: str) -> None:
    """Fork one coder per `run SEED` line; report `pid N` when it starts and `exit STATUS` when it ends."""
    plan = read_plan(study)
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            return
        pid = os.fork()
        if pid == 0:
            try:
                crash_child(study, log, int(command[1]), plan)
            finally:
                os._exit(1)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {status}", flush=True)


def writer(study: str, coder_name: str, count: int, seed: int) -> None:
    """Code `count` distinct (word, code) pairs as one coder, after a `go` line; print the seconds taken."""
    document_id, words, codes, _ = read_plan(study)
    db = unsynced(study)
    pairs = [(w, c) for w in words for c in codes]
    random.Random(seed).shuffle(pairs)
    coder = coding.add_coder(db, coder_name)
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    for (start, end), code in pairs[:count]:
        coding.apply_code(db, document_id, code, coder, start, end)
    print(f"done {time.perf_counter() - began:.3f}", flush=True)


def newcomers(study: str, seed: int) -> None:
    """After a `go` line, add the coders newcomer-0… (as `--new-coder` does) and code one word as each."""
    document_id, words, codes, _ = read_plan(study)
    db = connect(os.path.join(study, "study.db"))
    print("ready", flush=True)
    sys.stdin.readline()
    for number in range(NEWCOMERS):
        coder = coding.acting_coder(db, f"newcomer-{number}", new=True)
        start, end = words[seed]
        coding.apply_code(db, document_id, codes[0], coder, start, end)
    print("done", flush=True)


def reimport(study: str, times: int) -> None:
    """After a `go` line, do what `coder import --update` of an edited race.md does, `times` times, the two
    versions in turn (each file replaced whole, as an editor saves it)."""
    from pathlib import Path

    from coder.study import Study, connect_study, refresh_study

    folder = Study(Path(study))
    db = connect_study(folder)
    print("ready", flush=True)
    sys.stdin.readline()
    for time_ in range(times):
        draft = folder.transcripts_dir / "race.md.new"
        draft.write_text(EDITED if time_ % 2 == 0 else RACE, encoding="utf-8")
        os.replace(draft, folder.transcripts_dir / "race.md")
        refresh_study(folder, db)
    print("done", flush=True)


def cli(study: str, times: int, seed: int) -> None:
    """After a `go` line, run `coder code race P CODE --coder ana` `times` times; print each exit code and output."""
    from click.testing import CliRunner

    from coder.cli import main

    rng = random.Random(seed)
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(times):
        passage, code = rng.choice(RACED), rng.choice(("Accessing", "Diffusing", "Coordinating"))
        result = CliRunner().invoke(main, ["--study", study, "code", "race", str(passage), code, "--coder", "ana"])
        print(f"{result.exit_code}\t{passage}\t{result.output.strip().replace(chr(10), ' | ')}", flush=True)
    print("done", flush=True)


def workbench(study: str, presses: int, seed: int) -> None:
    """The workbench as ben, headless: after a `go` line, press `presses` keys among j, k and the code keys 1–3
    on passages 3 and 4; print how often the open transcript was re-read because it had changed."""
    import asyncio
    from pathlib import Path

    from coder.study import Study
    from coder.suggest import suggestions_in_study
    from coder.tui.app import CoderApp
    from coder.tui.screens.coding import CodingScreen
    from tests.tui.waiting import running, until

    async def code() -> None:
        rng = random.Random(seed)
        app = CoderApp(Study(Path(study)), "ben", suggest=suggestions_in_study)
        async with running(app) as pilot:
            await until(pilot, lambda: isinstance(app.screen, CodingScreen) and app.screen.at.document is not None
                        and not any(w.group == "import" for w in app.workers), "the workbench")
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            await pilot.press("j", "j")
            print("ready", flush=True)
            sys.stdin.readline()
            reread = 0
            for _ in range(presses):
                at, version = screen.passage().ordinal, screen.document.version
                keys = ["1", "2", "3"] + (["j"] if at < RACED[-1] else []) + (["k"] if at > RACED[0] else [])
                await pilot.press(rng.choice(keys))
                reread += screen.document.version != version
        print(f"done {reread}", flush=True)

    asyncio.run(code())


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "newcomers":
        newcomers(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] in ("reimport", "cli", "workbench"):
        {"reimport": reimport, "cli": cli, "workbench": workbench}[sys.argv[1]](sys.argv[2], *map(int, sys.argv[3:]))
    else:
        writer(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
