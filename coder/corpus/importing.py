"""Importing transcripts into the study: documents, passages, sentences and organisation mentions.

A document's text is stored whole with its sha256, cut into passages (`coder.corpus.passages`),
each with its sentences and the organisations mentioned in it. Import is all or nothing: one
transaction writes every file, and a file that cannot be imported rolls it back. An updated document
keeps its previous version, and its codings and memos are re-anchored to the new text.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coder import nlp
from coder.codebook import Codebook
from coder.corpus.passages import Passage
from coder.corpus.preparing import Plan, Prepared, annotate, prepared, worth_workers
from coder.corpus.readers import DEFAULT_LANGUAGE, ParsedDocument
from coder.db import Database, inserted_id, new_uuid, now, reading, transaction
from coder.dismissals import carry_dismissals
from coder.errors import CoderError
from coder.events import Changes, log_event

Progress = Callable[[int, int], object]  # called with (done, total); what it returns is ignored


@dataclass
class ImportReport:
    """What an import did, by document name, with the totals it stored."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # changed on disk, left as they were (needs --update)
    words: int = 0
    passages: int = 0
    mentions: int = 0
    placements: list[Any] = field(default_factory=list)  # reanchor.Placement of each coding and memo of updated documents

    @property
    def needs_review(self) -> list[Any]:
        """Codings and memos of updated documents that could not be placed exactly."""
        return [p for p in self.placements if p.needs_review]

    @property
    def relocated(self) -> list[Any]:
        """Codings and memos found again by their quote somewhere else (a moved turn)."""
        return [p for p in self.placements if p.outcome == "relocated"]


def organisation_spellings(codebook: Codebook | None) -> list[nlp.Spelling]:
    """Every name and alias of the codebook's organisations, as mention-finding looks for them."""
    if codebook is None:
        return []
    return [nlp.Spelling(o.name, s, o.match_case) for o in codebook.organisations for s in o.spellings()]


def import_documents(
    db: Database,
    files: Iterable[Path],
    codebook: Codebook | None,
    *,
    root: Path | None = None,
    update: bool = False,
    progress: Progress | None = None,
    cancelled: threading.Event | None = None,
    before_writing: Callable[[], object] | None = None,
    parallel: bool | None = None,
) -> ImportReport:
    """Import transcript files: new ones are added, unchanged ones skipped, changed ones only with `update`.

    An updated document keeps its previous version in `document_versions`, and its codings and
    memos are re-anchored to the new text (coder.reanchor), all in the import's one transaction.
    Files are written as they are prepared (coder.corpus.preparing), so memory stays flat; a file
    that cannot be imported stops the writing and rolls the transaction back once every file is checked.

    Args:
        root: paths are stored relative to this folder (the study), so the study can move.
        update: re-import files whose content changed, re-anchoring their codings.
        before_writing: called once before anything is written (the study makes its backup there).
        parallel: prepare the files in worker processes; by default when there is enough text to pay for them.
    """
    files = list(files)
    spellings = tuple(organisation_spellings(codebook))
    plan = Plan(spellings, dict(db.execute("SELECT name, sha256 FROM documents").fetchall()), update)
    items = [(path, _display(path, root)) for path in files]
    report = ImportReport()
    seen: dict[str, str] = {}
    problems: list[str] = []
    started = False
    with ExitStack() as writing:
        stream = writing.enter_context(closing(prepared(items, plan, parallel=worth_workers(files) if parallel is None else parallel)))
        for number, item in enumerate(stream, 1):
            if cancelled is not None and cancelled.is_set():
                raise CoderError("import cancelled; nothing was written")
            if progress:
                progress(number, len(files))
            problem = item.problem or _clash(db, item, seen, root)
            if problem:
                problems.append(problem)
            if problems:  # nothing more is written: every file is still checked, then the transaction is rolled back
                continue
            assert item.document is not None
            document = item.document
            row = _stored(db, document.name)
            if not started and not (row and (row[1] == document.sha256 or not update)):
                if before_writing is not None:
                    before_writing()
                writing.enter_context(transaction(db))
                started = True
                row = _stored(db, document.name)  # another coder's session may have imported it while this one waited
            if row and row[1] == document.sha256:
                report.unchanged.append(document.name)
            elif row and not update:
                report.changed.append(document.name)
            else:
                notes = item.notes if item.notes is not None else annotate(document, spellings, item.where)
                _write(db, document, row[0] if row else None, notes, root, report)
        if problems:
            raise CoderError("\n".join(problems))
        if started:
            log_event(db, "import", coder_id=None,
                      summary=f"imported {len(report.added)} new and {len(report.updated)} updated documents")
    return report


def _stored(db: Database, name: str) -> tuple[int, str] | None:
    """The id and sha256 of the study's document of that name (under the write lock once the import writes)."""
    row = db.execute("SELECT id, sha256 FROM documents WHERE name = ?", [name]).fetchone()
    return (row[0], row[1]) if row else None


def _clash(db: Database, item: Prepared, seen: dict[str, str], root: Path | None) -> str | None:
    """The problem when a file's document id is already another file's, in this import or in the study."""
    assert item.document is not None
    name = item.document.name
    if name in seen:
        return f"{item.where}: document id '{name}' is already used by {seen[name]} — fix: give each document its own id: in its header"
    seen[name] = item.where
    row = db.execute("SELECT path FROM documents WHERE name = ?", [name]).fetchone()
    if row and row[0] and row[0] != item.where and root is not None and (root / row[0]).is_file():
        return f"{item.where}: document id '{name}' is already used by {row[0]} — fix: give each document its own id: in its header"
    return None


def _write(db: Database, document: ParsedDocument, existing_id: int | None, notes: list[nlp.Annotation], root: Path | None,
           report: ImportReport) -> None:
    """Store one document (keeping and re-anchoring its previous version) and count it in the report."""
    old_text = _keep_version(db, existing_id) if existing_id else None
    _store(db, document, existing_id, notes, root)
    if existing_id and old_text is not None:
        report.placements.extend(_reanchor(db, existing_id, document, old_text))
        _carry_dismissals(db, existing_id, document.name, old_text)
    (report.updated if existing_id else report.added).append(document.name)
    report.words += document.words
    report.passages += len(document.passages)
    report.mentions += sum(len(n.mentions) for n in notes)


def _display(path: Path, root: Path | None) -> str:
    try:
        return path.relative_to(root).as_posix() if root else str(path)
    except ValueError:
        return str(path)


def _keep_version(db: Database, document_id: int) -> str:
    """Copy a document's current version into `document_versions` before it is replaced; returns its text."""
    db.execute(
        "INSERT INTO document_versions (document_id, version, path, sha256, text, attributes, imported, replaced)"
        " SELECT id, version, path, sha256, text, attributes, imported, ? FROM documents WHERE id = ?",
        [now(), document_id],
    )
    return db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]


def _reanchor(db: Database, document_id: int, document: ParsedDocument, old_text: str) -> list[Any]:
    """Move the codings and memos of an updated document onto its new text, logged as one event."""
    from coder.reanchor import reanchor_document  # difflib; only when a coded transcript changed

    changes = Changes(db)
    placements = reanchor_document(changes, document_id, document.name, old_text, document.text)
    if placements:
        counts: dict[str, int] = {}
        for placement in placements:
            counts[placement.outcome] = counts.get(placement.outcome, 0) + 1
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        log_event(db, "reanchor", coder_id=None, summary=f"re-anchored {document.name}: {summary}", ops=changes.ops)
    return placements


def _carry_dismissals(db: Database, document_id: int, name: str, old_text: str) -> None:
    """Suggestions a coder dismissed stay dismissed on the passages that kept their words (one logged event)."""
    changes = Changes(db)
    moved = carry_dismissals(changes, document_id, old_text)
    if moved:
        log_event(db, "carry_dismissals", coder_id=None, summary=f"re-anchored {name}: {moved} dismissed suggestion{'s' * (moved != 1)}",
                  ops=changes.ops)


def _store(db: Database, document: ParsedDocument, existing_id: int | None, notes: list[nlp.Annotation], root: Path | None) -> None:
    attributes = json.dumps(document.attributes, ensure_ascii=False, default=str)
    values = {
        "title": str(document.attributes.get("title") or document.name), "kind": document.attributes.get("kind"),
        "path": _display(document.path, root), "sha256": document.sha256, "text": document.text,
        "language": document.language, "attributes": attributes, "words": document.words,
        "body_line": document.body_line, "imported": now(),
    }
    if existing_id:
        for table in ("segments", "sentences", "mentions"):
            db.execute(f"DELETE FROM {table} WHERE document_id = ?", [existing_id])
        db.execute("DELETE FROM passages_fts WHERE document_id = ?", [existing_id])
        sets = ", ".join(f"[{k}] = :{k}" for k in values)
        db.execute(f"UPDATE documents SET {sets}, version = version + 1 WHERE id = :id", {**values, "id": existing_id})
        document_id = existing_id
    else:
        columns = ", ".join(f"[{k}]" for k in ("uuid", "name", *values))
        marks = ", ".join(f":{k}" for k in ("uuid", "name", *values))
        document_id = inserted_id(db.execute(f"INSERT INTO documents ({columns}) VALUES ({marks})",
                                             {"uuid": new_uuid(), "name": document.name, **values}))
    store_passages(db, document_id, document.text, document.passages, notes)


def store_passages(db: Database, document_id: int, text: str, passages: list[Passage], notes: list[nlp.Annotation]) -> None:
    """Write a document's passages with their sentences, mentions and search index rows."""
    org_ids = dict(db.execute("SELECT name, id FROM organisations").fetchall())
    next_id = (db.execute("SELECT max(id) FROM segments").fetchone()[0] or 0) + 1
    segments: list[tuple[int, int, int, int, int, str | None, str]] = []
    sentences: list[tuple[int, int, int, int, int]] = []
    mentions: list[tuple[int, int, int, int, str]] = []
    search: list[tuple[int, str, int]] = []
    for ordinal, (passage, note) in enumerate(zip(passages, notes), 1):
        segment_id = next_id + ordinal - 1
        segments.append((segment_id, document_id, ordinal, passage.start, passage.end, passage.speaker,
                         json.dumps(passage.attributes) if passage.attributes else "{}"))
        search.append((segment_id, text[passage.start : passage.end], document_id))
        sentences.extend((document_id, segment_id, n, passage.start + s, passage.start + e)
                         for n, (s, e) in enumerate(note.sentences, 1))
        mentions.extend((document_id, org_ids[org], passage.start + s, passage.start + e, text[passage.start + s : passage.start + e])
                        for s, e, org in note.mentions if org in org_ids)
    db.conn.executemany("INSERT INTO segments (id, document_id, ordinal, start, end, speaker, attributes)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)", segments)
    db.conn.executemany("INSERT INTO sentences (document_id, segment_id, ordinal, start, end) VALUES (?, ?, ?, ?, ?)", sentences)
    db.conn.executemany("INSERT INTO mentions (document_id, organisation_id, start, end, text) VALUES (?, ?, ?, ?, ?)", mentions)
    db.conn.executemany("INSERT INTO passages_fts (rowid, text, document_id) VALUES (?, ?, ?)", search)


def refresh_mentions(db: Database, codebook: Codebook, progress: Progress | None = None) -> int:
    """Find organisation mentions again in every document (after the organisations file changed).

    They are found before the write lock is taken (the slow part); under it, a document re-imported or added
    meanwhile is searched again, so no mention is written with offsets of a text that is gone.
    """
    spellings = organisation_spellings(codebook)
    with reading(db):
        versions = db.execute("SELECT id, version FROM documents ORDER BY id").fetchall()
        found = {}
        for number, (document_id, version) in enumerate(versions, 1):
            found[document_id, version] = _mentions_in(db, document_id, spellings)
            if progress:
                progress(number, len(versions))
    written = 0
    with transaction(db):
        org_ids = dict(db.execute("SELECT name, id FROM organisations").fetchall())
        db.execute("DELETE FROM mentions")
        for document_id, version in db.execute("SELECT id, version FROM documents ORDER BY id").fetchall():
            mentions = found[document_id, version] if (document_id, version) in found else _mentions_in(db, document_id, spellings)
            rows = [(document_id, org_ids[org], start, end, text) for start, end, text, org in mentions if org in org_ids]
            db.conn.executemany("INSERT INTO mentions (document_id, organisation_id, start, end, text) VALUES (?, ?, ?, ?, ?)", rows)
            written += len(rows)
        log_event(db, "refresh_mentions", coder_id=None, summary=f"found {written} organisation mentions again")
    return written


def _mentions_in(db: Database, document_id: int, spellings: list[nlp.Spelling]) -> list[tuple[int, int, str, str]]:
    """The organisations a document mentions: (start, end, text, organisation name)."""
    text, language = db.execute("SELECT text, language FROM documents WHERE id = ?", [document_id]).fetchone()
    spans = db.execute("SELECT start, end FROM segments WHERE document_id = ? ORDER BY ordinal", [document_id]).fetchall()
    notes = nlp.annotate((text[s:e] for s, e in spans), language or DEFAULT_LANGUAGE, spellings)
    return [(start + s, start + e, text[start + s : start + e], org)
            for (start, _), note in zip(spans, notes) for s, e, org in note.mentions]
