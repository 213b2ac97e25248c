"""Adding imported codes to the researcher's `codebook.yaml` without losing a comment or a line break.

The YAML file is the codebook's source of truth (`sync_codebook` retires any code missing from
it), so codes that arrive from another tool must be written into it. The round-trip editing
itself is `coder.codebook.document`'s (the same the open-coding edits use); this module adds whole
groups and many codes at once and checks the result by loading it like any codebook, without
writing: the import puts the returned bytes in place inside its transaction.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from coder.codebook.document import CodebookDocument, insert_entry, new_entry, yaml_value
from coder.codebook.loading import load_codebook
from coder.codebook.model import CODEBOOK_FILE, Code, Codebook, CodebookError, Group
from coder.errors import CoderError

BOM = b"\xef\xbb\xbf"


def add_codes(folder: Path, groups: list[Group], codes: list[Code], *, comment: str | None = None) -> tuple[bytes, Codebook]:
    """The new bytes of `codebook.yaml` with the groups and codes added, and the codebook they load as.

    Args:
        groups: new groups, written with their description and exclusive flag; their codes come in `codes`.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq  # ≈0.1 s; only when codes are imported

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
