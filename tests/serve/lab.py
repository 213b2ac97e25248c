"""Running `coder serve` for the browser tests, the docs' screenshot and the load script: a server on a free port
on a copy of a study, one-time login links, the memory the server and its app processes hold, and what a browser
needs to show the workbench (Debian's Chromium, and the screen's text as the app sends it)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT = 60.0  # seconds; only ever reached when what is awaited never happens
LINK = re.compile(r"/login/[A-Za-z0-9_-]+")
ANSI = re.compile(r"\x1b\[[0-9;?$<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?")

# Run in the page before its own scripts: the terminal's output (the app's screen, as escape sequences) is kept,
# without its escapes, in window.__screen — the text the canvas shows, readable by the test.
SCREEN_TEXT = r"""
(() => {
  const Native = window.WebSocket;
  const escapes = /\x1b\[[0-9;?$<>=]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?/g;
  const decoder = new TextDecoder();
  window.__screen = "";
  window.WebSocket = function (url, protocols) {
    const socket = new Native(url, protocols);
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") window.__screen += decoder.decode(event.data, {stream: true}).replace(escapes, "");
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def copy_study(source: Path, into: Path) -> Path:
    """A copy of an opened study folder (study.db and all) to serve and change."""
    shutil.copytree(source, into)
    return into


def coder_command(study: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "coder", "--study", str(study), *args]


@dataclass
class Served:
    study: Path
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def add_coder(self, name: str, *, lead: bool = False) -> str:
        """`coder serve add-coder NAME`: the one-time link it prints, as a full URL on this server."""
        done = subprocess.run(coder_command(self.study, "serve", "add-coder", name, "--url", self.url, *(["--lead"] if lead else [])),
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        found = LINK.search(done.stdout)
        assert done.returncode == 0 and found, f"add-coder {name} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        return self.url + found.group(0)

    def children(self, pid: int | None = None) -> list[int]:
        """The processes a process (by default the server) started: the server's are its sessions' workbenches."""
        found = []
        for task in Path(f"/proc/{pid or self.process.pid}/task").glob("*/children"):
            try:
                found.extend(int(child) for child in task.read_text().split())
            except OSError:  # the task ended meanwhile
                pass
        return found

    def pids(self, pid: int | None = None) -> list[int]:
        """A process (by default the server) and every process under it."""
        found, todo = [], [pid or self.process.pid]
        while todo:
            found.append(todo.pop())
            todo.extend(self.children(found[-1]))
        return found


def rss_mib(pid: int) -> float:
    """Resident memory of one process (psutil where installed, else /proc/PID/status), in MiB; 0 once it is gone."""
    try:
        import psutil
    except ImportError:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return 0.0
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        return int(found.group(1)) / 1024 if found else 0.0
    try:
        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except psutil.Error:
        return 0.0


def wait_until_answering(served: Served, timeout: float = 90.0) -> None:
    """Until the server answers HTTP at all (401/403 without a login is an answer); fails if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"coder serve exited ({served.process.returncode}):\n{served.log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(served.url + "/", timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)  # a poll: the port opens when the server is up
    raise AssertionError(f"coder serve did not answer on {served.url} within {timeout:.0f} s")


@contextmanager
def serving(study: Path) -> Iterator[Served]:
    """`coder serve` on a free local port, on `study` (its output in serve.log beside the study); stopped, with every
    app process it started, on leaving."""
    port, log = free_port(), study.parent / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(coder_command(study, "serve", "--host", "127.0.0.1", "--port", str(port)), cwd=REPO,
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True)
    served = Served(study, f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_answering(served)
        yield served
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C for the server (it ends its sessions), then SIGKILL for whatever of its process group is left."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def new_page(browser: Browser, size: tuple[int, int] = (1280, 800)) -> Page:
    """A page in a browser context of its own (its own cookies) that keeps the screen's text (SCREEN_TEXT); nothing
    but this machine is fetched (the page asks for a web font from outside: tests and scripts run offline)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    context.set_default_timeout(TIMEOUT * 1000)
    context.add_init_script(SCREEN_TEXT)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1") else route.abort())
    return context.new_page()


def screen_text(page: Page) -> str:
    return str(page.evaluate("window.__screen"))


def wait_for_text(page: Page, *texts: str, since: int = 0) -> None:
    """Until the app has sent one of `texts` to the page (after the first `since` characters of its screen's text)."""
    page.wait_for_function("([texts, since]) => texts.some(text => window.__screen.indexOf(text, since) >= 0)",
                           arg=[texts, since], timeout=TIMEOUT * 1000)


def press(page: Page, key: str, *shows: str) -> None:
    """Press a key and wait until the screen shows its effect (one of `shows`), as a person would before the next key."""
    since = len(screen_text(page))
    page.keyboard.press(key)
    wait_for_text(page, *shows, since=since)


def open_workbench(page: Page, link: str, coder: str) -> None:
    """Follow a login link and wait for the workbench of `coder`; the keys then go to it."""
    page.goto(link)
    wait_for_text(page, f"coder {coder}")
    page.focus(".xterm-helper-textarea")  # where xterm.js takes the keys it sends to the app
