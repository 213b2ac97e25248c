"""What refusing each hostile input costs: time and peak memory of `coder` in a process of its own, under the
1 GiB address-space limit the tests use (tests/hostile.py makes the files; tests/test_hostile_inputs.py asserts).

Run: python tests/bench/bench_hostile.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.conftest import small_coded_study  # noqa: E402
from tests.hostile import HOSTILE, run_coder  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = small_coded_study(Path(tmp) / "base" / "study")
        plain = run_coder(base, "status")
        print(f"plain `coder status`: {plain.seconds:.2f} s, peak {plain.peak_mb:.0f} MB")
        print("| hostile input | refused in | peak memory (above `coder status`) | the line |")
        print("|---|---|---|---|")
        for number, hostile in enumerate(HOSTILE):
            study, outside = Path(tmp) / f"case{number}" / "study", Path(tmp) / f"case{number}" / "outside"
            shutil.copytree(base, study)
            outside.mkdir()
            shutil.copy(base.parent / "good.qdpx", outside)
            hostile.make(outside, study)
            run = run_coder(study, *(arg.format(outside=outside) for arg in hostile.args))
            shutil.rmtree(study.parent)
            line = run.output.strip().splitlines()[-1] if run.output.strip() else ""
            print(f"| {hostile.name} | {run.seconds:.2f} s | {run.peak_mb:.0f} MB (+{run.peak_mb - plain.peak_mb:.0f}) |"
                  f" {line[:160]} |")


if __name__ == "__main__":
    main()
