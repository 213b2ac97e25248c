"""Workbench speed: launch to first screen, opening a long document, coding key to repaint and to saved.

Run: python tests/bench/bench_tui.py [saved]   (saved: only the key-to-saved figures)
First screen, opening and key-to-repaint are measured at 80×24 (the side panes folded) and 200×60 (issue 14).
Targets (issue 4, 2-core machine): first screen ≤ 1.5 s, open a 100,000-word document ≤ 0.3 s,
key-to-repaint p95 ≤ 50 ms — on the bundled study and on a study with a 100,000-word document
and 100,000 codings. Key-to-repaint is measured inside Textual's Pilot: from the moment the key is
sent to the moment the next frame with its effect has been written out by the compositor.
Retrieval view open (issue 14): from F6 to the view's first frame, on the bundled study (target ≤ 50 ms)
and on the study with 100,000 codings; also the CPU time spent, which a busy machine does not inflate.
Key-to-saved (issue 12): from the key to the moment its transaction has committed — with
synchronous = FULL (coder's setting: the -wal file synced at every commit, so a coding shown is
on the disk) and, for comparison, NORMAL (synced only at checkpoints).
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FIRST_SCREEN = textwrap.dedent("""
    import time
    started = time.perf_counter()
    import asyncio, sys
    from coder.tui.app import make_app

    async def main():
        app = make_app(sys.argv[1], sys.argv[2])
        async with app.run_test(size=(int(sys.argv[3]), int(sys.argv[4]))) as pilot:
            await pilot.pause()
            print(f"{time.perf_counter() - started:.3f}")

    asyncio.run(main())
""")


SIZES = ((80, 24), (200, 60))  # a laptop's terminal and a wide screen


def first_screen(study: Path, coder: str, size: tuple[int, int]) -> float:
    """Seconds from a fresh interpreter to the coding screen shown (median of 5)."""
    times = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", FIRST_SCREEN, str(study), coder, *map(str, size)],
                             capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def long_study(root: Path, words: int = 100_000, codings: int = 100_000) -> Path:
    """A study with one 100,000-word document, 50 ordinary ones, and 100,000 codings spread over them."""
    from coder.study import connect_study, init_study, refresh_study

    study = init_study(root)
    shutil.copy(REPO / "codebook" / "codebook.yaml", study.codebook_dir / "codebook.yaml")
    shutil.copy(REPO / "codebook" / "organisations.yaml", study.codebook_dir / "organisations.yaml")
    rng = random.Random(7)
    vocabulary = (REPO / "transcripts" / "int03-promango-president.md").read_text().split()
    turns, count = [], 0
    while count < words:
        size = rng.randint(40, 220)
        turns.append(("INTERVIEWER" if len(turns) % 2 == 0 else "RESPONDENT") + ": " + " ".join(rng.choices(vocabulary, k=size)))
        count += size
    (study.transcripts_dir / "long.md").write_text("---\nid: long\n---\n\n" + "\n\n".join(turns) + "\n")
    for number in range(50):
        (study.transcripts_dir / f"doc{number:02d}.md").write_text(
            "\n\n".join(f"RESPONDENT: {' '.join(rng.choices(vocabulary, k=80))}" for _ in range(40)) + "\n")
    db = connect_study(study)
    refresh_study(study, db)
    coders = [db.execute("INSERT INTO coders (uuid, name, created) VALUES (?, ?, 'now')", [f"u{i}", name]).lastrowid
              for i, name in enumerate(["bench", "ben", "carla"])]
    codes = [r[0] for r in db.execute("SELECT id FROM codes")]
    segments = db.execute("SELECT document_id, start, end FROM segments").fetchall()
    rows = []
    for number in range(codings):
        document_id, start, end = rng.choice(segments)
        rows.append((f"c{number}", document_id, rng.choice(codes), rng.choice(coders), start, end))
    db.execute("BEGIN")
    db.conn.executemany("INSERT OR IGNORE INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, created, updated)"
                        " VALUES (?, ?, ?, ?, ?, ?, '', 'now', 'now')", rows)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return study.root


async def inside(study_root: Path, document: str | None, coder: str, size: tuple[int, int]) -> dict[str, float]:
    from coder.documents import list_documents
    from coder.tui.app import make_app

    app = make_app(study_root, coder)  # one of the study's coders: an unknown name is asked about first
    figures: dict[str, float] = {}
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        if document:
            target = next(d.id for d in list_documents(screen.db) if d.name == document)
            other = next(d.id for d in list_documents(screen.db) if d.name != document)
            opens = []
            for _ in range(3):
                screen.open_document(other)
                await pilot.pause()
                started = time.perf_counter()
                screen.open_document(target)
                await pilot.pause()
                opens.append(time.perf_counter() - started)
            figures["open long document"] = statistics.median(opens)
        painted: list[float] = []
        original = screen._compositor_refresh  # private, benchmark only: the moment a frame reaches the terminal

        def compositor_refresh() -> None:
            original()
            painted.append(time.perf_counter())

        screen._compositor_refresh = compositor_refresh

        async def key_to_paint(key: str) -> float:
            started = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            return min((t for t in painted if t > started), default=float("nan")) - started

        await app.workers.wait_for_complete()  # steady typing: the document's suggestions have arrived
        delays = []
        for number in range(60):
            if number % 3 == 0:
                await key_to_paint("j")
            else:
                delays.append(await key_to_paint("1"))
        delays.sort()
        figures["key-to-repaint median"] = statistics.median(delays)
        figures["key-to-repaint p95"] = delays[int(0.95 * (len(delays) - 1))]
    return figures


async def retrieval_open(study_root: Path, coder: str, size: tuple[int, int]) -> tuple[list[float], list[float], int]:
    """From F6 to the retrieval view's first frame written out, six times (the first imports the view's modules):
    the seconds on the clock and the seconds of CPU this process spent, and how many excerpts it listed."""
    from coder.tui.app import make_app
    from coder.tui.screens.retrieval import RetrievalScreen
    from coder.tui.widgets.excerpt_list import ExcerptList

    app = make_app(study_root, coder)
    painted: list[tuple[float, float]] = []
    original = RetrievalScreen._compositor_refresh  # private, benchmark only: the moment a frame reaches the terminal

    def compositor_refresh(screen: RetrievalScreen) -> None:
        original(screen)
        painted.append((time.perf_counter(), time.process_time()))

    RetrievalScreen._compositor_refresh = compositor_refresh  # type: ignore[method-assign]
    clock: list[float] = []
    cpu: list[float] = []
    listed = 0
    try:
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            for _ in range(6):
                painted.clear()
                started, used = time.perf_counter(), time.process_time()
                await pilot.press("f6")
                while not painted and time.perf_counter() - started < 10:
                    await asyncio.sleep(0.001)
                clock.append(painted[0][0] - started)
                cpu.append(painted[0][1] - used)
                listed = len(app.screen.query_one(ExcerptList).excerpts)
                await pilot.press("escape")
                await pilot.pause()
    finally:
        RetrievalScreen._compositor_refresh = original  # type: ignore[method-assign]
    return clock, cpu, listed


def print_retrieval(study_root: Path, coder: str) -> None:
    """The retrieval view's open at the two sizes: the first open, then the median of five (clock and CPU)."""
    for size in ((80, 24), (200, 60)):
        clock, cpu, listed = asyncio.run(retrieval_open(study_root, coder, size))
        print(f"  retrieval view (F6) open at {size[0]}×{size[1]}, {listed} excerpts: first {1000 * clock[0]:.1f} ms,"
              f" then median {1000 * statistics.median(clock[1:]):.1f} ms (CPU {1000 * statistics.median(cpu[1:]):.1f} ms)"
              " (target ≤ 50 ms on the bundled study)")


async def key_to_saved(study_root: Path, synchronous: str, keys: int = 150) -> tuple[float, float]:
    """Median and p95 seconds from a coding key to its transaction committed (the toggle returned)."""
    from coder import coding
    from coder.tui.app import make_app

    app = make_app(study_root, "ana")
    saved: list[float] = []
    toggle = coding.toggle_code

    def timed_toggle(*args: object, **kwargs: object) -> object:
        result = toggle(*args, **kwargs)
        saved.append(time.perf_counter())
        return result

    coding.toggle_code = timed_toggle
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.db.execute(f"PRAGMA synchronous = {synchronous}")
            delays = []
            for number in range(keys):
                if number % 3 == 0:
                    await pilot.press("j")
                    continue
                started = time.perf_counter()
                await pilot.press("1")
                delays.append(min(t for t in saved if t > started) - started)
    finally:
        coding.toggle_code = toggle
    delays.sort()
    return statistics.median(delays), delays[int(0.95 * (len(delays) - 1))]


def print_saved(study_root: Path) -> None:
    for synchronous in ("FULL", "NORMAL"):
        median, p95 = asyncio.run(key_to_saved(study_root, synchronous))
        print(f"  key-to-saved, synchronous = {synchronous}: median {1000 * median:.1f} ms, p95 {1000 * p95:.1f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bundled = Path(tmp) / "piura"
        for folder in ("codebook", "transcripts"):
            shutil.copytree(REPO / folder, bundled / folder)
        from coder.study import Study, connect_study, refresh_study

        db = connect_study(Study(bundled))
        refresh_study(Study(bundled), db)
        db.close()
        print("bundled study (22 documents)")
        if sys.argv[1:] == ["saved"]:
            print_saved(bundled)
            return
        for size in SIZES:
            print(f" at {size[0]}×{size[1]}")
            print(f"  first screen: {first_screen(bundled, 'ana', size):.3f} s (target ≤ 1.5 s)")
            for name, value in asyncio.run(inside(bundled, None, "ana", size)).items():
                print(f"  {name}: {1000 * value:.1f} ms")
        print_retrieval(bundled, "ana")
        print_saved(bundled)
        large = long_study(Path(tmp) / "large")
        print("study with a 100,000-word document and 100,000 codings")
        for size in SIZES:
            print(f" at {size[0]}×{size[1]}")
            print(f"  first screen: {first_screen(large, 'bench', size):.3f} s (target ≤ 1.5 s)")
            for name, value in asyncio.run(inside(large, "long", "bench", size)).items():
                target = "(target ≤ 300 ms)" if name.startswith("open") else "(target p95 ≤ 50 ms)" if "p95" in name else ""
                print(f"  {name}: {1000 * value:.1f} ms {target}")
        print_retrieval(large, "bench")


if __name__ == "__main__":
    main()
