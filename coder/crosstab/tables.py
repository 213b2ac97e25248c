"""Cross-tabulations of the coding: codes, groups, phases, actors, documents, attributes and coders
against each other, counted over passages, characters, words or documents.

The counting rule (docs/network-and-crosstabs.md says it for researchers): a passage counts for a
code when one of the chosen coders has a coding of that code overlapping the passage by at least
one character; it counts in the cell (row, column) when the same coder gave it both the row's and
the column's value. Document and attribute values belong to every passage of a document.

Codings are mapped onto passages with numpy (a sorted search per coding, no SQL range join) and
kept per connection until the database changes, so a screen that re-tabulates does not read them again.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder.coding import consensus_coder
from coder.db import Database, setting
from coder.errors import CoderError
from coder.spans import overlapping

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy
    import pandas

MEASURES = ("passages", "characters", "words", "documents")
PERCENTS = ("row", "col")
TYPE_DIMENSIONS = ("type", "organisation type", "organisation_type", "org_type", "orgtype")
NO_VALUE = "(none)"
CHUNK = 1_000_000  # codings per SQL read: keeps each group_concat string well under SQLite's limit
_WORD = re.compile(r"\w+")


# Who counts: coders and documents ---------------------------------------------------------------


@dataclass(frozen=True)
class Coders:
    ids: tuple[int, ...]
    names: tuple[str, ...]
    rule: str  # "chosen", "consensus", "current" or "all"

    def describe(self) -> str:
        names = ", ".join(self.names) or "nobody"
        return names if self.rule == "chosen" else f"{names} ({self.rule})"


def choose_coders(db: Database, names: Sequence[str] | None = None) -> Coders:
    """The coders whose codings count: those named; else the consensus coder if it has codings,
    else the current coder if it has codings, else everybody. `all` names everybody."""
    everybody = db.execute("SELECT id, name FROM coders ORDER BY name").fetchall()
    if names and any(n.strip().lower() == "all" for n in names):
        return Coders(tuple(r[0] for r in everybody), tuple(r[1] for r in everybody), "all")
    if names:
        known = {name: coder_id for coder_id, name in everybody}
        missing = [n for n in names if n not in known]
        if missing:
            raise CoderError(f"no coder named {', '.join(repr(m) for m in missing)}",
                             fix=f"use one of: {', '.join(known) or 'none yet'} (or all)")
        chosen = list(dict.fromkeys(names))
        return Coders(tuple(known[n] for n in chosen), tuple(chosen), "chosen")
    for rule, name in (("consensus", consensus_coder(db)), ("current", setting(db, "current_coder"))):
        row = db.execute("SELECT id FROM coders WHERE name = ? AND EXISTS (SELECT 1 FROM codings WHERE coder_id = coders.id)",
                         [name]).fetchone() if name else None
        if row:
            return Coders((row[0],), (name,), rule)
    return Coders(tuple(r[0] for r in everybody), tuple(r[1] for r in everybody), "all")


def choose_documents(db: Database, selectors: Sequence[str] | None = None) -> list[int] | None:
    """Document ids from names, glob patterns (`int0*`) or attribute conditions (`kind=interview`); None = all."""
    if not selectors:
        return None
    rows = db.execute("SELECT id, name, path, attributes FROM documents ORDER BY name").fetchall()
    chosen: dict[int, None] = {}
    for selector in selectors:
        matched = []
        if "=" in selector:
            key, _, value = selector.partition("=")
            key = key.strip().removeprefix("attr:")
            matched = [r[0] for r in rows if _attribute_text(json.loads(r[3] or "{}").get(key)) == value.strip()]
        else:
            matched = [r[0] for r in rows if fnmatch.fnmatchcase(r[1], selector) or r[2] == selector]
        if not matched:
            raise CoderError(f"no document matches '{selector}'",
                             fix="name documents by id, a pattern like 'int0*', or an attribute like kind=interview")
        chosen.update(dict.fromkeys(matched))
    return list(chosen)


def _attribute_text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return NO_VALUE
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


# Loading codings and passages into arrays (cached until the database changes) ----------------------


@dataclass
class _Arrays:
    """Every passage, and every (coding, passage it overlaps) pair, of the whole study."""

    hit_seg: numpy.ndarray  # index into the seg_ arrays
    hit_doc: numpy.ndarray
    hit_code: numpy.ndarray
    hit_coder: numpy.ndarray  # coder id
    hit_start: numpy.ndarray  # the coding clipped to the passage
    hit_end: numpy.ndarray
    seg_id: numpy.ndarray
    seg_doc: numpy.ndarray
    seg_ordinal: numpy.ndarray
    seg_start: numpy.ndarray
    seg_end: numpy.ndarray


_CACHE: dict[int, tuple[Any, tuple[int, int], _Arrays]] = {}


def _columns(db: Database, sql: str, count: int, params: Sequence[Any] = ()) -> list[numpy.ndarray]:
    """Integer columns of a query, read through group_concat: far faster than fetching rows one by one."""
    import numpy as np  # ≈0.1 s

    row = db.execute(sql, list(params)).fetchone()
    return [np.fromstring(value or "", dtype=np.int64, sep=",") for value in (row or [None] * count)]


def _arrays(db: Database) -> _Arrays:
    import numpy as np  # ≈0.1 s

    marker = (db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes)
    cached = _CACHE.get(id(db.conn))
    if cached and cached[0] is db.conn and cached[1] == marker:
        return cached[2]
    low, high = db.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM codings").fetchone()
    parts = [_columns(db, "SELECT group_concat(document_id), group_concat(code_id), group_concat(coder_id),"
                          " group_concat(start), group_concat(end) FROM codings WHERE id BETWEEN ? AND ?",
                      5, [first, min(first + CHUNK - 1, high)]) for first in range(low, high + 1, CHUNK)]
    doc, code, coder, start, end = [np.concatenate([p[i] for p in parts]) if parts else np.zeros(0, np.int64)
                                    for i in range(5)]
    seg = _columns(db, "SELECT group_concat(id), group_concat(document_id), group_concat(ordinal),"
                       " group_concat(start), group_concat(end) FROM segments", 5)
    order = np.lexsort((seg[3], seg[1]))  # by document, then start
    seg_id, seg_doc, seg_ordinal, seg_start, seg_end = (column[order] for column in seg)
    which, hit_seg = overlapping((seg_doc, seg_start, seg_end), (doc, start, end))
    arrays = _Arrays(hit_seg, doc[which], code[which], coder[which], np.maximum(start[which], seg_start[hit_seg]),
                     np.minimum(end[which], seg_end[hit_seg]), seg_id, seg_doc, seg_ordinal, seg_start, seg_end)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[id(db.conn)] = (db.conn, marker, arrays)
    return arrays


@dataclass
class _Hits:
    """One row per (coding, passage it overlaps), after the coder/document/code filters."""

    seg: numpy.ndarray  # index into the passage arrays
    doc: numpy.ndarray
    code: numpy.ndarray
    coder: numpy.ndarray  # dense index into Coders.ids
    start: numpy.ndarray  # the coding clipped to the passage
    end: numpy.ndarray


Side = tuple["numpy.ndarray", "numpy.ndarray"]  # (positions in the hits, label index)


def _hits(db: Database, coders: Coders, documents: list[int] | None, code_ids: Sequence[int] | None) -> tuple[_Hits, _Arrays]:
    import numpy as np  # ≈0.1 s

    a = _arrays(db)
    dense = _lookup(dict(zip(coders.ids, range(len(coders.ids)))), a.hit_coder)
    keep = dense[a.hit_coder] >= 0
    if documents is not None:
        keep &= _lookup(dict.fromkeys(documents, 1), a.hit_doc)[a.hit_doc] >= 0
    if code_ids is not None:
        keep &= _lookup(dict.fromkeys(code_ids, 1), a.hit_code)[a.hit_code] >= 0
    rows = np.flatnonzero(keep)
    return _Hits(seg=a.hit_seg[rows], doc=a.hit_doc[rows], code=a.hit_code[rows], coder=dense[a.hit_coder[rows]],
                 start=a.hit_start[rows], end=a.hit_end[rows]), a


# Dimensions --------------------------------------------------------------------------------------


@dataclass
class _Codebook:
    ids: list[int]
    name: dict[int, str]
    group: dict[int, str]
    exclusive: dict[str, bool]
    generated: dict[int, bool]
    active: dict[int, bool]
    top: dict[int, int]
    organisation: dict[int, tuple[str, str | None]]  # code → (organisation name, type)
    groups: list[str]


def _codebook(db: Database) -> _Codebook:
    rows = db.execute(
        "SELECT c.id, c.name, g.name, g.exclusive, g.generate, c.parent_id, c.active, o.name, o.type"
        " FROM codes c JOIN code_groups g ON g.id = c.group_id LEFT JOIN organisations o ON o.id = c.organisation_id"
        " ORDER BY g.ordinal, c.ordinal, c.id").fetchall()
    parent = {r[0]: r[5] for r in rows}
    top = {}
    for code_id in parent:
        ancestor, seen = code_id, set()
        while parent.get(ancestor) and ancestor not in seen:
            seen.add(ancestor)
            ancestor = parent[ancestor]
        top[code_id] = ancestor
    groups = [r[0] for r in db.execute("SELECT name FROM code_groups ORDER BY ordinal, id")]
    return _Codebook(
        ids=[r[0] for r in rows], name={r[0]: r[1] for r in rows}, group={r[0]: r[2] for r in rows},
        exclusive={r[2]: bool(r[3]) for r in rows}, generated={r[0]: r[4] == "organisations" for r in rows},
        active={r[0]: bool(r[6]) for r in rows}, top=top,
        organisation={r[0]: (r[7], r[8]) for r in rows if r[7] is not None and r[4] == "organisations"}, groups=groups,
    )


@dataclass
class Dimension:
    """One axis of a table: its values and how a coding (or its passage) maps onto them."""

    spec: str
    title: str
    kind: str  # "code": from the coding's code; "coder"; "document": from the passage's document
    labels: list[str]
    code_label: dict[int, int] = field(default_factory=dict)
    doc_label: dict[int, int] = field(default_factory=dict)

    @property
    def codes(self) -> list[int] | None:
        return list(self.code_label) if self.kind == "code" else None


def _find_group(book: _Codebook, name: str) -> str | None:
    return next((g for g in book.groups if g.lower() == name.lower()), None)


def _code_dimension(spec: str, title: str, book: _Codebook, codes: list[int], label_of: Any,
                    order: list[str] | None = None) -> Dimension:
    labels: list[str] = []
    mapping: dict[int, int] = {}
    for code_id in codes:
        label = label_of(code_id)
        if label not in labels:
            labels.append(label)
        mapping[code_id] = labels.index(label)
    if order is not None:
        ranked = sorted(labels, key=lambda x: (order.index(x) if x in order else len(order), x))
        mapping = {c: ranked.index(labels[i]) for c, i in mapping.items()}
        labels = ranked
    return Dimension(spec, title, "code", labels, code_label=mapping)


def dimension(db: Database, spec: str, *, group: str | None = None, phase_group: str = "phase",
              roll_up: bool = False, documents: list[int] | None = None, coders: Coders | None = None) -> Dimension:
    """Resolve a dimension name: code, group, phase, actor, type, document, attr:KEY, coder, or a code group's name.

    Args:
        group: restricts the `code` dimension to one code group.
        roll_up: sub-codes count for their top-level code (in code and code-group dimensions).
    """
    book = _codebook(db)
    text = spec.strip()
    key = text.lower()
    top = (lambda c: book.top[c]) if roll_up else (lambda c: c)

    def named_codes(codes: list[int], title: str) -> Dimension:
        chosen = [c for c in codes if top(c) == c]
        names = [book.name[c] for c in chosen]
        label = {c: book.name[c] if names.count(book.name[c]) == 1 else f"{book.group[c]}/{book.name[c]}" for c in chosen}
        return _code_dimension(text, title, book, codes, lambda c: label[top(c)])

    if key == "code":
        codes = book.ids
        if group:
            found = _find_group(book, group) or _unknown_group(book, group)
            codes = [c for c in codes if book.group[c] == found]
        return named_codes(codes, f"code ({group})" if group else "code")
    if key in ("group", "code group", "code_group"):
        return _code_dimension(text, "code group", book, book.ids, lambda c: book.group[c], order=book.groups)
    if key in ("actor", "organisation", "organization"):
        codes = [c for c in book.ids if c in book.organisation]
        if not codes:
            raise CoderError("the codebook has no actor codes", fix="add a group with generate: organisations")
        return _code_dimension(text, "actor", book, codes, lambda c: book.organisation[c][0])
    if key in TYPE_DIMENSIONS:
        codes = [c for c in book.ids if c in book.organisation]
        return _code_dimension(text, "organisation type", book, codes, lambda c: book.organisation[c][1] or NO_VALUE,
                               order=[])
    if key in ("document", "documents", "doc"):
        rows = _documents(db, documents)
        return Dimension(text, "document", "document", [r[1] for r in rows], doc_label={r[0]: i for i, r in enumerate(rows)})
    if key.startswith("attr:") or key.startswith("attribute:"):
        name = text.split(":", 1)[1].strip()
        rows = _documents(db, documents)
        values = {r[0]: _attribute_text(json.loads(r[2] or "{}").get(name)) for r in rows}
        if all(v == NO_VALUE for v in values.values()):
            known = sorted({k for r in rows for k in json.loads(r[2] or "{}")})
            raise CoderError(f"no document has the attribute '{name}'", fix=f"use one of: {', '.join(known) or 'none'}")
        labels = sorted(set(values.values()), key=lambda v: (v == NO_VALUE, v))
        return Dimension(text, name, "document", labels, doc_label={d: labels.index(v) for d, v in values.items()})
    if key == "coder":
        chosen = coders or choose_coders(db, ["all"])
        return Dimension(text, "coder", "coder", list(chosen.names))
    if key == "phase":
        found = _find_group(book, phase_group) or _unknown_group(book, phase_group)
        return named_codes([c for c in book.ids if book.group[c] == found], found)
    found = _find_group(book, key.removeprefix("group:").strip())
    if found:
        return named_codes([c for c in book.ids if book.group[c] == found], found)
    raise CoderError(f"unknown dimension '{spec}'",
                     fix="use code, group, phase, actor, type, document, attr:KEY, coder, or a code group: "
                         + ", ".join(book.groups))


def _unknown_group(book: _Codebook, name: str) -> str:
    raise CoderError(f"no code group named '{name}'", fix=f"use one of: {', '.join(book.groups)}")


def _documents(db: Database, documents: list[int] | None) -> list[tuple[int, str, str]]:
    rows = db.execute("SELECT id, name, attributes FROM documents ORDER BY name").fetchall()
    return [r for r in rows if documents is None or r[0] in set(documents)]


# Counting ----------------------------------------------------------------------------------------


def _side(dim: Dimension, hits: _Hits) -> tuple[numpy.ndarray, numpy.ndarray]:
    """(positions in hits, label index) of the hits that have a value on this dimension."""
    import numpy as np  # ≈0.1 s

    if dim.kind == "coder":
        return np.arange(len(hits.coder)), hits.coder
    if dim.kind == "document":
        lookup = _lookup(dim.doc_label, hits.doc)
        labels = lookup[hits.doc] if len(hits.doc) else np.zeros(0, np.int64)
    else:
        lookup = _lookup(dim.code_label, hits.code)
        labels = lookup[hits.code] if len(hits.code) else np.zeros(0, np.int64)
    rows = np.flatnonzero(labels >= 0)
    return rows, labels[rows]


def _lookup(mapping: dict[int, int], keys: numpy.ndarray) -> numpy.ndarray:
    import numpy as np  # ≈0.1 s

    size = max([*mapping, int(keys.max()) if len(keys) else 0]) + 1
    table = np.full(size, -1, dtype=np.int64)
    if mapping:
        table[list(mapping)] = list(mapping.values())
    return table


def _unique(keys: numpy.ndarray, *, presorted: bool = False) -> numpy.ndarray:
    """Sorted distinct values. NumPy 2's hash-based np.unique is several times slower on a million int64."""
    import numpy as np  # ≈0.1 s

    ordered = keys if presorted else np.sort(keys)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _distinct(keys: numpy.ndarray, labels: numpy.ndarray, n: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    combined = _unique(keys * n + labels)
    return combined // n, combined % n


def _pairs(unit_a: numpy.ndarray, lab_a: numpy.ndarray, unit_b: numpy.ndarray, lab_b: numpy.ndarray,
           n_a: int, n_b: int) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """Every (unit, row label, column label) where the same unit carries both labels."""
    return _join(*_distinct(unit_a, lab_a, max(n_a, 1)), *_distinct(unit_b, lab_b, max(n_b, 1)))


def _join(ua: numpy.ndarray, la: numpy.ndarray, ub: numpy.ndarray, lb: numpy.ndarray
          ) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """Join two distinct (unit, label) lists, both sorted by unit, on the unit."""
    import numpy as np  # ≈0.1 s

    low = np.searchsorted(ub, ua, side="left")
    count = np.searchsorted(ub, ua, side="right") - low
    ia = np.repeat(np.arange(len(ua)), count)
    ib = np.repeat(low, count) + (np.arange(len(ia)) - np.repeat(np.cumsum(count) - count, count))
    return ua[ia], la[ia], lb[ib]


@dataclass
class CrossTab:
    """A table of counts with its margins; `table` is what to show (counts or percentages)."""

    counts: pandas.DataFrame
    row_totals: pandas.Series
    col_totals: pandas.Series
    total: float
    rows: Dimension
    columns: Dimension
    measure: str
    percent: str | None
    once_per_document: bool
    coders: Coders

    @property
    def table(self) -> pandas.DataFrame:
        if self.percent == "row":
            return (self.counts.div(self.row_totals.where(self.row_totals > 0), axis=0) * 100).fillna(0.0)
        if self.percent == "col":
            return (self.counts.div(self.col_totals.where(self.col_totals > 0), axis=1) * 100).fillna(0.0)
        return self.counts

    def with_totals(self) -> pandas.DataFrame:
        """The table with a `total` column and row (distinct units, so not the sum when units share cells)."""
        import pandas as pd  # ≈0.3 s

        shown = self.table.copy()
        whole = self.total or float("nan")
        if self.percent != "row":  # counts: the row margins; column %: each row's share of all units
            shown["total"] = self.row_totals if self.percent is None else 100.0 * self.row_totals / whole
        if self.percent != "col":
            bottom = self.col_totals if self.percent is None else 100.0 * self.col_totals / whole
            values = bottom.tolist() + ([self.total] if "total" in shown.columns else [])
            shown = pd.concat([shown, pd.DataFrame([values], index=["total"], columns=shown.columns)])
        shown.index.name, shown.columns.name = self.counts.index.name, self.counts.columns.name
        return shown

    @property
    def unit(self) -> str:
        return "documents" if self.measure == "documents" or self.once_per_document else self.measure

    def describe(self) -> str:
        how = "once per document" if self.once_per_document else self.measure
        return f"{self.rows.title} × {self.columns.title}: {how}, coded by {self.coders.describe()}"


def crosstab(
    db: Database,
    rows: str,
    columns: str,
    *,
    measure: str = "passages",
    once_per_document: bool = False,
    percent: str | None = None,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    group: str | None = None,
    phase_group: str = "phase",
    roll_up: bool = False,
) -> CrossTab:
    """Cross-tabulate two dimensions of the coding (see the module docstring for the counting rule).

    Args:
        measure: passages (default), characters or words coded with both values, or documents that
            have both values somewhere (not necessarily in one passage).
        once_per_document: count passages, but each document at most once per cell.
        percent: "row" or "col": each cell as a share of its row's (column's) total.
        coders: coder names, or ["all"]; default: the consensus coder, else the current coder, else all.
        documents: document names, patterns or KEY=VALUE attribute conditions.
        group: restricts the `code` dimension (and which codings make passages count for the others).
    """
    import numpy as np  # ≈0.1 s
    import pandas as pd  # ≈0.3 s

    measure = _check(measure, MEASURES, "measure")
    if percent is not None:
        percent = _check(percent, PERCENTS, "percent")
    if once_per_document and measure != "passages":
        raise CoderError("--once-per-document counts passages", fix="drop --measure, or use --measure documents")
    chosen = choose_coders(db, coders)
    doc_ids = choose_documents(db, documents)
    row_dim = dimension(db, rows, group=group, phase_group=phase_group, roll_up=roll_up, documents=doc_ids, coders=chosen)
    col_dim = dimension(db, columns, group=group, phase_group=phase_group, roll_up=roll_up, documents=doc_ids, coders=chosen)
    hits, arrays, a, b = _both_sides(db, row_dim, col_dim, chosen, doc_ids, group)
    n_a, n_b = len(row_dim.labels), len(col_dim.labels)
    ncod = max(len(chosen.ids), 1)
    if not n_a or not n_b:
        cells, row_totals, col_totals, total = np.zeros((n_a, n_b), np.int64), np.zeros(n_a), np.zeros(n_b), 0
    elif measure in ("passages", "documents"):
        by_doc = measure == "documents"
        unit = (hits.doc if by_doc else hits.seg) * ncod + hits.coder
        units, la, lb = _pairs(unit[a[0]], a[1], unit[b[0]], b[1], n_a, n_b)
        place = units // ncod
        if once_per_document:
            place = arrays.seg_doc[place]
        cells, row_totals, col_totals, total = _tally(place, la, lb, n_a, n_b)
    else:
        cells, row_totals, col_totals, total = _coverage(db, hits, arrays, a, b, n_a, n_b, ncod, measure)
    frame = pd.DataFrame(cells, index=pd.Index(row_dim.labels, name=row_dim.title),
                         columns=pd.Index(col_dim.labels, name=col_dim.title))
    result = CrossTab(
        counts=frame, row_totals=pd.Series(row_totals, index=frame.index, name="total"),
        col_totals=pd.Series(col_totals, index=frame.columns, name="total"), total=total,
        rows=row_dim, columns=col_dim, measure=measure, percent=percent, once_per_document=once_per_document, coders=chosen,
    )
    return _drop_retired(db, result)


def _check(value: str, allowed: Sequence[str], what: str) -> str:
    value = value.lower()
    if value == "column":
        value = "col"
    if value not in allowed:
        raise CoderError(f"unknown {what} '{value}'", fix=f"use one of: {', '.join(allowed)}")
    return value


def _both_sides(db: Database, row_dim: Dimension, col_dim: Dimension, coders: Coders, doc_ids: list[int] | None,
                group: str | None) -> tuple[_Hits, _Arrays, Side, Side]:
    """Load the codings the two dimensions need and each side's labelled hits.

    A code dimension needs its own codes. A document, attribute or coder value comes with any coding, so
    when neither side is a code dimension the codings of `group` (or of every code) make passages count.
    """
    code_dims = [d.codes for d in (row_dim, col_dim) if d.codes is not None]
    if code_dims:
        code_ids: list[int] | None = sorted({c for codes in code_dims for c in codes})
    else:
        code_ids = dimension(db, "code", group=group).codes if group else None
    hits, arrays = _hits(db, coders, doc_ids, code_ids)
    return hits, arrays, _side(row_dim, hits), _side(col_dim, hits)


def _tally(place: numpy.ndarray, la: numpy.ndarray, lb: numpy.ndarray, n_a: int, n_b: int) -> tuple[Any, Any, Any, int]:
    """Count distinct places per cell, per row, per column and overall."""
    import numpy as np  # ≈0.1 s

    n_a, n_b = max(n_a, 1), max(n_b, 1)
    cells = _unique((place * n_a + la) * n_b + lb)  # sorted, so (place, row) and place come out sorted too
    table = np.bincount(cells % (n_a * n_b), minlength=n_a * n_b).reshape(n_a, n_b)
    rows = np.bincount(_unique(cells // n_b, presorted=True) % n_a, minlength=n_a)
    cols = np.bincount(_unique((cells // (n_a * n_b)) * n_b + cells % n_b) % n_b, minlength=n_b)
    return table, rows, cols, int(len(_unique(cells // (n_a * n_b), presorted=True)))


def _intervals(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if start < end:
            out.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


def _coverage(db: Database, hits: _Hits, arrays: _Arrays, a: Side, b: Side, n_a: int, n_b: int, ncod: int,
              measure: str) -> tuple[Any, Any, Any, int]:
    """Characters (or words) coded with both values, by the same coder; each character counted once per cell."""
    import numpy as np  # ≈0.1 s

    def spans(side: Side) -> dict[tuple[int, int, int], list[tuple[int, int]]]:
        found: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
        for row, label in zip(side[0].tolist(), side[1].tolist()):
            key = (int(hits.seg[row]), int(hits.coder[row]), label)
            found.setdefault(key, []).append((int(hits.start[row]), int(hits.end[row])))
        return {k: _intervals(v) for k, v in found.items()}

    left, right = spans(a), spans(b)
    by_unit: dict[tuple[int, int], list[tuple[int, list]]] = {}
    for (seg, coder, label), pieces in right.items():
        by_unit.setdefault((seg, coder), []).append((label, pieces))
    cells: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    for (seg, coder, la), pieces in left.items():
        for lb, other in by_unit.get((seg, coder), []):
            common = _intersect(pieces, other)
            if common:
                cells.setdefault((seg, la, lb), []).extend(common)
    texts: dict[int, str] = {}

    def size(seg: int, pieces: list[tuple[int, int]]) -> int:
        pieces = _intervals(pieces)
        if measure == "characters":
            return sum(e - s for s, e in pieces)
        doc = int(arrays.seg_doc[seg])
        if doc not in texts:
            texts[doc] = db.execute("SELECT text FROM documents WHERE id = ?", [doc]).fetchone()[0]
        return sum(len(_WORD.findall(texts[doc], s, e)) for s, e in pieces)

    table = np.zeros((n_a, n_b), dtype=np.int64)
    rows: dict[tuple[int, int], list] = {}
    cols: dict[tuple[int, int], list] = {}
    every: dict[int, list] = {}
    for (seg, la, lb), pieces in cells.items():
        table[la, lb] += size(seg, pieces)
        rows.setdefault((seg, la), []).extend(pieces)
        cols.setdefault((seg, lb), []).extend(pieces)
        every.setdefault(seg, []).extend(pieces)
    row_totals = np.zeros(n_a, dtype=np.int64)
    for (seg, la), pieces in rows.items():
        row_totals[la] += size(seg, pieces)
    col_totals = np.zeros(n_b, dtype=np.int64)
    for (seg, lb), pieces in cols.items():
        col_totals[lb] += size(seg, pieces)
    return table, row_totals, col_totals, sum(size(seg, pieces) for seg, pieces in every.items())


def _drop_retired(db: Database, result: CrossTab) -> CrossTab:
    """Codes retired from the codebook stay in a table only while they still have counts."""
    retired = {r[0] for r in db.execute("SELECT name FROM codes WHERE active = 0")}
    if not retired:
        return result
    counts = result.counts
    keep_rows = [i for i in counts.index if i not in retired or result.row_totals[i] > 0]
    keep_cols = [c for c in counts.columns if c not in retired or result.col_totals[c] > 0]
    result.counts = counts.loc[keep_rows, keep_cols]
    result.row_totals = result.row_totals.loc[keep_rows]
    result.col_totals = result.col_totals.loc[keep_cols]
    return result


def cooccurrence(
    db: Database,
    *,
    group: str | None = None,
    measure: str = "passages",
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    roll_up: bool = False,
    once_per_document: bool = False,
) -> CrossTab:
    """Codes × codes: passages coded with both (the diagonal: passages coded with the code)."""
    return crosstab(db, "code", "code", measure=measure, coders=coders, documents=documents, group=group,
                    roll_up=roll_up, once_per_document=once_per_document)


# Statistics --------------------------------------------------------------------------------------


@dataclass
class ChiSquare:
    statistic: float
    dof: int
    p: float
    n: float
    expected: pandas.DataFrame
    small_expected: int  # cells with an expected count below 5
    warnings: list[str]

    def describe(self) -> str:
        text = f"chi-square = {self.statistic:.3f}, df = {self.dof}, p = {self.p:.4g} (n = {self.n:g})"
        return "\n".join([text, *(f"warning: {w}" for w in self.warnings)])


def chi_square(result: CrossTab) -> ChiSquare:
    """Pearson's chi-square test of independence on the counts (no continuity correction).

    Rows and columns that are all zero are left out. Warns when expected counts are below 5
    and when units were counted in several cells (the test assumes one cell per unit).
    """
    if result.measure in ("characters", "words"):
        raise CoderError("chi-square needs counts of passages or documents", fix="drop --measure characters/words")
    from scipy.stats import chi2_contingency  # ≈0.4 s

    counts = result.counts
    table = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise CoderError(f"chi-square needs at least 2 non-empty rows and columns (this table has {table.shape[0]} × {table.shape[1]})",
                         fix="choose dimensions with more values, or more documents")
    test = chi2_contingency(table.to_numpy(), correction=False)
    import pandas as pd  # ≈0.3 s

    expected = pd.DataFrame(test.expected_freq, index=table.index, columns=table.columns)
    small = int((expected < 5).to_numpy().sum())
    warnings = []
    if small:
        share = 100.0 * small / expected.size
        warnings.append(f"{small} of {expected.size} cells ({share:.0f} %) have an expected count below 5"
                        + (" (more than 20 %: the test is unreliable)" if share > 20 else ""))
    if float(expected.to_numpy().min()) < 1:
        warnings.append("a cell has an expected count below 1")
    n = float(table.to_numpy().sum())
    if n > result.total:
        warnings.append(f"{n:g} counts come from {result.total} {result.unit}: some were counted in several cells,"
                        " which the test does not allow for")
    return ChiSquare(float(test.statistic), int(test.dof), float(test.pvalue), n, expected, small, warnings)


# Drill-down and matrices -------------------------------------------------------------------------


def cell_passages(
    db: Database,
    rows: str,
    columns: str,
    row_value: str | None,
    column_value: str | None,
    *,
    measure: str = "passages",
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    group: str | None = None,
    phase_group: str = "phase",
    roll_up: bool = False,
) -> list[dict[str, Any]]:
    """The passages behind one cell: (document, passage ordinal, speaker, start, end, text), in document order.

    A None value stands for the margin (any value of that dimension). For the documents measure the
    passages are those of the counted documents that carry either value.
    """
    import numpy as np  # ≈0.1 s

    chosen = choose_coders(db, coders)
    doc_ids = choose_documents(db, documents)
    row_dim = dimension(db, rows, group=group, phase_group=phase_group, roll_up=roll_up, documents=doc_ids, coders=chosen)
    col_dim = dimension(db, columns, group=group, phase_group=phase_group, roll_up=roll_up, documents=doc_ids, coders=chosen)
    hits, arrays, a, b = _both_sides(db, row_dim, col_dim, chosen, doc_ids, group)
    ncod = max(len(chosen.ids), 1)
    wanted_a = _label_index(row_dim, row_value)
    wanted_b = _label_index(col_dim, column_value)
    pick_a = a[0][a[1] == wanted_a] if wanted_a is not None else a[0]
    pick_b = b[0][b[1] == wanted_b] if wanted_b is not None else b[0]
    if measure == "documents":
        unit = hits.doc * ncod + hits.coder
        docs = np.intersect1d(unit[pick_a], unit[pick_b]) // ncod
        either = np.concatenate([pick_a, pick_b])
        segs = _unique(hits.seg[either][np.isin(hits.doc[either], docs)])
    else:
        unit = hits.seg * ncod + hits.coder
        segs = _unique(np.intersect1d(unit[pick_a], unit[pick_b]) // ncod)
    ids = arrays.seg_id[segs].tolist()
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    cursor = db.execute(
        "SELECT d.name AS document, s.ordinal AS passage, s.speaker, s.start, s.end,"
        f" substr(d.text, s.start + 1, s.end - s.start) AS text FROM segments s JOIN documents d ON d.id = s.document_id"
        f" WHERE s.id IN ({marks}) ORDER BY d.name, s.ordinal", ids)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _label_index(dim: Dimension, value: str | None) -> int | None:
    if value is None:
        return None
    if value in dim.labels:
        return dim.labels.index(value)
    folded = [label.lower() for label in dim.labels]
    if value.lower() in folded:
        return folded.index(value.lower())
    raise CoderError(f"'{value}' is not a value of {dim.title}", fix=f"use one of: {', '.join(dim.labels)}")


def presence_matrix(
    db: Database,
    *,
    unit: str = "passage",
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    group: str | None = None,
    attributes: bool = True,
) -> pandas.DataFrame:
    """A unit × code 0/1 matrix for statistics packages: one row per passage (or document), one column
    per code (`group/name`), 1 when a chosen coder coded it there; document attributes as extra columns."""
    import numpy as np  # ≈0.1 s
    import pandas as pd  # ≈0.3 s

    if unit not in ("passage", "document"):
        raise CoderError(f"unknown unit '{unit}'", fix="use passage or document")
    chosen = choose_coders(db, coders)
    doc_ids = choose_documents(db, documents)
    book = _codebook(db)
    codes = [c for c in book.ids if (not group or book.group[c].lower() == group.lower()) and book.active[c]]
    if group and not codes:
        _unknown_group(book, group)
    hits, arrays = _hits(db, chosen, doc_ids, codes)
    docs = _documents(db, doc_ids)
    doc_row = {d[0]: i for i, d in enumerate(docs)}
    column = {c: i for i, c in enumerate(codes)}
    if unit == "passage":
        keep = np.flatnonzero(np.isin(arrays.seg_doc, [d[0] for d in docs]))
        order = sorted(keep.tolist(), key=lambda s: (doc_row[int(arrays.seg_doc[s])], int(arrays.seg_ordinal[s])))
        position = np.full(len(arrays.seg_id), -1, dtype=np.int64)
        position[order] = np.arange(len(order))
        places = position[hits.seg]
        index = {"document": [docs[doc_row[int(arrays.seg_doc[s])]][1] for s in order],
                 "passage": [int(arrays.seg_ordinal[s]) for s in order]}
        n = len(order)
        unit_doc = [int(arrays.seg_doc[s]) for s in order]
    else:
        places = np.array([doc_row[int(d)] for d in hits.doc.tolist()], dtype=np.int64)
        index = {"document": [d[1] for d in docs]}
        n = len(docs)
        unit_doc = [d[0] for d in docs]
    matrix = np.zeros((n, len(codes)), dtype=np.int8)
    if len(places):
        matrix[places, [column[int(c)] for c in hits.code.tolist()]] = 1
    frame = pd.DataFrame(index)
    labels = [f"{book.group[c]}/{book.name[c]}" for c in codes]
    frame = pd.concat([frame, pd.DataFrame(matrix, columns=labels)], axis=1)
    if attributes:
        attrs = {d[0]: json.loads(d[2] or "{}") for d in docs}
        keys = list(dict.fromkeys(k for d in docs for k in attrs[d[0]]))
        for key in keys:
            name = key if key not in frame.columns else f"attr:{key}"
            values = [attrs[d].get(key) for d in unit_doc]
            frame[name] = [None if v is None else _attribute_text(v) for v in values]
    frame.attrs["coders"] = chosen.describe()
    return frame


def export_table(frame: pandas.DataFrame, path: Path, *, overwrite: bool = False, index: bool = True) -> Path:
    """Write a table as CSV, XLSX, Markdown or JSON (by the file's suffix); never replaces a file unless asked."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise CoderError(f"{path} already exists", fix="choose another name, or pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=index, encoding="utf-8")
    elif suffix == ".xlsx":
        frame.to_excel(path, index=index, engine="openpyxl")  # openpyxl ≈0.3 s, loaded by pandas here
    elif suffix == ".md":
        path.write_text(_markdown(frame, index), encoding="utf-8")
    elif suffix == ".json":
        frame.reset_index().to_json(path, orient="records", force_ascii=False, indent=2) if index else \
            frame.to_json(path, orient="records", force_ascii=False, indent=2)
    else:
        raise CoderError(f"cannot write a table as '{path.suffix}'", where=str(path), fix="use .csv, .xlsx, .md or .json")
    return path


def _markdown(frame: pandas.DataFrame, index: bool) -> str:
    data = frame.reset_index() if index else frame
    header = [str(c) for c in data.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in data.itertuples(index=False):
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines) + "\n"


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """`folder/stem.suffix`, or `stem-2.suffix`, `stem-3.suffix`… if taken: exports never overwrite."""
    safe = re.sub(r"[^\w.-]+", "-", stem).strip("-") or "table"
    path = folder / f"{safe}{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{safe}-{number}{suffix}"
        number += 1
    return path


# The coding behind the network-vs-coding table ----------------------------------------------------


@dataclass
class ActorCounts:
    actors: list[str]
    functions: list[str]
    phases: list[str]
    passages: dict[str, int]
    by_function: dict[tuple[str, str], int]
    function_totals: dict[str, int]
    by_phase: dict[tuple[str, str], int]
    coders: list[str]


def actor_counts(
    db: Database,
    *,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    function_group: str | None = "function",
    phase_group: str | None = "phase",
    roll_up: bool = True,
) -> ActorCounts:
    """Passages per actor, and per actor × function and actor × phase (same passage, same coder)."""
    import numpy as np  # ≈0.1 s

    chosen = choose_coders(db, coders)
    doc_ids = choose_documents(db, documents)
    book = _codebook(db)
    actor_codes = [c for c in book.ids if c in book.organisation]
    actors = _code_dimension("actor", "actor", book, actor_codes, lambda c: book.organisation[c][0])
    extra = []
    for name in (function_group, phase_group):
        found = _find_group(book, name) if name else None
        extra.append(dimension(db, f"group:{found}", roll_up=roll_up) if found else None)
    functions, phases = extra
    code_ids = [*actor_codes, *(functions.codes if functions else []), *(phases.codes if phases else [])]
    hits, _ = _hits(db, chosen, doc_ids, code_ids)
    ncod = max(len(chosen.ids), 1)
    unit = hits.seg * ncod + hits.coder
    ra, la = _side(actors, hits)
    n_a = max(len(actors.labels), 1)
    distinct = _unique(hits.seg[ra] * n_a + la)
    per_actor = np.bincount(distinct % n_a, minlength=len(actors.labels))
    passages = {label: int(per_actor[i]) for i, label in enumerate(actors.labels)}
    actor_side = _distinct(unit[ra], la, n_a)

    def cross(dim: Dimension | None) -> tuple[list[str], dict[tuple[str, str], int], dict[str, int]]:
        if dim is None:
            return [], {}, {}
        rb, lb = _side(dim, hits)
        n_b = max(len(dim.labels), 1)
        units, x, y = _join(*actor_side, *_distinct(unit[rb], lb, n_b))
        cells = _unique(((units // ncod) * n_a + x) * n_b + y)
        table = np.bincount(cells % (n_a * n_b), minlength=n_a * n_b).reshape(n_a, n_b)
        cells = {(actors.labels[i], dim.labels[j]): int(table[i, j])
                 for i in range(len(actors.labels)) for j in range(len(dim.labels))}
        totals = {dim.labels[j]: int(table[:, j].sum()) for j in range(len(dim.labels))}
        return list(dim.labels), cells, totals

    function_labels, by_function, totals = cross(functions)
    phase_labels, by_phase, _ = cross(phases)
    return ActorCounts(list(actors.labels), function_labels, phase_labels, passages, by_function, totals, by_phase,
                       list(chosen.names))
