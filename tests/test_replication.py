"""docs/replication.md: every command it shows runs on a fresh copy of the bundled study and prints what the page shows.

A shown block is `$ coder …` followed by the lines it prints; a line `…` stands for lines left out of the page, so
the shown lines must appear in the printed output in order, each run of them together.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder.cli import main
from tests.conftest import REPO

PAGE = (REPO / "docs" / "replication.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```\n\$ (coder [^\n]+)\n(.*?)```", PAGE, re.S)


def runs(shown: list[str]) -> list[list[str]]:
    """The shown lines cut at each `…` line: runs that must each appear, whole and in order."""
    cut: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "…":
            cut.append([])
        else:
            cut[-1].append(line)
    return [run for run in cut if run]


def appears_in_order(shown: list[str], printed: list[str]) -> bool:
    at = 0
    for run in runs(shown):
        found = next((i for i in range(at, len(printed) - len(run) + 1) if printed[i:i + len(run)] == run), None)
        if found is None:
            return False
        at = found + len(run)
    return True


def test_the_page_shows_every_claim_with_its_commands():
    assert len(BLOCKS) >= 10
    for claim in ("Table 2", "function × phase", "local", "channel", "technological", "commercial", "trust"):
        assert claim.lower() in PAGE.lower(), claim
    assert PAGE.count("**Supported") + PAGE.count("**Partly") + PAGE.count("**Not supported") >= 6


@pytest.mark.parametrize("command, output", BLOCKS, ids=[command for command, _ in BLOCKS])
def test_every_command_of_the_page_prints_what_it_shows(bundled_coded: Path, command: str, output: str):
    result = CliRunner().invoke(main, ["--study", str(bundled_coded), *shlex.split(command)[1:]])
    assert result.exit_code == 0, result.output
    printed = [line.rstrip() for line in result.stdout.rstrip("\n").split("\n")]
    shown = [line.rstrip() for line in output.rstrip("\n").split("\n")]
    assert appears_in_order(shown, printed), f"`{command}` printed:\n" + "\n".join(printed)


def test_the_matching_leaves_nothing_out_unless_the_page_says_so():
    printed = ["a", "b", "c", "d"]
    assert appears_in_order(["a", "b", "…", "d"], printed) and appears_in_order(["a", "b", "c", "d"], printed)
    assert not appears_in_order(["a", "c"], printed)  # a left-out line must be marked
    assert not appears_in_order(["c", "…", "a"], printed)  # in order
