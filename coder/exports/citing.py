"""Where a span sits in its document: passage numbers, line numbers in the file, cue times.

Citations in every export come from here. Line numbers count lines of the transcript file
(`documents.body_line` + newlines before the offset), so they are given only for .md and .txt
sources; Word and subtitle files are cited by passage, and subtitles also by cue time.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from coder.db import Database

NEWLINE = re.compile("\n")
NO_LINES = (".docx", ".vtt", ".srt")  # their stored text is not laid out like the file, so lines would mislead


@dataclass
class DocumentIndex:
    """A document's text with its passage and line boundaries, for placing spans."""

    name: str
    title: str | None
    text: str
    role: str | None
    organisation: str | None
    body_line: int
    lines: bool
    starts: list[int]
    ends: list[int]
    ordinals: list[int]
    times: list[tuple[str | None, str | None]]
    timed: bool = False
    newlines: list[int] | None = None

    def newline_offsets(self) -> list[int]:
        """Where the text's line breaks are (found on first use)."""
        if self.newlines is None:
            self.newlines = [match.start() for match in NEWLINE.finditer(self.text)]
        return self.newlines

    def line(self, offset: int) -> int:
        """The line of the transcript file that holds the character at `offset`."""
        return self.body_line + bisect.bisect_left(self.newline_offsets(), offset)

    def passages(self, start: int, end: int) -> tuple[int, int]:
        """Indexes of the first and last passage the span touches (the nearest one for a span between passages)."""
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end) - 1
        if first > last:
            first = last = min(first, len(self.starts) - 1) if first < len(self.starts) else last
        return (first if first > 0 else 0), (last if last > 0 else 0)


def load_documents(db: Database, ids: Iterable[int], *, text: bool = True) -> dict[int, DocumentIndex]:
    """The documents with these ids, with their passages, keyed by id (without their text, to place spans only)."""
    documents: dict[int, DocumentIndex] = {}
    segments: dict[int, list[tuple]] = defaultdict(list)
    ids = sorted(set(ids))
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        for row in db.execute(f"SELECT document_id, start, end, ordinal, attributes FROM segments"
                              f" WHERE document_id IN ({marks}) ORDER BY document_id, start", chunk):
            segments[row[0]].append(row[1:])
        column = "text" if text else "''"
        for row in db.execute(f"SELECT id, name, title, {column}, attributes, body_line, path FROM documents WHERE id IN ({marks})",
                              chunk):
            attributes = json.loads(row[4] or "{}")
            passages = segments[row[0]]
            times = []
            for passage in passages:
                extra = json.loads(passage[3]) if passage[3] and passage[3] != "{}" else {}
                times.append((extra.get("begin"), extra.get("end")) if extra else (None, None))
            documents[row[0]] = DocumentIndex(
                name=row[1], title=row[2], text=row[3], role=_text(attributes.get("interviewee_role")),
                organisation=_text(attributes.get("interviewee_organisation")), body_line=row[5] or 1,
                lines=PurePosixPath(row[6] or "").suffix.lower() not in NO_LINES,
                starts=[p[0] for p in passages], ends=[p[1] for p in passages], ordinals=[p[2] for p in passages], times=times,
                timed=any(t[0] for t in times),
            )
    return documents


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def chunks(values: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for index in range(0, len(values), size):
        yield values[index : index + size]
