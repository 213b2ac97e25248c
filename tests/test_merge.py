"""Merging copies of a study and handing one coder's work over: nothing lost, nothing overwritten, twice is once."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder import coding, events, memos
from coder.cli import main
from coder.errors import CoderError
from coder.merge import export_coder, merge_copy
from coder.study import Study, backup_before, connect_study, refresh_study
from tests.conftest import INTERVIEW, SMALL_CODEBOOK


def copy_of(study: Study, name: str) -> Study:
    root = study.root.parent / name
    shutil.copytree(study.root, root)
    return Study(root)


def code(study: Study, coder: str, passage: int, code_name: str, memo: str | None = None) -> None:
    db = connect_study(study)
    document = coding.find_document(db, "int01")
    start, end = coding.passage_span(db, document, passage)
    coding.apply_code(db, document, coding.find_code(db, code_name), coding.add_coder(db, coder), start, end, memo=memo)
    db.close()


def snapshot(study: Study) -> dict[str, list[tuple]]:
    """Everything a merge may touch, by stable id, so two databases can be compared."""
    db = connect_study(study)
    try:
        return {
            "coders": db.execute("SELECT uuid, name FROM coders ORDER BY uuid").fetchall(),
            "codings": db.execute(
                "SELECT c.uuid, r.name, g.name || '/' || k.name, c.start, c.end, c.memo FROM codings c JOIN coders r ON r.id = c.coder_id"
                " JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id ORDER BY c.uuid").fetchall(),
            "memos": db.execute("SELECT m.uuid, r.name, m.start, m.end, m.text FROM memos m JOIN coders r ON r.id = m.coder_id"
                                " ORDER BY m.uuid").fetchall(),
            "events": db.execute("SELECT uuid, action, summary FROM events ORDER BY uuid").fetchall(),
        }
    finally:
        db.close()


def merge(study: Study, other: Study | Path):
    db = connect_study(study)
    try:
        return merge_copy(db, other.root if isinstance(other, Study) else other,
                          backup=lambda: backup_before(study, db, "merge"))
    finally:
        db.close()


@pytest.fixture
def two_copies(study: Study) -> tuple[Study, Study]:
    """The small study copied twice; ana codes in the first copy, ben in the second."""
    ours, theirs = copy_of(study, "ana-copy"), copy_of(study, "ben-copy")
    code(ours, "ana", 2, "Accessing", memo="the trade fair")
    code(ours, "ana", 2, "Phase 1")
    code(theirs, "ben", 2, "Diffusing")
    code(theirs, "ben", 4, "broker")
    db = connect_study(theirs)
    start, end = coding.passage_span(db, coding.find_document(db, "int01"), 4)
    memos.set_memo(db, coding.add_coder(db, "ben"), "SENASA trains", document_id=coding.find_document(db, "int01"), start=start, end=end)
    db.close()
    code(theirs, "ben", 4, "Phase 2")
    return ours, theirs


def test_merge_two_copies_keeps_every_coding_memo_and_event(two_copies):
    ours, theirs = two_copies
    before_ours, before_theirs = snapshot(ours), snapshot(theirs)
    report = merge(ours, theirs)
    after = snapshot(ours)
    assert (report.codings_added, report.memos_added, report.coders_added, report.conflicts) == (3, 1, ["ben"], [])
    assert set(after["codings"]) == set(before_ours["codings"]) | set(before_theirs["codings"])
    assert set(after["memos"]) == set(before_theirs["memos"])
    assert ("ben",) in {(name,) for _, name in after["coders"]}
    ben_events = {e for e in before_theirs["events"] if e[1] in ("code", "memo", "add_coder")}
    assert len(ben_events) == 5 and ben_events <= set(after["events"])  # ben's history arrived (audit, undo)
    assert report.events_added == 5  # not the other copy's own import and codebook events
    assert snapshot(theirs) == before_theirs  # the other copy is only read
    assert report.backup is not None and report.backup.exists()


def test_merge_twice_changes_nothing(two_copies):
    ours, theirs = two_copies
    merge(ours, theirs)
    once = snapshot(ours)
    again = merge(ours, theirs)
    assert not again.changed and again.backup is None and again.conflicts == []
    assert snapshot(ours) == once
    merge(theirs, ours)  # and back the other way: both copies end up with the same work
    assert snapshot(theirs)["codings"] == once["codings"] and snapshot(theirs)["memos"] == once["memos"]


def test_merge_undo_history_travels_with_the_events(two_copies):
    ours, theirs = two_copies
    merge(ours, theirs)
    db = connect_study(ours)
    ben = coding.add_coder(db, "ben")
    undone = events.undo(db, ben)  # ben's last change in his own copy, undone here
    assert undone is not None and undone.summary.startswith("code phase/Phase 2")
    names = [r[0] for r in db.execute("SELECT k.name FROM codings c JOIN codes k ON k.id = c.code_id"
                                      " JOIN coders r ON r.id = c.coder_id WHERE r.name = 'ben' ORDER BY k.name")]
    assert names == ["Diffusing", "broker"]
    assert events.redo(db, ben).summary.startswith("code phase/Phase 2")
    assert db.execute("SELECT count(*) FROM codings c JOIN coders r ON r.id = c.coder_id WHERE r.name = 'ben'").fetchone() == (3,)
    db.close()


def test_merge_refuses_a_document_that_differs_and_writes_nothing(study, make_study):
    ours = copy_of(study, "ours")
    code(ours, "ana", 2, "Accessing")
    theirs = make_study(documents={"int01.md": INTERVIEW.replace("a trade fair", "two trade fairs")},
                        codebook=SMALL_CODEBOOK.replace("      - name: Phase 3\n", "      - name: Phase 3\n      - name: Phase 4\n"),
                        name="theirs")
    db = connect_study(theirs)
    refresh_study(theirs, db)
    db.close()
    code(theirs, "ben", 2, "Diffusing")
    code(theirs, "ben", 4, "Phase 4")
    before = snapshot(ours)
    with pytest.raises(CoderError) as raised:
        merge(ours, theirs)
    message = str(raised.value)
    assert "the copies differ, nothing was merged" in message
    assert "document int01 differs between the copies (sha256" in message
    assert "code phase/Phase 4 is not in this codebook" in message
    assert snapshot(ours) == before and not ours.backups_dir.exists()


def test_merge_reports_a_coding_changed_in_the_other_copy_and_keeps_ours(two_copies):
    ours, theirs = two_copies
    merge(theirs, ours)  # theirs now has ana's codings too, with the same ids
    db = connect_study(theirs)
    ana = coding.add_coder(db, "ana")
    accessing = db.execute("SELECT c.id FROM codings c JOIN codes k ON k.id = c.code_id WHERE k.name = 'Accessing'").fetchone()[0]
    coding.set_coding_memo(db, accessing, "edited in the other copy", ana)
    db.close()
    report = merge(ours, theirs)
    assert len(report.conflicts) == 1 and "differs from ours" in report.conflicts[0] and "another memo" in report.conflicts[0]
    db = connect_study(ours)
    assert db.execute("SELECT memo FROM codings WHERE memo IS NOT NULL").fetchall() == [("the trade fair",)]
    db.close()


def test_merge_export_coder_round_trip(two_copies, study, tmp_path):
    ours, theirs = two_copies
    handed = tmp_path / "hand-over" / "ben.db"
    runner = CliRunner()
    result = runner.invoke(main, ["--study", str(theirs.root), "export-coder", "ben", str(handed)])
    assert result.exit_code == 0, result.output
    assert "3 codings, 1 memos" in result.output and handed.exists() and not Path(f"{handed}-wal").exists()
    result = runner.invoke(main, ["--study", str(ours.root), "merge", str(handed)])
    assert result.exit_code == 0, result.output
    assert "merged" in result.output and "3 codings, 1 memos" in result.output
    ben = lambda s: [r for r in snapshot(s)["codings"] if r[1] == "ben"]
    assert ben(ours) == ben(theirs)
    result = runner.invoke(main, ["--study", str(ours.root), "merge", str(handed)])
    assert "0 codings, 0 memos, 0 events added" in result.output
    result = runner.invoke(main, ["--study", str(theirs.root), "export-coder", "ben", str(handed)])
    assert result.exit_code == 1 and "already exists" in result.output
    db = connect_study(study)
    with pytest.raises(CoderError, match="this study's own database"):
        merge_copy(db, study.root)
    with pytest.raises(CoderError, match="no coder named 'nobody'"):
        export_coder(db, "nobody", tmp_path / "x.db")
    db.close()


def test_merge_never_gives_a_passage_a_second_phase_by_one_coder(study):
    """Ana's copy and this one disagree on passage 2's phase, on different stretches of it: ours is kept."""
    ours, theirs = copy_of(study, "ours"), copy_of(study, "theirs")
    for copy, phase, part in ((ours, "Phase 1", 0), (theirs, "Phase 2", 1)):  # the first stretch of it here, the last there
        db = connect_study(copy)
        start, end = coding.passage_span(db, 1, 2)
        span = (start, start + 20) if part == 0 else (end - 20, end)
        coding.apply_code(db, 1, coding.find_code(db, phase), coding.add_coder(db, "ana"), *span)
        db.close()
    report = merge(ours, theirs)
    assert len(report.conflicts) == 1 and "its group is exclusive (one code per passage); kept ours" in report.conflicts[0]
    assert [row[2] for row in snapshot(ours)["codings"]] == ["phase/Phase 1"]


def test_merge_the_same_copy_merged_meanwhile_by_another_session_comes_in_once(two_copies):
    """Between planning a merge and writing it (where the backup is made), another session merges the same copy:
    the merge plans again under the write lock, adds nothing twice and fails on no unique name."""
    ours, theirs = two_copies
    once = copy_of(ours, "merged-once")
    merge(once, theirs)
    db = connect_study(ours)

    def backup_while_another_session_merges() -> Path:
        merge(ours, theirs)
        return backup_before(ours, db, "merge")

    report = merge_copy(db, theirs.root, backup=backup_while_another_session_merges)
    db.close()
    assert not report.changed and report.backup is not None
    merged, expected = snapshot(ours), snapshot(once)
    assert [merged[table] for table in ("coders", "codings", "memos")] == [expected[table] for table in ("coders", "codings", "memos")]


def _hostile(path: Path, change: str) -> None:
    """Change a copy's database as a damaged or hostile file would be: SQL, or bytes over its pages."""
    conn = sqlite3.connect(path)
    if change.startswith("bytes"):
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
        with path.open("r+b") as handle:
            handle.seek(2 * 4096)
            handle.write(b"\xff\x13garbage" * 2000)
        return
    conn.execute("PRAGMA ignore_check_constraints = ON")  # a file from elsewhere need not keep them
    conn.executescript(change)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.mark.parametrize("change, message", [
    ("DROP INDEX codings_status; ALTER TABLE codings DROP COLUMN status", "table codings has no column status"),
    ("ALTER TABLE memos ADD COLUMN evil TEXT", "table memos has column(s) evil this study does not have"),
    ("UPDATE codings SET memo = CAST(zeroblob(51000000) AS TEXT)", "string or blob too big"),
    ("UPDATE codings SET start = 'abc'", "has start 'abc'"),
    ("UPDATE codings SET document_id = 999", "refers to document 999, which it does not hold"),
    ("UPDATE codings SET start = end + 5", "spans"),
    ("UPDATE codings SET end = 99999999", "beyond document int01"),
    ("UPDATE events SET changes = '[[\"update\", 5' WHERE coder_id IS NOT NULL", "changes that are not JSON"),
    ("UPDATE events SET changes = '[[\"update\", \"codings\"]]' WHERE coder_id IS NOT NULL", "a change of an unknown shape"),
    ("UPDATE events SET changes = '" + "[" * 100_000 + "' WHERE coder_id IS NOT NULL", "not JSON (maximum recursion"),
    ("DROP TABLE events; CREATE VIEW events AS SELECT 1", "is not a coder study database"),
    ("bytes", "'"),
])
def test_merge_a_damaged_or_hostile_copy_is_refused_in_one_line(two_copies, change, message):
    ours, theirs = two_copies
    _hostile(theirs.root / "study.db", change)
    before = snapshot(ours)
    with pytest.raises(CoderError, match=re.escape(message)) as raised:
        merge(ours, theirs)
    assert "\n" not in str(raised.value) and "ben-copy" in str(raised.value)
    assert snapshot(ours) == before
