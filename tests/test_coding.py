"""Coding spans: apply, merge, carve, exclusive groups, memos, and the quote selectors kept with them."""

from __future__ import annotations

import pytest

from coder import coding
from coder.errors import CoderError


@pytest.fixture
def ana(db) -> int:
    return coding.add_coder(db, "ana")


def spans(db, code: str, coder: int) -> list[tuple[int, int]]:
    ref = coding.find_code(db, code)
    return [tuple(r) for r in db.execute(
        "SELECT start, end FROM codings WHERE code_id = ? AND coder_id = ? ORDER BY start", [ref.id, coder])]


def test_coding_apply_stores_a_text_quote_selector(db, ana):
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    start, end = coding.passage_span(db, 1, 2)
    coding_id = coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, start, end, memo="first contact")
    row = db.execute("SELECT quote, prefix, suffix, memo FROM codings WHERE id = ?", [coding_id]).fetchone()
    assert row == (text[start:end], text[start - 32 : start], text[end : end + 32], "first contact")
    assert row[0].startswith("Through APEM")


def test_coding_overlaps_of_one_code_merge_but_adjacent_ones_do_not(db, ana):
    accessing = coding.find_code(db, "Accessing")
    coding.apply_code(db, 1, accessing, ana, 10, 20, memo="a")
    coding.apply_code(db, 1, accessing, ana, 15, 30, memo="b")
    coding.apply_code(db, 1, accessing, ana, 30, 40)
    assert spans(db, "Accessing", ana) == [(10, 30), (30, 40)]
    assert db.execute("SELECT memo FROM codings WHERE start = 10").fetchone()[0] == "a\n\nb"
    assert coding.apply_code(db, 1, accessing, ana, 12, 18) == db.execute("SELECT id FROM codings WHERE start = 10").fetchone()[0]


def test_coding_remove_carves_out_only_the_span(db, ana):
    diffusing = coding.find_code(db, "Diffusing")
    coding.apply_code(db, 1, diffusing, ana, 0, 100, memo="kept")
    assert coding.remove_code(db, 1, diffusing, ana, 40, 60) == 1
    assert spans(db, "Diffusing", ana) == [(0, 40), (60, 100)]
    assert [r[0] for r in db.execute("SELECT memo FROM codings")] == ["kept", "kept"]
    coding.remove_code(db, 1, diffusing, ana, 0, 100)
    assert spans(db, "Diffusing", ana) == []


def test_coding_exclusive_group_replaces_never_stacks(db, ana):
    p1, p2 = coding.find_code(db, "Phase 1"), coding.find_code(db, "Phase 2")
    a, _ = coding.passage_span(db, 1, 1)
    _, b = coding.passage_span(db, 1, 3)
    coding.apply_code(db, 1, p1, ana, a, b)  # phase 1 over passages 1-3
    start, end = coding.passage_span(db, 1, 2)
    coding.apply_code(db, 1, p2, ana, start, end)  # phase 2 on passage 2 only
    assert spans(db, "Phase 1", ana) == [(a, start), (end, b)]
    assert spans(db, "Phase 2", ana) == [(start, end)]
    other = coding.add_coder(db, "ben")
    coding.apply_code(db, 1, p1, other, start, end)  # another coder's phase does not touch ana's
    assert spans(db, "Phase 2", ana) == [(start, end)]


def test_coding_toggle_applies_then_removes(db, ana):
    enabling = coding.find_code(db, "Enabling")
    start, end = coding.passage_span(db, 1, 4)
    assert coding.toggle_code(db, 1, enabling, ana, start, end) is True
    assert coding.is_coded(db, 1, enabling, ana, start, end)
    assert coding.toggle_code(db, 1, enabling, ana, start, end) is False
    assert not coding.is_coded(db, 1, enabling, ana, start, end)


def test_coding_memo_can_be_set_and_cleared(db, ana):
    coding_id = coding.apply_code(db, 1, coding.find_code(db, "broker"), ana, 0, 5)
    coding.set_coding_memo(db, coding_id, "  why  ", ana)
    assert db.execute("SELECT memo FROM codings").fetchone()[0] == "why"
    coding.set_coding_memo(db, coding_id, " ", ana)
    assert db.execute("SELECT memo FROM codings").fetchone()[0] is None


@pytest.mark.parametrize("start, end", [(-1, 5), (5, 5), (10, 2), (0, 10_000)])
def test_coding_refuses_spans_outside_the_text(db, ana, start, end):
    with pytest.raises(CoderError, match="outside the document"):
        coding.apply_code(db, 1, coding.find_code(db, "broker"), ana, start, end)
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0


def test_coding_finding_codes_documents_and_passages(db):
    assert coding.find_code(db, "function/accessing").path == "function/Accessing"
    assert coding.find_code(db, "SENASA").group == "actor"
    with pytest.raises(CoderError, match="no code named 'Acessing'"):
        coding.find_code(db, "Acessing")
    with pytest.raises(CoderError, match="no document named 'int99'"):
        coding.find_document(db, "int99")
    with pytest.raises(CoderError, match="passage 9 does not exist — fix: use a passage between 1 and 4"):
        coding.passage_span(db, 1, 9)
    assert coding.parse_passages("2-3") == (2, 3)
    with pytest.raises(CoderError):
        coding.parse_passages("3-2")


def test_coding_codings_listing_names_everything(db, ana):
    start, end = coding.passage_span(db, 1, 2)
    coding.apply_code(db, 1, coding.find_code(db, "APEM"), ana, start, end)
    (row,) = coding.codings(db)
    assert (row["document"], row["code_group"], row["code"], row["coder"], row["passage"]) == ("int01", "actor", "APEM", "ana", 2)


def test_coding_an_exclusive_code_replaces_the_other_in_the_whole_passage(db, ana):
    """One code of an exclusive group per passage: a phase on a sentence replaces the phase of the rest of it."""
    p1, p2 = coding.find_code(db, "Phase 1"), coding.find_code(db, "Phase 2")
    start, end = coding.passage_span(db, 1, 2)
    coding.apply_code(db, 1, p1, ana, start, start + 20)
    coding.apply_code(db, 1, p2, ana, end - 20, end)
    assert spans(db, "Phase 1", ana) == [] and spans(db, "Phase 2", ana) == [(end - 20, end)]
