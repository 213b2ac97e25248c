"""The leads' page of the lab server (`/logins`): the logins, a coder's new link, a revocation — what
`coder serve coders / add-coder / revoke` do on the server's command line, for a lead in the browser.

A lead's session only (others get 403); a change is a form POSTed from this server's own page (its Origin checked,
and the session cookie is SameSite=Strict), and the log names the lead who made it.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from coder.errors import CoderError
from coder.serve import logins
from coder.serve.server import IDENTITY

if TYPE_CHECKING:
    from coder.serve.logins import Identity
    from coder.serve.server import LabServer

STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
         "td,th{border-bottom:1px solid #ccc;padding:.3em .8em;text-align:left}form{margin:1em 0}code{word-break:break-all}")


def lead_routes(server: LabServer) -> list[web.RouteDef]:
    """The page and its two forms, bound to the server (its study, its address)."""

    def lead_of(request: web.Request, *, changing: bool) -> Identity:
        identity = request[IDENTITY]
        if not identity.lead:
            server.refuse(request, f"{request.method} {request.path} by a coder who is not a lead", identity)
            raise web.HTTPForbidden(text="Only a lead manages the logins.")
        if changing and request.headers.get("Origin", "").lower() not in server.origins:
            server.refuse(request, f"{request.method} {request.path} from another origin", identity)
            raise web.HTTPForbidden(text="This form may only be sent from the server's own page.")
        return identity

    async def page(request: web.Request) -> web.Response:
        lead_of(request, changing=False)
        return web.Response(text=render(logins.login_list(server.db)), content_type="text/html")

    async def add(request: web.Request) -> web.Response:
        identity = lead_of(request, changing=True)
        form = await request.post()
        name = str(form.get("name", "")).strip()
        try:
            token = logins.add_login(server.db, name, lead=form.get("lead") == "on", by=identity.name)
        except CoderError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        link = f"{server.public_url.rstrip('/')}/login/{token}"
        return web.Response(text=render(logins.login_list(server.db), (name, link)), content_type="text/html")

    async def revoke(request: web.Request) -> web.StreamResponse:
        identity = lead_of(request, changing=True)
        form = await request.post()
        try:
            logins.revoke_login(server.db, str(form.get("name", "")), by=identity.name)
        except CoderError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.Response(status=303, headers={"Location": "/logins"})

    return [web.get("/logins", page, name="logins"), web.post("/logins/add", add), web.post("/logins/revoke", revoke)]


def render(rows: list[dict[str, object]], new: tuple[str, str] | None = None) -> str:
    """The page: the logins with a revoke button each, the form for a new link, and the link just made."""
    columns = ["coder", "lead", "link", "created", "revoked", "sessions", "last_login"]
    head = "".join(f"<th>{c}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(row[c]))}</td>" for c in columns)
        + f'<td><form method="post" action="/logins/revoke"><input type="hidden" name="name" value="{escape(str(row["coder"]))}">'
        f'<button>revoke</button></form></td></tr>' for row in rows)
    made = "" if new is None else (f"<p>One-time link for <b>{escape(new[0])}</b> (send it privately; it works once):</p>"
                                   f"<p><code>{escape(new[1])}</code></p>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Logins</title><style>{STYLE}</style></head><body>"
            f"<h1>Logins</h1>{made}<table><tr>{head}<th></th></tr>{body}</table>"
            '<form method="post" action="/logins/add"><label>Coder <input name="name" required></label> '
            '<label><input type="checkbox" name="lead"> lead</label> <button>make a link</button></form>'
            '<p><a href="/">back to the workbench</a></p></body></html>')
