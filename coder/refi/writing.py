"""Writing REFI-QDA: the project (`.qdpx`) other QDA tools open, and the codebook alone (`.qdc`).

Written strictly, and validated against the standard's schemas before anything is saved:
`project.qde` plus `sources/<guid>.txt` (UTF-8, no BOM), positions in code points, half-open
`[start, end)`, no empty containers, no `basePath`. The mapping (docs/refi-qda.md):

- each code group becomes a top-level code with `isCodable="false"` whose children are the
  group's codes, nested as in the codebook; an exclusive group says so in its description;
- a code's description carries its include/exclude notes, examples, keywords and shortcut key
  as labelled paragraphs ("Include: …", see `descriptions`), which our import reads back;
- codings of one span by one coder (with one memo) share a `PlainTextSelection` owned by that
  coder, one `Coding` each (its GUID is the coding's uuid); a coding's memo is a `Note`
  referenced from its `Coding` and the selection's `Description` (`placing`, which says why);
- memos on a span hang on a selection, on a document on its `TextSource`, on a code on the
  `Code`, and memos on the study on the project;
- document attributes become `Variables`, with one `Case` per document holding the values, and
  the same values on each `TextSource`.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from coder.db import Database, now, setting
from coder.errors import CoderError
from coder.exports.files import Progress, export_target, replacing
from coder.refi.descriptions import JSON_VARIABLE, describe_code, describe_group
from coder.refi.markup import CODEBOOK_NS, PROJECT_NS, hex_colour, origin, schema_errors, stable_guid
from coder.refi.memoing import timestamp
from coder.refi.placing import Notes, add_selections, joined, xml_text


def group_guid(name: str) -> str:
    """The GUID of a code group, the same in every export (groups have no uuid of their own)."""
    return stable_guid("code-group", name)


def _codebook_rows(db: Database) -> tuple[list[dict[str, Any]], dict[int | tuple[str, int], list[dict[str, Any]]]]:
    """The code groups, and the codes under each parent: a code's id, or ("group", id) for a group's top codes."""
    cursor = db.execute("SELECT id, name, description, exclusive FROM code_groups ORDER BY ordinal, id")
    groups = [dict(zip([d[0] for d in cursor.description], r)) for r in cursor.fetchall()]
    cursor = db.execute("SELECT * FROM codes ORDER BY ordinal, id")
    names = [d[0] for d in cursor.description]
    children: dict[int | tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in cursor.fetchall():
        code = dict(zip(names, row))
        children[code["parent_id"] if code["parent_id"] else ("group", code["group_id"])].append(code)
    return groups, children


def codes_element(db: Database, namespace: str, notes: dict[int, list[str]] | None = None) -> Any:
    """`<Codes>`: one non-codable code per group holding its codes as nested codes."""
    from lxml import etree

    groups, children = _codebook_rows(db)
    codes = etree.Element(f"{{{namespace}}}Codes", nsmap={None: namespace})

    def add(parent: Any, code: dict[str, Any]) -> None:
        attributes = {"guid": code["uuid"], "name": xml_text(code["name"]), "isCodable": "true"}
        colour = hex_colour(code["colour"])
        if colour:
            attributes["color"] = colour
        element = etree.SubElement(parent, f"{{{namespace}}}Code", attributes)
        description = describe_code(code)
        if description:
            etree.SubElement(element, f"{{{namespace}}}Description").text = xml_text(description)
        for note in (notes or {}).get(code["id"], []):
            etree.SubElement(element, f"{{{namespace}}}NoteRef", targetGUID=note)
        for child in children.get(code["id"], []):
            add(element, child)

    for group in groups:
        members = children.get(("group", group["id"]), [])
        if not members:
            continue
        element = etree.SubElement(codes, f"{{{namespace}}}Code", guid=group_guid(group["name"]),
                                   name=xml_text(group["name"]), isCodable="false")
        description = describe_group(group)
        if description:
            etree.SubElement(element, f"{{{namespace}}}Description").text = xml_text(description)
        for code in members:
            add(element, code)
    if not len(codes):
        raise CoderError("the codebook has no codes to export", fix="add codes to codebook/codebook.yaml")
    return codes


def _check(tree: Any, schema_name: str, what: str) -> None:
    errors = schema_errors(tree, schema_name)
    if errors:
        raise CoderError(f"the {what} we built is not valid against {schema_name} ({errors[0]})",
                         fix="please report this bug; CODER_DEBUG=1 shows details")


def write_qdc(db: Database, path: Path) -> Path:
    """Write the codebook as a REFI-QDA `.qdc` file (validated against Codebook.xsd)."""
    from lxml import etree

    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=origin())
    root.append(codes_element(db, CODEBOOK_NS))
    tree = root.getroottree()
    _check(tree, "Codebook.xsd", "codebook")
    with replacing(path) as temp:
        temp.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path


# The project --------------------------------------------------------------------------------------


def _variable_type(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "Boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf") for v in values):
        return "Float"
    if all(isinstance(v, str) and _is_date(v) for v in values):
        return "Date"
    if all(isinstance(v, str) and _is_datetime(v) for v in values):
        return "DateTime"
    return "Text"


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    """A date and time as REFI's DateTime attributes take it (the full form, a real moment)."""
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", text)) and timestamp(text) is not None


def _value_text(value: Any, kind: str, as_json: bool) -> str:
    if as_json:
        return json.dumps(value, ensure_ascii=False, sort_keys=False)
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Float":
        return format(Decimal(repr(float(value))), "f")
    return str(value)


def build_project(db: Database, name: str) -> tuple[Any, dict[str, str]]:
    """The `project.qde` tree and the files of `sources/` (by GUID: the documents' texts and the notes'), validated."""
    from lxml import etree

    p = f"{{{PROJECT_NS}}}"
    coders = {r[0]: r[1:] for r in db.execute("SELECT id, uuid, name FROM coders ORDER BY name")}
    code_uuid = dict(db.execute("SELECT id, uuid FROM codes").fetchall())
    cursor = db.execute("SELECT id, uuid, name, text, attributes, imported FROM documents ORDER BY name")
    documents = [dict(zip([d[0] for d in cursor.description], r)) for r in cursor.fetchall()]
    current = setting(db, "current_coder")
    creator = next((u for u, n in coders.values() if n == current), None)
    created = now()
    attributes = {"name": xml_text(name) or "coder study", "origin": origin(), "creationDateTime": created}
    if creator:
        attributes["creatingUserGUID"] = creator
    root = etree.Element(f"{p}Project", nsmap={None: PROJECT_NS}, **attributes)

    # Memos: where each one hangs decides where its NoteRef goes (and which Description repeats it).
    notes = Notes(created)
    code_notes: dict[int, list[str]] = defaultdict(list)
    document_notes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    span_memos: dict[int, list[tuple]] = defaultdict(list)
    project_notes: list[str] = []
    for uuid, coder, document_id, start, end, code, text, memo_created, updated in db.execute(
        "SELECT uuid, coder_id, document_id, start, end, code_id, text, created, updated FROM memos ORDER BY id"
    ):
        on_span = bool(document_id and start is not None and end is not None and end > start)
        notes.add(uuid, text, coders.get(coder, (None,))[0], memo_created, updated, inline=on_span)
        if code:
            code_notes[code].append(uuid)
        if on_span:
            span_memos[document_id].append((start, end, uuid, coder, text))
        elif document_id:
            document_notes[document_id].append((uuid, text))
        elif not code:
            project_notes.append(uuid)

    if coders:
        users = etree.SubElement(root, f"{p}Users")
        for uuid, coder_name in coders.values():
            etree.SubElement(users, f"{p}User", guid=uuid, name=xml_text(coder_name))
    if db.execute("SELECT 1 FROM codes LIMIT 1").fetchone():
        etree.SubElement(root, f"{p}CodeBook").append(codes_element(db, PROJECT_NS, code_notes))

    variables = _variables_and_cases(root, documents)

    codings: dict[int, list[tuple]] = defaultdict(list)
    for row in db.execute("SELECT document_id, start, end, uuid, code_id, coder_id, memo, created FROM codings"
                          " ORDER BY document_id, start, end, id"):
        codings[row[0]].append(row[1:])
    sources: dict[str, str] = {}
    sources_element = etree.SubElement(root, f"{p}Sources") if documents else None
    for document in documents:
        guid = document["uuid"]
        sources[guid] = document["text"]
        source = etree.SubElement(sources_element, f"{p}TextSource", guid=guid, name=xml_text(document["name"]),
                                  plainTextPath=f"internal://{guid}.txt")
        if document["imported"]:
            source.set("creationDateTime", document["imported"])
        own = document_notes.get(document["id"], [])
        if own:
            etree.SubElement(source, f"{p}Description").text = xml_text(joined([t for _, t in own]))
        add_selections(source, document, codings.get(document["id"], []), span_memos.get(document["id"], []),
                       coders, code_uuid, notes)
        for note, _ in own:
            etree.SubElement(source, f"{p}NoteRef", targetGUID=note)
        _source_values(source, document, variables)
    if len(notes.element):
        root.append(notes.element)
    for note in project_notes:
        etree.SubElement(root, f"{p}NoteRef", targetGUID=note)
    tree = root.getroottree()
    _check(tree, "Project.xsd", "project")
    return tree, {**sources, **notes.files}


Kinds = dict[str, tuple[str, str, bool]]  # attribute → (variable GUID, REFI type, stored as JSON)


def _variable_value(parent: Any, kinds: Kinds, key: str, value: Any) -> None:
    from lxml import etree

    p = f"{{{PROJECT_NS}}}"
    guid, kind, as_json = kinds[key]
    holder = etree.SubElement(parent, f"{p}VariableValue")
    etree.SubElement(holder, f"{p}VariableRef", targetGUID=guid)
    etree.SubElement(holder, f"{p}{kind}Value").text = xml_text(_value_text(value, kind, as_json))


def _source_values(source: Any, document: dict[str, Any], kinds: Kinds) -> None:
    """A document's attributes on its own TextSource too: where QualCoder and MAXQDA look for a file's attributes."""
    for key, value in json.loads(document["attributes"] or "{}").items():
        if value is not None:
            _variable_value(source, kinds, key, value)


def _variables_and_cases(root: Any, documents: list[dict[str, Any]]) -> Kinds:
    """Document attributes as Variables, and one Case per document holding its values; returns the variables."""
    from lxml import etree

    p = f"{{{PROJECT_NS}}}"
    attributes = [(d, json.loads(d["attributes"] or "{}")) for d in documents]
    keys: dict[str, list[Any]] = {}
    for _, values in attributes:
        for key, value in values.items():
            if value is not None:
                keys.setdefault(key, []).append(value)
    kinds: Kinds = {}
    if not keys:
        return kinds
    variables = etree.SubElement(root, f"{p}Variables")
    for key, values in keys.items():
        as_json = any(isinstance(v, (list, dict)) for v in values)
        kind = "Text" if as_json else _variable_type(values)
        guid = stable_guid("variable", key)
        kinds[key] = (guid, kind, as_json)
        variable = etree.SubElement(variables, f"{p}Variable", guid=guid, name=xml_text(key), typeOfVariable=kind)
        if as_json:
            etree.SubElement(variable, f"{p}Description").text = JSON_VARIABLE
    cases = etree.SubElement(root, f"{p}Cases")
    for document, values in attributes:
        present = [(k, v) for k, v in values.items() if v is not None]
        if not present:
            continue
        case = etree.SubElement(cases, f"{p}Case", guid=stable_guid("case", document["uuid"]), name=xml_text(document["name"]))
        for key, value in present:
            _variable_value(case, kinds, key, value)
        etree.SubElement(case, f"{p}SourceRef", targetGUID=document["uuid"])
    if not len(cases):
        root.remove(cases)
    return kinds


def write_qdpx(db: Database, path: Path, name: str, *, progress: Progress | None = None) -> Path:
    """Write the whole study as a `.qdpx` (project.qde + sources/<guid>.txt) to `path`."""
    from lxml import etree

    tree, sources = build_project(db, name)
    with replacing(path) as temp:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))
            for number, (guid, text) in enumerate(sources.items(), 1):
                archive.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
                if progress:
                    progress(number, len(sources))
    return path


def export_qdpx(db: Database, exports_dir: Path, name: str, *, output: Path | str | None = None,
                keep_both: bool = False, progress: Progress | None = None,
                rewrite: Callable[[Path], object] | None = None) -> Path:
    """Export the study as a REFI-QDA project; returns the file written (an earlier file of that name replaced unless `keep_both`).

    `rewrite` changes the finished archive in place before it takes its name (a pseudonymised export)."""
    path = export_target(exports_dir, [name], "qdpx", output, keep_both=keep_both)
    if rewrite is None:
        return write_qdpx(db, path, name, progress=progress)
    with replacing(path) as temp:
        write_qdpx(db, temp, name, progress=progress)
        rewrite(temp)
    return path


def export_qdc(db: Database, exports_dir: Path, *, output: Path | str | None = None, keep_both: bool = False) -> Path:
    """Export the codebook as a REFI-QDA `.qdc`; returns the file written."""
    path = export_target(exports_dir, ["codebook"], "qdc", output, keep_both=keep_both)
    return write_qdc(db, path)
