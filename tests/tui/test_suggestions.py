"""Keyword suggestions on the coding screen (issue 14, item 7): none on interviewer turns, the `?` mark names the words
that triggered it, `S` dismisses one for good on that passage (a list when there are several), `u` takes it back."""

from __future__ import annotations

import re

from coder import coding
from coder.study import connect_study
from coder.text import fold
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.status_line import StatusLine
from coder.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_close, press_to_open, running, settle, until


def dismissals(study) -> list[tuple[str, int]]:
    db = connect_study(study)
    try:
        return db.execute("SELECT k.name, s.ordinal FROM suggestion_dismissals x JOIN codes k ON k.id = x.code_id"
                          " JOIN segments s ON s.document_id = x.document_id AND s.start = x.start ORDER BY s.ordinal").fetchall()
    finally:
        db.close()


def named(mark: str) -> tuple[str, list[str]]:
    """A `?` mark's code and the words that triggered it: "Enabling «research, trials»" → ("Enabling", [...])."""
    found = re.fullmatch(r"(.+) «(.+)»", mark)
    assert found, mark
    return found[1], found[2].split(", ")


async def test_suggestions_skip_interviewer_turns_name_their_words_and_stay_dismissed(piura):
    app = app_for(piura)
    async with running(app, size=(160, 40)) as pilot:
        screen: CodingScreen = app.screen
        document = app.db.execute("SELECT id FROM documents WHERE name = 'int01'").fetchone()[0]
        screen.open_document(document)
        await settle(pilot)
        await until(pilot, lambda: bool(screen.suggested), "the suggestions")
        marks = lambda: screen.query_one(TranscriptView).marks.suggestions  # read afresh after each key
        passages = {p.ordinal: p for p in screen.document.passages}
        text = lambda ordinal: fold(screen.document.text[passages[ordinal].start:passages[ordinal].end])
        asking = {ordinal for ordinal, p in passages.items() if p.speaker == "INTERVIEWER"}
        assert marks() and asking and not asking & {index + 1 for index in marks()}  # int01 passages 1, 3… ask
        for index, items in marks().items():  # each mark names words that are in its passage
            assert all(fold(word) in text(index + 1) for item in items for word in named(item)[1]), (index, items)
        triggers = {fold(word) for items in marks().values() for item in items for word in named(item)[1]}
        assert any(re.search(rf"\b{re.escape(word)}\b", text(ordinal)) for ordinal in asking for word in triggers)  # left out

        one = min(index for index, items in marks().items() if len(items) == 1)  # the first passage with one suggestion
        [mark] = marks()[one]
        code, words = named(mark)
        screen.go_to(document, one + 1)
        await pilot.pause()
        assert f"suggested: {code} ({', '.join(words)}) — s accepts, S dismisses" in str(screen.query_one(StatusLine).render())
        await pilot.press("S")  # the only suggestion there: dismissed at once
        assert one not in marks() and dismissals(piura) == [(code, one + 1)]
        await pilot.press("u")  # undo brings it back
        assert marks()[one] == [mark] and dismissals(piura) == []
        await pilot.press("S")

        two = min(index for index, items in marks().items() if len(items) == 2)  # S lists them, with their words
        kept, dropped = marks()[two]
        screen.go_to(document, two + 1)
        picker = await press_to_open(pilot, "S", QuickPick)
        groups = {name: coding.find_code(app.db, name).group for name in (named(kept)[0], named(dropped)[0])}
        assert [label for _, label, _ in picker.items] == [f"{groups[name]} / {name} — {', '.join(found)}"
                                                           for name, found in (named(kept), named(dropped))]
        await pilot.press(*named(dropped)[0].split()[0].lower())
        await press_to_close(pilot, "enter", QuickPick)
        assert marks()[two] == [kept]
        assert dismissals(piura) == sorted([(named(dropped)[0], two + 1), (code, one + 1)], key=lambda d: d[1])

    app = app_for(piura)  # dismissed for good: the next session does not suggest them again
    async with running(app, size=(160, 40)) as pilot:
        screen = app.screen
        screen.open_document(document)
        await settle(pilot)
        await until(pilot, lambda: bool(screen.suggested), "the suggestions")
        assert one not in marks() and marks()[two] == [kept]
