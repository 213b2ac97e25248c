"""Reading transcripts in every format, cutting passages, and importing them (all or nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coder import coding
from coder.corpus import cut_passages, decode, document_files, import_documents, read_document
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW, write


def passages_of(path: Path) -> list[tuple[str | None, str]]:
    document = read_document(path)
    return [(p.speaker, document.text[p.start : p.end]) for p in document.passages]


def test_corpus_markdown_turns_front_matter_and_attributes(tmp_path):
    document = read_document(write(tmp_path / "int01.md", INTERVIEW))
    assert document.name == "int01" and document.language == "en"
    assert document.attributes["interviewee_role"] == "Owner"
    assert document.attributes["date"] == "2008-07-15"  # dates become text, not objects
    assert "id" not in document.attributes
    assert document.body_line == 12
    assert [(p.speaker, document.text[p.start : p.start + 12]) for p in document.passages] == [
        ("INTERVIEWER", "How did you "), ("RESPONDENT", "Through APEM"),
        ("INTERVIEWER", "And the trai"), ("RESPONDENT", "The training"),
    ]
    second = document.passages[1]
    assert document.text[second.start : second.end].endswith("the hot water plant.")  # continuation paragraph kept


def test_corpus_text_without_speakers_is_cut_into_paragraphs(tmp_path):
    path = write(tmp_path / "notes.txt", "First paragraph\nstill first.\n\n\nSecond: not a speaker label.\n\n  Third.  \n")
    assert passages_of(path) == [(None, "First paragraph\nstill first."), (None, "Second: not a speaker label."), (None, "Third.")]


def test_corpus_labels_in_capitals_or_listed_in_the_header(tmp_path):
    text = "---\nspeakers: [Ana, Luis]\n---\nIntro line.\n\nAna: hola.\n\nLuis: buenas.\nRESPONDENT (PRESIDENT): yes.\n10:30: not a label\n"
    path = write(tmp_path / "x.md", text)
    assert passages_of(path) == [(None, "Intro line."), ("Ana", "hola."), ("Luis", "buenas."),
                                 ("RESPONDENT (PRESIDENT)", "yes.\n10:30: not a label")]


def test_corpus_cp1252_spanish_file(tmp_path):
    text = "ENTREVISTADOR: ¿Qué opina de “Senasa”?\n\nENTREVISTADO: Señor, el año pasado costó 5 €.\n"
    path = tmp_path / "es.txt"
    path.write_bytes(text.encode("cp1252"))
    assert passages_of(path) == [("ENTREVISTADOR", "¿Qué opina de “Senasa”?"), ("ENTREVISTADO", "Señor, el año pasado costó 5 €.")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_corpus_files_with_a_byte_order_mark(tmp_path, encoding):
    path = tmp_path / "bom.txt"
    path.write_bytes("RESPONDENT: Piura, año 2008.\r\nSecond line.\r\n".encode(encoding))
    document = read_document(path)
    assert document.text == "RESPONDENT: Piura, año 2008.\nSecond line.\n"  # no BOM, no CR
    assert passages_of(path) == [("RESPONDENT", "Piura, año 2008.\nSecond line.")]


def test_corpus_text_is_nfc_normalised():
    assert decode("Pe\u0301rez".encode(), "x.txt") == "Pérez"


@pytest.mark.parametrize("content, message", [
    (b"", "x.txt: the file is empty"),
    (b"  \n\n ", "x.txt: the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "x.txt: is a binary file"),
    (b"---\ntitle: a\n\nno end\n", "x.txt:1: front matter starts with --- but never ends"),
    (b"---\ntitle: [unclosed\n---\nA: b\n", "x.txt:3: front matter is not valid YAML"),
    (b"---\ntitle: only a header\n---\n\n", "x.txt: has no text after its header"),
])
def test_corpus_bad_files_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    with pytest.raises(CoderError) as caught:
        read_document(path, where="x.txt")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value) and "fix:" in str(caught.value)


def test_corpus_docx_with_front_matter_and_turns(tmp_path):
    import docx

    document = docx.Document()
    for line in ["---", "id: int09", "language: es", "interviewee_role: Grower", "---",
                 "ENTREVISTADOR: ¿Cómo empezó?", "ENTREVISTADO: Con PROMANGO, en 2002.", "Y luego con Senasa."]:
        document.add_paragraph(line)
    path = tmp_path / "interview.docx"
    document.save(path)
    parsed = read_document(path)
    assert parsed.name == "int09" and parsed.language == "es" and parsed.attributes["interviewee_role"] == "Grower"
    assert passages_of(path) == [("ENTREVISTADOR", "¿Cómo empezó?"), ("ENTREVISTADO", "Con PROMANGO, en 2002.\n\nY luego con Senasa.")]


def test_corpus_broken_docx_is_refused(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CoderError, match="not a valid Word .docx file"):
        read_document(path)


def test_corpus_webvtt_speakers_and_timestamps(tmp_path):
    vtt = """WEBVTT

NOTE recorded in Piura

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>How did it start?</v>

00:00:04.500 --> 00:00:07.000
<v Grower>With the association.

00:00:07.000 --> 00:00:09.250
<v Grower>And then SENASA came.

00:00:10.000 --> 00:00:12.000
<v Interviewer>Thanks.
"""
    document = read_document(write(tmp_path / "talk.vtt", vtt))
    assert [(p.speaker, document.text[p.start : p.end], p.attributes) for p in document.passages] == [
        ("Interviewer", "How did it start?", {"begin": "00:00:01.000", "end": "00:00:04.000"}),
        ("Grower", "With the association. And then SENASA came.", {"begin": "00:00:04.500", "end": "00:00:09.250"}),
        ("Interviewer", "Thanks.", {"begin": "00:00:10.000", "end": "00:00:12.000"}),
    ]


def test_corpus_subrip_with_named_speakers_and_bad_timing(tmp_path):
    srt = "1\n00:00:01,000 --> 00:00:02,500\nINTERVIEWER: Hello.\n\n2\n00:00:03,000 --> 00:00:05,000\n[Grower] Good day.\n"
    document = read_document(write(tmp_path / "talk.srt", srt))
    assert [(p.speaker, document.text[p.start : p.end], p.attributes["begin"]) for p in document.passages] == [
        ("INTERVIEWER", "Hello.", "00:00:01.000"), ("Grower", "Good day.", "00:00:03.000"),
    ]
    with pytest.raises(CoderError, match=r"bad.srt:2: bad cue timing"):
        read_document(write(tmp_path / "bad.srt", "1\n00:00:01 --> 00:00:02\nHello\n"), where="bad.srt")


def test_corpus_document_files_skip_survey_codings_and_hidden(tmp_path):
    for name in ["a.md", "sub/b.txt", "survey/README.md", "codings/demo.csv", ".hidden.md", "_draft.md", "c.pdf", "d.vtt"]:
        write(tmp_path / name, "x")
    assert [p.relative_to(tmp_path).as_posix() for p in document_files(tmp_path)] == ["a.md", "d.vtt", "sub/b.txt"]


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
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.coder_id(db, "ana"), 0, 10)
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


def test_corpus_cut_passages_offsets_point_into_the_text():
    body = "INTERVIEWER:\nQuestion on the next line?\n\nRESPONDENT:   Answer.  \n"
    passages = cut_passages(body)
    assert [body[p.start : p.end] for p in passages] == ["Question on the next line?", "Answer."]
