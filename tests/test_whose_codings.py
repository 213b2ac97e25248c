"""Whose codings the analyses count (issue 12, item 5): every coder but the consensus coder unless one is
named — the same before and after someone reconciles — and the headings say so, with how far the
consensus has got. On the bundled study with its demonstration codings, the README's example is what
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
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def study(bundled_coded: Path, tmp_path: Path) -> Study:
    shutil.copytree(bundled_coded, tmp_path / "piura")
    return Study(tmp_path / "piura")


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
    assert coder(study, "xtab", "function", "phase", "--roll-up").rstrip("\n").split("\n") == readme_example(
        "coder xtab function phase --roll-up")
    shown = readme_example("coder actors")
    printed = coder(study, "actors")
    assert printed.startswith(shown[0] + "\n")  # the heading: whose codings count
    columns = shown[2].split()
    rows = actor_rows(study)
    for line in shown[3:]:
        values = re.split(r"\s{2,}", line.strip())
        if values[0] in rows:
            expected = dict(zip(columns, values[: values.index("…") if "…" in values else None]))
            assert {c: rows[values[0]][c] for c in expected if c not in ("local", "organisation")} == {
                c: v.split(" (")[0] for c, v in expected.items() if c not in ("local", "organisation")}
        elif "rho = " in line:
            assert line in printed


def test_analyses_count_the_same_coders_after_reconciling_and_say_how_far_it_got(study):
    table = coder(study, "xtab", "function", "phase", "--roll-up").split("\n", 1)
    actors = actor_rows(study)
    before = snapshot(study)
    db = connect_study(study)
    queue = reconcile.open_queue(db)  # what F3 does: it writes nothing …
    assert snapshot(study) == before
    assert disagreements(db) == {(u.document, u.ordinal) for u in queue.units}  # counted as the queue has them
    phases = reconcile.open_queue(db, groups=["phase"], documents=["int01", "int03"])
    reconcile.remember(db, phases)  # the queue F3 resumes is the one the headings count
    assert disagreements(db) == {(u.document, u.ordinal) for u in phases.units} and len(phases.units) == 8
    reconcile.remember(db, queue)
    for unit in queue.units[:3]:  # … until the researcher decides
        reconcile.decide(db, queue, unit, "keep", coder="ana")
    reconcile.copy_agreed(db, queue)
    db.close()
    after = coder(study, "xtab", "function", "phase", "--roll-up").split("\n", 1)
    assert after[1] == table[1]  # the same 70 passages, not the consensus's
    assert after[0] == ("function × phase: passages, coded by ana, ben (all but consensus)"
                        " · consensus: 3 of 44 disagreements settled")
    assert actor_rows(study) == actors
    assert "passages coded as actor by ana, ben (all but consensus) · consensus: 3 of 44" in coder(study, "actors")
    consensus = coder(study, "xtab", "function", "phase", "--roll-up", "--coder", "consensus")
    assert consensus.startswith("function × phase: passages, coded by consensus · consensus: 3 of 44 disagreements settled")
    assert consensus.split("\n", 1)[1] != table[1]
    for command in (["cooccur", "--group", "phase"], ["matrix", "--output", str(study.root / "m.csv")]):
        assert "coded by ana, ben (all but consensus) · consensus: 3 of 44 disagreements settled" in coder(study, *command)
