"""The study-level agreement report: per code, per code group and pooled, on a chosen subset of the study.

`measure_agreement` reads documents × codes × coders (`coder.agreement.data`), turns codings
into units × coders tables by a documented overlap rule (or, at character level, into sections
on a continuum), and computes the coefficients of `metrics` and `unitized` on them; the
`Report` keeps the tables behind every figure so `save` can write them and `disagreements` can
list where the coders differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from coder.agreement.data import (
    CodeInfo,
    choose_coders,
    choose_codes,
    code_info,
    coded_in,
    coverage,
    default_documents,
    document_rows,
    documents_named,
    fetch_codings,
    load_units,
    not_done,
    prepare_codings,
    worked_on,
)
from coder.agreement.metrics import (
    DEFAULT_CONFIDENCE,
    DEFAULT_SEED,
    LEVELS,
    bootstrap_alpha,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)
from coder.agreement.ratings import Ratings, stack
from coder.agreement.result import MIN_CATEGORY_VALUES, MIN_SECTIONS, MIN_UNITS, RELIABLE, TENTATIVE, Result, rounded, undefined
from coder.agreement.scales import SCALES, on_scale
from coder.agreement.unitized import continuum, nvivo_comparison, unitized_family
from coder.errors import CoderError

if TYPE_CHECKING:
    import numpy as np

    from coder.db import Database

UNITS = ("passage", "sentence", "document", "character")
NOT_APPLIED, APPLIED, NONE = "not applied", "applied", "none"


@dataclass
class Variable:
    """One variable's units × coders table: a code (binary), an exclusive group (nominal), or a stack of codes."""

    name: str
    kind: str  # "code" | "group" | "pooled"
    labels: tuple[str, ...]
    values: np.ndarray | None  # rows × coders, value index or -1 (missing); None for stacks, which are their codes' tables
    codes: tuple[str, ...] = ()  # for stacks: the code of each block of rows, in order


@dataclass
class Row:
    """One line of the agreement table: a code, a code group or the pooled figure (optionally per document)."""

    kind: str  # "code" | "group" | "pooled"
    name: str
    metrics: dict[str, Result]
    document: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def alpha(self) -> Result:
        return self.metrics["alpha"]

    @property
    def kappa(self) -> Result:
        return self.metrics["kappa"]

    @property
    def percent(self) -> Result:
        return self.metrics["percent"]

    def flags(self) -> list[str]:
        """Short warnings for the table: unstable, undefined (with the reason), missing data, ..."""
        flags = ["unstable"] if self.alpha.unstable else []
        if self.alpha.undefined:
            flags.append(f"α undefined: {self.alpha.reason}")
        if self.kappa.undefined and not self.alpha.undefined:
            flags.append(f"κ undefined: {self.kappa.reason}")
        return flags + self.notes

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "document": self.document, "band": self.alpha.band,
                "flags": self.flags(), "metrics": {k: v.as_dict() for k, v in self.metrics.items()}}


@dataclass
class Report:
    """What `measure_agreement` found: the parameters, the rows, and the tables behind them (for `save`)."""

    parameters: dict[str, Any]
    rows: list[Row]
    variables: dict[str, Variable] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)  # unit level: document, unit, start, end per row
    sections: dict[str, Any] = field(default_factory=dict)  # character level: the coders' sections
    notes: list[str] = field(default_factory=list)

    def row(self, name: str, document: str | None = None) -> Row:
        """The row of a code (path or name), a group, or 'pooled'."""
        for row in self.rows:
            if row.document == document and (row.name == name or (row.kind == "code" and row.name.split("/", 1)[1] == name)):
                return row
        raise KeyError(name)


POOLING = ("pooled and group rows stack the binary (applied / not applied) decisions of every code in them, "
           "as if each unit × code were one unit, and compute one coefficient on the stack; exclusive groups "
           "are one nominal variable per unit (the code applied, or none)")


def measure_agreement(
    db: Database,
    *,
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    group: str | None = None,
    unit: str = "passage",
    min_overlap: float | None = None,
    by_document: bool = False,
    bootstrap: int = 0,
    seed: int = DEFAULT_SEED,
    level: str = "nominal",
) -> Report:
    """Agreement between coders on a subset of the study, per code, per code group and pooled.

    Args:
        coders: coder names (default: everyone with codings on the documents, except the consensus coder).
        documents: document names (default: the documents every chosen coder marked done; when none of them marked
            any done, those every one of them has coded something in). `documents_chosen` in the parameters says which.
        codes: code names or group/name paths; group: a code group (default: the codes the coders used there).
        unit: passage, sentence, document, or character (span level: the unitized α family).
        min_overlap: a coder applied a code to a unit when their codings cover at least this share of
            it (default: any character).
        by_document: add a row per code and document (at character level: NVivo's comparison).
        bootstrap, seed: draws for a bootstrap interval of α (unit levels) and the random seed.
        level: of measurement for α on scale groups (`scales`): nominal, ordinal, interval or ratio.
    """

    if unit not in UNITS:
        raise CoderError(f"unknown unit '{unit}'", fix=f"use one of: {', '.join(UNITS)}")
    if min_overlap is not None and not 0 < min_overlap <= 1:
        raise CoderError(f"--min-overlap {min_overlap} is not a share of the unit", fix="use a number above 0 and at most 1, e.g. 0.5")
    if min_overlap is not None and unit == "character":
        raise CoderError("--min-overlap does not apply to character units", fix="drop it, or use --unit passage")
    if bootstrap < 0:
        raise CoderError("the number of bootstrap draws is negative", fix="use e.g. --bootstrap 1000")
    if level not in LEVELS:
        raise CoderError(f"unknown level of measurement '{level}'", fix=f"use one of: {', '.join(LEVELS)}")
    if level != "nominal" and unit == "character":
        raise CoderError(f"--level {level} applies to passage, sentence and document units", fix="drop --level, or use --unit passage")
    chosen_docs = documents_named(db, documents) if documents else None
    coded = coded_in(db)
    worked = worked_on(db, coded)
    coder_rows = choose_coders(db, coders, chosen_docs, coded)
    coder_ids = [c for c, _ in coder_rows]
    coder_names = tuple(n for _, n in coder_rows)
    notes: list[str] = []
    if chosen_docs is None:
        chosen_docs, choice = default_documents(db, coder_ids, coder_names, coded)
    else:
        choice = f"the {len(chosen_docs)} named"
        unfinished = not_done(db, coder_ids, chosen_docs)
        if unfinished:
            names = [name for _, name, _ in document_rows(db, unfinished, with_length=False)]
            notes.append(f"{len(names)} of the named documents {'is' if len(names) == 1 else 'are'} not marked done by every"
                         f" coder: {', '.join(names)}")
    doc_rows = document_rows(db, chosen_docs, with_length=unit in ("document", "character"))
    if unit == "character":
        incomplete = [name for d, name, _ in doc_rows if not all((d, c) in worked for c in coder_ids)]
        if incomplete:
            notes.append(f"{len(incomplete)} document(s) left out: not every coder has coded in them ({', '.join(incomplete[:5])}"
                         f"{', …' if len(incomplete) > 5 else ''}); span-level agreement needs every coder on the whole text")
            doc_rows = [row for row in doc_rows if row[1] not in incomplete]
        if not doc_rows:
            raise CoderError("no document has codings by every chosen coder", fix="choose other documents or coders")
    doc_ids = [d for d, _, _ in doc_rows]
    wanted = choose_codes(db, codes, group)
    raw = fetch_codings(db, coder_ids, doc_ids, wanted)
    if wanted is None and not len(raw):
        raise CoderError("the chosen coders have no codings in the chosen documents", fix="choose other documents or coders")
    code_list = code_info(db, wanted if wanted is not None else sorted(set(raw[:, 1].tolist())))
    parameters = {
        "unit": unit,
        "overlap_rule": ("a coder applied a code to a unit when their codings of it cover at least "
                         f"{min_overlap:g} of the unit's characters" if min_overlap else
                         "a coder applied a code to a unit when their codings of it cover at least one of its characters")
        if unit != "character" else "characters: coded or not, per code",
        "min_overlap": min_overlap,
        "coders": list(coder_names),
        "documents": [name for _, name, _ in doc_rows],
        "documents_chosen": choice,
        "codes": [c.path for c in code_list],
        "group": group,
        "missing": "a coder's units in a document where they have no codings at all are missing data, not 'not applied'"
                   " (unless the document is assigned to them: then they coded nothing there)",
        "pooling": POOLING,
        "level": level,
        "scales": SCALES,
        "bootstrap": {"draws": bootstrap, "seed": seed, "confidence": DEFAULT_CONFIDENCE} if bootstrap else None,
        "unstable_when": (f"fewer than {MIN_UNITS} pairable units, or the rarest value in use has fewer than "
                          f"{MIN_CATEGORY_VALUES} pairable values" if unit != "character" else
                          f"fewer than {MIN_SECTIONS} coded sections, all coders together"),
        "bands": {"reliable": f"α ≥ {RELIABLE:.3f}", "tentative": f"{TENTATIVE:.3f} ≤ α < {RELIABLE:.3f}",
                  "not reliable": f"α < {TENTATIVE:.3f}"},
    }
    codings = prepare_codings(raw, doc_ids, [c.id for c in code_list], coder_ids)
    if unit == "character":
        report = _character_report(doc_rows, code_list, coder_ids, coder_names, codings, by_document)
    else:
        report = _unit_report(db, unit, min_overlap, doc_rows, code_list, coder_ids, coder_names, codings, worked,
                              by_document, bootstrap, seed, level)
    report.parameters = parameters | report.parameters
    report.notes = notes + report.notes
    return report


def _unit_metrics(r: Ratings, q: int, bootstrap: int, seed: int) -> dict[str, Result]:
    """The figures of one row at unit level: percent, κ (Cohen's or Fleiss'), π for two coders, Brennan–Prediger, α."""
    metrics = {"percent": percent_agreement(r), "kappa": cohen_kappa(r) if len(r.coders) == 2 else fleiss_kappa(r)}
    if len(r.coders) == 2:
        metrics["scott_pi"] = scott_pi(r)
    metrics["brennan_prediger"] = brennan_prediger(r, q)
    metrics["alpha"] = bootstrap_alpha(r, bootstrap, seed) if bootstrap else krippendorff_alpha(r)
    return metrics


def _unit_notes(values: np.ndarray, metrics: dict[str, Result]) -> list[str]:
    """The notes a row's flags show: missing data, units κ left out."""
    notes = []
    missing = int((values < 0).sum())
    if missing:
        notes.append(f"missing data ({missing} unit × coder values)")
    left_out = metrics["kappa"].details.get("units_left_out")
    if left_out:
        notes.append(f"κ leaves out {int(left_out)} incomplete units")
    return notes


def _unit_report(
    db: Database, unit: str, min_overlap: float | None, doc_rows: list[tuple[int, str, int]], code_list: list[CodeInfo],
    coder_ids: list[int], coder_names: tuple[str, ...], codings: dict[str, np.ndarray], worked: set[tuple[int, int]],
    by_document: bool, bootstrap: int, seed: int, level: str = "nominal",
) -> Report:
    """The report on passages, sentences or documents: one units × coders table per code, group and the pooled stack."""
    import numpy as np  # ≈0.1 s

    units = load_units(db, unit, doc_rows)
    n_units, n_codes, n_coders = len(units["start"]), len(code_list), len(coder_ids)
    if not n_units:
        raise CoderError(f"the chosen documents have no {unit}s", fix="choose another --unit, or re-import the documents")
    has_worked = np.array([[(d, c) in worked for c in coder_ids] for d, _, _ in doc_rows], bool).reshape(-1, n_coders)
    base = np.where(has_worked[units["doc"]], 0, -1).astype(np.int8)
    cover = coverage(units, codings, n_codes, n_coders)
    size = (units["end"] - units["start"])[cover["unit"]]
    applied = cover["covered"] >= min_overlap * size - 1e-9 if min_overlap else cover["covered"] > 0
    values = np.broadcast_to(base, (n_codes, n_units, n_coders)).copy()
    values[cover["code"][applied], cover["unit"][applied], cover["coder"][applied]] = 1
    binary = (NOT_APPLIED, APPLIED)
    rows: list[Row] = []
    variables: dict[str, Variable] = {}
    per_code: list[Ratings] = []
    for c, code in enumerate(code_list):
        r = Ratings.from_codes(values[c], binary, coder_names)
        per_code.append(r)
        metrics = _unit_metrics(r, 2, bootstrap, seed)
        rows.append(Row("code", code.path, metrics, notes=_unit_notes(values[c], metrics)))
        variables[code.path] = Variable(code.path, "code", binary, values[c])
    for members in _groups(code_list).values():
        first = code_list[members[0]]
        if len(members) < 2:
            continue
        if first.exclusive:
            nominal, mixed = _exclusive_values(base, cover, applied, members, n_coders)
            labels = (NONE, *(code_list[c].name for c in members))
            metrics = _unit_metrics(Ratings.from_codes(nominal, labels, coder_names), first.group_size + 1, bootstrap, seed)
            notes = _unit_notes(nominal, metrics)
            if mixed:
                notes.append(f"{mixed} mixed units (a coder applied several codes of the group; the one covering most counts)")
            notes += on_scale([code_list[c] for c in members], nominal, metrics, coder_names, level, bootstrap, seed)
            rows.append(Row("group", first.group, metrics, notes=notes))
            variables[f"group:{first.group}"] = Variable(first.group, "group", labels, nominal)
        else:
            metrics = _unit_metrics(stack([per_code[c] for c in members]), 2, bootstrap, seed)
            rows.append(Row("group", first.group, metrics, notes=_unit_notes(values[members], metrics)))
            variables[f"group:{first.group}"] = Variable(first.group, "group", binary, None, tuple(code_list[c].path for c in members))
    if n_codes >= 2:
        metrics = _unit_metrics(stack(per_code), 2, bootstrap, seed)
        defined = [row.alpha.value for row in rows if row.kind == "code" and row.alpha.value is not None]
        metrics["alpha"] = replace(metrics["alpha"], details=metrics["alpha"].details | {
            "mean_of_code_alphas": rounded(sum(defined) / len(defined)) if defined else None})
        rows.append(Row("pooled", "pooled", metrics, notes=_unit_notes(values, metrics)))
        variables["pooled"] = Variable("pooled", "pooled", binary, None, tuple(c.path for c in code_list))
    if by_document:
        bounds = np.searchsorted(units["doc"], np.arange(len(doc_rows) + 1))
        for c, code in enumerate(code_list):
            for d, (_, name, _) in enumerate(doc_rows):
                part = values[c, bounds[d]:bounds[d + 1]]
                metrics = _unit_metrics(Ratings.from_codes(part, binary, coder_names), 2, bootstrap, seed)
                rows.append(Row("code", code.path, metrics, document=name, notes=_unit_notes(part, metrics)))
    names = np.array([name for _, name, _ in doc_rows], dtype=object)
    return Report({"units_total": n_units}, rows, variables,
                  units={"document": names[units["doc"]] if n_units else names[:0], "unit": units["ordinal"],
                         "start": units["start"], "end": units["end"]})


def _groups(code_list: list[CodeInfo]) -> dict[int, list[int]]:
    """Positions in `code_list` of each group's codes."""
    groups: dict[int, list[int]] = {}
    for i, code in enumerate(code_list):
        groups.setdefault(code.group_id, []).append(i)
    return groups


def _exclusive_values(
    base: np.ndarray, cover: dict[str, np.ndarray], applied: np.ndarray, members: list[int], n_coders: int,
) -> tuple[np.ndarray, int]:
    """One nominal value per unit and coder for an exclusive group: the code applied (most coverage wins), or none."""
    import numpy as np  # ≈0.1 s

    position = np.full(max(members) + 1, -1)
    position[members] = np.arange(len(members))
    chosen = applied & np.isin(cover["code"], members)
    unit, coder, covered = cover["unit"][chosen], cover["coder"][chosen], cover["covered"][chosen]
    pos = position[cover["code"][chosen]]
    cell = unit * n_coders + coder
    order = np.lexsort((pos, -covered, cell))  # per cell: most coverage first, then codebook order
    cell, pos = cell[order], pos[order]
    head = np.ones(len(cell), bool)
    head[1:] = cell[1:] != cell[:-1]
    nominal = base.copy()
    nominal[cell[head] // n_coders, cell[head] % n_coders] = pos[head] + 1
    return nominal, len(set(cell[~head].tolist()))  # (np.unique would import numpy.ma: 10 ms on a first call)


def _character_report(
    doc_rows: list[tuple[int, str, int]], code_list: list[CodeInfo], coder_ids: list[int],
    coder_names: tuple[str, ...], codings: dict[str, np.ndarray], by_document: bool,
) -> Report:
    """The report on characters: the unitized α family per code, group and pooled, on the documents concatenated."""
    import numpy as np  # ≈0.1 s

    lengths = np.array([length for _, _, length in doc_rows], np.int64)
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    n_coders, n_docs = len(coder_ids), len(doc_rows)
    start = offsets[codings["doc"]] + codings["start"]  # positions on the documents concatenated
    end = offsets[codings["doc"]] + codings["end"]
    # codings sorted by code, then document: every (code, document) is one slice of `order`
    order = np.lexsort((codings["doc"], codings["code"]))
    cells = np.searchsorted(codings["code"][order] * n_docs + codings["doc"][order], np.arange(len(code_list) * n_docs + 1))

    def taken(code: int, doc: int | None = None) -> np.ndarray:
        first, last = (code * n_docs, (code + 1) * n_docs) if doc is None else (code * n_docs + doc, code * n_docs + doc + 1)
        return order[cells[first]:cells[last]]

    def row(kind: str, name: str, parts: list[np.ndarray], labels: tuple[str, ...], q: int, *, nominal: np.ndarray | None = None,
            length: int = total, begin: np.ndarray = start, finish: np.ndarray = end, document: str | None = None) -> Row:
        """A row from codings in `parts`: each part on its own copy of the continuum (stacked), or, with
        `nominal` (code → value), all on one continuum as one nominal variable."""
        idx = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        shift: np.ndarray | int
        if nominal is None:
            shift = np.repeat(np.arange(len(parts)), [len(p) for p in parts]) * length
            values, span = np.ones(len(idx), np.int64), length * len(parts)
        else:
            shift, values, span = 0, nominal[codings["code"][idx]], length
        cont = continuum(span, codings["coder"][idx], begin[idx] + shift, finish[idx] + shift, values, coder_names, labels)
        family = unitized_family(cont, n_coders)
        alpha = family.binary_u_alpha if nominal is None else family.u_alpha
        if isinstance(cont, str):
            metrics = {k: undefined(k, cont, coders=n_coders) for k in ("percent", "kappa", "brennan_prediger")}
        else:
            r = cont.ratings(NOT_APPLIED, (APPLIED,)) if nominal is None else cont.ratings(NONE)
            metrics = {"percent": percent_agreement(r), "kappa": cohen_kappa(r) if n_coders == 2 else fleiss_kappa(r),
                       "brennan_prediger": brennan_prediger(r, q)}
            metrics = {k: replace(v, unstable=alpha.unstable) for k, v in metrics.items()}
        metrics["alpha"] = alpha
        if nominal is not None:
            metrics |= {"binary_u_alpha": family.binary_u_alpha, "cu_alpha": family.cu_alpha}
            metrics |= {f"k_u_alpha {label}": result for label, result in family.by_value.items()}
        return Row(kind, name, metrics, document=document)

    rows = [row("code", code.path, [taken(c)], (code.path,), 2) for c, code in enumerate(code_list)]
    for members in _groups(code_list).values():
        first = code_list[members[0]]
        if len(members) < 2:
            continue
        if first.exclusive:
            nominal = np.zeros(len(code_list), np.int64)
            nominal[members] = np.arange(1, len(members) + 1)
            rows.append(row("group", first.group, [taken(c) for c in members], tuple(code_list[c].name for c in members),
                            first.group_size + 1, nominal=nominal))
        else:
            rows.append(row("group", first.group, [taken(c) for c in members], (first.group,), 2))
    if len(code_list) >= 2:
        rows.append(row("pooled", "pooled", [taken(c) for c in range(len(code_list))], ("pooled",), 2))
    if by_document:
        for c, code in enumerate(code_list):
            for d, (_, name, length) in enumerate(doc_rows):
                idx = taken(c, d)
                local = row("code", code.path, [idx], (code.path,), 2, length=int(length),
                            begin=codings["start"], finish=codings["end"], document=name)
                if n_coders == 2:  # NVivo's per code × document comparison
                    spans = [list(zip(codings["start"][idx][codings["coder"][idx] == j].tolist(),
                                      codings["end"][idx][codings["coder"][idx] == j].tolist())) for j in range(2)]
                    local.metrics["percent"], local.metrics["kappa"] = nvivo_comparison(int(length), *spans)
                rows.append(local)
    names = [name for _, name, _ in doc_rows]
    return Report({"characters_total": total}, rows, sections={
        "codings": codings, "documents": names, "lengths": lengths, "offsets": offsets, "codes": [c.path for c in code_list],
        "coders": list(coder_names)})


def variable_blocks(report: Report, variable: Variable) -> list[tuple[str | None, np.ndarray]]:
    """A variable's units × coders tables: its own, or a stack's, each with its code."""
    if not variable.codes:
        assert variable.values is not None  # only stacks have no table of their own
        return [(None, variable.values)]
    blocks: list[tuple[str | None, np.ndarray]] = []
    for code in variable.codes:
        values = report.variables[code].values
        assert values is not None  # a stack is made of codes, each with its table
        blocks.append((code, values))
    return blocks


def disagreements(report: Report, name: str, document: str | None = None) -> list[dict[str, Any]]:
    """The units (or character stretches) where the coders disagree on a code or group, in text order.

    Each item: document, unit, start, end, code (for stacks) and values {coder: value or None}.
    """
    import numpy as np  # ≈0.1 s

    coders = list(report.parameters["coders"])
    if report.sections:
        return _span_disagreements(report, name, document)
    key = next((k for k in (name, f"group:{name}") if k in report.variables), None)
    if key is None:
        key = next((k for k, v in report.variables.items() if v.kind == "code" and k.split("/", 1)[1] == name), None)
    if key is None:
        raise CoderError(f"no code or group '{name}' in this agreement run", fix="use a name from the table")
    variable = report.variables[key]
    found = []
    for code, values in variable_blocks(report, variable):
        present = values >= 0
        high = np.where(present, values, -1).max(axis=1)
        low = np.where(present, values, np.iinfo(values.dtype).max).min(axis=1)
        differ = (present.sum(axis=1) >= 2) & (high != low)
        if document is not None:
            differ &= report.units["document"] == document
        for i in np.flatnonzero(differ):
            found.append({"document": report.units["document"][i], "unit": int(report.units["unit"][i]),
                          "start": int(report.units["start"][i]), "end": int(report.units["end"][i]), "code": code or key,
                          "values": {c: (variable.labels[v] if v >= 0 else None) for c, v in zip(coders, values[i].tolist())}})
    return found


def _span_disagreements(report: Report, name: str, document: str | None) -> list[dict[str, Any]]:
    import numpy as np  # ≈0.1 s

    sections = report.sections
    codes = sections["codes"]
    matches = [i for i, path in enumerate(codes) if path == name or path.split("/", 1)[1] == name]
    if not matches:
        raise CoderError(f"no code '{name}' in this agreement run", fix="use a code from the table")
    c = matches[0]
    codings = sections["codings"]
    found: list[dict[str, Any]] = []
    for d, doc_name in enumerate(sections["documents"]):
        if document is not None and doc_name != document:
            continue
        mine = (codings["doc"] == d) & (codings["code"] == c)
        cont = continuum(int(sections["lengths"][d]), codings["coder"][mine], codings["start"][mine], codings["end"][mine],
                         np.ones(int(mine.sum()), np.int64), sections["coders"], (codes[c],))
        assert not isinstance(cont, str)  # a coder's codings of a code are merged when read (data), so none overlap
        bounds = np.concatenate([[0], np.cumsum(cont.atom_length)])
        differ = (cont.atom_value != cont.atom_value[:, :1]).any(axis=1)
        for t in np.flatnonzero(differ):
            values = {coder: APPLIED if v else NOT_APPLIED for coder, v in zip(sections["coders"], cont.atom_value[t].tolist())}
            if found and found[-1]["document"] == doc_name and found[-1]["end"] == bounds[t] and found[-1]["values"] == values:
                found[-1]["end"] = int(bounds[t + 1])
            else:
                found.append({"document": doc_name, "unit": None, "start": int(bounds[t]), "end": int(bounds[t + 1]),
                              "code": codes[c], "values": values})
    return found
