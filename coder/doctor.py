"""The study's health check (`coder doctor`): everything that needs a researcher's attention, in one list.

Months of coding live in one file, so the file is checked the way SQLite and Git check theirs:
the database's own integrity, codings waiting for review after a transcript changed, codings
whose offsets or quotes no longer fit their text, retired codes still in use, the events log
disagreeing with the codings, and transcripts changed on disk since they were imported.
Nothing here writes, except `accept_placements`, which a coder calls to settle a review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from coder.coding import acting_coder
from coder.db import Database, locked, now
from coder.errors import CoderError
from coder.events import writing
from coder.reanchor import REVIEW, context
from coder.study import Study, changed_transcripts


@dataclass(frozen=True)
class Finding:
    """One thing the doctor found: `attention` findings make `coder doctor` exit non-zero, `note`s do not."""

    check: str
    where: str
    message: str
    fix: str
    severity: str = "attention"

    def line(self) -> str:
        return f"{self.where}: {self.message} — fix: {self.fix}"

    def row(self) -> dict[str, str]:
        return {"severity": self.severity, "check": self.check, "where": self.where, "problem": self.message, "fix": self.fix}


def examine(study: Study, db: Database, *, quick: bool = False) -> list[Finding]:
    """Every check, in order of gravity; `quick` skips SQLite's page-by-page integrity check."""
    findings: list[Finding] = []
    if not quick:
        findings += integrity(db)
    findings += codings_for_review(db)
    findings += memos_for_review(db)
    findings += codings_outside_text(db)
    findings += quotes_not_matching(db)
    findings += events_disagreeing(db)
    findings += retired_codes_in_use(db)
    findings += transcripts_changed(study, db)
    return findings


def integrity(db: Database) -> list[Finding]:
    """SQLite's integrity and foreign key checks."""
    found = [Finding("integrity", "study.db", f"integrity check: {row[0]}", "restore the latest backup from .backups/")
             for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"]
    found += [Finding("integrity", "study.db", f"{row[0]} row {row[1]} points to a missing {row[2]} row",
                      "restore the latest backup from .backups/")
              for row in db.execute("PRAGMA foreign_key_check").fetchall()]
    return found


CODING_PLACE = (
    "SELECT c.id, d.name, (SELECT min(ordinal) FROM segments s WHERE s.document_id = c.document_id AND s.end > c.start),"
    " g.name || '/' || k.name, r.name, c.start, c.end, c.quote, c.status, c.uuid"
    " FROM codings c JOIN documents d ON d.id = c.document_id JOIN codes k ON k.id = c.code_id"
    " JOIN code_groups g ON g.id = k.group_id JOIN coders r ON r.id = c.coder_id"
)


def _where(document: str, passage: int | None) -> str:
    return f"{document} passage {passage}" if passage else document


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def codings_for_review(db: Database) -> list[Finding]:
    """Codings a transcript edit left for review (status `changed` or `orphaned`)."""
    found = []
    for _, document, passage, code, coder, start, end, quote, status, uuid in db.execute(
        CODING_PLACE + " WHERE c.status <> 'ok' ORDER BY d.name, c.start"
    ).fetchall():
        what = ("its text was edited" if status == "changed" else
                "its text was deleted" if status == "orphaned" else f"status '{status}'")
        found.append(Finding("review", _where(document, passage),
                             f"{code} ({coder}) needs review: {what}; it was “{_short(quote)}” (now {start}-{end}, coding {uuid})",
                             "recode the passage (the new coding replaces it), or accept it with coder doctor --accept"))
    return found


def memos_for_review(db: Database) -> list[Finding]:
    """Span memos a transcript edit left for review."""
    return [Finding("review", _where(document, passage), f"memo ({coder or 'no coder'}) needs review: its text was "
                    f"{'edited' if status == 'changed' else 'deleted'} (now {start}-{end}, memo {uuid})",
                    "read the memo and move it, or accept it with coder doctor --accept")
            for document, passage, coder, start, end, status, uuid in db.execute(
                "SELECT d.name, (SELECT min(ordinal) FROM segments s WHERE s.document_id = m.document_id AND s.end > m.start),"
                " r.name, m.start, m.end, m.status, m.uuid FROM memos m JOIN documents d ON d.id = m.document_id"
                " LEFT JOIN coders r ON r.id = m.coder_id WHERE m.status <> 'ok' ORDER BY d.name, m.start").fetchall()]


def codings_outside_text(db: Database) -> list[Finding]:
    """Codings whose offsets fall outside their document's text."""
    return [Finding("offsets", document, f"{code} ({coder}) at {start}-{end} lies outside the text (0-{length}) (coding {uuid})",
                    "re-import the transcript it was coded on, or remove the coding")
            for document, code, coder, start, end, length, uuid in db.execute(
                "SELECT d.name, g.name || '/' || k.name, r.name, c.start, c.end, length(d.text), c.uuid FROM codings c"
                " JOIN documents d ON d.id = c.document_id JOIN codes k ON k.id = c.code_id"
                " JOIN code_groups g ON g.id = k.group_id JOIN coders r ON r.id = c.coder_id"
                " WHERE c.start < 0 OR c.end > length(d.text) OR c.end <= c.start").fetchall()]


def quotes_not_matching(db: Database) -> list[Finding]:
    """Codings marked ok whose stored quote differs from the text at their offsets."""
    return [Finding("quote", _where(document, passage),
                    f"{code} ({coder}) at {start}-{end}: the text there is not its quote “{_short(quote)}” (coding {uuid})",
                    "re-import the transcript with coder import --update, or accept it with coder doctor --accept")
            for _, document, passage, code, coder, start, end, quote, _, uuid in db.execute(
                CODING_PLACE + " WHERE c.status = 'ok' AND c.end <= length(d.text)"
                " AND substr(d.text, c.start + 1, c.end - c.start) <> c.quote ORDER BY d.name, c.start").fetchall()]


def retired_codes_in_use(db: Database) -> list[Finding]:
    """Codes gone from the codebook YAML that still have codings (kept, but invisible to the keys)."""
    return [Finding("codebook", f"{group}/{code}", f"retired code still has {count} coding{'s' * (count != 1)}",
                    "restore the code in codebook.yaml, or merge it into another code", "note")
            for group, code, count in db.execute(
                "SELECT g.name, k.name, count(*) FROM codes k JOIN code_groups g ON g.id = k.group_id"
                " JOIN codings c ON c.code_id = k.id WHERE NOT k.active GROUP BY k.id ORDER BY g.name, k.name").fetchall()]


def transcripts_changed(study: Study, db: Database) -> list[Finding]:
    """Transcript files that changed or vanished since they were imported."""
    found = []
    for document, path in changed_transcripts(study, db):
        if (study.root / path).exists():
            found.append(Finding("transcripts", path, f"changed on disk since '{document}' was imported",
                                 "run coder import --update to re-import it and re-anchor its codings"))
        else:
            found.append(Finding("transcripts", path, f"the transcript of '{document}' is missing",
                                 "put the file back (the database keeps its text and codings meanwhile)", "note"))
    return found


# The events log against the codings ------------------------------------------------------------


def replay_codings(db: Database) -> tuple[dict[int, dict[str, Any]], set[int]]:
    """Replay every logged change to codings: (codings the log says exist, by id; ids it says were deleted)."""
    alive: dict[int, dict[str, Any]] = {}
    deleted: set[int] = set()
    for (changes,) in db.execute("SELECT changes FROM events WHERE changes LIKE '%\"codings\"%' ORDER BY id"):
        for op in json.loads(changes):
            if op[1] != "codings":
                continue
            if op[0] in ("insert", "delete") and op[2].get("id") is None:
                continue  # a merged event about a coding that never came here
            if op[0] == "insert":
                alive[op[2]["id"]] = dict(op[2])
                deleted.discard(op[2]["id"])
            elif op[0] == "delete":
                alive.pop(op[2]["id"], None)
                deleted.add(op[2]["id"])
            elif op[2] in alive:
                alive[op[2]].update(op[4])
    return alive, deleted


def events_disagreeing(db: Database) -> list[Finding]:
    """Codings the log says exist but are missing, or were deleted but are present, or sit elsewhere."""
    alive, deleted = replay_codings(db)
    rows = {r[0]: r[1:] for r in db.execute("SELECT id, document_id, code_id, coder_id, start, end FROM codings")}
    found = []
    for coding_id, row in sorted(alive.items()):
        if coding_id not in rows:
            found.append(Finding("events", f"coding {row.get('uuid', coding_id)}",
                                 "the events log records this coding but it is missing from the codings",
                                 "restore the latest backup from .backups/"))
        elif rows[coding_id] != tuple(row.get(k) for k in ("document_id", "code_id", "coder_id", "start", "end")):
            found.append(Finding("events", f"coding {row.get('uuid', coding_id)}",
                                 "the coding differs from what the events log last recorded for it",
                                 "compare with the latest backup in .backups/"))
    for coding_id in sorted(deleted & rows.keys()):
        found.append(Finding("events", f"coding {coding_id}", "the events log records this coding as removed, yet it is present",
                             "compare with the latest backup in .backups/"))
    return found


# Settling a review ----------------------------------------------------------------------------


@locked  # the codings and their texts are read under the lock they are written under
def accept_placements(db: Database, uuids: list[str] | None, coder_name: str | None, *, new: bool = False) -> int:
    """Accept codings and memos left for review where they now are (all of them with None); returns how many.

    An accepted coding takes the text at its offsets as its new quote; one undoable event by the coder.
    """
    chosen = "" if uuids is None else f" AND x.uuid IN ({', '.join('?' for _ in uuids)})"
    params = [] if uuids is None else list(uuids)
    codings = db.execute("SELECT x.id, x.uuid, x.start, x.end, d.text FROM codings x JOIN documents d ON d.id = x.document_id"
                         f" WHERE x.status <> 'ok'{chosen}", params).fetchall()
    memos = db.execute(f"SELECT x.id, x.uuid FROM memos x WHERE x.status <> 'ok'{chosen}", params).fetchall()
    if uuids is not None:
        unknown = set(uuids) - {r[1] for r in codings} - {r[1] for r in memos}
        if unknown:
            raise CoderError(f"no coding or memo waiting for review has the id {sorted(unknown)[0]}",
                             fix="copy the id from coder doctor's list")
    if not codings and not memos:
        return 0
    stamp = now()
    summary = f"accepted {len(codings) + len(memos)} re-anchored codings/memos"
    with writing(db, "accept_review", coder_id=acting_coder(db, coder_name, new=new), summary=summary) as changes:
        for coding_id, _, start, end, text in codings:
            prefix, suffix = context(text, start, end)
            changes.update("codings", coding_id, {"status": "ok", "quote": text[start:end], "prefix": prefix,
                                                  "suffix": suffix, "updated": stamp})
        for memo_id, _ in memos:
            changes.update("memos", memo_id, {"status": "ok", "updated": stamp})
    return len(codings) + len(memos)


__all__ = ["REVIEW", "Finding", "accept_placements", "examine", "replay_codings"]


def codings_checked(db: Database) -> int:
    """How many codings a check covered: all of the study's."""
    return db.execute("SELECT count(*) FROM codings").fetchone()[0]
