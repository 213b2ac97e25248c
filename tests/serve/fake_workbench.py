"""A stand-in for the workbench in the server's security tests: speaks textual-serve's app protocol just enough to
send the browser which coder its process was started as (its environment, as JSON), then waits for `quit` (which
one coder's ignores, as a hung workbench would)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

STUBBORN = ("dora", "dirk")  # their workbenches never quit when asked (only a kill ends them) and have a helper process
NAMES = ("CODER_SERVED_AS", "CODER_SERVED_LEAD", "CODER_NAME", "CODER_STUDY")


def main() -> None:
    out = sys.stdout.buffer
    helper = None
    if os.environ.get("CODER_SERVED_AS") in STUBBORN:  # a helper process, as a workbench's, holding its output open
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], stdin=subprocess.DEVNULL).pid
    payload = json.dumps({"pid": os.getpid(), "helper": helper, **{name: os.environ.get(name) for name in NAMES}}).encode()
    out.write(b"__GANGLION__\n" + b"D" + len(payload).to_bytes(4, "big") + payload)
    out.flush()
    read = sys.stdin.buffer.read
    while len(head := read(5)) == 5:
        body = read(int.from_bytes(head[1:], "big"))
        if head[:1] == b"M" and json.loads(body).get("type") == "quit" and os.environ.get("CODER_SERVED_AS") not in STUBBORN:
            break


if __name__ == "__main__":
    main()
