"""Learned suggestions: training time on W1-size coding and suggestion time per passage.

Run: python tests/bench/bench_learning.py [REPEATS]   (default 3; prints medians)
Targets (issue 18, on a 2-core machine): training on W1 (22 documents, 10,000 codings, 40 codes) ≤ 2 s;
suggestions for one passage ≤ 5 ms. Training is timed by the clock and by the CPU time of this process (what it
takes on a machine to itself: it runs on one core), and so is loading the trained model into the workbench (it comes
from the training process pickled). The passages are W1's turns (respondent turns only, as coder learns
from), each labelled with the codes the plan gives it (both coders pooled, the `all` source), straight
into `coder.learning.fit`: no study database, no spaCy.
"""

from __future__ import annotations

import csv
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from coder.learning import Examples, Unit, fit  # noqa: E402
from tests.bench.common import workload  # noqa: E402


def w1_examples(folder: Path) -> Examples:
    """W1's respondent turns with the plan's codes (code name → an id)."""
    turns: dict[tuple[str, int], tuple[int, int, str]] = {}
    doc_ids: dict[str, int] = {}
    for path in sorted((folder / "docs").glob("*.txt")):
        text, position = path.read_text(), 0
        doc_ids[path.name] = len(doc_ids) + 1
        for index, turn in enumerate(text.split("\n\n")):
            turns[(path.name, index)] = (position, position + len(turn), turn)
            position += len(turn) + 2
    codes: dict[str, int] = {}
    labels: dict[tuple[str, int], set[int]] = {}
    with (folder / "plan.tsv").open() as plan:
        for row in csv.DictReader(plan, delimiter="\t"):
            code = codes.setdefault(row["code"], len(codes) + 1)
            labels.setdefault((row["doc"], int(row["para"])), set()).add(code)
    units, positive = [], []
    for (doc, index), (start, end, text) in turns.items():
        if text.startswith("RESPONDENT:"):
            units.append(Unit(doc_ids[doc], index, start, end, text.removeprefix("RESPONDENT:").strip()))
            positive.append(labels.get((doc, index), set()))
    return Examples(units, positive, [set() for _ in units], {i: (f"g/{name}", "g") for name, i in codes.items()})


def main(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        found = w1_examples(workload("w1", Path(tmp)))
    print(f"W1: {len(found.units)} respondent passages, {sum(map(len, found.positive))} passage codes, {len(found.codes)} codes")
    trainings, cpu, models = [], [], []
    for _ in range(repeats):
        start, started = time.perf_counter(), time.process_time()
        models.append(fit(found))
        trainings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - started)
    model = models[-1]
    print(f"train (first includes importing scikit-learn): {', '.join(f'{t:.3f}' for t in trainings)} s;"
          f" median {statistics.median(trainings):.3f} s, CPU {statistics.median(cpu):.3f} s (target ≤ 2 s);"
          f" {len(model.order)} codes learned")
    pickled = pickle.dumps(model)
    loads = []
    for _ in range(5):
        start = time.perf_counter()
        pickle.loads(pickled)
        loads.append(time.perf_counter() - start)
    document = [u.text for u in found.units if u.document_id == found.units[0].document_id]
    batches = []
    for _ in range(5):
        started = time.process_time()
        model.suggest_all(document)
        batches.append(time.process_time() - started)
    print(f"the trained model pickled: {len(pickled) / 1e6:.1f} MB; loading it (the workbench's part):"
          f" median {statistics.median(loads) * 1000:.1f} ms; then the open document's suggestions"
          f" ({len(document)} passages at once): CPU {statistics.median(batches) * 1000:.1f} ms")
    texts = [u.text for u in found.units[:300]]
    for text in texts[:5]:
        model.suggest(text)  # warm
    times, cpu = [], []
    for text in texts:
        start, started = time.perf_counter(), time.process_time()
        model.suggest(text)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - started)
    times.sort()
    cpu.sort()
    print(f"suggest one passage: median {statistics.median(times) * 1000:.2f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms;"
          f" CPU median {statistics.median(cpu) * 1000:.2f} ms, p95 {cpu[int(len(cpu) * 0.95)] * 1000:.2f} ms"
          " (target ≤ 5 ms; with the words that weighed most)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
