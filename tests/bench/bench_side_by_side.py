"""coder side by side with the raw SQLite floor on the standard workloads (issue 15).

Run: python tests/bench/bench_side_by_side.py W1|W2 [REPEATS]   (default 3 repetitions)
The workload comes from ../shared/bench/gen_corpus.py and is cached, with a study made of it (its
transcripts imported) and a coding file of its plan, under /tmp/coder-bench/<w>/, so reruns are fast.
Each repetition runs every coder measurement in a fresh process, then ../shared/bench/floor_sqlite.py
once (plain sqlite3 doing the same work): the two alternate, so the machine's load moves both alike.
The table gives medians: coder cold (the first call in a fresh process), coder warm (the calls after
it), the floor, and the ratio cold / floor. The plan's turn t is passage t+1 in coder's numbering;
a span that starts on a speaker label is clamped to its passage (coder's passages leave the label out).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(Path(__file__).parent)]  # the checkout's coder, and common.py
from common import SHARED_BENCH  # noqa: E402

from coder.schema import SCHEMA_VERSION  # noqa: E402
from coder.study import Study, connect_study, init_study, refresh_study  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "coder-bench"
CODEBOOK = "title: Side by side ({w})\ngroups:\n  - name: topic\n    codes:\n" + "".join(
    f"      - name: code{n:02d}\n" for n in range(1, 41))
ONE_CODINGS = 200  # codings made one at a time in the "one coding" measurements (coder flushes each to disk: synchronous FULL)
WARM = 2  # calls after the cold one

# label, worker task, the floor's figure (and its scale to the unit shown)
ROWS: list[tuple[str, str, str, float, str]] = [
    ("load the plan's codings from a coding file", "load", "insert_idx_s", 1, "s"),
    ("one coding (with events log), flushed to disk", "one", "commit_each_delete_full_ms_per_coding", 1, "ms"),
    ("one coding (with events log), not flushed", "one-unflushed", "commit_each_wal_normal_ms_per_coding", 1, "ms"),
    ("one code's excerpts with text", "excerpts", "select_text_s", 1000, "ms"),
    ("code × document table", "xtab", "freq_s", 1000, "ms"),
    ("co-occurrence", "cooc", "cooc_s", 1000, "ms"),
    ("agreement, 2 coders × 40 codes", "agree", "kappa_s", 1000, "ms"),
    ("export all excerpts (CSV)", "export", "export_s", 1, "s"),
    ("`coder status` (process)", "status", "", 1, "s"),
]


# The cached workload, study and coding file ------------------------------------------------------


def data(w: str) -> Path:
    """The workload's folder (docs/, plan.tsv), generated once."""
    folder = CACHE / w
    if not (folder / "plan.tsv").exists():
        subprocess.run([sys.executable, str(SHARED_BENCH / "gen_corpus.py"), str(CACHE), w], check=True)
    return folder


def base_study(w: str) -> Path:
    """A study with the workload's transcripts imported and no codings (made once per schema version)."""
    root = data(w) / f"study-base-s{SCHEMA_VERSION}"
    if (root / ".done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    study = init_study(root)
    (study.codebook_dir / "codebook.yaml").write_text(CODEBOOK.format(w=w.upper()), encoding="utf-8")
    shutil.copytree(data(w) / "docs", study.transcripts_dir, dirs_exist_ok=True)
    started = time.perf_counter()
    db = connect_study(study)
    refresh_study(study, db)
    db.close()
    print(f"(built the {w} study in {time.perf_counter() - started:.1f} s, once: {root})", flush=True)
    (root / ".done").touch()
    return root


def coding_file(w: str) -> Path:
    """The plan as a coding file: document, passage (turn + 1), code, coder, and its start,end inside the passage."""
    path = data(w) / "codings.csv"
    if path.exists():
        return path
    db = connect_study(Study(base_study(w)))
    passages = {(name, ordinal): (start, end) for name, ordinal, start, end in db.execute(
        "SELECT d.path, s.ordinal, s.start, s.end FROM segments s JOIN documents d ON d.id = s.document_id")}
    db.close()
    lines = ["document,passage,code,coder,memo,start,end"]
    for line in (data(w) / "plan.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        doc, turn, code, coder, start, end = line.split("\t")
        low, high = passages[(f"transcripts/{doc}", int(turn) + 1)]
        lines.append(f"{doc.removesuffix('.txt')},{int(turn) + 1},topic/{code},{coder},,{max(int(start), low)},{min(int(end), high)}")
    temporary = path.with_suffix(".part")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def coded_study(w: str) -> Path:
    """The study with the whole coding file loaded (made once per schema version)."""
    root = data(w) / f"study-coded-s{SCHEMA_VERSION}"
    if (root / ".done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(base_study(w), root)
    (root / ".done").unlink()
    from coder.codings_file import import_codings

    db = connect_study(Study(root))
    import_codings(db, coding_file(w))
    db.close()
    (root / ".done").touch()
    return root


def scratch_copy(root: Path, into: Path) -> Study:
    """A copy of a study's database (its folders linked, not copied) for a measurement that writes."""
    study = Study(into)
    into.mkdir(parents=True)
    for name in ("codebook", "transcripts"):
        os.symlink(root / name, into / name)
    shutil.copy(Study(root).db_path, study.db_path)
    return study


# The measurements, each in a fresh process ----------------------------------------------------------


def worker(task: str, w: str) -> dict[str, float | None]:
    """Time one task: cold (the first call in this process) and warm (the median of the calls after it)."""
    from coder.db import Database

    times: list[float] = []

    def calls(work: Callable[[], object], count: int = 1 + WARM) -> None:
        for _ in range(count):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as tmp:
        if task == "status":
            root = coded_study(w)
            calls(lambda: subprocess.run([sys.executable, "-m", "coder", "--study", str(root), "status"], cwd=REPO,
                                         check=True, capture_output=True))
            return {"cold": times[0], "warm": statistics.median(times[1:]), "peak_mb": None}
        if task == "load":
            from coder.codings_file import import_codings

            study = scratch_copy(base_study(w), Path(tmp) / "study")
            db: Database = connect_study(study)
            calls(lambda: import_codings(db, coding_file(w)), 1)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            return {"cold": times[0], "warm": None, "peak_mb": peak}
        if task in ("one", "one-unflushed"):
            from coder.coding import add_coder, apply_code, find_code, find_document

            study = scratch_copy(coded_study(w), Path(tmp) / "study")
            db = connect_study(study)
            if task == "one-unflushed":  # as the floor's WAL/NORMAL: the commit is not waited onto the disk
                db.execute("PRAGMA synchronous = NORMAL")
            carol, code = add_coder(db, "carol"), find_code(db, "code40")
            plan = [line.split("\t") for line in (data(w) / "plan.tsv").read_text(encoding="utf-8").splitlines()[1:]]
            step = max(1, len(plan) // ONE_CODINGS)
            for file, _, _, _, start, end in plan[::step][:ONE_CODINGS]:
                name = file.removesuffix(".txt")
                calls(lambda name=name, start=int(start), end=int(end): apply_code(db, find_document(db, name), code, carol, start, end), 1)
            return {"cold": times[0] * 1000, "warm": statistics.median(times[1:]) * 1000, "peak_mb": None}
        db = connect_study(Study(coded_study(w)))
        from coder.exports.excerpts import ExcerptQuery

        if task == "excerpts":
            from coder.exports.excerpts import find_excerpts

            calls(lambda: find_excerpts(db, ExcerptQuery(codes=["code01"], each_coding=True)))  # as the floor: one per coding
        elif task == "xtab":
            from coder.crosstab import crosstab

            calls(lambda: crosstab(db, "code", "document", coders=["all"]))
        elif task == "cooc":
            from coder.crosstab import cooccurrence

            calls(lambda: cooccurrence(db, coders=["all"]))
        elif task == "agree":
            from coder.agreement import measure_agreement

            calls(lambda: measure_agreement(db, coders=["alice", "bob"]))
        elif task == "export":
            from coder.exports.excerpts import export_excerpts

            calls(lambda: export_excerpts(db, Path(tmp), ExcerptQuery(each_coding=True), "csv"))  # as the floor: one row per coding
        else:
            raise SystemExit(f"unknown task {task}")
        scale = 1000 if task in ("excerpts", "xtab", "cooc", "agree") else 1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"cold": times[0] * scale, "warm": statistics.median(times[1:]) * scale, "peak_mb": peak}


def run_worker(task: str, w: str) -> dict[str, float | None]:
    done = subprocess.run([sys.executable, __file__, "--worker", task, w], cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_floor(w: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "floor.json"
        subprocess.run([sys.executable, str(SHARED_BENCH / "floor_sqlite.py"), str(CACHE), w, "1", "--json", str(out)],
                       check=True, capture_output=True)
        found = json.loads(out.read_text())
    return {**found["median"], "peak_rss_mb": found["peak_rss_mb"], "sqlite": found["sqlite"]}


# The table ------------------------------------------------------------------------------------------------


def number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "ms":
        return f"{value:,.2f} ms" if value < 10 else f"{value:,.0f} ms"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def main(w: str, repeats: int = 3) -> None:
    w = w.lower()
    if w not in ("w1", "w2"):
        raise SystemExit("usage: bench_side_by_side.py W1|W2 [REPEATS]")
    # Built (and timed) before any measurement, in a process of its own: a child inherits its parent's peak memory.
    subprocess.run([sys.executable, __file__, "--prepare", w], cwd=REPO, check=True)
    coder_runs: dict[str, list[dict[str, float | None]]] = {task: [] for _, task, *_ in ROWS}
    floor_runs: list[dict] = []
    for repetition in range(repeats):
        for _, task, *_ in ROWS:
            coder_runs[task].append(run_worker(task, w))
        floor_runs.append(run_floor(w))
        print(f"(repetition {repetition + 1} of {repeats} done)", file=sys.stderr, flush=True)

    def median(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    print(f"\n{w.upper()}, medians of {repeats} (coder cold = the first call in a fresh process, warm = the calls after it;"
          " ratio = cold / floor, for one coding warm / floor; the floor flushes with journal_mode=DELETE, synchronous=FULL"
          " and does not with WAL, synchronous=NORMAL)\n")
    print("| work | coder cold | coder warm | floor | ratio |\n|---|---|---|---|---|")
    for label, task, key, scale, unit in ROWS:
        cold = median([r["cold"] for r in coder_runs[task]])
        warm = median([r["warm"] for r in coder_runs[task]])
        floor = median([f[key] * scale for f in floor_runs]) if key else None
        coder = warm if task.startswith("one") else cold  # one coding: the median coding, not the process's first
        ratio = f"{coder / floor:.1f}×" if coder and floor else ""
        print(f"| {label} | {number(cold, unit)} | {number(warm, unit)} | {number(floor, unit)} | {ratio} |")
    load_peak = median([r["peak_mb"] for r in coder_runs["load"]])
    other_peak = max(r["peak_mb"] or 0 for task in ("excerpts", "xtab", "cooc", "agree", "export") for r in coder_runs[task])
    floor_peak = median([f["peak_rss_mb"] for f in floor_runs])
    print(f"| peak memory | {load_peak:.0f} MB (loading codings); {other_peak:.0f} MB (the reads, export) | | {floor_peak:.0f} MB | |")
    print(f"\nrun: python tests/bench/bench_side_by_side.py {w.upper()} {repeats}"
          f" (sqlite {floor_runs[0].get('sqlite', '?')}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(worker(sys.argv[2], sys.argv[3])))
    elif sys.argv[1:2] == ["--prepare"]:
        coded_study(sys.argv[2])
    else:
        main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
