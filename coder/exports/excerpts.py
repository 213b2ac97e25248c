"""Coded excerpts: the quote table researchers paste from when they write up.

`find_excerpts` picks the codings (by codes or a code group, coders, documents, phases, or an
explicit list of passages such as a crosstab cell) and gives each its citation — document,
interviewee role and organisation, passage number, line numbers in the transcript file or the
timestamp of a subtitle cue — its co-applied codes, its memo and, on request, the passage before
and after. `write_excerpts` writes them grouped by code then document as Markdown, Word, Excel,
CSV or JSON lines; `export_excerpts` does both and picks a file name that says what it holds.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from coder.codebook import codebook_tree
from coder.coding import coder_id, find_code, find_document
from coder.db import Database, setting
from coder.errors import CoderError
from coder.exports.citing import DocumentIndex, chunks, load_documents
from coder.exports.files import (
    Progress,
    check_format,
    export_name,
    free_path,
    output_path,
    replacing,
)

FORMATS = ("md", "docx", "xlsx", "csv", "jsonl")
DEFAULT_PHASE_GROUP = "phase"

COLUMNS = (
    "code_group", "code", "document", "title", "interviewee_role", "interviewee_organisation", "passage",
    "lines", "timestamp", "coder", "quote", "also_coded", "memo", "context_before", "context_after",
    "citation", "start", "end", "coding_uuid", "created",
)


@dataclass
class ExcerptQuery:
    """Which excerpts to export; every filter is optional (no codes and no group means all codes).

    Args:
        codes: code names, or `group/name` where two groups share a name.
        passages: (document name or id, passage number) pairs, e.g. the passages of a crosstab cell.
        phases: codes of the exclusive group `phase_group`; an excerpt is kept when its passage
            overlaps one of them, coded by one of the chosen coders (any coder if none is chosen).
        context: add the passage before and the passage after each excerpt.
    """

    codes: Sequence[str] = ()
    group: str | None = None
    coders: Sequence[str] = ()
    documents: Sequence[str] = ()
    phases: Sequence[str] = ()
    passages: Sequence[tuple[str | int, int]] = ()
    context: bool = False
    phase_group: str = DEFAULT_PHASE_GROUP


@dataclass(slots=True)
class Excerpt:
    """One coding with everything needed to quote and cite it."""

    code: str
    code_group: str
    document: str
    title: str | None
    role: str | None
    organisation: str | None
    coder: str
    start: int
    end: int
    text: str
    first_passage: int
    last_passage: int
    first_line: int | None = None
    last_line: int | None = None
    begin: str | None = None
    finish: str | None = None
    also_coded: list[str] = field(default_factory=list)  # code paths
    memo: str | None = None
    before: str | None = None
    after: str | None = None
    uuid: str = ""
    created: str = ""

    @property
    def code_path(self) -> str:
        return f"{self.code_group}/{self.code}"

    @property
    def passage(self) -> str:
        return str(self.first_passage) if self.first_passage == self.last_passage else f"{self.first_passage}–{self.last_passage}"

    @property
    def lines(self) -> str:
        if self.first_line is None:
            return ""
        return str(self.first_line) if self.first_line == self.last_line else f"{self.first_line}–{self.last_line}"

    @property
    def timestamp(self) -> str:
        if not self.begin:
            return ""
        return f"{self.begin}–{self.finish}" if self.finish and self.finish != self.begin else self.begin

    @property
    def citation(self) -> str:
        """`int03, President, PROMANGO, ¶ 12, lines 45–47` (or the cue time instead of lines)."""
        parts = [self.document]
        if self.role:
            parts.append(self.role)
        if self.organisation:
            parts.append(self.organisation)
        parts.append(f"¶ {self.passage}")
        if self.first_line is not None:
            parts.append(f"line {self.first_line}" if self.first_line == self.last_line else f"lines {self.first_line}–{self.last_line}")
        if self.begin:
            parts.append(self.timestamp)
        return ", ".join(parts)

    def cells(self) -> list[Any]:
        """The excerpt's values in the order of COLUMNS."""
        return [self.code_group, self.code, self.document, self.title, self.role, self.organisation, self.passage,
                self.lines, self.timestamp, self.coder, self.text, "; ".join(self.also_coded), self.memo, self.before,
                self.after, self.citation, self.start, self.end, self.uuid, self.created]

    def row(self) -> dict[str, Any]:
        """The excerpt as one flat record (CSV, Excel, JSON lines)."""
        return dict(zip(COLUMNS, self.cells()))


@dataclass
class ExcerptSet:
    """The excerpts of one export with what was asked for, for headings and file names."""

    items: list[Excerpt]
    heading: str
    filters: list[str]
    name_parts: list[str]
    study: str | None = None
    code_order: list[str] = field(default_factory=list)  # code paths, codebook order

    def by_code(self) -> list[tuple[str, list[Excerpt]]]:
        """(code path, its excerpts) in codebook order; the excerpts are already in document order."""
        groups: dict[str, list[Excerpt]] = defaultdict(list)
        for item in self.items:
            groups[item.code_path].append(item)
        return [(path, groups[path]) for path in self.code_order if path in groups]


# Choosing the excerpts ---------------------------------------------------------------------------


def _code_order(db: Database) -> tuple[dict[int, int], dict[int, str]]:
    rank, paths = {}, {}
    for index, row in enumerate(codebook_tree(db)):
        rank[row["id"]] = index
        paths[row["id"]] = f"{row['group']}/{row['code']}"
    return rank, paths


def find_excerpts(db: Database, query: ExcerptQuery | None = None) -> ExcerptSet:
    """The excerpts a query asks for, grouped by code (codebook order) then document, with citations."""
    query = query or ExcerptQuery()
    rank, paths = _code_order(db)
    code_ids = _chosen_codes(db, query)
    coder_ids = [coder_id(db, name) for name in query.coders]
    document_ids = [find_document(db, name) for name in query.documents]
    rows = _codings(db, code_ids, coder_ids, document_ids)
    wanted_spans = _passage_spans(db, query.passages)
    if wanted_spans is not None:
        rows = [r for r in rows if any(s < r[5] and e > r[4] for s, e in wanted_spans.get(r[1], ()))]
    documents = load_documents(db, {r[1] for r in rows})
    phase_spans = _phase_spans(db, query, coder_ids, documents) if query.phases else None
    neighbours = _neighbour_codings(db, rows)
    path_rank = {path: rank[i] for i, path in paths.items()}
    names = {r[0]: (r[1], r[2]) for r in db.execute("SELECT c.id, c.name, g.name FROM codes c JOIN code_groups g ON g.id = c.group_id")}
    coders = dict(db.execute("SELECT id, name FROM coders").fetchall())
    last_rank = len(rank)
    items: list[tuple[int, Excerpt]] = []
    right, left = bisect.bisect_right, bisect.bisect_left  # the loop below runs once per excerpt: keep it lean
    for uuid, document_id, code, coder, start, end, memo, created in rows:
        document = documents[document_id]
        first = right(document.ends, start)
        last = left(document.starts, end) - 1
        if first > last:
            first, last = document.passages(start, end)
        if phase_spans is not None:
            span_start, span_end = document.starts[first], document.ends[last]
            if not any(s < span_end and e > span_start for s, e in phase_spans.get(document_id, ())):
                continue
        code_name, group_name = names[code]
        excerpt = Excerpt(
            code_name, group_name, document.name, document.title, document.role, document.organisation, coders[coder],
            start, end, document.text[start:end], document.ordinals[first], document.ordinals[last],
            memo=memo, uuid=uuid, created=created,
            also_coded=_also_coded(neighbours.get((document_id, coder)), start, end, code, paths, path_rank),
        )
        if document.lines:
            newlines = document.newline_offsets()
            excerpt.first_line = document.body_line + left(newlines, start)
            excerpt.last_line = document.body_line + left(newlines, end - 1 if end > start else start)
        if document.timed:
            excerpt.begin, excerpt.finish = document.times[first][0], document.times[last][1]
        if query.context:
            excerpt.before = _passage_text(document, first - 1)
            excerpt.after = _passage_text(document, last + 1)
        items.append((rank.get(code, last_rank), excerpt))
    items.sort(key=itemgetter(0))  # stable: within a code, the SQL order (document, position, coder) stays
    chosen_paths = [paths[i] for i in sorted(code_ids, key=lambda i: rank.get(i, 0)) if i in paths]
    return ExcerptSet(
        items=[e for _, e in items],
        heading=_heading(query, chosen_paths),
        filters=_filters(query, chosen_paths),
        name_parts=_name_parts(query, chosen_paths),
        study=setting(db, "title"),
        code_order=[paths[i] for i in sorted(paths, key=lambda i: rank[i])],
    )


def _chosen_codes(db: Database, query: ExcerptQuery) -> list[int]:
    """Ids of the asked-for codes; empty means every code."""
    ids = [find_code(db, name).id for name in query.codes]
    if query.group:
        group = db.execute("SELECT id FROM code_groups WHERE lower(name) = lower(?)", [query.group]).fetchone()
        if group is None:
            known = ", ".join(r[0] for r in db.execute("SELECT name FROM code_groups ORDER BY ordinal"))
            raise CoderError(f"no code group named '{query.group}'", fix=f"use one of: {known}")
        ids += [r[0] for r in db.execute("SELECT id FROM codes WHERE group_id = ? ORDER BY ordinal", [group[0]])]
    return list(dict.fromkeys(ids))


def _codings(db: Database, code_ids: list[int], coder_ids: list[int], document_ids: list[int]) -> list[tuple]:
    """(uuid, document_id, code_id, coder_id, start, end, memo, created) of the chosen codings."""
    conditions, params = [], []
    for column, values in (("c.code_id", code_ids), ("c.coder_id", coder_ids), ("c.document_id", document_ids)):
        if values:
            conditions.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return db.execute(
        "SELECT c.uuid, c.document_id, c.code_id, c.coder_id, c.start, c.end, c.memo, c.created FROM codings c"
        f" JOIN documents d ON d.id = c.document_id JOIN coders r ON r.id = c.coder_id{where}"
        " ORDER BY d.name, c.start, c.end, r.name", params).fetchall()


def _passage_spans(db: Database, passages: Sequence[tuple[str | int, int]]) -> dict[int, list[tuple[int, int]]] | None:
    if not passages:
        return None
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for document, ordinal in passages:
        document_id = document if isinstance(document, int) else find_document(db, document)
        row = db.execute("SELECT start, end FROM segments WHERE document_id = ? AND ordinal = ?", [document_id, ordinal]).fetchone()
        if row is None:
            raise CoderError(f"passage {ordinal} of document {document} does not exist", fix="pick passages from the crosstab again")
        spans[document_id].append((row[0], row[1]))
    return spans


def _phase_spans(db: Database, query: ExcerptQuery, coder_ids: list[int],
                 documents: dict[int, DocumentIndex]) -> dict[int, list[tuple[int, int]]]:
    phase_ids = [find_code(db, p if "/" in p else f"{query.phase_group}/{p}").id for p in query.phases]
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    marks = ",".join("?" * len(phase_ids))
    coders = f" AND coder_id IN ({','.join('?' * len(coder_ids))})" if coder_ids else ""
    for document_id, start, end in db.execute(
        f"SELECT document_id, start, end FROM codings WHERE code_id IN ({marks}){coders}", [*phase_ids, *coder_ids]
    ):
        if document_id in documents:
            spans[document_id].append((start, end))
    return spans


def _neighbour_codings(db: Database, rows: list[tuple]) -> dict[tuple[int, int], tuple[list[tuple[int, int, int]], int]]:
    """Every coding of the documents and coders in `rows`, by (document, coder): sorted by start, with the longest span."""
    pairs = {(r[1], r[3]) for r in rows}
    documents = sorted({d for d, _ in pairs})
    coders = sorted({c for _, c in pairs})
    who = f" AND coder_id IN ({','.join('?' * len(coders))})"  # only their codings: a few coders of a large team's study
    found: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for chunk in chunks(documents):
        marks = ",".join("?" * len(chunk))
        for document_id, coder, start, end, code in db.execute(
            f"SELECT document_id, coder_id, start, end, code_id FROM codings WHERE document_id IN ({marks}){who}",
            [*chunk, *coders],
        ):
            if (document_id, coder) in pairs:
                found[(document_id, coder)].append((start, end, code))
    result = {}
    for key, spans in found.items():
        spans.sort()
        result[key] = (spans, max(e - s for s, e, _ in spans))
    return result


def _also_coded(neighbours: tuple[list[tuple[int, int, int]], int] | None, start: int, end: int, code_id: int,
                paths: dict[int, str], rank: dict[str, int]) -> list[str]:
    """Other codes the same coder put on spans overlapping the excerpt."""
    if not neighbours:
        return []
    spans, longest = neighbours
    index = bisect.bisect_left(spans, (end,))
    found: dict[str, None] = {}
    while index > 0:
        index -= 1
        other_start, other_end, code = spans[index]
        if other_start < start - longest:
            break
        if other_end > start and code != code_id:
            found[paths.get(code, str(code))] = None
    return sorted(found, key=lambda p: rank.get(p, len(rank))) if len(found) > 1 else list(found)


def _passage_text(document: DocumentIndex, index: int) -> str | None:
    if index < 0 or index >= len(document.starts):
        return None
    return document.text[document.starts[index] : document.ends[index]]


def _heading(query: ExcerptQuery, paths: list[str]) -> str:
    if query.group and not query.codes:
        return f"Coded excerpts: {query.group}"
    if paths:
        return "Coded excerpts: " + ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
    return "Coded excerpts"


def _filters(query: ExcerptQuery, paths: list[str]) -> list[str]:
    lines = []
    if query.group:
        lines.append(f"code group: {query.group}")
    if query.codes:
        lines.append("codes: " + ", ".join(query.codes))
    if not query.group and not query.codes:
        lines.append("codes: all")
    if query.coders:
        lines.append("coders: " + ", ".join(query.coders))
    if query.documents:
        lines.append("documents: " + ", ".join(query.documents))
    if query.phases:
        lines.append("phases: " + ", ".join(query.phases))
    if query.passages:
        shown = ", ".join(f"{d} ¶ {n}" for d, n in list(query.passages)[:6])
        lines.append(f"passages: {shown}" + (" …" if len(query.passages) > 6 else ""))
    return lines


def _name_parts(query: ExcerptQuery, paths: list[str]) -> list[str]:
    parts = ["excerpts"]
    if query.group:
        parts.append(query.group)
    if len(paths) <= 2 and query.codes:
        parts += [p.replace("/", "-") for p in paths]
    elif query.codes:
        parts.append(f"{len(paths)}-codes")
    if not query.group and not query.codes:
        parts.append("all")
    parts += list(query.coders)[:3]
    parts += list(query.documents)[:2] + ([f"{len(query.documents)}-documents"] if len(query.documents) > 2 else [])
    parts += list(query.phases)
    if query.passages:
        parts.append(f"{len(query.passages)}-passages")
    return parts


# Writing them --------------------------------------------------------------------------------------


def export_excerpts(
    db: Database,
    exports_dir: Path,
    query: ExcerptQuery | None = None,
    fmt: str = "md",
    *,
    output: Path | str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Find the excerpts and write them; returns the file written (a free name unless `force`)."""
    check_format(fmt, FORMATS)
    found = find_excerpts(db, query)
    path = free_path(output_path(exports_dir, export_name(found.name_parts, fmt), output), force=force)
    return write_excerpts(found, path, fmt, progress=progress)


def write_excerpts(found: ExcerptSet, path: Path, fmt: str = "md", *, progress: Progress | None = None) -> Path:
    """Write the excerpts to `path` in one format (md, docx, xlsx, csv, jsonl); returns `path`."""
    from coder.exports import excerpt_formats  # the writers need this module's excerpts: imported when writing

    check_format(fmt, FORMATS)
    writer = excerpt_formats.WRITERS[fmt]
    with replacing(path) as temp:
        writer(found, temp, progress or (lambda done, total: None))
    return path
