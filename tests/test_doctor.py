"""`coder doctor` finds what needs attention — and stays quiet on a healthy study."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder import coding
from coder.cli import main
from coder.db import transaction
from coder.doctor import events_disagreeing, examine
from coder.study import refresh_study
from tests.conftest import INTERVIEW, write


def checks(study, db) -> list[tuple[str, str]]:
    return [(f.check, f.severity) for f in examine(study, db)]


def test_doctor_healthy_study_has_nothing_to_say(study, db):
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), 0, 10)
    assert examine(study, db) == []
    result = CliRunner().invoke(main, ["--study", str(study.root), "doctor"])
    assert result.exit_code == 0 and "All good: 1 codings checked, integrity ok" in result.output


def test_doctor_finds_quotes_offsets_and_the_events_log_disagreeing(study, db):
    ana = coding.add_coder(db, "ana")
    first = coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, 0, 10)
    second = coding.apply_code(db, 1, coding.find_code(db, "Diffusing"), ana, 20, 30)
    third = coding.apply_code(db, 1, coding.find_code(db, "Enabling"), ana, 40, 50)
    with transaction(db):  # what only a hand edit, a foreign tool or a damaged file could do
        db.execute("UPDATE codings SET quote = 'something else' WHERE id = ?", [first])
        db.execute("UPDATE codings SET start = 5000, end = 5010 WHERE id = ?", [second])
        db.execute("DELETE FROM codings WHERE id = ?", [third])
    found = {(f.check, f.where.split(" ")[0]) for f in examine(study, db)}
    assert {("quote", "int01"), ("offsets", "int01"), ("events", "coding")} <= found
    assert len(events_disagreeing(db)) == 2  # the moved coding and the missing one
    result = CliRunner().invoke(main, ["--study", str(study.root), "doctor", "--format", "json"])
    assert result.exit_code == 1
    assert {r["check"] for r in json.loads(result.output)} == {"quote", "offsets", "events"}


def test_doctor_reports_changed_transcripts_and_retired_codes_as_the_case_may_be(study, db):
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), 0, 10)
    write(study.transcripts_dir / "int01.md", INTERVIEW.replace("really", "truly"))
    with transaction(db):
        db.execute("UPDATE codes SET active = 0 WHERE name = 'Accessing'")
    assert sorted(checks(study, db)) == [("codebook", "note"), ("transcripts", "attention")]
    (study.transcripts_dir / "int01.md").unlink()
    assert sorted(checks(study, db)) == [("codebook", "note"), ("transcripts", "note")]  # a missing file is a note


def test_doctor_finds_a_damaged_file(study, db):
    root_page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sentences_document'").fetchone()[0]
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    raw = bytearray(study.db_path.read_bytes())
    at = (root_page - 1) * page_size
    raw[at : at + 8] = b"\xff" * 8  # scribble over an index page's header, as a failing disk might
    study.db_path.write_bytes(bytes(raw))
    result = CliRunner().invoke(main, ["--study", str(study.root), "doctor"])
    assert result.exit_code == 1
    assert "integrity" in result.output or "malformed" in result.output


# Every way codings arrive leaves the log able to account for them ------------------------------------------------


def by_keys(study, db):
    ana = coding.add_coder(db, "ana")
    for passage, name in ((2, "Accessing"), (4, "Enabling"), (3, "Diffusing")):
        coding.apply_code(db, 1, coding.find_code(db, name), ana, *coding.passage_span(db, 1, passage))


def by_coding_file(study, db):
    from coder.codings_file import import_codings

    path = write(study.root / "team.csv", "document,passage,code,coder,memo\nint01,2,function/Accessing,ana,\n"
                                          "int01,3,function/Diffusing,ana,\nint01,4,function/Enabling,ben,\n")
    import_codings(db, path)


def by_merge(study, db):
    import shutil

    from coder.merge import merge_copy
    from coder.study import Study, connect_study

    other = Study(study.root.parent / "other")
    shutil.copytree(study.root, other.root)
    theirs = connect_study(other)
    by_keys(other, theirs)
    theirs.close()
    merge_copy(db, other.root)


def by_refi_import(study, db):
    from coder.refi import export_qdpx, import_refi
    from coder.study import connect_study, init_study

    by_keys(study, db)
    project = export_qdpx(db, study.exports_dir, "A small study")
    fresh = init_study(study.root.parent / "fresh")
    fresh_db = connect_study(fresh)
    import_refi(fresh_db, fresh, project)
    return fresh_db  # a study whose codings all came from the project


def by_reconcile(study, db):
    from coder import reconcile

    ana, ben = coding.add_coder(db, "ana"), coding.add_coder(db, "ben")
    for who, names in ((ana, ("Accessing", "Diffusing")), (ben, ("Accessing", "Enabling"))):
        for passage, name in zip((2, 4), names):
            coding.apply_code(db, 1, coding.find_code(db, name), who, *coding.passage_span(db, 1, passage))
    queue = reconcile.open_queue(db, groups=["function"])
    reconcile.decide(db, queue, queue.units[0], "keep", coder="ana")


def by_autocode(study, db):
    from coder.autocode import apply_autocode, preview_autocode

    apply_autocode(db, coding.find_code(db, "Enabling"), preview_autocode(db, speaker="RESPONDENT"), coding.add_coder(db, "ana"))
    apply_autocode(db, coding.find_code(db, "Diffusing"), preview_autocode(db, speaker="INTERVIEWER"), coding.coder_id(db, "ana"))


def by_open_coding(study, db):
    from coder.codebook import create_code

    ana = coding.add_coder(db, "ana")
    for passage, name in ((2, "Price talk"), (3, "Small talk"), (4, "Plant talk")):
        create_code(db, study, group="function", name=name, coder_id=ana, apply_to=(1, *coding.passage_span(db, 1, passage)))


def by_reanchoring(study, db):
    from coder.study import refresh_study

    by_keys(study, db)
    write(study.transcripts_dir / "int01.md", INTERVIEW.replace("INTERVIEWER: How did", "INTERVIEWER: Hello.\n\nINTERVIEWER: How did"))
    refresh_study(study, db)  # every coding moved by the re-anchoring's event


def by_undo_and_redo(study, db):
    from coder import events

    by_keys(study, db)
    ana = coding.coder_id(db, "ana")
    events.undo(db, ana)
    events.undo(db, ana)
    events.redo(db, ana)
    coding.apply_code(db, 1, coding.find_code(db, "Coordinating"), ana, *coding.passage_span(db, 1, 1))


def before_loads_recorded_rows(study, db):
    """A study from before schema 4: a coding file's event without its rows, then the upgrade's accounting."""
    from coder.events import account_for_codings

    by_coding_file(study, db)
    with transaction(db):
        db.execute("UPDATE events SET changes = '[]' WHERE action = 'import_codings'")
    assert len(events_disagreeing(db)) == 3  # unaccounted, as an older study's are
    assert account_for_codings(db) == 3 and account_for_codings(db) == 0


@pytest.mark.parametrize("arrive", [by_keys, by_coding_file, by_merge, by_refi_import, by_reconcile, by_autocode, by_open_coding,
                                    by_reanchoring, by_undo_and_redo, before_loads_recorded_rows])
def test_doctor_accounts_for_codings_whatever_way_they_arrived(study, db, arrive):
    db = arrive(study, db) or db
    assert events_disagreeing(db) == []
    ids = [r[0] for r in db.execute("SELECT id FROM codings ORDER BY id")]
    assert len(ids) >= 3, arrive.__name__
    missing, shifted, copied = ids[0], ids[1], ids[2]
    with transaction(db):  # what only a hand edit in SQL could do
        db.execute("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, prefix, suffix, status, created,"
                   " updated) SELECT 'added-by-hand', document_id, code_id, coder_id, start + 1, end, quote, prefix, suffix, status,"
                   " created, updated FROM codings WHERE id = ?", [copied])
        db.execute("DELETE FROM codings WHERE id = ?", [missing])
        db.execute("UPDATE codings SET end = end - 1 WHERE id = ?", [shifted])
    problems = sorted(f.message.split(":")[0] for f in events_disagreeing(db))
    assert problems == ["the coding differs from what the events log last recorded for it",
                        "the events log never recorded this coding",
                        "the events log records this coding but it is missing from the codings"]


def test_doctor_accept_at_a_place_not_listed_is_refused_in_one_line_and_writes_nothing(study, db):
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    start = text.index("Through APEM, really.")
    coding_id = coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), start, start + 21)
    uuid = db.execute("SELECT uuid FROM codings WHERE id = ?", [coding_id]).fetchone()[0]
    write(study.transcripts_dir / "int01.md", INTERVIEW.replace("Through APEM, really.", "Through APEM, truly."))
    refresh_study(study, db)  # the coding's text was edited: flagged, its quote now nowhere
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    for choice, said in [(f"{uuid}:1", f"{uuid} has 0 listed place(s), not a place 1"), (f"{uuid}:x", "is not an id or id:N")]:
        result = CliRunner().invoke(main, ["--study", str(study.root), "doctor", "--accept", choice, "--coder", "ana"])
        assert result.exit_code != 0 and said in result.output and "Traceback" not in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert db.execute("SELECT status FROM codings").fetchone()[0] == "changed"
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events
