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

from coder.coding import acting_coder, apply_in, code_ref
from coder.db import Database, locked, now
from coder.errors import CoderError
from coder.events import Changes, replay_codings, writing
from coder.reanchor import MAX_LISTED, REVIEW, Candidate, candidate_places, context, listed
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
    """Codings a transcript edit left for review (status `changed` or `orphaned`), with the places their quote now has."""
    found = []
    for coding_id, document, passage, code, coder, start, end, quote, status, uuid in db.execute(
        CODING_PLACE + " WHERE c.status <> 'ok' ORDER BY d.name, c.start"
    ).fetchall():
        places = coding_candidates(db, coding_id)
        what = ("its words occur in more than one place" if any((c.start, c.end) == (start, end) for c in places) else
                "its text was edited" if status == "changed" else
                "its text was deleted" if status == "orphaned" else f"status '{status}'")
        found.append(Finding("review", _where(document, passage),
                             f"{code} ({coder}) needs review: {what}; it was “{_short(quote)}” (now {start}-{end}, coding {uuid})"
                             + _places(places),
                             "recode the passage (the new coding replaces it), " + _choices(uuid, places)))
    return found


def memos_for_review(db: Database) -> list[Finding]:
    """Span memos a transcript edit left for review, with the places the text they were on now has."""
    found = []
    for memo_id, document, passage, coder, start, end, status, uuid in db.execute(
        "SELECT m.id, d.name, (SELECT min(ordinal) FROM segments s WHERE s.document_id = m.document_id AND s.end > m.start),"
        " r.name, m.start, m.end, m.status, m.uuid FROM memos m JOIN documents d ON d.id = m.document_id"
        " LEFT JOIN coders r ON r.id = m.coder_id WHERE m.status <> 'ok' ORDER BY d.name, m.start").fetchall():
        quote = memo_original(db, memo_id)
        places = memo_candidates(db, memo_id, quote)
        was = f"; it was on “{_short(quote)}”" if quote else ""
        found.append(Finding("review", _where(document, passage),
                             f"memo ({coder or 'no coder'}) needs review: its text was {'edited' if status == 'changed' else 'deleted'}"
                             f"{was} (now {start}-{end}, memo {uuid})" + _places(places),
                             "read the memo and move it, " + _choices(uuid, places)))
    return found


def _places(places: list[Candidate]) -> str:
    return f"; its quote is now at {listed(places)}" if places else ""


def _choices(uuid: str, places: list[Candidate]) -> str:
    return (f"accept it where it is with coder doctor --accept {uuid}"
            + (f", or at a place listed with --accept {uuid}:N" if places else ""))


def coding_candidates(db: Database, coding_id: int) -> list[Candidate]:
    """Where a flagged coding's quote occurs in its document now, numbered from 1 for `--accept ID:N`."""
    document_id, text, quote = db.execute("SELECT c.document_id, d.text, c.quote FROM codings c"
                                          " JOIN documents d ON d.id = c.document_id WHERE c.id = ?", [coding_id]).fetchone()
    return candidate_places(db, document_id, text, quote, limit=MAX_LISTED + 1)


def memo_candidates(db: Database, memo_id: int, quote: str | None) -> list[Candidate]:
    """Where the text a flagged memo was on (`memo_original`) occurs in its document now; none when that is unknown."""
    if not quote:
        return []
    document_id, text = db.execute("SELECT m.document_id, d.text FROM memos m JOIN documents d ON d.id = m.document_id"
                                   " WHERE m.id = ?", [memo_id]).fetchone()
    return candidate_places(db, document_id, text, quote, limit=MAX_LISTED + 1)


def memo_original(db: Database, memo_id: int) -> str | None:
    """The text a flagged memo was on, before the edit that flagged it.

    Memos keep no quote: the `reanchor` event that flagged it holds its old span, and `document_versions`
    the text that span was in (the version that import replaced, just before the event was logged).
    """
    for at, ops in db.execute("SELECT at, changes FROM events WHERE action = 'reanchor' AND changes LIKE '%\"memos\"%'"
                              " ORDER BY id DESC").fetchall():
        for op in json.loads(ops):
            if op[:3] == ["update", "memos", memo_id] and op[3].get("status") == "ok" and op[4].get("status") in REVIEW:
                row = db.execute("SELECT v.text FROM document_versions v JOIN memos m ON m.document_id = v.document_id"
                                 " WHERE m.id = ? AND v.replaced <= ? ORDER BY v.version DESC LIMIT 1", [memo_id, at]).fetchone()
                return row[0][op[3]["start"] : op[3]["end"]] if row else None
    return None


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


def events_disagreeing(db: Database) -> list[Finding]:
    """Codings the log says exist but are missing, were deleted but are present, sit elsewhere, or that it never
    recorded at all: every way codings arrive records its rows, so any other coding was written outside coder."""
    alive, deleted = replay_codings(db)
    rows = {r[0]: r[1:] for r in db.execute("SELECT id, document_id, code_id, coder_id, start, end FROM codings")}
    uuids = dict(db.execute("SELECT id, uuid FROM codings").fetchall())
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
        found.append(Finding("events", f"coding {uuids[coding_id]}", "the events log records this coding as removed, yet it is present",
                             "compare with the latest backup in .backups/"))
    for coding_id in sorted(rows.keys() - alive.keys() - deleted):
        found.append(Finding("events", f"coding {uuids[coding_id]}", "the events log never recorded this coding: it was written"
                             " outside coder", "compare with the latest backup in .backups/, or remove it"))
    return found


# Settling a review ----------------------------------------------------------------------------


@locked  # the codings and their texts are read under the lock they are written under
def accept_placements(db: Database, uuids: list[str] | None, coder_name: str | None, *, new: bool = False) -> int:
    """Accept codings and memos left for review where they now are (all of them with None), or at one of the
    places their quote now has (`UUID:N`, N as `coder doctor` numbers them); returns how many.

    An accepted coding takes the text at its offsets as its new quote; one undoable event by the coder.
    """
    at = dict(_chosen_place(item) for item in uuids or [])
    uuids = None if uuids is None else list(at)
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
        for coding_id, uuid, start, end, text in codings:
            number = at.get(uuid)
            if number is not None:  # coded afresh at the chosen place, merging with a coding of the same code there
                start, end = _chosen(coding_candidates(db, coding_id), uuid, number)
                row = changes.delete("codings", coding_id)
                apply_in(changes, row["document_id"], code_ref(db, row["code_id"]), row["coder_id"], start, end, memo=row["memo"])
                continue
            prefix, suffix = context(text, start, end)
            changes.update("codings", coding_id, {"status": "ok", "start": start, "end": end, "quote": text[start:end],
                                                  "prefix": prefix, "suffix": suffix, "updated": stamp})
        for memo_id, uuid in memos:
            number = at.get(uuid)
            if number is None:
                changes.update("memos", memo_id, {"status": "ok", "updated": stamp})
            else:
                _move_memo(changes, memo_id, *_chosen(memo_candidates(db, memo_id, memo_original(db, memo_id)), uuid, number), stamp)
    return len(codings) + len(memos)


def _chosen_place(item: str) -> tuple[str, int | None]:
    """`UUID` (where it is) or `UUID:N` (the N-th place its quote now has)."""
    uuid, _, number = item.partition(":")
    if number and not number.isdigit():
        raise CoderError(f"'{item}' is not an id or id:N", fix="write the id coder doctor lists, with :N to choose a listed place")
    return uuid, int(number) if number else None


def _chosen(places: list[Candidate], uuid: str, number: int) -> tuple[int, int]:
    if not 1 <= number <= min(len(places), MAX_LISTED):
        raise CoderError(f"{uuid} has {min(len(places), MAX_LISTED)} listed place(s), not a place {number}",
                         fix="choose a number coder doctor lists for it, or accept it where it is (no :N)")
    return places[number - 1].start, places[number - 1].end


def _move_memo(changes: Changes, memo_id: int, start: int, end: int, stamp: str) -> None:
    """Put a flagged memo on the chosen span; a memo the coder already has there takes its text after its own."""
    memo = changes.db.execute("SELECT coder_id, document_id, text FROM memos WHERE id = ?", [memo_id]).fetchone()
    there = changes.db.execute("SELECT id, text FROM memos WHERE coder_id IS ? AND document_id = ? AND start = ? AND end = ?"
                               " AND code_id IS NULL AND id <> ?", [memo[0], memo[1], start, end, memo_id]).fetchone()
    if there is None:
        changes.update("memos", memo_id, {"start": start, "end": end, "status": "ok", "updated": stamp})
        return
    changes.update("memos", there[0], {"text": f"{there[1]}\n\n{memo[2]}", "updated": stamp})
    changes.delete("memos", memo_id)


__all__ = ["REVIEW", "Finding", "accept_placements", "examine"]


def codings_checked(db: Database) -> int:
    """How many codings a check covered: all of the study's."""
    return db.execute("SELECT count(*) FROM codings").fetchone()[0]
