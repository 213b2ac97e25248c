"""Retrieval: a code's excerpts, combinations at passage level, by attribute and by coder — each checked against a
plain computation over the codings table — and the writes made from the list (uncode, recode, memo) and its export."""

from __future__ import annotations

import json
from itertools import product

import pytest

from coder import coding
from coder.codebook import undo_with_codebook
from coder.errors import CoderError
from coder.retrieval import Retrieval, excerpt_memo, export_retrieved, recode_excerpt, retrieve, uncode_excerpt
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW, study_builder

NOTES = """\
---
id: cong01
title: Notes from a congress
kind: congress_notes
---

SPEAKER (APEM): The committee met the buyers at the trade fair. A training followed.

SPEAKER (SENASA): The pilot plant was shown. Nobody spoke of prices.

SPEAKER (APEM): A joint project was agreed. The newsletter will report it.
"""

INT02 = """\
---
id: int02
kind: interview
---

INTERVIEWER: What did the committee do?

RESPONDENT: It agreed on a joint project. Then the training started.

INTERVIEWER: And later?

RESPONDENT: Later we built the pilot plant. The buyers came to see it.
"""

# coder, document, passage, the words the coding covers in it (None: the whole passage), code
CODINGS = [
    ("ana", "int01", 2, None, "Accessing"),
    ("ana", "int01", 2, "They circulated a newsletter with prices.", "Diffusing"),
    ("ana", "int01", 4, "The training days were organised by SENASA.", "Diffusing"),
    ("ana", "int01", 4, "Sunshine buys it.", "Accessing"),
    ("ana", "int02", 2, "It agreed on a joint project.", "Coordinating"),
    ("ana", "int02", 2, "Then the training started.", "Diffusing"),
    ("ana", "int02", 4, None, "Enabling"),
    ("ana", "int02", 4, "The buyers came to see it.", "Accessing"),
    ("ana", "cong01", 1, "The committee met the buyers at the trade fair.", "Accessing"),
    ("ana", "cong01", 3, None, "Coordinating"),
    ("ana", "cong01", 3, "The newsletter will report it.", "Diffusing"),
    ("ben", "int01", 2, None, "Accessing"),
    ("ben", "int01", 4, None, "Diffusing"),
    ("ben", "int02", 4, "The buyers came to see it.", "Accessing"),
    ("ben", "int02", 4, "Later we built the pilot plant.", "Enabling"),
    ("ben", "cong01", 1, None, "Accessing"),
    ("ben", "cong01", 1, "A training followed.", "Diffusing"),
    ("ben", "cong01", 2, None, "Enabling"),
]
CODES = ["Accessing", "Diffusing", "Coordinating", "Enabling"]


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """Three documents (two interviews, congress notes) coded by hand by ana and ben, built once (the tests that
    write take a copy)."""
    study = study_builder(tmp_path_factory.mktemp("retrieval"))(
        documents={"int01.md": INTERVIEW, "int02.md": INT02, "cong01.md": NOTES})
    db = connect_study(study)
    refresh_study(study, db)
    for coder, document, passage, words, code in CODINGS:
        coder_id = coding.acting_coder(db, coder, new=not coding.is_coder(db, coder))
        document_id = coding.find_document(db, document)
        start, end = coding.passage_span(db, document_id, passage)
        if words is not None:
            text = db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()[0]
            start = text.index(words, start, end)
            end = start + len(words)
        coding.apply_code(db, document_id, coding.find_code(db, code), coder_id, start, end)
    db.close()
    return study


@pytest.fixture
def db(coded):
    database = connect_study(coded)
    yield database
    database.close()


@pytest.fixture
def writable(coded, tmp_path):
    """A copy of the coded study, for the tests that write."""
    import shutil

    from coder.study import Study

    shutil.copytree(coded.root, tmp_path / "copy")
    study = Study(tmp_path / "copy")
    database = connect_study(study)
    yield study, database
    database.close()


def plain(db, code, also=(), without=(), coders=(), kind=None):
    """The same question answered straight from the tables: (document, coder, start, end) of the codings of `code`
    whose passages (those they overlap) hold, by the same coder, a coding of every `also` and of no `without`."""
    segments: dict[str, list[tuple[int, int, int]]] = {}
    for name, start, end, ordinal in db.execute(
            "SELECT d.name, s.start, s.end, s.ordinal FROM segments s JOIN documents d ON d.id = s.document_id"):
        segments.setdefault(name, []).append((start, end, ordinal))
    rows = db.execute("SELECT d.name, r.name, k.name, c.start, c.end, d.attributes FROM codings c"
                      " JOIN documents d ON d.id = c.document_id JOIN coders r ON r.id = c.coder_id"
                      " JOIN codes k ON k.id = c.code_id").fetchall()

    def touched(document, start, end):
        return {o for s, e, o in segments[document] if s < end and e > start}

    found = set()
    for document, coder, name, start, end, attributes in rows:
        if name != code or (coders and coder not in coders) or (kind and json.loads(attributes).get("kind") != kind):
            continue
        here = touched(document, start, end)
        others = {(n, o) for d, c, n, s, e, _ in rows if d == document and c == coder for o in touched(d, s, e)}
        if all(any((b, o) in others for o in here) for b in also) and not any((n, o) in others for n in without for o in here):
            found.add((document, coder, start, end))
    return found


def listed(found):
    return {(e.document, e.coder, e.start, e.end) for e in found.items}


def test_a_codes_excerpts_are_its_codings_with_citation_coder_memo_and_context(db):
    found = retrieve(db, Retrieval(codes=("Accessing",)))
    assert listed(found) == plain(db, "Accessing")
    assert len(found.items) == 7
    first = next(e for e in found.items if e.document == "int02" and e.coder == "ana")
    assert first.text == "The buyers came to see it." and first.passage == "4"
    assert first.before == "And later?"  # the passage before, for context
    assert first.after is None  # the last passage
    assert first.also_coded == ("function/Enabling",)


def test_a_and_b_in_one_passage_is_judged_per_coder_at_passage_level(db):
    found = retrieve(db, Retrieval(codes=("Accessing",), also=("Diffusing",)))
    # int01 ¶2: ana's Accessing (whole passage) and her Diffusing (one sentence of it); ben coded no Diffusing there.
    # int01 ¶4: two sentences apart, one passage. int02 ¶2: Diffusing, but no Accessing.
    assert listed(found) == plain(db, "Accessing", also=["Diffusing"])
    assert {(e.document, e.coder, e.passage) for e in found.items} == {
        ("int01", "ana", "2"), ("int01", "ana", "4"), ("cong01", "ben", "1")}
    assert found.heading == "Coded excerpts: function/Accessing with Diffusing"
    assert "in the same passage as: function/Diffusing" in found.filters


def test_a_but_not_b(db):
    found = retrieve(db, Retrieval(codes=("Accessing",), without=("Diffusing",)))
    assert listed(found) == plain(db, "Accessing", without=["Diffusing"])
    assert {(e.document, e.coder, e.passage) for e in found.items} == {
        ("int02", "ana", "4"), ("cong01", "ana", "1"), ("int01", "ben", "2"), ("int02", "ben", "4")}
    assert found.name_parts[-2:] == ["not", "Diffusing"]


@pytest.mark.parametrize(("code", "also", "without"), [
    (a, also, without) for a, also, without in product(CODES, [(), ("Diffusing",), ("Enabling", "Accessing")],
                                                         [(), ("Coordinating",), ("Enabling",)])
    if a not in also and a not in without])
def test_every_combination_agrees_with_the_plain_computation(db, code, also, without):
    assert listed(retrieve(db, Retrieval(codes=(code,), also=also, without=without))) == plain(db, code, also, without)


def test_by_document_attribute_and_by_coder(db):
    found = retrieve(db, Retrieval(codes=("Accessing",), documents=("kind=interview",), coders=("ben",)))
    assert listed(found) == plain(db, "Accessing", coders=["ben"], kind="interview") == {
        (e.document, "ben", e.start, e.end) for e in found.items}
    assert {e.document for e in found.items} == {"int01", "int02"}
    assert "documents: kind=interview" in found.filters and "coders: ben" in found.filters
    notes = retrieve(db, Retrieval(codes=("Diffusing",), documents=("kind=congress_notes",)))
    assert listed(notes) == plain(db, "Diffusing", kind="congress_notes")
    assert retrieve(db, Retrieval(codes=("Diffusing",), documents=("int0*",))).items == \
        [e for e in retrieve(db, Retrieval(codes=("Diffusing",))).items if e.document != "cong01"]


def test_a_codes_excerpts_bring_its_sub_codes_when_asked_one_coding_each(writable):
    study, db = writable
    document = coding.find_document(db, "int01")
    start, end = coding.passage_span(db, document, 2)
    coding.apply_code(db, document, coding.find_code(db, "Scanning sources"), coding.coder_id(db, "ana"), start, end)
    assert listed(retrieve(db, Retrieval(codes=("Accessing",), coders=("ana",)))) == plain(db, "Accessing", coders=("ana",))
    found = retrieve(db, Retrieval(codes=("Accessing",), coders=("ana",), sub_codes="with"))
    here = [(e.code, e.sub_codes) for e in found.items if e.document == "int01" and e.first_passage == 2]
    assert here == [("Accessing", ()), ("Accessing", ("Scanning sources",))]  # one coding each, to act on
    assert listed(found) == plain(db, "Accessing", coders=("ana",)) | plain(db, "Scanning sources", coders=("ana",))


def test_the_export_filters_still_apply(db):
    """Codes, a code group, coders and documents are the export's own filters, reused."""
    group = retrieve(db, Retrieval(group="function", coders=("ana",)))
    assert len(group.items) == len([c for c in CODINGS if c[0] == "ana"])
    assert retrieve(db, Retrieval(codes=("Enabling", "Coordinating"), documents=("cong01",))).items[0].code == "Coordinating"


def test_unknown_names_are_refused_with_a_fix(db):
    with pytest.raises(CoderError, match="no document matches 'kind=survey'"):
        retrieve(db, Retrieval(codes=("Accessing",), documents=("kind=survey",)))
    with pytest.raises(CoderError, match="no code named 'Acessing'"):
        retrieve(db, Retrieval(codes=("Accessing",), also=("Acessing",)))


# Writing from the list -----------------------------------------------------------------------------


def events(db, after=0):
    return [r[0] for r in db.execute("SELECT action FROM events WHERE id > ? ORDER BY id", [after])]


def last_event(db):
    return db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]


def test_uncode_recode_and_memo_write_one_event_each_and_undo(writable):
    study, db = writable
    ana = coding.coder_id(db, "ana")
    before = last_event(db)
    excerpt = next(e for e in retrieve(db, Retrieval(codes=("Enabling",), coders=("ana",))).items if e.document == "int02")
    assert excerpt_memo(db, excerpt.uuid, "  the plant, seen  ", ana) == "memo saved"
    assert recode_excerpt(db, excerpt.uuid, coding.find_code(db, "Coordinating"), ana).name == "Enabling"
    moved = next(e for e in retrieve(db, Retrieval(codes=("Coordinating",), coders=("ana",))).items if e.document == "int02"
                 and e.passage == "4")
    assert (moved.start, moved.end, moved.memo) == (excerpt.start, excerpt.end, "the plant, seen")
    assert not any(e.document == "int02" for e in retrieve(db, Retrieval(codes=("Enabling",), coders=("ana",))).items)
    assert uncode_excerpt(db, moved.uuid, ana).name == "Coordinating"
    assert events(db, before) == ["memo", "recode", "uncode"]
    undo_with_codebook(study, db, ana)
    undo_with_codebook(study, db, ana)
    back = retrieve(db, Retrieval(codes=("Enabling",), coders=("ana",)))
    assert any((e.document, e.start, e.end, e.memo) == ("int02", excerpt.start, excerpt.end, "the plant, seen") for e in back.items)


def test_only_the_coders_own_codings_change(writable):
    _, db = writable
    bens = retrieve(db, Retrieval(codes=("Enabling",), coders=("ben",))).items[0]
    before = last_event(db)
    with pytest.raises(CoderError, match="this is ben's coding"):
        uncode_excerpt(db, bens.uuid, coding.coder_id(db, "ana"))
    with pytest.raises(CoderError, match="no longer in the study"):
        excerpt_memo(db, "gone", "x", coding.coder_id(db, "ana"))
    assert last_event(db) == before


def test_the_export_holds_exactly_what_is_listed(writable, tmp_path):
    _, db = writable
    retrieval = Retrieval(codes=("Accessing",), without=("Diffusing",))
    path = export_retrieved(db, tmp_path, retrieval, "jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["coding_uuid"] for r in rows] == [e.uuid for e in retrieve(db, retrieval).items]
    assert all(r["context_before"] is None for r in rows)  # context only when asked
    assert path.name.startswith("excerpts-function-Accessing-not-Diffusing-")
    again = export_retrieved(db, tmp_path, Retrieval(codes=("Accessing",), context=True), "md")
    assert again != path and "*Before (¶ 3):*" in again.read_text()
