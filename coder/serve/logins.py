"""Who may use the lab server (`coder serve`): coders' logins, their one-time links, their sessions, and the log of it all.

A login's link carries a token `<selector><secret>`: the selector finds the login, the secret is checked against a
salted scrypt hash (the study keeps no usable token), and the link works once — redeeming it clears the hash and
opens a session, whose cookie is a fresh random value stored as its SHA-256. Every login, logout and refusal is an
event of the study's log (`coder log --action login`), with the coder when known and the remote address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from coder.coding import add_coder, coder_id
from coder.db import Database, inserted_id, now, transaction
from coder.errors import CoderError
from coder.events import log_event

SELECTOR_CHARS = 12  # token_urlsafe(9): 72 random bits that find the login, not secret
SESSION_DAYS = 14  # a browser session lasts this long unless revoked
LOG_ACTIONS = ("login", "logout", "refused")  # what the server writes into the events log
LONGEST = 200  # characters of a refused request's description kept in the log


@dataclass(frozen=True)
class Identity:
    """The coder a session works as: never anything the browser says, always what the session's login says."""

    session_id: int
    name: str
    lead: bool


def _scrypt(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def _cookie_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()  # 256 random bits: no salt or stretching needed


def add_login(db: Database, name: str, *, lead: bool = False, by: str | None = None) -> str:
    """Create or renew NAME's login (adding the coder if new); returns the one-time token of its link.

    Renewing replaces an unused link, lifts a revocation and sets the lead flag; open sessions stay open.
    `by`: the lead who did it in the browser (the log says so).
    """
    selector = secrets.token_urlsafe(9)
    secret = secrets.token_urlsafe(24)
    salt = secrets.token_bytes(16)
    with transaction(db):
        who = add_coder(db, name)
        values = [int(lead), selector, salt.hex(), _scrypt(secret, salt)]
        if db.execute("SELECT 1 FROM logins WHERE coder_id = ?", [who]).fetchone():
            db.execute("UPDATE logins SET lead = ?, selector = ?, salt = ?, token_hash = ?, revoked = NULL WHERE coder_id = ?",
                       [*values, who])
        else:
            db.execute("INSERT INTO logins (lead, selector, salt, token_hash, coder_id, created) VALUES (?, ?, ?, ?, ?, ?)",
                       [*values, who, now()])
        log_event(db, "add_login", coder_id=who,
                  summary=f"login link made for {name.strip()}{' (lead)' if lead else ''}{f' by {by}' if by else ''}")
    return selector + secret


def revoke_login(db: Database, name: str, *, by: str | None = None) -> int:
    """End NAME's sessions and invalidate its login and link; returns how many sessions were open."""
    with transaction(db):
        who = coder_id(db, name)
        if db.execute("SELECT 1 FROM logins WHERE coder_id = ?", [who]).fetchone() is None:
            raise CoderError(f"{name} has no login", fix=f"coder serve add-coder {name} makes one")
        stamp = now()
        db.execute("UPDATE logins SET revoked = ?, selector = NULL, salt = NULL, token_hash = NULL WHERE coder_id = ?", [stamp, who])
        ended = db.execute("UPDATE web_sessions SET ended = ? WHERE ended IS NULL AND login_id = (SELECT id FROM logins WHERE"
                           " coder_id = ?)", [stamp, who]).rowcount
        log_event(db, "revoke_login", coder_id=who, summary=f"login of {name} revoked{f' by {by}' if by else ''}, {ended} session(s) ended")
    return ended


def login_list(db: Database) -> list[dict[str, Any]]:
    """Every login: coder, lead, whether its link is still unused, revoked when, sessions open, last login."""
    rows = db.execute(
        "SELECT c.name, l.lead, l.token_hash IS NOT NULL, l.created, l.revoked,"
        " (SELECT count(*) FROM web_sessions s WHERE s.login_id = l.id AND s.ended IS NULL AND s.created > ?),"
        " (SELECT max(created) FROM web_sessions s WHERE s.login_id = l.id)"
        " FROM logins l JOIN coders c ON c.id = l.coder_id ORDER BY c.name", [_oldest_session()]).fetchall()
    return [{"coder": r[0], "lead": "yes" if r[1] else "", "link": "unused" if r[2] else "used" if not r[4] else "",
             "created": r[3], "revoked": r[4] or "", "sessions": r[5], "last_login": r[6] or ""} for r in rows]


def _oldest_session() -> str:
    return (datetime.now(UTC) - timedelta(days=SESSION_DAYS)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def redeem(db: Database, token: str, address: str) -> tuple[str, Identity] | None:
    """Open a session with a one-time link's token: (its cookie, who) — or None, the refusal logged."""
    with transaction(db):
        row = db.execute("SELECT l.id, l.coder_id, c.name, l.lead, l.salt, l.token_hash FROM logins l JOIN coders c ON"
                         " c.id = l.coder_id WHERE l.selector = ? AND l.revoked IS NULL", [token[:SELECTOR_CHARS]]).fetchone()
        if row is None or not row[5] or not hmac.compare_digest(_scrypt(token[SELECTOR_CHARS:], bytes.fromhex(row[4])), row[5]):
            log_event(db, "refused", coder_id=row[1] if row else None,
                      summary=f"login link refused (unknown, used or revoked) from {address}")
            return None
        login_id, who, name, lead = row[:4]
        cookie = secrets.token_urlsafe(32)
        db.execute("UPDATE logins SET selector = NULL, salt = NULL, token_hash = NULL WHERE id = ?", [login_id])
        session = inserted_id(db.execute("INSERT INTO web_sessions (login_id, cookie_hash, address, created) VALUES (?, ?, ?, ?)",
                                         [login_id, _cookie_hash(cookie), address, now()]))
        log_event(db, "login", coder_id=who, summary=f"{name} logged in from {address}{' (lead)' if lead else ''}")
    return cookie, Identity(session, name, bool(lead))


def session_of(db: Database, cookie: str | None) -> Identity | None:
    """Who a session cookie belongs to, if it is a session still open (not ended, revoked or too old)."""
    if not cookie:
        return None
    row = db.execute("SELECT s.id, c.name, l.lead FROM web_sessions s JOIN logins l ON l.id = s.login_id JOIN coders c ON"
                     " c.id = l.coder_id WHERE s.cookie_hash = ? AND s.ended IS NULL AND l.revoked IS NULL AND s.created > ?",
                     [_cookie_hash(cookie), _oldest_session()]).fetchone()
    return Identity(row[0], row[1], bool(row[2])) if row else None


def still_open(db: Database, sessions: list[int]) -> set[int]:
    """Those of these sessions that are still open: the server closes the others' workbenches."""
    if not sessions:
        return set()
    marks = ", ".join("?" for _ in sessions)
    return {r[0] for r in db.execute(f"SELECT s.id FROM web_sessions s JOIN logins l ON l.id = s.login_id WHERE s.id IN ({marks})"
                                     " AND s.ended IS NULL AND l.revoked IS NULL AND s.created > ?", [*sessions, _oldest_session()])}


def end_session(db: Database, identity: Identity, address: str) -> None:
    """Log out: the session's cookie opens nothing any more."""
    with transaction(db):
        db.execute("UPDATE web_sessions SET ended = ? WHERE id = ? AND ended IS NULL", [now(), identity.session_id])
        log_event(db, "logout", coder_id=coder_id(db, identity.name), summary=f"{identity.name} logged out from {address}")


def record(db: Database, action: str, what: str, *, address: str, identity: Identity | None = None) -> None:
    """Log a workbench closed (`logout`) or a request refused (`refused`): time, coder if known, address."""
    assert action in LOG_ACTIONS, action
    said = "".join(c if c.isprintable() else "?" for c in what)  # a path or header a stranger chose: one short line
    said = said if len(said) <= LONGEST else said[:LONGEST] + "…"
    with transaction(db):
        who = coder_id(db, identity.name) if identity else None
        log_event(db, action, coder_id=who, summary=f"{said} from {address}")
