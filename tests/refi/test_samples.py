"""REFI-QDA files made by other tools (../shared/refi-qda/samples): each imports with its codes and codings counted.

Each sample is imported once into a fresh study of its own; the NVivo sample (1.2 million
characters of text through the spaCy pipeline) takes most of this file's time.
"""

from __future__ import annotations

import pytest

from coder.refi import import_refi
from coder.study import connect_study, refresh_study
from tests.conftest import SHARED
from tests.export_study import EMPTY_CODEBOOK, quotes

SAMPLES = SHARED / "refi-qda" / "samples"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared (reference data) is not present")

# The samples ----------------------------------------------------------------------------------

EXPECTED = {  # REFI codes read, codes + groups made of non-codable top-level codes, codings, documents, coders, invalid
    "atlasti-23.2-win_blank-project.qdpx": (0, 0, 0, 0, 2, None),
    "atlasti-23.2-win_nested-codes.qdpx": (3, 3, 0, 0, 2, None),
    "atlasti-23.4-win_codebook-excerpt.qdc": (1, 1, 0, 0, 0, None),
    "atlasti-9.0-win_codebook-ns-0-4.qdc": (5, 5, 0, 0, 0, "the namespace is 'urn:QDA-XML:codebook:0:4'"),
    "nvivo-12.6-win_coded-text-hu.qdpx": (152, 152, 303, 2, 2, None),
    "nvivo-15.0-mac_codebook-only.qdpx": (262, 262, 0, 0, 2, None),
    "qc-1.7.8_coded-lines.qdpx": (6, 6, 9, 3, 2, None),
    "taguette-1.5.2_codebook.qdc": (4, 4, 0, 0, 0, "not valid against Codebook.xsd (line 2: Element '{urn:QDA-XML:codebook:1.0}Sets'"),
}


@needs_shared
def test_qdpx_samples_every_sample_is_listed():
    assert sorted(p.name for p in SAMPLES.iterdir()) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """Every sample imported once, each into a fresh study of its own: name → (study, report)."""
    from coder.study import init_study

    imported = {}
    for name in sorted(EXPECTED):
        study = init_study(tmp_path_factory.mktemp("sample"))
        (study.codebook_dir / "codebook.yaml").write_text(EMPTY_CODEBOOK, encoding="utf-8")
        db = connect_study(study)
        imported[name] = (study, import_refi(db, study, SAMPLES / name))
        db.close()
    return imported


@needs_shared
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_qdpx_samples_sample_imports_with_its_codes_and_codings(name, samples):
    codes, placed, coded_count, documents, coders, invalid = EXPECTED[name]
    study, report = samples[name]
    db = connect_study(study)
    groups = [g for g in report.groups_added if g != "imported"]
    assert (report.codes_read, len(report.codes_added) + len(groups), report.codings_added) == (codes, placed, coded_count)
    assert db.execute("SELECT count(*) FROM codes").fetchone()[0] == len(report.codes_added)
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == coded_count
    assert (db.execute("SELECT count(*) FROM documents").fetchone()[0],
            db.execute("SELECT count(*) FROM coders").fetchone()[0]) == (documents, coders)
    invalid_notes = [w for w in report.warnings if w.startswith("not valid")]
    assert (invalid in invalid_notes[0]) if invalid else invalid_notes == []
    refresh_study(study, db)  # a later open keeps every imported code
    assert db.execute("SELECT count(*) FROM codes WHERE active = 1").fetchone()[0] == len(report.codes_added)
    db.close()


@needs_shared
def test_qdpx_samples_nvivo_positions_in_utf16_units_are_converted(samples):
    study, report = samples["nvivo-12.6-win_coded-text-hu.qdpx"]
    db = connect_study(study)
    assert "source 'videos_10_selected': positions are counted in UTF-16 units (an emoji is 2) with CRLF as 2" in " ".join(report.warnings)
    assert any(q.startswith("Senkit nem lehet kötelezni oltásra") and q.endswith("nem élhet.") for q in quotes(db))
    assert report.groups_added == ["imported", "Attituderoots"]
    assert "\r" not in db.execute("SELECT text FROM documents LIMIT 1").fetchone()[0]
    db.close()


@needs_shared
def test_qdpx_samples_qc_sample_codes_lines_with_emoji_in_code_points(samples):
    study, _ = samples["qc-1.7.8_coded-lines.qdpx"]
    db = connect_study(study)
    rows = db.execute("SELECT d.name, k.name, r.name, c.quote FROM codings c JOIN documents d ON d.id = c.document_id"
                      " JOIN codes k ON k.id = c.code_id JOIN coders r ON r.id = c.coder_id WHERE d.name = 'interview-02'"
                      " ORDER BY c.start").fetchall()
    assert rows == [("interview-02", "associations", "alice", "Café owner: the association helped us — très utile.\n"),
                    ("interview-02", "cost", "alice", "Costs went down after joining 😀 (emoji + accents test).\n")]
    db.close()


@needs_shared
def test_qdpx_samples_nvivo_mac_sample_says_its_texts_are_empty_and_renames_duplicate_codes(samples):
    study, report = samples["nvivo-15.0-mac_codebook-only.qdpx"]
    db = connect_study(study)
    assert sum("has no text (its plain text is empty); skipped" in w for w in report.warnings) == 2
    assert "imported/programming → imported/programming (cs_as_programming) (the name was taken)" in report.renamed
    parent = db.execute("SELECT p.name FROM codes c JOIN codes p ON p.id = c.parent_id"
                        " WHERE c.name = 'programming (cs_as_programming)'").fetchone()
    assert parent == ("cs_as_programming",)
    db.close()
