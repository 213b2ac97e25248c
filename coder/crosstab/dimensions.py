"""The dimensions of a cross-tab: what its rows and columns can be, and who and what counts.

A dimension (code, code group, phase, actor, organisation type, document, document attribute,
coder, or a code group by name) maps each coding, or the document of its passage, onto one of
its values. This module resolves those names against the codebook and the documents, chooses
whose codings count (the named coders, else every coder but the consensus coder) and which
documents, and says which dimensions a study offers and which codes and coders a table's cell
stands for (the cross-tab view and its export ask).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coder.codebook import codebook_tree
from coder.coding import consensus_coder
from coder.crosstab.consensus import ConsensusProgress, consensus_progress
from coder.db import Database, setting
from coder.documents import list_documents
from coder.errors import CoderError
from coder.text import fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    from coder.crosstab.result import CrossTab

TYPE_DIMENSIONS = ("type", "organisation type", "organisation_type", "org_type", "orgtype")
LOCAL_DIMENSIONS = ("local", "local/external", "locality")
PLACE_DIMENSIONS = ("based_in", "based in", "place")
MEMBERSHIP_DIMENSIONS = ("membership", "member_of", "member of")
NO_VALUE = "(none)"


# Who counts: coders and documents ---------------------------------------------------------------


@dataclass(frozen=True)
class Coders:
    """Whose codings count, by which rule they were chosen, and how far the consensus has got."""

    ids: tuple[int, ...]
    names: tuple[str, ...]
    rule: str  # "chosen" (named) or "all"
    left_out: str | None = None  # the consensus coder, which "all" leaves out
    consensus: ConsensusProgress | None = None  # None: nobody has reconciled yet

    def describe(self) -> str:
        """Who counts, for a heading: `ana, ben (all)`, `ana, ben (all but consensus) · consensus: 3 of 44 disagreements settled`."""
        names = ", ".join(self.names) or "nobody"
        if self.rule == "all":
            names += f" (all but {self.left_out})" if self.left_out else " (all)"
        return names + (f" · {self.consensus.describe()}" if self.consensus else "")


def choose_coders(db: Database, names: Sequence[str] | None = None, *, progress: bool = True) -> Coders:
    """The coders whose codings count: those named; by default (or `all`) every coder but the consensus coder.

    The default never changes by itself — not when someone reconciles, not with who codes in the
    workbench: the consensus coder's codings are a reconciliation of the others', so it counts
    only when named (alone, or with others). A passage counts once however many coders coded it.
    Without `progress`, how far the consensus has got is not counted (it takes a while on a large study).
    """
    everybody = db.execute("SELECT id, name FROM coders ORDER BY name").fetchall()
    consensus = consensus_progress(db) if progress else None
    if names and not any(n.strip().lower() == "all" for n in names):
        known = {name: coder_id for coder_id, name in everybody}
        missing = [n for n in names if n not in known]
        if missing:
            raise CoderError(f"no coder named {', '.join(repr(m) for m in missing)}",
                             fix=f"use one of: {', '.join(known) or 'none yet'} (or all)")
        chosen = list(dict.fromkeys(names))
        return Coders(tuple(known[n] for n in chosen), tuple(chosen), "chosen", consensus=consensus)
    left_out = consensus_coder(db)
    counted = [r for r in everybody if r[1] != left_out] or everybody  # a study of the consensus coder alone counts it
    return Coders(tuple(r[0] for r in counted), tuple(r[1] for r in counted), "all",
                  left_out=left_out if len(counted) < len(everybody) else None, consensus=consensus)


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
            matched = [r[0] for r in rows if attribute_text(json.loads(r[3] or "{}").get(key)) == value.strip()]
        else:
            matched = [r[0] for r in rows if fnmatch.fnmatchcase(r[1], selector) or r[2] == selector]
        if not matched:
            raise CoderError(f"no document matches '{selector}'",
                             fix="name documents by id, a pattern like 'int0*', or an attribute like kind=interview")
        chosen.update(dict.fromkeys(matched))
    return list(chosen)


def attribute_text(value: Any) -> str:
    """A document attribute as a table value: lists joined with `; `, blanks as NO_VALUE."""
    if value is None or value == "" or value == []:
        return NO_VALUE
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)



# Dimensions --------------------------------------------------------------------------------------


@dataclass
class CodebookLookup:
    """The codebook as the tables need it: names, groups, the top-level code and the organisation of each code."""

    ids: list[int]
    name: dict[int, str]
    group: dict[int, str]
    exclusive: dict[str, bool]
    generated: dict[int, bool]
    active: dict[int, bool]
    top: dict[int, int]
    parent: dict[int, int | None]
    organisation: dict[int, tuple[str, str | None, str | None, tuple[str, ...]]]  # code → (name, type, based_in, member_of)
    groups: list[str]


def codebook_lookup(db: Database) -> CodebookLookup:
    """Read the codebook's codes, groups and organisations, in codebook order."""
    rows = db.execute(
        "SELECT c.id, c.name, g.name, g.exclusive, g.generate, c.parent_id, c.active, o.name, o.type, o.based_in, o.member_of"
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
    return CodebookLookup(
        ids=[r[0] for r in rows], name={r[0]: r[1] for r in rows}, group={r[0]: r[2] for r in rows},
        exclusive={r[2]: bool(r[3]) for r in rows}, generated={r[0]: r[4] == "organisations" for r in rows},
        active={r[0]: bool(r[6]) for r in rows}, top=top, parent=parent,
        organisation={r[0]: (r[7], r[8], r[9], tuple(json.loads(r[10] or "[]"))) for r in rows
                      if r[7] is not None and r[4] == "organisations"}, groups=groups,
    )


def sub_codes_of(book: CodebookLookup, code: int) -> set[int]:
    """The code and its sub-codes, at any depth."""
    found = set()
    for candidate in book.ids:
        seen: set[int] = set()
        step: int | None = candidate
        while step is not None and step not in seen:
            if step == code:
                found.add(candidate)
                break
            seen.add(step)
            step = book.parent.get(step)
    return found


def within_codes(db: Database, name: str | None) -> set[int] | None:
    """The codes a `within` filter names: the code and its sub-codes (None: no filter)."""
    if not name:
        return None
    from coder.coding import find_code

    return sub_codes_of(codebook_lookup(db), find_code(db, name).id)


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

    def same_values(self, other: Dimension) -> bool:
        """Whether the two give every coding the same value (a code × code table): one side is counted for both."""
        return (self.kind == other.kind and self.labels == other.labels and self.code_label == other.code_label
                and self.doc_label == other.doc_label)


def find_group(book: CodebookLookup, name: str) -> str | None:
    """The code group of this name, compared without case; None when there is none."""
    return next((g for g in book.groups if g.lower() == name.lower()), None)


def code_dimension(spec: str, title: str, codes: list[int], label_of: Any,
                   order: list[str] | None = None) -> Dimension:
    """A dimension whose values are `label_of(code)` for these codes (first-seen order, or ranked by `order`)."""
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
    book = codebook_lookup(db)
    text = spec.strip()
    key = text.lower()
    top = (lambda c: book.top[c]) if roll_up else (lambda c: c)

    def named_codes(codes: list[int], title: str) -> Dimension:
        chosen = [c for c in codes if top(c) == c]
        names = [book.name[c] for c in chosen]
        label = {c: book.name[c] if names.count(book.name[c]) == 1 else f"{book.group[c]}/{book.name[c]}" for c in chosen}
        return code_dimension(text, title, codes, lambda c: label[top(c)])

    if key == "code":
        codes = book.ids
        if group:
            found = find_group(book, group) or unknown_group(book, group)
            codes = [c for c in codes if book.group[c] == found]
        return named_codes(codes, f"code ({group})" if group else "code")
    if key in ("group", "code group", "code_group"):
        return code_dimension(text, "code group", book.ids, lambda c: book.group[c], order=book.groups)
    if key in ("actor", "organisation", "organization"):
        codes = [c for c in book.ids if c in book.organisation]
        if not codes:
            raise CoderError("the codebook has no actor codes", fix="add a group with generate: organisations")
        return code_dimension(text, "actor", codes, lambda c: book.organisation[c][0])
    if key in TYPE_DIMENSIONS:
        codes = [c for c in book.ids if c in book.organisation]
        return code_dimension(text, "organisation type", codes, lambda c: book.organisation[c][1] or NO_VALUE,
                              order=[])
    if key in LOCAL_DIMENSIONS + PLACE_DIMENSIONS + MEMBERSHIP_DIMENSIONS:
        return _organisation_dimension(db, book, text, key)
    if key in ("document", "documents", "doc"):
        rows = document_rows(db, documents)
        return Dimension(text, "document", "document", [r[1] for r in rows], doc_label={r[0]: i for i, r in enumerate(rows)})
    if key.startswith("attr:") or key.startswith("attribute:"):
        name = text.split(":", 1)[1].strip()
        rows = document_rows(db, documents)
        values = {r[0]: attribute_text(json.loads(r[2] or "{}").get(name)) for r in rows}
        if all(v == NO_VALUE for v in values.values()):
            known = sorted({k for r in rows for k in json.loads(r[2] or "{}")})
            raise CoderError(f"no document has the attribute '{name}'", fix=f"use one of: {', '.join(known) or 'none'}")
        labels = sorted(set(values.values()), key=lambda v: (v == NO_VALUE, v))
        return Dimension(text, name, "document", labels, doc_label={d: labels.index(v) for d, v in values.items()})
    if key == "coder":
        chosen = coders or choose_coders(db, ["all"])
        return Dimension(text, "coder", "coder", list(chosen.names))
    if key == "phase":
        found = find_group(book, phase_group) or unknown_group(book, phase_group)
        return named_codes([c for c in book.ids if book.group[c] == found], found)
    named = find_group(book, key.removeprefix("group:").strip())
    if named:
        return named_codes([c for c in book.ids if book.group[c] == named], named)
    raise CoderError(f"unknown dimension '{spec}'",
                     fix="use code, group, phase, actor, type, local, based_in, membership, document, attr:KEY, coder,"
                         " or a code group: " + ", ".join(book.groups))


def _organisation_dimension(db: Database, book: CodebookLookup, text: str, key: str) -> Dimension:
    """The actor codes by a fact of their organisation: local to the study's region or external (the paper's
    local vs outside providers), the place it is based in, or the associations it belongs to."""
    codes = [c for c in book.ids if c in book.organisation]
    if not codes:
        raise CoderError("the codebook has no actor codes", fix="add a group with generate: organisations")
    if key in LOCAL_DIMENSIONS:
        region = fold(setting(db, "region") or "")
        if not region:
            raise CoderError("the codebook names no region, so nothing is local", fix="add region: to codebook.yaml")

        def local(code: int) -> str:
            based_in = book.organisation[code][2]
            return NO_VALUE if not based_in else "local" if fold(based_in) == region else "external"

        return code_dimension(text, f"local to {setting(db, 'region')} or external", codes, local,
                              order=["local", "external"])
    if key in PLACE_DIMENSIONS:
        return code_dimension(text, "based in", codes, lambda c: book.organisation[c][2] or NO_VALUE, order=[])
    return code_dimension(text, "member of", codes, lambda c: ", ".join(book.organisation[c][3]) or "none", order=[])


def unknown_group(book: CodebookLookup, name: str) -> str:
    """Raise the error for a code group the codebook does not have."""
    raise CoderError(f"no code group named '{name}'", fix=f"use one of: {', '.join(book.groups)}")


def document_rows(db: Database, documents: list[int] | None) -> list[tuple[int, str, str]]:
    """(id, name, attributes JSON) of these documents (None: all), by name."""
    rows = db.execute("SELECT id, name, attributes FROM documents ORDER BY name").fetchall()
    return [r for r in rows if documents is None or r[0] in set(documents)]


# What a study offers, and what a cell stands for ---------------------------------------------------


def dimension_choices(db: Database) -> list[str]:
    """What rows and columns can show: each code group (the actor group is `actor`), then code, group,
    actor, organisation type, document, the document attributes worth tabulating, coder."""
    try:
        actor_codes = set(dimension(db, "actor").code_label)
    except CoderError:  # no group generated from the organisations
        actor_codes = set()
    groups: dict[str, set[int]] = {}
    for row in codebook_tree(db):
        groups.setdefault(row["group"], set()).add(row["id"])
    choices = [name for name, ids in groups.items() if not ids <= actor_codes]
    choices += ["code", "group", *(["actor", "type", "local", "based_in", "membership"] if actor_codes else []), "document"]
    documents = list_documents(db)
    for key in dict.fromkeys(k for d in documents for k in d.attributes):
        values = {str(d.attributes.get(key)) for d in documents}
        # One value for all, or one per document (titles, dates), makes no table worth reading.
        if 1 < len(values) <= max(2, len(documents) // 2):
            choices.append(f"attr:{key}")
    choices.append("coder")
    return list(dict.fromkeys(choices))


def cell_codes(db: Database, result: CrossTab, row_value: str | None, column_value: str | None) -> list[str]:
    """The codes (`group/name`) a cell's excerpts are codings of: the values of its code dimensions."""
    paths = {row["id"]: f"{row['group']}/{row['code']}" for row in codebook_tree(db)}
    codes: list[str] = []
    for dim, value in ((result.rows, row_value), (result.columns, column_value)):
        if dim.kind == "code" and value is not None and value in dim.labels:
            wanted = dim.labels.index(value)
            codes += [paths[c] for c, label in dim.code_label.items() if label == wanted and c in paths]
    return list(dict.fromkeys(codes))


def cell_coders(result: CrossTab, row_value: str | None, column_value: str | None) -> list[str]:
    """Whose codings a cell's excerpts are: a coder row or column, else the table's coders (none = everybody,
    which the table's coders are only while no consensus coder is left out)."""
    for dim, value in ((result.rows, row_value), (result.columns, column_value)):
        if dim.kind == "coder" and value is not None:
            return [value]
    everybody = result.coders.rule == "all" and not result.coders.left_out
    return [] if everybody else list(result.coders.names)
