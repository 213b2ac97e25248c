"""The lab server under load: 8 coders coding at once through `coder serve`, for a few minutes.

Run: python tests/bench/bench_serve.py [--sessions 8] [--seconds 180] [--pause 0]
Serves a copy of the bundled study (`coder serve` on a free local port), gives each session a coder of its own
(`coder serve add-coder labN`), logs it in through its one-time link (aiohttp, with a cookie jar), opens the
WebSocket with the server's Origin and speaks textual-serve's protocol as its page does (JSON text frames
["resize", {...}] and ["stdin", keys]; the app's screen comes back as binary frames of escape sequences).
Each session then codes passage after passage for --seconds: `g` (the coder's next uncoded passage) and a code
key, each key sent once the screen shows what the one before did (a person looking at the screen; --pause adds
seconds of thought between codings; 0 = as fast as the server answers). Session N alternates between two of the
codebook's nine code keys of its own, so no two sessions send the same coding and every coding names its coder.
At the end it reads the study and prints: codings per second; errors (refused logins, sockets closed early, a key
whose effect never showed, tracebacks in the server's log: must be 0); lost codings (sent, not stored) and
misattributed ones (stored under a coder that did not send them): must be 0; key-to-screen latency; and the
resident memory of the server and of each session's workbench (its process and the processes under it).
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
from yarl import URL  # noqa: E402

from coder import coding, documents  # noqa: E402
from coder.codebook import codebook_tree  # noqa: E402
from coder.study import Study, connect_study  # noqa: E402
from tests.conftest import opened  # noqa: E402
from tests.serve.lab import ANSI, Served, rss_mib, serving  # noqa: E402

WIDTH, HEIGHT = 160, 44
WAIT = 60.0  # seconds a key's effect may take to show before it counts as an error (a busy 2-core machine)
Coding = tuple[str, int, str]  # document, passage, code path


@dataclass
class Session:
    """One browser session's worth of traffic, and what it sent."""

    name: str
    keys: tuple[str, str]
    sent: set[Coding] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screen: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        """The app's output, as the text it shows (escape sequences dropped), until the socket closes."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        async for message in socket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.screen += ANSI.sub("", decoder.decode(message.data))
                self.changed.set()
        self.changed.set()

    async def press(self, socket: aiohttp.ClientWebSocketResponse, key: str | None, *shows: str) -> bool:
        """Send a key as the page does (None: none) and wait until the screen shows one of `shows`; False (an error)
        if it never does."""
        self.screen = ""
        began = time.perf_counter()
        if key is not None:
            await socket.send_str(json.dumps(["stdin", key]))
        deadline = began + WAIT
        while not any(text in self.screen for text in shows):
            if socket.closed:
                self.errors.append(f"the socket closed while waiting for {' or '.join(shows)!r}")
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=max(0.0, deadline - time.perf_counter()))
            except TimeoutError:
                self.errors.append(f"{key!r} never showed {' or '.join(shows)!r} within {WAIT:.0f} s")
                return False
        self.latencies.append(time.perf_counter() - began)
        return True


def plan(study: Path) -> tuple[list[tuple[str, int, int]], dict[str, str]]:
    """The passages `g` visits from the start (every document in name order, its passages in order: the first
    document's first passage is where the workbench opens, so it is passed), and code key → code path."""
    db = connect_study(Study(study))
    try:
        order = [(d.name, ordinal, d.passages) for d in documents.list_documents(db) for ordinal in range(1, d.passages + 1)]
        keys = {row["key"]: f"{row['group']}/{row['code']}" for row in codebook_tree(db) if row["key"] and row["active"]}
    finally:
        db.close()
    return order[1:], keys


async def code(served: Served, session: Session, link: str, passages: list[tuple[str, int, int]], keys: dict[str, str],
               until: float, pause: float) -> None:
    """Log in, open the workbench, code until the time is up; then close the socket (the server ends the app)."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: keep cookies of an address given as an IP (127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(link, allow_redirects=False) as response:
            if response.status != 303 or not jar.filter_cookies(URL(served.url)).get("coder_session"):
                session.errors.append(f"login answered {response.status}, without a session cookie")
                return
        async with http.ws_connect(f"{served.url}/ws?width={WIDTH}&height={HEIGHT}", origin=served.url) as socket:
            reader = asyncio.create_task(session.read(socket))
            await socket.send_str(json.dumps(["resize", {"width": WIDTH, "height": HEIGHT}]))
            if await session.press(socket, None, f"coder {session.name}"):  # the first screen
                for count, (document, ordinal, total) in enumerate(passages):
                    if time.monotonic() > until:
                        break
                    key = session.keys[count % 2]
                    if not await session.press(socket, "g", f"{document} · passage {ordinal}/{total}"):
                        break
                    session.sent.add((document, ordinal, keys[key]))
                    # the status line's note, or the code's count in the codebook pane (a note can be replaced by the
                    # next hint before a frame shows it; the count stays): either shows the coding on the screen
                    count = sum(1 for sent in session.sent if sent[2] == keys[key])
                    if not await session.press(socket, key, f"coded {keys[key]}", f"{keys[key].split('/')[1]}  {count}"):
                        break
                    await asyncio.sleep(pause)
            await socket.close()
            await reader


def cpu_seconds(pid: int) -> tuple[str, float]:
    """What a process is (the server, a workbench, a helper process of one, a shell) and the CPU time it has used."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return "gone", 0.0
    if fields[0] == "Z":  # ended, not yet reaped by its parent
        return "gone", 0.0
    role = ("server" if " serve " in command else "helper" if "multiprocessing" in command
            else "shell" if command.startswith("/bin/sh") else "workbench")
    return role, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def watch_memory(served: Served, peak: dict[str, float], cpu: dict[int, tuple[str, float]], stop: asyncio.Event) -> None:
    """Every 2 s: the server's resident memory and each session's (its workbench and the processes under it), and
    the CPU time each process has used so far."""
    while not stop.is_set():
        for pid in served.pids():
            role, seconds = cpu_seconds(pid)
            if role != "gone":
                cpu[pid] = (role, seconds)
        sessions, workbenches = {}, {}
        for child in served.children():  # textual-serve starts each workbench through a shell: the shell's child
            tree = served.pids(child)
            sessions[child] = sum(rss_mib(pid) for pid in tree)
            workbenches[child] = max((rss_mib(pid) for pid in tree), default=0.0)
        server = rss_mib(served.process.pid)
        total = server + sum(sessions.values())
        if total > peak.get("total", 0.0):
            peak.update(total=total, server=server, sessions=len(sessions), processes=len(served.pids()),
                        per_session=statistics.mean(sessions.values()) if sessions else 0.0,
                        largest=max(sessions.values(), default=0.0),
                        workbench=statistics.mean(workbenches.values()) if workbenches else 0.0)
        try:
            await asyncio.wait_for(stop.wait(), timeout=2.0)
        except TimeoutError:
            pass


def stored(study: Path, names: list[str]) -> dict[str, set[Coding]]:
    db = connect_study(Study(study))
    try:
        return {name: {(c["document"], c["passage"], f"{c['code_group']}/{c['code']}")
                       for c in coding.codings(db, coder=coding.coder_id(db, name))} for name in names}
    finally:
        db.close()


async def load(served: Served, sessions: int, seconds: float, pause: float) -> None:
    passages, keys = plan(served.study)
    # the codebook's code keys whose names fit its pane (with their counts); session N alternates the Nth and the next
    ring = sorted(key for key, path in keys.items() if len(path.split("/")[1]) < 25)
    if sessions > len(ring):
        sys.exit(f"at most {len(ring)} sessions: each needs a code key of its own")
    crowd = [Session(f"lab{n + 1}", (ring[n], ring[(n + 1) % len(ring)])) for n in range(sessions)]
    links = [served.add_coder(session.name) for session in crowd]
    print(f"{sessions} sessions on {served.url}, {seconds:.0f} s, pause {pause} s; {len(passages) + 1} passages per coder",
          flush=True)
    peak: dict[str, float] = {}
    cpu: dict[int, tuple[str, float]] = {}
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_memory(served, peak, cpu, stop))
    began = time.monotonic()
    await asyncio.gather(*(code(served, s, link, passages, keys, began + seconds, pause) for s, link in zip(crowd, links)))
    elapsed = time.monotonic() - began
    stop.set()
    await watcher
    # every process seen under the server but the server itself: a workbench left behind may have lost its parent
    seen = [pid for pid in cpu if pid != served.process.pid]
    while (left := [pid for pid in seen if cpu_seconds(pid)[0] != "gone"]) and time.monotonic() - began - elapsed < WAIT:
        await asyncio.sleep(0.2)  # a poll: the server ends each workbench once its socket has closed
    ended = (time.monotonic() - began - elapsed, len(left))
    report(served, crowd, elapsed, peak, cpu, ended)


def report(served: Served, crowd: list[Session], elapsed: float, peak: dict[str, float], cpu: dict[int, tuple[str, float]],
           ended: tuple[float, int]) -> None:
    found = stored(served.study, [s.name for s in crowd])
    sent = sum(len(s.sent) for s in crowd)
    lost = sum(len(s.sent - found[s.name]) for s in crowd)
    extra = {s.name: found[s.name] - s.sent for s in crowd}
    misattributed = sum(1 for s in crowd for c in extra[s.name] if any(c in other.sent for other in crowd if other is not s))
    log_errors = served.log.read_text(errors="replace").count("Traceback")
    errors = [error for s in crowd for error in s.errors]
    latencies = sorted(t for s in crowd for t in s.latencies)
    print(f"codings: {sent:,} sent, {sum(len(f) for f in found.values()):,} stored in {elapsed:.0f} s:"
          f" {sent / elapsed:.2f} codings/s in all, {sent / elapsed / len(crowd):.2f} per session")
    for s in crowd:
        print(f"  {s.name} (keys {'/'.join(s.keys)}): {len(s.sent)} sent, {len(found[s.name])} stored")
    print(f"errors: {len(errors) + log_errors}" + "".join(f"\n  {error}" for error in errors)
          + (f"\n  {log_errors} traceback(s) in the server's log" if log_errors else ""))
    print(f"lost codings: {lost}; misattributed codings: {misattributed}; other unexpected codings: "
          f"{sum(len(e) for e in extra.values()) - misattributed}")
    if latencies:
        print(f"key to screen: median {statistics.median(latencies) * 1000:.0f} ms,"
              f" p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    if peak:
        print(f"memory (resident, at the peak): {peak['total']:.0f} MiB in all — the server {peak['server']:.0f} MiB,"
              f" {peak['sessions']:.0f} sessions {peak['per_session']:.0f} MiB each on average (largest {peak['largest']:.0f} MiB;"
              f" its largest process, the workbench, {peak['workbench']:.0f} MiB on average); {peak['processes']:.0f} processes"
              " (a page shared by a process and its children counts in each)")
    used = {role: sum(seconds for r, seconds in cpu.values() if r == role) for role in ("server", "workbench", "helper", "shell")}
    waited, left = ended
    print(f"after the sockets closed: every workbench ended within {waited:.1f} s" if not left
          else f"after the sockets closed: {left} processes still running {waited:.0f} s later")
    print(f"CPU time (as last seen, every 2 s): {sum(used.values()):.0f} s in {elapsed:.0f} s — the server {used['server']:.0f} s,"
          f" the workbenches {used['workbench']:.0f} s, their helper processes (suggestions, learning) {used['helper']:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between a session's codings")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        study = Path(folder) / "piura"
        for part in ("codebook", "transcripts"):
            shutil.copytree(REPO / part, study / part)
        with serving(opened(study)) as served:
            asyncio.run(load(served, options.sessions, options.seconds, options.pause))


if __name__ == "__main__":
    main()
