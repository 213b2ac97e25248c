"""Reading transcripts: every file format we accept, to normalised text cut into passages, with no database.

A document's text is normalised (NFC, `\\n` line ends) and its sha256 kept, so the import can tell
an unchanged file from a changed one. Markdown and text files may start with `---` YAML front
matter (the document's attributes); Word files may too, in their first paragraphs; caption files
are read by `coder.corpus.captions`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from coder.corpus.captions import read_captions
from coder.corpus.passages import Passage, cut_passages
from coder.errors import CoderError
from coder.limits import LIMITS, check_text, check_yaml, open_archive, read_bounded, read_entry, too_big
from coder.text import decode as decode_bytes
from coder.text import normalise

SUPPORTED = (".md", ".txt", ".docx", ".vtt", ".srt")
RESERVED_FOLDERS = ("survey", "codings")  # transcripts/ subfolders that hold other study data
DEFAULT_LANGUAGE = "en"


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
    words: int = 0  # how many words the text has (split at white space), counted where it is read

    @property
    def language(self) -> str:
        """The language its header names (`language: es`), else English."""
        return str(self.attributes.get("language") or DEFAULT_LANGUAGE)



# Decoding ------------------------------------------------------------------------------------


def decode(raw: bytes, where: str) -> str:
    """A transcript's bytes to normalised text (see `coder.text.decode` for the encodings read)."""
    if not raw.strip():
        raise CoderError("the file is empty", where=where, fix="add the transcript's text, or remove the file")
    return normalise(decode_bytes(raw, where, fix="export the transcript as .txt, .md, .docx, .vtt or .srt").text)


# Front matter ------------------------------------------------------------------------------------


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
    """The attributes a front matter header sets, with dates as ISO text."""
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
    check_yaml(data, f"{where}:2")
    return {str(k): _plain(v) for k, v in data.items()}


def _plain(value: Any) -> Any:
    """A YAML value as plain JSON-ready data (dates become ISO text)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# Readers ---------------------------------------------------------------------------------------


def read_document(path: Path, *, where: str | None = None) -> ParsedDocument:
    """Read one transcript file in any supported format."""
    where = where or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise CoderError(f"unsupported file type '{suffix}'", where=where, fix=f"use one of {', '.join(SUPPORTED)}")
    raw = read_bounded(path, LIMITS.file_bytes, where=where, fix="split the transcript into several files")
    sha256 = hashlib.sha256(raw).hexdigest()
    if suffix == ".docx":
        attributes, text, body_line, passages = _read_docx(raw, where)
    elif suffix in (".vtt", ".srt"):
        captions = decode(raw, where)
        check_text(captions, where)
        attributes, text, body_line, passages = read_captions(captions, where, suffix)
    else:
        attributes, body, body_line = split_front_matter(decode(raw, where), where)
        text = body if body.endswith("\n") else body + "\n"
        check_text(text, where, first_line=body_line)
        passages = cut_passages(text, _speakers(attributes))
    if not passages:
        raise CoderError("has no text after its header", where=where, fix="add the transcript's text below the --- header")
    longest = max(passages, key=lambda p: p.end - p.start)
    if longest.end - longest.start > LIMITS.passage_characters:
        line = text.count("\n", 0, longest.start) + body_line
        raise CoderError(f"passage {passages.index(longest) + 1} is {longest.end - longest.start:,} characters long, over the"
                         f" limit of {LIMITS.passage_characters:,}", where=f"{where}:{line}",
                         fix="split it into paragraphs (blank lines) or speaker turns (NAME: at the start of a line)")
    name = str(attributes.pop("id", None) or path.stem).strip()
    return ParsedDocument(name=name, path=path, text=text, sha256=sha256, passages=passages,
                          attributes=attributes, body_line=body_line, words=len(text.split()))


def _speakers(attributes: dict[str, Any]) -> list[str]:
    speakers = attributes.get("speakers") or []
    return [str(s) for s in speakers] if isinstance(speakers, list) else [str(speakers)]


def _read_docx(raw: bytes, where: str) -> tuple[dict[str, Any], str, int, list[Passage]]:
    import io
    import zipfile

    import docx  # python-docx, ≈0.2 s; only for .docx files

    with open_archive(io.BytesIO(raw), where=where, kind="Word .docx file",
                      fix="re-save it from Word as .docx, without images") as archive:
        body = next((i for i in archive.infolist() if i.filename == "word/document.xml"), None)
        tags = read_entry(archive, body, where).count(b"<") if body is not None else 0
    if tags > 2 * LIMITS.xml_elements:  # python-docx parses the whole body: bound its elements before it does
        raise too_big("the Word file's body", f"≈{tags // 2:,} XML elements", f"{LIMITS.xml_elements:,}", where,
                      "split the document into several files")
    try:
        document = docx.Document(io.BytesIO(raw))
        paragraphs = [normalise(p.text) for p in document.paragraphs]
        title = document.core_properties.title
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise CoderError("is not a valid Word .docx file", where=where, fix="re-save it from Word as .docx") from error
    except Exception as error:
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
    check_text(text, where)
    return attributes, text, 1, cut_passages(text, _speakers(attributes))


# Finding -----------------------------------------------------------------------------------------


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
