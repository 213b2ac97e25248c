"""Coding files: codings written as CSV, loaded into the study all or nothing, and only once.

A team that codes on paper or in a spreadsheet, a demonstration that ships with a study, or a
script that produced codings elsewhere hands them over as a small CSV file. Files in
`transcripts/codings/` are loaded when the study is opened; `coder import codings FILE`
loads any other. The format (docs/agreement.md, "Coding files"):

    # lines starting with # are comments
    document,passage,code,coder,memo
    int03,6,function/Coordinating,ana,speaks with one voice to the exporters
    int03,6-8,phase/Phase 2 joint initiatives,ana,
    int03,10,role/community of practice,ben,
    int03,,function/Enabling,ben,,7853,7900

`passage` is a passage number (`7`) or range (`7-9`); `start,end` (optional columns) are
character offsets into the document (code points, half-open, as everywhere in coder) for a
stretch smaller than a passage — inside the passage when both are given. `code` is a code's
path `group/name` (or its bare name when that is unique). A row with a memo and no code is the
coder's memo on the passage (a reconciler's rationale, say). Each file is remembered by its
sha256 in the settings, so loading it again does nothing. `write_codings_file` writes one
coder's codings and passage memos in the same format (`coder export codings NAME`).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from coder.bulk import Arrival, apply_many
from coder.coding import (
    CodeRef,
    add_coder,
    coder_id,
    exclusive_rival,
    find_code,
    find_document,
    is_coder,
    parse_passages,
    passage_extent,
    passage_span,
)
from coder.db import Database, new_uuid, now, set_setting, setting, transaction
from coder.errors import CoderError, quotes_a_file
from coder.events import Changes, log_event
from coder.exports.cells import csv_text, from_cell
from coder.limits import LIMITS, Limits, csv_rows, read_bounded
from coder.memos import memo

CODINGS_FOLDER = "codings"  # transcripts/codings/: loaded with the study (corpus.RESERVED_FOLDERS skips it)
SETTING_PREFIX = "codings_file:"  # settings key per imported file: codings_file:<sha256> = file name
COLUMNS = ("document", "passage", "code", "coder", "memo", "start", "end")
REQUIRED = ("document", "code", "coder")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PlannedCoding:
    """One valid row of a coding file, resolved against the study."""

    line: int
    document_id: int
    code: CodeRef | None  # None: the row is the coder's memo on the passage
    coder: str
    start: int
    end: int
    memo: str | None


@dataclass
class CodingsFileReport:
    file: str
    rows: int = 0
    added: int = 0  # codings written (rows that were already coded exactly so add nothing)
    skipped: bool = False  # this very file (same sha256) was loaded before
    coders: list[str] = field(default_factory=list)


def read_codings_file(db: Database, path: Path, *, name: str | None = None, limits: Limits = LIMITS) -> list[PlannedCoding]:
    """Read and check every row of a coding file against the study; one error names the first bad line."""
    shown = name or path.name
    return _plan(db, _read(path, shown, limits), shown, limits)


def _read(path: Path, shown: str, limits: Limits) -> bytes:
    """The file's bytes, refused before reading when it is over the budget."""
    return read_bounded(path, limits.file_bytes, where=shown, fix="split it into several coding files")


@quotes_a_file
def _plan(db: Database, raw: bytes, shown: str, limits: Limits) -> list[PlannedCoding]:
    """Every row of the file's bytes checked against the budget, then against the study."""
    try:
        raw.decode("utf-8-sig")  # all of it UTF-8 (or the byte that is not); read below a line at a time
    except UnicodeDecodeError as error:
        raise CoderError(f"not UTF-8 text (byte {error.start})", where=shown, fix="save the file as UTF-8 CSV") from error

    def lines() -> Iterator[str]:  # a line at a time; comment lines become empty, so the line numbers stay the file's
        text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
        return ("\n" if line.lstrip().startswith("#") else line for line in text)

    fix = "split it into several coding files"
    for _ in csv_rows(lines(), shown, limits, fix):  # the budget first, one row at a time: a refusal comes in seconds
        pass
    problems: list[tuple[int, str, str]] = []
    header: list[str] | None = None
    planned: list[PlannedCoding] = []
    seen: dict[tuple, int] = {}
    study = _Lookups(db)
    for line, row in csv_rows(lines(), shown, limits, fix):
        if not "".join(row).strip():
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            unknown = [c for c in header if c not in COLUMNS]
            missing = [c for c in REQUIRED if c not in header]
            if unknown or missing or not ("passage" in header or {"start", "end"} <= set(header)):
                what = (f"unknown column(s) {', '.join(unknown)}" if unknown else
                        f"missing column(s) {', '.join(missing) or 'passage (or start,end)'}")
                raise CoderError(f"{what} in the header", where=f"{shown}:{line}",
                                 fix=f"use the columns {','.join(COLUMNS[:5])} (and optionally start,end)")
            continue
        cells = {column: from_cell(value.strip()) for column, value in zip(header, row)}  # as `write_codings_file` wrote it
        cells.update((column, "") for column in header[len(row):])
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            problems.append((line, f"{len(row)} cells but the header has {len(header)}", "quote cells that contain commas"))
            continue
        try:
            found = _resolve(study, cells)
        except CoderError as error:
            problems.append((line, error.message, error.fix or ""))
            continue
        document_id, code, coder, start, end = found
        key = (document_id, code.id if code else None, coder, start, end)
        if key in seen:
            problems.append((line, f"duplicate of line {seen[key]}", "delete one of the two rows"))
            continue
        seen[key] = line
        planned.append(PlannedCoding(line, document_id, code, coder, start, end, cells.get("memo") or None))
    if header is None:
        raise CoderError("the file has no header and no rows", where=shown, fix="start with: document,passage,code,coder,memo")
    problems += _exclusive_clashes(study, planned)
    if problems:
        line, message, fix = sorted(problems)[0]
        more = f" (and {len(problems) - 1} more problem{'s' * (len(problems) > 2)} in this file)" if len(problems) > 1 else ""
        raise CoderError(message + more, where=f"{shown}:{line}", fix=fix or None)
    return planned


class _Lookups:
    """What the rows of a file are checked against, each document, code and passage list read once."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._documents: dict[str, int | CoderError] = {}
        self._codes: dict[str, CodeRef | CoderError] = {}
        self._passages: dict[int, list[tuple[int, int]]] = {}  # (start, end) of passage 1, 2, … of a document
        self._ranges: dict[str, tuple[int, int] | CoderError] = {}  # "7-9" → (7, 9)
        self.lengths: dict[int, int] = {}
        self.names: dict[str, str] = {}

    def document(self, name: str) -> int:
        return _remembered(self._documents, name, lambda: find_document(self.db, name))

    def code(self, name: str) -> CodeRef:
        return _remembered(self._codes, name, lambda: find_code(self.db, name))

    def passages(self, document_id: int) -> list[tuple[int, int]]:
        if document_id not in self._passages:
            rows = self.db.execute("SELECT ordinal, start, end FROM segments WHERE document_id = ? ORDER BY ordinal",
                                   [document_id]).fetchall()
            self._passages[document_id] = [(r[1], r[2]) for r in rows] if [r[0] for r in rows] == list(range(1, len(rows) + 1)) else []
        return self._passages[document_id]

    def span(self, document_id: int, passages: str) -> tuple[int, int]:
        """`coding.passage_span` of a passage number or range (and its refusals) from the passages held in memory."""
        first, last = _remembered(self._ranges, passages, lambda: parse_passages(passages))
        spans = self.passages(document_id)
        if not 1 <= first <= last <= len(spans):
            return passage_span(self.db, document_id, first, last)  # refused there, in its words
        if first == last:
            return spans[first - 1]
        return min(s for s, _ in spans[first - 1 : last]), max(e for _, e in spans[first - 1 : last])

    def extent(self, document_id: int, start: int, end: int) -> tuple[int, int]:
        """`coding.passage_extent` from the passages held in memory: the stretch of the passages a span touches."""
        spans = self.passages(document_id)
        if not spans:
            return passage_extent(self.db, document_id, start, end)
        touched = [(s, e) for s, e in spans if s < max(end, start + 1) and e > start]
        return (min(s for s, _ in touched), max(e for _, e in touched)) if touched else (start, end)

    def length(self, document_id: int) -> int:
        if document_id not in self.lengths:
            self.lengths[document_id] = self.db.execute("SELECT length(text) FROM documents WHERE id = ?", [document_id]).fetchone()[0]
        return self.lengths[document_id]


def _remembered(found: dict[str, T | CoderError], key: str, look_up: Callable[[], T]) -> T:
    """A look-up made once per key; a refusal is remembered too, and raised again for every row that asks."""
    if key not in found:
        try:
            found[key] = look_up()
        except CoderError as error:
            found[key] = error
    value = found[key]
    if isinstance(value, CoderError):
        raise value
    return value


def _resolve(study: _Lookups, cells: dict[str, str]) -> tuple[int, CodeRef | None, str, int, int]:
    """A row's document, code, coder and span, or a CoderError saying what is wrong with it."""
    if not cells.get("document"):
        raise CoderError("the document is empty", fix="name the document (its id, e.g. int03)")
    document_id = study.document(cells["document"])
    if not cells.get("code") and not cells.get("memo"):
        raise CoderError("the code is empty", fix="name the code as group/name, e.g. function/Accessing (or write a memo)")
    code = study.code(cells["code"]) if cells.get("code") else None
    coder = cells.get("coder", "")
    if not coder:
        raise CoderError("the coder is empty", fix="name the coder in the coder column")
    coder = study.names.setdefault(coder, coder)  # one string per coder, however many rows name them
    span: tuple[int, int] | None = None
    if cells.get("passage"):
        span = study.span(document_id, cells["passage"])
    start_text, end_text = cells.get("start", ""), cells.get("end", "")
    if start_text or end_text:
        if not (start_text.isdigit() and end_text.isdigit()):
            raise CoderError(f"start '{start_text}' and end '{end_text}' are not both whole numbers",
                             fix="give character offsets like 120,180 (or leave both empty for the whole passage)")
        start, end = int(start_text), int(end_text)
        length = study.length(document_id)
        if not 0 <= start < end <= length:
            raise CoderError(f"span {start}-{end} is outside the document (0-{length})",
                             fix="use offsets inside the text, start < end")
        if span and not (span[0] <= start and end <= span[1]):
            raise CoderError(f"span {start}-{end} is not inside passage {cells['passage']} ({span[0]}-{span[1]})",
                             fix="correct the offsets, or leave the passage empty")
        span = (start, end)
    if span is None:
        raise CoderError("neither a passage nor start,end is given", fix="write a passage number like 7 (or a range 7-9)")
    return document_id, code, coder, span[0], span[1]


def _exclusive_clashes(study: _Lookups, planned: list[PlannedCoding]) -> list[tuple[int, str, str]]:
    """Two codes of an exclusive group (such as phase) in one passage by one coder: the file contradicts itself.

    Every earlier row whose passages reach the next one's is compared with it (not only the row just before),
    so that no clash is left for the load to settle by replacing one code with another."""
    problems = []
    by_place: dict[tuple[int, str, str], list[tuple[int, int, PlannedCoding]]] = {}
    for item in planned:
        if item.code is not None and item.code.exclusive:
            by_place.setdefault((item.document_id, item.coder, item.code.group), []).append(
                (*study.extent(item.document_id, item.start, item.end), item))
    for items in by_place.values():
        items.sort(key=lambda p: (p[0], p[2].line))
        open_rows: list[tuple[int, int, PlannedCoding]] = []
        for after_start, after_end, after in items:
            open_rows = [row for row in open_rows if after_start < row[1]]
            before = next((row[2] for row in open_rows if _code_of(row[2]).id != _code_of(after).id), None)
            open_rows.append((after_start, after_end, after))
            if before is not None:
                first, second = _code_of(before), _code_of(after)
                problems.append((max(before.line, after.line),
                                 f"{second.group} is exclusive (one code per passage), but lines {before.line} and"
                                 f" {after.line} give {after.coder} both {first.name} and {second.name} in one passage",
                                 "keep one of the two rows"))
    return problems


def _code_of(item: PlannedCoding) -> CodeRef:
    assert item.code is not None, "only coding rows are compared"
    return item.code


def _check_against_the_study(db: Database, planned: list[PlannedCoding], shown: str) -> None:
    """A row that would replace a code of an exclusive group the coder already gave that passage in the study, or
    a memo the coder already wrote there, is refused: a file never overrides a coder's decision silently."""
    for item in planned:
        if not is_coder(db, item.coder):
            continue
        if item.code is None:
            found = memo(db, coder_id(db, item.coder), document_id=item.document_id, start=item.start, end=item.end)
            if found is not None and found != item.memo:
                raise CoderError(f"{item.coder} already has another memo on this passage in the study; the file would replace it",
                                 where=f"{shown}:{item.line}", fix="edit the memo in the workbench, or remove the row")
            continue
        if not item.code.exclusive:
            continue
        rival = exclusive_rival(db, item.document_id, item.code, coder_id(db, item.coder), item.start, item.end)
        if rival is not None and rival["code_id"] != item.code.id:
            name = db.execute("SELECT name FROM codes WHERE id = ?", [rival["code_id"]]).fetchone()[0]
            raise CoderError(f"{item.code.group} is exclusive (one code per passage), and {item.coder} already gave this"
                             f" passage {name} in the study; the file would replace it", where=f"{shown}:{item.line}",
                             fix=f"uncode {name} there first if {item.code.name} is right, or remove the row")


def import_codings(db: Database, path: Path | str, *, name: str | None = None, limits: Limits = LIMITS) -> CodingsFileReport:
    """Load a coding file: every row checked first, then one transaction; a file loaded before is skipped."""
    path = Path(path)
    shown = name or path.name
    raw = _read(path, shown, limits)
    sha = hashlib.sha256(raw).hexdigest()
    report = CodingsFileReport(shown)
    if setting(db, SETTING_PREFIX + sha) is not None:
        report.skipped = True
        return report
    planned = _plan(db, raw, shown, limits)
    report.rows = len(planned)
    report.coders = list(dict.fromkeys(p.coder for p in planned))
    with transaction(db):
        _check_against_the_study(db, planned, shown)  # under the write lock: the study as the load will find it
        ids = {coder: add_coder(db, coder) for coder in report.coders}  # the file names its coders
        arrivals = [Arrival(item.document_id, item.code.id, ids[item.coder], item.start, item.end, item.memo)
                    for item in planned if item.code is not None]
        memo_ops = _write_memos(db, [item for item in planned if item.code is None], ids)
        del planned  # held once, not twice, while they are written
        ops_json, made = apply_many(db, arrivals)
        if memo_ops:
            ops_json = "[" + ",".join(part for part in (ops_json[1:-1], json.dumps(memo_ops)[1:-1]) if part) + "]"
        report.added = sum(made)
        set_setting(db, SETTING_PREFIX + sha, shown)
        log_event(db, "import_codings", coder_id=None, ops_json=ops_json,  # one event, every coding it brought
                  summary=f"imported {report.added} codings from {shown} ({', '.join(report.coders) or 'no coders'})")
    return report


def _write_memos(db: Database, rows: list[PlannedCoding], ids: dict[str, int]) -> list:
    """The memo rows as the coders' memos on their passages (one already there with the same words is left)."""
    changes = Changes(db)
    stamp = now()
    for item in rows:
        if memo(db, ids[item.coder], document_id=item.document_id, start=item.start, end=item.end) is None:
            changes.insert("memos", {"uuid": new_uuid(), "coder_id": ids[item.coder], "document_id": item.document_id,
                                     "start": item.start, "end": item.end, "code_id": None, "text": item.memo,
                                     "created": stamp, "updated": stamp})
    return changes.ops


def write_codings_file(db: Database, coder: str, path: Path) -> int:
    """One coder's codings and passage memos as a coding file that `import_codings` loads again; returns the rows.

    A coding that covers whole passages is written by passage number (or range), any other by its offsets."""
    who = coder_id(db, coder)
    passages: dict[int, list[tuple[int, int, int]]] = {}
    for document_id, ordinal, start, end in db.execute(
            "SELECT document_id, ordinal, start, end FROM segments ORDER BY document_id, ordinal"):
        passages.setdefault(document_id, []).append((ordinal, start, end))
    rows = []
    for document, document_id, start, end, path_, note in db.execute(
            "SELECT d.name, d.id, c.start, c.end, g.name || '/' || k.name, c.memo FROM codings c JOIN documents d ON d.id = c.document_id"
            " JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id WHERE c.coder_id = ?"
            " UNION ALL SELECT d.name, d.id, m.start, m.end, '', m.text FROM memos m JOIN documents d ON d.id = m.document_id"
            " WHERE m.coder_id = ? AND m.code_id IS NULL AND m.start IS NOT NULL ORDER BY 1, 3, 5", [who, who]):
        rows.append([document, *_placed(passages.get(document_id, []), start, end), path_, coder, note or ""])
    text = csv_text(["document", "passage", "start", "end", "code", "coder", "memo"], rows)
    path.write_text(text, encoding="utf-8")
    return len(rows)


def _placed(passages: list[tuple[int, int, int]], start: int, end: int) -> tuple[str, str, str]:
    """(passage, start, end) cells: `7` or `7-9` when the span is exactly whole passages, else its offsets."""
    first = next((o for o, s, _ in passages if s == start), None)
    last = next((o for o, _, e in passages if e == end), None)
    if first is not None and last is not None and first <= last:
        return (str(first) if first == last else f"{first}-{last}"), "", ""
    return "", str(start), str(end)


def import_codings_folder(db: Database, folder: Path, *, root: Path | None = None) -> list[CodingsFileReport]:
    """Load every `.csv` coding file of a folder (in name order) that has not been loaded before."""
    if not folder.is_dir():
        return []
    reports = []
    for path in sorted(folder.glob("*.csv")):
        shown = path.relative_to(root).as_posix() if root and root in path.parents else path.name
        reports.append(import_codings(db, path, name=shown))
    return reports
