"""The codebook: code groups, codes and organisations, from the researcher's YAML to the database and back.

`model` holds the codebook as the program sees it and the format's vocabulary; `loading` reads
and validates `codebook.yaml` and its organisations file, reporting every problem at once;
`sync` brings the database in line with them (retiring, never dropping, a coded code);
`document` edits the YAML in place keeping its comments and layout; `editing` creates, renames,
moves, merges and defines codes while coding, and `mirror` writes those edits, their undo and
their redo into the YAML; `additions` adds codes imported from another tool. ruamel.yaml is
imported only by the functions that read or write YAML.
"""

from coder.codebook.additions import add_codes, check_codebook
from coder.codebook.document import CodebookDocument
from coder.codebook.editing import CodeLike, MergeReport, create_code, define_code, merge_codes, move_code, rename_code
from coder.codebook.loading import load_codebook
from coder.codebook.mirror import CODEBOOK_ACTIONS, mirror_to_yaml, redo_with_codebook, undo_with_codebook
from coder.codebook.model import (
    BASIC_COLOURS,
    CODE_FIELDS,
    CODEBOOK_FILE,
    HEX_COLOUR,
    RESERVED_KEYS,
    TEXT_FIELDS,
    Code,
    Codebook,
    CodebookError,
    Group,
    Organisation,
)
from coder.codebook.sync import SyncReport, codebook_is_current, codebook_tree, sync_codebook

__all__ = [
    "BASIC_COLOURS", "CODEBOOK_ACTIONS", "CODEBOOK_FILE", "CODE_FIELDS", "HEX_COLOUR", "RESERVED_KEYS", "TEXT_FIELDS",
    "Code", "CodeLike", "Codebook", "CodebookDocument", "CodebookError", "Group", "MergeReport", "Organisation", "SyncReport",
    "add_codes", "check_codebook", "codebook_is_current", "codebook_tree", "create_code", "define_code", "load_codebook",
    "merge_codes", "mirror_to_yaml", "move_code", "redo_with_codebook", "rename_code", "sync_codebook", "undo_with_codebook",
]
