"""Live together: what another session writes to the study (here a second connection, as another process would) shows
in the workbench within a poll — the documents pane's progress, the open transcript, the agreement figures, the
reconcile queue's decisions."""

from __future__ import annotations

from coder import reconcile
from coder.codebook import codebook_tree
from coder.coding import acting_coder, apply_code, find_code
from coder.documents import list_documents, load_document
from coder.served import own_writes
from coder.study import Study, connect_study
from coder.tui.screens.agreement import AgreementScreen
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.reconcile import ReconcileScreen
from coder.tui.widgets.document_list import DocumentList
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_open, running, settle, until


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
        screen.show_changes(own_writes(app.db) - 1, {document: 99}, {}, {})  # read before the coder's last write: stale
        assert pane.coded[document] == 3
        await settle(pilot)
        assert pane.coded[document] == 3  # read again, as it is


async def test_the_agreement_figures_follow_another_coders_work(two_coders_piura):
    app = app_for(two_coders_piura, "ana")
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f2", AgreementScreen)
        await until(pilot, lambda: screen.report is not None, "the agreement figures")
        before = screen.report
        code_elsewhere(two_coders_piura, "ben", list_documents(app.db)[0].id, passages=6)
        await until(pilot, lambda: screen.report is not before, "the agreement figures measured again")
        assert screen.rows


async def test_the_reconcile_queue_counts_another_leads_decisions(two_coders_piura):
    app = app_for(two_coders_piura, "ana")
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f3", ReconcileScreen)
        title = screen.query_one("#rec-title")
        await until(pilot, lambda: " 0 decided" in str(title.render()), "the queue shown")
        db = connect_study(two_coders_piura)  # another lead decides the first unit, in another session
        try:
            queue = reconcile.open_queue(db)
            assert queue.current is not None
            reconcile.decide(db, queue, queue.current, "drop")
        finally:
            db.close()
        await until(pilot, lambda: " 1 decided" in str(title.render()), "the other lead's decision counted")
