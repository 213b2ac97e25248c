"""`coder doctor` finds what needs attention — and stays quiet on a healthy study."""

from __future__ import annotations

import json

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
