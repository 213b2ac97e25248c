"""Hostile and huge files are refused by design (issue 13): each one, given to the command that reads it in a
process of its own under a 1 GiB address-space limit, is refused in one line naming the file and the limit,
within seconds, in little memory, and the study is byte for byte what it was. The figures of each refusal:
`python tests/bench/bench_hostile.py`.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import small_coded_study
from tests.hostile import HOSTILE, Hostile, run_coder

ABOVE_START = 300  # MB a refusal may take above what a plain `coder status` takes


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The study, and the peak memory of a plain `coder status` on it (the start a refusal is measured from)."""
    root = small_coded_study(tmp_path_factory.mktemp("hostile") / "study")
    plain = run_coder(root, "status")
    assert plain.exit_code == 0, plain.output
    return root, plain.peak_mb


def fingerprint(study: Path) -> dict[str, str]:
    """Every file of the study folder by its hash, the database checkpointed first (WAL content included)."""
    connection = sqlite3.connect(study / "study.db")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {str(p.relative_to(study)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(study.rglob("*"))
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_hostile_input_is_refused_in_one_line_quickly_in_little_memory_and_changes_nothing(base, tmp_path, hostile: Hostile):
    root, start_mb = base
    study, outside = tmp_path / "study", tmp_path / "outside"
    shutil.copytree(root, study)
    outside.mkdir()
    shutil.copy(root.parent / "good.qdpx", outside)
    before = fingerprint(study)
    hostile.make(outside, study)
    if hostile.args == ("status",):  # the file is in the study itself: the study is everything else
        before = {**fingerprint(study), "study.db": before["study.db"]}
    run = run_coder(study, *(arg.format(outside=outside) for arg in hostile.args))
    lines = [line for line in run.output.splitlines() if line.strip()]
    shutil.rmtree(outside)  # hundreds of MB: gone before the next case is made
    assert run.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: ") and " — fix: " in lines[0], run.output[-2000:]
    assert "unexpected error" not in lines[0] and all(word in lines[0] for word in hostile.words), lines[0]
    assert run.peak_mb < start_mb + ABOVE_START, f"{hostile.name}: peak {run.peak_mb:.0f} MB"
    assert fingerprint(study) == before
