"""What the "consensus: n of N disagreements settled" of every analysis heading costs (issue 12, item 5).

Run: python tests/bench/bench_consensus.py [bundled|large|all]   (default all)
  bundled: the bundled study with its demonstration codings (ana, ben), 3 units decided
  large:   1,000 documents × 100 passages, 3 coders × 100,000 codings (bench_agreement's study), 3 units decided
Each prints the figure cold (the codings read and mapped, as the first table of a command does),
warm (mapped already, as every table after the first), and building the reconcile queue, which
the figure avoids. Target: well under the table it heads.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from coder import reconcile  # noqa: E402
from coder.crosstab import forget_arrays, study_arrays  # noqa: E402
from coder.crosstab.consensus import consensus_progress  # noqa: E402
from coder.db import Database, open_db  # noqa: E402
from coder.study import Study, connect_study, refresh_study  # noqa: E402
from tests.bench.bench_agreement import build_study, make_texts  # noqa: E402


def measure(label: str, db: Database) -> None:
    started = time.perf_counter()
    queue = reconcile.build_queue(db)
    built = time.perf_counter() - started
    for unit in queue.units[:3]:
        reconcile.decide(db, queue, unit, "keep", coder=queue.coders[0])
    forget_arrays()
    consensus_progress.forget()
    started = time.perf_counter()
    progress = consensus_progress(db)
    cold = time.perf_counter() - started
    timings = []
    for _ in range(5):
        study_arrays(db)  # as the table it heads has mapped them
        consensus_progress.forget()
        started = time.perf_counter()
        consensus_progress(db)
        timings.append(time.perf_counter() - started)
    assert progress is not None
    print(f"{label}: '{progress.describe()}': cold {cold * 1000:.0f} ms (reading and mapping the codings included),"
          f" warm {min(timings) * 1000:.1f} ms; building the reconcile queue instead: {built:.2f} s", flush=True)


def bundled(tmp: Path) -> None:
    root = tmp / "piura"
    for folder in ("codebook", "transcripts"):
        shutil.copytree(REPO / folder, root / folder)
    study = Study(root)
    db = connect_study(study)
    refresh_study(study, db)
    measure("bundled study", db)
    db.close()


def large(tmp: Path) -> None:
    rng = np.random.default_rng(5)
    build_study(tmp / "large.db", make_texts(rng, 1000, 100, (40, 120)), 3, 100_000, rng)
    db = open_db(tmp / "large.db")
    measure("1,000 documents, 3 × 100,000 codings", db)
    db.close()


def main(which: str = "all") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if which in ("bundled", "all"):
            bundled(Path(tmp))
        if which in ("large", "all"):
            large(Path(tmp))


if __name__ == "__main__":
    main(*sys.argv[1:])
