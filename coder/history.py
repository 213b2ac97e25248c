"""The study's history (`coder log`): who changed what and when, read from the append-only events log.

Every write appends one event (coder.events), so the log answers the questions a team asks of
its coding — what did Ana do last week, when was this transcript re-imported, what did that
merge bring — filtered by coder, date and action.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from coder.db import Database
from coder.errors import CoderError
from coder.events import Event

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _moment(text: str, option: str, *, end_of_day: bool) -> str:
    """A --since/--until value as the ISO 8601 UTC text the events log stores (a date alone is a whole local day)."""
    value = text.strip()
    try:
        if DAY.fullmatch(value):
            day = date.fromisoformat(value) + timedelta(days=1 if end_of_day else 0)
            moment = datetime.combine(day, time())
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CoderError(f"{option} '{text}' is not a date", fix=f"write {option} 2026-05-01 or {option} 2026-05-01T14:30") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a time without zone is the researcher's local time
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def events_log(
    db: Database,
    *,
    coder: str | None = None,
    since: str | None = None,
    until: str | None = None,
    action: str | None = None,
    last: int | None = None,
) -> list[dict[str, Any]]:
    """The events, oldest first, with who made them, how many rows each changed and whether it is undone.

    Args:
        since, until: dates (YYYY-MM-DD, a whole day) or times (ISO 8601; local time without a zone).
        last: only the most recent N of the events that match.
    """
    if coder is not None and db.execute("SELECT 1 FROM coders WHERE name = ?", [coder]).fetchone() is None:
        known = ", ".join(r[0] for r in db.execute("SELECT name FROM coders ORDER BY name")) or "none yet"
        raise CoderError(f"no coder named '{coder}'", fix=f"use one of: {known}")
    if action is not None and db.execute("SELECT 1 FROM events WHERE action = ? LIMIT 1", [action]).fetchone() is None:
        known = ", ".join(r[0] for r in db.execute("SELECT DISTINCT action FROM events ORDER BY action"))
        raise CoderError(f"no event has the action '{action}'", fix=f"use one of: {known}")
    start = _moment(since, "--since", end_of_day=False) if since else None
    end = _moment(until, "--until", end_of_day=True) if until else None
    if last is not None and last < 1:
        raise CoderError(f"--last {last} is not a positive number", fix="write --last 20")
    undone = _undone(db)
    rows = db.execute(
        "SELECT e.id, e.at, coalesce(r.name, '(tool)') AS coder, e.action, e.summary, e.changes, e.reverts, e.uuid"
        " FROM events e LEFT JOIN coders r ON r.id = e.coder_id"
        " WHERE (:coder IS NULL OR r.name = :coder) AND (:since IS NULL OR e.at >= :since)"
        " AND (:until IS NULL OR e.at < :until) AND (:action IS NULL OR e.action = :action)"
        " ORDER BY e.id DESC LIMIT :limit",
        {"coder": coder, "since": start, "until": end, "action": action, "limit": last or -1},
    ).fetchall()
    return [{"id": r[0], "at": r[1], "coder": r[2], "action": r[3], "summary": r[4], "rows": len(json.loads(r[5] or "[]")),
             "undone": "yes" if r[0] in undone else "", "reverts": r[6], "uuid": r[7]} for r in reversed(rows)]


def _undone(db: Database) -> set[int]:
    """Events whose latest undo or redo is an undo."""
    latest: dict[int, str] = {}
    for reverts, action in db.execute("SELECT reverts, action FROM events WHERE reverts IS NOT NULL ORDER BY id"):
        latest[reverts] = action
    return {event for event, action in latest.items() if action == "undo"}


def what_changed(db: Database, event: Event) -> str:
    """An event in the coder's words — which code on which passage ("code Accessing on
    int01 ¶2"), for the workbench's undo and redo; an event that touched no coding keeps its summary."""
    rows = [op[2] if op[0] != "update" else {"id": op[2]} for op in event.ops if op[1] == "codings"]
    if not rows:
        return event.summary
    for row in rows:
        if "code_id" not in row:  # an update names only the coding: it still exists, or the event could not be reverted
            found = db.execute("SELECT code_id, document_id, start, end FROM codings WHERE id = ?", [row["id"]]).fetchone()
            row.update(zip(("code_id", "document_id", "start", "end"), found or (None, None, 0, 0)))
    rows = [row for row in rows if row["document_id"] is not None]
    if not rows:
        return event.summary
    codes = [r[0] for r in (db.execute("SELECT name FROM codes WHERE id = ?", [code]).fetchone()
                            for code in dict.fromkeys(row["code_id"] for row in rows)) if r]
    named = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
    documents = {row["document_id"] for row in rows}
    if len(rows) > 100:  # a bulk change (auto-coding): counted, not placed passage by passage
        return f"{event.action} {named}: {len(rows)} codings in {len(documents)} documents"
    places = {(row["document_id"], ordinal) for row in rows for (ordinal,) in db.execute(
        "SELECT ordinal FROM segments WHERE document_id = ? AND start < ? AND end > ?",
        [row["document_id"], max(row["end"], row["start"] + 1), row["start"]])}
    if len(documents) != 1:
        return f"{event.action} {named} on {len(places)} passages in {len(documents)} documents"
    document = next(iter(documents))
    name = db.execute("SELECT name FROM documents WHERE id = ?", [document]).fetchone()[0]
    ordinals = sorted(ordinal for _, ordinal in places)
    where = "" if not ordinals else f" ¶{ordinals[0]}" if len(ordinals) == 1 else f" ¶{ordinals[0]}–{ordinals[-1]}"
    return f"{event.action} {named} on {name}{where}"
