"""The logins of the lab server in the study: one-time links, sessions, their end, what is kept and logged."""

from __future__ import annotations

from coder.db import Database
from coder.history import events_log
from coder.serve.logins import add_login, end_session, login_list, record, redeem, revoke_login, session_of, still_open


def test_a_link_opens_one_session_and_only_its_hash_is_kept(db: Database) -> None:
    token = add_login(db, "ana", lead=True)
    assert [r[:3] for r in db.execute("SELECT selector, salt IS NOT NULL, token_hash FROM logins")][0][0] == token[:12]
    assert token[12:] not in str(db.execute("SELECT * FROM logins").fetchall())
    opened = redeem(db, token, "10.0.0.5")
    assert opened is not None
    cookie, identity = opened
    assert (identity.name, identity.lead) == ("ana", True) and session_of(db, cookie) == identity
    assert cookie not in str(db.execute("SELECT * FROM web_sessions").fetchall())
    assert redeem(db, token, "10.0.0.5") is None  # once
    assert session_of(db, None) is None and session_of(db, cookie + "x") is None
    assert [e["action"] for e in events_log(db)][-3:] == ["add_login", "login", "refused"]


def test_renewing_replaces_the_link_and_lifts_a_revocation(db: Database) -> None:
    first = add_login(db, "ben")
    opened = redeem(db, add_login(db, "ben"), "127.0.0.1")
    assert redeem(db, first, "127.0.0.1") is None and opened is not None
    assert revoke_login(db, "ben") == 1 and session_of(db, opened[0]) is None
    assert still_open(db, [opened[1].session_id]) == set()
    assert login_list(db)[0]["revoked"]
    again = redeem(db, add_login(db, "ben"), "127.0.0.1")
    assert again is not None and not login_list(db)[0]["revoked"] and login_list(db)[0]["sessions"] == 1
    end_session(db, again[1], "127.0.0.1")
    assert session_of(db, again[0]) is None and login_list(db)[0]["sessions"] == 0


def test_sessions_end_after_fourteen_days(db: Database) -> None:
    opened = redeem(db, add_login(db, "cy"), "127.0.0.1")
    assert opened is not None
    db.execute("UPDATE web_sessions SET created = '2020-01-01T00:00:00.000Z'")
    assert session_of(db, opened[0]) is None and still_open(db, [opened[1].session_id]) == set()


def test_what_a_stranger_sent_is_logged_as_one_short_line(db: Database) -> None:
    record(db, "refused", "no session: GET /\x1b[2J" + "a" * 500, address="10.0.0.9")
    summary = events_log(db, action="refused")[-1]["summary"]
    assert summary.startswith("no session: GET /?[2Jaaa") and summary.endswith("… from 10.0.0.9") and len(summary) < 230
