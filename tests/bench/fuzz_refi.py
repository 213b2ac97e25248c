"""Fuzzing the REFI-QDA reader at length: thousands of mutated projects, each refused cleanly or imported whole.

Run from the repo root: python tests/bench/fuzz_refi.py [cases] [seed]   (default 1,000 cases, seed 13)
Prints the cases run, refusals, imports and failures (with the first failures' details); exits 1 on a failure.
The suite's `tests/refi/test_fuzz.py` runs 40 cases of the same mutations.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from coder.study import connect_study
from tests.conftest import study_builder
from tests.export_study import EMPTY_CODEBOOK
from tests.refi.fuzzing import MUTATIONS, attempt, valid_project


def main(cases: int = 1_000, seed: int = 13) -> int:
    rng, entries = random.Random(seed), valid_project()
    outcomes: Counter[str] = Counter()
    by_mutation: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        build = study_builder(Path(tmp))
        study, db, fresh_studies = None, None, 0
        for case in range(cases):
            if study is None or db is None:  # a fresh study after each import, so every case starts from the same one
                fresh_studies += 1
                study = build(documents={}, codebook=EMPTY_CODEBOOK, organisations=None, name=f"study-{fresh_studies}")
                db = connect_study(study)
            mutation = rng.choice(sorted(MUTATIONS))
            path = Path(tmp) / f"case-{case}.qdpx"
            path.write_bytes(MUTATIONS[mutation](entries, rng))
            outcome, detail = attempt(study, db, path, skip_bad=rng.random() < 0.5)
            outcomes[outcome] += 1
            by_mutation[(mutation, outcome)] += 1
            if outcome == "failed":
                failures.append(f"case {case} ({mutation}, kept as {path.name}): {detail}")
            if outcome != "refused":
                db.close()
                study, db = None, None
            path.unlink() if outcome != "failed" else None
        if db is not None:
            db.close()
        seconds = time.perf_counter() - start
        print(f"cases run: {cases} in {seconds:.1f} s (seed {seed})")
        print(f"refusals: {outcomes['refused']}, imports: {outcomes['imported']}, failures: {outcomes['failed']}")
        for name in sorted(MUTATIONS):
            print(f"  {name}: " + ", ".join(f"{by_mutation[(name, o)]} {o}" for o in ("refused", "imported", "failed")))
        for failure in failures[:5]:
            print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
