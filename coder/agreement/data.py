"""Reading the study for agreement: which coders, documents and codes, their codings, and the units they fall on.

Everything agreement asks of the database is here; the rest of the package works on the arrays
this module returns. A study can hold hundreds of thousands of codings, so codings and units are
fetched as packed integers into numpy, and mapped onto units with `coder.spans.overlapping`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coder.assignments import assigned_pairs, finished
from coder.coding import coder_id, consensus_coder, find_code, find_document
from coder.errors import CoderError
from coder.spans import overlapping

if TYPE_CHECKING:
    import numpy as np

    from coder.db import Database


@dataclass(frozen=True)
class CodeInfo:
    """A code compared for agreement, with its group."""

    id: int
    name: str
    group: str
    group_id: int
    exclusive: bool
    group_size: int  # active codes in the group (Brennan–Prediger's q for an exclusive group is this + 1)
    ordered: bool = False  # the group is a scale in codebook order (`ordered: true`)
    value: float | None = None  # the code's value on its group's scale (`value:`)

    @property
    def path(self) -> str:
        return f"{self.group}/{self.name}"


def coders_with_codings(db: Database) -> list[str]:
    """Every coder with at least one coding (the consensus coder among them), by name: whom agreement can compare."""
    return [r[0] for r in db.execute("SELECT name FROM coders WHERE id IN (SELECT DISTINCT coder_id FROM codings) ORDER BY name")]


def documents_named(db: Database, names: Sequence[str]) -> list[int]:
    """The ids of the named documents, each once, in the order named."""
    return list(dict.fromkeys(find_document(db, name) for name in names))


def all_documents(db: Database) -> list[tuple[int, str]]:
    """Every document of the study (id, name), by name."""
    return [(r[0], r[1]) for r in db.execute("SELECT id, name FROM documents ORDER BY name")]


def coded_in(db: Database) -> set[tuple[int, int]]:
    """(document, coder) pairs where the coder has at least one coding."""
    rows = db.execute("SELECT document_id, coder_id FROM codings GROUP BY document_id, coder_id")  # covering index: fast
    return {(d, c) for d, c in rows}


def worked_on(db: Database, coded: set[tuple[int, int]] | None = None) -> set[tuple[int, int]]:
    """(document, coder) pairs the coder worked on: coded something in, or was assigned (where no codings of theirs
    mean they coded nothing, not that their decisions are missing)."""
    return (coded_in(db) if coded is None else coded) | assigned_pairs(db)


def default_documents(db: Database, coders: list[int], names: Sequence[str], coded: set[tuple[int, int]]) -> tuple[list[int], str]:
    """The documents compared when none are named, and the sentence that says how they were chosen: those every
    coder marked done, or — when none of them marked any done — those every coder coded something in. The consensus
    coder, whom reconciling writes and nobody marks, is asked only to have coded in them."""
    everyone = ", ".join(names)
    consensus = [c for c, name in zip(coders, names) if name == consensus_coder(db)]
    people = [c for c in coders if c not in consensus]
    done = finished(db, people)
    if done:
        common = set.intersection(*(done.get(c, set()) for c in people))
        ids = [d for d, _ in all_documents(db) if d in common and all((d, c) in coded for c in consensus)]
        if not ids:
            counts = ", ".join(f"{name} {len(done.get(c, ()))}" for c, name in zip(coders, names) if c in people)
            raise CoderError(f"no document is marked done by every one of {everyone} (documents done: {counts})",
                             fix="mark documents done with: coder assign DOC --done --coder NAME; or name them with --docs")
        marked = [name for c, name in zip(coders, names) if c in people]
        by = f"every one of {', '.join(marked)}" if len(marked) > 1 else marked[0]
        also = f" and coded in by {names[coders.index(consensus[0])]}" if consensus else ""
        return ids, f"the {len(ids)} marked done by {by}{also}"
    ids = [d for d, _ in all_documents(db) if all((d, c) in coded for c in coders)]
    if not ids:
        raise CoderError(f"no document has codings by every one of {everyone}",
                         fix="name the documents with --docs, or choose other coders with --coders")
    return ids, f"the {len(ids)} every one of {everyone} coded in (none of them has marked a document done)"


def not_done(db: Database, coders: list[int], documents: list[int]) -> list[int]:
    """Of the named documents, those not marked done by every coder who marks documents done."""
    done = finished(db, coders)
    return [d for d in documents if not all(d in marked for marked in done.values())]


def choose_coders(db: Database, names: Sequence[str] | None, documents: list[int] | None,
                  worked: set[tuple[int, int]]) -> list[tuple[int, str]]:
    """The named coders, or everyone with codings in the documents but the consensus coder; at least two."""
    known = {r[0]: r[1] for r in db.execute("SELECT id, name FROM coders")}
    if names:
        try:
            chosen = [(i, known[i]) for i in dict.fromkeys(coder_id(db, name) for name in names)]
        except CoderError as error:  # a coder who has coded nothing yet is one the study knows once given documents
            raise CoderError(error.message, fix=f"{error.fix}; or give a new coder documents: coder assign DOC --to NAME --new-coder"
                             ) from None
    else:
        consensus = consensus_coder(db)
        among = None if documents is None else set(documents)
        ids = {c for d, c in worked if among is None or d in among}
        chosen = sorted(((i, known[i]) for i in ids if known[i] != consensus), key=lambda item: item[1])
    if len(chosen) < 2:
        found = ", ".join(n for _, n in chosen) or "none"
        raise CoderError(f"agreement needs at least two coders ({'named' if names else 'with codings here'}: {found})",
                         fix="let a second coder code the same documents, or name the coders with --coders A B")
    return chosen


def document_rows(db: Database, ids: list[int], *, with_length: bool) -> list[tuple[int, str, int]]:
    """(id, name, length or 0) of the documents, in the order of `ids`."""
    length = "length(text)" if with_length else "0"
    found = {r[0]: (r[0], r[1], r[2]) for r in db.execute(
        f"SELECT id, name, {length} FROM documents WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])}
    return [found[i] for i in ids if i in found]


def choose_codes(db: Database, names: Sequence[str] | None, group: str | None) -> list[int] | None:
    """The code ids named by --codes and --group (None: the codes the coders used, found with their codings)."""
    if not names and not group:
        return None
    wanted: list[int] = [find_code(db, name).id for name in names or ()]
    if group:
        row = db.execute("SELECT id FROM code_groups WHERE lower(name) = lower(?)", [group]).fetchone()
        if row is None:
            known = ", ".join(r[0] for r in db.execute("SELECT name FROM code_groups ORDER BY ordinal"))
            raise CoderError(f"no code group named '{group}'", fix=f"use one of: {known}")
        wanted += [r[0] for r in db.execute("SELECT id FROM codes WHERE group_id = ? AND active ORDER BY ordinal", [row[0]])]
    return list(dict.fromkeys(wanted))


def code_info(db: Database, ids: Iterable[int]) -> list[CodeInfo]:
    """Codes in codebook order, with their group (and how many active codes it has)."""
    rows = db.execute(
        "SELECT c.id, c.name, g.name, g.id, g.exclusive, (SELECT count(*) FROM codes x WHERE x.group_id = g.id AND x.active),"
        " g.ordered, c.value FROM codes c JOIN code_groups g ON g.id = c.group_id"
        " WHERE c.id IN (SELECT value FROM json_each(?)) ORDER BY g.ordinal, c.ordinal, c.id", [json.dumps(sorted(set(ids)))])
    return [CodeInfo(r[0], r[1], r[2], r[3], bool(r[4]), r[5], bool(r[6]), r[7]) for r in rows]


def fetch_codings(db: Database, coders: list[int], docs: list[int], codes: list[int] | None) -> np.ndarray:
    """Raw codings of the selection: rows of document id, code id, coder id, start, end."""
    import numpy as np  # ≈0.1 s

    # two integers packed per coding, all in one string: Python's sqlite3 spends its time per value and per row
    row = db.execute(
        "SELECT group_concat(((document_id << 40) | (code_id << 20) | coder_id) || ',' || ((start << 32) | end))"
        " FROM codings WHERE coder_id IN (SELECT value FROM json_each(?)) AND document_id IN (SELECT value FROM json_each(?))"
        + (" AND code_id IN (SELECT value FROM json_each(?))" if codes is not None else ""),
        [json.dumps(coders), json.dumps(docs)] + ([json.dumps(codes)] if codes is not None else [])).fetchone()
    packed = np.fromstring(row[0] or "", dtype=np.int64, sep=",").reshape(-1, 2)
    low20, low32 = (1 << 20) - 1, (1 << 32) - 1
    return np.stack([packed[:, 0] >> 40, (packed[:, 0] >> 20) & low20, packed[:, 0] & low20,
                     packed[:, 1] >> 32, packed[:, 1] & low32], axis=1)


def prepare_codings(raw: np.ndarray, docs: list[int], codes: list[int], coders: list[int]) -> dict[str, np.ndarray]:
    """Codings as 0-based document, code and coder indices, each coder's overlapping codings of a code merged."""
    doc, code, coder = _index_of(raw[:, 0], docs), _index_of(raw[:, 1], codes), _index_of(raw[:, 2], coders)
    keep = (doc >= 0) & (code >= 0) & (coder >= 0)
    key = (doc[keep] * len(codes) + code[keep]) * len(coders) + coder[keep]
    key, start, end = _merge_overlaps(key, raw[keep, 3], raw[keep, 4])
    per = len(codes) * len(coders)
    return {"doc": key // per, "code": (key // len(coders)) % len(codes), "coder": key % len(coders), "start": start, "end": end}


def _index_of(values: np.ndarray, ids: list[int]) -> np.ndarray:
    """The position of each value among `ids`, or -1."""
    import numpy as np  # ≈0.1 s

    size = max(max(ids, default=0), int(values.max(initial=0))) + 1
    lookup = np.full(size, -1, np.int64)
    lookup[np.asarray(ids, np.int64)] = np.arange(len(ids))
    return lookup[values]


def _merge_overlaps(key: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping intervals that share a key (touching ones stay apart); sorted by key and start."""
    import numpy as np  # ≈0.1 s

    if not len(key):
        return key, start, end
    big = int(end.max()) + 1
    if int(key.max()) * big < 1 << 62:  # one integer sort key is several times faster than lexsort
        order = np.argsort(key * big + start)
    else:
        order = np.lexsort((start, key))
    key, start, end = key[order], start[order], end[order]
    reach = np.maximum.accumulate(key * big + end) - key * big  # furthest end so far within the key
    new = np.ones(len(key), bool)
    new[1:] = (key[1:] != key[:-1]) | (start[1:] >= reach[:-1])
    if new.all():
        return key, start, end
    first = np.flatnonzero(new)
    return key[first], start[first], np.maximum.reduceat(end, first)


def load_units(db: Database, unit: str, doc_rows: list[tuple[int, str, int]]) -> dict[str, np.ndarray]:
    """The units of the chosen documents in document order: document index, ordinal, start, end."""
    import numpy as np  # ≈0.1 s

    ids = [d for d, _, _ in doc_rows]
    if unit == "document":
        flat = np.array([[d, 1, 0, length] for d, _, length in doc_rows], dtype=np.int64).reshape(-1, 4)
    else:
        table = "segments" if unit == "passage" else "sentences"
        rows = db.execute(f"SELECT (document_id << 32) | ordinal, (start << 32) | end FROM {table}"
                          " WHERE document_id IN (SELECT value FROM json_each(?)) AND end > start", [json.dumps(ids)]).fetchall()
        packed = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)).reshape(-1, 2)
        low = (1 << 32) - 1
        flat = np.stack([packed[:, 0] >> 32, packed[:, 0] & low, packed[:, 1] >> 32, packed[:, 1] & low], axis=1)
    doc = _index_of(flat[:, 0], ids)
    order = np.lexsort((flat[:, 2], doc))
    return {"doc": doc[order], "ordinal": flat[order, 1], "start": flat[order, 2], "end": flat[order, 3]}


def coverage(units: dict[str, np.ndarray], codings: dict[str, np.ndarray], n_codes: int, n_coders: int) -> dict[str, np.ndarray]:
    """Characters of each unit covered by each coder's codings of each code (only pairs that overlap)."""
    import numpy as np  # ≈0.1 s

    which, unit = overlapping((units["doc"], units["start"], units["end"]), (codings["doc"], codings["start"], codings["end"]))
    overlap = np.minimum(codings["end"][which], units["end"][unit]) - np.maximum(codings["start"][which], units["start"][unit])
    keep = overlap > 0
    key = (unit[keep] * n_codes + codings["code"][which][keep]) * n_coders + codings["coder"][which][keep]
    # np.unique(key, return_inverse=True), without the numpy.ma import it makes on a first call (10 ms)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    first = np.ones(len(ordered), bool)
    first[1:] = ordered[1:] != ordered[:-1]
    distinct = ordered[first]
    inverse = np.empty(len(key), np.int64)
    inverse[order] = np.cumsum(first) - 1
    return {"unit": distinct // (n_codes * n_coders), "code": (distinct // n_coders) % n_codes, "coder": distinct % n_coders,
            "covered": np.bincount(inverse, weights=overlap[keep], minlength=len(distinct))}
