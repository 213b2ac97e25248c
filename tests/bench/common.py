"""Shared pieces of the benchmark scripts: the standard workloads and a timer."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# ../shared/bench beside the checkout (a worktree may sit a level deeper): the nearest folder up that has one
SHARED_BENCH = next((up / "shared" / "bench" for up in Path(__file__).resolve().parents[3:] if (up / "shared" / "bench").is_dir()),
                    Path(__file__).resolve().parents[3] / "shared" / "bench")


def workload(name: str, into: Path) -> Path:
    """Generate the standard workload `w1` or `w2` (../shared/bench/gen_corpus.py); returns its folder.

    The folder holds `docs/*.txt` and `plan.tsv` (doc, para, code, coder, start, end).
    """
    generator = SHARED_BENCH / "gen_corpus.py"
    if not generator.exists():
        sys.exit(f"{generator} is missing: the standard workloads live in ../shared/bench")
    subprocess.run([sys.executable, str(generator), str(into), name], check=True, capture_output=True)
    return into / name


@contextmanager
def timed(label: str, results: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start
    print(f"{label}: {results[label]:.3f} s", flush=True)
