"""Our export: the project and the codebook are valid against the standard's schemas, strict and complete."""

from __future__ import annotations

import zipfile

from lxml import etree

from coder.refi import SCHEMAS, export_qdc, stable_guid
from coder.study import connect_study
from tests import export_study

P = "{urn:QDA-XML:project:1.0}"

CONTAINERS = ("Users", "CodeBook", "Codes", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs")


def schema(name: str):
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def test_qdpx_export_is_valid_strict_and_complete(coded):
    study, path = coded
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        raw = archive.read("project.qde")
        texts = {n: archive.read(n) for n in names if n != "project.qde"}
    assert names[0] == "project.qde" and all(n.startswith("sources/") and n.endswith(".txt") for n in names[1:])
    assert raw.startswith(b"<?xml") and not raw.startswith(b"\xef\xbb\xbf")
    tree = etree.fromstring(raw).getroottree()
    assert schema("Project.xsd").validate(tree), schema("Project.xsd").error_log
    root = tree.getroot()
    assert root.get("basePath") is None and root.get("name") == "A small study"
    assert [e.tag for e in root.iter() if isinstance(e.tag, str) and e.tag[len(P):] in CONTAINERS and len(e) == 0] == []
    db = connect_study(study)
    documents = dict(db.execute("SELECT uuid, text FROM documents").fetchall())
    files = {n[len("sources/"):-4]: t.decode("utf-8") for n, t in texts.items()}
    memos = dict(db.execute("SELECT uuid, text FROM memos WHERE start IS NULL").fetchall())
    assert files == documents | memos  # a note's text is a file of its own (plainTextPath), but for coding and span memos
    inline = {n.get("guid"): n.findtext(f"{P}PlainTextContent") for n in root.iter(f"{P}Note") if n.get("plainTextPath") is None}
    assert inline == dict(db.execute("SELECT uuid, text FROM memos WHERE start IS NOT NULL").fetchall()) | {
        stable_guid("coding-memo", u): m for u, m in db.execute("SELECT uuid, memo FROM codings WHERE memo IS NOT NULL")}
    assert len(root.findall(f".//{P}Coding")) == len(export_study.CODINGS)
    assert {u.get("name") for u in root.iter(f"{P}User")} == {"ana", "ben"}
    groups = [c.get("name") for c in root.find(f"{P}CodeBook/{P}Codes")]
    assert groups == ["function", "phase", "role", "actor"]
    accessing = root.find(f"{P}CodeBook/{P}Codes/{P}Code/{P}Code")
    assert (accessing.get("name"), accessing.get("color"), accessing[-1].get("name")) == ("Accessing", "#2a9d8f", "Scanning sources")
    # positions are code points of the stored text: the emoji in int02 counts as one
    int02 = db.execute("SELECT uuid, text FROM documents WHERE name = 'int02'").fetchone()
    selection = [s for s in root.iter(f"{P}PlainTextSelection") if s.getparent().get("guid") == int02[0]][-1]
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert int02[1][start:end].endswith("😀 It worked.") and end == len(int02[1].rstrip("\n"))
    assert len(root.findall(f"{P}Notes/{P}Note")) == 6 and len(root.findall(f"{P}NoteRef")) == 1  # the study memo
    assert root.find(f".//{P}Case/{P}VariableValue/{P}TextValue") is not None
    db.close()


def test_qdpx_codebook_qdc_is_valid(coded, tmp_path):
    study, _ = coded
    db = connect_study(study)
    path = export_qdc(db, tmp_path)
    db.close()
    tree = etree.parse(str(path))
    assert schema("Codebook.xsd").validate(tree), schema("Codebook.xsd").error_log
    assert [c.get("name") for c in tree.getroot()[0]] == ["function", "phase", "role", "actor"]
    assert tree.getroot()[0][1].findtext("{urn:QDA-XML:codebook:1.0}Description") == "Exclusive: one code of this group per passage."
