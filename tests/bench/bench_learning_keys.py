"""Key → repaint of the real workbench while its model trains (issue 18: p95 ≤ 50 ms), outside Pilot.

Run: python tests/bench/bench_learning_keys.py [KEYS]   (default 80 keys in each phase)
The workbench runs as a person runs it, `python -m coder` in a pseudo-terminal (100×30) on a copy of the bundled
study with its demonstration codings, coding as ana. Each key (j and k in turn, one every 0.15 s) is timed from
writing it to the terminal to the first bytes of the screen's answer. Three phases: from opening (the model trains
in its helper process), idle once the helpers are quiet, and after `M` chose another source, twelve times (it trains
again each time). A key counts as "while training" when a helper process of the workbench used the CPU in the 0.1 s
before it.
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


def children_cpu(pid: int) -> float:
    """CPU seconds used so far by the processes the workbench started (its training and suggestion helpers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


class Workbench:
    def __init__(self, study: Path) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "CODER_NAME": "ana", "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen([sys.executable, "-m", "coder", "--study", str(study)], stdin=slave, stdout=slave,
                                        stderr=slave, env=env, start_new_session=True, cwd=REPO)
        os.close(slave)

    def drain(self, quiet: float) -> None:
        """Read the screen's output until it has been quiet for `quiet` seconds."""
        while select.select([self.master], [], [], quiet)[0]:
            os.read(self.master, 65536)

    def key(self, key: bytes) -> float:
        """Seconds from writing the key to the first bytes of the screen's answer."""
        self.drain(0.0)
        start = time.perf_counter()
        os.write(self.master, key)
        if not select.select([self.master], [], [], 5.0)[0]:
            return 5.0
        answered = time.perf_counter() - start
        os.read(self.master, 65536)
        return answered

    def close(self) -> None:
        os.write(self.master, b"q")
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def phase(bench: Workbench, keys: int, times: dict[bool, list[float]]) -> None:
    for i in range(keys):
        before = children_cpu(bench.process.pid)
        bench.drain(0.1)
        training = children_cpu(bench.process.pid) - before > 0.02
        times[training].append(bench.key(b"jk"[i % 2:i % 2 + 1]))
        bench.drain(0.05)


def report(name: str, times: list[float]) -> None:
    if not times:
        print(f"{name}: no keys")
        return
    ordered = sorted(times)
    print(f"{name}: {len(times)} keys, median {statistics.median(times) * 1000:.1f} ms,"
          f" p95 {ordered[int(len(ordered) * 0.95)] * 1000:.1f} ms (target p95 ≤ 50 ms)")


def main(keys: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "piura"
        for folder in ("codebook", "transcripts"):
            shutil.copytree(REPO / folder, study / folder)
        (study / "exports").mkdir()
        subprocess.run([sys.executable, "-m", "coder", "--study", str(study), "status"], cwd=REPO, check=True,
                       capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})  # imported before timing
        bench = Workbench(study)
        try:
            bench.drain(1.0)  # the first screen
            times: dict[bool, list[float]] = {True: [], False: []}
            phase(bench, keys, times)  # the model trains from opening
            quiet_since = time.perf_counter()
            while time.perf_counter() - quiet_since < 2.0:  # until the helpers are quiet
                before = children_cpu(bench.process.pid)
                bench.drain(0.5)
                if children_cpu(bench.process.pid) - before > 0.02:
                    quiet_since = time.perf_counter()
            phase(bench, keys, times)  # idle
            for source in [b"all", b"ben", b"ana", b"consensus"] * 3:  # another source: it trains again, at once
                os.write(bench.master, b"M")
                bench.drain(0.5)
                os.write(bench.master, source + b"\r")
                phase(bench, keys // 4, times)
        finally:
            bench.close()
    report("while a helper process trains", times[True])
    report("helpers idle", times[False])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 80)
