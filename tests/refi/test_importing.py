"""Importing REFI-QDA into a study: our own export comes back losslessly, other tools' memos and variables arrive."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder import coding
from coder.cli import main
from coder.errors import CoderError
from coder.refi import import_refi
from coder.study import connect_study, refresh_study
from tests import export_study
from tests.conftest import INTERVIEW
from tests.refi.builders import ONE_CODE, G, fresh, hostile_zip, make_qdpx, nvivo_like, project_xml, state


def codings(db) -> list[tuple]:
    return sorted(db.execute(
        "SELECT d.name, g.name || '/' || k.name, r.name, c.start, c.end, c.memo FROM codings c"
        " JOIN documents d ON d.id = c.document_id JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id"
        " JOIN coders r ON r.id = c.coder_id").fetchall())


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
    assert "# Imported from A-small-study-" in yaml and "- name: Scanning sources\n" in yaml
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


# Memos, descriptions and variables -------------------------------------------------------------------------


def test_qdpx_memos_descriptions_variables_and_unknown_elements(tmp_path, make_study):
    text = "Anna: we export mangos.\nBen: and limes.\n"
    source = (f'<TextSource guid="{G[3]}" name="talk" plainTextPath="internal://{G[3]}.txt"><Description>about trade</Description>'
              f'<PlainTextSelection guid="{G[4]}" startPosition="6" endPosition="23"><Description>key quote</Description>'
              f'<Coding guid="{G[7]}" creatingUser="{G[2]}"><CodeRef targetGUID="{G[1]}"/><NoteRef targetGUID="{G[8]}"/></Coding>'
              f'</PlainTextSelection><VariableValue><VariableRef targetGUID="{G[9]}"/><IntegerValue>42</IntegerValue></VariableValue>'
              '</TextSource>'
              f'<PictureSource guid="{G[11]}" name="photo" path="internal://{G[11]}.png"/>')
    extra = (f'<Notes><Note guid="{G[8]}" name="Why" creatingUser="{G[2]}"><PlainTextContent>because it is fresh</PlainTextContent></Note>'
             f'<Note guid="{G[12]}" name="Research plan"><PlainTextContent>log</PlainTextContent></Note></Notes>'
             f'<Links><Link guid="{G[13]}" originGUID="{G[8]}" targetGUID="{G[4]}"/></Links>')
    variables = f'<Variables><Variable guid="{G[9]}" name="age" typeOfVariable="Integer"/></Variables>'
    xml = project_xml(source, ONE_CODE, f'<Users><User guid="{G[2]}" name="ana"/></Users>',
                      extra).replace("<Sources>", f"{variables}<Sources>")
    study, db = fresh(make_study)
    report = import_refi(db, study, make_qdpx(tmp_path / "m.qdpx", xml, {f"sources/{G[3]}.txt": text.encode()}))
    assert db.execute("SELECT quote, memo FROM codings").fetchall() == [("we export mangos.", "Why\n\nbecause it is fresh")]
    memos = db.execute("SELECT text, document_id IS NOT NULL, start FROM memos ORDER BY text").fetchall()
    assert memos == [("Research plan\n\nlog", 0, None), ("about trade", 1, None), ("key quote", 1, 6)]
    assert db.execute("SELECT attributes FROM documents").fetchone()[0] == '{"age": 42}'
    assert "1 <PictureSource> element not imported (coder imports text sources only)" in report.warnings
    assert "1 <Links> element not imported (coder has no links between items)" in report.warnings
    db.close()


def test_qdpx_a_nul_in_a_source_text_is_shown_as_a_replacement_character_and_positions_hold(tmp_path, make_study):
    """Found by the fuzzer: SQLite's text functions stop at a NUL, so the doctor saw codings past a text cut short."""
    from coder.doctor import examine

    text = "Anna: we\x00 export mangos.\nBen: and limes.\n"
    source = (f'<TextSource guid="{G[3]}" name="talk" plainTextPath="internal://{G[3]}.txt">'
              f'<PlainTextSelection guid="{G[4]}" startPosition="10" endPosition="24">'
              f'<Coding guid="{G[7]}"><CodeRef targetGUID="{G[1]}"/></Coding></PlainTextSelection></TextSource>')
    study, db = fresh(make_study)
    report = import_refi(db, study, make_qdpx(tmp_path / "m.qdpx", project_xml(source, ONE_CODE), {f"sources/{G[3]}.txt": text.encode()}))
    assert "source 'talk': 1 NUL character(s) in the text, shown as \ufffd" in report.warnings
    assert db.execute("SELECT quote FROM codings").fetchall() == [("export mangos.",)]  # after the NUL, where it was
    assert db.execute("SELECT length(text) FROM documents").fetchone() == (len(text),)
    assert not [f for f in examine(study, db, quick=True) if f.check == "offsets"]
    db.close()


# Command line ----------------------------------------------------------------------------------------------


def test_qdpx_cli_exports_and_imports(coded, make_study, tmp_path):
    study, _ = coded
    target = tmp_path / "study.qdpx"
    result = CliRunner().invoke(main, ["--study", str(study.root), "export", "qdpx", str(target)])
    assert result.exit_code == 0 and result.output.strip() == f"wrote {target}"
    again = CliRunner().invoke(main, ["--study", str(study.root), "export", "qdpx", str(target)])
    assert again.output.strip() == f"wrote {target}"  # exporting again replaces the earlier export
    both = CliRunner().invoke(main, ["--study", str(study.root), "export", "qdpx", str(target), "--keep-both"])
    assert both.output.strip() == f"wrote {tmp_path / 'study-2.qdpx'}"
    other, db = fresh(make_study, name="other")
    db.close()
    result = CliRunner().invoke(main, ["--study", str(other.root), "import", "qdpx", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("imported study.qdpx: 14 new codes (18 read), 3 documents, 11 codings, 6 memos, 2 coders")
    evil = hostile_zip(tmp_path / "evil.qdpx", "../x")
    result = CliRunner().invoke(main, ["--study", str(other.root), "import", "qdpx", str(evil)])
    assert result.exit_code == 1 and "climbs out of the archive" in result.output and result.output.count("\n") == 1


def two_phases_project(study):
    """A project giving passage 2 two phases by one coder (as an old study or another tool may), exported."""
    from coder.refi import export_qdpx
    from tests.agreement.coded_study import legacy_coding

    db = connect_study(study)
    ana = coding.add_coder(db, "ana")
    start, end = coding.passage_span(db, 1, 2)
    coding.apply_code(db, 1, coding.find_code(db, "Phase 1"), ana, start, start + 20)
    legacy_coding(db, ana, 1, coding.find_code(db, "Phase 2"), end - 20, end)
    project = export_qdpx(db, study.exports_dir, "two phases")
    db.close()
    return project


def test_qdpx_import_refuses_two_codes_of_an_exclusive_group_in_one_passage(study, make_study):
    """A project (another tool's, or an old study's) giving one passage two phases by one user: refused, nothing imported."""
    project = two_phases_project(study)
    target, target_db = fresh(make_study)
    before = state(target)
    with pytest.raises(CoderError, match="one passage would get two codes of the exclusive group phase"):
        import_refi(target_db, target, project)
    assert state(target) == before


# Another session at work ----------------------------------------------------------------------------------


def test_qdpx_import_refuses_documents_imported_by_another_session_while_it_read_the_file(make_study, tmp_path):
    """The project's documents are matched and named before the write lock (spaCy is slow): a transcript
    imported meanwhile under the same name is caught under the lock, not as a failed unique name."""
    study, db = fresh(make_study)

    def meanwhile(done: int, total: int) -> None:  # another session imports a transcript called notes, as the source is
        (study.transcripts_dir / "notes.md").write_text(INTERVIEW.replace("id: int01", "id: notes"), encoding="utf-8")
        other = connect_study(study)
        refresh_study(study, other)
        other.close()

    with pytest.raises(CoderError, match="another session imported documents while this file was read: nothing was written"):
        import_refi(db, study, nvivo_like(tmp_path), progress=meanwhile)
    assert db.execute("SELECT name FROM documents").fetchall() == [("notes",)] and codings(db) == []
    again = import_refi(db, study, nvivo_like(tmp_path))  # the fix: import it again
    assert again.codings_added == 4 and "document notes → notes (2) (a different document has that name)" in again.renamed
    db.close()


# Bad parts: refused by default, skipped and listed with --skip-bad ------------------------------------------


def bad_parts(tmp_path):
    """A project with one good coding, one selection beyond its text and one coding of a code it does not define."""
    text = "Anna: we export mangos.\n"
    selections = "".join(
        f'<PlainTextSelection guid="{G[10 + n]}" startPosition="{start}" endPosition="{end}"><Coding guid="{G[20 + n]}"'
        f' creatingUser="{G[2]}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        for n, (start, end, code) in enumerate([(6, 23, G[1]), (6, 999, G[1]), (0, 4, G[9])]))
    source = f'<TextSource guid="{G[3]}" name="talk" plainTextPath="internal://{G[3]}.txt">{selections}</TextSource>'
    xml = project_xml(source, ONE_CODE, f'<Users><User guid="{G[2]}" name="ana"/></Users>')
    return make_qdpx(tmp_path / "bad.qdpx", xml, {f"sources/{G[3]}.txt": text.encode()})


def test_qdpx_bad_parts_refuse_the_project_unless_skip_bad_which_imports_the_rest_and_lists_them(tmp_path, make_study):
    from coder.doctor import examine

    path = bad_parts(tmp_path)
    study, db = fresh(make_study)
    before, findings = state(study), examine(study, db)
    with pytest.raises(CoderError) as refused:
        import_refi(db, study, path)
    assert str(refused.value) == (
        "bad.qdpx: source 'talk': selection 6–999 lies outside its text (0–24) (and 1 more bad part); nothing was imported"
        " — fix: export the project again from the QDA tool, or import the rest with --skip-bad (each bad part is listed)")
    assert state(study) == before
    report = import_refi(db, study, path, skip_bad=True)
    assert report.skipped == ["source 'talk', selection 6–999 (1 coding): lies outside its text (0–24)",
                              f"source 'talk', selection 0–4 (1 coding): a coding of code {G[9]}, which the project does"
                              " not define"]
    assert (report.codings_read, report.codings_added, report.codings_skipped) == (3, 1, 2)
    assert report.summary().endswith(", 2 bad parts skipped") and "  skipped: source 'talk', selection 6–999" in "\n".join(report.lines())
    assert codings(db) == [("talk", "imported/mangos", "ana", 6, 23, None)]
    event = db.execute("SELECT summary, changes FROM events WHERE action = 'import_refi'").fetchone()
    inserts = [op for op in json.loads(event[1]) if op[0] == "insert"]
    assert "2 bad parts skipped" in event[0] and [op[2]["end"] for op in inserts] == [23]  # the log accounts for the one coding
    assert examine(study, db) == findings
    db.close()


def test_qdpx_cli_skip_bad(tmp_path, make_study):
    path = bad_parts(tmp_path)
    study, db = fresh(make_study)
    db.close()
    refused = CliRunner().invoke(main, ["--study", str(study.root), "import", "qdpx", str(path)])
    assert refused.exit_code == 1 and "import the rest with --skip-bad" in refused.output and refused.output.count("\n") == 1
    result = CliRunner().invoke(main, ["--study", str(study.root), "import", "qdpx", str(path), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("imported bad.qdpx: 1 new codes (1 read), 1 documents, 1 codings, 0 memos, 1 coders,"
                                    " 2 bad parts skipped")
    assert "  skipped: source 'talk', selection 6–999 (1 coding): lies outside its text (0–24)\n" in result.output


def test_qdpx_skip_bad_leaves_out_the_second_code_of_an_exclusive_group(study, make_study):
    project = two_phases_project(study)
    target, target_db = fresh(make_study)
    with pytest.raises(CoderError, match="whose group phase is not exclusive, or import the rest with --skip-bad"):
        import_refi(target_db, target, project)
    report = import_refi(target_db, target, project, skip_bad=True)
    assert len(report.skipped) == 1 and "one passage would get two codes of the exclusive group phase" in report.skipped[0]
    assert report.skipped[0].endswith("; Phase 2 left out") and report.codings_added == 1
    assert [c[1] for c in codings(target_db)] == ["phase/Phase 1"]
    target_db.close()
