"""docs/study.md cites passages of the bundled study: every citation must exist and say what the memo quotes."""

from __future__ import annotations

import re

import pytest

from coder.corpus import document_files, read_document
from tests.conftest import REPO

PAGE = (REPO / "docs" / "study.md").read_text(encoding="utf-8")
DOCUMENTS = {document.name: document for document in map(read_document, document_files(REPO / "transcripts"))}
CITATION = re.compile(r"\b((?:int|cong)\d\d) ¶(\d+)(?:: \"([^\"]+)\")?")
MEMO = PAGE.split("## 3. Reconstruction memo", 1)[1].split("## 4.", 1)[0]
ROWS = [line for line in MEMO.splitlines() if re.match(r"\| \d+ \|", line)]


def passage_text(document: str, number: int) -> str:
    """The passage as coder numbers it (1, 2, 3… in order), with white space made single."""
    parsed = DOCUMENTS[document]
    passage = parsed.passages[number - 1]
    return " ".join(parsed.text[passage.start:passage.end].split())


def test_study_doc_has_its_four_sections_and_a_long_memo():
    for heading in ("## 1. Interview guide", "## 2. Methods note", "## 3. Reconstruction memo", "## 4. Coder's guide"):
        assert heading in PAGE
    assert len(ROWS) >= 30
    assert all(CITATION.search(row) and '"' in row.split("|")[3] for row in ROWS), "every memo row cites a passage with words"
    for invented in ("Kent", "Korea", "Paita", "Consultant 2"):
        assert invented in MEMO.split("### What the reconstruction invented", 1)[1]


def test_study_doc_methods_note_names_every_document():
    assert {f"| {name} |" in PAGE for name in DOCUMENTS} == {True}


@pytest.mark.parametrize("document, number, words", sorted({m.groups() for m in CITATION.finditer(PAGE)}, key=str))
def test_study_doc_every_citation_exists_and_carries_its_words(document, number, words):
    assert document in DOCUMENTS, f"{document} is not a document of the bundled study"
    count = len(DOCUMENTS[document].passages)
    assert 1 <= int(number) <= count, f"{document} has passages 1–{count}, not ¶{number}"
    if words:
        assert " ".join(words.split()) in passage_text(document, int(number)), f"{document} ¶{number} lacks {words!r}"
