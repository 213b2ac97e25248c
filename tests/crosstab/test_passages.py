"""Mapping the codings onto passages: one hit per (coding, passage it overlaps), kept until the database changes."""

from __future__ import annotations

from coder import coding, crosstab
from coder.study import Study, connect_study
from tests.crosstab.handmade import CODINGS, build


def test_crosstab_study_arrays_map_codings_onto_passages_until_the_database_changes(tmp_path):
    db = connect_study(Study(build(tmp_path / "study")))
    arrays = crosstab.study_arrays(db)
    assert len(arrays.seg_id) == 7 and len(arrays.hit_seg) == len(CODINGS)  # every coding covers one passage
    assert crosstab.study_arrays(db) is arrays
    doc_id = coding.find_document(db, "cong01")
    start, end = coding.passage_span(db, doc_id, 1)[0], coding.passage_span(db, doc_id, 2)[1]
    coding.apply_code(db, doc_id, coding.find_code(db, "Enabling"), coding.add_coder(db, "zoe"), start, end)
    changed = crosstab.study_arrays(db)
    assert changed is not arrays and len(changed.hit_seg) == len(CODINGS) + 2  # one hit in each passage it spans
    spans = sorted(zip(changed.hit_start[len(CODINGS):].tolist(), changed.hit_end[len(CODINGS):].tolist()))
    assert spans == [coding.passage_span(db, doc_id, 1), coding.passage_span(db, doc_id, 2)]  # clipped to each
    crosstab.forget_arrays()
    again = crosstab.study_arrays(db)
    assert again is not changed and again.hit_seg.tolist() == changed.hit_seg.tolist()
    db.close()
