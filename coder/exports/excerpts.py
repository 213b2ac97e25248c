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
import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from coder.coding import CodeRef, find_code
from coder.crosstab.dimensions import choose_coders
from coder.db import Database, setting
from coder.errors import CoderError
from coder.exports.choosing import CodeTree, Coding, also_coded, chosen_codes, chosen_codings, neighbour_codings
from coder.exports.citing import DocumentIndex, load_documents
from coder.exports.files import Progress, check_format, export_target, replacing
from coder.pseudonyms import Pseudonyms

FORMATS = ("md", "docx", "xlsx", "csv", "jsonl")
DEFAULT_PHASE_GROUP = "phase"

COLUMNS = (
    "code_group", "code", "sub_codes", "document", "title", "interviewee_role", "interviewee_organisation", "passage",
    "passages", "lines", "timestamp", "coder", "quote", "also_coded", "memo", "context_before", "context_after",
    "citation", "start", "end", "coding_uuid", "created",
)


SUB_CODES = ("with", "apart", "without")


@dataclass
class ExcerptQuery:
    """Which excerpts to export; every filter is optional (no codes and no group means all codes).

    Args:
        codes: code names, or `group/name` where two groups share a name.
        coders: whose codings; none means every coder but the consensus coder (the analyses' rule).
        passages: (document name or id, passage number) pairs, e.g. the passages of a crosstab cell.
        documents: names, patterns (`int0*`) or attributes (`kind=interview`); any of them.
        phases: codes of the exclusive group `phase_group`; an excerpt is kept when its passage
            overlaps one of them, coded by one of the chosen coders.
        also: codes that must each be coded, by the coding's coder, in a passage the coding touches (AND).
        without: codes that none of those passages may carry, by the coding's coder (NOT).
        context: add the passage before and the passage after each excerpt.
        sub_codes: a code's sub-codes are filed `with` it (under its heading), `apart` (each under
            its own heading) or left out (`without`).
        each_coding: one excerpt per coding; by default the codings of one code (or its sub-codes) on
            overlapping spans make one excerpt that names its coders.
    """

    codes: Sequence[str] = ()
    group: str | None = None
    coders: Sequence[str] = ()
    documents: Sequence[str] = ()
    phases: Sequence[str] = ()
    passages: Sequence[tuple[str | int, int]] = ()
    also: Sequence[str] = ()
    without: Sequence[str] = ()
    context: bool = False
    phase_group: str = DEFAULT_PHASE_GROUP
    sub_codes: str = "with"
    each_coding: bool = False


@dataclass(slots=True)
class Excerpt:
    """A quote with everything needed to cite it: one coding, or the codings of several coders on one passage."""

    code: str  # the code it is filed under
    code_group: str
    document: str
    title: str | None
    role: str | None
    organisation: str | None
    coders: tuple[str, ...]
    start: int
    end: int
    text: str
    first_passage: int
    last_passage: int
    first_line: int | None = None
    last_line: int | None = None
    begin: str | None = None
    finish: str | None = None
    sub_codes: tuple[str, ...] = ()  # names, with their coders when not all of them: "Prices (ana)"
    also_coded: tuple[str, ...] = ()  # code paths
    also_by: tuple[str, ...] = ()  # for each of also_coded: its coders, when not every coder of the excerpt put it there
    memos: tuple[tuple[str, str], ...] = ()  # (coder, memo)
    before: str | None = None
    after: str | None = None
    uuids: tuple[str, ...] = ()
    created: str = ""

    @property
    def code_path(self) -> str:
        return f"{self.code_group}/{self.code}"

    @property
    def coder(self) -> str:
        return ", ".join(self.coders)

    @property
    def uuid(self) -> str:
        """The coding's uuid (space-separated when several codings make the excerpt)."""
        return " ".join(self.uuids)

    @property
    def memo(self) -> str | None:
        """The coding's memo; with several coders, each memo after its coder's name."""
        return "\n\n".join(f"{who}: {text}" if who else text for who, text in self.named_memos()) or None

    def also_named(self, name: Callable[[str], str] = str) -> list[str]:
        """The other codes, each named by `name` and followed by its coders where only some of the excerpt's put it."""
        by = self.also_by or ("",) * len(self.also_coded)
        return [name(path) + (f" ({who})" if who else "") for path, who in zip(self.also_coded, by)]

    def named_memos(self) -> list[tuple[str, str]]:
        """(coder, memo), the coder left blank when the excerpt has only one."""
        return [("" if len(self.coders) == 1 else who, text) for who, text in self.memos]

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
        return [self.code_group, self.code, "; ".join(self.sub_codes), self.document, self.title, self.role, self.organisation,
                self.first_passage, self.passage, self.lines, self.timestamp, self.coder, self.text, "; ".join(self.also_named()),
                self.memo, self.before, self.after, self.citation, self.start, self.end, self.uuid, self.created]

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


def find_excerpts(db: Database, query: ExcerptQuery | None = None) -> ExcerptSet:
    """The excerpts a query asks for, grouped by code (codebook order) then document, with citations."""
    query = query or ExcerptQuery()
    if query.sub_codes not in SUB_CODES:
        raise CoderError(f"unknown sub-codes choice '{query.sub_codes}'", fix=f"use one of: {', '.join(SUB_CODES)}")
    codebook = CodeTree(db)
    asked = chosen_codes(db, query)
    code_ids = asked if query.sub_codes == "without" or not asked else codebook.with_sub_codes(asked)
    whose = choose_coders(db, query.coders, progress=False)
    also, without = [find_code(db, c) for c in query.also], [find_code(db, c) for c in query.without]
    rows = chosen_codings(db, query, code_ids, list(whose.ids), [c.id for c in also], [c.id for c in without])
    coders = dict(db.execute("SELECT id, name FROM coders").fetchall())
    chosen = set(asked)
    filed: list[tuple[int, Excerpt]] = []
    with without_cycle_collection():
        for batch in _by_documents(rows):  # a few documents at a time: their texts are not all held at once
            documents = load_documents(db, {r[1] for r in batch})
            neighbours = neighbour_codings(db, batch)
            in_order = sorted(((codebook.heading(r[2], chosen, query.sub_codes), r) for r in batch),
                              key=lambda pair: codebook.rank.get(pair[0], len(codebook.rank)))  # stable: position order stays
            for heading, group in _excerpt_groups(in_order, query.each_coding):
                excerpt = _excerpt(heading, group, documents[group[0][1]], codebook, coders, neighbours)
                _place(excerpt, documents[group[0][1]], query.context)
                filed.append((codebook.rank.get(heading, len(codebook.rank)), excerpt))
    filed.sort(key=itemgetter(0))  # stable: within a code, documents by name, then position
    items = [excerpt for _, excerpt in filed]
    chosen_paths = [codebook.paths[i] for i in sorted(asked, key=lambda i: codebook.rank.get(i, 0)) if i in codebook.paths]
    return ExcerptSet(
        items=items,
        heading=_heading(query, chosen_paths, also, without),
        filters=_filters(query, whose.describe(), also, without),
        name_parts=_name_parts(query, chosen_paths, also, without),
        study=setting(db, "title"),
        code_order=[codebook.paths[i] for i in sorted(codebook.paths, key=codebook.rank.__getitem__)],
    )


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while an export builds or writes its excerpts (they hold no cycles): with
    200,000 of them alive, each full collection walks them all again, which took half the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _by_documents(rows: list[Coding], size: int = 50) -> Iterator[list[Coding]]:
    """The codings (in document order) in batches of whole documents, taken out of `rows` as they go: a large
    export does not hold every coding's row beside its excerpt."""
    while rows:
        end, documents = 0, 0
        for _, coding in groupby(rows, key=itemgetter(1)):
            end += sum(1 for _ in coding)
            documents += 1
            if documents == size:
                break
        batch = rows[:end]
        del rows[:end]
        yield batch


def _excerpt(heading: int, group: list[Coding], document: DocumentIndex, codebook: CodeTree, coders: dict[int, str],
             neighbours: dict) -> Excerpt:
    """The excerpt of one coding, or of the overlapping codings of several coders filed under one code."""
    code_name, group_name = codebook.names[heading]
    if len(group) == 1:  # the usual case, kept lean: it runs once per coding of a large export
        uuid, document_id, code, coder, start, end, memo, created = group[0]
        others = also_coded(neighbours.get((document_id, coder)), start, end, {code, heading}, codebook.paths)
        return Excerpt(code_name, group_name, document.name, document.title, document.role, document.organisation,
                       (coders[coder],), start, end, "", 0, 0,
                       sub_codes=() if code == heading else (codebook.names[code][0],),
                       memos=((coders[coder], memo),) if memo else (),
                       also_coded=tuple(sorted(others, key=codebook.path_rank) if len(others) > 1 else others),
                       uuids=(uuid,), created=created)
    codes = {r[2] for r in group} | {heading}
    everybody = {r[3] for r in group}
    others_by_coder: dict[str, set[int]] = defaultdict(set)
    for _, document_id, _, coder, start, end, _, _ in group:
        for path in also_coded(neighbours.get((document_id, coder)), start, end, codes, codebook.paths):
            others_by_coder[path].add(coder)
    others = sorted(others_by_coder, key=codebook.path_rank)
    return Excerpt(code_name, group_name, document.name, document.title, document.role, document.organisation,
                   tuple(sorted({coders[r[3]] for r in group})), min(r[4] for r in group), max(r[5] for r in group), "", 0, 0,
                   sub_codes=_sub_codes(group, heading, codebook, coders), memos=_memos(group, coders),
                   also_coded=tuple(others), uuids=tuple(r[0] for r in group),
                   also_by=tuple("" if others_by_coder[p] == everybody else ", ".join(sorted(coders[c] for c in others_by_coder[p]))
                                 for p in others),
                   created=min(r[7] for r in group))


def _excerpt_groups(filed: list[tuple[int, tuple]], each_coding: bool) -> Iterator[tuple[int, list[tuple]]]:
    """The codings that make one excerpt each: one coding, or (by default) every coding filed under one code on overlapping spans."""
    if each_coding:
        yield from ((heading, [row]) for heading, row in filed)
        return
    group: list[tuple] = []
    open_heading, reach = 0, -1
    for heading, row in filed:
        if group and heading == open_heading and row[1] == group[0][1] and row[4] < reach:
            group.append(row)
            reach = max(reach, row[5])
            continue
        if group:
            yield open_heading, group
        open_heading, reach, group = heading, row[5], [row]
    if group:
        yield open_heading, group


def _sub_codes(group: list[tuple], heading: int, codebook: CodeTree, coders: dict[int, str]) -> tuple[str, ...]:
    """The sub-codes an excerpt was coded with, each with its coders when not every coder of the excerpt used it."""
    everybody = {r[3] for r in group}
    used: dict[int, set[int]] = defaultdict(set)
    for row in group:
        if row[2] != heading:
            used[row[2]].add(row[3])
    named = []
    for code in sorted(used, key=codebook.rank.__getitem__):
        name = codebook.names[code][0]
        named.append(name if used[code] == everybody else f"{name} ({', '.join(sorted(coders[c] for c in used[code]))})")
    return tuple(named)


def _memos(group: list[tuple], coders: dict[int, str]) -> tuple[tuple[str, str], ...]:
    """Each coder's memos on the excerpt's codings, once each."""
    return tuple(dict.fromkeys((coders[r[3]], r[6]) for r in group if r[6]))


def _place(excerpt: Excerpt, document: DocumentIndex, context: bool) -> None:
    """Fill in the excerpt's text, passages, lines or cue times and (with `context`) the passages around it."""
    start, end = excerpt.start, excerpt.end
    first, last = document.passages(start, end)
    excerpt.text = document.text[start:end]
    excerpt.first_passage, excerpt.last_passage = document.ordinals[first], document.ordinals[last]
    if document.lines:
        newlines = document.newline_offsets()
        excerpt.first_line = document.body_line + bisect.bisect_left(newlines, start)
        excerpt.last_line = document.body_line + bisect.bisect_left(newlines, end - 1 if end > start else start)
    if document.timed:
        excerpt.begin, excerpt.finish = document.times[first][0], document.times[last][1]
    if context:
        excerpt.before = _passage_text(document, first - 1)
        excerpt.after = _passage_text(document, last + 1)


def _passage_text(document: DocumentIndex, index: int) -> str | None:
    if index < 0 or index >= len(document.starts):
        return None
    return document.text[document.starts[index] : document.ends[index]]


def _heading(query: ExcerptQuery, paths: list[str], also: list[CodeRef], without: list[CodeRef]) -> str:
    if query.group and not query.codes:
        heading = f"Coded excerpts: {query.group}"
    elif paths:
        heading = "Coded excerpts: " + ", ".join(paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
    else:
        heading = "Coded excerpts"
    return heading + (" with " + ", ".join(c.name for c in also) if also else "") + \
        (" without " + ", ".join(c.name for c in without) if without else "")


def _filters(query: ExcerptQuery, whose: str, also: list[CodeRef], without: list[CodeRef]) -> list[str]:
    lines = []
    if query.group:
        lines.append(f"code group: {query.group}")
    if query.codes:
        lines.append("codes: " + ", ".join(query.codes))
    if not query.group and not query.codes:
        lines.append("codes: all")
    lines.append(f"coders: {whose}")
    if query.sub_codes != "with":
        lines.append(f"sub-codes: {'each under its own heading' if query.sub_codes == 'apart' else 'left out'}")
    if query.each_coding:
        lines.append("one excerpt per coding")
    if query.documents:
        lines.append("documents: " + ", ".join(query.documents))
    if query.phases:
        lines.append("phases: " + ", ".join(query.phases))
    if query.passages:
        shown = ", ".join(f"{d} ¶ {n}" for d, n in list(query.passages)[:6])
        lines.append(f"passages: {shown}" + (" …" if len(query.passages) > 6 else ""))
    if also:
        lines.append("in the same passage as: " + ", ".join(c.path for c in also))
    if without:
        lines.append("not in a passage with: " + ", ".join(c.path for c in without))
    return lines


def _name_parts(query: ExcerptQuery, paths: list[str], also: list[CodeRef], without: list[CodeRef]) -> list[str]:
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
    if also:
        parts += ["and", *(c.name for c in also)]
    if without:
        parts += ["not", *(c.name for c in without)]
    return parts


# Writing them --------------------------------------------------------------------------------------


def export_excerpts(
    db: Database,
    exports_dir: Path,
    query: ExcerptQuery | None = None,
    fmt: str = "md",
    *,
    output: Path | str | None = None,
    keep_both: bool = False,
    progress: Progress | None = None,
    pseudonyms: Pseudonyms | None = None,
) -> Path:
    """Find the excerpts and write them; returns the file written (an earlier file of that name replaced unless `keep_both`).

    With `pseudonyms`, every name they hide is replaced in what is written (and the file name says so)."""
    check_format(fmt, FORMATS)
    found = find_excerpts(db, query)
    if pseudonyms is not None:
        from coder.exports.pseudonymised import hide

        hide(found, pseudonyms)
        found.name_parts.append("pseudonymised")
    path = export_target(exports_dir, found.name_parts, fmt, output, keep_both=keep_both)
    return write_excerpts(found, path, fmt, progress=progress)


def write_excerpts(found: ExcerptSet, path: Path, fmt: str = "md", *, progress: Progress | None = None) -> Path:
    """Write the excerpts to `path` in one format (md, docx, xlsx, csv, jsonl); returns `path`."""
    from coder.exports import excerpt_formats  # the writers need this module's excerpts: imported when writing

    check_format(fmt, FORMATS)
    writer = excerpt_formats.WRITERS[fmt]
    with replacing(path) as temp, without_cycle_collection():
        writer(found, temp, progress or (lambda done, total: None))
    return path
