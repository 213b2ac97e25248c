"""A database connection for a view's thread workers.

A view that re-tabulates on every key press keeps one connection for its workers, so the domain's
per-connection caches (crosstab keeps the codings mapped onto passages) survive between tables.
A cancelled thread worker runs on to its end, so a lock lets one worker at a time use it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from coder.study import Study, connect_study

if TYPE_CHECKING:
    from coder.db import Database


class WorkerConnection:
    """Opened by the first worker that needs it; `close()` when the view goes away."""

    def __init__(self, study: Study) -> None:
        self.study = study
        self.lock = threading.Lock()
        self.db: Database | None = None

    @contextmanager
    def use(self) -> Iterator[Database]:
        with self.lock:
            if self.db is None:
                self.db = connect_study(self.study)
            yield self.db

    def close(self) -> None:
        with self.lock:
            if self.db is not None:
                self.db.close()
                self.db = None
