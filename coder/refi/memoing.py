"""Memos an import brings: Notes and Descriptions, each attached to the span, document or code it is on.

A Note referenced from a coding is that coding's memo (`note_text`, used by the import's codings);
other Notes, and the Descriptions that are memos, become rows of the memos table here. What a
Description is a memo on, and when it only repeats a Note: docs/refi-qda.md, "What an import does".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from coder.coding import CodeRef
from coder.db import Database, new_uuid, now
from coder.refi.descriptions import describe_code
from coder.refi.markup import clean_guid, stable_guid
from coder.refi.model import RefiImportReport, RefiNote, RefiProject
from coder.refi.placing import repeats


def timestamp(value: str | None) -> str | None:
    if not value:
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value


def note_text(note: RefiNote) -> str:
    """A note's text, with its name first when the text does not start with it, and its description last.

    A name counts as the text's start when it is its first words, cut short ("…") or numbered to be unique
    ("Memo (2)", as our export names notes); spaces are compared collapsed, as XML attributes lose them."""
    text = note.text.strip()
    name = (note.name or "").strip()
    stem = " ".join(re.sub(r" \(\d+\)$", "", name).rstrip("…").rstrip(".").split())
    if stem and not " ".join(text.split()).startswith(stem) and not re.fullmatch(r"[0-9a-fA-F-]{36}", name):
        text = f"{name}\n\n{text}" if text else name
    if note.description and note.description.strip() and note.description.strip() not in text:
        text = f"{text}\n\n{note.description.strip()}" if text else note.description.strip()
    return text


def store_memos(db: Database, project: RefiProject, new_codes: set[str], refs: dict[str, CodeRef],
                coder_of: Callable[[str | None], int | None], documents: dict[str, int], report: RefiImportReport) -> None:
    """Notes and descriptions as memos, each attached to its span, document and/or code."""
    places: dict[str, dict[str, Any]] = defaultdict(dict)
    coding_notes = {n for s in project.sources for c in s.codings + [x for y in s.selections for x in y.codings] for n in c.notes}
    for code in project.all_codes():
        for note_guid in code.notes:
            if code.guid in refs:
                places[note_guid].setdefault("code", refs[code.guid].id)
    for source in project.sources:
        document_id = documents.get(source.guid)
        if document_id is None:
            continue
        for note_guid in source.notes:
            places[note_guid].setdefault("document", (document_id, None, None))
        for selection in source.selections:
            for note_guid in selection.notes:
                places[note_guid]["document"] = (document_id, selection.start, selection.end)
    rows: list[tuple[RefiNote, dict[str, Any]]] = []
    for guid, note in project.notes.items():
        if guid in places:
            rows.append((note, places[guid]))
        elif guid not in coding_notes:
            rows.append((note, {}))  # on the project, or referenced from nowhere: a memo on the study
    rows += _description_memos(db, project, new_codes, refs, documents)
    used = {r[0] for r in db.execute("SELECT uuid FROM memos")}
    for note, place in rows:
        text = note_text(note)
        if not text:
            continue
        uuid = clean_guid(note.guid)
        if uuid in used:
            continue
        document_id, start, end = place.get("document", (None, None, None))
        created = timestamp(note.created) or now()
        db.execute("INSERT INTO memos (uuid, coder_id, document_id, start, end, code_id, text, created, updated)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [uuid or new_uuid(), coder_of(note.user), document_id, start, end, place.get("code"), text,
                    created, timestamp(note.updated) or created])
        used.add(uuid)
        report.memos_added += 1


def _description_memos(db: Database, project: RefiProject, new_codes: set[str], refs: dict[str, CodeRef],
                       documents: dict[str, int]) -> list[tuple[RefiNote, dict[str, Any]]]:
    """The Descriptions that are memos: of the project, a source, a selection (ATLAS.ti's quotation comment, QualCoder's
    and MAXQDA's coding memo), and of a code already in the codebook when it says more than the code's definition. A
    Description that only repeats the Notes referenced beside it (our export writes both) is not a second memo."""
    def texts(guids: list[str]) -> list[str]:
        return [project.notes[g].text for g in guids if g in project.notes]

    rows: list[tuple[RefiNote, dict[str, Any]]] = []
    if project.description and not repeats(project.description, texts(project.project_notes)):
        rows.append((RefiNote(stable_guid("description", "project", project.description), None, project.description), {}))
    for source in project.sources:
        document_id = documents.get(source.guid)
        if document_id is None:
            continue
        if source.description and source.description.strip() and not repeats(source.description, texts(source.notes)):
            rows.append((RefiNote(stable_guid("description", source.guid), None, source.description, user=source.user),
                         {"document": (document_id, None, None)}))
        for selection in source.selections:
            beside = selection.notes + [n for c in selection.codings for n in c.notes]
            if selection.description and selection.description.strip() and not repeats(selection.description, texts(beside)):
                guid = stable_guid("description", source.guid, str(selection.guid or selection.start))
                rows.append((RefiNote(guid, None, selection.description, user=selection.user, created=selection.created),
                             {"document": (document_id, selection.start, selection.end)}))
    cursor = db.execute("SELECT * FROM codes")
    columns = [d[0] for d in cursor.description]
    definitions = {row["id"]: describe_code(row) for row in (dict(zip(columns, r)) for r in cursor.fetchall())}
    for code in project.all_codes():
        ref = refs.get(code.guid)
        if ref is None or code.guid in new_codes or not code.description or not code.description.strip():
            continue
        if code.description.strip() != definitions.get(ref.id, "").strip():
            rows.append((RefiNote(stable_guid("description", code.guid, code.description), None, code.description),
                         {"code": ref.id}))
    return rows
