"""Reading other tools' files leniently (odd names, folders, namespaces) and refusing hostile ones."""

from __future__ import annotations

import zipfile

import pytest

from coder.errors import CoderError
from coder.limits import Limits
from coder.refi import import_refi, read_refi
from coder.study import connect_study
from tests.refi.builders import G, bomb, fresh, hostile_zip, laughs, make_qdpx, nvivo_like, project_xml, state


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
                   f' isCodable="false"><Code guid="{G[6]}" name="child" isCodable="true"/></Code></Codes><Sets/></CodeBook>',
                   encoding="utf-8")
    study, db = fresh(make_study)
    report = import_refi(db, study, old)
    assert report.groups_added == ["folder"] and report.codes_added == ["folder/child"]
    assert any("namespace is 'urn:QDA-XML:codebook:0:4'" in w for w in report.warnings)
    assert any("an empty <Sets/>" in w for w in report.warnings)
    db.close()


# Hostile files ---------------------------------------------------------------------------------------------

SMALL = Limits(archive_entries=20, entry_bytes=2_000_000, archive_bytes=3_000_000, passage_characters=1_000, passages=50,
               xml_depth=30, xml_elements=500)


def stored(path, files: dict[str, bytes]):
    """A project whose entries are stored, not packed: their sizes are what they are, no ratio to catch."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("project.qde", project_xml())
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def one_source(path, text: str):
    source = f'<TextSource guid="{G[3]}" name="long" plainTextPath="internal://{G[3]}.txt"/>'
    return make_qdpx(path, project_xml(source), {f"sources/{G[3]}.txt": text.encode()})


HOSTILE = {
    "zip-slip": (lambda p: hostile_zip(p, "../../evil.txt"), "entry '../../evil.txt' climbs out of the archive with '..'; refused"),
    "absolute path": (lambda p: hostile_zip(p, "/etc/cron.d/evil"), "entry '/etc/cron.d/evil' is an absolute path; refused"),
    "symlink": (lambda p: hostile_zip(p, "sources/link.txt", b"/etc/passwd", symlink=True),
                "entry 'sources/link.txt' is a symbolic link; refused"),
    "zip bomb": (bomb, "times its packed size, over coder's limit of 100×; refused as a possible zip bomb"),
    "too many entries": (lambda p: make_qdpx(p, project_xml(), {f"sources/{n}.txt": b"" for n in range(30)}),
                         "the archive's number of entries is 31, over coder's limit of 20"),
    "entry too large": (lambda p: stored(p, {"sources/big.txt": b"a" * 3_000_000}),
                        "entry 'sources/big.txt' unpacked is 3 MB, over coder's limit of 2 MB"),
    "archive too large": (lambda p: stored(p, {f"sources/{n}.txt": b"a" * 900_000 for n in range(4)}),
                          "the archive unpacked is over 3 MB, over coder's limit of 3 MB"),
    "paragraph too long": (lambda p: one_source(p, "a" * 5_000),
                           f"evil.qdpx:sources/{G[3]}.txt:1: the paragraph is 5,000 characters, over coder's limit"
                           " of 1,000"),
    "paragraph too long inline": (lambda p: make_qdpx(p, project_xml(
        f'<TextSource guid="{G[3]}" name="inline"><PlainTextContent>{"a " * 3_000}</PlainTextContent></TextSource>')),
                                  "evil.qdpx:inline:1: the paragraph is 6,000 characters"),
    "speaker turn too long": (lambda p: one_source(p, "ANNA: " + ("word " * 150 + "\n\n") * 10 + "BEN: ok\n"),
                              "evil.qdpx: source 'long': passage 1 is 7,517 characters, over coder's limit of 1,000"),
    "too many paragraphs": (lambda p: one_source(p, "a\n\n" * 60), "the document's number of paragraphs is over 50"),
    "XML too deep": (lambda p: make_qdpx(p, project_xml(extra="<x>" * 40 + "</x>" * 40)),
                     "evil.qdpx:project.qde: the XML's depth is over 30 levels, over coder's limit of 30 levels"),
    "XML too many elements": (lambda p: make_qdpx(p, project_xml(extra="<x/>" * 600)),
                              "evil.qdpx:project.qde: the XML's number of elements is over 500"),
    "billion laughs": (lambda p: make_qdpx(p, laughs()), "declares a DTD (<!DOCTYPE>)"),
    "external entity": (lambda p: make_qdpx(p, '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                               '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>'),
                        "refused to rule out entity expansion"),
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
        import_refi(db, study, path, limits=SMALL)
    text = str(refused.value)
    assert message in text and path.name in text.split(": ")[0] and "\n" not in text  # one line that names the file
    assert state(study) == before
    db.close()
