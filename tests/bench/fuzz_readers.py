"""Issue 13, item 3, the longer run: mutated coding files, survey CSVs and Pajek files, each refused in one line
or loaded whole (the property of tests/fuzz_cases.py), with what each reader did.

Run: python tests/bench/fuzz_readers.py [CASES_PER_READER] [SEED]   (default 1000, 0)
Prints, per reader, the cases, refusals, loads and failures (a failure: another exception, a refusal over several
lines, a study changed by a refusal, a partial load), and the first failures' seeds and messages.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz_cases import VALID, build_study, check_load, mutate


def main() -> int:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        db = build_study(Path(tmp) / "study")
        folder = Path(tmp) / "files"
        folder.mkdir()
        for reader, valid in sorted(VALID.items()):
            counts = {"refused": 0, "loaded": 0, "failed": 0}
            started = time.perf_counter()
            for case in range(cases):
                data = mutate(valid.encode(), random.Random(f"{seed}:{reader}:{case}"))
                try:
                    counts[check_load(db, folder, reader, data)] += 1
                except Exception:  # noqa: BLE001 -- the property broke: report it, go on
                    counts["failed"] += 1
                    if counts["failed"] <= 3:
                        print(f"  {reader} case {case} (seed {seed}): {traceback.format_exc(limit=2).strip().splitlines()[-1]}")
            failed += counts["failed"]
            print(f"{reader}: {cases} cases, {counts['refused']} refused, {counts['loaded']} loaded, {counts['failed']} failures"
                  f" ({time.perf_counter() - started:.1f} s)", flush=True)
        db.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
