"""The lab server: `coder serve` and the coders' logins (add-coder, revoke, coders)."""

from __future__ import annotations

import click

from coder.cli.base import Session, format_option, main, pass_session, render


@main.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (any but this machine's own needs TLS).")
@click.option("--port", type=int, default=8000, show_default=True, help="The port to listen on.")
@click.option("--url", "public_url", metavar="URL",
              help="The address coders' browsers use, when not http(s)://HOST:PORT (a reverse proxy's https://… address).")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (chain) in PEM.")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="The certificate's private key in PEM.")
@click.option("--insecure", is_flag=True, help="Serve on a non-local address without TLS (only on a network you trust).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, public_url: str | None, certfile: str | None, keyfile: str | None,
          insecure: bool) -> None:
    """Serve the study's workbench to the coders' browsers (one workbench per session), or manage their logins.

    Each coder opens the one-time link `coder serve add-coder NAME` prints; the browser's session then
    works as that coder only. Binds to 127.0.0.1 unless --host says otherwise; any other address needs
    --certfile and --keyfile (or --insecure). Ctrl+C stops it.

    Example:

    \b
        coder serve add-coder ana --lead
        coder serve
        coder serve --host 0.0.0.0 --port 8443 --certfile lab.pem --keyfile lab.key
    """
    if ctx.invoked_subcommand is not None:
        return
    from coder.serve.binding import bind_refusal, default_url, is_local

    if (certfile is None) != (keyfile is None):
        raise click.ClickException("--certfile and --keyfile go together — fix: pass both, or neither")
    tls = certfile is not None
    if reason := bind_refusal(host, tls=tls, insecure=insecure):
        raise click.ClickException(reason)
    session = ctx.find_object(Session)
    assert session is not None, "the coder group makes the session"
    study = session.study
    from coder.serve.server import LabServer, tls_context  # aiohttp and textual-serve: only when serving

    context = tls_context(certfile, keyfile) if certfile and keyfile else None
    url = public_url or default_url(host, port, tls=tls)
    LabServer(study, host=host, port=port, public_url=url, ssl_context=context,
              trust_proxy=public_url is not None and is_local(host)).serve()


@serve.command(name="add-coder")
@click.argument("name")
@click.option("--lead", is_flag=True, help="A lead: may see every coder's codings, reconcile, export and manage logins.")
@click.option("--url", "base", default="http://127.0.0.1:8000", show_default=True, metavar="BASE",
              help="The server's address as the coder's browser reaches it.")
@pass_session
def add_coder(session: Session, name: str, lead: bool, base: str) -> None:
    """Create (or renew) NAME's login and print a one-time link to it; only a salted hash is kept in the study.

    Send the link to the coder privately: it works once, and opens a browser session that works as NAME.
    Renewing gives a new link and lifts a revocation.

    Example:

        coder serve add-coder ana --url https://coding.lab.example.org
    """
    from coder.serve.logins import add_login

    token = add_login(session.open(refresh=False), name, lead=lead)
    click.echo(f"{base.rstrip('/')}/login/{token}")
    click.echo(f"one-time link for {name.strip()}{' (lead)' if lead else ''}: it works once; `coder serve add-coder {name.strip()}`"
               " makes a new one", err=True)


@serve.command()
@click.argument("name")
@pass_session
def revoke(session: Session, name: str) -> None:
    """End NAME's sessions (a running server closes their workbenches within a second) and invalidate the login.

    Example:

        coder serve revoke ben
    """
    from coder.serve.logins import revoke_login

    ended = revoke_login(session.open(refresh=False), name)
    click.echo(f"revoked {name}'s login; {ended} session(s) ended")


@serve.command()
@format_option
@pass_session
def coders(session: Session, fmt: str) -> None:
    """List the logins: coder, lead, whether the link is still unused, revoked, open sessions and last login.

    Example:

        coder serve coders
    """
    from coder.serve.logins import login_list

    rows = login_list(session.open(refresh=False))
    click.echo(render(rows, fmt, ["coder", "lead", "link", "created", "revoked", "sessions", "last_login"]))


@serve.command(name="others-visible")
@click.argument("state", type=click.Choice(["on", "off"]), required=False)
@pass_session
def others_visible(session: Session, state: str | None) -> None:
    """Let every served coder see the other coders' codings and the agreement (on), or keep them coding blind (off,
    the default; leads always see them). With no argument, say which it is. Open workbenches follow within a second.

    Example:

        coder serve others-visible on
    """
    from coder import served

    db = session.open(refresh=False)
    if state is not None:
        served.set_others_visible(db, state == "on")
    click.echo("served coders see each other's codings" if served.others_visible(db) else
               "served coders code blind: only leads see the other coders' codings")
