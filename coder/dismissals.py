"""Keyword suggestions a coder turned down, so that they do not come back.

A dismissal belongs to a coder, a passage and a code. It is written when the coder dismisses a
suggestion (`coder.suggest.dismiss_suggestion`) and when the coder removes a code from a passage
(`coder.coding.remove_code`: a code taken off is a code not wanted there). It records the passage's
offsets; a re-import moves it to the passage with the same words (`carry_dismissals`), and a passage
whose words changed lets the suggestion be made again.
Both writes go into the caller's event, so undo takes a dismissal back with the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coder.db import now

if TYPE_CHECKING:
    from coder.db import Database
    from coder.events import Changes

TABLE = "suggestion_dismissals"


def dismiss_in(changes: Changes, document_id: int, code_id: int, coder: int, start: int, end: int, *,
               any_code: bool = False) -> int:
    """Inside an open write: the code is dismissed for the coder on every passage [start, end) touches.

    Only for codes with keywords unless `any_code` (a learned suggestion can be of any code); returns how many
    dismissals are new.
    """
    db = changes.db
    row = db.execute("SELECT keywords FROM codes WHERE id = ?", [code_id]).fetchone()
    if row is None or (not any_code and row[0] in (None, "", "[]")):
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


def carry_dismissals(changes: Changes, document_id: int, old_text: str) -> int:
    """After a re-import (inside it): each dismissal follows its passage's words to the new passage that has exactly
    them (the nearest one, if several do); a passage whose words changed lets its suggestions come back.
    Returns how many dismissals moved."""
    db = changes.db
    rows = db.execute(f"SELECT id, coder_id, code_id, start, end FROM {TABLE} WHERE document_id = ?", [document_id]).fetchall()
    if not rows:
        return 0
    text = db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    places: dict[str, list[tuple[int, int]]] = {}
    for start, end in db.execute("SELECT start, end FROM segments WHERE document_id = ?", [document_id]):
        places.setdefault(text[start:end], []).append((start, end))
    taken = {(coder, code, start, end) for _, coder, code, start, end in rows}
    moved = 0
    for row_id, coder, code, start, end in rows:
        found = places.get(old_text[start:end])
        if not found or (start, end) in found:
            continue
        new_start, new_end = min(found, key=lambda place: abs(place[0] - start))
        if (coder, code, new_start, new_end) in taken:
            continue
        taken.add((coder, code, new_start, new_end))
        changes.update(TABLE, row_id, {"start": new_start, "end": new_end})
        moved += 1
    return moved
