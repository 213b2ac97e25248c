"""The unitized α family: agreement on where coders marked the text as well as on what they marked.

Coders' sections (coder, start, end, value) on a continuum of characters are cut into atoms on
which every coder's value is constant; Krippendorff's uα, |uα, cuα and (k)uα (Krippendorff,
Mathet, Bouvry & Widlöcher 2016; ../shared/agreement/AGREEMENT.md §4) and NVivo's
character-level comparison are computed from them. Pure functions: no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from coder.agreement.metrics import coincidences
from coder.agreement.ratings import Ratings, Tally
from coder.agreement.result import MIN_SECTIONS, Result, rounded, undefined

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Section:
    """One coder's coded stretch [start, end) of a continuum, with its value (a code)."""

    coder: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Unitized:
    """The unitized α family on one continuum (Krippendorff, Mathet, Bouvry & Widlöcher 2016)."""

    u_alpha: Result
    binary_u_alpha: Result
    cu_alpha: Result
    by_value: dict[str, Result]

    def as_dict(self) -> dict[str, Any]:
        return {"u_alpha": self.u_alpha.as_dict(), "binary_u_alpha": self.binary_u_alpha.as_dict(),
                "cu_alpha": self.cu_alpha.as_dict(), "by_value": {k: v.as_dict() for k, v in self.by_value.items()}}


@dataclass
class Continuum:
    """Sections cut into atoms: stretches on which every coder's value is constant."""

    length: int
    coders: tuple[str, ...]
    labels: tuple[str, ...]  # the values; index 0 of the atom values is the gap (φ)
    sec_value: np.ndarray  # 1..V per section
    sec_length: np.ndarray
    atom_length: np.ndarray  # T
    atom_value: np.ndarray  # T × M, 0 = gap
    atom_section: np.ndarray  # T × M, -1 = gap

    def ratings(self, gap: str, values: Sequence[str] | None = None) -> Ratings:
        """Characters as units (atoms weighted by their length): for percent agreement and κ on characters."""
        return Ratings.from_codes(self.atom_value, (gap, *(values or self.labels)), self.coders, weights=self.atom_length)


def _parse_sections(sections: Iterable[Any]) -> list[Section]:
    parsed = []
    for s in sections:
        if isinstance(s, Section):
            parsed.append(s)
        elif isinstance(s, dict):
            parsed.append(Section(str(s["coder"]), int(s["start"]), int(s["end"]), str(s.get("value", s.get("code")))))
        else:
            coder, start, end, value = s
            parsed.append(Section(str(coder), int(start), int(end), str(value)))
    return parsed


def continuum(
    length: int, coder: np.ndarray, start: np.ndarray, end: np.ndarray, value: np.ndarray,
    coders: Sequence[str], labels: Sequence[str],
) -> Continuum | str:
    """Build the atoms of a continuum from section arrays (coder index, start, end, value 1..V); or why not."""
    import numpy as np  # ≈0.1 s

    m = len(coders)
    if len(start) and (start.min() < 0 or end.max() > length or (end <= start).any()):
        raise ValueError(f"sections must satisfy 0 ≤ start < end ≤ {length}")
    order = np.lexsort((end, start, coder))
    coder, start, end, value = coder[order], start[order], end[order], value[order]
    if len(start) > 1:
        big = int(length) + 1
        reach = np.maximum.accumulate(coder * big + end) - coder * big  # furthest end so far, per coder
        clash = np.flatnonzero((coder[1:] == coder[:-1]) & (start[1:] < reach[:-1]))
        if len(clash):
            i = clash[0] + 1
            return (f"coder {coders[coder[i]]} has overlapping sections near {start[i]}–{end[i]}: the unitized coefficients"
                    " need one value per character and coder (compute them per code, or for an exclusive group)")
    bounds = np.unique(np.concatenate([[0, length], start, end]))
    atom_start, atom_length = bounds[:-1], np.diff(bounds)
    atom_value = np.zeros((len(atom_start), m), np.int64)
    atom_section = np.full((len(atom_start), m), -1, np.int64)
    for j in range(m):
        mine = np.flatnonzero(coder == j)
        if not len(mine):
            continue
        idx = np.searchsorted(start[mine], atom_start, side="right") - 1
        inside = (idx >= 0) & (end[mine][np.clip(idx, 0, None)] > atom_start)
        atom_value[inside, j] = value[mine][idx[inside]]
        atom_section[inside, j] = mine[idx[inside]]
    return Continuum(int(length), tuple(coders), tuple(labels), value, end - start, atom_length, atom_value, atom_section)


def unitized_family(c: Continuum | str, m: int) -> Unitized:
    """uα, |uα, cuα and (k)uα from the atoms (AGREEMENT.md §4, the coincidence-matrix form)."""
    import numpy as np  # ≈0.1 s

    names = ("u_alpha", "binary_u_alpha", "cu_alpha")
    if isinstance(c, str) or m < 2:
        reason = c if isinstance(c, str) else "it needs at least two coders"
        u, binary, cu = (undefined(n, reason, coders=m) for n in names)
        return Unitized(u, binary, cu, by_value={})
    size = len(c.labels) + 1
    t = Tally.of(c.ratings("(gap)"))
    ell = np.zeros((size, size))
    if t.units:
        ell = coincidences(t)  # ℓ_ck: atoms are units with all m coders present, weighted by length
    total = float(ell.sum())
    w = np.bincount(c.sec_value, weights=c.sec_length.astype(float) ** 2, minlength=size)
    w[0] = m * c.length - float(c.sec_length.sum())  # a gap pairs like a run of single characters
    rows = ell.sum(axis=1)
    eps = (np.outer(rows, rows) - np.diag(w)) / (total - w.sum() / total) if total else np.zeros_like(ell)
    off = ~np.eye(size, dtype=bool)
    same = (c.atom_value == c.atom_value[:, :1]).all(axis=1)
    counts: dict[str, Any] = {"units": c.length, "values": rounded(total), "coders": m,
                              "agreements": rounded(float(c.atom_length[same].sum())),
                              "prevalence": ({label: rounded(float(rows[i + 1] / total)) for i, label in enumerate(c.labels)}
                                             if total else {}),
                              "unstable": len(c.sec_value) < MIN_SECTIONS}
    detail = {"length": c.length, "sections": int(len(c.sec_value))}

    def coefficient(name: str, observed: float, expected: float, empty: str) -> Result:
        if expected <= 1e-12:
            return undefined(name, empty, details=detail, **counts)
        return Result(name, rounded(1 - observed / expected), details=detail | {
            "observed": rounded(observed), "expected": rounded(expected)}, **counts)

    nothing = "no coder marked any section, or every coder marked everything alike: there is nothing to tell apart"
    u_alpha = coefficient("u_alpha", float(ell[off].sum()), float(eps[off].sum()), nothing)
    binary = coefficient("binary_u_alpha", float(ell[0, 1:].sum() + ell[1:, 0].sum()),
                         float(eps[0, 1:].sum() + eps[1:, 0].sum()), nothing)
    # cuα: only stretches that two coders both marked as relevant, with each section's pairable length
    valued = (c.atom_value > 0).sum(axis=1)
    pairable = np.zeros(len(c.sec_value))
    for j in range(m):
        ids = c.atom_section[:, j]
        keep = ids >= 0
        pairable += np.bincount(ids[keep], weights=(c.atom_length * (valued - 1))[keep], minlength=len(c.sec_value))
    pairable /= m - 1
    star = ell[1:, 1:]
    star_total = float(star.sum())
    coverage = rounded(star_total / total) if total else 0.0
    star_counts = counts | {"values": rounded(star_total)}
    by_value: dict[str, Result] = {}
    if star_total <= 0:
        reason = "no stretch was marked by two coders, so there is no coding to compare"
        cu = undefined("cu_alpha", reason, details=detail | {"coverage": coverage}, **star_counts)
        by_value = {label: undefined("k_u_alpha", reason, details={"value": label, "coverage": 0.0}, **star_counts)
                    for label in c.labels}
        return Unitized(u_alpha, binary, cu, by_value)
    w_star = np.bincount(c.sec_value - 1, weights=pairable**2, minlength=size - 1)
    star_rows = star.sum(axis=1)
    eps_star = (np.outer(star_rows, star_rows) - np.diag(w_star)) / (star_total - w_star.sum() / star_total)
    off_star = ~np.eye(size - 1, dtype=bool)
    cu = coefficient("cu_alpha", float(star[off_star].sum()), float(eps_star[off_star].sum()),
                     "every stretch two coders both marked has the same value: the values cannot disagree")
    cu = replace(cu, values=rounded(star_total), details=cu.details | {"coverage": coverage})
    for k, label in enumerate(c.labels):
        col, col_eps = float(star[:, k].sum()), float(eps_star[:, k].sum())
        cover = rounded(col / float(ell[:, k + 1].sum())) if ell[:, k + 1].sum() else 0.0
        info = {"value": label, "coverage": cover}
        if col <= 0:
            by_value[label] = undefined("k_u_alpha", f"'{label}' never overlaps another coder's value", details=info, **star_counts)
        elif col_eps - eps_star[k, k] <= 1e-12:
            by_value[label] = undefined("k_u_alpha", f"no other value could be confused with '{label}'", details=info, **star_counts)
        else:
            kappa = 1 - (col_eps / col) * (col - star[k, k]) / (col_eps - eps_star[k, k])
            by_value[label] = Result("k_u_alpha", rounded(kappa), details=info, **star_counts)
    return Unitized(u_alpha, binary, cu, by_value)


def _section_arrays(sections: list[Section], coders: Sequence[str] | None) -> tuple[Any, ...]:
    import numpy as np  # ≈0.1 s

    names = list(coders) if coders is not None else list(dict.fromkeys(s.coder for s in sections))
    labels = sorted({s.value for s in sections}, key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit() else 0, v))
    where = {name: j for j, name in enumerate(names)}
    unknown = {s.coder for s in sections} - set(where)
    if unknown:
        raise ValueError(f"sections by coders not listed: {sorted(unknown)}")
    index = {label: i + 1 for i, label in enumerate(labels)}
    arrays = (np.array([where[s.coder] for s in sections], np.int64), np.array([s.start for s in sections], np.int64),
              np.array([s.end for s in sections], np.int64), np.array([index[s.value] for s in sections], np.int64))
    return names, labels, arrays


def unitized(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Unitized:
    """The unitized α family on one continuum [0, length): uα, |uα, cuα (with coverage), (k)uα.

    Sections are (coder, start, end, value) tuples, dicts or `Section`s, 0-based half-open.
    Adjacent sections of the same value stay distinct units (never merged). Within one coder
    sections must not overlap (compute per code, or for an exclusive group); if they do, every
    coefficient is undefined with the reason.
    """
    parsed = _parse_sections(sections)
    names, labels, (coder, start, end, value) = _section_arrays(parsed, coders)
    return unitized_family(continuum(length, coder, start, end, value, names, labels), len(names))


def pool_continua(continua: Iterable[tuple[int, Iterable[Any]]]) -> tuple[int, list[Section]]:
    """Concatenate several continua (documents) into one, shifting positions; sections are not merged."""
    offset = 0
    pooled: list[Section] = []
    for length, sections in continua:
        pooled.extend(Section(s.coder, s.start + offset, s.end + offset, s.value) for s in _parse_sections(sections))
        offset += length
    return offset, pooled


def u_alpha(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Result:
    """Krippendorff's uα: agreement on boundaries and values together."""
    return unitized(length, sections, coders).u_alpha


def binary_u_alpha(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Result:
    """|uα: agreement on what is relevant (any value) versus gaps; per code this is ATLAS.ti's α-binary."""
    return unitized(length, sections, coders).binary_u_alpha


def cu_alpha(length: int, sections: Iterable[Any], coders: Sequence[str] | None = None) -> Result:
    """cuα: agreement on values where coders both marked the text (coverage in details)."""
    return unitized(length, sections, coders).cu_alpha


def nvivo_comparison(
    length: int, first: Iterable[tuple[int, int]], second: Iterable[tuple[int, int]], *, nvivo_convention: bool = False,
) -> tuple[Result, Result]:
    """NVivo's coding comparison for one code in one document: (percent agreement, κ) on characters.

    Percent = (characters coded by both + by neither) / all characters; κ = (TA − ΣEF)/(TU − ΣEF),
    which is Cohen's κ on the per-character 2 × 2 table. When neither coder coded anything κ is
    undefined, or 1 with `nvivo_convention=True` (NVivo's documented habit).
    """
    import numpy as np  # ≈0.1 s

    masks = []
    for spans in (first, second):
        diff = np.zeros(length + 1, np.int64)
        for start, end in spans:
            diff[start] += 1
            diff[end] -= 1
        masks.append(np.cumsum(diff[:-1]) > 0)
    a, b = masks
    both, neither = int((a & b).sum()), int((~a & ~b).sum())
    agree = both + neither
    prevalence = {"coded by first": rounded(a.mean()), "coded by second": rounded(b.mean())} if length else {}
    counts: dict[str, Any] = {"units": length, "values": 2 * length, "coders": 2, "agreements": agree, "prevalence": prevalence}
    details = {"both": both, "neither": neither, "first_only": int((a & ~b).sum()), "second_only": int((~a & b).sum())}
    if not length:
        reason = "the document is empty"
        return undefined("nvivo_percent_agreement", reason, **counts), undefined("nvivo_kappa", reason, **counts)
    percent = Result("nvivo_percent_agreement", rounded(agree / length), details=details, **counts)
    expected = float(a.sum()) * float(b.sum()) / length + float((~a).sum()) * float((~b).sum()) / length
    if length - expected < 1e-9:
        if nvivo_convention:
            return percent, Result("nvivo_kappa", 1.0, details=details | {"convention": "NVivo: κ = 1 when neither coded"}, **counts)
        return percent, undefined("nvivo_kappa", "neither coder coded this code here, or both coded everything "
                                  "(NVivo reports κ = 1 in this case)", details=details, **counts)
    return percent, Result("nvivo_kappa", rounded((agree - expected) / (length - expected)),
                           details=details | {"expected": rounded(expected)}, **counts)
