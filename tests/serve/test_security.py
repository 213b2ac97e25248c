"""The lab server's door, tested against a real server (in a thread, on a free port) on a small study: no session,
no route; the websocket upgrade checked (cookie and Origin); a link works once; a session works as its coder only;
a revoked session is closed; failed logins slowed; every login, logout and refusal in the study's log.

The workbench is a stand-in (fake_workbench.py) that sends the browser the environment it was started with, but for
one test that starts the real one.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from coder.history import events_log
from coder.serve.logins import add_login, revoke_login
from coder.study import Study, connect_study
from tests.serve.serving import FAKE_WORKBENCH, Running, ended, small_study, until


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    return small_study(tmp_path_factory.mktemp("served"))


@pytest.fixture(scope="module")
def running(study: Study) -> Iterator[Running]:
    served = Running(study, [sys.executable, str(FAKE_WORKBENCH)])
    served.server.quiet_seconds = 0.0  # every refusal logged, for the tests that look for theirs
    yield served
    served.stop()


def link(study: Study, name: str, *, lead: bool = False) -> str:
    db = connect_study(study)
    try:
        return "/login/" + add_login(db, name, lead=lead)
    finally:
        db.close()


def get(running: Running, path: str, cookie: str | None = None, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    connection.request("GET", path, headers={**({"Cookie": f"coder_session={cookie}"} if cookie else {}), **(headers or {})})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def log_in(running: Running, study: Study, name: str, *, lead: bool = False) -> str:
    """The session cookie a browser gets from NAME's one-time link."""
    response = get(running, link(study, name, lead=lead))
    assert response.status == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    return cookie.split(";")[0].removeprefix("coder_session=")


async def open_workbench(running: Running, cookie: str | None, *, origin: str | None = None, query: str = "",
                         headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any] | None]:
    """Open the websocket as a browser page would: (status of the upgrade, the environment the workbench reports)."""
    sent = {"Origin": running.url if origin is None else origin, **(headers or {})}
    if origin == "":
        del sent["Origin"]
    async with aiohttp.ClientSession(cookies={"coder_session": cookie} if cookie else None) as client:
        try:
            async with client.ws_connect(f"{running.url}/ws?width=80&height=24{query}", headers=sent) as websocket:
                message = await websocket.receive(timeout=30)
                return 101, json.loads(message.data)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status, None


def actions(study: Study, action: str) -> list[dict[str, Any]]:
    db = connect_study(study)
    try:
        return events_log(db, action=action)
    finally:
        db.close()


def test_every_route_refuses_without_a_session(running: Running) -> None:
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": running.url}
    for path, headers in [("/", {}), ("/static/js/textual.js", {}), ("/static/", {}), ("/download/anything", {}),
                          ("/ws", {}), ("/ws", upgrade), ("/logout", {}), ("/nowhere", {}), ("/?coder=ana", {})]:
        for cookie in (None, "forged-cookie"):
            assert get(running, path, cookie, headers).status == 401, (path, cookie, headers)


def test_requests_without_a_session_are_logged_without_flooding_the_study(running: Running, study: Study) -> None:
    def strangers() -> list[str]:
        return [e["summary"] for e in actions(study, "refused") if "no session: GET /scan" in e["summary"]]

    try:
        running.server.quiet_seconds = 3600.0
        running.server.strangers.clear()
        for number in range(5):
            assert get(running, f"/scan{number}").status == 401
        assert strangers() == ["no session: GET /scan0 from 127.0.0.1"]
        running.server.quiet_seconds = 0.0
        assert get(running, "/scan5").status == 401
        assert strangers()[-1] == "no session: GET /scan5 (and 4 more since the last logged) from 127.0.0.1"
    finally:
        running.server.quiet_seconds = 0.0  # the other tests see every refusal logged


def test_the_websocket_upgrade_needs_the_cookie_and_the_servers_own_origin(running: Running, study: Study) -> None:
    cookie = log_in(running, study, "ana")
    assert asyncio.run(open_workbench(running, None)) == (401, None)
    assert asyncio.run(open_workbench(running, "forged-cookie")) == (401, None)
    assert asyncio.run(open_workbench(running, cookie, origin="http://evil.example"))[0] == 403
    assert asyncio.run(open_workbench(running, cookie, origin=f"http://127.0.0.1:{running.port + 1}"))[0] == 403
    assert asyncio.run(open_workbench(running, cookie, origin=""))[0] == 403  # no Origin: not a page of this server
    status, environment = asyncio.run(open_workbench(running, cookie))
    assert status == 101 and environment and environment["CODER_SERVED_AS"] == "ana"
    assert asyncio.run(open_workbench(running, cookie, origin=f"http://localhost:{running.port}"))[0] == 101  # the same machine's name
    refused = [e["summary"] for e in actions(study, "refused") if e["coder"] == "ana"]
    assert any("websocket from another origin (http://evil.example)" in s for s in refused), refused


def test_a_link_works_once_and_sets_a_strict_http_only_cookie(running: Running, study: Study) -> None:
    path = link(study, "carla")
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    connection.request("HEAD", path)  # a mail scanner checking the link
    assert connection.getresponse().status == 401  # not the login route: refused, the link not used up
    connection.close()
    first = get(running, path)
    cookie = first.headers["Set-Cookie"]
    assert first.status == 303 and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1: a Secure cookie would never come back
    assert get(running, path).status == 403  # used
    assert get(running, path[:-4] + "AAAA").status == 403  # the right selector, another secret
    assert get(running, "/", cookie.split(";")[0].removeprefix("coder_session=")).status == 200
    assert "/login/" not in json.dumps(actions(study, "login"))  # no token in the log
    running.server.failures.clear()


def test_a_session_works_as_its_coder_whatever_the_browser_says(running: Running, study: Study,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODER_NAME", "ben")  # the server's own coder settings never reach a session's workbench
    monkeypatch.setenv("CODER_SERVED_AS", "ben")
    monkeypatch.setenv("CODER_SERVED_LEAD", "1")
    ana, ben = log_in(running, study, "ana"), log_in(running, study, "ben", lead=True)
    status, seen = asyncio.run(open_workbench(running, ana, query="&coder=ben&CODER_SERVED_AS=ben&lead=1",
                                              headers={"X-Coder": "ben", "CODER_SERVED_AS": "ben", "X-Forwarded-User": "ben"}))
    assert status == 101 and seen is not None
    assert {k: seen[k] for k in ("CODER_SERVED_AS", "CODER_SERVED_LEAD", "CODER_NAME")} == {
        "CODER_SERVED_AS": "ana", "CODER_SERVED_LEAD": "0", "CODER_NAME": None}
    _, lead = asyncio.run(open_workbench(running, ben))
    assert lead is not None and (lead["CODER_SERVED_AS"], lead["CODER_SERVED_LEAD"]) == ("ben", "1")


def test_a_revoked_coders_session_is_refused_and_its_open_workbench_closed(running: Running, study: Study) -> None:
    cookie = log_in(running, study, "dora")  # her workbench ignores `quit` (fake_workbench.STUBBORN): it must be killed

    async def revoked_while_open() -> tuple[float, int, int, int | None]:
        async with aiohttp.ClientSession(cookies={"coder_session": cookie}) as client:
            async with client.ws_connect(f"{running.url}/ws", headers={"Origin": running.url}) as websocket:
                seen = json.loads((await websocket.receive(timeout=30)).data)
                db = connect_study(study)
                revoke_login(db, "dora")
                db.close()
                began = time.monotonic()
                while (await websocket.receive(timeout=5)).type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    pass
                return time.monotonic() - began, seen["pid"], seen["helper"], websocket.close_code

    took, pid, helper, code = asyncio.run(revoked_while_open())
    assert took < 1.5 and code == 1008, (took, code)
    until(lambda: ended(pid), 5, "the workbench killed")
    until(lambda: ended(helper), 5, "its helper process killed with it")
    assert get(running, "/", cookie).status == 401
    assert asyncio.run(open_workbench(running, cookie))[0] == 401
    assert get(running, link(study, "dora")).status == 303  # renewed: a new link works again


def test_a_workbench_that_does_not_quit_when_its_browser_leaves_is_killed(running: Running, study: Study) -> None:
    cookie = log_in(running, study, "dirk")  # his workbench ignores `quit` (fake_workbench.STUBBORN)
    running.server.stop_seconds = 0.5

    async def opened_and_left() -> tuple[int, int]:
        async with aiohttp.ClientSession(cookies={"coder_session": cookie}) as client:
            async with client.ws_connect(f"{running.url}/ws", headers={"Origin": running.url}) as websocket:
                seen = json.loads((await websocket.receive(timeout=30)).data)
                return seen["pid"], seen["helper"]

    pid, helper = asyncio.run(opened_and_left())
    until(lambda: ended(pid), 10, "the workbench killed")
    until(lambda: ended(helper), 10, "its helper process killed with it (not left an orphan holding its output)")


def test_downloads_are_only_the_sessions_own(running: Running, study: Study) -> None:
    cookie = log_in(running, study, "emil")
    assert get(running, "/download/unknown-key", cookie).status == 404

    async def others_download() -> None:  # a delivery of another session's workbench (or of none)
        from textual_serve.app_service import AppService

        other = AppService("true", write_bytes=None, write_str=None, close=None,  # type: ignore[arg-type]  # never run
                           download_manager=running.server.download_manager)
        await running.server.download_manager.create_download(app_service=other, delivery_key="ben-export", file_name="x.csv",
                                                              open_method="download", mime_type="text/csv")

    running.call(others_download())
    assert get(running, "/download/ben-export", cookie).status == 404
    assert any("download of another session's file" in e["summary"] for e in actions(study, "refused"))


def test_logging_out_ends_the_session(running: Running, study: Study) -> None:
    cookie = log_in(running, study, "fay")
    assert get(running, "/logout", cookie).status == 200
    assert get(running, "/", cookie).status == 401
    assert any(e["coder"] == "fay" and "logged out from 127.0.0.1" in e["summary"] for e in actions(study, "logout"))


def test_failed_logins_are_slowed_and_every_login_and_refusal_logged(running: Running, study: Study) -> None:
    assert get(running, "/").status == 401  # a stranger's request, logged too (this test's own: xdist may run it alone)
    try:
        took = []
        for _ in range(3):
            began = time.monotonic()
            assert get(running, "/login/not-a-real-token-at-all").status == 403
            took.append(time.monotonic() - began)
        assert took[0] < 0.2 and took[1] >= 0.25 and took[2] >= 0.5, took
        began = time.monotonic()
        assert get(running, link(study, "gus")).status == 303  # the right link still works, after the same wait
        assert time.monotonic() - began >= 1.0
        assert get(running, link(study, "gus")).status == 303  # and a success forgets the failures
    finally:
        running.server.failures.clear()
    logins = [e for e in actions(study, "login") if e["coder"] == "gus"]
    assert len(logins) == 2 and all("from 127.0.0.1" in e["summary"] and e["at"] for e in logins)
    refusals = [e["summary"] for e in actions(study, "refused")]
    assert sum("login link refused" in s for s in refusals) >= 3 and any("no session: GET /" in s for s in refusals)


def test_the_real_workbench_starts_as_the_sessions_coder(study: Study) -> None:
    served = Running(study, [])  # no command: the workbench, `python -m coder --study DIR`
    try:
        cookie = log_in(served, study, "hana")

        async def first_screen() -> tuple[int, dict[str, str]]:
            async with aiohttp.ClientSession(cookies={"coder_session": cookie}) as client:
                async with client.ws_connect(f"{served.url}/ws?width=80&height=24", headers={"Origin": served.url}) as websocket:
                    received = 0
                    while received < 1000:  # the workbench draws its first screen
                        message = await websocket.receive(timeout=60)
                        assert message.type == aiohttp.WSMsgType.BINARY, message
                        received += len(message.data)
                    process = next(iter(served.server.open.values()))[0][1]._process
                    assert process is not None
                    environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
                    return received, dict(v.decode().split("=", 1) for v in environ if b"=" in v)

        received, environment = asyncio.run(first_screen())
        assert received >= 1000 and environment["CODER_SERVED_AS"] == "hana" and environment["CODER_SERVED_LEAD"] == "0"
        assert "CODER_NAME" not in environment and environment["TEXTUAL_DRIVER"].endswith("WebDriver")
        assert os.environ.get("CODER_SERVED_AS") is None
    finally:
        served.stop()


def post(running: Running, path: str, cookie: str, form: dict[str, str], origin: str | None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    connection.request("POST", path, body=urlencode(form), headers={
        "Cookie": f"coder_session={cookie}", "Content-Type": "application/x-www-form-urlencoded", **({"Origin": origin} if origin else {})})
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, text


def test_a_lead_manages_the_logins_in_the_browser_and_no_one_else(running: Running, study: Study) -> None:
    lead, coder = log_in(running, study, "lena", lead=True), log_in(running, study, "otto")
    assert get(running, "/logins", coder).status == 403
    assert post(running, "/logins/add", coder, {"name": "otto", "lead": "on"}, running.url)[0] == 403  # no promoting oneself
    assert get(running, "/logins").status == 401 and get(running, "/logins", lead).status == 200
    assert post(running, "/logins/add", lead, {"name": "<b>pia</b>"}, "http://evil.example")[0] == 403  # a form from elsewhere
    assert post(running, "/logins/add", lead, {"name": "pia"}, None)[0] == 403
    status, page = post(running, "/logins/add", lead, {"name": "<b>pia</b>"}, running.url)
    assert status == 200 and "&lt;b&gt;pia&lt;/b&gt;" in page and "<b>pia</b>" not in page
    made = re.search(r"<code>http://127\.0\.0\.1:\d+(/login/[A-Za-z0-9_-]+)</code>", page)
    assert made and get(running, made.group(1)).status == 303
    status, _ = post(running, "/logins/revoke", lead, {"name": "otto"}, running.url)
    assert status == 303 and get(running, "/", coder).status == 401
    assert post(running, "/logins/revoke", lead, {"name": "nobody"}, running.url)[0] == 400
    summaries = [e["summary"] for e in actions(study, "add_login") + actions(study, "revoke_login")]
    assert "login link made for <b>pia</b> by lena" in summaries and "login of otto revoked by lena, 1 session(s) ended" in summaries
