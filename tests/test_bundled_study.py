"""The bundled Piura study: its documents, codebook and corpus carry what every feature needs."""

from __future__ import annotations

import re

import pytest

from coder.codebook import load_codebook
from coder.corpus import document_files, read_document
from coder.status import study_status
from coder.text import fold
from tests.conftest import REPO

DOCUMENTS = {path.name: read_document(path) for path in document_files(REPO / "transcripts")}
CODEBOOK = load_codebook(REPO / "codebook")
FOLDED = {name: fold(document.text) for name, document in DOCUMENTS.items()}


def test_bundled_study_has_22_documents_of_the_right_kinds_and_size():
    kinds = [d.attributes["kind"] for d in DOCUMENTS.values()]
    assert len(DOCUMENTS) == 22 and kinds.count("interview") == 20 and kinds.count("congress_notes") == 2
    assert sum(d.words for d in DOCUMENTS.values()) > 30_000
    interviews = [d.words for d in DOCUMENTS.values() if d.attributes["kind"] == "interview"]
    assert sum(interviews) / len(interviews) >= 3_500 and min(interviews) >= 3_000  # a 45-90-minute interview's length
    assert sum(d.language == "es" for d in DOCUMENTS.values()) >= 2


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_bundled_study_every_document_says_it_is_a_reconstruction(name):
    attributes = DOCUMENTS[name].attributes
    assert "reconstruction" in attributes["provenance"] and "not a real transcript" in attributes["provenance"].lower()
    for field in ("kind", "date", "interviewee_role", "interviewee_organisation", "association", "language"):
        assert attributes.get(field), f"{name} has no {field}"


def test_bundled_study_codebook_has_the_papers_groups():
    groups = {g.name: g for g in CODEBOOK.groups}
    assert list(groups) == ["function", "phase", "role", "skill", "trust", "inclusion", "governance", "embeddedness",
                            "knowledge", "actor"]
    assert {c.name for c in groups["function"].codes if c.parent is None} == {"Accessing", "Diffusing", "Coordinating", "Enabling"}
    assert {c.key for c in groups["function"].codes if c.parent is None} == {"1", "2", "3", "4"}
    assert groups["phase"].exclusive and groups["phase"].ordered and len(groups["phase"].codes) == 3  # periods: a scale
    assert {c.name for c in groups["knowledge"].codes} == {"Technological knowledge", "Commercial knowledge"}
    assert {c.name for c in groups["role"].codes} == {"change agent", "broker", "translator of external knowledge",
                                                      "boundary object", "community of practice"}
    assert groups["actor"].generate == "organisations" and len(groups["actor"].codes) == len(CODEBOOK.organisations) >= 24


def documents_with(words: list[str]) -> list[str]:
    """The documents where any of the words occurs as a whole word, ignoring case and accents."""
    patterns = [re.compile(rf"(?<!\w){re.escape(fold(w))}(?!\w)") for w in words]
    return sorted(name for name, text in FOLDED.items() if any(p.search(text) for p in patterns))


@pytest.mark.parametrize("code", list(CODEBOOK.codes()), ids=lambda c: c.path)
def test_bundled_study_every_code_has_passages_to_code(code):
    found = documents_with(code.keywords)
    print(f"{code.path}: {len(found)} documents ({', '.join(found[:6])}{'…' if len(found) > 6 else ''})")
    assert found, f"no document contains a keyword of {code.path}: {code.keywords}"


def test_bundled_study_status_shows_every_group_and_hundreds_of_mentions(imported_bundled):
    status = study_status(imported_bundled)
    assert status.documents == 22 and status.words > 30_000
    assert [name for name, count in status.groups if count] == [g.name for g in CODEBOOK.groups]
    assert status.mentions >= 300


@pytest.fixture(scope="module")
def imported_bundled(tmp_path_factory):
    import shutil

    from coder.study import Study, connect_study, refresh_study

    root = tmp_path_factory.mktemp("bundled")
    for folder in ("codebook", "transcripts"):
        shutil.copytree(REPO / folder, root / folder)
    study = Study(root)
    db = connect_study(study)
    refresh_study(study, db)
    yield db
    db.close()


def test_bundled_study_respondents_never_speak_the_role_codes():
    """Nobody interviewed names a role code ("boundary object", "change agent", "broker" …): coding a role is reading
    what a body does, not matching the word (issue 16; the commodity "broker" of int01 is now a trader)."""
    from coder.turns import header_interviewers, is_interviewer

    roles = [c.name for g in CODEBOOK.groups if g.name == "role" for c in g.codes]
    pattern = re.compile(r"\b(" + "|".join(re.escape(fold(r)) for r in roles) + r")s?\b")
    said = []
    for name, document in DOCUMENTS.items():
        named = header_interviewers(document.attributes)
        for passage in document.passages:
            if not is_interviewer(passage.speaker, named):
                said += [f"{name}: {found.group()}" for found in pattern.finditer(fold(document.text[passage.start:passage.end]))]
    assert roles and said == []


def test_bundled_study_functions_are_table_1s_roles():
    """The function group's top-level codes are the paper's Table 1 (transcribed in transcripts/survey/published)."""
    import csv

    with open(REPO / "transcripts" / "survey" / "published" / "table1_taxonomy.csv", encoding="utf-8", newline="") as handle:
        roles = [row["role"] for row in csv.DictReader(handle)]
    functions = [c.name for g in CODEBOOK.groups if g.name == "function" for c in g.codes if c.parent is None]
    assert roles == functions == ["Accessing", "Diffusing", "Coordinating", "Enabling"]


def test_bundled_study_phases_are_periods_of_time_not_functions():
    """Phase is defined by the dated events of the cluster's development (issue 16), so function × phase can show
    something: no phase is named after a function, and each gives the years it covers."""
    phases = next(g for g in CODEBOOK.groups if g.name == "phase").codes
    functions = {c.name.lower() for g in CODEBOOK.groups if g.name == "function" for c in g.codes}
    assert not any(word in functions for phase in phases for word in phase.name.lower().split())
    for phase, years in zip(phases, (["1998", "2002", "2003"], ["2004", "2006"], ["2007", "2008"])):
        assert all(year in phase.description for year in years), phase.name


def test_bundled_study_sub_functions_are_table_1s_and_every_code_has_its_notes_and_a_borderline_case():
    """Each function's sub-codes are the two parts of its Table 1 description, in order (a word of the sub-code's name
    is in the part); every code a coder chooses has include and exclude notes and a worked borderline example."""
    import csv

    with open(REPO / "transcripts" / "survey" / "published" / "table1_taxonomy.csv", encoding="utf-8", newline="") as handle:
        table = {row["role"]: [part.strip().lower() for part in row["description"].split(";")] for row in csv.DictReader(handle)}
    codes = [c for g in CODEBOOK.groups if g.name == "function" for c in g.codes]
    for role, parts in table.items():
        subs = [c.name for c in codes if c.parent == role]
        assert len(subs) == len(parts) == 2, role
        for sub, part in zip(subs, parts):
            assert any(word[:5] in part for word in sub.lower().split() if len(word) > 3), (sub, part)
    for code in CODEBOOK.codes():
        if code.group != "actor":
            assert code.include and code.exclude, code.path
            assert sum(example.startswith("Borderline: ") for example in code.examples) == 1, code.path


def test_bundled_study_is_coded_whole_by_both_demonstration_coders_and_their_consensus(imported_bundled):
    """Issue 16's done-when: every document coded by ana and ben, independently, and a consensus reconciled from them
    with a rationale memo on many of the settled disagreements."""
    status = study_status(imported_bundled)
    assert {c.name: c.documents_coded for c in status.coders} == {"ana": 22, "ben": 22, "consensus": 22}
    assert all(c.passages_coded > 400 for c in status.coders)
    rationales = imported_bundled.execute("SELECT count(*) FROM memos m JOIN coders r ON r.id = m.coder_id"
                                          " WHERE r.name = 'consensus' AND m.code_id IS NULL AND m.start IS NOT NULL").fetchone()[0]
    assert rationales >= 20
