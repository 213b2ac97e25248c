"""Shared fixtures: real study folders with real study.db files, built from small hand-made texts."""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from coder.db import Database
from coder.study import Study, connect_study, init_study, refresh_study

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

SMALL_CODEBOOK = """\
title: A small study
region: Piura
organisations: organisations.yaml
groups:
  - name: function
    description: What the intermediary does.
    codes:
      - name: Accessing
        key: "1"
        colour: "#2a9d8f"
        keywords: [buyers, trade fair]
      - name: Diffusing
        key: "2"
        colour: "#e9c46a"
        keywords: [training, newsletter]
      - name: Coordinating
        key: "3"
        colour: "#f4a261"
        keywords: [committee, joint project]
      - name: Enabling
        key: "4"
        colour: "#e76f51"
        keywords: [pilot plant, hot water]
      - name: Scanning sources
        parent: Accessing
  - name: phase
    exclusive: true
    codes:
      - name: Phase 1
      - name: Phase 2
      - name: Phase 3
  - name: role
    codes:
      - name: broker
        key: b
      - name: community of practice
  - name: actor
    generate: organisations
"""

SMALL_ORGANISATIONS = """\
organisations:
  - name: SENASA
    full_name: Servicio Nacional de Sanidad Agraria
    aliases: [Senasa, SENANSA]
    type: government service
    based_in: Piura
  - name: PROMPERU
    aliases: [PromPerú, Comisión de Promoción del Perú]
    type: government service
    based_in: Lima
  - name: APEM
    type: local industry association
    based_in: Piura
  - name: Sunshine
    type: producer firm
    member_of: [APEM]
    based_in: Piura
    match_case: true
"""

INTERVIEW = """\
---
id: int01
title: Interview with a grower
kind: interview
date: 2008-07-15
interviewee_role: Owner
interviewee_organisation: Small farm
association: PROMANGO
language: en
---

INTERVIEWER: How did you first hear about the buyers in the United States?

RESPONDENT: Through APEM, really. They circulated a newsletter with prices. Later we went to a trade fair with PromPerú.

A second paragraph of the same answer mentions Senasa and the hot water plant.

INTERVIEWER: And the training?

RESPONDENT: The training days were organised by SENASA. The sunshine in Piura helps the fruit, and Sunshine buys it.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
    return path


def opened(root: Path) -> Path:
    """Open a study folder once (codebook synced, transcripts and coding files imported), then close it."""
    study = Study(root)
    db = connect_study(study)
    refresh_study(study, db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return root


def study_builder(root: Path) -> Callable[..., Study]:
    """A function that builds study folders under `root`: `build(documents={"int01.md": text}, codebook=..., ...)`."""

    def build(
        documents: dict[str, str] | None = None,
        codebook: str = SMALL_CODEBOOK,
        organisations: str | None = SMALL_ORGANISATIONS,
        name: str = "study",
    ) -> Study:
        study = init_study(root / name)
        write(study.codebook_dir / "codebook.yaml", codebook)
        if organisations is not None:
            write(study.codebook_dir / "organisations.yaml", organisations)
        for filename, text in (documents if documents is not None else {"int01.md": INTERVIEW}).items():
            write(study.transcripts_dir / filename, text)
        return study

    return build


def small_coded_study(root: Path) -> Path:
    """An imported study with one coding, and a REFI-QDA export of it (good.qdpx, beside it) to spoil."""
    from click.testing import CliRunner

    from coder import coding
    from coder.cli import main

    study = init_study(root)
    (study.codebook_dir / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    (study.codebook_dir / "organisations.yaml").write_text(SMALL_ORGANISATIONS, encoding="utf-8")
    (study.transcripts_dir / "int01.md").write_text(INTERVIEW, encoding="utf-8")
    an_hour_ago = time.time() - 3600  # so the export below finds it unchanged and remembers it: opening a copy writes nothing
    os.utime(study.transcripts_dir / "int01.md", (an_hour_ago, an_hour_ago))
    db = connect_study(study)
    refresh_study(study, db)
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), 0, 20)
    db.close()
    result = CliRunner().invoke(main, ["--study", str(root), "export", "qdpx", str(root.parent / "good.qdpx")])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def make_study(tmp_path: Path) -> Callable[..., Study]:
    """Build a study folder: `make_study(documents={"int01.md": text}, codebook=..., organisations=...)`."""
    return study_builder(tmp_path)


@pytest.fixture
def study(make_study: Callable[..., Study]) -> Study:
    """A small study with one interview, imported."""
    built = make_study()
    db = connect_study(built)
    refresh_study(built, db)
    db.close()
    return built


@pytest.fixture
def db(study: Study) -> Database:
    database = connect_study(study)
    yield database
    database.close()


@pytest.fixture(scope="session")
def bundled_coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled study with its demonstration codings (coders ana and ben, and their consensus), imported once;
    copy it to change it."""
    import shutil

    root = tmp_path_factory.mktemp("bundled-coded") / "piura"
    for folder in ("codebook", "transcripts"):
        shutil.copytree(REPO / folder, root / folder)
    return opened(root)


@pytest.fixture(scope="session")
def bundled_two_coders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled study as it was before reconciling: ana's and ben's demonstration codings, no consensus yet;
    imported once, copy it to change it."""
    import shutil

    root = tmp_path_factory.mktemp("bundled-two-coders") / "piura"
    shutil.copytree(REPO / "codebook", root / "codebook")
    shutil.copytree(REPO / "transcripts", root / "transcripts", ignore=shutil.ignore_patterns("demo-consensus.csv"))
    return opened(root)


def demonstration_codes(coders: tuple[str, ...] = ("ana", "ben"), group: str | None = None) -> dict[tuple[str, int], dict[str, set[str]]]:
    """The demonstration coding files read as plain CSV, apart from coder: (document, passage) → coder → code paths.

    Every row of those files codes whole passages, so what the study makes of them can be checked against this."""
    import csv

    found: dict[tuple[str, int], dict[str, set[str]]] = {}
    for coder in coders:
        text = (REPO / "transcripts" / "codings" / f"demo-{coder}.csv").read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        for row in csv.DictReader(lines):
            if row["code"] and (group is None or row["code"].startswith(group + "/")):
                first, _, last = row["passage"].partition("-")
                for passage in range(int(first), int(last or first) + 1):
                    found.setdefault((row["document"], passage), {c: set() for c in coders})[coder].add(row["code"])
    return found
