"""How much coder reads of a file that comes from elsewhere: the one budget every importer keeps.

Transcripts, Word files, REFI-QDA projects, coding files, survey files, codebooks and merge
sources are read against these limits *while* they are read — before the memory is taken, not
after — and a file past one is refused in one line that names the file (and entry or line), the
limit and what to do. The README's bad-input table lists them. Each is far beyond any real study
(the bundled study's longest transcript is 60 kB) and small enough that a refusal comes within
seconds and an import stays within a few hundred MB.
"""

from __future__ import annotations

import csv
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from coder.errors import CoderError

MB = 1_000_000
CHUNK = 1 << 20  # bytes read at a time


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 25 * MB  # a transcript (.docx included), coding file, survey file or network file on disk
    document_characters: int = 20_000_000  # one document's text, whatever the format (≈3 million words)
    passage_characters: int = 1_000_000  # one passage: spaCy's limit for one text, far beyond any speaker turn
    passages: int = 200_000  # passages in one document
    archive_entries: int = 20_000  # entries of a .qdpx or .docx
    entry_bytes: int = 64 * MB  # one archive entry, unpacked (a source text, project.qde, word/document.xml)
    archive_bytes: int = 1_000 * MB  # every entry of an archive together, unpacked
    compression_ratio: int = 100  # unpacked ÷ packed, for an entry over 1 MB (text packs 3–10×; a bomb 1,000×)
    xml_depth: int = 256  # nesting of elements (libxml2's own limit without XML_PARSE_HUGE)
    xml_elements: int = 600_000  # elements in one XML file (≈150,000 codings; parsed, they take ≈270 MB)
    csv_rows: int = 2_000_000  # rows of a coding file
    survey_rows: int = 100_000  # rows of a survey CSV, lines of a Pajek file (the bundled survey: 191 ties; 100,000: ≈7 s, 180 MB)
    csv_field_characters: int = 100_000  # one cell of a CSV file (a memo of 15,000 words)
    codebook_bytes: int = 2 * MB  # codebook.yaml or organisations.yaml (thousands of codes take ≈1 MB)
    yaml_values: int = 200_000  # values of one YAML text, aliases expanded (a codebook of 5,000 codes has ≈50,000)


LIMITS = Limits()


def too_big(what: str, size: str, limit: str, where: str, fix: str) -> CoderError:
    """The one-line refusal: what is over which limit, where, and how to proceed."""
    return CoderError(f"{what} is {size}, over coder's limit of {limit}; refused", where=where, fix=fix)


def megabytes(size: float) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size:,.0f} bytes"


def read_bounded(path: Path, limit: int = LIMITS.file_bytes, *, where: str | None = None,
                 fix: str = "split the file, or check that it is the right one") -> bytes:
    """A file's bytes, refused without reading it when it is larger than `limit` (and if it grew meanwhile)."""
    where = where or str(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise too_big("the file", megabytes(size), megabytes(limit), where, fix)
        with path.open("rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as error:
        raise CoderError(f"cannot be read ({error.strerror or error})", where=where, fix="check the file's permissions") from error
    if len(raw) > limit:
        raise too_big("the file", f"over {megabytes(limit)}", megabytes(limit), where, fix)
    return raw


def count_entries(stream: BinaryIO) -> int | None:
    """How many entries a zip archive declares, read from its end record without reading the directory
    (None when the end record is not found: then it is no zip file, which zipfile will say)."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_at = max(0, size - (22 + 65_535))
    stream.seek(tail_at)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (entries,) = struct.unpack("<H", tail[at + 10: at + 12])
    if entries == 0xFFFF:  # zip64: the count is in the zip64 end record, just before the locator
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator >= 0:
            (record,) = struct.unpack("<Q", tail[locator + 8: locator + 16])
            stream.seek(record)
            head = stream.read(56)
            if head[:4] == b"PK\x06\x06":
                (entries,) = struct.unpack("<Q", head[32:40])
    return entries


def open_archive(source: Path | BinaryIO, *, where: str, limits: Limits = LIMITS, kind: str = "zip file",
                 fix: str = "check where the file comes from") -> zipfile.ZipFile:
    """Open a zip archive (a .qdpx or .docx) whose every entry is within the budget: count, sizes, ratio.

    The entries are counted from the end record before the directory is read; the sizes and ratios are the
    ones the directory declares, and `read_entry` holds each entry to them while unpacking it.
    """
    try:
        if isinstance(source, Path):
            with source.open("rb") as stream:
                declared = count_entries(stream)
        else:
            declared = count_entries(source)
            source.seek(0)
        if declared is not None and declared > limits.archive_entries:
            raise too_big("the archive's number of entries", f"{declared:,}", f"{limits.archive_entries:,}", where,
                          f"{fix} (a possible zip bomb)")
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, struct.error, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise CoderError(f"is not a valid {kind} ({error})", where=where, fix="save or export it again") from error
    try:
        check_entries(archive.infolist(), where, limits, fix)
    except CoderError:
        archive.close()
        raise
    return archive


def check_entries(infos: list[zipfile.ZipInfo], where: str, limits: Limits = LIMITS, fix: str = "check where the file comes from") -> None:
    """Refuse an archive whose entries, as its directory declares them, are over the budget."""
    if len(infos) > limits.archive_entries:
        raise too_big("the archive's number of entries", f"{len(infos):,}", f"{limits.archive_entries:,}", where,
                      f"{fix} (a possible zip bomb)")
    total = 0
    for info in infos:
        if info.file_size > limits.entry_bytes:
            raise too_big(f"entry '{info.filename}' unpacked", megabytes(info.file_size), megabytes(limits.entry_bytes),
                          where, f"{fix} (a possible zip bomb); a document that large: split it")
        if info.file_size > MB and info.file_size > limits.compression_ratio * max(info.compress_size, 1):
            raise CoderError(f"entry '{info.filename}' unpacks {info.file_size / max(info.compress_size, 1):,.0f} times its"
                             f" packed size, over coder's limit of {limits.compression_ratio}×; refused as a possible zip"
                             " bomb", where=where, fix=fix)
        total += info.file_size
        if total > limits.archive_bytes:
            raise too_big("the archive unpacked", f"over {megabytes(limits.archive_bytes)}", megabytes(limits.archive_bytes),
                          where, f"{fix} (a possible zip bomb)")


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int = LIMITS.entry_bytes) -> bytes:
    """An entry's bytes, unpacked a chunk at a time and refused as soon as they pass `limit` or the declared size."""
    cap = min(limit, info.file_size)
    parts, size = [], 0
    try:
        with archive.open(info) as entry:
            while chunk := entry.read(CHUNK):
                size += len(chunk)
                if size > cap:
                    raise too_big(f"entry '{info.filename}' unpacked", f"over {megabytes(cap)}", megabytes(cap), where,
                                  "check where the file comes from (a possible zip bomb)")
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as error:
        raise CoderError(f"entry '{info.filename}' cannot be unpacked ({error})", where=where,
                         fix="save or export the file again (a truncated or damaged archive?)") from error
    return b"".join(parts)


def check_text(text: str, where: str, limits: Limits = LIMITS, *, first_line: int = 1) -> None:
    """Refuse a document whose text, or one of its paragraphs, is beyond what can be cut and analysed.

    Runs before passages are cut or sentences split (both take memory in proportion to the longest
    paragraph): a scan for blank lines, no copies.
    """
    if len(text) > limits.document_characters:
        raise too_big("the document's text", f"{len(text):,} characters", f"{limits.document_characters:,}", where,
                      "split the document into several files")
    start, count = 0, 0
    while start < len(text):
        end = text.find("\n\n", start)
        end = len(text) if end < 0 else end
        if end - start > limits.passage_characters:
            line = text.count("\n", 0, start) + first_line
            raise too_big("the paragraph", f"{end - start:,} characters", f"{limits.passage_characters:,}", f"{where}:{line}",
                          "split it with blank lines (one paragraph per speaker turn)")
        count += end > start
        if count > limits.passages:
            raise too_big("the document's number of paragraphs", f"over {limits.passages:,}", f"{limits.passages:,}", where,
                          "split the document into several files")
        start = end + 2


def check_yaml(data: Any, where: str, limits: Limits = LIMITS) -> None:
    """Refuse YAML whose values, each alias expanded, pass the limit: a "billion laughs" of nested anchors
    loads as a few shared lists but expands to 10^10 values when walked. Stops counting at the limit."""
    pending, seen = [data], 0
    while pending:
        value = pending.pop()
        seen += 1
        if seen > limits.yaml_values:
            raise CoderError(f"the YAML expands, its aliases followed, to over {limits.yaml_values:,} values, coder's limit;"
                             " refused", where=where, fix="write the values out instead of repeating anchors (&name / *name)")
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


QUOTES_FIX = 'shorten it, or close its quotes (a " left open runs on to the end of the file)'


def csv_rows(lines: Iterable[str], where: str, limits: Limits = LIMITS,
             fix: str = "split the file, or check that it is the right one", *, most: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """The rows of CSV lines with the line each starts on, refused as soon as a field or the count of rows passes
    the budget (`most` rows, else `limits.csv_rows`): the reader holds one row at a time, and the csv module stops a
    field before it grows past its limit.
    """
    most = limits.csv_rows if most is None else most
    if csv.field_size_limit() < limits.csv_field_characters:  # the module's own stop must not come before ours
        csv.field_size_limit(limits.csv_field_characters)
    reader = csv.reader(lines)
    count, start = 0, 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" in str(error):
                raise too_big("a field", f"longer than {limits.csv_field_characters:,} characters",
                              f"{limits.csv_field_characters:,} characters", f"{where}:{start}", QUOTES_FIX) from None
            raise CoderError(f"is not readable CSV ({error})", where=f"{where}:{start}", fix="save it again as CSV") from None
        count += 1
        if count > most:
            raise too_big("the file", f"longer than {most:,} rows", f"{most:,} rows", f"{where}:{start}", fix)
        for cell in row:
            if len(cell) > limits.csv_field_characters:
                raise too_big("a field", f"{len(cell):,} characters", f"{limits.csv_field_characters:,} characters",
                              f"{where}:{start}", QUOTES_FIX)
        yield start, row
        start = reader.line_num + 1
