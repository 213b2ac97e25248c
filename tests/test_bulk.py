"""Coding files loaded set-based (coder.bulk): the same codings, quotes, memos and events log as coding one row at a time."""

from __future__ import annotations

import shutil

import pytest

from coder import doctor
from coder.coding import add_coder, apply_code, find_code, passage_span
from coder.codings_file import import_codings
from coder.db import new_uuids, open_db
from coder.errors import CoderError
from coder.events import undo
from tests.conftest import write

COLUMNS = "SELECT d.name, k.name, r.name, c.start, c.end, c.quote, c.prefix, c.suffix, c.memo, c.status FROM codings c" \
          " JOIN documents d ON d.id = c.document_id JOIN codes k ON k.id = c.code_id JOIN coders r ON r.id = c.coder_id" \
          " ORDER BY r.name, k.name, c.start"


def rows_of_a_file(db) -> list[tuple[str, int, int, str]]:
    """(code, start, end, memo) rows by ana and ben: merging with the study, inside a coding, inside an earlier row,
    touching, chained, and an exclusive code."""
    (s2, e2), (s3, e3), (s4, e4) = (passage_span(db, 1, n) for n in (2, 3, 4))
    return [
        ("ana", "Accessing", s2 + 30, s2 + 60, "new"),  # overlaps ana's Accessing in the study: their union
        ("ana", "Diffusing", s2 + 5, s2 + 20, "inside"),  # inside ana's Diffusing: only its memo changes
        ("ben", "Enabling", s2, e2, ""),
        ("ben", "Enabling", s2 + 3, s2 + 8, "held"),  # inside the row before: its memo
        ("ben", "Enabling", e2, e3, ""),  # touches the first without overlapping it: a coding of its own
        ("ana", "Coordinating", s3 + 10, s3 + 20, "a"),
        ("ana", "Coordinating", s3 + 30, s3 + 40, "b"),
        ("ana", "Coordinating", s3 + 15, s3 + 35, "c"),  # joins the two before
        ("ana", "Phase 1", s4, e4, ""),
    ]


def prepare(db) -> None:
    ana = add_coder(db, "ana")
    s2, e2 = passage_span(db, 1, 2)
    apply_code(db, 1, find_code(db, "Accessing"), ana, s2 + 10, s2 + 40, memo="old")
    apply_code(db, 1, find_code(db, "Diffusing"), ana, s2, e2, memo="whole")


def test_a_coding_file_loads_as_coding_its_rows_one_at_a_time_would(study, db, tmp_path):
    prepare(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file copied
    shutil.copy(study.db_path, tmp_path / "one-by-one.db")
    rows = rows_of_a_file(db)
    write(tmp_path / "team.csv", "document,passage,code,coder,memo,start,end\n"
          + "".join(f"int01,,{code},{coder},{memo},{start},{end}\n" for coder, code, start, end, memo in rows))
    report = import_codings(db, tmp_path / "team.csv")
    one_by_one = open_db(tmp_path / "one-by-one.db")
    for coder, code, start, end, memo in rows:
        apply_code(one_by_one, 1, find_code(one_by_one, code), add_coder(one_by_one, coder), start, end, memo=memo or None)
    assert db.execute(COLUMNS).fetchall() == one_by_one.execute(COLUMNS).fetchall()
    assert report.added == 7  # the row inside ana's Diffusing and the row inside ben's first Enabling add nothing
    memos = dict(db.execute("SELECT k.name, c.memo FROM codings c JOIN codes k ON k.id = c.code_id WHERE c.coder_id = 1"))
    assert memos["Accessing"] == "old\n\nnew" and memos["Diffusing"] == "inside" and memos["Coordinating"] == "a\n\nb\n\nc"
    assert doctor.events_disagreeing(db) == [] and doctor.quotes_not_matching(db) == []
    one_by_one.close()


def test_a_loaded_coding_comes_back_whole_when_a_later_change_is_undone(db, tmp_path):
    s2, e2 = passage_span(db, 1, 2)
    write(tmp_path / "team.csv", "document,passage,code,coder,memo\nint01,2,Accessing,ana,from the file\n")
    import_codings(db, tmp_path / "team.csv")
    loaded = db.execute("SELECT * FROM codings").fetchall()
    ana = add_coder(db, "ana")
    apply_code(db, 1, find_code(db, "Accessing"), ana, e2 - 5, e2 + 10)  # merges the loaded coding into a longer one
    assert db.execute("SELECT start, end FROM codings").fetchall() == [(s2, e2 + 10)]
    assert undo(db, ana) is not None
    assert db.execute("SELECT * FROM codings").fetchall() == loaded
    assert doctor.events_disagreeing(db) == [] and doctor.quotes_not_matching(db) == []


def test_an_exclusive_clash_with_any_earlier_row_reaching_it_is_refused(db, tmp_path):
    """Phase 1 on passages 1-3 and Phase 2 on passage 3, with a Phase 1 row on passage 1 sorted between them."""
    write(tmp_path / "team.csv", "document,passage,code,coder,memo\nint01,1-3,Phase 1,ana,\nint01,1,Phase 1,ana,\n"
          "int01,3,Phase 2,ana,\n")
    with pytest.raises(CoderError, match=r"team.csv:4: phase is exclusive .* lines 2 and 4 give ana both Phase 1 and Phase 2"):
        import_codings(db, tmp_path / "team.csv")
    assert db.execute("SELECT count(*) FROM codings").fetchone() == (0,)


def test_uuids_made_in_bulk_are_random_version_4():
    import uuid

    made = new_uuids(500)
    assert len(set(made)) == 500
    assert all(str(uuid.UUID(u)) == u and uuid.UUID(u).version == 4 and uuid.UUID(u).variant == uuid.RFC_4122 for u in made)


def test_a_span_outside_its_document_is_refused_as_one_coding_would_be(db):
    from coder.bulk import Arrival, apply_many
    from coder.db import transaction

    ana, code = add_coder(db, "ana"), find_code(db, "Accessing").id
    length = db.execute("SELECT length(text) FROM documents WHERE id = 1").fetchone()[0]
    before = db.execute("SELECT count(*) FROM codings").fetchone()[0]
    for start, end in ((0, length + 1), (-1, 5), (7, 7)):
        with pytest.raises(CoderError, match=rf"span {start}-{end} is outside the document \(0-{length}\)"):
            with transaction(db):
                apply_many(db, [Arrival(1, code, ana, 0, 10, None), Arrival(1, code, ana, start, end, None)])
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == before  # nothing written, not even the good row
