"""Helpers for the tests of the views over the coding screen (cross-tabs, network, export)."""

from __future__ import annotations

from coder.coding import add_coder, apply_code, find_code, find_document, passage_span
from coder.study import Study, connect_study


def code(study: Study, coder: str, document: str, passages: list[int], *codes: str) -> None:
    """Code whole passages of a document with each of the codes."""
    db = connect_study(study)
    try:
        who, document_id = add_coder(db, coder), find_document(db, document)
        for passage in passages:
            start, end = passage_span(db, document_id, passage)
            for name in codes:
                apply_code(db, document_id, find_code(db, name), who, start, end)
    finally:
        db.close()


def events_since(study: Study, after: int = 0) -> list[str]:
    """The actions the events log recorded after event `after`, in order."""
    db = connect_study(study)
    try:
        return [r[0] for r in db.execute("SELECT action FROM events WHERE id > ? ORDER BY id", [after])]
    finally:
        db.close()


def last_event(study: Study) -> int:
    db = connect_study(study)
    try:
        return db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    finally:
        db.close()
