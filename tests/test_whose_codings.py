"""Whose codings the analyses count (issue 12, item 5): every coder but the consensus coder unless one is
named — the same before and after someone reconciles — and the headings say so, with how far the
consensus has got. On the bundled study with its demonstration codings, the README's examples are what
the commands print."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder import reconcile
from coder.cli import main
from coder.crosstab.consensus import disagreements
from coder.study import Study, connect_study
from tests.conftest import REPO, demonstration_codes

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def study(bundled_coded: Path, tmp_path: Path) -> Study:
    shutil.copytree(bundled_coded, tmp_path / "piura")
    return Study(tmp_path / "piura")


@pytest.fixture
def two_coders(bundled_two_coders: Path, tmp_path: Path) -> Study:
    """The bundled study before reconciling: ana's and ben's codings, no consensus coder yet."""
    shutil.copytree(bundled_two_coders, tmp_path / "piura")
    return Study(tmp_path / "piura")


def differing(group: str | None = None, documents: tuple[str, ...] | None = None) -> set[tuple[str, int]]:
    """The passages where ana's and ben's demonstration codes (of a group) differ, read from the coding files."""
    return {key for key, by in demonstration_codes(group=group).items()
            if by["ana"] != by["ben"] and (documents is None or key[0] in documents)}


def coder(study: Study, *args: str) -> str:
    result = CliRunner().invoke(main, ["--study", str(study.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def readme_example(command: str) -> list[str]:
    """The lines the README shows `command` printing."""
    block = re.search(rf"```\n\$ {re.escape(command)}\n(.*?)```", README, re.S)
    assert block, f"the README shows no output of `{command}`"
    return block.group(1).rstrip("\n").split("\n")


def actor_rows(study: Study, *args: str) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(coder(study, "actors", "--format", "csv", *args).split("\n", 1)[1]))
    return {row["organisation"]: row for row in rows}


def snapshot(study: Study) -> list[list[tuple]]:
    db = connect_study(study)
    try:
        return [db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in ("events", "codings", "coders", "settings")]
    finally:
        db.close()


def test_the_readme_example_is_what_the_commands_print(study):
    for command in ("coder status", "coder xtab function phase --coder consensus --roll-up --percent col"):
        assert coder(study, *command.split()[1:]).rstrip("\n").split("\n") == readme_example(command), command
    heading = coder(study, "xtab", "function", "phase").split("\n", 1)[0]
    assert heading.endswith("coded by ana, ben (all but consensus) · consensus: 3,374 codings, reconciled elsewhere")
    assert "`coded by ana, ben (all but\nconsensus) · consensus: 3,374 codings, reconciled elsewhere`" in README


def test_analyses_count_the_same_coders_after_reconciling_and_say_how_far_it_got(two_coders):
    table = coder(two_coders, "xtab", "function", "phase", "--roll-up").split("\n", 1)
    actors = actor_rows(two_coders)
    before = snapshot(two_coders)
    db = connect_study(two_coders)
    queue = reconcile.open_queue(db)  # what F3 does: it writes nothing …
    assert snapshot(two_coders) == before
    assert disagreements(db) == {(u.document, u.ordinal) for u in queue.units}  # counted as the queue has them
    assert disagreements(db) == differing()  # … which are the passages where the coding files differ
    total = len(differing())
    phases = reconcile.open_queue(db, groups=["phase"], documents=["int01", "int03"])
    reconcile.remember(db, phases)  # the queue F3 resumes is the one the headings count
    assert disagreements(db) == {(u.document, u.ordinal) for u in phases.units} == differing("phase", ("int01", "int03"))
    reconcile.remember(db, queue)
    for unit in queue.units[:3]:  # … until the researcher decides
        reconcile.decide(db, queue, unit, "keep", coder="ana")
    reconcile.copy_agreed(db, queue)
    db.close()
    after = coder(two_coders, "xtab", "function", "phase", "--roll-up").split("\n", 1)
    assert after[1] == table[1]  # the same passages, not the consensus's
    assert after[0] == ("function × phase: passages, coded by ana, ben (all but consensus)"
                        f" · consensus: 3 of {total} disagreements settled")
    assert actor_rows(two_coders) == actors
    assert f"passages coded as actor by ana, ben (all but consensus) · consensus: 3 of {total}" in coder(two_coders, "actors")
    consensus = coder(two_coders, "xtab", "function", "phase", "--roll-up", "--coder", "consensus")
    assert consensus.startswith(f"function × phase: passages, coded by consensus · consensus: 3 of {total} disagreements settled")
    assert consensus.split("\n", 1)[1] != table[1]
    for command in (["cooccur", "--group", "phase"], ["matrix", "--output", str(two_coders.root / "m.csv")]):
        assert f"coded by ana, ben (all but consensus) · consensus: 3 of {total} disagreements settled" in coder(two_coders, *command)
