"""Coding: applying codes to spans of text, removing them, memos — the writes a researcher makes.

The TUI and the CLI call these same functions. Each call is one transaction and one event.
A coder's codings of one code never overlap (overlaps are merged); in an exclusive group
(e.g. phase) a new code replaces the others on its span instead of stacking on them.
Every coding keeps a text-quote selector (the quote and a little context on each side), so it
can be found again if the transcript is edited.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from typing import Any

from coder.db import Database, inserted_id, locked, new_uuid, now, set_setting, setting, transaction
from coder.dismissals import dismiss_in
from coder.errors import CoderError
from coder.events import Changes, log_event, writing

CONTEXT = 32  # characters of prefix and suffix kept with each quote


CONSENSUS_SETTING = "consensus_coder"
DEFAULT_CONSENSUS = "consensus"


class DocumentChangedError(CoderError):
    """The text a write's offsets were read from was replaced meanwhile (a re-import): nothing was written."""


def check_version(db: Database, document_id: int, version: int | None) -> None:
    """Inside a write, under its lock: refuse offsets read from another version of the document's text."""
    if version is None:
        return
    row = db.execute("SELECT name, version, path FROM documents WHERE id = ?", [document_id]).fetchone()
    if row is None:
        raise DocumentChangedError(f"document {document_id} was removed since it was read: nothing was written",
                                   fix="run it again on a document the study has")
    if row[1] != version:
        raise DocumentChangedError(f"'{row[0]}' was re-imported since its passages were read (text version {version}, now"
                                   f" {row[1]}): nothing was written", where=row[2], fix="run it again, on the text as it is now")


@dataclass(frozen=True)
class CodeRef:
    id: int
    name: str
    group: str
    exclusive: bool

    @property
    def path(self) -> str:
        return f"{self.group}/{self.name}"


def current_coder(db: Database) -> str:
    """Who is coding: $CODER_NAME, else the study's current coder (last chosen in the workbench), else the login name."""
    return who_codes(db)[0]


def who_codes(db: Database) -> tuple[str, str]:
    """Who codes when no name is given, and where that name comes from (said when the study does not know it)."""
    if os.environ.get("CODER_NAME", "").strip():
        return os.environ["CODER_NAME"], "$CODER_NAME"
    chosen = setting(db, "current_coder")
    return (chosen, "the study's current coder") if chosen else (getpass.getuser(), "your login name")


@locked
def switch_coder(db: Database, name: str) -> int:
    """Make `name`, a coder of the study, its current coder; returns its id."""
    found = coder_id(db, name)
    set_setting(db, "current_coder", name.strip())
    return found


def consensus_coder(db: Database) -> str:
    """The coder reconciled decisions are written under (setting `consensus_coder`, default `consensus`)."""
    return setting(db, CONSENSUS_SETTING) or DEFAULT_CONSENSUS


def coder_names(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM coders ORDER BY name")]


def coder_id(db: Database, name: str) -> int:
    """The id of a coder of the study; an unknown name is refused with the names it may be a typo of."""
    name = _coder_name(name)
    row = db.execute("SELECT id FROM coders WHERE name = ?", [name]).fetchone()
    if row:
        return int(row[0])
    known = coder_names(db)
    hint = _did_you_mean(name, known)
    raise CoderError(f"no coder named '{name}'{f' ({hint})' if hint else ''}", fix=f"use one of: {', '.join(known) or 'none yet'}")


@locked  # looked up and inserted under the write lock: a second session adding the same coder finds the first one's row
def add_coder(db: Database, name: str) -> int:
    """Add a coder (nothing happens if two sessions add the same one at once); returns its id."""
    name = _coder_name(name)
    row = db.execute("SELECT id FROM coders WHERE name = ?", [name]).fetchone()
    if row:
        return int(row[0])
    new_id = inserted_id(db.execute("INSERT INTO coders (uuid, name, created) VALUES (?, ?, ?)", [new_uuid(), name, now()]))
    log_event(db, "add_coder", coder_id=new_id, summary=f"added coder {name}")
    return new_id


def acting_coder(db: Database, name: str | None = None, *, new: bool = False) -> int:
    """The coder a write is made as (no name: the default coder): one of the study's coders, or a new one only
    when asked for (`new`) — or when the study has no coder yet — so that a typo never creates a coder."""
    name, source = (name, "") if name else who_codes(db)
    name = _coder_name(name)
    if is_coder(db, name):
        return coder_id(db, name)
    with transaction(db):  # under the write lock: another session may have added the coder (or the first one) meanwhile
        known = coder_names(db)
        if name in known:
            return coder_id(db, name)
        if new or not known:
            return add_coder(db, name)
    hint = "; ".join(filter(None, [source, _did_you_mean(name, known)]))
    raise CoderError(f"no coder named '{name}'{f' ({hint})' if hint else ''}",
                     fix=f"code as one of {', '.join(known)} with --coder NAME, or add '{name}' as a new coder with --new-coder")


def is_coder(db: Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM coders WHERE name = ?", [name.strip()]).fetchone() is not None


def _coder_name(name: str) -> str:
    if not name.strip():
        raise CoderError("the coder name is empty", fix="pass --coder NAME")
    return name.strip()


def likely_coder(name: str, known: list[str]) -> str | None:
    """The known coder a name is most likely a typo of, if any."""
    import difflib

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) or [k for k in known if k.lower() == name.lower()]
    return close[0] if close else None


def _did_you_mean(name: str, known: list[str]) -> str:
    close = likely_coder(name, known)
    return f"did you mean '{close}'?" if close else ""


def find_code(db: Database, name: str) -> CodeRef:
    """A code by `name` or `group/name` (the group is needed only when two groups share a name)."""
    group, _, code = name.rpartition("/")
    rows = db.execute(
        "SELECT c.id, c.name, g.name, g.exclusive FROM codes c JOIN code_groups g ON g.id = c.group_id"
        " WHERE lower(c.name) = lower(?) AND (? = '' OR lower(g.name) = lower(?)) ORDER BY c.active DESC",
        [code, group, group],
    ).fetchall()
    if len(rows) == 1 or (rows and rows[0][1] == code and len({r[2] for r in rows}) == 1):
        return CodeRef(rows[0][0], rows[0][1], rows[0][2], bool(rows[0][3]))
    if rows:
        options = ", ".join(f"{r[2]}/{r[1]}" for r in rows)
        raise CoderError(f"code '{name}' is in several groups", fix=f"name one of: {options}")
    raise CoderError(f"no code named '{name}' in the codebook", fix="see the codes with: coder codebook")


def code_ref(db: Database, code_id: int) -> CodeRef:
    """A code by its id (an active one: a retired code takes no new codings)."""
    row = db.execute("SELECT c.id, c.name, g.name, g.exclusive, c.active FROM codes c JOIN code_groups g ON g.id = c.group_id"
                     " WHERE c.id = ?", [code_id]).fetchone()
    if row is None or not row[4]:
        raise CoderError(f"code {code_id} is no longer in the codebook", fix="choose a current code (coder codebook)")
    return CodeRef(row[0], row[1], row[2], bool(row[3]))


def find_document(db: Database, name: str) -> int:
    """A document's id by its name (its front-matter id or file name)."""
    row = db.execute("SELECT id FROM documents WHERE name = ? OR path = ?", [name, name]).fetchone()
    if row:
        return row[0]
    close = [r[0] for r in db.execute("SELECT name FROM documents WHERE name LIKE ? LIMIT 5", [f"%{name}%"])]
    raise CoderError(f"no document named '{name}'", fix=f"try {', '.join(close)}" if close else "see the documents with: coder status")


def passage_span(db: Database, document_id: int, first: int, last: int | None = None) -> tuple[int, int]:
    """The character span of passages first..last (1-based, inclusive) of a document."""
    last = last or first
    rows = db.execute(
        "SELECT min(start), max(end), count(*) FROM segments WHERE document_id = ? AND ordinal BETWEEN ? AND ?",
        [document_id, first, last],
    ).fetchone()
    if not rows[2] or rows[2] != last - first + 1:
        count = db.execute("SELECT count(*) FROM segments WHERE document_id = ?", [document_id]).fetchone()[0]
        raise CoderError(f"passage {first if first == last else f'{first}-{last}'} does not exist",
                         fix=f"use a passage between 1 and {count}")
    return rows[0], rows[1]


def parse_passages(text: str) -> tuple[int, int]:
    """'7' or '7-9' → (7, 9)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", text)
    if not match or int(match[1]) < 1 or (match[2] and int(match[2]) < int(match[1])):
        raise CoderError(f"'{text}' is not a passage number or range", fix="write a passage number like 7 or a range like 7-9")
    return int(match[1]), int(match[2] or match[1])


def _anchor(db: Database, document_id: int, start: int, end: int) -> dict[str, str]:
    row = db.execute(
        "SELECT substr(text, :s + 1, :e - :s), substr(text, max(:s - :c, 0) + 1, :s - max(:s - :c, 0)),"
        " substr(text, :e + 1, :c), length(text) FROM documents WHERE id = :d",
        {"s": start, "e": end, "c": CONTEXT, "d": document_id},
    ).fetchone()
    if row is None:
        raise CoderError(f"document {document_id} does not exist", fix="refresh and pick a document again")
    if start < 0 or end <= start or end > row[3]:
        raise CoderError(f"span {start}-{end} is outside the document (0-{row[3]})", fix="use offsets inside the text, start < end")
    return {"quote": row[0], "prefix": row[1], "suffix": row[2]}


def overlapping_codings(db: Database, document_id: int, coder: int, start: int, end: int, code_ids: list[int]) -> list[dict[str, Any]]:
    """A coder's codings of some codes that overlap a span, in order."""
    marks = ", ".join("?" for _ in code_ids)
    cursor = db.execute(
        f"SELECT * FROM codings WHERE document_id = ? AND coder_id = ? AND code_id IN ({marks})"
        " AND start < ? AND end > ? ORDER BY start",
        [document_id, coder, *code_ids, end, start],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _new_coding(changes: Changes, document_id: int, code_id: int, coder: int, start: int, end: int, memo: str | None,
                anchor: dict[str, str] | None = None) -> int:
    stamp = now()
    return changes.insert("codings", {
        "uuid": new_uuid(), "document_id": document_id, "code_id": code_id, "coder_id": coder,
        "start": start, "end": end, **(anchor or _anchor(changes.db, document_id, start, end)),
        "memo": memo, "status": "ok", "created": stamp, "updated": stamp,
    })


def reshape_coding(changes: Changes, coding: dict[str, Any], start: int, end: int) -> None:
    """Give a coding new bounds (and the quote and context that go with them)."""
    changes.update("codings", coding["id"], {"start": start, "end": end, "updated": now(),
                                              **_anchor(changes.db, coding["document_id"], start, end)})


def carve_coding(changes: Changes, coding: dict[str, Any], start: int, end: int) -> None:
    """Take [start, end) out of a coding, leaving what lies outside it (zero, one or two pieces)."""
    pieces = [(a, b) for a, b in ((coding["start"], start), (end, coding["end"])) if a < b]
    if not pieces:
        changes.delete("codings", coding["id"])
        return
    reshape_coding(changes, coding, *pieces[0])
    if len(pieces) == 2:
        _new_coding(changes, coding["document_id"], coding["code_id"], coding["coder_id"], *pieces[1], coding["memo"])


def _group_codes(db: Database, code: CodeRef) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM codes WHERE group_id = (SELECT group_id FROM codes WHERE id = ?)", [code.id])]


def apply_code(
    db: Database, document_id: int, code: CodeRef, coder: int, start: int, end: int, *, memo: str | None = None,
    version: int | None = None,
) -> int:
    """Code a span; returns the coding's id. Overlapping codings of the same code are merged into one.

    Args:
        version: the version of the document's text the offsets were read from (refused if it changed since).
    """
    with writing(db, "code", coder_id=coder, summary=f"code {code.path} at {start}-{end}") as changes:
        check_version(db, document_id, version)
        return apply_in(changes, document_id, code, coder, start, end, memo=memo)


@locked
def code_passages(db: Database, document_id: int, first: int, last: int, code: CodeRef, coder: int, *,
                  memo: str | None = None) -> tuple[int, int, int]:
    """Code passages first..last whole, their span read under the write lock (so a re-import cannot slip in
    between reading it and writing); returns (coding id, start, end)."""
    start, end = passage_span(db, document_id, first, last)
    return apply_code(db, document_id, code, coder, start, end, memo=memo), start, end


@locked
def uncode_passages(db: Database, document_id: int, first: int, last: int, code: CodeRef, coder: int) -> int:
    """Remove a code from passages first..last, their span read under the write lock; returns how many codings changed."""
    return remove_code(db, document_id, code, coder, *passage_span(db, document_id, first, last))


def passage_extent(db: Database, document_id: int, start: int, end: int) -> tuple[int, int]:
    """The stretch of the passages a span touches: what an exclusive group's rule (one code per passage) applies to."""
    row = db.execute("SELECT min(start), max(end) FROM segments WHERE document_id = ? AND start < ? AND end > ?",
                     [document_id, max(end, start + 1), start]).fetchone()
    return (row[0], row[1]) if row[0] is not None else (start, end)


def exclusive_rival(db: Database, document_id: int, code: CodeRef, coder: int, start: int, end: int) -> dict[str, Any] | None:
    """Another code of the code's exclusive group that the coder gave to a passage the span touches, if any."""
    if not code.exclusive:
        return None
    others = [c for c in _group_codes(db, code) if c != code.id]
    found = overlapping_codings(db, document_id, coder, *passage_extent(db, document_id, start, end), others) if others else []
    return found[0] if found else None


def apply_in(changes: Changes, document_id: int, code: CodeRef, coder: int, start: int, end: int, *, memo: str | None = None) -> int:
    """`apply_code` inside a write that is already open (batch coding, auto-coding).

    A code of an exclusive group (such as phase) replaces the coder's other codes of the group in
    every passage the span touches: one code of such a group per passage.
    """
    db = changes.db
    anchor, asked = _anchor(db, document_id, start, end), (start, end)  # refuses a span outside the text before anything
    if code.exclusive:
        others = [c for c in _group_codes(db, code) if c != code.id]
        low, high = passage_extent(db, document_id, start, end)
        for coding in overlapping_codings(db, document_id, coder, low, high, others) if others else []:
            carve_coding(changes, coding, low, high)
    same = overlapping_codings(db, document_id, coder, start, end, [code.id])
    if len(same) == 1 and same[0]["start"] <= start and same[0]["end"] >= end:
        if memo and memo != same[0]["memo"]:
            changes.update("codings", same[0]["id"], {"memo": memo, "updated": now()})
        return same[0]["id"]
    memos = [c["memo"] for c in same if c["memo"]] + ([memo] if memo else [])
    start = min([start, *(c["start"] for c in same)])
    end = max([end, *(c["end"] for c in same)])
    for coding in same:
        changes.delete("codings", coding["id"])
    return _new_coding(changes, document_id, code.id, coder, start, end, "\n\n".join(dict.fromkeys(memos)) or None,
                       anchor if (start, end) == asked else None)


def remove_code(db: Database, document_id: int, code: CodeRef, coder: int, start: int, end: int, *,
                version: int | None = None) -> int:
    """Uncode a span: the coder's codings of this code lose whatever lies inside it; returns how many changed.

    The code is then not suggested again to the coder on the passages it left (`coder.dismissals`)."""
    with writing(db, "uncode", coder_id=coder, summary=f"uncode {code.path} at {start}-{end}") as changes:
        check_version(db, document_id, version)
        found = overlapping_codings(db, document_id, coder, start, end, [code.id])
        for coding in found:
            carve_coding(changes, coding, start, end)
            dismiss_in(changes, document_id, code.id, coder, max(start, coding["start"]), min(end, coding["end"]))
        return len(found)


def is_coded(db: Database, document_id: int, code: CodeRef, coder: int, start: int, end: int) -> bool:
    """True when the coder's codings of this code cover the whole span."""
    covered = start
    for coding in overlapping_codings(db, document_id, coder, start, end, [code.id]):
        if coding["start"] > covered:
            return False
        covered = max(covered, coding["end"])
    return covered >= end


@locked
def toggle_code(db: Database, document_id: int, code: CodeRef, coder: int, start: int, end: int, *,
                version: int | None = None) -> bool:
    """Apply the code to the span, or remove it if the span is already coded with it; True if applied."""
    check_version(db, document_id, version)
    if is_coded(db, document_id, code, coder, start, end):
        remove_code(db, document_id, code, coder, start, end)
        return False
    apply_code(db, document_id, code, coder, start, end)
    return True


def set_coding_memo(db: Database, coding_id: int, memo: str | None, coder: int) -> None:
    """Write (or clear, with None or blank) the memo of a coding."""
    with writing(db, "memo", coder_id=coder, summary=f"memo on coding {coding_id}") as changes:
        changes.update("codings", coding_id, {"memo": (memo or "").strip() or None, "updated": now()})


def codings(
    db: Database, *, code: CodeRef | None = None, coder: int | None = None, document_id: int | None = None,
) -> list[dict[str, Any]]:
    """Codings with their document, code, group and coder names, in document order."""
    cursor = db.execute(
        "SELECT c.id, c.uuid, d.name AS document, g.name AS code_group, k.name AS code, r.name AS coder,"
        " c.start, c.end, (SELECT min(ordinal) FROM segments s WHERE s.document_id = c.document_id AND s.end > c.start)"
        " AS passage, c.quote, c.memo, c.status, c.created, c.updated"
        " FROM codings c JOIN documents d ON d.id = c.document_id JOIN codes k ON k.id = c.code_id"
        " JOIN code_groups g ON g.id = k.group_id JOIN coders r ON r.id = c.coder_id"
        " WHERE (:code IS NULL OR c.code_id = :code) AND (:coder IS NULL OR c.coder_id = :coder)"
        " AND (:doc IS NULL OR c.document_id = :doc) ORDER BY d.name, c.start, g.ordinal, k.ordinal",
        {"code": code.id if code else None, "coder": coder, "doc": document_id},
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def exclusive_code_at(db: Database, document_id: int, group: str, coder: int, start: int, end: int) -> CodeRef | None:
    """The code of an exclusive group (e.g. phase) the coder gave to (part of) a span, if any."""
    row = db.execute(
        "SELECT k.id, k.name, g.name, g.exclusive FROM codings c JOIN codes k ON k.id = c.code_id"
        " JOIN code_groups g ON g.id = k.group_id WHERE c.document_id = ? AND c.coder_id = ? AND g.name = ?"
        " AND c.start < ? AND c.end > ? ORDER BY c.start LIMIT 1",
        [document_id, coder, group, end, start],
    ).fetchone()
    return CodeRef(row[0], row[1], row[2], bool(row[3])) if row else None


@locked
def cycle_exclusive(db: Database, document_id: int, group: str, coder: int, start: int, end: int, *,
                    version: int | None = None) -> CodeRef | None:
    """Give the span the next code of an exclusive group (e.g. Phase 1 → Phase 2 → … → none); returns it."""
    check_version(db, document_id, version)
    codes = [CodeRef(r[0], r[1], group, True) for r in db.execute(
        "SELECT c.id, c.name FROM codes c JOIN code_groups g ON g.id = c.group_id WHERE g.name = ? AND c.active"
        " ORDER BY c.ordinal", [group])]
    if not codes:
        raise CoderError(f"the codebook has no codes in group '{group}'", fix="add codes to that group in codebook.yaml")
    current = exclusive_code_at(db, document_id, group, coder, start, end)
    index = next((i for i, c in enumerate(codes) if current and c.id == current.id), -1)
    following = codes[index + 1] if index + 1 < len(codes) else None
    if following is None:
        assert current is not None  # only a span that has the group's last code has no next one
        remove_code(db, document_id, current, coder, start, end)
    else:
        with writing(db, "code", coder_id=coder, summary=f"phase {following.path} at {start}-{end}") as changes:
            apply_in(changes, document_id, following, coder, start, end)
    return following


@locked
def code_mentioned_actors(db: Database, document_id: int, coder: int, start: int, end: int, *,
                          version: int | None = None) -> list[CodeRef]:
    """Code the span with the actor code of every organisation mentioned inside it (one event)."""
    check_version(db, document_id, version)
    found = [CodeRef(r[0], r[1], r[2], bool(r[3])) for r in db.execute(
        "SELECT DISTINCT k.id, k.name, g.name, g.exclusive FROM mentions m JOIN codes k ON k.organisation_id = m.organisation_id"
        " JOIN code_groups g ON g.id = k.group_id WHERE m.document_id = ? AND m.start >= ? AND m.end <= ? AND k.active"
        " ORDER BY k.ordinal", [document_id, start, end])]
    if found:
        with writing(db, "code", coder_id=coder, summary=f"actors {', '.join(c.name for c in found)} at {start}-{end}") as changes:
            for code in found:
                apply_in(changes, document_id, code, coder, start, end)
    return found


WORD_START = re.compile(r"(?<!\S)\S")
WORD_END = re.compile(r"\S(?!\S)")


def _word_edge(text: str, pattern: re.Pattern[str], position: int, words: int, *, end: bool) -> int:
    """The position `words` word starts (or ends) away from `position`; stays put at the text's edges."""
    found = position
    if words > 0:
        for count, match in enumerate(pattern.finditer(text, position + (0 if end else 1)), 1):
            found = match.end() if end else match.start()
            if count == words:
                break
        return found
    window = max(0, position - 80 * -words - 200)
    edges = [m.end() if end else m.start() for m in pattern.finditer(text, window, position)]
    edges = [e for e in edges if e < position]
    return edges[words] if len(edges) >= -words else (edges[0] if edges and window == 0 else found)


@locked
def nudge_coding(db: Database, coding_id: int, edge: str, words: int, coder: int, *,
                 version: int | None = None) -> tuple[int, int]:
    """Move the start or end of a coding by whole words (negative: left); returns the new span."""
    row = db.execute("SELECT document_id, start, end FROM codings WHERE id = ?", [coding_id]).fetchone()
    if row is None:
        raise CoderError("that coding no longer exists", fix="refresh and select it again")
    document_id, start, end = row
    check_version(db, document_id, version)
    text = db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    if edge == "start":
        start = _word_edge(text, WORD_START, start, words, end=False)
    else:
        end = _word_edge(text, WORD_END, end, words, end=True)
    if end <= start:
        raise CoderError("the coding would become empty", fix="remove the code instead (press its key again)")
    with writing(db, "nudge", coder_id=coder, summary=f"nudge coding {coding_id} {edge} by {words:+d} word(s)") as changes:
        reshape_coding(changes, {"id": coding_id, "document_id": document_id}, start, end)
    return start, end
