"""Memos: a coder's notes on a passage (or any span), a whole document, or a code.

Memos on a single coding live with the coding (`coding.set_coding_memo`); these are the others.
A memo is found again by what it is attached to, so writing one replaces the coder's previous note there.
"""

from __future__ import annotations

from coder.coding import check_version
from coder.db import Database, new_uuid, now
from coder.events import writing


def memo(db: Database, coder_id: int, *, document_id: int | None = None, start: int | None = None,
         end: int | None = None, code_id: int | None = None) -> str | None:
    """The coder's memo on a span, a document (no span) or a code."""
    row = db.execute(
        "SELECT text FROM memos WHERE coder_id = ? AND document_id IS ? AND start IS ? AND end IS ? AND code_id IS ?",
        [coder_id, document_id, start, end, code_id],
    ).fetchone()
    return row[0] if row else None


def set_memo(db: Database, coder_id: int, text: str | None, *, document_id: int | None = None,
             start: int | None = None, end: int | None = None, code_id: int | None = None, version: int | None = None) -> None:
    """Write, replace or (with blank text) delete the coder's memo on a span, document or code.

    Args:
        version: the version of the document's text the span was read from (refused if it changed since).
    """
    text = (text or "").strip() or None
    where = f"document {document_id}" if document_id else f"code {code_id}"
    with writing(db, "memo", coder_id=coder_id, summary=f"memo on {where}") as changes:
        if document_id is not None:
            check_version(db, document_id, version)
        row = db.execute(
            "SELECT id, text FROM memos WHERE coder_id = ? AND document_id IS ? AND start IS ? AND end IS ? AND code_id IS ?",
            [coder_id, document_id, start, end, code_id],
        ).fetchone()
        if row and text is None:
            changes.delete("memos", row[0])
        elif row:
            changes.update("memos", row[0], {"text": text, "updated": now()})
        elif text is not None:
            stamp = now()
            changes.insert("memos", {"uuid": new_uuid(), "coder_id": coder_id, "document_id": document_id, "start": start,
                                     "end": end, "code_id": code_id, "text": text, "created": stamp, "updated": stamp})


def passages_with_memos(db: Database, document_id: int, coder_id: int) -> set[tuple[int, int]]:
    """The spans of a document that carry one of the coder's memos (for a marker on screen)."""
    return {(r[0], r[1]) for r in db.execute(
        "SELECT start, end FROM memos WHERE document_id = ? AND coder_id = ? AND start IS NOT NULL", [document_id, coder_id])}
