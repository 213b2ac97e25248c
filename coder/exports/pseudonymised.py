"""Pseudonymised exports: what an export holds passed through `coder.pseudonyms.Pseudonyms` before it is written.

Excerpts and memos are dataclasses whose every text is replaced (`hide`); a table (the presence
matrix) has its labels and text cells replaced (`hide_in_frame`); a `.qdpx` archive is rewritten
(`hide_in_qdpx`): each source's text is replaced and its selections moved to where their text now
stands, and every name, description and note in project.qde, and every other text file of the
archive, is replaced. Nothing here writes to the study.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder.errors import CoderError
from coder.pseudonyms import Pseudonyms

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

TEXT_ENTRIES = (".qde", ".txt", ".xml", ".md", ".html", ".htm", ".csv", ".json")


def hide(value: Any, pseudonyms: Pseudonyms) -> Any:
    """`value` with every name replaced: a string, or the strings inside tuples, lists and (in place) dataclasses."""
    if isinstance(value, str):
        return pseudonyms.replace(value)
    if isinstance(value, tuple):
        return tuple(hide(v, pseudonyms) for v in value)
    if isinstance(value, list):
        value[:] = [hide(v, pseudonyms) for v in value]
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            setattr(value, item.name, hide(getattr(value, item.name), pseudonyms))
    return value


def hide_in_frame(frame: pandas.DataFrame, pseudonyms: Pseudonyms) -> pandas.DataFrame:
    """A copy of a table with its column labels, index labels and text cells pseudonymised."""
    out = frame.copy()
    out.columns = [hide(c, pseudonyms) for c in out.columns]
    out.index = [hide(i, pseudonyms) for i in out.index]
    for number in range(out.shape[1]):
        values = out.iloc[:, number]
        if values.dtype.kind not in "iubfmM":  # text (object or str) columns
            out.iloc[:, number] = [hide(v, pseudonyms) for v in values.tolist()]
    out.attrs = {k: hide(v, pseudonyms) for k, v in frame.attrs.items()}
    return out


def hide_in_qdpx(path: Path, pseudonyms: Pseudonyms) -> None:
    """Pseudonymise a REFI-QDA archive in place: sources, selections, names, descriptions and notes."""
    from lxml import etree

    from coder.exports.files import replacing
    from coder.refi.markup import PROJECT_NS, schema_errors

    with zipfile.ZipFile(path) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    if "project.qde" not in entries:
        raise CoderError("the REFI-QDA archive has no project.qde", where=str(path), fix="please report this bug")
    root = etree.fromstring(entries["project.qde"], etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    done: set[str] = set()
    for source in root.iter(f"{{{PROJECT_NS}}}TextSource"):
        entry = _entry(source.get("plainTextPath"))
        if entry not in entries:
            continue
        text, shifts = pseudonyms.replace_mapped(entries[entry].decode("utf-8"))
        entries[entry] = text.encode("utf-8")
        done.add(entry)
        for selection in source.iter(f"{{{PROJECT_NS}}}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            selection.set("startPosition", str(shifts.start(start)))
            selection.set("endPosition", str(max(shifts.end(end), shifts.start(start) + (end > start))))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("name") is not None:
            element.set("name", pseudonyms.replace(element.get("name")))
        if element.text:
            element.text = pseudonyms.replace(element.text)
    errors = schema_errors(root.getroottree(), "Project.xsd")
    if errors:
        raise CoderError(f"the pseudonymised project is not valid against Project.xsd ({errors[0]})", fix="please report this bug")
    entries["project.qde"] = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    for name, raw in entries.items():
        if name not in done and name != "project.qde" and name.lower().endswith(TEXT_ENTRIES):
            entries[name] = pseudonyms.replace(raw.decode("utf-8")).encode("utf-8")
    with replacing(path) as temp, zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, raw in entries.items():
            archive.writestr(name, raw)


def _entry(plain_text_path: str | None) -> str:
    """The archive entry of an `internal://` path (`sources/<name>`)."""
    if not plain_text_path or not plain_text_path.startswith("internal://"):
        return ""
    return "sources/" + plain_text_path.removeprefix("internal://")
