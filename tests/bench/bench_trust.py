"""Trust figures: crash kills per second, two coders writing at once, re-anchoring a 100,000-word transcript.

Run: python tests/bench/bench_trust.py [kills|writers|reanchor|race|all] [--kills N]   (default all, 500 kills)
  kills:    SIGKILL a coding process N times (tests/crash_worker.py), check the study after each kill
  writers:  two processes code 5,000 distinct spans each on one study, at the same moment
  reanchor: a 100,000-word text (W1's first 17 documents as one) with 5,000 codings from W1's plan,
            edited five ways (50 typos, a turn inserted, a turn deleted, all turns shuffled, every label renamed)
  race:     `coder code` (300 runs) and the workbench (1,000 keys) code while a third process re-imports the
            transcript 300 times; every coding must still cover the passage it named (tests/test_concurrency.py)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from coder import nlp  # noqa: E402
from coder.reanchor import Alignment, Selector, context, place  # noqa: E402
from coder.study import connect_study, init_study, refresh_study  # noqa: E402
from tests.bench.common import workload  # noqa: E402
from tests.conftest import SMALL_CODEBOOK, SMALL_ORGANISATIONS, study_builder, write  # noqa: E402
from tests.crash_worker import RACE  # noqa: E402
from tests.test_crash import WORKER, Log, Replay, check, long_interview, wait_for_progress  # noqa: E402


def small_study(folder: Path):
    nlp.annotate = lambda texts, *args, **kwargs: (nlp.Annotation() for _ in texts)  # sentences play no part here
    study = init_study(folder)
    write(study.codebook_dir / "codebook.yaml", SMALL_CODEBOOK)
    write(study.codebook_dir / "organisations.yaml", SMALL_ORGANISATIONS)
    write(study.transcripts_dir / "int01.md", long_interview())
    db = connect_study(study)
    refresh_study(study, db)
    db.close()
    return study


def bench_kills(folder: Path, kills: int) -> None:
    study = small_study(folder / "kills")
    log, replay = Log(folder / "kills.log"), Replay()
    log.path.touch()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    zygote = subprocess.Popen([sys.executable, str(WORKER), "zygote", str(study.root), str(log.path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    assert zygote.stdout.readline() == "ready\n"
    rng, totals, began = random.Random(1), {"corrupt": 0, "lost": 0, "partial": 0, "position": 0}, time.perf_counter()
    for _ in range(kills):
        zygote.stdin.write(f"run {rng.randrange(1 << 30)}\n")
        zygote.stdin.flush()
        pid = int(zygote.stdout.readline().split()[1])
        wait_for_progress(log.path, lines=rng.randrange(40))
        time.sleep(rng.uniform(0.0, 0.01))
        os.kill(pid, signal.SIGKILL)
        zygote.stdout.readline()
        log.read()
        for key, value in check(study.db_path, log, replay).items():
            totals[key] += value
    seconds = time.perf_counter() - began
    zygote.stdin.write("quit\n")
    zygote.stdin.flush()
    zygote.wait()
    print(f"kills: {kills} in {seconds:.1f} s ({kills / seconds:.1f} kills/s, each followed by an integrity check and a"
          f" replay of the events log); {len(log.confirmed):,} codings confirmed; {totals}")


def bench_writers(folder: Path) -> None:
    study = small_study(folder / "writers")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [subprocess.Popen([sys.executable, str(WORKER), "write", str(study.root), name, "5000", str(seed)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
               for seed, name in enumerate(("ana", "ben"))]
    for writer in writers:
        assert writer.stdout.readline() == "ready\n"
    began = time.perf_counter()
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    outputs = [writer.communicate() for writer in writers]
    seconds = time.perf_counter() - began
    errors = [err for _, err in outputs if err]
    print(f"writers: 2 × 5,000 codings in {seconds:.1f} s ({10_000 / seconds:,.0f} codings/s together;"
          f" {', '.join(out.split()[1] for out, _ in outputs)} s each); errors: {errors or 'none'}")


def bench_reanchor(folder: Path) -> None:
    w1 = workload("w1", folder)
    files = sorted((w1 / "docs").glob("*.txt"))[:17]
    offsets, parts, at = {}, [], 0
    for path in files:
        offsets[path.name] = at
        parts.append(path.read_text())
        at += len(parts[-1])
    text = "".join(parts)
    rng = random.Random(2)
    selectors = []
    for line in (w1 / "plan.tsv").read_text().splitlines()[1:]:
        doc, _, _, _, start, end = line.split("\t")
        if doc in offsets and len(selectors) < 5000:
            start, end = int(start) + offsets[doc], int(end) + offsets[doc]
            selectors.append(Selector(start, end, text[start:end], *context(text, start, end)))
    turns = text.split("\n\n")
    edits = {
        "50 typos": _typos(text, rng, 50),
        "turn inserted": "\n\n".join(turns[:900] + ["RESPONDENT: a new turn."] + turns[900:]),
        "turn deleted": "\n\n".join(turns[:900] + turns[901:]),
        "turns shuffled": "\n\n".join(rng.sample(turns, len(turns))),
        "labels renamed": text.replace("RESPONDENT:", "R:"),
    }
    print(f"reanchor: {len(text.split()):,} words, {len(selectors):,} codings")
    for name, new in edits.items():
        began = time.perf_counter()
        alignment = Alignment(text, new)
        outcomes: dict[str, int] = {}
        for selector in selectors:
            outcome = place(selector, alignment).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        print(f"  {name}: {time.perf_counter() - began:.2f} s  {dict(sorted(outcomes.items()))}")


def bench_race(folder: Path) -> None:
    from coder import coding
    from tests.test_concurrency import race_reimports

    study = study_builder(folder)(documents={"race.md": RACE}, name="race")
    db = connect_study(study)
    refresh_study(study, db)
    coding.add_coder(db, "ana")
    db.close()
    began = time.perf_counter()
    happened = race_reimports(study, reimports=300, commands=300, presses=1000)
    print(f"race: {time.perf_counter() - began:.1f} s, every coding on the passage it named, doctor silent; {happened}")


def _typos(text: str, rng: random.Random, count: int) -> str:
    chars = list(text)
    for _ in range(count):
        chars[rng.randrange(len(chars))] = "x"
    return "".join(chars)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else "all"
    kills = int(sys.argv[sys.argv.index("--kills") + 1]) if "--kills" in sys.argv else 500
    with tempfile.TemporaryDirectory() as tmp:
        if which in ("kills", "all"):
            bench_kills(Path(tmp), kills)
        if which in ("writers", "all"):
            bench_writers(Path(tmp))
        if which in ("reanchor", "all"):
            bench_reanchor(Path(tmp))
        if which in ("race", "all"):
            bench_race(Path(tmp))
