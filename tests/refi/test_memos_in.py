"""Memos from other tools come in, each on what it describes: Descriptions of the project, of sources, of selections
(with codings or without: ATLAS.ti's quotation comment, MAXQDA's and QualCoder's memos) and of codes already in the
codebook, and Notes — inline or in a `plainTextPath` file — referenced from a coding, a selection, a source, a code or
the project. Importing the same file again adds none of them twice."""

from __future__ import annotations

from coder.refi import import_refi
from tests.refi.builders import G, fresh, make_qdpx, project_xml

TEXT = "Anna: we export mangos.\nBen: and limes.\n"
MEMOS = ("SELECT m.text, r.name, d.name, m.start, m.end, k.name FROM memos m LEFT JOIN coders r ON r.id = m.coder_id"
         " LEFT JOIN documents d ON d.id = m.document_id LEFT JOIN codes k ON k.id = m.code_id ORDER BY m.text")


def project(code_description: str) -> str:
    codes = (f'<Code guid="{G[30]}" name="themes" isCodable="false"><Description>what people talk about</Description>'
             f'<Code guid="{G[1]}" name="mangos" isCodable="true"><Description>{code_description}</Description>'
             f'<NoteRef targetGUID="{G[13]}"/></Code></Code>')
    source = (f'<TextSource guid="{G[3]}" name="talk.txt" plainTextPath="internal://{G[3]}.txt" creatingUser="{G[2]}">'
              '<Description>about trade</Description>'
              f'<PlainTextSelection guid="{G[4]}" startPosition="6" endPosition="23" creatingUser="{G[2]}">'
              '<Description>the key quote</Description>'
              f'<Coding guid="{G[7]}" creatingUser="{G[2]}"><CodeRef targetGUID="{G[1]}"/><NoteRef targetGUID="{G[8]}"/></Coding>'
              f'<NoteRef targetGUID="{G[15]}"/></PlainTextSelection>'
              f'<PlainTextSelection guid="{G[5]}" startPosition="24" endPosition="39" creatingUser="{G[2]}">'
              '<Description>limes, an annotation</Description></PlainTextSelection>'
              f'<NoteRef targetGUID="{G[14]}"/></TextSource>')
    notes = ('<Notes>'
             f'<Note guid="{G[8]}" name="Why" plainTextPath="internal://{G[8]}.txt" creatingUser="{G[2]}"/>'
             f'<Note guid="{G[12]}" name="Research plan"><PlainTextContent>log everything</PlainTextContent></Note>'
             f'<Note guid="{G[13]}" name="On mangos" creatingUser="{G[2]}"><PlainTextContent>seasonal</PlainTextContent></Note>'
             f'<Note guid="{G[14]}" name="Source note" plainTextPath="internal://{G[14]}.txt"/>'
             f'<Note guid="{G[15]}" name="Selection note"><PlainTextContent>said twice</PlainTextContent>'
             '<Description>by Anna</Description></Note>'
             f'</Notes><Description>the project memo</Description><NoteRef targetGUID="{G[12]}"/>')
    return project_xml(source, codes, f'<Users><User guid="{G[2]}" name="maria"/></Users>', notes)


def test_memos_of_every_kind_come_in_on_what_they_describe(tmp_path, make_study):
    files = {f"sources/{G[3]}.txt": TEXT.encode(), f"sources/{G[8]}.txt": b"because it is fresh",
             f"sources/{G[14]}.txt": b"transcribed by Ben\r\n"}
    study, db = fresh(make_study)
    report = import_refi(db, study, make_qdpx(tmp_path / "m.qdpx", project("fruit talk"), files))
    assert db.execute("SELECT quote, memo FROM codings").fetchall() == [("we export mangos.", "Why\n\nbecause it is fresh")]
    assert db.execute("SELECT description FROM codes WHERE name = 'mangos'").fetchone() == ("fruit talk",)
    assert db.execute(MEMOS).fetchall() == [
        ("On mangos\n\nseasonal", "maria", None, None, None, "mangos"),  # a Note on a code
        ("Research plan\n\nlog everything", None, None, None, None, None),  # a Note on the project
        ("Selection note\n\nsaid twice\n\nby Anna", None, "talk", 6, 23, None),  # a Note on a selection, its Description last
        ("Source note\n\ntranscribed by Ben", None, "talk", None, None, None),  # a plainTextPath Note on a source
        ("about trade", "maria", "talk", None, None, None),  # the source's Description
        ("limes, an annotation", "maria", "talk", 24, 39, None),  # a selection without codings
        ("the key quote", "maria", "talk", 6, 23, None),  # a selection's Description
        ("the project memo", None, None, None, None, None),  # the project's Description
    ]
    assert (report.memos_added, report.coding_memos) == (8, 1)
    again = import_refi(db, study, make_qdpx(tmp_path / "m.qdpx", project("fruit talk"), files))
    assert (again.memos_added, again.coding_memos, again.codings_added) == (0, 0, 0)
    # a code already in the codebook keeps its definition; what the other tool says of it now is a memo on it
    revised = import_refi(db, study, make_qdpx(tmp_path / "r.qdpx", project("fruit talk, now also pulp"), files))
    assert revised.memos_added == 1
    assert db.execute("SELECT m.text FROM memos m JOIN codes k ON k.id = m.code_id WHERE k.name = 'mangos'"
                      " AND m.coder_id IS NULL").fetchall() == [("fruit talk, now also pulp",)]
    assert db.execute("SELECT description FROM codes WHERE name = 'mangos'").fetchone() == ("fruit talk",)
    db.close()
