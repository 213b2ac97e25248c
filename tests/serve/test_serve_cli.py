"""`coder serve` from the command line: a non-local address without TLS is refused (one line, exit 1), and served with
--insecure or with a certificate (a self-signed one made here); the logins' commands."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.serve.binding import allowed_origins, bind_refusal, origin_of
from coder.study import Study, connect_study
from tests.conftest import REPO
from tests.serve.serving import free_port, small_study, until


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    return small_study(tmp_path_factory.mktemp("served-cli"))


def serve(study: Study, *args: str) -> list[str]:
    return [sys.executable, "-m", "coder", "--study", str(study.root), "serve", *args]


@contextmanager
def serving(command: list[str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def answer(port: int, path: str = "/", *, tls: bool = False) -> http.client.HTTPResponse | None:
    """The server's answer to a GET, or None while it is not listening yet."""
    context = ssl._create_unverified_context() if tls else None  # our own self-signed certificate
    connection = (http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context) if tls
                  else http.client.HTTPConnection("127.0.0.1", port, timeout=5))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response
    except OSError:
        return None
    finally:
        connection.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "lab.example.org"])
def test_a_non_local_address_without_tls_is_refused_with_its_reason(study: Study, host: str) -> None:
    result = CliRunner().invoke(main, ["--study", str(study.root), "serve", "--host", host])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"refusing to serve on {host} without TLS" in lines[0] and "--certfile" in lines[0], result.output


def test_local_addresses_need_no_tls_and_origins_are_the_servers_own() -> None:
    assert [bind_refusal(h, tls=False, insecure=False) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2")] == [None] * 4
    assert bind_refusal("0.0.0.0", tls=True, insecure=False) is None and bind_refusal("0.0.0.0", tls=False, insecure=True) is None
    assert origin_of("https://Coding.Lab.org:443/path") == "https://coding.lab.org"
    assert allowed_origins("https://coding.lab.org", "0.0.0.0", 8443, tls=True) == {"https://coding.lab.org"}
    assert "http://localhost:8000" in allowed_origins("http://127.0.0.1:8000", "127.0.0.1", 8000, tls=False)


def test_half_a_certificate_is_refused(study: Study, tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    result = CliRunner().invoke(main, ["--study", str(study.root), "serve", "--host", "0.0.0.0", "--certfile", str(cert)])
    assert result.exit_code == 1 and "--certfile and --keyfile go together" in result.output


def test_insecure_serves_a_non_local_address_and_still_refuses_without_a_session(study: Study) -> None:
    port = free_port()
    with serving(serve(study, "--host", "0.0.0.0", "--port", str(port), "--insecure")) as process:
        response = until(lambda: process.poll() is None and answer(port), 30, "the server listening")
        assert response.status == 401
    assert "Serving the study" in (process.stdout.read() if process.stdout else "")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key: with the `cryptography` package, else `openssl req`."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                            "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            pytest.skip("neither the cryptography package nor openssl is here to make a test certificate")
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert, key


def test_tls_serves_a_non_local_address_with_secure_cookies(study: Study, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    token = CliRunner().invoke(main, ["--study", str(study.root), "serve", "add-coder", "ana", "--url", f"https://127.0.0.1:{port}"])
    link = token.stdout.strip()
    assert token.exit_code == 0 and link.startswith(f"https://127.0.0.1:{port}/login/"), token.output
    with serving(serve(study, "--host", "0.0.0.0", "--port", str(port), "--certfile", str(cert), "--keyfile", str(key))) as process:
        response = until(lambda: process.poll() is None and answer(port, tls=True), 30, "the server listening over TLS")
        assert response.status == 401
        assert answer(port) is None  # no plain http on the TLS port
        login = answer(port, link.split(str(port), 1)[1], tls=True)
        assert login is not None and login.status == 303
        assert "Secure" in login.headers["Set-Cookie"] and "HttpOnly" in login.headers["Set-Cookie"]


def test_the_logins_commands_list_renew_and_revoke(study: Study) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--study", str(study.root), "serve", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    link = run("add-coder", "ivo", "--lead").strip()
    assert link.startswith("http://127.0.0.1:8000/login/") and set(link.rsplit("/", 1)[1]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    db = connect_study(study)
    stored = [str(v) for row in db.execute("SELECT * FROM logins") for v in row]
    db.close()
    assert not any(link.rsplit("/", 1)[1] in v or link.rsplit("/", 1)[1][12:] in v for v in stored)  # only a hash of it
    assert "ivo    yes   unused" in run("coders")
    assert "revoked ivo's login; 0 session(s) ended" in run("revoke", "ivo")
    assert run("coders", "--format", "json").count('"revoked": "20') == 1
    refused = CliRunner().invoke(main, ["--study", str(study.root), "serve", "revoke", "nobody"])
    assert refused.exit_code == 1 and "no coder named 'nobody'" in refused.output


def test_others_visible_is_switched_and_said(study: Study) -> None:
    from coder import served

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--study", str(study.root), "serve", "others-visible", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    def visible() -> bool:
        db = connect_study(study)
        try:
            return served.others_visible(db)
        finally:
            db.close()

    assert run().startswith("served coders code blind") and not visible()
    assert run("on").startswith("served coders see each other's codings") and visible()
    assert run("off").startswith("served coders code blind") and not visible()
    refused = CliRunner().invoke(main, ["--study", str(study.root), "serve", "others-visible", "maybe"])
    assert refused.exit_code == 1 and "maybe" in refused.output and "Traceback" not in refused.output and not visible()
