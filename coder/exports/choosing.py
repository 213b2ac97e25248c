"""Which codings an excerpt query picks, and the codebook that files them under a heading.

Codes (with the codes below them), coders, documents (by name, pattern or attribute), passages
(a crosstab cell), phases, and combinations judged at passage level and per coder as each
coder's coding says it: a coding of A is kept "with B" when its coder also coded B in one of the
passages it touches, and "without C" when that coder coded C in none of them.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from coder.codebook import codebook_tree
from coder.coding import find_code, find_document
from coder.crosstab.dimensions import choose_documents
from coder.db import Database
from coder.errors import CoderError
from coder.exports.citing import DocumentIndex, chunks, load_documents

if TYPE_CHECKING:
    from coder.exports.excerpts import ExcerptQuery

Coding = tuple  # (uuid, document_id, code_id, coder_id, start, end, memo, created)


class CodeTree:
    """Codes in codebook order, with their paths and parents, to file each coding under a heading."""

    def __init__(self, db: Database) -> None:
        tree = codebook_tree(db)
        self.rank = {row["id"]: index for index, row in enumerate(tree)}
        self.paths = {row["id"]: f"{row['group']}/{row['code']}" for row in tree}
        self.names = {row["id"]: (row["code"], row["group"]) for row in tree}
        self.parent = {row["id"]: row["parent_id"] for row in tree}
        self.ranks_of_paths = {path: self.rank[i] for i, path in self.paths.items()}

    def path_rank(self, path: str) -> int:
        """Where a code path comes in the codebook (unknown ones last)."""
        return self.ranks_of_paths.get(path, len(self.ranks_of_paths))

    def with_sub_codes(self, ids: list[int]) -> list[int]:
        """The codes and every code below them."""
        below: dict[int, list[int]] = defaultdict(list)
        for code, parent in self.parent.items():
            below[parent].append(code)
        found, stack = list(ids), list(ids)
        while stack:
            children = [c for c in below.get(stack.pop(), ()) if c not in found]
            found += children
            stack += children
        return found

    def heading(self, code: int, asked: set[int], sub_codes: str) -> int:
        """The code a coding of `code` is filed under: itself, or (`with`) its highest ancestor that was asked for."""
        if sub_codes != "with":
            return code
        heading, parent = code, self.parent.get(code)
        while parent is not None:
            if not asked or parent in asked:
                heading = parent
            parent = self.parent.get(parent)
        return heading


def chosen_codes(db: Database, query: ExcerptQuery) -> list[int]:
    """Ids of the asked-for codes; empty means every code."""
    ids = [find_code(db, name).id for name in query.codes]
    if query.group:
        group = db.execute("SELECT id FROM code_groups WHERE lower(name) = lower(?)", [query.group]).fetchone()
        if group is None:
            known = ", ".join(r[0] for r in db.execute("SELECT name FROM code_groups ORDER BY ordinal"))
            raise CoderError(f"no code group named '{query.group}'", fix=f"use one of: {known}")
        ids += [r[0] for r in db.execute("SELECT id FROM codes WHERE group_id = ? ORDER BY ordinal", [group[0]])]
    return list(dict.fromkeys(ids))


def chosen_codings(db: Database, query: ExcerptQuery, code_ids: list[int], coder_ids: list[int], also: list[int],
                   without: list[int]) -> list[Coding]:
    """The codings of the codes by the coders that the query's documents, passages, phases and combinations keep,
    in document order (by name, then position)."""
    rows = codings(db, code_ids, coder_ids, choose_documents(db, query.documents) or [])
    wanted = passage_spans(db, query.passages)
    if wanted is not None:
        rows = [r for r in rows if any(s < r[5] and e > r[4] for s, e in wanted.get(r[1], ()))]
    if query.phases or also or without:
        indexes = load_documents(db, {r[1] for r in rows}, text=False)  # their passages, to judge at passage level
        if query.phases:
            rows = in_phases(rows, phase_spans(db, query, coder_ids, indexes), indexes)
        if also or without:
            rows = combined(db, rows, indexes, also, without)
    return rows


def combined(db: Database, rows: list[Coding], documents: dict[int, DocumentIndex], also: list[int],
             without: list[int]) -> list[Coding]:
    """The codings whose passages also carry every `also` code and none of the `without` codes, by the same coder."""
    coded = coded_passages(db, documents, also + without)
    kept = []
    for row in rows:
        document = documents[row[1]]
        first, last = document.passages(row[4], row[5])
        here = set(document.ordinals[first : last + 1])
        place = (row[1], row[3])
        if all(coded[(*place, c)] & here for c in also) and not any(coded[(*place, c)] & here for c in without):
            kept.append(row)
    return kept


def coded_passages(db: Database, documents: dict[int, DocumentIndex], code_ids: list[int]) -> dict[tuple[int, int, int], set[int]]:
    """(document, coder, code) → the passage numbers its codings touch, by the citations' rule."""
    coded: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    codes = ",".join("?" * len(code_ids))
    for chunk in chunks(sorted(documents)):
        marks = ",".join("?" * len(chunk))
        for document_id, coder, code, start, end in db.execute(
            f"SELECT document_id, coder_id, code_id, start, end FROM codings WHERE code_id IN ({codes})"
            f" AND document_id IN ({marks})", [*code_ids, *chunk]
        ):
            index = documents[document_id]
            first, last = index.passages(start, end)
            coded[(document_id, coder, code)].update(index.ordinals[first : last + 1])
    return coded


def codings(db: Database, code_ids: list[int], coder_ids: list[int], document_ids: list[int]) -> list[tuple]:
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


def passage_spans(db: Database, passages: Sequence[tuple[str | int, int]]) -> dict[int, list[tuple[int, int]]] | None:
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


def in_phases(rows: list[tuple], spans: dict[int, list[tuple[int, int]]],
               documents: dict[int, DocumentIndex]) -> list[tuple]:
    """The codings whose passages overlap a coding of one of the chosen phases."""
    kept = []
    for row in rows:
        document = documents[row[1]]
        first, last = document.passages(row[4], row[5])
        span_start, span_end = document.starts[first], document.ends[last]
        if any(s < span_end and e > span_start for s, e in spans.get(row[1], ())):
            kept.append(row)
    return kept


def phase_spans(db: Database, query: ExcerptQuery, coder_ids: list[int],
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


def neighbour_codings(db: Database, rows: list[tuple]) -> dict[tuple[int, int], tuple[list[tuple[int, int, int]], int]]:
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


def also_coded(neighbours: tuple[list[tuple[int, int, int]], int] | None, start: int, end: int, codes: set[int],
                paths: dict[int, str]) -> list[str]:
    """Other codes the same coder put on spans overlapping the excerpt (not those it is filed under)."""
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
        if other_end > start and code not in codes:
            found[paths.get(code, str(code))] = None
    return list(found)
