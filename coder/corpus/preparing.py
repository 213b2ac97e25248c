"""Preparing transcripts for the import: each file read, cut into passages and annotated, on every core when it pays.

spaCy's pass over every passage (sentences, organisation mentions) is most of an import's time. A large
import runs it in worker processes, a few files per task, with only a few tasks in flight: the importing
process writes each file's result as it arrives, in file order, so memory does not grow with the corpus.
A small import is prepared in-process, since a worker (a fresh Python that imports spaCy) costs about a second.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from coder import nlp
from coder.corpus.readers import ParsedDocument, read_document
from coder.errors import CoderError

PARALLEL_BYTES = 12_000_000  # below ≈ 2 million words, starting workers (≈ 1.5 s) costs more than it saves (measured)
CHUNK_FILES = 4  # files per task: few enough to keep memory flat, enough to make each task worth its round trip
AHEAD = 2  # tasks queued per worker, so no worker waits while the importer writes


@dataclass(frozen=True)
class Plan:
    """What preparing a file needs to know: the organisations' spellings and which documents the study has."""

    spellings: tuple[nlp.Spelling, ...] = ()
    known: dict[str, str] = field(default_factory=dict)  # document name → sha256 of its stored text
    update: bool = False

    def needs_notes(self, document: ParsedDocument) -> bool:
        """False for a document the import will leave as it is (unchanged, or changed without `update`)."""
        stored = self.known.get(document.name)
        return stored is None or (self.update and stored != document.sha256)


@dataclass
class Prepared:
    """One file read and annotated, or the one-line problem that stops the import."""

    path: Path
    where: str
    document: ParsedDocument | None = None
    notes: list[nlp.Annotation] | None = None  # None when the plan said the import will not store it
    problem: str | None = None


def annotate(document: ParsedDocument, spellings: Sequence[nlp.Spelling], where: str) -> list[nlp.Annotation]:
    """Sentences and mentions of each passage of a document; an unknown language is an error naming the file."""
    texts = (document.text[p.start : p.end] for p in document.passages)
    try:
        return list(nlp.annotate(texts, document.language, spellings))
    except CoderError as error:
        raise CoderError(error.message, where=error.where or where, fix=error.fix) from error


def prepare(path: Path, where: str, plan: Plan) -> Prepared:
    """Read one file and, when the import will store it, annotate it."""
    try:
        document = read_document(path, where=where)
        notes = annotate(document, plan.spellings, where) if plan.needs_notes(document) else None
    except CoderError as error:
        return Prepared(path, where, problem=str(error))
    return Prepared(path, where, document, notes)


def worth_workers(files: Sequence[Path]) -> bool:
    """True when the files hold enough text for worker processes to pay for their start."""
    if len(files) < 2 or cores() < 2:
        return False
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            continue  # reading it reports the problem
        if total >= PARALLEL_BYTES:
            return True
    return False


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def prepared(items: Sequence[tuple[Path, str]], plan: Plan, *, parallel: bool) -> Generator[Prepared, None, None]:
    """Each (path, where) prepared, in order; with `parallel`, by worker processes a few files at a time."""
    if not parallel:
        for path, where in items:
            yield prepare(path, where, plan)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunks = iter([items[i : i + CHUNK_FILES] for i in range(0, len(items), CHUNK_FILES)])
    workers = max(1, min(cores(), -(-len(items) // CHUNK_FILES)))
    try:  # spawn, not fork: the importer may run in a thread of the workbench, and a fork copies its locks mid-use
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                                   initargs=(plan,))
    except (OSError, NotImplementedError):  # no process support here (e.g. no shared semaphores): one core does it all
        yield from prepared(items, plan, parallel=False)
        return
    try:
        pending: deque[Future[list[Prepared]]] = deque(pool.submit(_prepare_chunk, c) for c in islice(chunks, workers * AHEAD))
        while pending:
            done = pending.popleft().result()
            pending.extend(pool.submit(_prepare_chunk, c) for c in islice(chunks, 1))
            yield from done
    except BrokenProcessPool as error:
        raise CoderError("an import worker stopped before it finished (out of memory, or killed); nothing was written",
                         fix="close other programs and import again") from error
    finally:  # also when the importer stops early (a problem, a cancel): queued tasks are dropped
        pool.shutdown(wait=True, cancel_futures=True)


_plan = Plan()  # a worker's plan, set once when it starts rather than sent with every task


def _start_worker(plan: Plan) -> None:
    """A new worker keeps the plan and watches for its importer's end."""
    global _plan
    _plan = plan
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True).start()


def _end_with(importer: int) -> None:
    """End this worker once the importer is gone (killed mid-import), rather than wait for tasks forever."""
    while os.getppid() == importer:
        time.sleep(1)
    os._exit(1)


def _prepare_chunk(items: Sequence[tuple[Path, str]]) -> list[Prepared]:
    """A worker's task: a few files prepared, returned together (one round trip)."""
    return [prepare(path, where, _plan) for path, where in items]
