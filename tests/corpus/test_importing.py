"""Importing transcripts into the study: what is stored, re-imports, re-anchoring, all or nothing."""

from __future__ import annotations

import json

import pytest

from coder import coding
from coder.corpus import import_documents, importing, preparing
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW, REPO, write


def test_corpus_import_stores_text_passages_sentences_and_attributes(study, db):
    row = db.execute("SELECT name, kind, path, language, words, attributes, version FROM documents").fetchone()
    assert row[:5] == ("int01", "interview", "transcripts/int01.md", "en", len(INTERVIEW.split("---\n", 2)[2].split()))
    assert json.loads(row[5])["association"] == "PROMANGO"
    assert db.execute("SELECT json_extract(attributes, '$.interviewee_role') FROM documents").fetchone()[0] == "Owner"
    assert db.execute("SELECT count(*) FROM segments").fetchone()[0] == 4
    sentences = db.execute("SELECT substr(d.text, s.start + 1, s.end - s.start) FROM sentences s"
                           " JOIN documents d ON d.id = s.document_id WHERE s.segment_id = 2 ORDER BY s.ordinal").fetchall()
    assert [s[0] for s in sentences] == ["Through APEM, really.", "They circulated a newsletter with prices.",
                                          "Later we went to a trade fair with PromPerú.",
                                          "A second paragraph of the same answer mentions Senasa and the hot water plant."]
    assert db.execute("SELECT action FROM events WHERE action = 'import'").fetchone()


def test_corpus_reimport_is_idempotent_and_changes_need_update(study, db):
    path = study.transcripts_dir / "int01.md"
    report = import_documents(db, [path], study.load_codebook(), root=study.root)
    assert report.unchanged == ["int01"] and not report.added
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    write(path, INTERVIEW.replace("really", "truly"))
    report = import_documents(db, [path], study.load_codebook(), root=study.root)
    assert report.changed == ["int01"]
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events  # nothing written
    report = import_documents(db, [path], study.load_codebook(), root=study.root, update=True)
    assert report.updated == ["int01"]
    assert db.execute("SELECT version, instr(text, 'truly') > 0 FROM documents").fetchone() == (2, 1)
    assert db.execute("SELECT count(*) FROM segments").fetchone()[0] == 4


def test_corpus_changed_file_with_codings_is_reanchored(study, db):
    """Issue 8 replaced the refusal: the codings follow the new text (tests/test_reanchor.py has the rules)."""
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), 0, 10)
    path = write(study.transcripts_dir / "int01.md", INTERVIEW.replace("really", "truly"))
    report = import_documents(db, [path], study.load_codebook(), root=study.root, update=True)
    assert report.updated == ["int01"] and [p.outcome for p in report.placements] == ["unchanged"]
    assert db.execute("SELECT version FROM documents").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM document_versions").fetchone()[0] == 1


def test_corpus_import_is_all_or_nothing(make_study):
    study = make_study(documents={})
    db = connect_study(study)
    refresh_study(study, db)
    db.close()
    before = study.db_path.read_bytes()
    for name, text in {"a.md": INTERVIEW, "b.md": INTERVIEW, "c.txt": "", "d.md": "RESPONDENT: fine.\n"}.items():
        write(study.transcripts_dir / name, text)
    db = connect_study(study)
    with pytest.raises(CoderError) as caught:
        refresh_study(study, db)
    assert str(caught.value).splitlines() == [
        "transcripts/b.md: document id 'int01' is already used by transcripts/a.md — fix: give each document its own id: in its header",
        "transcripts/c.txt: the file is empty — fix: add the transcript's text, or remove the file",
    ]
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    db.close()
    assert study.db_path.read_bytes() == before


BUNDLED = {path.name: path.read_text(encoding="utf-8") for path in sorted((REPO / "transcripts").glob("*.md"))}
TABLES = {
    "documents": "SELECT id, name, title, kind, path, sha256, text, language, attributes, words, body_line, version FROM documents",
    "segments": "SELECT * FROM segments", "sentences": "SELECT * FROM sentences", "mentions": "SELECT * FROM mentions",
    "search": "SELECT rowid, text, document_id FROM passages_fts", "organisations": "SELECT id, name FROM organisations",
}


def bundled_study(make_study, name: str, documents: dict[str, str] = BUNDLED):
    """A study with the bundled codebook, organisations and the given transcripts."""
    return make_study(documents=documents, name=name, codebook=(REPO / "codebook" / "codebook.yaml").read_text(encoding="utf-8"),
                      organisations=(REPO / "codebook" / "organisations.yaml").read_text(encoding="utf-8"))


def imported(study, monkeypatch, parallel: bool) -> tuple[dict[str, list], list[bool]]:
    """Open a study with the import prepared in worker processes or in-process; every row it stored, and how it prepared."""
    used: list[bool] = []
    original = preparing.prepared

    def spy(items, plan, *, parallel):
        used.append(parallel)
        return original(items, plan, parallel=parallel)

    monkeypatch.setattr(importing, "prepared", spy)
    monkeypatch.setattr(preparing, "PARALLEL_BYTES", 0 if parallel else 10**12)
    monkeypatch.setattr(preparing, "cores", lambda: 2)
    db = connect_study(study)
    try:
        refresh_study(study, db)
        return {table: db.execute(f"{sql} ORDER BY 1").fetchall() for table, sql in TABLES.items()}, used
    finally:
        db.close()


def test_corpus_import_in_workers_stores_the_same_rows_as_in_process(make_study, monkeypatch):
    """A large import prepares its files in worker processes: documents, passages, sentences, mentions and search rows as in-process."""
    serial, used_serial = imported(bundled_study(make_study, "serial"), monkeypatch, parallel=False)
    parallel, used_parallel = imported(bundled_study(make_study, "parallel"), monkeypatch, parallel=True)
    assert (used_serial, used_parallel) == ([False], [True])
    assert len(serial["documents"]) == len(BUNDLED) and serial["sentences"] and serial["mentions"]
    for table in TABLES:
        assert parallel[table] == serial[table], table


def test_corpus_import_in_workers_is_all_or_nothing(make_study, monkeypatch):
    """Problems found by the workers are the same one-line errors, every file's, and nothing is written."""
    documents = {**BUNDLED, "b.md": BUNDLED["int01-apem-general-manager.md"], "c.txt": "", "d.md": "RESPONDENT: fine.\n"}
    study = bundled_study(make_study, "bad", documents)
    with pytest.raises(CoderError) as caught:
        imported(study, monkeypatch, parallel=True)
    assert str(caught.value).splitlines() == [
        "transcripts/c.txt: the file is empty — fix: add the transcript's text, or remove the file",
        "transcripts/int01-apem-general-manager.md: document id 'int01' is already used by transcripts/b.md"
        " — fix: give each document its own id: in its header",
    ]
    db = connect_study(study)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    db.close()
