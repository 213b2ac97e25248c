"""The hand-made study, built once for the cross-tab tests, which only read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.study import connect_study
from tests.crosstab.handmade import build


@pytest.fixture(scope="package")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made study, built once for the package; tests only read it."""
    return build(tmp_path_factory.mktemp("xtab") / "study")


@pytest.fixture
def db(coded: Path):
    from coder.study import Study

    database = connect_study(Study(coded))
    yield database
    database.close()
