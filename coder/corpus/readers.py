"""The corpus: reading transcripts in every format we accept, and importing them into the study.

A document's text is stored whole, normalised (NFC, `\\n` line ends), with its sha256, and cut
into passages — one per speaker turn, or per paragraph where nobody is named — each with its
sentences and the organisations mentioned in it. Import is all or nothing: every file is read
and checked first, and one transaction writes them all.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from coder import nlp
from coder.codebook import Codebook
from coder.db import Database, new_uuid, now, transaction
from coder.errors import CoderError
from coder.events import Changes, log_event
from coder.text import decode as decode_bytes
from coder.text import normalise

SUPPORTED = (".md", ".txt", ".docx", ".vtt", ".srt")
MAX_PASSAGE = 1_000_000  # characters; spaCy's limit for one text, and far beyond any real speaker turn
RESERVED_FOLDERS = ("survey", "codings")  # transcripts/ subfolders that hold other study data
DEFAULT_LANGUAGE = "en"

Progress = Callable[[int, int], None]


@dataclass
class Passage:
    start: int
    end: int
    speaker: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedDocument:
    """A file read and cut into passages, not yet in the database."""

    name: str
    path: Path
    text: str
    sha256: str
    passages: list[Passage]
    attributes: dict[str, Any] = field(default_factory=dict)
    body_line: int = 1

    @property
    def language(self) -> str:
        return str(self.attributes.get("language") or DEFAULT_LANGUAGE)

    @property
    def words(self) -> int:
        return len(self.text.split())


# Decoding ------------------------------------------------------------------------------------


def decode(raw: bytes, where: str) -> str:
    """A transcript's bytes to normalised text (see `coder.text.decode` for the encodings read)."""
    if not raw.strip():
        raise CoderError("the file is empty", where=where, fix="add the transcript's text, or remove the file")
    return normalise(decode_bytes(raw, where, fix="export the transcript as .txt, .md, .docx, .vtt or .srt").text)


# Front matter and passages -------------------------------------------------------------------


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str, int]:
    """Split `---` YAML front matter from the body; returns (attributes, body, first body line)."""
    if not text.startswith("---\n"):
        return {}, text, 1
    closing = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], flags=re.MULTILINE)
    if closing is None:
        raise CoderError("front matter starts with --- but never ends", where=f"{where}:1",
                         fix="close the header with a line of three dashes (---)")
    header = text[4 : 4 + closing.start()]
    body_start = 4 + closing.end() + 1
    attributes = parse_front_matter(header, where)
    body = text[body_start:]
    body_line = text[:body_start].count("\n") + 1
    stripped = body.lstrip("\n")
    return attributes, stripped, body_line + (len(body) - len(stripped))


def parse_front_matter(header: str, where: str) -> dict[str, Any]:
    from ruamel.yaml import YAML  # ≈60 ms, import only
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=True).load(header)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 2
        raise CoderError(f"front matter is not valid YAML ({getattr(error, 'problem', None) or error})",
                         where=f"{where}:{line}", fix="write one 'key: value' per line") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CoderError("front matter must be 'key: value' lines", where=f"{where}:2", fix="write one 'key: value' per line")
    return {str(k): _plain(v) for k, v in data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


LABEL = re.compile(r"^(?P<label>[^\W\d_][^:\n]{0,60}?):(?:[ \t]+|$)", re.MULTILINE)


def is_speaker_label(label: str, speakers: frozenset[str] = frozenset()) -> bool:
    """`INTERVIEWER`, `RESPONDENT (PRESIDENT)`, `ENTREVISTADO`: capitals, or a name the header lists."""
    if label.casefold() in speakers:
        return True
    return label == label.upper() and any(c.isalpha() for c in label) and len(label.split()) <= 8


def cut_passages(body: str, speakers: Iterable[str] = ()) -> list[Passage]:
    """One passage per speaker turn; where no speakers are named, one per paragraph."""
    known = frozenset(s.casefold() for s in speakers)
    labels = [m for m in LABEL.finditer(body) if is_speaker_label(m.group("label").strip(), known)]
    passages: list[Passage] = []
    first = labels[0].start() if labels else len(body)
    passages.extend(_paragraphs(body, 0, first))
    for index, match in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(body)
        start = match.end()
        passage = _trimmed(body, start, end, speaker=match.group("label").strip())
        if passage:
            passages.append(passage)
    return passages


def _paragraphs(body: str, start: int, end: int) -> Iterator[Passage]:
    for match in re.finditer(r"(?:(?!\n[ \t]*\n)[\s\S])+", body[start:end]):
        passage = _trimmed(body, start + match.start(), start + match.end())
        if passage:
            yield passage


def _trimmed(body: str, start: int, end: int, speaker: str | None = None) -> Passage | None:
    chunk = body[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    if right <= left:
        return None
    return Passage(start + left, start + right, speaker)


# Readers ---------------------------------------------------------------------------------------


def read_document(path: Path, *, where: str | None = None) -> ParsedDocument:
    """Read one transcript file in any supported format."""
    where = where or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise CoderError(f"unsupported file type '{suffix}'", where=where, fix=f"use one of {', '.join(SUPPORTED)}")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CoderError(f"cannot read the file ({error.strerror})", where=where, fix="check the path and its permissions") from error
    sha256 = hashlib.sha256(raw).hexdigest()
    if suffix == ".docx":
        attributes, text, body_line, passages = _read_docx(raw, where)
    elif suffix in (".vtt", ".srt"):
        attributes, text, body_line, passages = _read_captions(decode(raw, where), where, suffix)
    else:
        attributes, body, body_line = split_front_matter(decode(raw, where), where)
        text = body if body.endswith("\n") else body + "\n"
        passages = cut_passages(text, _speakers(attributes))
    if not passages:
        raise CoderError("has no text after its header", where=where, fix="add the transcript's text below the --- header")
    longest = max(passages, key=lambda p: p.end - p.start)
    if longest.end - longest.start > MAX_PASSAGE:
        line = text.count("\n", 0, longest.start) + body_line
        raise CoderError(f"passage {passages.index(longest) + 1} is {longest.end - longest.start:,} characters long, over the"
                         f" limit of {MAX_PASSAGE:,}", where=f"{where}:{line}",
                         fix="split it into paragraphs (blank lines) or speaker turns (NAME: at the start of a line)")
    name = str(attributes.pop("id", None) or path.stem).strip()
    return ParsedDocument(name=name, path=path, text=text, sha256=sha256, passages=passages,
                          attributes=attributes, body_line=body_line)


def _speakers(attributes: dict[str, Any]) -> list[str]:
    speakers = attributes.get("speakers") or []
    return [str(s) for s in speakers] if isinstance(speakers, list) else [str(speakers)]


def _read_docx(raw: bytes, where: str) -> tuple[dict[str, Any], str, int, list[Passage]]:
    import io
    import zipfile

    import docx  # python-docx, ≈0.2 s; only for .docx files

    try:
        document = docx.Document(io.BytesIO(raw))
        paragraphs = [normalise(p.text) for p in document.paragraphs]
        title = document.core_properties.title
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise CoderError("is not a valid Word .docx file", where=where, fix="re-save it from Word as .docx") from error
    except Exception as error:  # noqa: BLE001 - a damaged part surfaces as whatever the XML parser raises
        raise CoderError(f"is a damaged Word .docx file ({type(error).__name__}: {' '.join(str(error).split())[:80]})",
                         where=where, fix="re-save it from Word as .docx") from error
    attributes: dict[str, Any] = {}
    if paragraphs and paragraphs[0].strip() == "---":
        closing = next((i for i, p in enumerate(paragraphs[1:], 1) if p.strip() == "---"), None)
        if closing is None:
            raise CoderError("front matter starts with --- but never ends", where=f"{where}:paragraph 1",
                             fix="close the header with a paragraph of three dashes (---)")
        attributes = parse_front_matter("\n".join(paragraphs[1:closing]), where)
        paragraphs = paragraphs[closing + 1 :]
    if title and "title" not in attributes:
        attributes["title"] = title
    text = "\n\n".join(p.strip() for p in paragraphs if p.strip()) + "\n"
    return attributes, text, 1, cut_passages(text, _speakers(attributes))


TIMING = re.compile(
    r"^(?P<begin>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s.*)?$"
)
VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+(?P<name>[^>]+)>")
NAMED = re.compile(r"^(?:\[(?P<bracket>[^\]]{1,40})\]:?|(?P<colon>[^:\n]{1,40}?):)\s+")


def _read_captions(text: str, where: str, suffix: str) -> tuple[dict[str, Any], str, int, list[Passage]]:
    """WebVTT / SubRip: consecutive cues of one speaker become one passage with its time span."""
    lines = text.split("\n")
    if suffix == ".vtt" and not lines[0].startswith("WEBVTT"):
        raise CoderError("a WebVTT file must start with WEBVTT", where=f"{where}:1", fix="add the line WEBVTT at the top")
    cues: list[tuple[str | None, str, str, str]] = []  # speaker, text, begin, end
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if line.startswith(("NOTE", "STYLE", "REGION")) and suffix == ".vtt":
            while index < len(lines) and lines[index].strip():
                index += 1
            continue
        match = TIMING.match(line)
        if match is None:
            if "-->" in line:
                raise CoderError(f"bad cue timing '{line}'", where=f"{where}:{index + 1}", fix="write it as 00:00:01.000 --> 00:00:04.000")
            index += 1
            continue
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip():
            body.append(lines[index].strip())
            index += 1
        speaker, words = _cue_speaker(" ".join(body))
        if words:
            cues.append((speaker, words, match["begin"].replace(",", "."), match["end"].replace(",", ".")))
    if not cues:
        raise CoderError("has no cues with text", where=where, fix="check that the file has timed cues (00:00:01.000 --> ...)")
    turns: list[list] = []
    for speaker, words, begin, end in cues:
        if turns and speaker is not None and turns[-1][0] == speaker:
            turns[-1][1].append(words)
            turns[-1][3] = end
        else:
            turns.append([speaker, [words], begin, end])
    parts: list[str] = []
    passages: list[Passage] = []
    offset = 0
    for speaker, words, begin, end in turns:
        label = f"{speaker}: " if speaker else ""
        content = " ".join(words)
        passages.append(Passage(offset + len(label), offset + len(label) + len(content), speaker, {"begin": begin, "end": end}))
        parts.append(label + content + "\n\n")
        offset += len(parts[-1])
    return {}, "".join(parts).rstrip("\n") + "\n", 1, passages


def _cue_speaker(text: str) -> tuple[str | None, str]:
    voice = VOICE.match(text)
    if voice:
        return voice["name"].strip(), re.sub(r"<[^>]+>", "", text[voice.end():]).strip()
    text = re.sub(r"<[^>]+>", "", text).strip()
    named = NAMED.match(text)
    if named and len((named["bracket"] or named["colon"]).split()) <= 4:
        return (named["bracket"] or named["colon"]).strip(), text[named.end():].strip()
    return None, text


# Finding and importing -----------------------------------------------------------------------


def document_files(folder: Path) -> list[Path]:
    """The transcript files of a study folder (not the survey or codings data beside them)."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if any(part.startswith((".", "_")) for part in relative) or (len(relative) > 1 and relative[0] in RESERVED_FOLDERS):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED:
            found.append(path)
    return found


@dataclass
class ImportReport:
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
) -> ImportReport:
    """Import transcript files: new ones are added, unchanged ones skipped, changed ones only with `update`.

    An updated document keeps its previous version in `document_versions`, and its codings and
    memos are re-anchored to the new text (coder.reanchor), all in the import's one transaction.

    Args:
        root: paths are stored relative to this folder (the study), so the study can move.
        update: re-import files whose content changed, re-anchoring their codings.
        before_writing: called once before anything is written (the study makes its backup there).
    """
    files = list(files)
    report = ImportReport()
    parsed: list[tuple[ParsedDocument, int | None]] = []
    seen: dict[str, Path] = {}
    problems: list[str] = []
    for number, path in enumerate(files, 1):
        where = _display(path, root)
        try:
            document = read_document(path, where=where)
        except CoderError as error:
            problems.append(str(error))
            continue
        if document.name in seen:
            problems.append(f"{where}: document id '{document.name}' is already used by {_display(seen[document.name], root)}"
                            " — fix: give each document its own id: in its header")
            continue
        seen[document.name] = path
        row = db.execute("SELECT id, sha256, path FROM documents WHERE name = ?", [document.name]).fetchone()
        if row and row[2] and row[2] != where and root is not None and (root / row[2]).is_file():
            problems.append(f"{where}: document id '{document.name}' is already used by {row[2]}"
                            " — fix: give each document its own id: in its header")
            continue
        if row and row[1] == document.sha256:
            report.unchanged.append(document.name)
        elif row and not update:
            report.changed.append(document.name)
        else:
            parsed.append((document, row[0] if row else None))
        if progress:
            progress(number, len(files) * 2)
    if problems:
        raise CoderError("\n".join(problems))
    annotations = _annotate(parsed, codebook, progress, len(files), cancelled)
    if not parsed:
        return report
    if before_writing is not None:
        before_writing()
    with transaction(db):
        for (document, existing_id), notes in zip(parsed, annotations):
            # Another coder's session may have imported the same file since it was read above.
            row = db.execute("SELECT id, sha256 FROM documents WHERE name = ?", [document.name]).fetchone()
            if row and row[1] == document.sha256:
                report.unchanged.append(document.name)
                continue
            existing_id = row[0] if row else None
            old_text = _keep_version(db, existing_id) if existing_id else None
            _store(db, document, existing_id, notes, root)
            if old_text is not None:
                report.placements.extend(_reanchor(db, existing_id, document, old_text))
            (report.updated if existing_id else report.added).append(document.name)
            report.words += document.words
            report.passages += len(document.passages)
            report.mentions += sum(len(n.mentions) for n in notes)
        log_event(db, "import", coder_id=None,
                  summary=f"imported {len(report.added)} new and {len(report.updated)} updated documents")
    return report


def _display(path: Path, root: Path | None) -> str:
    try:
        return path.relative_to(root).as_posix() if root else str(path)
    except ValueError:
        return str(path)


def _annotate(parsed: list[tuple[ParsedDocument, int | None]], codebook: Codebook | None,
              progress: Progress | None, total: int, cancelled: threading.Event | None) -> list[list[nlp.Annotation]]:
    spellings = organisation_spellings(codebook)
    results: list[list[nlp.Annotation]] = []
    for number, (document, _) in enumerate(parsed, 1):
        if cancelled is not None and cancelled.is_set():
            raise CoderError("import cancelled; nothing was written")
        texts = (document.text[p.start : p.end] for p in document.passages)
        results.append(list(nlp.annotate(texts, document.language, spellings)))
        if progress:
            progress(total + number * total // max(len(parsed), 1), total * 2)
    return results


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
        document_id = db.execute(f"INSERT INTO documents ({columns}) VALUES ({marks})",
                                 {"uuid": new_uuid(), "name": document.name, **values}).lastrowid
    store_passages(db, document_id, document.text, document.passages, notes)


def store_passages(db: Database, document_id: int, text: str, passages: list[Passage], notes: list[nlp.Annotation]) -> None:
    """Write a document's passages with their sentences, mentions and search index rows."""
    org_ids = dict(db.execute("SELECT name, id FROM organisations").fetchall())
    next_id = (db.execute("SELECT max(id) FROM segments").fetchone()[0] or 0) + 1
    segments, sentences, mentions, search = [], [], [], []
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
    """Find organisation mentions again in every document (after the organisations file changed)."""
    spellings = organisation_spellings(codebook)
    org_ids = dict(db.execute("SELECT name, id FROM organisations").fetchall())
    documents = db.execute("SELECT id, text, language FROM documents ORDER BY id").fetchall()
    found = 0
    with transaction(db):
        db.execute("DELETE FROM mentions")
        for number, (document_id, text, language) in enumerate(documents, 1):
            spans = db.execute("SELECT start, end FROM segments WHERE document_id = ? ORDER BY ordinal", [document_id]).fetchall()
            rows = []
            for (start, end), note in zip(spans, nlp.annotate((text[s:e] for s, e in spans), language or DEFAULT_LANGUAGE, spellings)):
                rows.extend((document_id, org_ids[org], start + s, start + e, text[start + s : start + e])
                            for s, e, org in note.mentions if org in org_ids)
            db.conn.executemany("INSERT INTO mentions (document_id, organisation_id, start, end, text) VALUES (?, ?, ?, ?, ?)", rows)
            found += len(rows)
            if progress:
                progress(number, len(documents))
        log_event(db, "refresh_mentions", coder_id=None, summary=f"found {found} organisation mentions again")
    return found
