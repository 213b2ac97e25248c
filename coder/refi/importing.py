"""Importing a REFI-QDA project (`.qdpx`) or codebook (`.qdc`) from another tool into the current study.

Everything is read and checked first (`reading`), the new codes are added to
`codebook/codebook.yaml` (the codebook's source of truth) and checked, the documents are cut into
passages; only then does one transaction write codes, coders, documents, codings and memos,
through the same functions coding uses, and log one `import_refi` event. A project with bad parts
is refused, or with `skip_bad` imported without them (`skipping`). The YAML file is put
in place as the last step of that transaction and restored if the commit fails, so a refused
or failed import leaves the study as it was.

How REFI-QDA maps onto a study (docs/refi-qda.md): a top-level code that is not codable becomes
a code group (this is how our own export writes groups); codable top-level codes go into one
group (`imported` unless told otherwise); names are made unique within a group; Users become
coders, TextSources documents, PlainTextSelection codings codings, Notes and Descriptions memos
(`memoing`), Case and source variables document attributes. Sets are kept in the study's settings.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from coder import nlp
from coder.bulk import Arrival, apply_many
from coder.codebook import HEX_COLOUR, RESERVED_KEYS, Code, Codebook, Group, add_codes, codebook_is_current, sync_codebook
from coder.coding import CodeRef, exclusive_rival, passage_extent
from coder.corpus import DEFAULT_LANGUAGE, cut_passages, organisation_spellings, store_passages
from coder.db import Database, inserted_id, new_uuid, now, set_setting, transaction
from coder.errors import CoderError
from coder.events import log_event
from coder.exports.files import Progress
from coder.limits import LIMITS, Limits, too_big
from coder.refi.descriptions import parse_description, parse_group_description
from coder.refi.memoing import note_text, store_memos, timestamp
from coder.refi.model import BadPart, RefiCode, RefiImportReport, RefiProject, RefiSource
from coder.refi.reading import read_refi
from coder.refi.skipping import SKIP_FIX, check_codes, settle
from coder.study import Study, backup_if_coded

DEFAULT_GROUP = "imported"
FALLBACK_CODER = "imported"
DOCUMENT_EXTENSIONS = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf", ".md")


@dataclass
class _Plan:
    """Where each REFI code goes in the codebook."""

    paths: dict[str, tuple[str, str]] = field(default_factory=dict)  # guid → (group, name)
    groups: list[Group] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    guids: dict[tuple[str, str], str] = field(default_factory=dict)  # new code → its REFI GUID


@dataclass
class _Document:
    source: RefiSource
    name: str
    attributes: dict[str, Any]
    language: str
    passages: list[Any]
    notes: list[Any]
    existing: int | None = None


def import_refi(
    db: Database,
    study: Study,
    path: Path | str,
    *,
    group: str = DEFAULT_GROUP,
    limits: Limits = LIMITS,
    progress: Progress | None = None,
    skip_bad: bool = False,
) -> RefiImportReport:
    """Import a `.qdpx` project or `.qdc` codebook into the study; all or nothing.

    Args:
        group: the code group that receives codable top-level codes.
        skip_bad: import the rest of a project with bad parts (`skipping`), listing them, instead of refusing it.
        limits: the budget the file is read against (`coder.limits`; tests pass small ones).
    """
    path = Path(path)
    project = read_refi(path, limits=limits)
    report = RefiImportReport(file=path.name, origin=project.origin, warnings=list(project.warnings))
    report.codes_read = len(project.all_codes())
    report.codings_read = project.codings() + sum(bad.codings for bad in project.bad)
    report.codings_skipped = project.skipped_codings
    codebook = study.load_codebook()
    plan = _plan_codes(db, codebook, project, _safe_name(group) or DEFAULT_GROUP, report)
    check_codes(project, plan.paths, path.name)
    settle(project, report, path.name, skip_bad=skip_bad)
    yaml_path = study.codebook_dir / "codebook.yaml"
    new_text: bytes | None = None
    if plan.codes or plan.groups:
        new_text, codebook = add_codes(study.codebook_dir, plan.groups, plan.codes,
                                       comment=f"Imported from {path.name} on {date.today().isoformat()}")
    seen = _documents_now(db)
    documents = _prepare_documents(db, project, codebook, report, progress, limits)
    backup_if_coded(study, db, "import-qdpx")
    original = yaml_path.read_bytes()
    replaced = False
    try:
        with transaction(db):
            if _documents_now(db) != seen:  # the documents were matched and named before the write lock was taken
                raise CoderError("another session imported documents while this file was read: nothing was written",
                                 where=str(path), fix="import it again")
            if new_text is not None or not codebook_is_current(db, codebook):
                sync_codebook(db, codebook)
            code_refs = _code_refs(db, plan)
            coders = _Coders(db, project, report)
            document_ids = _store_documents(db, documents, path.name, report)
            brought = _store_codings(db, project, code_refs, coders, document_ids, report, skip_bad)
            store_memos(db, project, set(plan.guids.values()), code_refs, coders.known, document_ids, report)
            if project.sets:
                set_setting(db, f"refi_sets:{path.name}", json.dumps(project.sets, ensure_ascii=False))
                report.warnings.append(f"{len(project.sets)} set{'s' * (len(project.sets) != 1)} kept in the study settings"
                                       f" (refi_sets:{path.name}); coder has no sets")
            log_event(db, "import_refi", coder_id=None, summary=report.summary(), ops_json=brought)  # every coding it brought
            if new_text is not None:
                temporary = yaml_path.with_name(f".{yaml_path.name}.import")
                temporary.write_bytes(new_text)
                os.replace(temporary, yaml_path)
                replaced = True
    except BaseException:
        if replaced:
            yaml_path.write_bytes(original)
        raise
    return report


# Codes ---------------------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    """A code or group name coder can address: no '/', which separates group and code."""
    return " ".join(name.replace("/", "-").split())


def _plan_codes(db: Database, codebook: Codebook, project: RefiProject, group: str, report: RefiImportReport) -> _Plan:
    plan = _Plan()
    known = {r[0]: (r[1], r[2]) for r in db.execute(
        "SELECT c.uuid, g.name, c.name FROM codes c JOIN code_groups g ON g.id = c.group_id")}
    names: dict[str, dict[str, str | None]] = {g.name: {c.name: c.parent for c in g.codes} for g in codebook.groups}
    keys = {c.key for c in codebook.codes() if c.key}
    folders = 0

    def ensure_group(name: str, description: str | None = None, exclusive: bool = False) -> None:
        if name not in names:
            names[name] = {}
            plan.groups.append(Group(name, description, exclusive))
            report.groups_added.append(name)

    def place(code: RefiCode, group_name: str, parent: str | None) -> None:
        nonlocal folders
        folders += not code.codable
        if code.guid in known:
            plan.paths[code.guid] = known[code.guid]
            report.codes_reused.append("/".join(known[code.guid]))
            for child in code.children:
                place(child, known[code.guid][0], known[code.guid][1])
            return
        wanted = _safe_name(code.name) or "unnamed"
        taken = names[group_name]
        if wanted in taken and taken[wanted] == parent and not any(p == (group_name, wanted) for p in plan.paths.values()):
            name = wanted  # the same code in the same place: merge into it
            report.codes_reused.append(f"{group_name}/{name}")
        else:
            name = wanted
            if name in taken:
                name = f"{wanted} ({parent})" if parent else f"{wanted} (2)"
                number = 2
                while name in taken:
                    number += 1
                    name = f"{wanted} ({parent} {number})" if parent else f"{wanted} ({number})"
                report.renamed.append(f"{group_name}/{code.name} → {group_name}/{name} (the name was taken)")
            fields = parse_description(code.description)
            key = fields["key"]
            if key and (len(key) != 1 and key != "space" or key in RESERVED_KEYS or key in keys):
                report.warnings.append(f"shortcut key '{key}' of {group_name}/{name} is reserved or taken; left out")
                key = None
            if key:
                keys.add(key)
            colour = code.colour if code.colour and HEX_COLOUR.fullmatch(code.colour) else None
            if code.colour and not colour:
                report.warnings.append(f"colour '{code.colour}' of {group_name}/{name} is not #rrggbb; left out")
            plan.codes.append(Code(group=group_name, name=name, parent=parent, colour=colour, description=fields["description"],
                                   include=fields["include"], exclude=fields["exclude"], examples=fields["examples"],
                                   keywords=fields["keywords"], key=key))
            plan.guids[(group_name, name)] = code.guid
            taken[name] = parent
            report.codes_added.append(f"{group_name}/{name}")
        plan.paths[code.guid] = (group_name, name)
        for child in code.children:
            place(child, group_name, name)

    for top in project.codes:
        if not top.codable and top.guid not in known:
            description, exclusive = parse_group_description(top.description)
            name = _safe_name(top.name) or "unnamed"
            ensure_group(name, description, exclusive)
            for child in top.children:
                place(child, name, None)
        else:
            ensure_group(group, f"Codes imported from {project.file}" + (f" ({project.origin})" if project.origin else ""))
            place(top, group, None)
    if folders:
        report.warnings.append(f"{folders} code{'s' * (folders != 1)} marked not codable (folders) inside the tree became ordinary codes")
    return plan


def _code_refs(db: Database, plan: _Plan) -> dict[str, CodeRef]:
    """REFI code GUID → the stored code; new codes take the REFI GUID as their uuid (so they travel)."""
    rows = {(r[2], r[1]): CodeRef(r[0], r[1], r[2], bool(r[3])) for r in db.execute(
        "SELECT c.id, c.name, g.name, g.exclusive FROM codes c JOIN code_groups g ON g.id = c.group_id")}
    used = {r[0] for r in db.execute("SELECT uuid FROM codes")}
    refs = {}
    for guid, (group, name) in plan.paths.items():
        ref = rows.get((group, name))
        if ref is None:
            continue
        refs[guid] = ref
        if (group, name) in plan.guids and guid not in used:
            db.execute("UPDATE codes SET uuid = ? WHERE id = ?", [guid, ref.id])
            used.add(guid)
    return refs


# Coders ----------------------------------------------------------------------------------------------


class _Coders:
    """REFI users as coders: matched by name, added (with the user's GUID) when new."""

    def __init__(self, db: Database, project: RefiProject, report: RefiImportReport) -> None:
        self.db, self.project, self.report = db, project, report
        self.ids = {r[1]: r[0] for r in db.execute("SELECT id, name FROM coders")}
        self.uuids = {r[0] for r in db.execute("SELECT uuid FROM coders")}
        for guid, name in project.users.items():
            self._named(name, guid)

    def _named(self, name: str, guid: str | None) -> int:
        if name not in self.ids:
            uuid = guid if guid and guid not in self.uuids else new_uuid()
            self.ids[name] = inserted_id(self.db.execute("INSERT INTO coders (uuid, name, created) VALUES (?, ?, ?)",
                                                         [uuid, name, now()]))
            self.uuids.add(uuid)
            self.report.coders_added.append(name)
        return self.ids[name]

    def of(self, *guids: str | None) -> int:
        """The coder for the first known user among `guids` (coding, selection, source, project creator)."""
        for guid in guids:
            if guid and guid in self.project.users:
                return self._named(self.project.users[guid], guid)
        guid = next((g for g in guids if g), None)
        return self._named(f"user {guid[:8]}" if guid else FALLBACK_CODER, guid)

    def known(self, guid: str | None) -> int | None:
        return self._named(self.project.users[guid], guid) if guid in self.project.users else None


# Documents --------------------------------------------------------------------------------------------


def _document_name(name: str) -> str:
    base, dot, extension = name.rpartition(".")
    return _safe_name(base if dot and f".{extension.lower()}" in DOCUMENT_EXTENSIONS and base else name) or "document"


def _documents_now(db: Database) -> list[tuple[int, str, str, int]]:
    return db.execute("SELECT id, uuid, name, version FROM documents ORDER BY id").fetchall()


def _prepare_documents(db: Database, project: RefiProject, codebook: Codebook, report: RefiImportReport,
                       progress: Progress | None, limits: Limits) -> list[_Document]:
    """Each source as a document cut into passages with sentences and mentions (before any write); a speaker turn
    longer than spaCy takes (its paragraphs were checked, a turn may join several) is refused before spaCy sees it."""
    spellings = organisation_spellings(codebook)
    by_uuid = {r[0]: (r[1], r[2]) for r in db.execute("SELECT uuid, id, text FROM documents")}
    by_name = {r[0]: (r[1], r[2]) for r in db.execute("SELECT name, id, text FROM documents")}
    prepared: list[_Document] = []
    names: set[str] = set()
    for number, source in enumerate(project.sources, 1):
        name = _document_name(source.name)
        existing = by_uuid.get(source.guid) or by_name.get(name)
        if existing and existing[1] == source.text:
            prepared.append(_Document(source, name, {}, "", [], [], existing=existing[0]))
            report.documents_reused.append(name)
            continue
        wanted, count = name, 1
        while name in by_name or name in names:
            count += 1
            name = f"{wanted} ({count})"
        if name != wanted:
            report.renamed.append(f"document {wanted} → {name} (a different document has that name)")
        names.add(name)
        attributes = dict(source.attributes)
        speakers = attributes.get("speakers") or []
        passages = cut_passages(source.text, [str(s) for s in speakers] if isinstance(speakers, list) else [str(speakers)])
        longest = max(passages, key=lambda p: p.end - p.start, default=None)
        if longest and longest.end - longest.start > limits.passage_characters:
            raise too_big(f"passage {passages.index(longest) + 1}", f"{longest.end - longest.start:,} characters",
                          f"{limits.passage_characters:,}", f"{project.file}: source '{source.name}'",
                          "split it into several speaker turns (NAME: at the start of a line)")
        language = str(attributes.get("language") or DEFAULT_LANGUAGE)
        try:
            notes = list(nlp.annotate((source.text[p.start : p.end] for p in passages), language, spellings))
        except CoderError:
            report.warnings.append(f"document {name}: language '{language}' is unknown to spaCy; processed as '{DEFAULT_LANGUAGE}'")
            language = DEFAULT_LANGUAGE
            notes = list(nlp.annotate((source.text[p.start : p.end] for p in passages), language, spellings))
        prepared.append(_Document(source, name, attributes, language, passages, notes))
        if progress:
            progress(number, len(project.sources))
    return prepared


def _store_documents(db: Database, documents: list[_Document], file: str, report: RefiImportReport) -> dict[str, int]:
    """Insert the new documents; returns source GUID → document id (new and reused)."""
    import hashlib

    used = {r[0] for r in db.execute("SELECT uuid FROM documents")}
    ids: dict[str, int] = {}
    for document in documents:
        if document.existing:
            ids[document.source.guid] = document.existing
            continue
        text = document.source.text
        uuid = document.source.guid if document.source.guid not in used else new_uuid()
        used.add(uuid)
        values = {
            "uuid": uuid, "name": document.name, "title": str(document.attributes.get("title") or document.name),
            "kind": document.attributes.get("kind"), "path": f"{file}:{document.source.name}",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "text": text, "language": document.language,
            "attributes": json.dumps(document.attributes, ensure_ascii=False, default=str), "words": len(text.split()),
            "body_line": 1, "imported": now(),
        }
        columns = ", ".join(f"[{k}]" for k in values)
        document_id = inserted_id(db.execute(f"INSERT INTO documents ({columns}) VALUES ({', '.join('?' * len(values))})",
                                             list(values.values())))
        store_passages(db, document_id, text, document.passages, document.notes)
        ids[document.source.guid] = document_id
        report.documents_added.append(document.name)
    return ids


# Codings ------------------------------------------------------------------------------------------


def _store_codings(db: Database, project: RefiProject, refs: dict[str, CodeRef], coders: _Coders,
                   documents: dict[str, int], report: RefiImportReport, skip_bad: bool) -> str:
    """Add the codings, all at once (`bulk.apply_many`); returns the ops written as JSON, which the import's one event
    records (it is not undone step by step). A second code of an exclusive group on a passage — beside the study's
    codings or an earlier one of the file — refuses the import, or with `skip_bad` is skipped and listed."""
    existing = {r[0] for r in db.execute("SELECT uuid FROM codings")}
    before = db.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0]
    exclusive: dict[tuple[int, int, str], list[tuple[int, int, int]]] = defaultdict(list)  # the file's, accepted so far
    arrivals: list[Arrival] = []
    missing_codes: set[str] = set()
    for source in project.sources:
        document_id = documents.get(source.guid)
        if document_id is None:
            continue
        whole = [(c, None, 0, len(source.text)) for c in source.codings]
        spans = [(c, s, s.start, s.end) for s in source.selections for c in s.codings]
        for coding, selection, start, end in whole + spans:
            ref = refs.get(coding.code or "")
            if ref is None:
                missing_codes.add(coding.code or "none")
                report.codings_skipped += 1
                continue
            if coding.guid and coding.guid in existing:
                report.codings_present += 1
                continue
            coder = coders.of(coding.user, selection.user if selection else None, source.user, project.creator)
            if ref.exclusive:
                low, high = passage_extent(db, document_id, start, end)
                earlier = exclusive[(document_id, coder, ref.group)]
                rival = exclusive_rival(db, document_id, ref, coder, start, end) or next(
                    ({"code_id": code, "start": s, "end": e} for s, e, code in earlier if code != ref.id and s < high and e > low),
                    None)
                if rival is not None and rival["code_id"] != ref.id:  # another tool knows no exclusive groups: never a guess
                    clash = (f"one passage would get two codes of the exclusive group {ref.group} ({ref.name} at {start}–{end},"
                             f" and another at {rival['start']}–{rival['end']}) from one coder")
                    if not skip_bad:
                        raise CoderError(f"source '{source.name}': {clash}; nothing was imported", where=project.file,
                                         fix=f"keep one {ref.group} code per passage in the other tool, import into a"
                                             f" codebook whose group {ref.group} is not exclusive, {SKIP_FIX}")
                    part = f"selection {start}–{end}" if selection else "the whole source"
                    report.skipped.append(BadPart(source.name, part, f"{clash}; {ref.name} left out", 1).line())
                    report.codings_skipped += 1
                    continue
                earlier.append((start, end, ref.id))
            memo = "\n\n".join(note_text(project.notes[n]) for n in coding.notes if n in project.notes) or None
            uuid = coding.guid if coding.guid and coding.guid not in existing else None
            if uuid:
                existing.add(uuid)
            created = timestamp(coding.created) or (timestamp(selection.created) if selection else None)
            arrivals.append(Arrival(document_id, ref.id, coder, start, end, memo, uuid, created))
    ops, made = apply_many(db, arrivals)
    report.codings_present += made.count(False)
    applied = made.count(True)
    report.coding_memos += sum(1 for item, new in zip(arrivals, made) if new and item.memo)
    report.codings_added = db.execute("SELECT count(*) FROM codings WHERE id > ?", [before]).fetchone()[0]
    if applied > report.codings_added:
        report.warnings.append(f"{applied - report.codings_added} codings overlapped others of the same code by the same coder"
                               " and were merged with them (coder keeps one coding per code and coder on any stretch of text)")
    if missing_codes:
        report.warnings.append(f"codings refer to {len(missing_codes)} code{'s' * (len(missing_codes) != 1)} missing from"
                               " the codebook; those codings were skipped")
    return ops
