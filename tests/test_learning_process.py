"""The training process: a workbench that quits while its model trains ends at once, its helper with it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from coder.learning_process import TrainingProcess


def test_closing_stops_a_training_under_way(bundled_coded: Path) -> None:
    training = TrainingProcess()
    ended: list[BaseException | None] = []

    def train() -> None:
        try:
            training(bundled_coded)
            ended.append(None)
        except BaseException as error:  # noqa: BLE001 — the pool broken by close() is what this test expects
            ended.append(error)

    thread = threading.Thread(target=train)
    thread.start()
    deadline = time.monotonic() + 60
    while not (training._pool and training._pool._processes) and time.monotonic() < deadline:
        time.sleep(0.01)  # until the helper process exists (spawned by the first training)
    assert training._pool is not None and training._pool._processes, "no helper process started"
    helpers = list(training._pool._processes.values())
    training.close()
    for helper in helpers:
        helper.join(timeout=10)
        assert not helper.is_alive(), "the helper outlived close()"
    thread.join(timeout=10)
    assert not thread.is_alive() and ended and ended[0] is not None, "the training was not stopped"
