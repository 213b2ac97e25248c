"""Reconciliation: walking every disagreement between coders, unit by unit, to a consensus coding.

After measuring agreement, a team talks through the passages where its coders differ and
settles each one, like `git add -p`: keep A's codes, keep B's, keep both (union), keep what
they share (intersection), drop them, or recode. Every decision is written as codings of the
consensus coder (the study setting `consensus_coder`, default `consensus`) — one transaction
and one undoable event — and the coders' own codings are never touched. Opening a queue and
moving in it only read; after a decision the screen remembers where the queue stands (a study
setting), so it can be left and resumed, and agreement can be run again on the consensus against
each coder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from coder.coding import (  # the coding module's own carving: one rule for uncoding
    CodeRef,
    add_coder,
    apply_in,
    carve_coding,
    check_version,
    coder_id,
    consensus_coder,
    find_document,
    overlapping_codings,
)
from coder.db import Database, new_uuid, now, set_setting, setting, transaction
from coder.errors import CoderError
from coder.events import Changes, Event, log_event, undo

QUEUE_SETTING = "reconcile_queue"  # JSON: coders, documents, groups and the unit the queue stopped at
KINDS = ("keep", "union", "intersection", "drop", "recode")
SUMMARY = re.compile(r"^reconcile (?P<document>.+) passage (?P<ordinal>\d+)(?: \((?P<groups>[^)]*)\))?: (?P<kind>\w+)")

Span = tuple[int, int]


@dataclass(frozen=True)
class Unit:
    """One passage where the coders differ: each coder's codes there, and the stretches they cover."""

    document_id: int
    document: str
    ordinal: int
    start: int
    end: int
    codes: dict[str, frozenset[int]]  # coder → code ids of the compared groups applied to the unit
    spans: dict[tuple[str, int], tuple[Span, ...]] = field(default_factory=dict, compare=False)  # (coder, code) → clipped spans
    version: int | None = field(default=None, compare=False)  # of the document's text the unit was read from

    @property
    def key(self) -> str:
        return f"{self.document}:{self.ordinal}"

    @property
    def shared(self) -> frozenset[int]:
        """Codes every coder applied."""
        return frozenset.intersection(*self.codes.values()) if self.codes else frozenset()

    @property
    def disputed(self) -> frozenset[int]:
        """Codes some coders applied and others did not."""
        return frozenset().union(*self.codes.values()) - self.shared


@dataclass
class Queue:
    """The disagreements of a set of coders on a set of documents, in text order, and where the walk stands."""

    coders: list[str]
    documents: list[str]
    groups: list[str]
    consensus: str
    units: list[Unit]
    position: int = 0
    agreed: list[Unit] = field(default_factory=list)  # passages where every coder gave the same (non-empty) codes

    @property
    def current(self) -> Unit | None:
        return self.units[self.position] if self.units else None

    def progress(self) -> str:
        return f"{self.position + 1} of {len(self.units)}" if self.units else "0 of 0"

    def index_of(self, key: str) -> int | None:
        return next((i for i, unit in enumerate(self.units) if unit.key == key), None)


def code_ids_of_groups(db: Database, groups: list[str]) -> list[int]:
    marks = ", ".join("?" for _ in groups)
    return [r[0] for r in db.execute(
        f"SELECT c.id FROM codes c JOIN code_groups g ON g.id = c.group_id WHERE g.name IN ({marks})", groups)]


def _choose(db: Database, coders: list[str] | None, documents: list[str] | None, groups: list[str] | None,
            consensus: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[str]]:
    """Coders (default: all with codings but the consensus), documents (default: those all of them coded in) and groups."""
    all_groups = [r[0] for r in db.execute("SELECT name FROM code_groups ORDER BY ordinal, id")]
    groups = list(groups or all_groups)
    unknown = [g for g in groups if g not in all_groups]
    if unknown:
        raise CoderError(f"no code group named {', '.join(unknown)}", fix=f"use some of: {', '.join(all_groups)}")
    if coders:
        chosen = [(coder_id(db, name), name) for name in dict.fromkeys(coders)]
    else:
        chosen = [(r[0], r[1]) for r in db.execute(
            "SELECT id, name FROM coders WHERE name != ? AND id IN (SELECT DISTINCT coder_id FROM codings) ORDER BY name", [consensus])]
    if len(chosen) < 2:
        raise CoderError("reconciling needs at least two coders with codings", fix="let a second coder code the same documents")
    worked = {(r[0], r[1]) for r in db.execute("SELECT document_id, coder_id FROM codings GROUP BY document_id, coder_id")}
    if documents:
        ids = list(dict.fromkeys(find_document(db, name) for name in documents))
        docs = [(i, db.execute("SELECT name FROM documents WHERE id = ?", [i]).fetchone()[0]) for i in ids]
    else:
        docs = [(r[0], r[1]) for r in db.execute("SELECT id, name FROM documents ORDER BY name")
                if all((r[0], c) in worked for c, _ in chosen)]
    if not docs:
        raise CoderError(f"no document has codings by every one of {', '.join(n for _, n in chosen)}",
                         fix="choose the documents, or other coders")
    return chosen, docs, groups


def build_queue(db: Database, *, coders: list[str] | None = None, documents: list[str] | None = None,
                groups: list[str] | None = None) -> Queue:
    """Every passage of the documents where the coders' codes of the groups differ (a coder counts where they coded at all)."""
    consensus = consensus_coder(db)
    chosen, docs, groups = _choose(db, coders, documents, groups, consensus)
    code_ids = code_ids_of_groups(db, groups)
    names = dict(chosen)
    worked = {(r[0], r[1]) for r in db.execute("SELECT document_id, coder_id FROM codings GROUP BY document_id, coder_id")}
    versions = dict(db.execute("SELECT id, version FROM documents").fetchall())
    units: list[Unit] = []
    agreed: list[Unit] = []
    params = {"docs": json.dumps([d for d, _ in docs]), "coders": json.dumps(list(names)), "codes": json.dumps(code_ids)}
    applied: dict[tuple[int, int], dict[str, dict[int, list[Span]]]] = {}
    for doc, ordinal, s_start, s_end, coder, code, start, end in db.execute(
        "SELECT s.document_id, s.ordinal, s.start, s.end, c.coder_id, c.code_id, c.start, c.end FROM codings c"
        " JOIN segments s ON s.document_id = c.document_id AND c.start < s.end AND c.end > s.start"
        " WHERE c.document_id IN (SELECT value FROM json_each(:docs)) AND c.coder_id IN (SELECT value FROM json_each(:coders))"
        " AND c.code_id IN (SELECT value FROM json_each(:codes))", params):
        by_code = applied.setdefault((doc, ordinal), {}).setdefault(names[coder], {})
        by_code.setdefault(code, []).append((max(start, s_start), min(end, s_end)))
    for doc, doc_name in docs:
        present = [name for c, name in chosen if (doc, c) in worked]
        if len(present) < 2:
            continue
        for ordinal, start, end in db.execute(
                "SELECT ordinal, start, end FROM segments WHERE document_id = ? ORDER BY ordinal", [doc]):
            found = applied.get((doc, ordinal), {})
            codes = {name: frozenset(found.get(name, {})) for name in present}
            spans = {(name, code): tuple(sorted(s)) for name, by_code in found.items() for code, s in by_code.items()
                     if name in codes}
            if len(set(codes.values())) > 1:
                units.append(Unit(doc, doc_name, ordinal, start, end, codes, spans, versions[doc]))
            elif found:
                agreed.append(Unit(doc, doc_name, ordinal, start, end, codes, spans, versions[doc]))
    return Queue([n for _, n in chosen], [n for _, n in docs], groups, consensus, units, agreed=agreed)


def open_queue(db: Database, *, coders: list[str] | None = None, documents: list[str] | None = None,
               groups: list[str] | None = None, at: str | None = None) -> Queue:
    """The reconcile queue, resumed where it stopped; naming coders, documents or groups starts a queue for them.

    Opening only reads: the queue's place is remembered after a decision (`remember`), and the codes the
    coders agree on reach the consensus only through `copy_agreed`, a decision of its own.
    Args:
        at: a unit key `document:passage` to go to (e.g. from the agreement screen).
    """
    saved = json.loads(setting(db, QUEUE_SETTING) or "{}")
    if coders is None and documents is None and groups is None and saved:
        try:
            queue = build_queue(db, coders=saved["coders"], documents=saved["documents"], groups=saved["groups"])
        except CoderError:
            queue = build_queue(db)  # the saved queue names a coder or document that is gone: start afresh
    else:
        queue = build_queue(db, coders=coders, documents=documents, groups=groups)
    same = saved and (saved.get("coders"), saved.get("documents"), saved.get("groups")) == (queue.coders, queue.documents, queue.groups)
    target = at or (saved.get("at") if same else None)
    if target:
        queue.position = _nearest(queue, target)
    return queue


def queue_scope(db: Database) -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[str]]:
    """The (id, name) of the coders and documents, and the groups, of the queue `open_queue` opens without arguments."""
    saved = json.loads(setting(db, QUEUE_SETTING) or "{}")
    consensus = consensus_coder(db)
    if saved:
        try:
            return _choose(db, saved["coders"], saved["documents"], saved["groups"], consensus)
        except CoderError:
            pass  # as open_queue: a coder or document of the saved queue is gone
    return _choose(db, None, None, None, consensus)


def _nearest(queue: Queue, key: str) -> int:
    """The unit with this key, or else the first one after it (a unit settled by a recode may have left the queue)."""
    found = queue.index_of(key)
    if found is not None:
        return found
    document, _, ordinal = key.rpartition(":")
    later = [i for i, u in enumerate(queue.units) if (u.document, u.ordinal) > (document, int(ordinal or 0))]
    return later[0] if later else max(len(queue.units) - 1, 0)


def remember(db: Database, queue: Queue) -> None:
    """Store the queue's coders, documents, groups and current unit, so it resumes there."""
    current = queue.current
    set_setting(db, QUEUE_SETTING, json.dumps({"coders": queue.coders, "documents": queue.documents, "groups": queue.groups,
                                                "at": current.key if current else None}))


def move(queue: Queue, step: int) -> Unit | None:
    """Go to the next (or previous) unit; only a decision writes, so `remember` the place after one."""
    if queue.units:
        queue.position = min(max(queue.position + step, 0), len(queue.units) - 1)
    return queue.current


# Decisions ------------------------------------------------------------------------------------


def _refs(db: Database, code_ids: set[int] | frozenset[int]) -> dict[int, CodeRef]:
    marks = ", ".join("?" for _ in code_ids)
    rows = db.execute(f"SELECT c.id, c.name, g.name, g.exclusive FROM codes c JOIN code_groups g ON g.id = c.group_id"
                      f" WHERE c.id IN ({marks})", list(code_ids)).fetchall() if code_ids else []
    return {r[0]: CodeRef(r[0], r[1], r[2], bool(r[3])) for r in rows}


def _cover(spans: list[Span]) -> list[Span]:
    """Overlapping or touching stretches joined."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _overlap(a: list[Span], b: list[Span]) -> list[Span]:
    return [(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)]


def target_codings(unit: Unit, kind: str, *, coder: str | None = None, codes: list[int] | None = None) -> dict[int, list[Span]]:
    """What the consensus gets at the unit for a decision: code → stretches (clipped to the unit)."""
    whole = [(unit.start, unit.end)]
    if kind == "keep":
        if coder not in unit.codes:
            raise CoderError(f"'{coder}' is not one of the coders compared here", fix=f"keep one of: {', '.join(unit.codes)}")
        return {c: list(unit.spans.get((coder, c), whole)) for c in unit.codes[coder]}
    if kind == "union":
        every = frozenset().union(*unit.codes.values())
        return {c: _cover([s for name in unit.codes for s in unit.spans.get((name, c), ())]) or whole for c in every}
    if kind == "intersection":
        found = {}
        for c in unit.shared:
            common = [list(unit.spans.get((name, c), whole)) for name in unit.codes]
            spans = common[0]
            for other in common[1:]:
                spans = _overlap(spans, other)
            found[c] = _cover(spans) or _cover([s for part in common for s in part])  # no common stretch: every coder's
        return found
    if kind == "drop":
        return {}
    if kind == "recode":
        return {c: whole for c in codes or []}
    raise CoderError(f"unknown decision '{kind}'", fix=f"use one of: {', '.join(KINDS)}")


@dataclass(frozen=True)
class Decision:
    unit: str
    kind: str
    codes: list[str]  # the consensus codes of the compared groups at the unit afterwards (paths)
    event_id: int
    memo: str | None = None  # the rationale written with it


def decide(db: Database, queue: Queue, unit: Unit, kind: str, *, coder: str | None = None, codes: list[int] | None = None,
           memo: str | None = None) -> Decision:
    """Settle a unit: the consensus coder's codes of the compared groups there become those of the decision.

    One transaction and one undoable event; the coders' own codings are never changed.
    Args:
        kind: keep (with `coder`), union, intersection, drop, or recode (with `codes`, the code ids to keep).
        memo: a rationale, stored as the consensus coder's memo on the passage.
    """
    target = target_codings(unit, kind, coder=coder, codes=codes)
    refs = _refs(db, set(target))
    clash: dict[str, list[str]] = {}
    for ref in refs.values():
        if ref.exclusive:
            clash.setdefault(ref.group, []).append(ref.name)
    clash = {g: names for g, names in clash.items() if len(names) > 1}
    if clash:
        group, names = next(iter(clash.items()))
        raise CoderError(f"{group} is exclusive, and this would give both {' and '.join(names)}",
                         fix="keep one coder's codes, or recode")
    consensus = add_coder(db, queue.consensus)
    compared = code_ids_of_groups(db, queue.groups)
    label = f"keep {coder}" if kind == "keep" else kind
    paths = sorted(f"{r.group}/{r.name}" for r in refs.values())
    summary = f"reconcile {unit.document} passage {unit.ordinal} ({', '.join(queue.groups)}): {label} → {', '.join(paths) or 'nothing'}"
    with transaction(db):
        check_version(db, unit.document_id, unit.version)
        changes = Changes(db)
        for coding in overlapping_codings(db, unit.document_id, consensus, unit.start, unit.end, compared):
            carve_coding(changes, coding, unit.start, unit.end)
        for code_id, spans in target.items():
            for start, end in spans:
                apply_in(changes, unit.document_id, refs[code_id], consensus, start, end)
        if memo and memo.strip():
            _write_memo(changes, consensus, unit, memo.strip())
        event = log_event(db, "reconcile", coder_id=consensus, summary=summary, ops=changes.ops, undoable=True)
    return Decision(unit.key, label, paths, event, memo.strip() if memo and memo.strip() else None)


def copy_agreed(db: Database, queue: Queue) -> int:
    """Give the consensus coder the codes every coder agrees on, in every passage (one undoable event).

    The researcher's decision (a key of the reconcile screen), never a side effect of opening the
    queue: the consensus then holds what the coders share (their intersection) and becomes a
    complete coding of the documents as the decisions settle the rest. Passages already decided
    are left alone. Returns the number of codings written.
    """
    done = decided(db, queue)
    units = [u for u in queue.agreed + queue.units if u.shared and u.key not in done]
    if not units:
        return 0
    consensus = add_coder(db, queue.consensus)
    refs = _refs(db, {c for unit in units for c in unit.shared})
    written = 0
    with transaction(db):
        changes = Changes(db)
        for unit in units:
            check_version(db, unit.document_id, unit.version)
            for code_id, spans in target_codings(unit, "intersection").items():
                for start, end in spans:
                    before = len(changes.ops)
                    apply_in(changes, unit.document_id, refs[code_id], consensus, start, end)
                    written += any(op[0] == "insert" for op in changes.ops[before:])
        if changes.ops:
            log_event(db, "reconcile_agreed", coder_id=consensus, undoable=True, ops=changes.ops,
                      summary=f"consensus: the codes {' and '.join(queue.coders)} share, in {len(units)} passages")
    return written


def _write_memo(changes: Changes, consensus: int, unit: Unit, text: str) -> None:
    """The decision's rationale as the consensus coder's memo on the passage; a rationale already there (a decision on
    another group of codes, say) is kept, and this one added after it."""
    row = changes.db.execute("SELECT id, text FROM memos WHERE coder_id = ? AND document_id = ? AND start = ? AND end = ?"
                             " AND code_id IS NULL", [consensus, unit.document_id, unit.start, unit.end]).fetchone()
    if row:
        if text not in row[1].split("\n"):
            changes.update("memos", row[0], {"text": f"{row[1]}\n{text}", "updated": now()})
    else:
        stamp = now()
        row = {"uuid": new_uuid(), "coder_id": consensus, "document_id": unit.document_id, "start": unit.start,
               "end": unit.end, "code_id": None, "text": text, "created": stamp, "updated": stamp}
        # Every column is recorded, defaults included, so that undo finds the row exactly as it was written.
        columns = [r[1] for r in changes.db.execute("PRAGMA table_info(memos)")]
        changes.insert("memos", row | ({"status": "ok"} if "status" in columns else {}))


def rationale(db: Database, queue: Queue, unit: Unit) -> str | None:
    """The consensus coder's memo on the unit's passage, if any."""
    from coder.memos import memo

    row = db.execute("SELECT id FROM coders WHERE name = ?", [queue.consensus]).fetchone()
    return memo(db, row[0], document_id=unit.document_id, start=unit.start, end=unit.end) if row else None


def write_rationale(db: Database, queue: Queue, unit: Unit, text: str | None) -> None:
    """Write (or, with blank text, remove) the consensus coder's rationale memo on the unit's passage (one event)."""
    from coder.memos import set_memo

    set_memo(db, add_coder(db, queue.consensus), text, document_id=unit.document_id, start=unit.start, end=unit.end,
             version=unit.version)


def consensus_codes(db: Database, queue: Queue, unit: Unit) -> list[int]:
    """The consensus coder's codes of the compared groups at the unit now, in codebook order."""
    row = db.execute("SELECT id FROM coders WHERE name = ?", [queue.consensus]).fetchone()
    if row is None:
        return []
    compared = code_ids_of_groups(db, queue.groups)
    found = {c["code_id"] for c in overlapping_codings(db, unit.document_id, row[0], unit.start, unit.end, compared)} if compared else set()
    return [r[0] for r in db.execute(
        "SELECT c.id FROM codes c JOIN code_groups g ON g.id = c.group_id WHERE c.id IN (SELECT value FROM json_each(?))"
        " ORDER BY g.ordinal, c.ordinal", [json.dumps(sorted(found))])]


def consensus_codings(db: Database, queue: Queue, unit: Unit) -> list[dict[str, Any]]:
    """The consensus coder's codings touching the unit (for nudging a boundary), in text order."""
    row = db.execute("SELECT id FROM coders WHERE name = ?", [queue.consensus]).fetchone()
    compared = code_ids_of_groups(db, queue.groups)
    return overlapping_codings(db, unit.document_id, row[0], unit.start, unit.end, compared) if row and compared else []


def decided(db: Database, queue: Queue) -> dict[str, str]:
    """Units of the queue settled by decisions still in effect (not undone): unit key → what was decided last.

    A decision settles the groups its queue compared (a decision made before the groups were recorded, all of
    them): a passage settled for `function` only is still open in a queue that also compares `phase`.
    """
    row = db.execute("SELECT id FROM coders WHERE name = ?", [queue.consensus]).fetchone()
    if row is None:
        return {}
    in_effect: dict[int, tuple[str, set[str], str]] = {}
    undone: set[int] = set()
    for event_id, action, summary, reverts in db.execute(
            "SELECT id, action, summary, reverts FROM events WHERE coder_id = ? AND action IN ('reconcile', 'undo', 'redo')"
            " ORDER BY id", [row[0]]):
        if action == "reconcile":
            match = SUMMARY.match(summary)
            if match:
                groups = set(match["groups"].split(", ")) if match["groups"] else set(queue.groups)
                in_effect[event_id] = (f"{match['document']}:{match['ordinal']}", groups, summary[match.start("kind"):])
        elif action == "undo":
            undone.add(reverts)
        else:
            undone.discard(reverts)
    covered: dict[str, set[str]] = {}
    latest: dict[str, str] = {}
    for event_id, (key, groups, what) in sorted(in_effect.items()):  # the latest decision in effect is shown
        if event_id not in undone:
            covered.setdefault(key, set()).update(groups)
            latest[key] = what
    return {key: what for key, what in latest.items() if covered[key] >= set(queue.groups)}


def consensus_agreement(db: Database, queue: Queue, **options: Any) -> dict[str, Any]:
    """Agreement of the consensus with each coder on the queue's documents and groups: coder → agreement Report."""
    from coder.agreement import measure_agreement  # numpy: only when agreement is asked for

    if db.execute("SELECT 1 FROM codings c JOIN coders r ON r.id = c.coder_id WHERE r.name = ? LIMIT 1",
                  [queue.consensus]).fetchone() is None:
        raise CoderError(f"the consensus coder '{queue.consensus}' has no codings yet", fix="settle some units first")
    codes = [f"{r[0]}/{r[1]}" for r in db.execute(
        "SELECT g.name, c.name FROM codes c JOIN code_groups g ON g.id = c.group_id WHERE g.name IN (SELECT value FROM json_each(?))"
        " AND c.active ORDER BY g.ordinal, c.ordinal", [json.dumps(queue.groups)])]
    return {coder: measure_agreement(db, coders=[queue.consensus, coder], documents=queue.documents, codes=codes, **options)
            for coder in queue.coders}


def unit_text(db: Database, unit: Unit) -> str:
    return db.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
                      [unit.start, unit.end, unit.start, unit.document_id]).fetchone()[0]


def undo_decision(db: Database, queue: Queue) -> Event | None:
    """Undo the consensus coder's last change (a decision, a recode, a nudge); None when there is none."""
    row = db.execute("SELECT id FROM coders WHERE name = ?", [queue.consensus]).fetchone()
    return undo(db, row[0]) if row else None
