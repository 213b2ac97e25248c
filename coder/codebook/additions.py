"""Adding imported codes to the researcher's `codebook.yaml` without losing a comment or a line break.

The YAML file is the codebook's source of truth (`sync_codebook` retires any code missing from
it), so codes that arrive from another tool must be written into it. The round-trip editing
itself is `coder.codebook_yaml`'s (the same the open-coding edits use); this module adds whole
groups and many codes at once and checks the result by loading it like any codebook, without
writing: the import puts the returned bytes in place inside its transaction.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from coder.codebook import CODEBOOK_FILE, Codebook, CodebookError, load_codebook
from coder.errors import CoderError

BOM = b"\xef\xbb\xbf"


@dataclass
class NewCode:
    """A code to add: its place (group, parent) and its definition."""

    group: str
    name: str
    parent: str | None = None
    colour: str | None = None
    description: str | None = None
    include: str | None = None
    exclude: str | None = None
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    key: str | None = None


@dataclass
class NewGroup:
    name: str
    description: str | None = None
    exclusive: bool = False


def add_codes(folder: Path, groups: list[NewGroup], codes: list[NewCode], *, comment: str | None = None) -> tuple[bytes, Codebook]:
    """The new bytes of `codebook.yaml` with the groups and codes added, and the codebook they load as."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from coder.codebook_yaml import CodebookDocument, insert_entry, new_entry, yaml_value

    document = CodebookDocument(folder)
    entries = document.data["groups"]
    for group in groups:
        entry = CommentedMap()
        entry["name"] = group.name
        if group.description:
            entry["description"] = yaml_value("description", group.description)
        if group.exclusive:
            entry["exclusive"] = True
        entry["codes"] = CommentedSeq()
        insert_entry(entries, len(entries), entry)
        if comment and group is groups[0]:
            entries.yaml_set_comment_before_after_key(len(entries) - 1, before=comment, indent=document.yaml.sequence_dash_offset)
    for code in codes:
        seq = document.codes(code.group, create=True)
        fields = {"name": code.name, "parent": code.parent, "key": code.key, "colour": code.colour,
                  "description": code.description, "include": code.include, "exclude": code.exclude,
                  "examples": code.examples, "keywords": code.keywords}
        insert_entry(seq, len(seq), new_entry(fields))
    text = document.text().encode("utf-8")
    if document.original.startswith(BOM):
        text = BOM + text
    return text, check_codebook(folder, text)


def check_codebook(folder: Path, text: bytes) -> Codebook:
    """Load `text` as this folder's codebook (beside its organisations file) without touching the folder."""
    with tempfile.TemporaryDirectory(prefix="coder-codebook-") as temporary:
        copy = Path(temporary) / "codebook"
        shutil.copytree(folder, copy)
        (copy / CODEBOOK_FILE).write_bytes(text)
        try:
            return load_codebook(copy)
        except CodebookError as error:
            problems = "; ".join(p.replace(str(copy), str(folder)) for p in error.problems[:3])
            raise CoderError(f"the imported codes would make the codebook invalid ({problems})",
                             where=str(folder / CODEBOOK_FILE), fix="please report this; the study was not changed") from error
