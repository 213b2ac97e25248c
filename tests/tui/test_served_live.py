"""Live together: what another session writes to the study (here a second connection, as another process would) shows
in the workbench within a poll — the documents pane's progress, the open transcript, the agreement figures."""

from __future__ import annotations

from coder.codebook import codebook_tree
from coder.coding import acting_coder, apply_code, find_code
from coder.documents import list_documents, load_document
from coder.study import Study, connect_study
from coder.tui.screens.agreement import AgreementScreen
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.document_list import DocumentList
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_open, running, until


def code_elsewhere(study: Study, coder: str, document_id: int, passages: int = 3) -> None:
    """Another session codes the first passages of a document with the first code (its own connection)."""
    db = connect_study(study)
    try:
        first = codebook_tree(db)[0]
        code = find_code(db, f"{first['group']}/{first['code']}")
        end = load_document(db, document_id).passages[passages - 1].end
        apply_code(db, document_id, code, acting_coder(db, coder), 0, end)
    finally:
        db.close()


async def test_another_sessions_codings_show_in_the_documents_pane_and_the_transcript(piura):
    app = app_for(piura, "ana")
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen.at.document is not None
        pane = screen.query_one(DocumentList)
        document = screen.at.document.info.id
        assert pane.coded[document] == 0
        code_elsewhere(piura, "ana", document)  # the same coder in another browser tab
        await until(pilot, lambda: pane.coded[document] == 3, "the documents pane to show the other session's codings")
        assert screen.index is not None and len(screen.index.codings) == 1  # the open transcript shows them too


async def test_the_agreement_figures_follow_another_coders_work(two_coders_piura):
    app = app_for(two_coders_piura, "ana")
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f2", AgreementScreen)
        await until(pilot, lambda: screen.report is not None, "the agreement figures")
        before = screen.report
        code_elsewhere(two_coders_piura, "ben", list_documents(app.db)[0].id, passages=6)
        await until(pilot, lambda: screen.report is not before, "the agreement figures measured again")
        assert screen.rows
