"""Cross-tab and network-vs-coding speed over a million codings.

Run: python tests/bench/bench_crosstab.py [CODINGS]   (default 1,000,000)
Targets (issue 6, on a 2-core machine):
  function × actor cross-tab over 1,000,000 codings   ≤ 1 s
  the network-vs-coding table (coder actors)          ≤ 1 s
The study is the bundled one's codebook (function, phase, role, actor groups) and survey, with
synthetic documents written straight into a temporary database (no NLP import): every passage
gets one or two functions, a phase and one to three actors from each of two coders. The
standard workloads of ../shared/bench (40 generic codes, 200,000 codings at most) have no actor
or function groups, so they do not fit this benchmark. "cold" runs read the codings from SQLite
(the per-connection cache emptied first); "warm" runs reuse them, as a screen re-tabulating does.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from coder import crosstab, network
from coder.db import now, transaction
from coder.study import connect_study, init_study, refresh_study

REPO = Path(__file__).resolve().parents[2]
WORDS = np.array("the of and to a in that is was he for it with as his on be at by this had not are but from or have an they which".split())
PASSAGES_PER_DOC = 100


def build(root: Path, target: int, rng: np.random.Generator) -> Path:
    """A study with the bundled codebook and survey, and about `target` codings from two coders."""
    study = init_study(root)
    for name in ("codebook.yaml", "organisations.yaml"):
        shutil.copy(REPO / "codebook" / name, study.codebook_dir / name)
    shutil.copytree(REPO / "transcripts" / "survey", study.transcripts_dir / "survey")
    db = connect_study(study)
    refresh_study(study, db)  # codebook and survey; no documents yet
    groups = {name: [r[0] for r in db.execute("SELECT c.id FROM codes c JOIN code_groups g ON g.id = c.group_id"
                                             " WHERE g.name = ? ORDER BY c.ordinal", [name])]
              for name in ("function", "phase", "actor")}
    per_passage = 2 * (1.5 + 1 + 2)  # two coders × (functions + phase + actors)
    n_docs = max(1, round(target / per_passage / PASSAGES_PER_DOC))
    stamp = now()
    documents, segments, codings = [], [], []
    serial = 0
    for d in range(1, n_docs + 1):
        parts, pos = [], 0
        for p in range(1, PASSAGES_PER_DOC + 1):
            body = ("INTERVIEWER: " if p % 2 else "RESPONDENT: ") + " ".join(rng.choice(WORDS, 40))
            segments.append((d, p, pos, pos + len(body)))
            start, end = pos, pos + len(body)
            for coder in (1, 2):
                chosen = [*rng.choice(groups["function"], rng.integers(1, 3), replace=False),
                          rng.choice(groups["phase"]), *rng.choice(groups["actor"], rng.integers(1, 4), replace=False)]
                for code in chosen:
                    serial += 1
                    a = start + int(rng.integers(0, 60))
                    codings.append((f"{serial:032x}", d, int(code), coder, a, min(end, a + 40 + int(rng.integers(0, 200))), stamp))
            parts.append(body)
            pos += len(body) + 2
        text = "\n\n".join(parts) + "\n"
        documents.append((f"{d:032x}", f"doc_{d:04d}", f"{d:064x}", text, len(text.split()), stamp,
                          '{"kind": "interview"}'))
    with transaction(db):
        db.conn.executemany("INSERT INTO coders (uuid, name, created) VALUES (?, ?, ?)",
                            [("c1", "ana", stamp), ("c2", "ben", stamp)])
        db.conn.executemany("INSERT INTO documents (uuid, name, sha256, text, words, imported, attributes)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", documents)
        db.conn.executemany("INSERT INTO segments (document_id, ordinal, start, end) VALUES (?, ?, ?, ?)", segments)
        db.conn.executemany("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, created, updated)"
                            " VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)", [(*c, c[-1]) for c in codings])
    db.close()
    return root


def timed(runs: int, work: Callable[[], object], *, cold: bool) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        if cold:
            crosstab.forget_arrays()
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main(target: int = 1_000_000) -> None:
    rng = np.random.default_rng(6)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        root = build(Path(tmp) / "study", target, rng)
        from coder.study import Study

        db = connect_study(Study(root))
        refresh_study(Study(root), db)
        counts = db.execute("SELECT (SELECT count(*) FROM codings), (SELECT count(*) FROM segments),"
                            " (SELECT count(*) FROM documents)").fetchone()
        print(f"built in {time.perf_counter() - started:.1f} s: {counts[0]:,} codings, {counts[1]:,} passages,"
              f" {counts[2]:,} documents, 2 coders (all counted)", flush=True)
        crosstab.crosstab(db, "function", "actor", coders=["all"])  # warm up the imports (pandas, numpy)
        network.actor_activity(db, coders=["all"])  # and networkx, scipy
        for label, work in [
            ("function × actor cross-tab", lambda: crosstab.crosstab(db, "function", "actor", coders=["all"])),
            ("function × phase cross-tab, row %", lambda: crosstab.crosstab(db, "function", "phase", coders=["all"], percent="row")),
            ("actor × phase, once per document", lambda: crosstab.crosstab(db, "actor", "phase", coders=["all"], once_per_document=True)),
            ("co-occurrence of the function codes", lambda: crosstab.cooccurrence(db, group="function", coders=["all"])),
            ("network-vs-coding table (coder actors)", lambda: network.actor_activity(db, coders=["all"])),
        ]:
            cold_best, cold_median, result = timed(3, work, cold=True)
            warm_best, warm_median, _ = timed(3, work, cold=False)
            size = f"{result.counts.shape[0]}×{result.counts.shape[1]}, {result.total:,} {result.unit}" \
                if isinstance(result, crosstab.CrossTab) else f"{len(result.table)} organisations"
            print(f"{label}: cold best {cold_best:.3f} s (median {cold_median:.3f}), warm best {warm_best:.3f} s"
                  f" (median {warm_median:.3f}) [{size}]", flush=True)
        crosstab.forget_arrays()
        start = time.perf_counter()
        crosstab.study_arrays(db)
        print(f"of which reading {counts[0]:,} codings and {counts[1]:,} passages from SQLite: {time.perf_counter() - start:.3f} s")
        report = network.actor_activity(db, coders=["all"])
        overall = report.correlations.iloc[0]
        print(f"(sanity: {int(report.table['passages'].sum()):,} actor-passages; rho over {overall['n']} organisations"
              f" = {overall['rho']:+.3f} — random codings, so near 0)")
        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        db.close()


if __name__ == "__main__":
    main(*(int(a.replace(",", "").replace("_", "")) for a in sys.argv[1:]))
