"""Cross-tabulations of the coding: codes, groups, phases, actors, documents, attributes and coders
against each other, counted over passages, characters, words or documents.

The counting rule (docs/network-and-crosstabs.md says it for researchers): a passage counts for a
code when one of the chosen coders has a coding of that code overlapping the passage by at least
one character; it counts in the cell (row, column) when the same coder gave it both the row's and
the column's value. Document and attribute values belong to every passage of a document.

Besides the table itself: co-occurrence, the chi-square test, the passages behind a cell, the
unit × code presence matrix, and the actor counts the network-vs-coding table sets beside centrality.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coder.crosstab.counting import (
    Side,
    coverage,
    distinct_labels,
    join_on_unit,
    labelled_hits,
    sorted_unique,
    tally,
    unit_pairs,
)
from coder.crosstab.dimensions import (
    Coders,
    Dimension,
    attribute_text,
    choose_coders,
    choose_documents,
    code_dimension,
    codebook_lookup,
    dimension,
    document_rows,
    find_group,
    sub_codes_of,
    unknown_group,
    within_codes,
)
from coder.crosstab.passages import Hits, StudyArrays, coded_hits, only_within
from coder.crosstab.result import CrossTab, Number
from coder.crosstab.small import count, small_study
from coder.db import Database
from coder.errors import CoderError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

MEASURES = ("passages", "characters", "words", "documents")
PERCENTS = ("row", "col")


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
    within: str | None = None,
) -> CrossTab:
    """Cross-tabulate two dimensions of the coding (see the module docstring for the counting rule).

    Args:
        measure: passages (default), characters or words coded with both values, or documents that
            have both values somewhere (not necessarily in one passage).
        once_per_document: count passages, but each document at most once per cell.
        percent: "row" or "col": each cell as a share of its row's (column's) total.
        coders: coder names, or ["all"]; default: every coder but the consensus coder (`choose_coders`).
        documents: document names, patterns or KEY=VALUE attribute conditions.
        group: restricts the `code` dimension (and which codings make passages count for the others).
        within: a code: only passages the same coder also coded with it or one of its sub-codes count (a
            table for one phase, say: who does what in Phase 1).
    """
    measure = _check(measure, MEASURES, "measure")
    marking = within_codes(db, within)
    if percent is not None:
        percent = _check(percent, PERCENTS, "percent")
    if once_per_document and measure != "passages":
        raise CoderError("--once-per-document counts passages", fix="drop --measure, or use --measure documents")
    chosen = choose_coders(db, coders)
    doc_ids = choose_documents(db, documents)
    row_dim = dimension(db, rows, group=group, phase_group=phase_group, roll_up=roll_up, documents=doc_ids, coders=chosen)
    col_dim = dimension(db, columns, group=group, phase_group=phase_group, roll_up=roll_up, documents=doc_ids, coders=chosen)
    n_a, n_b = len(row_dim.labels), len(col_dim.labels)
    cells: list[list[Number]]
    row_totals: list[Number]
    col_totals: list[Number]
    if not n_a or not n_b:  # margins of nothing: 0.0, as numpy's zeros
        cells, row_totals, col_totals, total = [[0] * n_b for _ in range(n_a)], [0.0] * n_a, [0.0] * n_b, 0
    elif measure in ("passages", "documents") and (small := small_study(db)) is not None:
        if marking is not None:
            small = [(seg, doc, kept) for seg, doc, coded in small
                     if (kept := {who: codes for who, codes in coded.items() if codes & marking})]
        cells, row_totals, col_totals, total = count(
            small, row_dim, col_dim, chosen.ids, doc_ids, _code_ids(db, row_dim, col_dim, group),
            by_document=measure == "documents", once_per_document=once_per_document)
    else:
        import numpy as np  # ≈0.1 s

        hits, arrays, a, b = _both_sides(db, row_dim, col_dim, chosen, doc_ids, group, marking)
        ncod = max(len(chosen.ids), 1)
        if measure in ("passages", "documents"):
            by_doc = measure == "documents"
            unit = (hits.doc if by_doc else hits.seg) * ncod + hits.coder
            units, la, lb = unit_pairs(unit[a[0]], a[1], unit[b[0]], b[1], n_a, n_b, same=row_dim.same_values(col_dim))
            place = units // ncod
            if once_per_document:
                place = arrays.seg_doc[place]
            counted = tally(place, la, lb, n_a, n_b)
        else:
            counted = coverage(db, hits, arrays, a, b, n_a, n_b, measure)
        cells, row_totals, col_totals = (np.asarray(part).tolist() for part in counted[:3])
        total = counted[3]
    result = CrossTab(cells, row_totals, col_totals, list(row_dim.labels), list(col_dim.labels), total,
                      rows=row_dim, columns=col_dim, measure=measure, percent=percent,
                      once_per_document=once_per_document, coders=chosen, within=within)
    return _drop_retired(db, result)


def _check(value: str, allowed: Sequence[str], what: str) -> str:
    value = value.lower()
    if value == "column":
        value = "col"
    if value not in allowed:
        raise CoderError(f"unknown {what} '{value}'", fix=f"use one of: {', '.join(allowed)}")
    return value


def _both_sides(db: Database, row_dim: Dimension, col_dim: Dimension, coders: Coders, doc_ids: list[int] | None,
                group: str | None, marking: set[int] | None = None) -> tuple[Hits, StudyArrays, Side, Side]:
    """Load the codings the two dimensions need and each side's labelled hits.

    A code dimension needs its own codes. A document, attribute or coder value comes with any coding, so
    when neither side is a code dimension the codings of `group` (or of every code) make passages count.
    With `marking` (the codes of `within`), only passages where the same coder also coded one of them.
    """
    code_ids = _code_ids(db, row_dim, col_dim, group)
    if marking is not None and code_ids is not None:
        code_ids = sorted({*code_ids, *marking})
    hits, arrays = coded_hits(db, coders.ids, doc_ids, code_ids)
    if marking is not None:
        hits = only_within(hits, max(len(coders.ids), 1), marking)
    return hits, arrays, labelled_hits(row_dim, hits), labelled_hits(col_dim, hits)


def _code_ids(db: Database, row_dim: Dimension, col_dim: Dimension, group: str | None) -> list[int] | None:
    """The codes whose codings count for these two dimensions (None: every code)."""
    code_dims = [d.codes for d in (row_dim, col_dim) if d.codes is not None]
    if code_dims:
        return sorted({c for codes in code_dims for c in codes})
    return dimension(db, "code", group=group).codes if group else None


def _drop_retired(db: Database, result: CrossTab) -> CrossTab:
    """Codes retired from the codebook stay in a table only while they still have counts."""
    retired = {r[0] for r in db.execute("SELECT name FROM codes WHERE active = 0")}
    if not retired:
        return result
    keep_rows = [i for i, label in enumerate(result.row_labels) if label not in retired or result.row_sums[i] > 0]
    keep_cols = [j for j, label in enumerate(result.col_labels) if label not in retired or result.col_sums[j] > 0]
    result.cells = [[result.cells[i][j] for j in keep_cols] for i in keep_rows]
    result.row_labels, result.row_sums = [result.row_labels[i] for i in keep_rows], [result.row_sums[i] for i in keep_rows]
    result.col_labels, result.col_sums = [result.col_labels[j] for j in keep_cols], [result.col_sums[j] for j in keep_cols]
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
    """Pearson's chi-square test of a table, with its expected counts and what to beware of."""

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
    within: str | None = None,
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
    hits, arrays, a, b = _both_sides(db, row_dim, col_dim, chosen, doc_ids, group, within_codes(db, within))
    ncod = max(len(chosen.ids), 1)
    wanted_a = _label_index(row_dim, row_value)
    wanted_b = _label_index(col_dim, column_value)
    pick_a = a[0][a[1] == wanted_a] if wanted_a is not None else a[0]
    pick_b = b[0][b[1] == wanted_b] if wanted_b is not None else b[0]
    if measure == "documents":
        unit = hits.doc * ncod + hits.coder
        docs = np.intersect1d(unit[pick_a], unit[pick_b]) // ncod
        either = np.concatenate([pick_a, pick_b])
        segs = sorted_unique(hits.seg[either][np.isin(hits.doc[either], docs)])
    else:
        unit = hits.seg * ncod + hits.coder
        segs = sorted_unique(np.intersect1d(unit[pick_a], unit[pick_b]) // ncod)
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
    book = codebook_lookup(db)
    codes = [c for c in book.ids if (not group or book.group[c].lower() == group.lower()) and book.active[c]]
    if group and not codes:
        unknown_group(book, group)
    hits, arrays = coded_hits(db, chosen.ids, doc_ids, codes)
    docs = document_rows(db, doc_ids)
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
            frame[name] = [None if v is None else attribute_text(v) for v in values]
    frame.attrs["coders"] = chosen.describe()
    return frame


# The coding behind the network-vs-coding table ----------------------------------------------------


@dataclass
class ActorCounts:
    """What the coding shows each actor doing: its passages, and its passages by function and by phase."""

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
    within: int | None = None,
) -> ActorCounts:
    """Passages per actor, and per actor × function and actor × phase (same passage, same coder).

    Args:
        within: a code id: only passages the same coder also coded with it or one of its sub-codes (e.g. the
            technological-knowledge code, to set the coding against the technological network).
    """
    import numpy as np  # ≈0.1 s

    chosen = choose_coders(db, coders)
    doc_ids = choose_documents(db, documents)
    book = codebook_lookup(db)
    actor_codes = [c for c in book.ids if c in book.organisation]
    marking = sub_codes_of(book, within) if within is not None else set()
    actors = code_dimension("actor", "actor", actor_codes, lambda c: book.organisation[c][0])
    extra = []
    for name in (function_group, phase_group):
        found = find_group(book, name) if name else None
        extra.append(dimension(db, f"group:{found}", roll_up=roll_up) if found else None)
    functions, phases = extra
    code_ids = [*actor_codes, *((functions.codes or []) if functions else []), *((phases.codes or []) if phases else []), *marking]
    hits, _ = coded_hits(db, chosen.ids, doc_ids, code_ids)
    ncod = max(len(chosen.ids), 1)
    if within is not None:
        hits = only_within(hits, ncod, marking)
    unit = hits.seg * ncod + hits.coder
    ra, la = labelled_hits(actors, hits)
    n_a = max(len(actors.labels), 1)
    distinct = sorted_unique(hits.seg[ra] * n_a + la)
    per_actor = np.bincount(distinct % n_a, minlength=len(actors.labels))
    passages = {label: int(per_actor[i]) for i, label in enumerate(actors.labels)}
    actor_side = distinct_labels(unit[ra], la, n_a)

    def cross(dim: Dimension | None) -> tuple[list[str], dict[tuple[str, str], int], dict[str, int]]:
        if dim is None:
            return [], {}, {}
        rb, lb = labelled_hits(dim, hits)
        n_b = max(len(dim.labels), 1)
        units, x, y = join_on_unit(*actor_side, *distinct_labels(unit[rb], lb, n_b))
        keys = sorted_unique(((units // ncod) * n_a + x) * n_b + y)
        table = np.bincount(keys % (n_a * n_b), minlength=n_a * n_b).reshape(n_a, n_b)
        cells = {(actors.labels[i], dim.labels[j]): int(table[i, j])
                 for i in range(len(actors.labels)) for j in range(len(dim.labels))}
        totals = {dim.labels[j]: int(table[:, j].sum()) for j in range(len(dim.labels))}
        return list(dim.labels), cells, totals

    function_labels, by_function, totals = cross(functions)
    phase_labels, by_phase, _ = cross(phases)
    return ActorCounts(list(actors.labels), function_labels, phase_labels, passages, by_function, totals, by_phase,
                       list(chosen.names))
