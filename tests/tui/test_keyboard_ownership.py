"""Every dialog and every view owns the keyboard while it is open (issue 12, item 4).

Each one found in coder/tui/dialogs and coder/tui/screens is opened on the bundled study and given
a few hundred random keys from a seeded generator — letters, digits, punctuation, Tab, shift+Tab,
Enter, Esc, arrows, the coding screen's keys, F2–F6. Opening writes nothing and puts the focus on
the first field; no key reaches a screen below it; it closes only on a key that says so (after
which the test opens it again, as a researcher would); and the events log ends up holding only
what the dialog's own action writes.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import string
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from textual import events
from textual._context import active_message_pump  # which node is handling a message (the hook runs in its context)
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen

from coder.study import Study, connect_study
from coder.tui.screens.coding import CodingScreen
from tests.tui.conftest import app_for
from tests.tui.view_helpers import events_since, last_event
from tests.tui.waiting import brought_up_to_date, quiet, running, settle, until

KEYS = 200  # random keys per dialog or view: a few hundred, about a second and a half (views: more)

CHARACTERS = {"full_stop": ".", "comma": ",", "minus": "-", "slash": "/", "semicolon": ";", "colon": ":", "question_mark": "?",
              "plus": "+", "percent_sign": "%", "left_square_bracket": "[", "right_square_bracket": "]", "apostrophe": "'",
              "space": " ", "tab": "\t", "enter": "\r", "escape": "\x1b", "backspace": "\x7f"}
MOVING = ["tab", "shift+tab", "enter", "escape", "up", "down", "left", "right", "backspace", "home", "end"]
CODING = ["shift+up", "shift+down", "shift+left", "shift+right", "ctrl+left", "ctrl+right", "ctrl+r"]  # the coding screen's
VIEWS = ["f2", "f3", "f4", "f5", "f6"]
ALPHABET = [*string.ascii_letters, *string.digits, *(k for k in CHARACTERS if k not in MOVING), *MOVING * 3, *CODING, *VIEWS]


@dataclass(frozen=True)
class Opening:
    """How a test opens it from the coding screen, what its own action writes, and which keys may close it."""

    keys: tuple[str, ...] = ()
    writes: frozenset[str] = frozenset()  # actions of the events its own action logs
    closes: frozenset[str] = frozenset({"escape"})
    call: Callable[[CodingScreen], None] | None = None  # instead of keys


VIEW_CLOSES = frozenset({"escape", *VIEWS})  # F2–F6 switch to another view


OPENINGS: dict[str, Opening] = {
    "AutocodeDialog": Opening(("A",), frozenset({"autocode"})),
    "ExportDialog": Opening(("X",)),  # writes files, never an event; only Esc closes it
    "MemoDialog": Opening(("m",), frozenset({"memo"})),
    "NewCodeDialog": Opening(("plus",), frozenset({"create_code"}), frozenset({"escape", "enter"})),
    "PromptDialog": Opening(writes=frozenset({"rename_code"}), closes=frozenset({"escape", "enter"}),
                            call=lambda screen: screen.edit_code(next(iter(screen.refs)), "rename")),
    "QuickPick": Opening(("enter",), frozenset({"code", "uncode"}), frozenset({"escape", "enter"})),
    "SearchDialog": Opening(("slash",), closes=frozenset({"escape", "enter"})),
    "GoToDialog": Opening(("colon",), closes=frozenset({"escape", "enter"})),  # Enter on a passage number goes there
    "HelpScreen": Opening(("question_mark",), closes=frozenset({"escape", "question_mark", "q"})),
    "AgreementScreen": Opening(("f2",), closes=VIEW_CLOSES | {"enter", "o"}),  # on a disagreement: the reconcile queue, the passage
    "CoderPicker": Opening(("f2", "w"), closes=frozenset({"escape", "enter"})),  # Enter with two or more coders ticked
    "ReconcileScreen": Opening(("f3",), frozenset({"add_coder", "reconcile", "reconcile_agreed", "undo", "nudge", "memo"}),
                               VIEW_CLOSES | {"q"}),  # its decisions are its keys (a b u i d r c z, nudges)
    "CrossTabScreen": Opening(("f4",), closes=VIEW_CLOSES | {"enter"}),  # Enter on a listed passage: the coding screen
    "NetworkScreen": Opening(("f5",), closes=VIEW_CLOSES | {"enter"}),
    "RetrievalScreen": Opening(("f6",), frozenset({"uncode", "recode", "memo", "undo"}),  # its keys d r m u
                               VIEW_CLOSES | {"enter"}),  # Enter on an excerpt: the coding screen
    "RetrievalFilter": Opening(("f6", "f"), closes=frozenset({"escape", "enter"})),  # Enter in its last field applies
}


def screens_of_the_workbench() -> dict[str, type[Screen]]:
    """Every dialog and view class defined in coder/tui/dialogs and coder/tui/screens, but the coding screen itself."""
    found: dict[str, type[Screen]] = {}
    for package in ("coder.tui.dialogs", "coder.tui.screens"):
        for module_info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            module = importlib.import_module(f"{package}.{module_info.name}")
            for name, value in vars(module).items():
                if isinstance(value, type) and issubclass(value, Screen) and value.__module__ == module.__name__ \
                        and value is not CodingScreen:
                    found[name] = value
    return found


SCREENS = screens_of_the_workbench()


@dataclass
class Probe:
    """The message hook: counts the messages handled (for `quiet`) and notes every key a screen below the top one handles."""

    handled: int = 0
    top: Screen | None = None  # the screen on top when the key being typed was sent; None: not typing
    leaks: list[str] = field(default_factory=list)

    def __call__(self, message: Message) -> None:
        self.handled += 1
        if self.top is not None and isinstance(message, events.Key):
            node = active_message_pump.get(None)
            screen = getattr(node, "screen", None) if node is not None and node is not node.app else None
            if screen is not None and screen is not self.top:
                self.leaks.append(f"{message.key!r} reached {node!r} on {screen!r}, not {self.top!r} on top")


async def type_key(pilot: Pilot, probe: Probe, key: str) -> None:
    """Send one key as the terminal would, and wait until the app has done with it."""
    character = key if len(key) == 1 else CHARACTERS.get(key)
    event = events.Key(key, character)
    event.set_sender(pilot.app)
    pilot.app.post_message(event)
    await quiet(pilot, lambda: probe.handled)


def settings(study: Study) -> list[tuple]:
    db = connect_study(study)
    try:
        return db.execute("SELECT * FROM settings ORDER BY 1").fetchall()
    finally:
        db.close()


async def open_it(pilot: Pilot, probe: Probe, kind: type[Screen], opening: Opening) -> Screen:
    """Open the dialog or view from the coding screen; it must start on its first field."""
    app = pilot.app
    while not isinstance(app.screen, CodingScreen):  # a view switched to another one (F2–F6): back to the coding screen
        app.pop_screen()
        await quiet(pilot, lambda: probe.handled)
    below = app.screen
    if opening.call is not None:
        app.call_later(opening.call, below)  # in the app's context, as a key would (the message hook is part of it)
    for key in opening.keys:
        await type_key(pilot, probe, key)
    await quiet(pilot, lambda: probe.handled)
    await until(pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted, f"{kind.__name__} to open")
    await settle(pilot, lambda: probe.handled)
    screen = app.screen
    chain = screen.focus_chain
    assert not chain or screen.focused is chain[0], f"{kind.__name__} opens with the focus on {screen.focused!r}, not on {chain[0]!r}"
    return screen


@pytest.mark.parametrize("name", sorted(SCREENS))
async def test_every_dialog_and_view_owns_the_keyboard(name, coded_piura):
    opening = OPENINGS.get(name)
    assert opening is not None, f"{name} is new: say in OPENINGS how to open it, what it writes and which keys close it"
    kind = SCREENS[name]
    probe = Probe()
    rng = random.Random(zlib.crc32(name.encode()))
    app = app_for(coded_piura)
    async with running(app, size=(80, 24), message_hook=probe) as pilot:  # small: less to redraw after each key
        await brought_up_to_date(pilot)
        before, saved = last_event(coded_piura), settings(coded_piura)
        screen = await open_it(pilot, probe, kind, opening)
        assert events_since(coded_piura, before) == [] and settings(coded_piura) == saved, f"opening {name} wrote"
        typed: list[str] = []
        for _ in range(KEYS):
            key = rng.choice(ALPHABET)
            typed.append(key)
            probe.top = app.screen
            await type_key(pilot, probe, key)
            probe.top = None
            assert not probe.leaks, f"{name}: after {typed[-12:]}: {probe.leaks[0]}"
            if screen not in app.screen_stack:
                assert key in opening.closes, (f"{name} closed on {key!r} (after {typed[-12:-1]}): the keys typed next"
                                               " would land on the screen below")
                screen = await open_it(pilot, probe, kind, opening)
            else:
                above = app.screen_stack[app.screen_stack.index(screen) + 1:]
                assert all(s.is_modal for s in above), f"{name} put {above} over itself"
        await settle(pilot, lambda: probe.handled)
    written = set(events_since(coded_piura, before))
    assert written <= opening.writes, f"{name} wrote {sorted(written - opening.writes)}, which is not its own action"


async def test_no_view_opens_over_a_dialog_not_even_from_the_command_palette(piura):
    from coder.tui.dialogs.search import SearchDialog

    probe = Probe()
    app = app_for(piura)
    async with running(app, size=(80, 24), message_hook=probe) as pilot:
        dialog = await open_it(pilot, probe, SearchDialog, OPENINGS["SearchDialog"])
        commands = {command.title for command in app.get_system_commands(dialog)}
        assert "Cancel" in commands and not commands & {"Agreement", "Reconcile", "Cross-tabs", "Network"}
        await app.run_action("show('reconcile')")  # what the palette's command would run
        await quiet(pilot, lambda: probe.handled)
        assert app.screen is dialog
