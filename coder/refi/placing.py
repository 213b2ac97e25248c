"""Where a coder export puts codings and memos, so that every importer finds them — QualCoder's above all.

QualCoder's importer (its `refi.py`) reads a coding's coder from its *selection's* `creatingUser`,
keeps one coding per code, span and coder, reads a coding's memo from its selection's
`Description` (every coding of the selection gets it; a selection without codings is an
annotation), a document's memo from its source's `Description`, and other Notes only as journal
entries, from a `plainTextPath` file, under a unique name. So:

- one `PlainTextSelection` per span, coder and coding memo, owned by that coder, its memo as its
  `Description` as well as a `Note` referenced from each `Coding`;
- span memos on a selection of their own per span and coder (no codings: an annotation), their
  text as its `Description` and each a `Note` referenced from it;
- a document's memos also as its source's `Description`;
- every Note under a name no other Note has, with a creation time (QualCoder needs one); its text
  in `sources/<guid>.txt` (`plainTextPath`), except the Notes of coding and span memos, which
  QualCoder reads from their selections: their text is inline, so they do not arrive a second
  time, as hundreds of journal entries.

Our import reads such a `Description` as the same memo as the Notes it repeats (`repeats`), so
the round trip adds nothing twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from coder.refi.markup import PROJECT_NS, stable_guid

P = f"{{{PROJECT_NS}}}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry
NAME_LENGTH = 60


def xml_text(text: str | None) -> str:
    """Text XML can hold (control characters dropped); only names and memos, never source text."""
    return _CONTROL.sub("", text or "")


def short(text: str) -> str:
    """A one-line name for a quote or a memo."""
    line = " ".join(text.split())
    return line if len(line) <= NAME_LENGTH else line[: NAME_LENGTH - 1].rstrip() + "…"


def joined(texts: list[str]) -> str:
    """Several memos as one Description: blank lines between them."""
    return "\n\n".join(t.strip() for t in texts if t.strip())


def repeats(description: str | None, texts: list[str]) -> bool:
    """Whether a Description only repeats the Notes referenced beside it (how our export writes it)."""
    if not description or not description.strip() or not texts:
        return False
    wanted = description.strip()
    return wanted == joined(texts) or wanted in {t.strip() for t in texts}


class Notes:
    """The project's `<Notes>`: each note's text in its own `sources/<guid>.txt`, under a unique name."""

    def __init__(self, created: str) -> None:
        from lxml import etree

        self.element = etree.Element(f"{P}Notes")
        self.files: dict[str, str] = {}  # note GUID → its text
        self.names: set[str] = set()
        self.created = created

    def add(self, guid: str, text: str, user: str | None, created: str | None, updated: str | None,
            *, inline: bool = False) -> str:
        """Write a Note, its text in a file of its own unless `inline`; returns its GUID for the NoteRefs."""
        from lxml import etree

        text = xml_text(text)
        first = short(text.strip().split("\n", 1)[0]) or "memo"
        name, number = first, 1
        while name in self.names:  # QualCoder keeps journal names unique and fails on a repeated one
            number += 1
            name = f"{first} ({number})"
        self.names.add(name)
        attributes = {"guid": guid, "name": name}
        if not inline:
            attributes["plainTextPath"] = f"internal://{guid}.txt"
        if user:
            attributes["creatingUser"] = user
        attributes["creationDateTime"] = created or self.created
        if updated and updated != attributes["creationDateTime"]:
            attributes["modifiedDateTime"] = updated
        note = etree.SubElement(self.element, f"{P}Note", attributes)
        if inline:
            etree.SubElement(note, f"{P}PlainTextContent").text = text
        else:
            self.files[guid] = text
        return guid


def add_selections(source: Any, document: dict[str, Any], codings: list[tuple], span_memos: list[tuple],
                   coders: dict[int, tuple[str, str]], code_uuid: dict[int, str], notes: Notes) -> None:
    """A source's selections: one per span, coder and coding memo; one per span and coder for span memos.

    `codings` are (start, end, uuid, code id, coder id, memo, created); `span_memos` are
    (start, end, memo uuid, coder id, text).
    """
    from lxml import etree

    guid, text = document["uuid"], document["text"]
    coded: dict[tuple[int, int, str, str], list[tuple]] = defaultdict(list)
    for start, end, uuid, code, coder, memo, created in codings:
        owner = coders.get(coder, ("", ""))[0]
        coded[(start, end, owner, memo or "")].append((uuid, code, coder, memo, created))
    annotated: dict[tuple[int, int, str], list[tuple[str, str]]] = defaultdict(list)
    for start, end, memo_uuid, coder, memo_text in span_memos:
        annotated[(start, end, coders.get(coder, ("", ""))[0])].append((memo_uuid, memo_text))
    entries: list[tuple[tuple[int, int, int, str, str], list[tuple]]] = [  # kind 0: codings, 1: span memos
        ((s, e, 0, owner, memo), rows) for (s, e, owner, memo), rows in coded.items()]
    entries += [((s, e, 1, owner, ""), list(memos)) for (s, e, owner), memos in annotated.items()]
    for (start, end, kind, owner, memo), rows in sorted(entries, key=lambda item: item[0]):
        attributes = {"guid": stable_guid("selection", guid, str(start), str(end), owner, str(kind), memo),
                      "name": xml_text(short(text[start:end])), "startPosition": str(start), "endPosition": str(end)}
        if owner:
            attributes["creatingUser"] = owner
        if kind == 0:
            attributes["creationDateTime"] = min(r[4] for r in rows)
        selection = etree.SubElement(source, f"{P}PlainTextSelection", attributes)
        if kind == 1:
            etree.SubElement(selection, f"{P}Description").text = xml_text(joined([t for _, t in rows]))
            for memo_uuid, _ in rows:
                etree.SubElement(selection, f"{P}NoteRef", targetGUID=memo_uuid)
            continue
        if memo:
            etree.SubElement(selection, f"{P}Description").text = xml_text(memo.strip())
        for uuid, code, coder, coding_memo, created in rows:
            coding = etree.SubElement(selection, f"{P}Coding", guid=uuid, creationDateTime=created)
            if coder in coders:
                coding.set("creatingUser", coders[coder][0])
            etree.SubElement(coding, f"{P}CodeRef", targetGUID=code_uuid[code])
            if coding_memo:
                note = notes.add(stable_guid("coding-memo", uuid), coding_memo, coders.get(coder, (None,))[0], created, None,
                                 inline=True)
                etree.SubElement(coding, f"{P}NoteRef", targetGUID=note)
