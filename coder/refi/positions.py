"""Where a selection starts and ends, whatever a tool counted: position units and their conversion.

The standard counts code points of the plain text, but tools differ: NVivo counts UTF-16 units
(an emoji is 2), some count CRLF as one character. coder keeps texts normalised (NFC, `\\n`),
so each source's positions are converted to code points of that text, under the unit that fits
its selections best: inside the text, matching their quoted names, not cutting words.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

from coder.refi.model import RefiSelection
from coder.text import normalise

ASTRAL = re.compile("[\U00010000-\U0010ffff]")
CRLF = re.compile("\r\n")
STANDARD = "code points"
UNITS = {  # unit → (count CRLF as one character?, count in UTF-16 units?)
    STANDARD: (False, False),
    "code points with CRLF as one": (True, False),
    "UTF-16 units (an emoji is 2) with CRLF as 2": (False, True),
    "UTF-16 units with CRLF as one": (True, True),
}


class _Base:
    """One way of reading the raw text, and the map from its positions to the normalised text."""

    def __init__(self, raw: str, utf16: bool) -> None:
        self.raw = raw
        self.astral = [m.start() + n for n, m in enumerate(ASTRAL.finditer(raw))] if utf16 else []
        self.length = len(raw) + len(self.astral)
        self.changes: list[tuple[int, int, int]] = []  # (raw start, raw end, normalised length) where lengths differ
        if unicodedata.is_normalized("NFC", raw):  # the usual case: only CRLF shortens the text
            self.changes = [(m.start(), m.end(), 1) for m in CRLF.finditer(raw)]
            self.text = raw.replace("\r\n", "\n").replace("\r", "\n")
        else:
            self.text = self._normalise_runs(raw)
        self.starts = [c[0] for c in self.changes]
        shift, self.shifts = 0, []
        for start, end, size in self.changes:
            self.shifts.append(shift)
            shift += size - (end - start)

    def _normalise_runs(self, raw: str) -> str:
        pieces, last = [], 0
        for match in re.finditer(r"\r\n?|[^\x00-\x7f]+", raw):
            start, end = match.start(), match.end()
            if match.group()[0] != "\r" and start > last and raw[start - 1] not in "\r\n":
                start -= 1  # a combining mark may compose with the character before it
            chunk = raw[start:end]
            normal = normalise(chunk)
            pieces += [raw[last:start], normal]
            if len(normal) != len(chunk):
                self.changes.append((start, end, len(normal)))
            last = end
        pieces.append(raw[last:])
        return "".join(pieces)

    def convert(self, position: int) -> int | None:
        """A raw position as a code point of the normalised text; None when it lies outside the text."""
        if position < 0 or position > self.length:
            return None
        if self.astral:
            position -= bisect.bisect_left(self.astral, position)
        index = bisect.bisect_right(self.starts, position) - 1
        if index < 0:
            return position
        start, end, size = self.changes[index]
        shift = self.shifts[index]
        if position >= end:
            return position + shift + size - (end - start)
        return start + shift + len(normalise(self.raw[start:position]))


class Positions:
    """Converts a tool's selection positions on the raw plain text to code points of the normalised text."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.text = normalise(raw)
        self.bases: dict[str, _Base] = {}
        crlf, astral = "\r\n" in raw, ASTRAL.search(raw) is not None
        for unit, (lf, utf16) in UNITS.items():
            if (lf and not crlf) or (utf16 and not astral):
                continue
            base = _Base(raw.replace("\r\n", "\n") if lf else raw, utf16)
            if base.text == self.text:
                self.bases[unit] = base
        if not self.bases:  # cannot happen for valid Unicode; positions are then taken as they are
            self.bases[STANDARD] = _Base(self.text, False)

    def convert(self, unit: str, position: int) -> int | None:
        """A position counted in `unit` as a code point of the normalised text; None when it lies outside."""
        return self.bases[unit].convert(position)

    def detect(self, selections: list[RefiSelection]) -> str:
        """The unit under which the selections fit the text best: inside it, matching their quoted names, on word edges."""
        if len(self.bases) == 1 or not selections:
            return STANDARD if STANDARD in self.bases else next(iter(self.bases))
        best, best_score = STANDARD, None
        for unit in self.bases:
            inside = named = edges = 0
            for selection in selections:
                start, end = self.convert(unit, selection.start), self.convert(unit, selection.end)
                if start is None or end is None or end <= start:
                    continue
                inside += 1
                quoted = self.text[start:end]
                named += _names_quote(selection.name, quoted)
                edges += _on_edge(self.text, start) + _on_edge(self.text, end)
            score = (inside, named, edges)
            if best_score is None or score > best_score:
                best, best_score = unit, score
        return best


def _collapse(text: str) -> str:
    """The text in NFC with every run of white space as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _names_quote(name: str | None, quoted: str) -> int:
    """1 when a selection's name is (the start of) its quoted text, as ATLAS.ti and coder write it."""
    if not name or len(name.strip()) < 4:
        return 0
    wanted = _collapse(name).rstrip("…").rstrip(".").strip()
    return int(bool(wanted) and _collapse(quoted).startswith(wanted))


def _on_edge(text: str, offset: int) -> int:
    """1 when no word is cut at `offset`."""
    if offset <= 0 or offset >= len(text):
        return 1
    return int(not (text[offset - 1].isalnum() and text[offset].isalnum()))
