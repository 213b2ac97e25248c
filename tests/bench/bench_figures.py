"""How long the figures for the paper take on the bundled study.

Run (from the checkout, so its coder is imported): python -m tests.bench.bench_figures
Targets (issue 20, on a 2-core machine):
  the survey network (47 organisations, 181 ties), drawn and written   ≤ 2 s
  a cross-tab heatmap (function × phase), drawn and written             ≤ 1 s
The bundled study (its codebook, transcripts, survey and demonstration codings) is imported into a
temporary folder first. "first" is a fresh process's first figure, which also imports matplotlib
and networkx (what `coder figure …` pays once); "best"/"median" are three more runs after it, in
each format. The command's own start-up (Python, click, opening the study) is timed separately.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def timed(work: Callable[[], object], runs: int = 3) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    from coder.study import Study, connect_study, refresh_study

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "piura"
        for folder in ("codebook", "transcripts"):
            shutil.copytree(REPO / folder, root / folder)
        study = Study(root)
        db = connect_study(study)
        refresh_study(study, db)
        from coder.figures.heatmap import xtab_figure
        from coder.figures.network import network_figure
        from coder.figures.output import Style

        out = Path(tmp) / "figures"
        work: dict[str, Callable[[str], object]] = {
            "network": lambda fmt: network_figure(db, out / f"network.{fmt}", Style(fmt=fmt), command="bench"),
            "heatmap (function × phase)": lambda fmt: xtab_figure(db, "function", "phase", out / f"xtab.{fmt}", Style(fmt=fmt),
                                                                   command="bench", roll_up=True),
        }
        for label, draw in work.items():
            start = time.perf_counter()
            draw("svg")
            print(f"{label}: first (with the imports) {time.perf_counter() - start:.3f} s", flush=True)
            for fmt in ("svg", "pdf", "png"):
                best, median = timed(lambda fmt=fmt, draw=draw: draw(fmt))
                print(f"  {fmt}: best {best:.3f} s, median {median:.3f} s", flush=True)
        db.close()
        for args in (["figure", "network"], ["figure", "xtab", "function", "phase", "--roll-up"]):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "coder", "--study", str(root), *args], check=True, capture_output=True, cwd=REPO)
            print(f"coder {' '.join(args)} (the whole command, Python start-up included): {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
