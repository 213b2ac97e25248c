"""Reading transcripts (.md, .txt, .docx): decoding, front matter, passages, one-line errors; finding them in a folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coder.corpus import cut_passages, decode, document_files, read_document
from coder.errors import CoderError
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


def test_corpus_document_files_skip_survey_codings_and_hidden(tmp_path):
    for name in ["a.md", "sub/b.txt", "survey/README.md", "codings/demo.csv", ".hidden.md", "_draft.md", "c.pdf", "d.vtt"]:
        write(tmp_path / name, "x")
    assert [p.relative_to(tmp_path).as_posix() for p in document_files(tmp_path)] == ["a.md", "d.vtt", "sub/b.txt"]


def test_corpus_cut_passages_offsets_point_into_the_text():
    body = "INTERVIEWER:\nQuestion on the next line?\n\nRESPONDENT:   Answer.  \n"
    passages = cut_passages(body)
    assert [body[p.start : p.end] for p in passages] == ["Question on the next line?", "Answer."]


def paragraphs_by_regex(body: str) -> list[tuple[int, int]]:
    """The paragraph rule as one regular expression (what coder used before: ≈60 bytes of memory per character)."""
    spans = []
    for match in re.finditer(r"(?:(?!\n[ \t]*\n)[\s\S])+", body):
        chunk = match.group()
        if chunk.strip():
            left = len(chunk) - len(chunk.lstrip())
            spans.append((match.start() + left, match.start() + len(chunk.rstrip())))
    return spans


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \t\n\r", max_size=60))
def test_corpus_paragraphs_are_found_by_their_gaps_as_the_rule_says(body):
    assert [(p.start, p.end) for p in cut_passages(body)] == paragraphs_by_regex(body)
