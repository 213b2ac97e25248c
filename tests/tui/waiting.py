"""Waiting for what a TUI test needs — a dialog mounted, a view's workers finished, a message shown —
instead of sleeping or assuming: on a busy machine a key pressed before its dialog is mounted goes
to the screen below it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from textual.app import App
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerState

S = TypeVar("S", bound=Screen)

TIMEOUT = 60.0  # seconds; only ever reached when what is awaited never happens


async def until(pilot: Pilot, holds: Callable[[], bool], what: str, *, timeout: float = TIMEOUT) -> None:
    """Let the app run until `holds()` is true, or fail saying what never happened."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not holds():
        if loop.time() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        await pilot.pause(0.01)  # a poll, not a guess: the loop ends as soon as the condition holds


async def settle(pilot: Pilot, dispatched: Callable[[], int] | None = None) -> None:
    """Wait for the workers of the screen on top (and its widgets) and for the messages they sent.

    A worker replaced by a newer one of its group (a key pressed again) ends cancelled: that is not a failure.
    With `dispatched` (see `quiet`), the messages are waited for by `quiet` rather than by a pause.
    """
    app = pilot.app
    screen = app.screen

    def busy() -> list[Worker]:
        mine = {screen, *screen.walk_children()}
        return [w for w in app.workers if w.node in mine and not w.is_finished]

    async def wait_for_messages() -> None:
        await (pilot.pause() if dispatched is None else quiet(pilot, dispatched))

    while workers := busy():
        for worker in workers:
            if worker.state == WorkerState.PENDING:
                await wait_for_messages()
                continue
            try:
                await worker.wait()
            except WorkerCancelled:
                pass
    await wait_for_messages()


async def brought_up_to_date(pilot: Pilot) -> None:
    """Wait for the background import (the app's refresh of the study) to finish: it writes, and tests count writes."""
    await until(pilot, lambda: not any(w.group == "import" for w in pilot.app.workers), "the study to be brought up to date")


async def press_to_open(pilot: Pilot, key: str, kind: type[S]) -> S:
    """Press the key that opens a screen or dialog, and wait until it is mounted and its workers are done."""
    before = pilot.app.screen
    await pilot.press(key)
    await until(pilot, lambda: pilot.app.screen is not before and isinstance(pilot.app.screen, kind) and pilot.app.screen.is_mounted,
                f"{kind.__name__} to open")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


async def press_to_close(pilot: Pilot, key: str, kind: type[Screen]) -> None:
    """Press the key that closes a screen or dialog, and wait until it is gone."""
    await pilot.press(key)
    await until(pilot, lambda: not isinstance(pilot.app.screen, kind), f"{kind.__name__} to close")
    await pilot.pause()


async def quiet(pilot: Pilot, dispatched: Callable[[], int], *, rounds: int = 200) -> None:
    """Wait until the app has handled every message sent so far, and those they sent in turn.

    Each round, every node of the screen on top (and the app) handles what it had queued; the app is
    quiet after a round in which nothing but the round's own callbacks was handled (`dispatched`
    counts the messages handled: a `running(..., message_hook=...)` hook). The screens below are
    left alone: waking them would redraw them under the dialog each round. Many times faster than
    `pilot.press`'s waits for an idle CPU, and it does not depend on the machine's load.
    """
    for _ in range(rounds):
        before = dispatched()
        posted = await _every_node_handles_its_queue(pilot.app)
        if dispatched() - before <= posted:
            return
    raise AssertionError(f"the app was still busy after {rounds} rounds of messages")


async def _every_node_handles_its_queue(app: App) -> int:
    """One round of `quiet`: returns the number of callbacks it sent (each node runs its own after what it had queued)."""
    nodes = [app, *app.screen.walk_children(with_self=True)]
    pending = 0
    done = asyncio.Event()

    def handled() -> None:
        nonlocal pending
        pending -= 1
        if not pending:
            done.set()

    for node in nodes:
        pending += node.call_later(handled)
    posted = pending
    if pending:
        await asyncio.wait_for(done.wait(), TIMEOUT)
    return posted


@asynccontextmanager
async def running(app: App, size: tuple[int, int] = (120, 40), *,
                  message_hook: Callable[[Message], None] | None = None) -> AsyncIterator[Pilot]:
    """`app.run_test`, once the coding screen (the workbench's first screen) is mounted; `message_hook` sees every message handled."""
    from coder.tui.screens.coding import CodingScreen

    async with app.run_test(size=size, message_hook=message_hook) as pilot:
        await until(pilot, lambda: isinstance(app.screen, CodingScreen) and app.screen.is_mounted, "the coding screen")
        await pilot.pause()
        yield pilot
