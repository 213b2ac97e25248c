"""Reading REFI-QDA files from other tools — leniently, and as the untrusted input they are.

A `.qdpx` is a zip: every entry is checked before anything is read (no `../`, no absolute
paths, no symlinks, and coder's one budget, `coder.limits`: entries, unpacked sizes, compression
ratio, so a zip bomb is refused), entries are unpacked a chunk at a time against that budget, each
text is checked (`check_text`) before positions are mapped or passages cut, and XML goes through
`markup.parse_xml` (no DTD, no entities, no network, bounded depth and elements). Nothing is ever
extracted to disk.

Real files deviate from the standard; this reader accepts what the tools write: a `.qde` of any
name, `sources/` or `Sources/`, the old codebook namespace `urn:QDA-XML:codebook:0:4`, empty
containers such as `<Sets/>`, memos as Notes or Descriptions, variables on cases or on sources.
Selection positions are converted to code points of the normalised text (NFC, `\\n`): tools
that count UTF-16 units (an emoji is 2) or CRLF as one character are recognised per source
(`positions`). The result is a `RefiProject` (`model`): plain data, with warnings for
everything not taken over.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from coder.errors import CoderError
from coder.limits import LIMITS, Limits, check_text, open_archive, read_bounded, read_entry
from coder.refi.descriptions import JSON_VARIABLE
from coder.refi.markup import CODEBOOK_NS, PROJECT_NS, clean_guid, local, parse_xml, schema_errors
from coder.refi.model import BadPart, RefiCode, RefiCoding, RefiNote, RefiProject, RefiSelection, RefiSource
from coder.refi.positions import STANDARD, Positions
from coder.text import decode, normalise

OLD_CODEBOOK_NS = "urn:QDA-XML:codebook:0:4"


# The archive --------------------------------------------------------------------------------------


def read_refi(path: Path, *, limits: Limits = LIMITS) -> RefiProject:
    """Read a `.qdpx` project or a `.qdc` codebook into a `RefiProject`; refuses hostile files.

    Args:
        limits: the budget the file is read against (tests pass small ones).
    """
    path = Path(path)
    if not path.is_file():
        raise CoderError("no such file", where=str(path), fix="check the path")
    if zipfile.is_zipfile(path):
        return _read_qdpx(path, limits)
    if path.suffix.lower() == ".qdpx":
        raise CoderError("is not a zip file, so not a .qdpx project", where=str(path), fix="export the project again from the QDA tool")
    raw = read_bounded(path, limits.file_bytes, fix="check that this is a REFI-QDA .qdc or .qdpx file")
    tree = parse_xml(raw, path.name, limits)
    project = RefiProject(file=path.name, kind="codebook")
    _read_root(tree, project, path.name, _Entries(None, {}, limits, path.name), codebook=True)
    return project


def _unsafe_entry(info: zipfile.ZipInfo) -> str | None:
    """Why an entry may not be read, or None when it is fine."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    if ".." in name.split("/"):
        return "climbs out of the archive with '..'"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


class _Entries:
    """The archive's files by lower-case name, read with size checks."""

    def __init__(self, archive: zipfile.ZipFile | None, by_name: dict[str, zipfile.ZipInfo], limits: Limits, file: str) -> None:
        self.archive = archive
        self.by_name = by_name
        self.limits = limits
        self.file = file

    def source(self, reference: str | None) -> tuple[bytes | None, str, str]:
        """The bytes of `internal://name` (looked up in sources/, Sources/ or the root), or None with why;
        and where they are (`file.qdpx:sources/x.txt`), for the errors about them."""
        if not reference:
            return None, "", self.file
        scheme, _, rest = reference.partition("://")
        if scheme.lower() != "internal" or self.archive is None:
            return None, f"'{reference}' is not inside the archive", self.file
        info = self.by_name.get(PurePosixPath(rest.replace("\\", "/")).name.lower())
        if info is None:
            return None, f"'{reference}' is missing from the archive", self.file
        where = f"{self.file}:{info.filename}"
        return read_entry(self.archive, info, where, self.limits.entry_bytes), "", where


def _read_qdpx(path: Path, limits: Limits) -> RefiProject:
    """The project of a `.qdpx`, whose entries are checked against the budget before any is unpacked."""
    archive = open_archive(path, where=str(path), limits=limits)
    with archive:
        infos = archive.infolist()
        by_name: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            problem = _unsafe_entry(info)
            if problem:
                raise CoderError(f"entry '{info.filename}' {problem}; refused (a .qdpx must not write outside its folder)",
                                 where=str(path), fix="check where the file comes from; export it again from the QDA tool")
            if info.is_dir():
                continue
            key = info.filename.replace("\\", "/").lower()
            if key in by_name:
                raise CoderError(f"the archive holds '{info.filename}' twice; refused", where=str(path),
                                 fix="export the project again from the QDA tool")
            by_name[key] = info
        project = RefiProject(file=path.name, kind="project")
        qde = _project_entry(by_name, path, project)
        prefix = qde.filename.replace("\\", "/").rpartition("/")[0]
        prefix = prefix + "/" if prefix else ""  # some tools zip the project's folder, not its contents
        files: dict[str, zipfile.ZipInfo] = {}
        for key, info in by_name.items():
            if key.startswith(prefix.lower()):
                relative = key[len(prefix):]
                files[relative[len("sources/"):] if relative.startswith("sources/") else relative] = info
        folders = {i.filename.replace("\\", "/")[len(prefix):].split("/")[0] for i in infos
                   if i.filename.replace("\\", "/")[len(prefix):].count("/")}
        odd = [f for f in folders if f.lower() == "sources" and f != "sources"]
        if odd:
            project.warnings.append(f"the sources folder is named '{odd[0]}/' (the standard says 'sources/'); read anyway")
        entries = _Entries(archive, files, limits, path.name)
        where = f"{path.name}:{qde.filename}"
        tree = parse_xml(read_entry(archive, qde, where, limits.entry_bytes), where, limits)
        _read_root(tree, project, where, entries, codebook=False)
        return project


def _project_entry(by_name: dict[str, zipfile.ZipInfo], path: Path, project: RefiProject) -> zipfile.ZipInfo:
    found = [info for key, info in by_name.items() if key.endswith(".qde")]
    if not found:
        raise CoderError("the archive holds no .qde project file", where=str(path), fix="check that this is a REFI-QDA .qdpx export")
    found.sort(key=lambda i: (i.filename.lower() != "project.qde", "/" in i.filename, i.filename))
    chosen = found[0]
    if chosen.filename != "project.qde":
        project.warnings.append(f"the project file is named '{chosen.filename}' (the standard says 'project.qde'); read anyway")
    if len(found) > 1:
        project.warnings.append(f"the archive holds {len(found)} .qde files; read '{chosen.filename}' only")
    return chosen


# The XML ------------------------------------------------------------------------------------------


def kids(element: Any, name: str) -> list[Any]:
    return [child for child in element if local(child.tag) == name]


def kid(element: Any, name: str) -> Any:
    return next((child for child in element if local(child.tag) == name), None)


def _text(element: Any) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text


def _notes_of(element: Any, children: dict[str, list[Any]] | None = None) -> list[str]:
    refs = children.get("NoteRef", ()) if children is not None else kids(element, "NoteRef")
    return [g for g in (clean_guid(n.get("targetGUID")) for n in refs) if g]


def by_name(element: Any) -> dict[str, list[Any]]:
    """An element's children by local name, found in one pass: a large project has a selection per coding, and
    each would otherwise be scanned once per kind of child."""
    found: dict[str, list[Any]] = {}
    for child in element:
        found.setdefault(local(child.tag), []).append(child)
    return found


HANDLED = frozenset(
    "Project Users User CodeBook Codes Code Description NoteRef Variables Variable Cases Case VariableValue VariableRef"
    " TextValue BooleanValue IntegerValue FloatValue DateValue DateTimeValue SourceRef Sources TextSource PlainTextContent"
    " PlainTextSelection Coding CodeRef Notes Note Sets Set MemberCode MemberSource MemberNote".split()
)
NOT_TAKEN = {
    "PictureSource": "coder imports text sources only", "PDFSource": "coder imports text sources only",
    "AudioSource": "coder imports text sources only", "VideoSource": "coder imports text sources only",
    "Links": "coder has no links between items", "Graphs": "coder has no graphs",
    "SelectionRef": "cases of selections are not kept", "MemberNote": "sets of notes are not kept",
}


def _read_root(tree: Any, project: RefiProject, where: str, entries: _Entries, *, codebook: bool) -> None:
    root = tree.getroot()
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    expected = ("CodeBook", CODEBOOK_NS, "Codebook.xsd") if codebook else ("Project", PROJECT_NS, "Project.xsd")
    if local(root.tag) != expected[0]:
        raise CoderError(f"the root element is <{local(root.tag)}>, not <{expected[0]}>", where=where,
                         fix=f"pass a REFI-QDA {'.qdc codebook' if codebook else '.qdpx project'}")
    if namespace != expected[1]:
        note = " (an old draft of the standard, used by ATLAS.ti 9)" if namespace == OLD_CODEBOOK_NS else ""
        project.warnings.append(f"not valid REFI-QDA: the namespace is '{namespace or 'none'}'{note} instead of"
                                f" '{expected[1]}'; read anyway")
    problems = schema_errors(_renamespaced(root, expected[1]) if namespace != expected[1] else tree, expected[2], limit=3)
    if problems:
        project.warnings.append(f"not valid against {expected[2]} ({'; '.join(problems)}); read anyway")
    for element in root.iter():
        if isinstance(element.tag, str) and len(element) == 0 and local(element.tag) in (
                "Sets", "Codes", "Users", "Sources", "Notes", "Cases", "Variables", "Links", "Graphs") and element.get("guid") is None:
            project.warnings.append(f"an empty <{local(element.tag)}/> (the schema needs at least one child); ignored")
    project.origin = root.get("origin")
    project.name = root.get("name")
    project.creator = clean_guid(root.get("creatingUserGUID"))
    for user in kids(kid(root, "Users") if kid(root, "Users") is not None else root, "User"):
        guid = clean_guid(user.get("guid"))
        if guid:
            project.users[guid] = (user.get("name") or user.get("id") or f"user {guid[:8]}").strip()
    codes_parent = kid(root, "Codes") if codebook else kid(kid(root, "CodeBook"), "Codes") if kid(root, "CodeBook") is not None else None
    if codes_parent is not None:
        project.codes = [c for c in (_code(e, project) for e in kids(codes_parent, "Code")) if c]
    variables = _variables(root)
    for note in kids(kid(root, "Notes"), "Note") if kid(root, "Notes") is not None else []:
        _note(note, project, entries)
    project.project_notes = _notes_of(root)
    project.description = _text(kid(root, "Description"))
    sources = kid(root, "Sources")
    if sources is not None:
        for number, element in enumerate(kids(sources, "TextSource"), 1):
            source = _source(element, project, entries, variables, number)
            if source:
                project.sources.append(source)
    _cases(root, project, variables)
    _sets(root, project)
    _report_unknown(root, project)


def _renamespaced(root: Any, namespace: str) -> Any:
    """A copy of the tree with every element in `namespace` (to validate files with another namespace)."""
    from copy import deepcopy

    copy = deepcopy(root)
    for element in copy.iter():
        if isinstance(element.tag, str):
            element.tag = f"{{{namespace}}}{local(element.tag)}"
    from lxml import etree

    etree.cleanup_namespaces(copy)
    return copy.getroottree()


def _code(element: Any, project: RefiProject) -> RefiCode | None:
    guid = clean_guid(element.get("guid"))
    name = (element.get("name") or "").strip()
    if not guid or not name:
        project.warnings.append(f"a <Code> without {'a GUID' if not guid else 'a name'} ({name or element.get('guid')});"
                                " skipped with its children")
        return None
    code = RefiCode(guid=guid, name=name, codable=(element.get("isCodable") or "true").lower() not in ("false", "0"),
                    colour=element.get("color"), description=_text(kid(element, "Description")), notes=_notes_of(element))
    code.children = [c for c in (_code(e, project) for e in kids(element, "Code")) if c]
    return code


def _note(element: Any, project: RefiProject, entries: _Entries) -> None:
    guid = clean_guid(element.get("guid"))
    if not guid:
        project.warnings.append(f"a <Note> without a GUID ('{element.get('name')}'); skipped")
        return
    text = _text(kid(element, "PlainTextContent"))
    if text is None and element.get("plainTextPath"):
        raw, problem, _ = entries.source(element.get("plainTextPath"))
        text = _decode(raw, project, f"note '{element.get('name')}'") if raw else None
        if problem:
            project.warnings.append(f"note '{element.get('name')}': {problem}")
    project.notes[guid] = RefiNote(guid, element.get("name"), normalise(text or ""), _text(kid(element, "Description")),
                                   clean_guid(element.get("creatingUser")), element.get("creationDateTime"),
                                   element.get("modifiedDateTime"))
    if kids(element, "PlainTextSelection"):
        project.warnings.append(f"note '{element.get('name')}' has selections of its own; they are not imported")


def _variables(root: Any) -> dict[str, tuple[str, str, bool]]:
    """Variable GUID → (name, type, JSON-encoded)."""
    found = {}
    holder = kid(root, "Variables")
    for variable in kids(holder, "Variable") if holder is not None else []:
        guid = clean_guid(variable.get("guid"))
        if guid and variable.get("name"):
            found[guid] = (variable.get("name"), variable.get("typeOfVariable") or "Text",
                           _text(kid(variable, "Description")) == JSON_VARIABLE)
    return found


def _values(element: Any, variables: dict[str, tuple[str, str, bool]], project: RefiProject) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for holder in kids(element, "VariableValue"):
        reference = kid(holder, "VariableRef")
        guid = clean_guid(reference.get("targetGUID")) if reference is not None else None
        variable = variables.get(guid) if guid is not None else None
        if variable is None:
            project.warnings.append("a variable value refers to an unknown variable; skipped")
            continue
        name, _, as_json = variable
        value_element = next((c for c in holder if local(c.tag).endswith("Value") and local(c.tag) != "VariableRef"), None)
        if value_element is None:
            continue
        kind, text = local(value_element.tag), (value_element.text or "").strip()
        try:
            if as_json:
                values[name] = json.loads(value_element.text or "null")
            elif kind == "BooleanValue":
                values[name] = text.lower() in ("true", "1")
            elif kind == "IntegerValue":
                values[name] = int(text)
            elif kind == "FloatValue":
                values[name] = float(text)
            else:
                values[name] = value_element.text or ""
        except ValueError:
            values[name] = value_element.text or ""
    return values


def _source(element: Any, project: RefiProject, entries: _Entries, variables: dict, number: int) -> RefiSource | None:
    guid = clean_guid(element.get("guid"))
    name = (element.get("name") or "").strip() or f"source {number}"
    selections = [(s, by_name(s)) for s in kids(element, "PlainTextSelection")]
    count = sum(len(parts.get("Coding", ())) for _, parts in selections) + len(kids(element, "Coding"))
    raw, problem, where = entries.source(element.get("plainTextPath"))
    text: str | None = None
    if raw:
        text = _decode(raw, project, f"source '{name}'")
    elif _text(kid(element, "PlainTextContent")):
        text, where = _text(kid(element, "PlainTextContent")), f"{entries.file}:{name}"
    if text:  # before positions are mapped or passages cut: both take memory in proportion to the text
        check_text(text, where, entries.limits)
    if not guid:
        project.warnings.append(f"source '{name}' has no GUID; skipped with its {count} codings")
        project.skipped_codings += count
        return None
    if not text or not text.strip():
        why = problem or "its plain text is empty"
        project.warnings.append(f"source '{name}' has no text ({why}); skipped" + (f" with its {count} codings" if count else ""))
        project.skipped_codings += count
        return None
    places = Positions(text)
    source = RefiSource(guid=guid, name=name, text=places.text, description=_text(kid(element, "Description")),
                        user=clean_guid(element.get("creatingUser")), notes=_notes_of(element),
                        codings=[_coding(c) for c in kids(element, "Coding")], attributes=_values(element, variables, project))
    read = []
    for selection, parts in selections:
        try:
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        except (TypeError, ValueError):
            project.warnings.append(f"source '{name}': a selection without numeric positions; skipped")
            project.skipped_codings += len(parts.get("Coding", ()))
            continue
        read.append(RefiSelection(
            guid=clean_guid(selection.get("guid")), start=min(start, end), end=max(start, end), name=selection.get("name"),
            description=_text(next(iter(parts.get("Description", ())), None)), user=clean_guid(selection.get("creatingUser")),
            created=selection.get("creationDateTime"), codings=[_coding(c) for c in parts.get("Coding", ())],
            notes=_notes_of(selection, parts)))
    unit = places.detect(read)
    source.unit = unit
    if unit != STANDARD:
        project.warnings.append(f"source '{name}': positions are counted in {unit}, not code points as the standard says;"
                                " converted")
    for selection in read:
        first, last = places.convert(unit, selection.start), places.convert(unit, selection.end)
        if first is None or last is None:  # positions that cannot be in the text: the import refuses (or skips) it
            project.bad.append(BadPart(name, f"selection {selection.start}–{selection.end}",
                                       f"lies outside its text (0–{len(places.text)})", len(selection.codings)))
            continue
        if last <= first:
            project.warnings.append(f"source '{name}': selection {selection.start}–{selection.end} is empty;"
                                    f" skipped with its {len(selection.codings)} codings")
            project.skipped_codings += len(selection.codings)
            continue
        selection.start, selection.end = first, last
        source.selections.append(selection)
    return source


def _coding(element: Any) -> RefiCoding:
    parts = by_name(element)
    reference = next(iter(parts.get("CodeRef", ())), None)
    return RefiCoding(guid=clean_guid(element.get("guid")), code=clean_guid(reference.get("targetGUID")) if reference is not None else None,
                      user=clean_guid(element.get("creatingUser")), created=element.get("creationDateTime"),
                      notes=_notes_of(element, parts))


def _decode(raw: bytes, project: RefiProject, what: str) -> str:
    """Plain text bytes → text: UTF-8 as the standard says, anything else read with a warning."""
    decoded = decode(raw, f"{project.file}: {what}", refuse_binary=False)
    if decoded.encoding == "utf-16":
        project.warnings.append(f"{what}: the text is UTF-16 (the standard says UTF-8); read anyway")
    elif decoded.encoding != "utf-8":
        project.warnings.append(f"{what}: the text is not UTF-8; read as Windows-1252")
    if "\x00" in decoded.text:  # one unit as U+FFFD too, so positions stay; SQLite's text functions stop at a NUL
        project.warnings.append(f"{what}: {decoded.text.count(chr(0))} NUL character(s) in the text, shown as \ufffd")
        return decoded.text.replace("\x00", "\ufffd")
    return decoded.text


def _cases(root: Any, project: RefiProject, variables: dict) -> None:
    holder = kid(root, "Cases")
    by_guid = {s.guid: s for s in project.sources}
    for case in kids(holder, "Case") if holder is not None else []:
        values = _values(case, variables, project)
        targets = [clean_guid(r.get("targetGUID")) for r in kids(case, "SourceRef")]
        name = case.get("name")
        if kids(case, "CodeRef"):
            project.warnings.append(f"case '{name}' is coded with codes; coder keeps cases as document attributes only")
        if kid(case, "Description") is not None and _text(kid(case, "Description")):
            values.setdefault("case_description", _text(kid(case, "Description")))
        for target in targets:
            source = by_guid.get(target) if target is not None else None
            if source is None:
                continue
            source.attributes.update({k: v for k, v in values.items() if k not in source.attributes})
            if name and name != source.name:
                cases = source.attributes.get("case")
                source.attributes["case"] = name if cases is None else [*(cases if isinstance(cases, list) else [cases]), name]
        if not targets:
            project.warnings.append(f"case '{name}' has no sources; its variables are not imported")


def _sets(root: Any, project: RefiProject) -> None:
    holder = kid(root, "Sets")
    for item in kids(holder, "Set") if holder is not None else []:
        project.sets.append({
            "name": item.get("name"), "guid": clean_guid(item.get("guid")), "description": _text(kid(item, "Description")),
            "codes": [clean_guid(m.get("targetGUID") or m.get("guid")) for m in kids(item, "MemberCode")],
            "sources": [clean_guid(m.get("targetGUID") or m.get("guid")) for m in kids(item, "MemberSource")],
        })


def _report_unknown(root: Any, project: RefiProject) -> None:
    """Warn about every element coder does not take over, by name and count (never dropped silently)."""
    counts: Counter[str] = Counter()

    def visit(element: Any, parent: str) -> None:
        name = local(element.tag)
        if not name:
            return
        if name in NOT_TAKEN or name not in HANDLED or (name == "CodeRef" and parent == "Case"):
            counts[name] += 1
            return
        for child in element:
            visit(child, name)

    visit(root, "")
    for name, count in sorted(counts.items()):
        reason = NOT_TAKEN.get(name, "coder does not know this element")
        project.warnings.append(f"{count} <{name}> element{'s' * (count != 1)} not imported ({reason})")
