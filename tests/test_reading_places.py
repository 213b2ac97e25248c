"""Where each coder is in each document, and the interviewer's turns `g` may pass over (issue 14, item 2)."""

from __future__ import annotations

from coder import coding, documents


def test_each_coder_keeps_a_place_in_each_document(db):
    int01 = coding.find_document(db, "int01")
    assert documents.document_position(db, "ana", int01) == 1  # never opened: its first passage
    documents.remember_position(db, "ana", int01, 3)
    documents.remember_position(db, "ben", int01, 2)
    assert documents.last_position(db, "ana") == (int01, 3)
    assert (documents.document_position(db, "ana", int01), documents.document_position(db, "ben", int01)) == (3, 2)


def test_next_uncoded_passes_over_the_interviewers_turns_when_asked(db):
    ana = coding.add_coder(db, "ana")
    int01 = coding.find_document(db, "int01")
    speakers = [p.speaker for p in documents.load_document(db, int01).passages]
    assert speakers == ["INTERVIEWER", "RESPONDENT", "INTERVIEWER", "RESPONDENT"]
    assert documents.next_uncoded_passage(db, ana, int01, 0) == (int01, 1)
    assert documents.next_uncoded_passage(db, ana, int01, 0, skip_interviewer=True) == (int01, 2)
    assert documents.next_uncoded_passage(db, ana, int01, 2, skip_interviewer=True) == (int01, 4)
    assert documents.next_uncoded_passage(db, ana, int01, 4, skip_interviewer=True) == (int01, 2)  # round again


def test_skipping_the_interviewer_is_each_coders_own_choice(db):
    assert not documents.skips_interviewer(db, "ana")
    documents.set_skips_interviewer(db, "ana", True)
    assert documents.skips_interviewer(db, "ana") and not documents.skips_interviewer(db, "ben")
    documents.set_skips_interviewer(db, "ana", False)
    assert not documents.skips_interviewer(db, "ana")
