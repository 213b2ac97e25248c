"""Text as coder reads and compares it: one decoder for every file from outside, one normal form
for every stored text, one way of folding names and one of making slugs.

Every offset in a study points into normalised text (NFC, `\\n` line ends), and every name an
organisation or code may be written with is compared folded (lower case, no accents), so these
few rules live here and nowhere else.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from coder.errors import CoderError

SAMPLE = 8192  # bytes looked at to tell text from binary


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-16", "cp1252" or "latin-1"


def decode(raw: bytes, where: str, *, fix: str = "save it again as plain text (UTF-8)", refuse_binary: bool = True) -> Decoded:
    """Bytes from a file to text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252, else Latin-1.

    Args:
        where: the file (and entry) named in an error.
        fix: what to do with a binary file.
        refuse_binary: refuse NUL bytes, control characters and UTF-16 without a BOM (off for text
            another program has already declared to be text, as in a REFI-QDA project).
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(raw.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as error:
            raise CoderError(f"starts as UTF-16 text but byte {error.start} is not UTF-16 (a truncated or damaged file?)",
                             where=where, fix="save it again as UTF-8") from error
    if refuse_binary:
        sample = raw[:SAMPLE]
        if _looks_utf16(sample):
            raise CoderError("is UTF-16 text without a byte-order mark", where=where, fix="save it again as UTF-8")
        if b"\x00" in sample or _looks_binary(sample):
            raise CoderError("is a binary file, not text", where=where, fix=fix)
    try:
        return Decoded(raw.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:  # Spanish files saved on Windows are commonly cp1252 (a superset of Latin-1 but for five bytes)
        return Decoded(raw.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return Decoded(raw.decode("latin-1"), "latin-1")


def _looks_utf16(sample: bytes) -> bool:
    """Text saved as UTF-16 without a BOM: every other byte of it is NUL (ASCII letters in the rest)."""
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return any(zeros.count(0) > 0.9 * len(zeros) and letters.count(0) < 0.1 * len(letters)
               for zeros, letters in ((odd, even), (even, odd)))


def _looks_binary(sample: bytes) -> bool:
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(sample) * 0.05


def normalise(text: str) -> str:
    """NFC and `\\n` line ends: the form every offset in the study refers to."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def fold(text: str) -> str:
    """Lower case without accents: how names and aliases are compared ("Promperú" = "PROMPERU")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def slug(text: str, *, lower: bool = False) -> str:
    """A file-name-safe form of a name: accents dropped, other characters become dashes (case kept unless `lower`)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", plain.lower() if lower else plain).strip("-")
