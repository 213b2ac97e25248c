"""A small hand-made study coded by two coders, for the study-level agreement tests."""

from __future__ import annotations

from coder import coding
from coder.db import new_uuid, now
from coder.events import writing
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW

# INTERVIEW's passages: 1 = [13, 74), 2 = [88, 276), 3 = [291, 308), 4 = [322, 426);
# its sentences: [13,74) [88,109) [110,151) [152,196) [198,276) [291,308) [322,365) [366,426).


def coded_study(make_study, extra_documents: dict[str, str] | None = None):
    documents = {"int01.md": INTERVIEW, "int02.md": INTERVIEW.replace("id: int01", "id: int02"),
                 "int03.md": INTERVIEW.replace("id: int01", "id: int03"), **(extra_documents or {})}
    study = make_study(documents=documents)
    db = connect_study(study)
    refresh_study(study, db)
    ana, ben = coding.add_coder(db, "ana"), coding.add_coder(db, "ben")
    doc1, doc2 = coding.find_document(db, "int01"), coding.find_document(db, "int02")
    code = {name: coding.find_code(db, name) for name in ("Accessing", "Diffusing", "Phase 1", "Phase 2", "Phase 3")}
    plan = [
        (ana, doc1, "Accessing", 13, 74), (ana, doc1, "Accessing", 88, 100),  # passage 1 whole, 12 characters of passage 2
        (ben, doc1, "Accessing", 20, 40), (ben, doc1, "Accessing", 322, 426),  # a third of passage 1, passage 4 whole
        (ana, doc1, "Diffusing", 291, 308), (ben, doc1, "Diffusing", 291, 308),
        (ana, doc1, "Phase 1", 13, 74), (ana, doc1, "Phase 2", 88, 276),
        (ben, doc1, "Phase 1", 13, 74), (ben, doc1, "Phase 1", 88, 276),
        (ana, doc1, "Phase 2", 340, 426),  # passage 4: mostly Phase 2 (and Phase 3 below)
        (ana, doc2, "Accessing", 13, 74),  # int02: only ana has worked on it; int03: nobody
    ]
    for who, doc, name, start, end in plan:
        coding.apply_code(db, doc, code[name], who, start, end)
    legacy_coding(db, ana, doc1, code["Phase 3"], 322, 340)
    return study, db


def legacy_coding(db, coder: int, document: int, code: coding.CodeRef, start: int, end: int) -> None:
    """A second phase in one passage, as a study coded before the one-code-per-passage rule may hold (the
    agreement must still read it: the passage's phase is the one covering most of it)."""
    text = db.execute("SELECT text FROM documents WHERE id = ?", [document]).fetchone()[0]
    with writing(db, "code", coder_id=coder, summary="a coding from before the rule") as changes:
        changes.insert("codings", {"uuid": new_uuid(), "document_id": document, "code_id": code.id, "coder_id": coder,
                                   "start": start, "end": end, "quote": text[start:end], "prefix": text[max(start - 32, 0):start],
                                   "suffix": text[end:end + 32], "memo": None, "status": "ok", "created": now(), "updated": now()})
