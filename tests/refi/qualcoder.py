"""What QualCoder's REFI-QDA importer (ccbogel/QualCoder, src/qualcoder/refi.py) would make of a `.qdpx`.

Its rules, as read from that importer and restated here (no code of it is used):

- a coding's coder is its *selection's* `creatingUser` (else `modifyingUser`), looked up among the
  Users, else "default" — the `Coding`'s own `creatingUser` is not read;
- a selection's `Description` is the memo of every coding in it; a selection without codings is an
  annotation with that memo;
- codings are unique per code, source, start, end and coder, annotations per source, start, end
  and coder: a second one is dropped (codings) or stops the import (annotations);
- a source's `Description` is the document's memo;
- its own `VariableValue`s are the file's attributes (and a `Case` without a name, with one
  `SourceRef`, holds file attributes too);
- a `Note` that is not referenced from a source becomes a journal entry only when it has a
  `plainTextPath` (read from the sources folder) and a name; journal names must be unique (a
  repeated one stops the import), and a note needs `creationDateTime` or `modifiedDateTime`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

P = "{urn:QDA-XML:project:1.0}"


class RefusedError(Exception):
    """Where QualCoder's import would stop with an error."""


@dataclass
class QualCoderProject:
    codings: dict[tuple[str, str, int, int, str], str] = field(default_factory=dict)  # (source, code, pos0, pos1, owner) → memo
    dropped: int = 0  # codings QualCoder's uniqueness rule drops
    annotations: dict[tuple[str, int, int, str], str] = field(default_factory=dict)
    source_memos: dict[str, str] = field(default_factory=dict)  # source name → memo
    file_attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # source name → name → value
    journals: dict[str, str] = field(default_factory=dict)  # name → text


def read_as_qualcoder(path: Path) -> QualCoderProject:
    """The codings, memos, attributes and journals QualCoder would import from `path`."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        files = {n.split("/", 1)[1]: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("sources/")}
    project = QualCoderProject()
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{P}User")}
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{P}Code") if c.get("isCodable") != "false"}
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{P}Variable")}
    referenced_from_sources = set()
    for source in root.iter(f"{P}TextSource"):
        name = source.get("name")
        project.source_memos[name] = source.findtext(f"{P}Description") or ""
        referenced_from_sources |= {n.get("targetGUID") for n in source.findall(f"{P}NoteRef")}
        for value in source.findall(f"{P}VariableValue"):
            variable = variables[value.find(f"{P}VariableRef").get("targetGUID")]
            if variable in project.file_attributes.setdefault(name, {}):
                raise RefusedError(f"attribute {variable} of {name} twice")
            project.file_attributes[name][variable] = (value[1].text or "").strip()
        for selection in source.findall(f"{P}PlainTextSelection"):
            owner = users.get(selection.get("creatingUser") or selection.get("modifyingUser"), "default")
            pos0, pos1 = int(selection.get("startPosition")), int(selection.get("endPosition"))
            memo = selection.findtext(f"{P}Description") or ""
            codings = selection.findall(f"{P}Coding")
            for coding in codings:
                key = (name, codes[coding.find(f"{P}CodeRef").get("targetGUID")], pos0, pos1, owner)
                if key in project.codings:
                    project.dropped += 1
                else:
                    project.codings[key] = memo
            if not codings:
                if (name, pos0, pos1, owner) in project.annotations:
                    raise RefusedError(f"a second annotation of {name} {pos0}–{pos1} by {owner}")
                project.annotations[(name, pos0, pos1, owner)] = memo
    for note in root.iter(f"{P}Note"):
        if note.get("creationDateTime") is None and note.get("modifiedDateTime") is None:
            raise RefusedError(f"note {note.get('name')} has no date")
        if note.get("guid") in referenced_from_sources or not note.get("plainTextPath") or note.get("name") == "":
            continue
        if note.get("name") in project.journals:
            raise RefusedError(f"a second journal named {note.get('name')}")
        project.journals[note.get("name")] = files[note.get("plainTextPath").split("internal://", 1)[1]]
    return project
