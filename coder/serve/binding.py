"""Where the lab server listens and what it starts, decided before aiohttp is imported: the refusal of a
non-local address without TLS, the server's own origin (the only one whose pages may open the websocket),
and the command and environment of a session's workbench."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from urllib.parse import urlsplit

from coder.serve.logins import Identity

LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"http": 80, "https": 443}
SERVED_VARIABLES = ("CODER_SERVED_AS", "CODER_SERVED_LEAD")
NOT_PASSED = ("CODER_NAME", "CODER_STUDY", *SERVED_VARIABLES)  # the server's own settings never reach a session's workbench


def is_local(host: str) -> bool:
    """True for an address only this machine can reach (loopback)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_refusal(host: str, *, tls: bool, insecure: bool) -> str | None:
    """Why the server will not listen on `host` (None when it may): interview data leaves this machine only encrypted."""
    if is_local(host) or tls or insecure:
        return None
    return (f"refusing to serve on {host} without TLS: logins and interview text would cross the network unencrypted"
            " — fix: pass --certfile and --keyfile, or serve on 127.0.0.1 behind a reverse proxy that does TLS,"
            " or pass --insecure on a network you trust")


def default_url(host: str, port: int, *, tls: bool) -> str:
    """The address browsers use when none is given: the host itself, or this machine's name for a wildcard bind."""
    name = socket.getfqdn() if host in ("", "0.0.0.0", "::") else host
    if ":" in name:
        name = f"[{name}]"
    scheme = "https" if tls else "http"
    return f"{scheme}://{name}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


def origin_of(url: str) -> str:
    """scheme://host[:port] as a browser's Origin header writes it (no default port, lower case)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" + ("" if port is None or DEFAULT_PORTS.get(scheme) == port else f":{port}")


def allowed_origins(public_url: str, host: str, port: int, *, tls: bool) -> frozenset[str]:
    """The pages that may open the websocket: the server's public address, and on a loopback bind its local names."""
    origins = {origin_of(public_url)}
    if is_local(host):
        scheme = "https" if tls else "http"
        origins |= {origin_of(f"{scheme}://{name if ':' not in name else f'[{name}]'}:{port}") for name in LOCAL_NAMES}
    return frozenset(origins)


def workbench_command(study_root: str) -> list[str]:
    """The workbench, as `coder --study DIR` opens it, with the interpreter serving it."""
    return [sys.executable, "-m", "coder", "--study", study_root]


def served_environment(identity: Identity, base: dict[str, str] | None = None) -> dict[str, str]:
    """A session's workbench's environment: the server's, without its coder settings, with the session's coder."""
    environment = {k: v for k, v in (os.environ if base is None else base).items() if k not in NOT_PASSED}
    environment["CODER_SERVED_AS"] = identity.name
    environment["CODER_SERVED_LEAD"] = "1" if identity.lead else "0"
    return environment
