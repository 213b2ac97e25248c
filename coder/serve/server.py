"""The lab server: textual-serve's aiohttp server, with a door.

textual-serve serves a Textual app to browsers (its index page, static files, websocket protocol and
downloads, one app process per websocket). This subclass adds what a server holding interview data needs:
every route needs an open session (a cookie from a one-time link); the websocket upgrade is checked
(cookie and Origin) before it is accepted; each session's workbench runs as its coder
(CODER_SERVED_AS / CODER_SERVED_LEAD), never as anyone the browser names; a revoked session's workbench is
closed within a second; failed logins from an address are slowed; every login, logout and refusal is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import ssl
import time
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from coder.db import Database
from coder.serve import logins
from coder.serve.binding import allowed_origins, is_local, served_environment, workbench_command
from coder.serve.logins import Identity
from coder.study import Study, connect_study

log = logging.getLogger("coder-serve")

COOKIE = "coder_session"
WATCH_SECONDS = 0.25  # how often open sessions are checked against the study (a revocation closes them)
FIRST_DELAY, MOST_DELAY = 0.25, 30.0  # seconds before answering an address's 2nd failed login, doubling to at most this
STOP_SECONDS = 5.0  # a closed session's workbench is asked to quit, and killed if it has not within this
FORGET_FAILURES = 900.0  # an address's failures are forgotten after this many quiet seconds
QUIET_SECONDS = 10.0  # requests without a session from one address: one logged in this time, with the count of the others
IDENTITY = web.RequestKey("identity", Identity)  # who the request's session works as, set by the guard
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SessionAppService(AppService):
    """textual-serve's app process, started with the session's coder in its environment, in a process group of its
    own: a kill ends the workbench and its helper processes (suggestions, learning), which would otherwise live on
    as orphans holding its output open."""

    def __init__(self, command: str, environment: dict[str, str], **kwargs: object) -> None:
        super().__init__(command, **kwargs)  # type: ignore[arg-type]  # textual-serve's own keyword arguments, passed on
        self.session_environment = environment

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        textual = {k: v for k, v in environment.items() if k.startswith(("TEXTUAL", "TERM_PROGRAM")) or k in ("COLUMNS", "ROWS")}
        return {**self.session_environment, **textual}

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        pipe = asyncio.subprocess.PIPE
        process = await asyncio.create_subprocess_shell(self.command, stdin=pipe, stdout=pipe, stderr=pipe,
                                                        env=self._build_environment(width, height), start_new_session=True)
        assert process.stdin is not None
        self._process, self._stdin = process, process.stdin
        return process

    def kill(self) -> None:
        """The workbench and whatever of its process group is left (`exec` made the workbench the group's leader)."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)

    async def end(self, seconds: float) -> None:
        """Ask the workbench to quit and kill it (its helpers too) if it has not within `seconds`. The wait is on the
        process itself: textual-serve's `stop()` cannot be timed out (its reader swallows the cancellation)."""
        if self._process is None:
            return
        stopping = asyncio.ensure_future(self.stop())  # sends `quit`; returns once the process's output has ended
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._process.wait(), seconds)
        self.kill()  # a workbench that did not quit, or the helpers one left behind
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping, seconds)


class LabServer(Server):
    """Serve a study's workbench to its coders' browsers."""

    def __init__(self, study: Study, *, host: str, port: int, public_url: str, ssl_context: ssl.SSLContext | None = None,
                 trust_proxy: bool = False, command: Sequence[str] | None = None) -> None:
        # textual-serve runs the command through the shell: `exec` makes the workbench the process it kills
        super().__init__("exec " + shlex.join(command or workbench_command(str(study.root))), host=host, port=port,
                         title=f"coder — {study.root.name}", public_url=public_url)
        self.study = study
        self.ssl_context = ssl_context
        self.trust_proxy = trust_proxy  # X-Forwarded-For from a reverse proxy on this machine names the browser's address
        self.origins = allowed_origins(public_url, host, port, tls=ssl_context is not None)
        self.secure_cookie = ssl_context is not None or public_url.startswith("https:")
        self.open: dict[int, list[tuple[web.WebSocketResponse, SessionAppService]]] = {}  # session id → its workbenches
        self.failures: dict[str, tuple[int, float]] = {}  # address → (failed logins, when the last one was)
        self.login_locks: dict[str, asyncio.Lock] = {}
        self.strangers: dict[str, tuple[float, int]] = {}  # address → (when its last request without a session was logged, how
        self.quiet_seconds = QUIET_SECONDS                 # many came since, not logged)
        self.stop_seconds = STOP_SECONDS
        self._db: Database | None = None
        self._watcher: asyncio.Task[None] | None = None

    @property
    def db(self) -> Database:
        assert self._db is not None, "the study is opened when the server starts"
        return self._db

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/login/{token}", self.handle_login, name="login", allow_head=False)  # a link checker's HEAD uses nothing up
        app.router.add_get("/logout", self.handle_logout, name="logout")
        from coder.serve.manage import lead_routes  # it builds on this module

        app.router.add_routes(lead_routes(self))
        app.middlewares.append(self.guard)
        app.on_response_prepare.append(self.harden)
        return app

    def address_of(self, request: web.Request) -> str:
        remote = request.remote or "unknown"
        forwarded = request.headers.get("X-Forwarded-For")
        if self.trust_proxy and forwarded and is_local(remote):
            return forwarded.split(",")[-1].strip() or remote
        return remote

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every route but the login link needs an open session; the websocket also a page of this server."""
        if request.match_info.route.name == "login":
            return await handler(request)
        identity = logins.session_of(self.db, request.cookies.get(COOKIE))
        if identity is None:
            self.refuse_stranger(request, f"no session: {request.method} {request.path}")
            raise web.HTTPUnauthorized(text="Not logged in: open the login link the study's lead gave you"
                                            " (just did? reload this page).")
        if request.match_info.route.name == "websocket" and request.headers.get("Origin", "").lower() not in self.origins:
            self.refuse(request, f"websocket from another origin ({request.headers.get('Origin', 'none')})", identity)
            raise web.HTTPForbidden(text="This page may only be opened from the server's own address.")
        request[IDENTITY] = identity
        return await handler(request)

    async def harden(self, request: web.Request, response: web.StreamResponse) -> None:
        """No framing by other sites, no address (a login link) in Referer headers, nothing kept in shared caches."""
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")

    def refuse(self, request: web.Request, what: str, identity: Identity | None = None) -> None:
        logins.record(self.db, "refused", what, address=self.address_of(request), identity=identity)

    def refuse_stranger(self, request: web.Request, what: str) -> None:
        """Log a request without a session — one an address's `quiet_seconds`, the next one counting those between —
        so that a scanner's thousand requests cost the study (and the coders waiting to write) a few lines."""
        address, moment = self.address_of(request), time.monotonic()
        logged, unlogged = self.strangers.get(address, (float("-inf"), 0))
        if moment - logged < self.quiet_seconds:
            self.strangers[address] = (logged, unlogged + 1)
            return
        self.refuse(request, what + (f" (and {unlogged} more since the last logged)" if unlogged else ""))
        self.strangers[address] = (moment, 0)

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        """A one-time link: a session cookie and on to the workbench, or 403 — later each time the slower for that address."""
        address = self.address_of(request)
        async with self.login_locks.setdefault(address, asyncio.Lock()):  # one attempt at a time per address
            failed, last = self.failures.get(address, (0, 0.0))
            if failed and time.monotonic() - last > FORGET_FAILURES:
                failed = 0
            if failed:
                await asyncio.sleep(min(FIRST_DELAY * 2 ** (failed - 1), MOST_DELAY))
            opened = logins.redeem(self.db, request.match_info["token"], address)
            if opened is None:
                self.failures[address] = (failed + 1, time.monotonic())
                raise web.HTTPForbidden(text="This login link is unknown, used or revoked: ask the study's lead for a new one.")
        self.failures.pop(address, None)
        cookie, _ = opened
        response = web.Response(status=303, headers={"Location": "/"})
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="Strict", secure=self.secure_cookie, path="/")
        return response

    async def handle_logout(self, request: web.Request) -> web.StreamResponse:
        identity = request[IDENTITY]
        logins.end_session(self.db, identity, self.address_of(request))
        response = web.Response(text="Logged out.")
        response.del_cookie(COOKIE, path="/")
        return response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """Only what the session's own workbench delivered (textual-serve would give any key to anyone)."""
        identity = request[IDENTITY]
        try:
            download = await self.download_manager.get_download_metadata(request.match_info["key"])
        except KeyError:
            raise web.HTTPNotFound() from None
        if all(download.app_service is not service for _, service in self.open.get(identity.session_id, [])):
            self.refuse(request, "download of another session's file", identity)
            raise web.HTTPNotFound()
        return await super().handle_download(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """The session's workbench, as its coder (the guard has checked the cookie and Origin before this upgrade)."""
        identity = request[IDENTITY]
        address = self.address_of(request)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        service = SessionAppService(self.command, served_environment(identity), write_bytes=websocket.send_bytes,
                                    write_str=websocket.send_str, close=websocket.close, download_manager=self.download_manager,
                                    debug=self.debug)
        opened = self.open.setdefault(identity.session_id, [])
        opened.append((websocket, service))
        try:
            await service.start(to_int(request.query.get("width", "80"), 80), to_int(request.query.get("height", "24"), 24))
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # a malformed message from the browser: that session ends, the server goes on
            log.exception("session of %s", identity.name)
        finally:
            opened.remove((websocket, service))
            if not opened:
                self.open.pop(identity.session_id, None)
            await service.end(self.stop_seconds)
            logins.record(self.db, "logout", f"{identity.name}'s workbench closed", address=address, identity=identity)
        return websocket

    async def watch_sessions(self) -> None:
        """Close the workbenches of sessions ended elsewhere (`coder serve revoke`) within a second."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                ended = set(self.open) - logins.still_open(self.db, list(self.open))
            except Exception:  # the study busy for longer than its lock wait: look again next time
                log.exception("checking the open sessions")
                continue
            for session in ended:
                for websocket, service in list(self.open.get(session, [])):
                    service.kill()
                    await websocket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"session ended")

    async def on_startup(self, app: web.Application) -> None:
        self._db = connect_study(self.study)
        self._watcher = asyncio.create_task(self.watch_sessions())
        self.console.print(f"Serving the study {self.study.root} on {self.public_url} (Ctrl+C stops)", highlight=False)

    async def on_shutdown(self, app: web.Application) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        for websocket, service in [pair for pairs in self.open.values() for pair in pairs]:
            service.kill()
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")

    async def on_cleanup(self, app: web.Application) -> None:
        if self._db is not None:
            self._db.close()

    def serve(self, debug: bool = False) -> None:
        """Serve until Ctrl+C (textual-serve's, with TLS)."""
        self.debug = debug
        self.initialize_logging()
        web.run_app(self.application(), host=self.host, port=self.port, ssl_context=self.ssl_context, print=None,
                   access_log=None)  # a login link in an address is never written to the console

    async def application(self) -> web.Application:
        app = await self._make_app()
        app.on_cleanup.append(self.on_cleanup)
        return app


def tls_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """A server-side TLS context from a certificate (chain) and its private key, TLS 1.2 at least."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context
