"""Keyword suggestions on the coding screen (issue 14, item 7): none on interviewer turns, the `?` mark names the words
that triggered it, `S` dismisses one for good on that passage (a list when there are several), `u` takes it back."""

from __future__ import annotations

from coder.study import connect_study
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


async def test_suggestions_skip_interviewer_turns_name_their_words_and_stay_dismissed(piura):
    app = app_for(piura)
    async with running(app, size=(160, 40)) as pilot:
        screen: CodingScreen = app.screen
        document = app.db.execute("SELECT id FROM documents WHERE name = 'int01'").fetchone()[0]
        screen.open_document(document)
        await settle(pilot)
        await until(pilot, lambda: bool(screen.suggested), "the suggestions")
        marks = lambda: screen.query_one(TranscriptView).marks.suggestions  # read afresh after each key
        speakers = {p.ordinal: p.speaker for p in screen.document.passages}
        assert marks() and all(speakers[index + 1] == "RESPONDENT" for index in marks())  # int01 passages 1, 11… ask
        assert marks()[9] == ["Phase 3 new knowledge «Asia»"]  # passage 10: one suggestion, and the word that triggered it

        screen.go_to(document, 10)
        await pilot.pause()
        assert "suggested: Phase 3 new knowledge (Asia) — s accepts, S dismisses" in str(screen.query_one(StatusLine).render())
        await pilot.press("S")  # the only suggestion there: dismissed at once
        assert 9 not in marks() and dismissals(piura) == [("Phase 3 new knowledge", 10)]
        await pilot.press("u")  # undo brings it back
        assert marks()[9] == ["Phase 3 new knowledge «Asia»"] and dismissals(piura) == []
        await pilot.press("S")

        screen.go_to(document, 2)  # two suggestions: S lists them, with their words, to choose the one to dismiss
        assert len(marks()[1]) == 2
        picker = await press_to_open(pilot, "S", QuickPick)
        assert [label for _, label, _ in picker.items] == ["function / Legitimising practices — standards",
                                                           "function / Enabling — research"]
        await pilot.press(*"enabling")
        await press_to_close(pilot, "enter", QuickPick)
        assert marks()[1] == ["Legitimising practices «standards»"]
        assert dismissals(piura) == [("Enabling", 2), ("Phase 3 new knowledge", 10)]

    app = app_for(piura)  # dismissed for good: the next session does not suggest them again
    async with running(app, size=(160, 40)) as pilot:
        screen = app.screen
        screen.open_document(document)
        await settle(pilot)
        await until(pilot, lambda: bool(screen.suggested), "the suggestions")
        assert 9 not in marks() and marks()[1] == ["Legitimising practices «standards»"]
