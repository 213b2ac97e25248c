"""REFI-QDA interchange with other QDA tools (ATLAS.ti, NVivo, MAXQDA, QualCoder, Taguette…).

`markup` holds what reading and writing share (namespaces, stable GUIDs, colours, safe XML
parsing, the standard's schemas in `schemas/`); `descriptions` how coder's code fields travel
in a REFI description; `writing` writes a study as a `.qdpx` project or its codebook as a `.qdc`,
with codings and memos where every importer finds them (`placing`);
`reading` reads either from another tool as untrusted input into the plain data of `model`,
converting selection positions with `positions`; `importing` adds what was read to the study,
all or nothing. lxml is imported inside the functions that parse or build XML.
"""

from coder.refi.descriptions import describe_code, describe_group, parse_description, parse_group_description
from coder.refi.importing import import_refi
from coder.refi.markup import CODEBOOK_NS, PROJECT_NS, SCHEMAS, clean_guid, parse_xml, schema_errors, stable_guid
from coder.refi.model import RefiCode, RefiCoding, RefiImportReport, RefiNote, RefiProject, RefiSelection, RefiSource
from coder.refi.positions import Positions
from coder.refi.reading import read_refi
from coder.refi.writing import build_project, export_qdc, export_qdpx, write_qdc, write_qdpx

__all__ = [
    "CODEBOOK_NS", "PROJECT_NS", "SCHEMAS", "Positions", "RefiCode", "RefiCoding", "RefiImportReport",
    "RefiNote", "RefiProject", "RefiSelection", "RefiSource", "build_project", "clean_guid", "describe_code",
    "describe_group", "export_qdc", "export_qdpx", "import_refi", "parse_description", "parse_group_description",
    "parse_xml", "read_refi", "schema_errors", "stable_guid", "write_qdc", "write_qdpx",
]
