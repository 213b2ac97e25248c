"""Who codes what: documents assigned to coders, and marked done by each.

A row of `assignments` gives a document to a coder; its `done` time says the coder finished it.
Marking a document done that was never assigned assigns it too (the coder took it on). Agreement
reads these rows: by default it compares the documents every compared coder marked done, and a
coder counts as having coded nothing — not as missing — in a document assigned to them
(`coder.agreement.data`). Each write is one transaction and one undoable event.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coder.coding import find_document
from coder.db import now
from coder.errors import CoderError
from coder.events import writing

if TYPE_CHECKING:
    from coder.db import Database

TABLE = "assignments"


@dataclass(frozen=True)
class Assignment:
    document: str
    coder: str
    assigned: str
    done: str | None


@dataclass(frozen=True)
class CoderWork:
    """A coder's assigned documents and how many of them they marked done."""

    assigned: int
    done: int


def documents_matching(db: Database, names: Sequence[str]) -> list[int]:
    """The ids of documents named, or matched by a shell pattern (`int-2024-*`), each once, in the order named."""
    every = None
    found: list[int] = []
    for name in names:
        if any(mark in name for mark in "*?["):
            every = every or [(r[0], r[1]) for r in db.execute("SELECT id, name FROM documents ORDER BY name")]
            matched = [d for d, n in every if fnmatch.fnmatchcase(n, name)]
            if not matched:
                raise CoderError(f"no document matches '{name}'", fix="use a document's name, or a pattern that matches some (int*)")
            found += matched
        else:
            found.append(find_document(db, name))
    return list(dict.fromkeys(found))


def _named(db: Database, documents: Sequence[int]) -> str:
    """The documents for an event's summary: their names when few, else how many."""
    if len(documents) > 3:
        return f"{len(documents)} documents"
    return ", ".join(db.execute("SELECT name FROM documents WHERE id = ?", [d]).fetchone()[0] for d in documents)


def _rows(db: Database, documents: Iterable[int], coders: Iterable[int]) -> dict[tuple[int, int], tuple[int, str | None]]:
    """(document, coder) → (row id, done) of the existing rows among these documents and coders."""
    docs, people = sorted(set(documents)), sorted(set(coders))
    if not docs or not people:
        return {}
    rows = db.execute(f"SELECT document_id, coder_id, id, done FROM {TABLE} WHERE document_id IN ({','.join('?' * len(docs))})"
                      f" AND coder_id IN ({','.join('?' * len(people))})", [*docs, *people])
    return {(d, c): (i, done) for d, c, i, done in rows}


def assign(db: Database, documents: Sequence[int], coders: Sequence[int], *, by: int | None) -> int:
    """Give every document to every coder (those already theirs stay as they are); returns how many are new."""
    with writing(db, "assign", coder_id=by, summary=f"assigned {_named(db, documents)} to {len(coders)} coder(s)") as changes:
        have = _rows(db, documents, coders)
        stamp = now()
        new = [(d, c) for d in documents for c in coders if (d, c) not in have]
        for d, c in new:
            changes.insert(TABLE, {"document_id": d, "coder_id": c, "assigned": stamp, "done": None})
    return len(new)


def unassign(db: Database, documents: Sequence[int], coders: Sequence[int], *, by: int | None) -> int:
    """Take the documents back from the coders (their done marks go too; their codings stay); returns how many."""
    with writing(db, "unassign", coder_id=by, summary=f"took {_named(db, documents)} back from {len(coders)} coder(s)") as changes:
        have = _rows(db, documents, coders)
        for row_id, _ in have.values():
            changes.delete(TABLE, row_id)
    return len(have)


def mark_done(db: Database, documents: Sequence[int], coders: Sequence[int], *, done: bool = True, by: int | None) -> int:
    """Mark the documents done (or not done) by each coder, assigning them first where needed; returns how many changed."""
    action = "mark_done" if done else "mark_not_done"
    changed = 0
    with writing(db, action, coder_id=by, summary=f"{_named(db, documents)} {'done' if done else 'not done'}") as changes:
        have = _rows(db, documents, coders)
        stamp = now()
        for d in documents:
            for c in coders:
                row = have.get((d, c))
                if row is None and done:
                    changes.insert(TABLE, {"document_id": d, "coder_id": c, "assigned": stamp, "done": stamp})
                elif row is not None and (row[1] is None) == done:
                    changes.update(TABLE, row[0], {"done": stamp if done else None})
                else:
                    continue
                changed += 1
    return changed


def toggle_done(db: Database, document_id: int, coder: int) -> bool:
    """Mark the document done by the coder, or not done if it was; True when it is done now."""
    done = document_id not in finished(db, [coder]).get(coder, set())
    mark_done(db, [document_id], [coder], done=done, by=coder)
    return done


def assignment_list(db: Database, coders: Sequence[int] | None = None) -> list[Assignment]:
    """Every assignment (or the coders'), by document and coder."""
    where = f" WHERE a.coder_id IN ({','.join('?' * len(coders))})" if coders else ""
    rows = db.execute(f"SELECT d.name, r.name, a.assigned, a.done FROM {TABLE} a JOIN documents d ON d.id = a.document_id"
                      f" JOIN coders r ON r.id = a.coder_id{where} ORDER BY d.name, r.name", list(coders or ()))
    return [Assignment(*row) for row in rows]


def assigned_pairs(db: Database) -> set[tuple[int, int]]:
    """(document, coder) of every assignment, done or not: where a coder is to code (no codings there = coded nothing)."""
    return {(d, c) for d, c in db.execute(f"SELECT document_id, coder_id FROM {TABLE}")}


def finished(db: Database, coders: Sequence[int]) -> dict[int, set[int]]:
    """Per coder: the documents they marked done (coders with none are left out)."""
    found: dict[int, set[int]] = {}
    if coders:
        for d, c in db.execute(f"SELECT document_id, coder_id FROM {TABLE} WHERE done IS NOT NULL"
                               f" AND coder_id IN ({','.join('?' * len(coders))})", list(coders)):
            found.setdefault(c, set()).add(d)
    return found


def work_by_coder(db: Database) -> dict[str, CoderWork]:
    """Per coder name: documents assigned and documents done — the progress `coder status` shows."""
    return {name: CoderWork(assigned, done) for name, assigned, done in db.execute(
        f"SELECT r.name, count(*), count(a.done) FROM {TABLE} a JOIN coders r ON r.id = a.coder_id GROUP BY r.id")}


def document_marks(db: Database, coder: int) -> dict[int, str]:
    """Per document given to the coder: 'done' or 'assigned' — the marks of the documents pane."""
    return {d: "done" if done else "assigned" for d, done in db.execute(
        f"SELECT document_id, done FROM {TABLE} WHERE coder_id = ?", [coder])}
