"""Choosing who codes: one of the study's coders, or a new one only after saying so, so a typo never becomes a coder."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App

from coder.coding import likely_coder
from coder.tui.dialogs.quick_pick import QuickPick


def choose_coder(app: App, title: str, coders: list[str], chosen: Callable[[str | None], None]) -> None:
    """Ask for a coder; `chosen` gets a coder's name, `new:NAME` for a new coder the researcher confirmed, or None."""

    def picked(answer: str | None) -> None:
        if not answer or not answer.startswith("new:"):
            chosen(answer)
            return
        name = answer.removeprefix("new:")
        question = f"Add '{name}' as a new coder of this study? (its coders: {', '.join(coders) or 'none yet'})"
        close = likely_coder(name, coders)
        meaning = {"typo": close, "add": answer, "cancel": None}
        answers = [("typo", f"no: code as {close} (a typo?)", None)] if close else []  # first: Enter twice adds no typo
        answers += [("add", f"add coder {name}", None), ("cancel", "cancel", None)]
        app.push_screen(QuickPick(question, answers), lambda confirmed: chosen(meaning.get(confirmed or "cancel")))

    app.push_screen(QuickPick(title, [(name, name, None) for name in coders], allow_new="new coder"), picked)
