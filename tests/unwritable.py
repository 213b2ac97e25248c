"""Making files and folders refuse every write for real, even for root, and seeing that nothing in a folder changed.

The tests run as root on the development machine, where chmod stops nothing: there the files are made
immutable (`chattr +i`, which the kernel enforces for root too, as it does a read-only mount); anyone
else gets chmod a-w. A machine that offers neither skips the test.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def unwritable(*paths: Path) -> Iterator[None]:
    """Make these files and folders refuse every write (a folder: no file made, renamed or removed in it); writable again
    afterwards."""
    targets = [str(path) for path in paths]
    if os.geteuid() != 0:
        modes = {target: os.stat(target).st_mode for target in targets}
        for target in targets:
            os.chmod(target, modes[target] & ~0o222)
        try:
            yield
        finally:
            for target in targets:
                os.chmod(target, modes[target])
        return
    made = subprocess.run(["chattr", "+i", *targets], capture_output=True, text=True)
    try:
        if made.returncode != 0:
            pytest.skip(f"cannot make files immutable here (chattr: {made.stderr.strip()})")
        yield
    finally:
        subprocess.run(["chattr", "-i", *targets], capture_output=True, check=False)


def with_contents(folder: Path) -> list[Path]:
    """A folder and everything under it."""
    return [folder, *sorted(folder.rglob("*"))]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder and its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
