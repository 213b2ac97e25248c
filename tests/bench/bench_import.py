"""Import speed: `coder import` of the standard workloads, end to end (read, segment, NLP, store).

Run: python tests/bench/bench_import.py [w1|w2] [auto|serial|parallel]   (default w2: 1,000 transcripts × 8,000 words)
Targets (issue 15): ≥ 400,000 words/s on a 2-core machine for w2, peak memory ≤ 250 MB. Peak memory is
ru_maxrss of this process and of the largest worker process; a parallel import's total is this process
plus one largest worker per core (an upper bound: the workers share spaCy's libraries' pages); the
proportional set size (PSS, Linux) of this process and its workers, sampled every 0.1 s, counts shared
pages once.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import workload


def main(name: str = "w2", mode: str = "auto") -> None:
    """Generate the workload, then import it in a fresh process, so the peak memory of its workers is theirs alone."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = workload(name, Path(tmp) / "workload")
        subprocess.run([sys.executable, __file__, "--import", name, str(folder), mode, tmp], check=True)


def measure(name: str, folder: str, mode: str, tmp: str) -> None:
    # imported here: a worker process imports this script again (spawn), and needs none of it, as `python -m coder`'s do not
    from coder.corpus import document_files, import_documents
    from coder.corpus.preparing import cores
    from coder.study import connect_study, init_study

    parallel = {"auto": None, "serial": False, "parallel": True}[mode]
    study = init_study(Path(tmp) / "study")
    files = document_files(Path(folder) / "docs")
    db = connect_study(study)
    codebook = study.load_codebook()
    sampling, peak = threading.Event(), [0.0]
    sampler = threading.Thread(target=sample_pss, args=(sampling, peak), daemon=True)
    sampler.start()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    report = import_documents(db, files, codebook, root=study.root, parallel=parallel)
    seconds = time.perf_counter() - start
    sampling.set()
    sampler.join()
    print(f"{name}: imported {len(report.added)} documents, {report.words:,} words, {report.passages:,} passages"
          f" in {seconds:.2f} s = {report.words / seconds:,.0f} words/s")
    print(f"database size: {study.db_path.stat().st_size / 1e6:.0f} MB")
    usage, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    print(f"CPU: {cpu:.1f} s importer, {workers.ru_utime + workers.ru_stime:.1f} s workers"
          " (on a busy machine the wall time grows, these do not)")
    own, worker = usage.ru_maxrss / 1024, workers.ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory: {own:.0f} MB importer" + (f" + {worker:.0f} MB largest worker × {cores()} cores"
                                                   f" = {own + worker * cores():.0f} MB at most" if worker else "")
          + (f"; sampled PSS of all: {peak[0]:.0f} MB" if peak[0] else ""))


def sample_pss(stop: threading.Event, peak: list[float]) -> None:
    """The largest total PSS of this process and its children, in MB, until `stop` (nothing where /proc has no smaps_rollup)."""
    while not stop.wait(0.1):
        pids = [str(os.getpid())]
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError):
                pids += (task / "children").read_text().split()
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError):
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                total += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
        peak[0] = max(peak[0], total / 1024)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--import"]:
        measure(*sys.argv[2:])
    else:
        main(*sys.argv[1:])
