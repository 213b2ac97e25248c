"""Keyword suggestions a coder turned down, so that they do not come back.

A dismissal belongs to a coder, a passage and a code. It is written when the coder dismisses a
suggestion (`coder.suggest.dismiss_suggestion`) and when the coder removes a code from a passage
(`coder.coding.remove_code`: a code taken off is a code not wanted there). It records the passage's
offsets: a re-import that moves the passage lets the suggestion be made again on the new text.
Both writes go into the caller's event, so undo takes a dismissal back with the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coder.db import now

if TYPE_CHECKING:
    from coder.db import Database
    from coder.events import Changes

TABLE = "suggestion_dismissals"


def dismiss_in(changes: Changes, document_id: int, code_id: int, coder: int, start: int, end: int) -> int:
    """Inside an open write: the code is dismissed for the coder on every passage [start, end) touches.

    Only for codes with keywords (no other code is ever suggested); returns how many dismissals are new.
    """
    db = changes.db
    row = db.execute("SELECT keywords FROM codes WHERE id = ?", [code_id]).fetchone()
    if row is None or row[0] in (None, "", "[]"):
        return 0
    added = 0
    for s_start, s_end in db.execute("SELECT start, end FROM segments WHERE document_id = ? AND start < ? AND end > ?",
                                     [document_id, max(end, start + 1), start]).fetchall():
        known = db.execute(f"SELECT 1 FROM {TABLE} WHERE coder_id = ? AND document_id = ? AND code_id = ? AND start = ? AND end = ?",
                           [coder, document_id, code_id, s_start, s_end]).fetchone()
        if known is None:
            changes.insert(TABLE, {"coder_id": coder, "document_id": document_id, "code_id": code_id, "start": s_start,
                                   "end": s_end, "created": now()})
            added += 1
    return added


def dismissed(db: Database, document_id: int, coder: int) -> set[tuple[int, int]]:
    """(passage ordinal, code id) the coder turned down in a document, for passages still where they were."""
    return {(r[0], r[1]) for r in db.execute(
        f"SELECT s.ordinal, x.code_id FROM {TABLE} x JOIN segments s ON s.document_id = x.document_id AND s.start = x.start"
        " AND s.end = x.end WHERE x.coder_id = ? AND x.document_id = ?", [coder, document_id])}
