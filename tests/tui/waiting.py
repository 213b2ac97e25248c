"""Waiting for what a TUI test needs — a dialog mounted, a view's workers finished, a message shown —
instead of sleeping or assuming: on a busy machine a key pressed before its dialog is mounted goes
to the screen below it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from textual.app import App
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


async def settle(pilot: Pilot) -> None:
    """Wait for the workers of the screen on top (and its widgets) and for the messages they sent.

    A worker replaced by a newer one of its group (a key pressed again) ends cancelled: that is not a failure.
    """
    app = pilot.app
    screen = app.screen

    def busy() -> list[Worker]:
        mine = {screen, *screen.walk_children()}
        return [w for w in app.workers if w.node in mine and not w.is_finished]

    while workers := busy():
        for worker in workers:
            if worker.state == WorkerState.PENDING:
                await pilot.pause()
                continue
            try:
                await worker.wait()
            except WorkerCancelled:
                pass
    await pilot.pause()


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


@asynccontextmanager
async def running(app: App, size: tuple[int, int] = (120, 40)) -> AsyncIterator[Pilot]:
    """`app.run_test`, once the coding screen (the workbench's first screen) is mounted."""
    from coder.tui.screens.coding import CodingScreen

    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, CodingScreen) and app.screen.is_mounted, "the coding screen")
        await pilot.pause()
        yield pilot
