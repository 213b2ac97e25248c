"""The coded study the REFI-QDA tests export and import, built once per test session."""

from __future__ import annotations

import pytest

from coder.refi import export_qdpx
from coder.study import connect_study
from tests import export_study


@pytest.fixture(scope="session")
def coded(tmp_path_factory):
    """The shared coded study and its REFI-QDA export, built once."""
    from tests.conftest import study_builder

    make_study = study_builder(tmp_path_factory.mktemp("qdpx"))

    study = export_study.build(make_study)
    db = connect_study(study)
    path = export_qdpx(db, study.exports_dir, "A small study")
    db.close()
    return study, path
