"""The corpus: reading transcripts in every format we accept, and importing them into the study.

`readers` turns a .md, .txt or .docx file into normalised text with its front-matter attributes
(no database); `captions` does the same for .vtt and .srt; `passages` cuts a body into speaker
turns or paragraphs; `preparing` reads and annotates files, in worker processes for a large import;
`importing` stores documents with their passages, sentences and organisation mentions, all or
nothing, keeping old versions and re-anchoring their codings. python-docx and spaCy are imported
only by the functions that need them, and each name here only when it is first used, so an import
worker (coder.corpus.preparing) does not load the database layer it never touches.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coder.corpus.captions import read_captions
    from coder.corpus.importing import (
        ImportReport,
        Progress,
        import_documents,
        organisation_spellings,
        refresh_mentions,
        store_passages,
    )
    from coder.corpus.passages import Passage, cut_passages, is_speaker_label
    from coder.corpus.readers import (
        DEFAULT_LANGUAGE,
        RESERVED_FOLDERS,
        SUPPORTED,
        ParsedDocument,
        decode,
        document_files,
        parse_front_matter,
        read_document,
        split_front_matter,
    )

_HOMES = {
    "read_captions": "captions",
    **dict.fromkeys(["ImportReport", "Progress", "import_documents", "organisation_spellings", "refresh_mentions",
                     "store_passages"], "importing"),
    **dict.fromkeys(["Passage", "cut_passages", "is_speaker_label"], "passages"),
    **dict.fromkeys(["DEFAULT_LANGUAGE", "RESERVED_FOLDERS", "SUPPORTED", "ParsedDocument", "decode", "document_files",
                     "parse_front_matter", "read_document", "split_front_matter"], "readers"),
}

__all__ = [
    "DEFAULT_LANGUAGE", "RESERVED_FOLDERS", "SUPPORTED", "ImportReport", "ParsedDocument", "Passage", "Progress",
    "cut_passages", "decode", "document_files", "import_documents", "is_speaker_label", "organisation_spellings",
    "parse_front_matter", "read_captions", "read_document", "refresh_mentions", "split_front_matter", "store_passages",
]


def __getattr__(name: str) -> Any:
    """A name of the package, from the module that defines it, imported on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'coder.corpus' has no attribute '{name}'")
    value = getattr(import_module(f"coder.corpus.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
