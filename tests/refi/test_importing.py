"""REFI-QDA interchange: our export is valid and lossless, other tools' files import, hostile files are refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from coder.cli import main
from coder.errors import CoderError
from coder.exports.qdpx import describe_code, export_qdc, export_qdpx
from coder.exports.refi import SCHEMAS
from coder.exports.refi_import import import_refi
from coder.exports.refi_reader import Limits, parse_description, read_refi
from coder.study import connect_study, refresh_study
from tests import export_study
from tests.export_study import EMPTY_CODEBOOK, quotes
from tests.conftest import SHARED

P = "{urn:QDA-XML:project:1.0}"
CONTAINERS = ("Users", "CodeBook", "Codes", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs")


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """The shared coded study and its REFI-QDA export, built once."""
    from tests.conftest import study_builder

    make_study = study_builder(tmp_path_factory.mktemp("qdpx"))

    study = export_study.build(make_study)
    db = connect_study(study)
    path = export_qdpx(db, study.exports_dir, "A small study")
    db.close()
    return study, path


def fresh(make_study, codebook: str = EMPTY_CODEBOOK, name: str = "fresh"):
    study = make_study(documents={}, codebook=codebook, organisations=None, name=name)
    return study, connect_study(study)


def schema(name: str):
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def state(study) -> tuple[bytes, bytes]:
    """The study's database (main file and write-ahead log) and codebook, byte for byte."""
    db_bytes = b"".join(p.read_bytes() for p in (study.db_path, study.db_path.with_name("study.db-wal")) if p.exists())
    return db_bytes, (study.codebook_dir / "codebook.yaml").read_bytes()


def make_qdpx(path: Path, qde: str | bytes, files: dict[str, bytes] | None = None, qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, qde.encode("utf-8") if isinstance(qde, str) else qde)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def project_xml(sources: str = "", codes: str = "", users: str = "", extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="test">'
            f"{users}<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources>{extra}</Project>")


G = [f"00000000-0000-4000-8000-{n:012d}" for n in range(40)]
ONE_CODE = f'<Code guid="{G[1]}" name="mangos" isCodable="true" color="#FF8800"/>'


def codings(db) -> list[tuple]:
    return sorted(db.execute(
        "SELECT d.name, g.name || '/' || k.name, r.name, c.start, c.end, c.memo FROM codings c"
        " JOIN documents d ON d.id = c.document_id JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id"
        " JOIN coders r ON r.id = c.coder_id").fetchall())


# Our export --------------------------------------------------------------------------------------------


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
    assert {n[len("sources/"):-4]: t.decode("utf-8") for n, t in texts.items()} == documents
    assert len(root.findall(f".//{P}Coding")) == len(export_study.CODINGS)
    assert {u.get("name") for u in root.iter(f"{P}User")} == {"ana", "ben"}
    groups = [c.get("name") for c in root.find(f"{P}CodeBook/{P}Codes")]
    assert groups == ["function", "phase", "role", "actor"]
    accessing = root.find(f"{P}CodeBook/{P}Codes/{P}Code/{P}Code")
    assert (accessing.get("name"), accessing.get("color"), accessing[-1].get("name")) == ("Accessing", "#2a9d8f", "Market intelligence")
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


@pytest.mark.skipif(not SHARED.exists(), reason="../shared (reference data) is not present")
def test_qdpx_schemas_are_the_reference_copies():
    for name in ("Project.xsd", "Codebook.xsd"):
        assert (SCHEMAS / name).read_bytes() == (SHARED / "refi-qda" / name).read_bytes()


def test_qdpx_code_descriptions_carry_include_exclude_examples_and_keys():
    code = {"description": "Passing knowledge on.\n\nTo members.", "include": "newsletters", "exclude": "sales talk",
            "examples": '["a training day", "a congress talk"]', "keywords": '["training"]', "key": "2"}
    assert parse_description(describe_code(code)) == {
        "description": "Passing knowledge on.\n\nTo members.", "include": "newsletters", "exclude": "sales talk",
        "examples": ["a training day", "a congress talk"], "keywords": ["training"], "key": "2"}
    assert parse_description("Just a definition.")["description"] == "Just a definition."


# Round trip --------------------------------------------------------------------------------------------


def test_qdpx_round_trip_is_lossless(coded, make_study):
    study, path = coded
    source = connect_study(study)
    target_study, target = fresh(make_study)
    report = import_refi(target, target_study, path)
    assert report.codings_added == len(export_study.CODINGS) and report.warnings == []
    assert codings(target) == codings(source)
    code_rows = ("SELECT g.name, k.name, p.name, k.colour, k.description, k.include, k.exclude, k.examples, k.key, g.exclusive, k.uuid"
                 " FROM codes k JOIN code_groups g ON g.id = k.group_id LEFT JOIN codes p ON p.id = k.parent_id ORDER BY g.ordinal, k.name")
    assert target.execute(code_rows).fetchall() == source.execute(code_rows).fetchall()
    memo_rows = ("SELECT m.uuid, m.text, r.name, d.name, m.start, m.end, k.name FROM memos m LEFT JOIN coders r ON r.id = m.coder_id"
                 " LEFT JOIN documents d ON d.id = m.document_id LEFT JOIN codes k ON k.id = m.code_id ORDER BY m.uuid")
    assert target.execute(memo_rows).fetchall() == source.execute(memo_rows).fetchall()
    for query in ("SELECT uuid, name FROM coders ORDER BY name", "SELECT uuid, name, text, attributes FROM documents ORDER BY name",
                  "SELECT uuid FROM codings ORDER BY uuid",
                  "SELECT d.name, s.ordinal, s.start, s.end FROM segments s JOIN documents d ON d.id = s.document_id"
                  " WHERE d.name != 'cues' ORDER BY 1, 2"):  # subtitle passages are cut again from the plain text
        assert target.execute(query).fetchall() == source.execute(query).fetchall()
    # the codes are in the YAML too, so a later open keeps them active
    yaml = (target_study.codebook_dir / "codebook.yaml").read_text(encoding="utf-8")
    assert "# Imported from A-small-study-" in yaml and "- name: Market intelligence\n" in yaml
    refresh_study(target_study, target)
    assert target.execute("SELECT count(*) FROM codes WHERE active = 0").fetchone()[0] == 0
    assert target.execute("SELECT count(*) FROM codes").fetchone()[0] == 14
    # importing the same file again changes nothing
    again = import_refi(target, target_study, path)
    assert (again.codings_added, again.codings_present, again.memos_added, len(again.codes_added)) == (0, 11, 0, 0)
    assert codings(target) == codings(source)
    source.close()
    target.close()


def test_qdpx_import_into_a_new_study_keeps_its_comments_and_reports_taken_keys(coded, tmp_path):
    from coder.study import init_study

    _, path = coded
    study = init_study(tmp_path / "new")
    db = connect_study(study)
    report = import_refi(db, study, path)
    yaml = (study.codebook_dir / "codebook.yaml").read_text(encoding="utf-8")
    assert yaml.startswith("# The codebook of this study.") and "- name: Example theme" in yaml
    assert "shortcut key '1' of function/Accessing is reserved or taken; left out" in report.warnings
    assert report.groups_added == ["function", "phase", "role", "actor"] and report.codings_added == 11
    db.close()


# Quirks, on files made here ------------------------------------------------------------------------------

RAW = "Interviewer: Hi 😀 there\r\nFarmer: We sell mangos 😀😀 abroad, cafe\u0301 owners too\r\nEnd of notes\r\n"


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def nvivo_like(tmp_path: Path, folder: str = "Sources", qde_name: str = "project.qde", named: bool = False) -> Path:
    spans = []
    for quoted in ("We sell mangos", "abroad", "owners too", "End of notes"):
        start = utf16(RAW[: RAW.index(quoted)])
        spans.append((quoted, start, start + utf16(quoted)))
    selections = "".join(
        f'<PlainTextSelection guid="{G[10 + n]}" name="{q if named else ""}" startPosition="{s}" endPosition="{e}">'
        f'<Description/><Coding guid="{G[20 + n]}" creatingUser="{G[2]}"><CodeRef targetGUID="{G[1]}"/></Coding></PlainTextSelection>'
        for n, (q, s, e) in enumerate(spans))
    source = f'<TextSource guid="{G[3]}" name="notes.txt" plainTextPath="internal://{G[3]}.txt"><Description/>{selections}</TextSource>'
    xml = project_xml(source, ONE_CODE, f'<Users><User guid="{G[2]}" name="Gergo"/></Users>')
    return make_qdpx(tmp_path / "nvivo.qdpx", xml, {f"{folder}/{G[3]}.txt": b"\xef\xbb\xbf" + RAW.encode("utf-8")}, qde_name)


def test_qdpx_utf16_positions_emoji_crlf_and_nfd_are_detected_and_converted(tmp_path, make_study):
    study, db = fresh(make_study)
    report = import_refi(db, study, nvivo_like(tmp_path))
    assert quotes(db) == ["We sell mangos", "abroad", "owners too", "End of notes"]
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    assert "\r" not in text and "café owners" in text  # NFC, \n line ends
    assert any("UTF-16 units (an emoji is 2) with CRLF as 2" in w for w in report.warnings)
    assert any("the sources folder is named 'Sources/'" in w for w in report.warnings)
    db.close()


def test_qdpx_quoted_selection_names_decide_the_unit(tmp_path, make_study):
    study, db = fresh(make_study)
    import_refi(db, study, nvivo_like(tmp_path, folder="sources", qde_name="Interviews 2024.qde", named=True))
    assert quotes(db) == ["We sell mangos", "abroad", "owners too", "End of notes"]
    db.close()


def test_qdpx_lowercase_sources_and_other_qde_name(tmp_path, make_study):
    project = read_refi(nvivo_like(tmp_path, folder="sources", qde_name="MyProject.qde"))
    assert [len(s.selections) for s in project.sources] == [4]
    assert any("the project file is named 'MyProject.qde'" in w for w in project.warnings)
    assert not any("sources folder" in w for w in project.warnings)


def test_qdpx_project_zipped_inside_its_folder(tmp_path):
    inner = nvivo_like(tmp_path, folder="sources")
    wrapped = tmp_path / "wrapped.qdpx"
    with zipfile.ZipFile(inner) as source, zipfile.ZipFile(wrapped, "w") as target:
        for info in source.infolist():
            target.writestr(f"My Project/{info.filename}", source.read(info))
    project = read_refi(wrapped)
    assert [len(s.selections) for s in project.sources] == [4]
    assert any("the project file is named 'My Project/project.qde'" in w for w in project.warnings)


def test_qdpx_codebook_namespace_0_4_and_empty_sets(tmp_path, make_study):
    old = tmp_path / "old.qdc"
    old.write_text(f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:0:4"><Codes><Code guid="{G[5]}" name="folder"'
                   f' isCodable="false"><Code guid="{G[6]}" name="child" isCodable="true"/></Code></Codes><Sets/></CodeBook>', encoding="utf-8")
    study, db = fresh(make_study)
    report = import_refi(db, study, old)
    assert report.groups_added == ["folder"] and report.codes_added == ["folder/child"]
    assert any("namespace is 'urn:QDA-XML:codebook:0:4'" in w for w in report.warnings)
    assert any("an empty <Sets/>" in w for w in report.warnings)
    db.close()


def test_qdpx_memos_descriptions_variables_and_unknown_elements(tmp_path, make_study):
    text = "Anna: we export mangos.\nBen: and limes.\n"
    source = (f'<TextSource guid="{G[3]}" name="talk" plainTextPath="internal://{G[3]}.txt"><Description>about trade</Description>'
              f'<PlainTextSelection guid="{G[4]}" startPosition="6" endPosition="23"><Description>key quote</Description>'
              f'<Coding guid="{G[7]}" creatingUser="{G[2]}"><CodeRef targetGUID="{G[1]}"/><NoteRef targetGUID="{G[8]}"/></Coding>'
              f'</PlainTextSelection><VariableValue><VariableRef targetGUID="{G[9]}"/><IntegerValue>42</IntegerValue></VariableValue></TextSource>'
              f'<PictureSource guid="{G[11]}" name="photo" path="internal://{G[11]}.png"/>')
    extra = (f'<Notes><Note guid="{G[8]}" name="Why" creatingUser="{G[2]}"><PlainTextContent>because it is fresh</PlainTextContent></Note>'
             f'<Note guid="{G[12]}" name="Research plan"><PlainTextContent>log</PlainTextContent></Note></Notes>'
             f'<Links><Link guid="{G[13]}" originGUID="{G[8]}" targetGUID="{G[4]}"/></Links>')
    xml = project_xml(source, ONE_CODE, f'<Users><User guid="{G[2]}" name="ana"/></Users>',
                      extra).replace("<Sources>", f'<Variables><Variable guid="{G[9]}" name="age" typeOfVariable="Integer"/></Variables><Sources>')
    study, db = fresh(make_study)
    report = import_refi(db, study, make_qdpx(tmp_path / "m.qdpx", xml, {f"sources/{G[3]}.txt": text.encode()}))
    assert db.execute("SELECT quote, memo FROM codings").fetchall() == [("we export mangos.", "Why\n\nbecause it is fresh")]
    memos = db.execute("SELECT text, document_id IS NOT NULL, start FROM memos ORDER BY text").fetchall()
    assert memos == [("Research plan\n\nlog", 0, None), ("about trade", 1, None), ("key quote", 1, 6)]
    assert db.execute("SELECT attributes FROM documents").fetchone()[0] == '{"age": 42}'
    assert "1 <PictureSource> element not imported (coder imports text sources only)" in report.warnings
    assert "1 <Links> element not imported (coder has no links between items)" in report.warnings
    db.close()


# Hostile files ---------------------------------------------------------------------------------------------


def hostile_zip(path: Path, name: str, data: bytes = b"x", *, symlink: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project_xml())
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = (0o120777 << 16)
        archive.writestr(info, data)
    return path


def laughs() -> str:
    entities = '<!ENTITY lol "lol">' + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE Project [{entities}]><Project xmlns="urn:QDA-XML:project:1.0" name="&lol9;"/>'


def bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml())
        archive.writestr(f"sources/{G[3]}.txt", b"\0" * 5_000_000)
    return path


HOSTILE = {
    "zip-slip": (lambda p: hostile_zip(p, "../../evil.txt"), "entry '../../evil.txt' climbs out of the archive with '..'; refused"),
    "absolute path": (lambda p: hostile_zip(p, "/etc/cron.d/evil"), "entry '/etc/cron.d/evil' is an absolute path; refused"),
    "symlink": (lambda p: hostile_zip(p, "sources/link.txt", b"/etc/passwd", symlink=True), "entry 'sources/link.txt' is a symbolic link; refused"),
    "zip bomb": (bomb, "unpacks to over 1 MB; refused as a possible zip bomb"),
    "too many entries": (lambda p: make_qdpx(p, project_xml(), {f"sources/{n}.txt": b"" for n in range(30)}), "has 31 entries, over the limit of 20"),
    "billion laughs": (lambda p: make_qdpx(p, laughs()), "declares a DTD (<!DOCTYPE>)"),
    "external entity": (lambda p: make_qdpx(p, '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                               '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>'), "refused to rule out entity expansion"),
    "not a zip": (lambda p: p.write_bytes(b"PK\x03\x04 broken") and p, "is not a zip file"),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_qdpx_hostile_files_are_refused_and_the_study_is_untouched(attack, tmp_path, coded):
    study, _ = coded
    build, message = HOSTILE[attack]
    path = build(tmp_path / "evil.qdpx")
    db = connect_study(study)
    before = state(study)
    with pytest.raises(CoderError) as refused:
        import_refi(db, study, path, limits=Limits(entries=20, total_bytes=1_000_000))
    text = str(refused.value)
    assert message in text and path.name in text.split(": ")[0] and "\n" not in text  # one line that names the file
    assert state(study) == before
    db.close()


def test_qdpx_billion_laughs_is_refused_even_without_the_doctype_check():
    from coder.exports.refi import parse_xml

    raw = laughs().encode().replace(b"<!DOCTYPE", b"<!doctype")  # not well-formed: the parser refuses it too
    with pytest.raises(CoderError, match="evil.qde"):
        parse_xml(raw, "evil.qde")


# Command line ----------------------------------------------------------------------------------------------


def test_qdpx_cli_exports_and_imports(coded, make_study, tmp_path):
    study, _ = coded
    target = tmp_path / "study.qdpx"
    result = CliRunner().invoke(main, ["--study", str(study.root), "export", "qdpx", str(target)])
    assert result.exit_code == 0 and result.output.strip() == f"wrote {target}"
    again = CliRunner().invoke(main, ["--study", str(study.root), "export", "qdpx", str(target)])
    assert again.output.strip() == f"wrote {tmp_path / 'study-2.qdpx'}"  # never overwritten silently
    other, db = fresh(make_study, name="other")
    db.close()
    result = CliRunner().invoke(main, ["--study", str(other.root), "import", "qdpx", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("imported study.qdpx: 14 new codes (18 read), 3 documents, 11 codings, 6 memos, 2 coders")
    evil = hostile_zip(tmp_path / "evil.qdpx", "../x")
    result = CliRunner().invoke(main, ["--study", str(other.root), "import", "qdpx", str(evil)])
    assert result.exit_code == 1 and "climbs out of the archive" in result.output and result.output.count("\n") == 1
