"""The one decoder of files from outside, the normal form of stored text, folding and slugs."""

from __future__ import annotations

import codecs

import pytest

from coder.errors import CoderError
from coder.text import decode, fold, normalise, slug

SPANISH = "Capacitación en Piura: ¿qué hizo PromPerú?\n"


@pytest.mark.parametrize("raw, encoding", [
    (SPANISH.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + SPANISH.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF16_LE + SPANISH.encode("utf-16-le"), "utf-16"),
    (codecs.BOM_UTF16_BE + SPANISH.encode("utf-16-be"), "utf-16"),
    (SPANISH.encode("cp1252"), "cp1252"),
])
def test_text_decode_reads_the_encodings_researchers_save(raw, encoding):
    decoded = decode(raw, "int01.md")
    assert (decoded.text, decoded.encoding) == (SPANISH, encoding)


def test_text_decode_falls_back_to_latin1_for_bytes_windows_1252_leaves_undefined():
    decoded = decode("año ".encode("cp1252") + b"\x81", "int01.md")  # 0x81 has no Windows-1252 character
    assert (decoded.text, decoded.encoding) == ("año \x81", "latin-1")


@pytest.mark.parametrize("raw, problem", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(40)), "is a binary file, not text"),
    ("INTERVIEWER: hola\n".encode("utf-16-le"), "is UTF-16 text without a byte-order mark"),
    (codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", "starts as UTF-16 text but byte"),
])
def test_text_decode_refuses_what_is_not_text_in_one_line(raw, problem):
    with pytest.raises(CoderError) as caught:
        decode(raw, "transcripts/int01.md", fix="export it as .txt")
    line = str(caught.value)
    assert "transcripts/int01.md" in line and problem in line and "\n" not in line


def test_text_decode_reads_binary_looking_text_a_tool_declared_as_text():
    assert decode(b"a\x00b", "project.qdpx: source 'x'", refuse_binary=False).text == "a\x00b"


def test_text_normalise_gives_nfc_and_newlines():
    assert normalise("Perúe\u0301\r\nline\rend") == "Perúé\nline\nend"


def test_text_fold_and_slug():
    assert fold("Promperú") == fold("PROMPERU") == "promperu"
    assert slug("Función / Fase 2: ¿qué?") == "Funcion-Fase-2-que"
    assert slug("group:Función", lower=True) == "group-funcion"
