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

