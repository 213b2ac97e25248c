"""The bundled survey in a study, built once for the network tests, which only read it."""

from __future__ import annotations

import shutil

import pytest

from coder.study import connect_study, refresh_study
from tests.conftest import REPO
from tests.network.examples import BUNDLED_SURVEY


@pytest.fixture(scope="package")
def bundled(tmp_path_factory):
    """The repository's codebook and survey CSVs in a temporary study (no documents)."""
    from coder.study import init_study

    study = init_study(tmp_path_factory.mktemp("bundled") / "study")
    for name in ("codebook.yaml", "organisations.yaml"):
        shutil.copy(REPO / "codebook" / name, study.codebook_dir / name)
    shutil.copytree(BUNDLED_SURVEY, study.transcripts_dir / "survey")
    shutil.rmtree(study.transcripts_dir / "survey" / "published")
    db = connect_study(study)
    refresh_study(study, db)
    yield study, db
    db.close()
