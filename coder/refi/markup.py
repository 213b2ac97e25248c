"""What REFI-QDA export and import share: namespaces, stable GUIDs, colours, safe XML and the schemas.

REFI-QDA (www.qdasoftware.org) is the exchange standard of the QDA tools: a codebook file (`.qdc`)
and a project zip (`.qdpx`) holding `project.qde` and the sources. The schemas in `schemas/`
are the standard's own (MIT). XML from other tools is untrusted: `parse_xml` refuses DTDs, so
entity expansion ("billion laughs") and external entities never happen, never touches the
network, and holds the tree to coder's budget (`coder.limits`: depth and number of elements)
while it is built. lxml is imported inside the functions (≈40 ms).
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from coder.errors import CoderError
from coder.limits import LIMITS, Limits, megabytes, too_big

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).parent / "schemas"
GUID_NAMESPACE = uuid.UUID("6f1c0a52-2d0e-4c41-9a3b-2f7f0e2b8c11")  # coder's own: stable GUIDs for rows without a uuid
GUID = re.compile(r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?")
HEX6 = re.compile(r"#[0-9a-fA-F]{6}")
HEX3 = re.compile(r"#[0-9a-fA-F]{3}")
NAMED_COLOURS = {
    "black": "#000000", "silver": "#c0c0c0", "gray": "#808080", "grey": "#808080", "white": "#ffffff",
    "maroon": "#800000", "red": "#ff0000", "purple": "#800080", "fuchsia": "#ff00ff", "green": "#008000",
    "lime": "#00ff00", "olive": "#808000", "yellow": "#ffff00", "navy": "#000080", "blue": "#0000ff",
    "teal": "#008080", "aqua": "#00ffff", "orange": "#ffa500", "pink": "#ffc0cb", "brown": "#a52a2a",
}
XML_FIX = "check that this is a REFI-QDA file exported by a QDA tool"


def origin() -> str:
    """What our files say made them: `coder 0.1.0`."""
    try:
        return f"coder {version('coder')}"
    except PackageNotFoundError:
        return "coder"


def stable_guid(*parts: str) -> str:
    """A GUID that is the same in every export of the same thing (code groups, variables, selections)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts)))


def clean_guid(value: str | None) -> str | None:
    """A GUID as we store it: lower case, no braces; None when it is not a GUID."""
    if not value or not GUID.fullmatch(value.strip()):
        return None
    return value.strip().strip("{}").lower()


def hex_colour(colour: str | None) -> str | None:
    """A codebook colour as REFI's `#rrggbb` (names like 'teal' are converted); None if there is none."""
    if not colour:
        return None
    colour = colour.strip()
    if HEX6.fullmatch(colour) or HEX3.fullmatch(colour):
        return colour
    return NAMED_COLOURS.get(colour.lower())


def local(tag: Any) -> str:
    """An element's name without its namespace (`{urn:…}Code` → `Code`); '' for comments and the like."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def parse_xml(raw: bytes, where: str, limits: Limits = LIMITS) -> Any:
    """Parse untrusted XML: no DTD, no entity expansion, no network; one-line errors.

    The tree is built by `iterparse`, which hands over each element as it is made, so a file
    nested too deep or holding too many elements is refused as soon as it passes the limit,
    before the rest of it takes memory.
    """
    from io import BytesIO

    from lxml import etree  # ≈40 ms

    if len(raw) > limits.entry_bytes:
        raise too_big("the XML", megabytes(len(raw)), megabytes(limits.entry_bytes), where, XML_FIX)
    if _declares_dtd(raw):
        raise CoderError("the XML declares a DTD (<!DOCTYPE>), which REFI-QDA files never do; refused to rule out"
                         " entity expansion (billion laughs) and external entities", where=where,
                         fix="use a file exported by a QDA tool, or remove the <!DOCTYPE …> declaration")
    events = etree.iterparse(BytesIO(raw), events=("start", "end"), resolve_entities=False, no_network=True,
                             huge_tree=False, load_dtd=False, dtd_validation=False, remove_comments=True, remove_pis=True)
    depth = elements = 0
    try:
        for event, _ in events:
            if event == "end":
                depth -= 1
                continue
            depth += 1
            elements += 1
            if depth > limits.xml_depth:
                raise too_big("the XML's depth", f"over {limits.xml_depth:,} levels", f"{limits.xml_depth:,} levels", where,
                              XML_FIX)
            if elements > limits.xml_elements:
                raise too_big("the XML's number of elements", f"over {limits.xml_elements:,}", f"{limits.xml_elements:,}",
                              where, XML_FIX)
    except etree.XMLSyntaxError as error:
        message = " ".join(str(error).split())  # libxml2's messages may hold line breaks; a refusal is one line
        if "excessive depth" in message.lower():  # libxml2's own limit, should it come first
            raise too_big("the XML's depth", "over 256 levels", f"{min(limits.xml_depth, 256):,} levels", where,
                          XML_FIX) from error
        if "entity" in message.lower() or "amplification" in message.lower():
            raise CoderError(f"the XML uses entities ({message}); refused", where=where,
                             fix="use a file exported by a QDA tool") from error
        raise CoderError(f"is not well-formed XML ({message})", where=where,
                         fix="export the file again from the QDA tool") from error
    tree = events.root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CoderError("the XML declares a DTD, which REFI-QDA files never do; refused", where=where,
                         fix="remove the <!DOCTYPE …> declaration")
    return tree


def _declares_dtd(raw: bytes) -> bool:
    head = raw.lstrip(b"\xef\xbb\xbf")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        if "<!DOCTYPE".encode(encoding) in head or "<!ENTITY".encode(encoding) in head:
            return True
    return False


@lru_cache(maxsize=2)
def schema(name: str) -> Any:
    """The REFI-QDA schema `Project.xsd` or `Codebook.xsd`, compiled (from our package data)."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def schema_errors(tree: Any, name: str, limit: int = 5) -> list[str]:
    """The first problems found when validating against a schema; empty when the XML is valid."""
    checker = schema(name)
    if checker.validate(tree):
        return []
    return [f"line {e.line}: {' '.join(e.message.split())}" for e in list(checker.error_log)[:limit]]
