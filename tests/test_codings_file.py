"""Coding files: the CSV format, its all-or-nothing checks with file and line, loading once, the bundled demonstration."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.coding import add_coder, apply_code, find_code, passage_span
from coder.codings_file import import_codings, read_codings_file
from coder.db import transaction
from coder.errors import CoderError
from coder.limits import Limits
from coder.study import Study, connect_study, refresh_study
from tests.conftest import REPO, write

GOOD = """\
# a comment line, then the header
document,passage,code,coder,memo
int01,2,function/Accessing,ana,the trade fair
int01,2,phase/Phase 1,ana,
int01,2-4,role/broker,ben,
int01,4,Diffusing,ben,"training, by SENASA"
"""


def codings(db) -> list[tuple]:
    return db.execute(
        "SELECT r.name, k.name, c.start, c.end, c.memo FROM codings c JOIN coders r ON r.id = c.coder_id"
        " JOIN codes k ON k.id = c.code_id ORDER BY r.name, c.start, k.name").fetchall()


def span(db, ordinal: int) -> tuple[int, int]:
    return db.execute("SELECT start, end FROM segments WHERE ordinal = ?", [ordinal]).fetchone()


def test_codings_file_loads_passages_ranges_and_memos(db, tmp_path):
    path = write(tmp_path / "team.csv", GOOD)
    report = import_codings(db, path)
    assert (report.rows, report.added, report.coders) == (4, 4, ["ana", "ben"])
    (s2, e2), (s4, e4) = span(db, 2), span(db, 4)
    assert codings(db) == [
        ("ana", "Accessing", s2, e2, "the trade fair"), ("ana", "Phase 1", s2, e2, None),
        ("ben", "broker", s2, e4, None), ("ben", "Diffusing", s4, e4, "training, by SENASA")]
    assert db.execute("SELECT action FROM events ORDER BY id DESC LIMIT 1").fetchone() == ("import_codings",)


def test_codings_file_start_end_is_a_stretch_inside_the_passage(db, tmp_path):
    start, end = span(db, 2)
    write(tmp_path / "spans.csv", f"document,passage,code,coder,memo,start,end\nint01,2,Enabling,ana,,{start + 5},{start + 20}\n"
                                  f"int01,,Enabling,ben,,{start},{end}\n")
    import_codings(db, tmp_path / "spans.csv")
    assert [(r[0], r[2], r[3]) for r in codings(db)] == [("ana", start + 5, start + 20), ("ben", start, end)]


def test_codings_file_loading_twice_changes_nothing(db, tmp_path):
    path = write(tmp_path / "team.csv", GOOD)
    import_codings(db, path)
    before = (codings(db), db.execute("SELECT count(*) FROM events").fetchone())
    again = import_codings(db, path)
    assert again.skipped and (codings(db), db.execute("SELECT count(*) FROM events").fetchone()) == before
    copy = write(tmp_path / "renamed.csv", GOOD + "\n")  # other bytes, same rows: nothing new either
    assert import_codings(db, copy).added == 0 and codings(db) == before[0]


@pytest.mark.parametrize("row, message", [
    ("int01,2,function/Nonsense,ana,", "team.csv:4: no code named 'function/Nonsense'"),
    ("int99,2,function/Accessing,ana,", "team.csv:4: no document named 'int99'"),
    ("int01,9,function/Accessing,ana,", "team.csv:4: passage 9 does not exist"),
    ("int01,two,function/Accessing,ana,", "team.csv:4: 'two' is not a passage number or range"),
    ("int01,2,function/Accessing,,", "team.csv:4: the coder is empty"),
    ("int01,2,function/Accessing,ana,", "team.csv:4: duplicate of line 3"),
    ("int01,2,phase/Phase 2,ana,", "team.csv:4: phase is exclusive (one code per passage), but lines 3 and 4 give ana both"
                                   " Phase 1 and Phase 2 in one passage"),
])
def test_codings_file_refuses_a_bad_row_with_file_and_line_writing_nothing(db, tmp_path, row, message):
    first = "int01,2,phase/Phase 1,ana," if "Phase 2" in row else "int01,2,function/Accessing,ana,"
    path = write(tmp_path / "team.csv", f"# codings\ndocument,passage,code,coder,memo\n{first}\n{row}\n")
    with pytest.raises(CoderError) as raised:
        import_codings(db, path)
    assert str(raised.value).startswith(message)
    assert codings(db) == [] and db.execute("SELECT count(*) FROM settings WHERE key LIKE 'codings_file:%'").fetchone() == (0,)


def test_codings_file_refuses_an_unknown_column_and_counts_further_problems(db, tmp_path):
    write(tmp_path / "a.csv", "document,passage,code,who\n")
    with pytest.raises(CoderError, match=r"a.csv:1: unknown column\(s\) who in the header"):
        import_codings(db, tmp_path / "a.csv")
    write(tmp_path / "b.csv", "document,passage,code,coder\nint01,1,Nope,ana\nint01,1,Nada,ana\nint99,1,Accessing,ana\n")
    with pytest.raises(CoderError, match=r"b.csv:2: no code named 'Nope' .*\(and 2 more problems in this file\)"):
        import_codings(db, tmp_path / "b.csv")


def test_codings_file_in_the_study_folder_loads_on_open_and_by_command(make_study, tmp_path):
    built = make_study()
    write(built.transcripts_dir / "codings" / "team.csv", GOOD)
    db = connect_study(built)
    report = refresh_study(built, db)
    assert [r.added for r in report.codings] == [4] and len(codings(db)) == 4
    assert refresh_study(built, db).codings[0].skipped  # the next open: already loaded
    db.close()
    other = write(tmp_path / "more.csv", "document,passage,code,coder,memo\nint01,1,Coordinating,cy,\n")
    result = CliRunner().invoke(main, ["--study", str(built.root), "import", "codings", str(other)])
    assert result.exit_code == 0, result.output
    assert "1 rows, 1 codings added (cy)" in result.output
    result = CliRunner().invoke(main, ["--study", str(built.root), "import", "codings", str(other)])
    assert "already loaded" in result.output


def test_codings_file_bundled_demonstration_files_are_valid(tmp_path):
    """Every row of transcripts/codings/*.csv is valid against the bundled codebook and transcripts."""
    root = tmp_path / "piura"
    shutil.copytree(REPO / "codebook", root / "codebook")
    shutil.copytree(REPO / "transcripts", root / "transcripts", ignore=shutil.ignore_patterns("codings"))
    study = Study(root)
    db = connect_study(study)
    refresh_study(study, db)
    files = sorted((REPO / "transcripts" / "codings").glob("*.csv"))
    assert [f.name for f in files] == ["demo-ana.csv", "demo-ben.csv", "demo-consensus.csv"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# DEMONSTRATION CODING")
        planned = read_codings_file(db, path)
        coders = {p.coder for p in planned}
        assert len(coders) == 1 and len(planned) > 2_500
        phases = {}
        for item in planned:  # one phase per coded passage
            if item.code is not None and item.code.group == "phase":
                assert (item.document_id, item.start) not in phases
                phases[(item.document_id, item.start)] = item.code.name
        coded = {item.document_id for item in planned}
        assert len(coded) == 22  # every document
    assert sum(item.code is None for item in read_codings_file(db, files[2])) >= 20  # the reconcilers' rationales
    db.close()


def test_codings_file_two_phases_on_two_stretches_of_one_passage_are_refused(db, tmp_path):
    """Not the same text, but the same passage: an exclusive group allows one code per passage (this loaded before)."""
    start, end = passage_span(db, 1, 2)
    middle = (start + end) // 2
    path = write(tmp_path / "team.csv", "document,passage,code,coder,memo,start,end\n"
                 f"int01,,phase/Phase 1,ana,,{start},{middle}\nint01,,phase/Phase 2,ana,,{middle},{end}\n")
    with pytest.raises(CoderError, match=r"team.csv:3: phase is exclusive \(one code per passage\)"):
        import_codings(db, path)
    assert codings(db) == []


def test_codings_file_never_replaces_a_phase_the_coder_gave_in_the_study(db, tmp_path):
    ana = add_coder(db, "ana")
    apply_code(db, 1, find_code(db, "Phase 1"), ana, *passage_span(db, 1, 2))
    path = write(tmp_path / "team.csv", "document,passage,code,coder,memo\nint01,2,phase/Phase 2,ana,\n")
    with pytest.raises(CoderError, match=r"team.csv:2: phase is exclusive .* ana already gave this passage Phase 1 in the study"):
        import_codings(db, path)
    assert [c[1] for c in codings(db)] == ["Phase 1"]


def _unchanged(db) -> tuple:
    return codings(db), db.execute("SELECT count(*) FROM events").fetchone(), db.execute("SELECT count(*) FROM settings").fetchone()


def test_codings_file_over_the_size_budget_is_refused_before_it_is_read(db, tmp_path):
    """Ten million rows (≈200 MB) are over file_bytes: refused from the file's size, without reading a byte."""
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"document,passage,code,coder,memo\n")
        handle.truncate(10_000_000 * 20)  # a sparse file: its size is all the reader may look at
    before = _unchanged(db)
    with pytest.raises(CoderError) as raised:
        import_codings(db, path)
    assert str(raised.value).startswith("huge.csv: the file is 200 MB, over coder's limit of 25 MB; refused")
    assert "\n" not in str(raised.value) and _unchanged(db) == before


def test_codings_file_over_the_row_budget_is_refused_before_any_row_is_resolved(db, tmp_path):
    path = write(tmp_path / "rows.csv", "document,passage,code,coder,memo\n" + "int01,2,Nope,ana,\n" * 5_000)
    before = _unchanged(db)
    with pytest.raises(CoderError) as raised:
        import_codings(db, path, limits=Limits(csv_rows=1_000))
    assert str(raised.value).startswith("rows.csv:1001: the file is longer than 1,000 rows, over coder's limit of 1,000 rows")
    assert _unchanged(db) == before


def test_codings_file_a_field_over_the_budget_is_refused_with_its_line(db, tmp_path):
    path = write(tmp_path / "memo.csv", f"# memos\ndocument,passage,code,coder,memo\nint01,2,Enabling,ana,\"{'x' * 101}\"\n")
    with pytest.raises(CoderError, match=r"^memo.csv:3: a field is 101 characters, over coder's limit of 100 characters"):
        read_codings_file(db, path, limits=Limits(csv_field_characters=100))
    unclosed = write(tmp_path / "quote.csv", "document,passage,code,coder,memo\nint01,2,Enabling,ana,\"open\n" + "y" * 300_000 + "\n")
    before = _unchanged(db)
    with pytest.raises(CoderError) as raised:
        import_codings(db, unclosed)
    assert str(raised.value).startswith("quote.csv:2: a field is longer than 100,000 characters, over coder's limit")
    assert "close its quotes" in str(raised.value) and "\n" not in str(raised.value) and _unchanged(db) == before


def test_codings_file_a_row_with_a_memo_and_no_code_is_the_coders_memo_on_the_passage(db, tmp_path):
    path = write(tmp_path / "consensus.csv", "document,passage,code,coder,memo\nint01,2,function/Accessing,consensus,\n"
                                             "int01,2,,consensus,kept ana's: the fair is an outside source\n")
    report = import_codings(db, path)
    start, end = span(db, 2)
    assert report.rows == 2 and codings(db) == [("consensus", "Accessing", start, end, None)]
    assert db.execute("SELECT r.name, m.start, m.end, m.code_id, m.text FROM memos m JOIN coders r ON r.id = m.coder_id").fetchall() == [
        ("consensus", start, end, None, "kept ana's: the fair is an outside source")]
    import json

    (changes,) = db.execute("SELECT changes FROM events WHERE action = 'import_codings'").fetchone()
    assert sorted(op[1] for op in json.loads(changes) if op[0] == "insert") == ["codings", "memos"]  # one event holds both


def test_codings_file_a_memo_row_never_replaces_another_memo_of_the_coder(db, tmp_path):
    from coder.coding import add_coder
    from coder.memos import set_memo

    start, end = span(db, 2)
    set_memo(db, add_coder(db, "ana"), "my own note", document_id=1, start=start, end=end)
    write(tmp_path / "memo.csv", "document,passage,code,coder,memo\nint01,2,,ana,another note\n")
    with pytest.raises(CoderError, match=r"memo.csv:2: ana already has another memo on this passage"):
        import_codings(db, tmp_path / "memo.csv")
    assert db.execute("SELECT text FROM memos").fetchall() == [("my own note",)]


def test_codings_file_a_coders_codings_and_memos_exported_load_the_same_in_another_copy(db, study, tmp_path):
    from coder.codings_file import write_codings_file

    import_codings(db, write(tmp_path / "team.csv", GOOD))
    start, _ = span(db, 3)
    write(tmp_path / "more.csv", f"document,passage,code,coder,memo,start,end\nint01,,Enabling,ana,a stretch,{start + 3},{start + 9}\n"
                                 "int01,4,,ana,why I coded it so\n")
    import_codings(db, tmp_path / "more.csv")
    exported = tmp_path / "ana.csv"
    assert write_codings_file(db, "ana", exported) == 4
    rows = exported.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "document,passage,start,end,code,coder,memo" and "int01,2,,,function/Accessing,ana,the trade fair" in rows
    assert f"int01,,{start + 3},{start + 9},function/Enabling,ana,a stretch" in rows  # not a whole passage: by its offsets
    mine = [r for r in codings(db) if r[0] == "ana"]
    memos = db.execute("SELECT start, end, text FROM memos WHERE coder_id = (SELECT id FROM coders WHERE name = 'ana')").fetchall()
    db.close()
    other = connect_study(Study(shutil.copytree(study.root, tmp_path / "other")))
    with transaction(other):
        other.execute("DELETE FROM codings"), other.execute("DELETE FROM memos")
    import_codings(other, exported)
    assert codings(other) == mine
    assert other.execute("SELECT start, end, text FROM memos").fetchall() == memos
    other.close()
