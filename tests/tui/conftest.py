"""The bundled Piura study, imported once per test session and copied for each test that changes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coder.study import Study
from coder.suggest import suggestions_in_study
from coder.tui.app import CoderApp
from tests.conftest import REPO, opened


@pytest.fixture(scope="session")
def imported_piura(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("piura") / "piura"
    for folder in ("codebook", "transcripts"):  # without the demonstration codings: a study nobody has coded yet
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("codings"))
    (root / "exports").mkdir()
    return opened(root)


@pytest.fixture(scope="session")
def imported_coded_piura(imported_piura: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled study as it first opens: with the demonstration codings of transcripts/codings/ loaded."""
    root = tmp_path_factory.mktemp("coded") / "piura"
    shutil.copytree(imported_piura, root)
    shutil.copytree(REPO / "transcripts" / "codings", root / "transcripts" / "codings")
    return opened(root)


@pytest.fixture(scope="session")
def imported_two_coders_piura(imported_piura: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled study before reconciling: ana's and ben's demonstration codings loaded, no consensus yet."""
    root = tmp_path_factory.mktemp("two-coders") / "piura"
    shutil.copytree(imported_piura, root)
    shutil.copytree(REPO / "transcripts" / "codings", root / "transcripts" / "codings",
                    ignore=shutil.ignore_patterns("demo-consensus.csv"))
    return opened(root)


@pytest.fixture
def piura(imported_piura: Path, tmp_path: Path) -> Study:
    """A fresh copy of the imported bundled study."""
    root = tmp_path / "piura"
    shutil.copytree(imported_piura, root)
    return Study(root)


@pytest.fixture
def coded_piura(imported_coded_piura: Path, tmp_path: Path) -> Study:
    """A fresh copy of the bundled study with the demonstration codings (coders ana and ben, and their consensus)."""
    root = tmp_path / "piura"
    shutil.copytree(imported_coded_piura, root)
    return Study(root)


@pytest.fixture
def two_coders_piura(imported_two_coders_piura: Path, tmp_path: Path) -> Study:
    """A fresh copy of the bundled study before reconciling: coded by ana and ben, no consensus yet."""
    root = tmp_path / "piura"
    shutil.copytree(imported_two_coders_piura, root)
    return Study(root)


def app_for(study: Study, coder: str = "ana", *, learn: bool = False) -> CoderApp:
    """The workbench on a study, finding suggestions in its own threads (one test uses the real helper process);
    learned suggestions only when asked for (their training would change what other tests see, seconds later)."""
    return CoderApp(study, coder, suggest=suggestions_in_study, learn=learn)
