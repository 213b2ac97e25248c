"""A lab server for tests, in a thread of the test process (so a test can look at its sessions and their processes),
and a websocket client that logs in as a browser would."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from coder.serve.server import LabServer
from coder.study import Study, connect_study, refresh_study
from tests.conftest import study_builder

T = TypeVar("T")
FAKE_WORKBENCH = Path(__file__).with_name("fake_workbench.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def until(condition: Callable[[], T], timeout: float = 10.0, what: str = "the condition") -> T:
    """Poll until `condition()` is truthy (never a guessed sleep); its value, or a failure after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return value


def small_study(folder: Path) -> Study:
    """A small study built and imported in `folder`, for a test module's server."""
    built = study_builder(folder)()
    db = connect_study(built)
    refresh_study(built, db)
    db.close()
    return built


def ended(pid: int) -> bool:
    """Whether the process has ended (gone, or a zombie its parent has not reaped yet)."""
    try:
        return "\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # gone, between any look and the next
        return True


class Running:
    """A LabServer serving on a free port of 127.0.0.1 from its own event loop in a thread."""

    def __init__(self, study: Study, command: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = LabServer(study, host="127.0.0.1", port=self.port, public_url=self.url, command=command)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner: web.AppRunner = self.call(self._start())

    async def _start(self) -> web.AppRunner:
        runner = web.AppRunner(await self.server.application(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        return runner

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.call(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
