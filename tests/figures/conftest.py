"""The bundled study, opened once for the figure tests (read only: figures are written to the test's own folders)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coder.db import Database
from coder.study import Study, connect_study


@pytest.fixture(scope="module")
def bundled_db(bundled_coded: Path) -> Iterator[Database]:
    db = connect_study(Study(bundled_coded))
    yield db
    db.close()
