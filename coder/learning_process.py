"""Training the learned suggestions in a process of its own: tokenising and fitting hold Python's lock for
seconds, and in a thread of the workbench they held up every key for as long (measured: 3 s a key).
The model comes back pickled (its vectorisers and weights); scikit-learn is imported in that process only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from coder.learning import Model


def train_in_study(study_root: str, source: str | None = None) -> Model:
    """`learning.train` with the source (None: the default), on a connection of its own (for another process)."""
    from coder.learning import train
    from coder.study import Study, connect_study

    db = connect_study(Study(Path(study_root)))
    try:
        return train(db, source)
    finally:
        db.close()


def _background() -> None:
    """The training yields the CPU to the workbench: on two cores it would otherwise share them with every key."""
    import os

    os.nice(10)


class TrainingProcess:
    """One helper process, started on the first training and kept for the next ones (scikit-learn loads once).

    `source`: whose codings it learns from (a coder's name; None: the default, see `learning.train`)."""

    def __init__(self, source: str | None = None) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self.source = source
        # As `coder.suggest.SuggestionProcess`: the resource tracker must start while stderr is still the real one.
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()

    def __call__(self, study_root: Path) -> Model:
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"), initializer=_background)
        return self._pool.submit(train_in_study, str(study_root), self.source).result()

    def close(self) -> None:
        """Stop the helper, a training under way too: Python's exit would otherwise wait for it to finish (seconds)."""
        if self._pool is not None:
            helpers = list((self._pool._processes or {}).values())  # private, but Python 3.11 has no terminate_workers()
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in helpers:
                process.kill()  # it only reads the study: nothing is left half-written
