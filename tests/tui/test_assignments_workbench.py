"""Who codes what in the workbench: `a` in the documents pane takes a document on or gives it back, `D` marks the
open one done; the pane shows the coder's marks, and undo takes a mark back."""

from __future__ import annotations

from coder import assignments, coding
from coder.study import Study, connect_study
from coder.tui.widgets.document_list import DocumentList
from tests.tui.conftest import app_for
from tests.tui.waiting import running, until


def marks(study: Study, coder: str = "ana") -> dict[str, str]:
    db = connect_study(study)
    try:
        names = dict(db.execute("SELECT id, name FROM documents"))
        return {names[d]: mark for d, mark in assignments.document_marks(db, coding.coder_id(db, coder)).items()}
    finally:
        db.close()


def row(app, name: str) -> str:
    pane = app.screen.query_one(DocumentList)
    return next(str(pane.get_option_at_index(i).prompt) for i in range(pane.option_count)
                if str(pane.get_option_at_index(i).prompt).startswith(name))


async def test_workbench_marks_the_open_document_done_and_undoes_it(piura):
    app = app_for(piura)
    async with running(app, size=(130, 30)) as pilot:
        assert not {"✓", "•"} & set(row(app, "cong01"))  # nothing assigned: the row as before
        await pilot.press("D")
        assert marks(piura) == {"cong01": "done"}
        assert "✓" in row(app, "cong01")
        assert "cong01 done · 1 of 1 documents done" in str(app.screen.query_one("#status").render())
        await pilot.press("D")  # again: not done, still hers
        assert marks(piura) == {"cong01": "assigned"} and "•" in row(app, "cong01")
        await pilot.press("u")  # undo: done again
        await until(pilot, lambda: "✓" in row(app, "cong01"), "the done mark back after undo")
        assert marks(piura) == {"cong01": "done"}


async def test_workbench_takes_a_document_on_and_gives_it_back_from_the_documents_pane(piura):
    app = app_for(piura)
    async with running(app, size=(130, 30)) as pilot:
        await pilot.press("ctrl+d", "down", "a")
        assert marks(piura) == {"cong02": "assigned"} and "•" in row(app, "cong02")
        await pilot.press("a")
        assert marks(piura) == {} and "•" not in row(app, "cong02")
        assert app.screen.focused is app.screen.query_one(DocumentList)  # the pane keeps the keys


async def test_workbench_shows_the_marks_of_the_coder_who_is_coding(piura):
    db = connect_study(piura)
    ben = coding.add_coder(db, "ben")
    assignments.assign(db, [coding.find_document(db, "int01")], [ben], by=ben)
    assignments.mark_done(db, [coding.find_document(db, "int02")], [coding.add_coder(db, "ana")], by=None)
    db.close()
    app = app_for(piura)
    async with running(app, size=(130, 30)):
        assert "✓" in row(app, "int02") and "•" not in row(app, "int01")  # ana's marks, not ben's
    app = app_for(piura, "ben")
    async with running(app, size=(130, 30)):
        assert "•" in row(app, "int01") and "✓" not in row(app, "int02")
