"""The bundled Piura study, imported once per test session and copied for each test that changes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coder.study import Study, connect_study, refresh_study
from coder.tui.app import CoderApp
from tests.conftest import REPO


@pytest.fixture(scope="session")
def imported_piura(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("piura") / "piura"
    for folder in ("codebook", "transcripts"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "exports").mkdir()
    study = Study(root)
    db = connect_study(study)
    refresh_study(study, db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return root


@pytest.fixture
def piura(imported_piura: Path, tmp_path: Path) -> Study:
    """A fresh copy of the imported bundled study."""
    root = tmp_path / "piura"
    shutil.copytree(imported_piura, root)
    return Study(root)


def app_for(study: Study, coder: str = "ana") -> CoderApp:
    return CoderApp(study, coder)
