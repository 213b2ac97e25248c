"""How far the consensus coding has got, for the heading of every analysis: "consensus: 3 of 44
disagreements settled".

The disagreements are the units of the reconcile queue as it stands (`reconcile.queue_scope`: its
coders, documents and code groups), counted here from the mapped codings the tables use (numpy,
cached per connection) rather than by building the queue, which reads every passage (≈7 s on
300,000 codings). A disagreement is settled by a reconcile decision still in effect. A consensus that
came as a coding file or by `coder merge`, with no decision taken in this copy, says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coder.coding import consensus_coder
from coder.db import Database, KeptUntilChanged
from coder.errors import CoderError
from coder.reconcile import Queue, decided, queue_scope

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy


@dataclass(frozen=True)
class ConsensusProgress:
    """The consensus coder's name, and how many of the queue's disagreements its decisions settle."""

    coder: str
    settled: int
    disagreements: int
    loaded: int = 0  # codings of a consensus made elsewhere (a coding file, a merge): no decision of it was taken here

    def describe(self) -> str:
        who = "consensus" if self.coder == "consensus" else f"consensus ({self.coder})"
        if self.loaded:
            return f"{who}: {self.loaded:,} codings, reconciled elsewhere"
        return f"{who}: {self.settled} of {self.disagreements} disagreements settled"


KEY = 1 << 32  # a passage as a number: document id × KEY + passage ordinal


@KeptUntilChanged
def consensus_progress(db: Database) -> ConsensusProgress | None:
    """How far the consensus has got; None when the study has no consensus coder (nobody has reconciled).

    Kept per connection until the database changes, as the mapped codings are.
    """
    name = consensus_coder(db)
    progress = None
    row = db.execute("SELECT id FROM coders WHERE name = ?", [name]).fetchone()
    if row and not db.execute("SELECT 1 FROM events WHERE coder_id = ? AND action IN ('reconcile', 'reconcile_agreed')",
                              [row[0]]).fetchone():
        codings = db.execute("SELECT count(*) FROM codings WHERE coder_id = ?", [row[0]]).fetchone()[0]
        if codings:  # the bundled study's demonstration consensus, or one brought in by `coder merge`
            return ConsensusProgress(name, 0, 0, loaded=codings)
    if row:
        import numpy as np  # ≈0.1 s: only once somebody has reconciled

        keys = _disagreement_keys(db)
        done = [key.rsplit(":", 1) for key in decided(db, Queue([], [], [], name, []))]
        settled = _keys(db, [(document, int(n)) for document, n in done if n.isdigit()])
        progress = ConsensusProgress(name, int(np.isin(settled, keys).sum()) if len(keys) else 0, len(keys))
    return progress


def disagreements(db: Database) -> set[tuple[str, int]]:
    """(document, passage) of every unit of the reconcile queue (`reconcile.build_queue`'s rule, counted here)."""
    from coder.crosstab.passages import study_arrays

    a = study_arrays(db)
    split = _split_passages(db)
    names = dict(db.execute("SELECT id, name FROM documents").fetchall())
    return {(names[d], n) for d, n in zip(a.seg_doc[split].tolist(), a.seg_ordinal[split].tolist())}


def _disagreement_keys(db: Database) -> numpy.ndarray:
    """The units of the reconcile queue as `_keys` writes them."""
    from coder.crosstab.passages import study_arrays

    a = study_arrays(db)
    split = _split_passages(db)
    return a.seg_doc[split] * KEY + a.seg_ordinal[split]


def _keys(db: Database, passages: list[tuple[str, int]]) -> numpy.ndarray:
    """(document name, passage) pairs as numbers, document id × KEY + passage (an unknown document: -1)."""
    import numpy as np  # ≈0.1 s

    ids = dict(db.execute("SELECT name, id FROM documents").fetchall())
    return np.array([ids[d] * KEY + n if d in ids else -1 for d, n in passages], dtype=np.int64)


def _split_passages(db: Database) -> numpy.ndarray:
    """Indexes into the mapped passages of every unit of the reconcile queue: where the coders' codes of the
    compared groups differ, among the coders who coded that document at all (the rule of `reconcile.build_queue`)."""
    import numpy as np  # ≈0.1 s

    from coder.crosstab.counting import sorted_unique  # (counting imports the dimensions, which import this module)
    from coder.crosstab.passages import lookup_table, study_arrays  # the tables' mapped codings, usually read already

    nothing = np.zeros(0, dtype=np.int64)
    try:
        coders, documents, groups = queue_scope(db)
    except CoderError:  # fewer than two coders, or no document they all coded: nothing to settle
        return nothing
    marks = ", ".join("?" for _ in groups)
    codes = [r[0] for r in db.execute(
        f"SELECT c.id FROM codes c JOIN code_groups g ON g.id = c.group_id WHERE g.name IN ({marks})", groups)]
    a = study_arrays(db)
    n_coders, n_docs = len(coders), len(documents)
    coder_index = lookup_table(dict(zip([c for c, _ in coders], range(n_coders))), a.hit_coder)
    doc_index = lookup_table(dict(zip([d for d, _ in documents], range(n_docs))), a.hit_doc)
    mine = (coder_index[a.hit_coder] >= 0) & (doc_index[a.hit_doc] >= 0)
    if not mine.any():
        return nothing
    worked = np.bincount(doc_index[a.hit_doc[mine]] * n_coders + coder_index[a.hit_coder[mine]], minlength=n_docs * n_coders)
    present = (worked.reshape(n_docs, n_coders) > 0).sum(axis=1)  # a coder with any coding in a document is compared there
    compared = mine & (lookup_table(dict.fromkeys(codes, 1), a.hit_code)[a.hit_code] >= 0)
    seg, coder, code = a.hit_seg[compared], coder_index[a.hit_coder[compared]], a.hit_code[compared]
    n_codes = int(code.max()) + 1 if len(code) else 1
    applied = sorted_unique((seg * n_coders + coder) * n_codes + code)  # (passage, coder, code), once each
    if not len(applied):
        return nothing
    per_code = np.sort((applied // (n_coders * n_codes)) * n_codes + applied % n_codes)
    starts = np.flatnonzero(np.r_[True, per_code[1:] != per_code[:-1]])
    how_many = np.diff(np.r_[starts, len(per_code)])  # coders who applied the code to the passage
    passage = per_code[starts] // n_codes
    in_doc = doc_index[a.seg_doc[passage]]
    return sorted_unique(passage[(how_many < present[in_doc]) & (present[in_doc] >= 2)], presorted=True)
