"""Agreement speed: passage level over a large study, and the unitized α family on one long document.

Run: python tests/bench/bench_agreement.py [passage|span|all]   (default all)
Targets (issue 5, on a 2-core machine):
  passage: 3 coders, 1,000 documents, 300,000 codings, all codes      ≤ 2 s
  span:    one 100,000-character document, 2,000 codings per coder   ≤ 1 s
The data are written straight into a temporary study database (no NLP import): documents made
of speaker turns (the passages), 40 codes with Zipf-like frequencies as in ../shared/bench,
plus an exclusive three-code group, and coders who agree with a shared "true" coding most of the time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from coder import agreement
from coder.db import new_uuid, now, open_db, transaction

N_CODES = 40
WORDS = np.array("the of and to a in that is was he for it with as his on be at by this had not are but from or have an they which".split())


Document = tuple[str, list[tuple[int, int]]]  # text, (start, end) of each turn


def make_texts(rng: np.random.Generator, n_docs: int, turns: int, words_per_turn: tuple[int, int]) -> list[Document]:
    """Documents as (text, [(start, end) of each turn]); turns are separated by a blank line."""
    docs = []
    for _ in range(n_docs):
        spans, parts, pos = [], [], 0
        for t in range(turns):
            body = ("INTERVIEWER: " if t % 2 == 0 else "RESPONDENT: ") + " ".join(
                rng.choice(WORDS, rng.integers(*words_per_turn)))
            parts.append(body)
            spans.append((pos, pos + len(body)))
            pos += len(body) + 2
        docs.append(("\n\n".join(parts) + "\n", spans))
    return docs


def build_study(path: Path, docs: list[Document], n_coders: int, codings_per_coder: int,
                rng: np.random.Generator) -> None:
    """A study database with the documents, their passages, 43 codes, and each coder's codings."""
    db = open_db(path)
    stamp = now()
    weights = 1 / np.arange(1, N_CODES + 1) ** 0.7
    with transaction(db):
        db.execute("INSERT INTO code_groups (id, name, exclusive, ordinal) VALUES (1, 'topic', 0, 0), (2, 'phase', 1, 1)")
        db.conn.executemany("INSERT INTO codes (uuid, group_id, name, ordinal) VALUES (?, ?, ?, ?)",
                            [(new_uuid(), 1, f"code{i + 1:02d}", i) for i in range(N_CODES)]
                            + [(new_uuid(), 2, f"Phase {i + 1}", N_CODES + i) for i in range(3)])
        db.conn.executemany("INSERT INTO coders (uuid, name, created) VALUES (?, ?, ?)",
                            [(new_uuid(), name, stamp) for name in ["alice", "bob", "carol", "dave"][:n_coders]])
        db.conn.executemany("INSERT INTO documents (uuid, name, sha256, text, words, imported) VALUES (?, ?, ?, ?, ?, ?)",
                            [(new_uuid(), f"doc_{i + 1:04d}", f"{i:064x}", text, len(text.split()), stamp)
                             for i, (text, _) in enumerate(docs)])
        db.conn.executemany("INSERT INTO segments (document_id, ordinal, start, end) VALUES (?, ?, ?, ?)",
                            [(d + 1, t + 1, s, e) for d, (_, spans) in enumerate(docs) for t, (s, e) in enumerate(spans)])
        turns = np.array([(d + 1, s, e) for d, (_, spans) in enumerate(docs) for s, e in spans])
        # a shared "true" coding; each coder keeps most of it, moves boundaries a little and adds their own
        truth = rng.integers(0, len(turns), codings_per_coder)
        truth_code = np.where(rng.random(codings_per_coder) < 0.1, N_CODES + rng.integers(0, 3, codings_per_coder),
                              rng.choice(N_CODES, codings_per_coder, p=weights / weights.sum())) + 1
        rows = []
        for coder in range(1, n_coders + 1):
            own = rng.random(codings_per_coder) < 0.2
            turn = np.where(own, rng.integers(0, len(turns), codings_per_coder), truth)
            code = np.where(own, rng.choice(N_CODES, codings_per_coder, p=weights / weights.sum()) + 1, truth_code)
            doc, ts, te = turns[turn].T
            length = te - ts
            start = ts + (rng.random(codings_per_coder) * 0.5 * length).astype(int)
            end = np.minimum(te, start + 20 + (rng.random(codings_per_coder) * length).astype(int))
            # phases are exclusive: whole turns, at most one phase per turn and coder (as coding.apply_code keeps them)
            phase = code > N_CODES
            start, end = np.where(phase, ts, start), np.where(phase, te, end)
            _, first = np.unique(np.where(phase, turn, -1 - np.arange(codings_per_coder)), return_index=True)
            rows += [(new_uuid(), int(doc[i]), int(code[i]), coder, int(start[i]), int(end[i]), "", stamp, stamp) for i in first]
        db.conn.executemany("INSERT OR IGNORE INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, created, updated)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()


def best_of(runs: int, work) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def passage_level(tmp: Path) -> None:
    rng = np.random.default_rng(5)
    print("building: 1,000 documents × 100 passages, 3 coders × 100,000 codings ...", flush=True)
    build_study(tmp / "passage.db", make_texts(rng, 1000, 100, (40, 120)), 3, 100_000, rng)
    db = open_db(tmp / "passage.db")
    codings = db.execute("SELECT count(*) FROM codings").fetchone()[0]
    best, median, report = best_of(3, lambda: agreement.measure_agreement(db, unit="passage"))
    pooled = report.row("pooled")
    print(f"passage level: {codings:,} codings, {report.parameters['units_total']:,} passages × {len(report.parameters['coders'])}"
          f" coders, {len(report.parameters['codes'])} codes, {len(report.rows)} rows: best {best:.2f} s, median {median:.2f} s"
          f" (target ≤ 2 s); pooled α = {pooled.alpha.value:.3f}, Fleiss κ = {pooled.kappa.value:.3f}")
    best, median, _ = best_of(3, lambda: agreement.measure_agreement(db, unit="passage", min_overlap=0.5))
    print(f"passage level with --min-overlap 0.5: best {best:.2f} s, median {median:.2f} s")
    best, median, report = best_of(3, lambda: agreement.measure_agreement(db, unit="passage", bootstrap=1000))
    interval = report.row("pooled").alpha.details
    print(f"passage level with --bootstrap 1000 (every row): best {best:.2f} s, median {median:.2f} s;"
          f" pooled α 95% CI {interval['ci_low']:.3f}–{interval['ci_high']:.3f}")
    db.close()


def span_level(tmp: Path) -> None:
    for n_coders in (2, 3):
        rng = np.random.default_rng(7)
        docs = make_texts(rng, 1, 300, (64, 110))  # ≈ 100,000 characters
        build_study(tmp / f"span{n_coders}.db", docs, n_coders, 2000, rng)
        db = open_db(tmp / f"span{n_coders}.db")
        length = len(docs[0][0])
        codings = db.execute("SELECT count(*) FROM codings").fetchone()[0]
        best, median, report = best_of(3, lambda db=db: agreement.measure_agreement(db, unit="character"))
        phase = report.row("phase")
        print(f"span level, {n_coders} coders: {length:,} characters, {codings:,} codings, {len(report.rows)} rows"
              f" (uα family per code, group and pooled): best {best:.2f} s, median {median:.2f} s (target ≤ 1 s);"
              f" phase uα = {phase.alpha.value:.3f}, cuα = {phase.metrics['cu_alpha'].value:.3f}")
        best, median, _ = best_of(3, lambda db=db: agreement.measure_agreement(db, unit="character", by_document=True))
        print(f"span level, {n_coders} coders, with NVivo per code × document rows: best {best:.2f} s, median {median:.2f} s")
        db.close()
        # the pure function on one domain: 2,000 non-overlapping sections per coder with 10 values
        sections = []
        for j in range(n_coders):
            cuts = np.sort(rng.choice(length, 4000, replace=False))
            sections += [(f"c{j}", int(s), int(e), f"v{rng.integers(10)}") for s, e in cuts.reshape(-1, 2)]
        best, median, family = best_of(3, lambda length=length, sections=sections: agreement.unitized(length, sections))
        print(f"unitized(): {n_coders} coders × 2,000 sections on {length:,} characters: best {best * 1000:.0f} ms"
              f" (uα = {family.u_alpha.value:.3f}, |uα = {family.binary_u_alpha.value:.3f}, cuα = {family.cu_alpha.value:.3f})")


def main(which: str = "all") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if which in ("passage", "all"):
            passage_level(Path(tmp))
        if which in ("span", "all"):
            span_level(Path(tmp))


if __name__ == "__main__":
    main(*sys.argv[1:])
