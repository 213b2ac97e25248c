"""Keyword suggestions: found whatever the case and accents, never for actor codes, accepted as a coding."""

from __future__ import annotations

import pytest

from coder import coding, events, suggest
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.conftest import SMALL_CODEBOOK

TEXT = """\
---
id: notes
kind: congress_notes
language: es
---

Primera sesión: la CAPACITACION sobre agua caliente (HOT WATER) de Senasa.

Segunda sesión: el comité técnico y un proyecto conjunto; la capacitación siguió.

Tercera sesión: nada que sugerir aquí.
"""

CODEBOOK = SMALL_CODEBOOK.replace("keywords: [training, newsletter]", "keywords: [training, newsletter, Capacitación]").replace(
    "keywords: [committee, joint project]", "keywords: [committee, comité, comité técnico, proyecto conjunto]").replace(
    "keywords: [pilot plant, hot water]", "keywords: [pilot plant, hot water, agua caliente]")


@pytest.fixture
def db(make_study):
    study = make_study(documents={"notes.md": TEXT}, codebook=CODEBOOK)
    database = connect_study(study)
    refresh_study(study, database)
    yield database
    database.close()


def found(db, result):
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    return {ordinal: [(s.code, s.keyword, text[s.start:s.end]) for s in items] for ordinal, items in result.items()}


def test_suggest_keywords_match_whatever_the_case_and_accents(db):
    assert found(db, suggest.suggestions(db, 1)) == {
        1: [("function/Diffusing", "Capacitación", "CAPACITACION"), ("function/Enabling", "agua caliente", "agua caliente"),
            ("function/Enabling", "hot water", "HOT WATER")],
        2: [("function/Coordinating", "comité técnico", "comité técnico"),
            ("function/Coordinating", "proyecto conjunto", "proyecto conjunto"),
            ("function/Diffusing", "Capacitación", "capacitación")],
    }


def test_suggest_never_offers_actor_codes(db):
    assert db.execute("SELECT count(*) FROM mentions").fetchone()[0] == 1  # Senasa is mentioned...
    codes = {s.code for items in suggest.suggestions(db, 1).values() for s in items}
    assert not any(code.startswith("actor/") for code in codes)  # ...but actor codes come from mentions only


def test_suggest_leaves_out_codes_the_coder_already_applied(db):
    ana = coding.add_coder(db, "ana")
    start, end = coding.passage_span(db, 1, 1)
    coding.apply_code(db, 1, coding.find_code(db, "Enabling"), ana, start, start + 10)
    mine = suggest.suggestions(db, 1, coder_id=ana)
    assert [s.code for s in mine[1]] == ["function/Diffusing"]
    assert len(suggest.suggestions(db, 1, coder_id=coding.add_coder(db, "ben"))[1]) == 3  # ben has coded nothing


def test_suggest_accepting_codes_the_passage_as_one_undoable_event(db):
    ana = coding.add_coder(db, "ana")
    (first, *_) = suggest.suggestions(db, 1)[2]
    coding_id = suggest.accept_suggestion(db, 1, 2, first.code_id, ana)
    row = db.execute("SELECT code_id, start, end FROM codings WHERE id = ?", [coding_id]).fetchone()
    assert row == (first.code_id, *coding.passage_span(db, 1, 2))
    assert 2 not in suggest.suggestions(db, 1, coder_id=ana) or all(
        s.code_id != first.code_id for s in suggest.suggestions(db, 1, coder_id=ana)[2])
    assert events.undo(db, ana).action == "accept_suggestion"
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0


def test_suggest_follows_keyword_changes(db):
    before = suggest.suggestions(db, 1)
    with events.writing(db, "test", coder_id=None) as changes:
        changes.update("codes", coding.find_code(db, "Coordinating").id, {"keywords": '["sesión"]'})
    after = suggest.suggestions(db, 1)
    assert before != after
    assert [s.keyword for s in after[3]] == ["sesión"]


def test_suggest_unknown_document_is_an_error(db):
    with pytest.raises(CoderError, match="does not exist"):
        suggest.suggestions(db, 99)


INTERVIEW = """\
---
id: talk
language: en
interviewer: LUCÍA
---

INTERVIEWER: Tell me about the training and the newsletter.

RESPONDENT: The training was held at the pilot plant.

LUCÍA: And the committee, was it a joint project?

RESPONDENT: The committee sends a newsletter.
"""


@pytest.fixture
def talk(make_study):
    study = make_study(documents={"talk.md": INTERVIEW}, codebook=SMALL_CODEBOOK)
    database = connect_study(study)
    refresh_study(study, database)
    yield database
    database.close()


def test_suggest_interviewer_rule_labels_and_the_header():
    from coder.turns import header_interviewers, is_interviewer

    for label in ("INTERVIEWER", "Interviewer 2", "ENTREVISTADOR", "Entrevistadora (María)", "ENQUÊTEUR", "INTERVIEWERIN"):
        assert is_interviewer(label), label
    for label in ("RESPONDENT", "ENTREVISTADO", "ENTREVISTADA", "NOTES", "QUESTION FROM THE FLOOR", None, ""):
        assert not is_interviewer(label), label
    named = header_interviewers({"interviewer": "Lucía", "interviewers": ["PEDRO (field team)"]})
    assert named == {"lucia", "pedro"}
    assert is_interviewer("LUCÍA", named) and is_interviewer("Pedro", named) and not is_interviewer("LUCÍA")


def test_suggest_nothing_on_interviewer_turns_unless_the_study_says_so(talk):
    assert sorted(suggest.suggestions(talk, 1)) == [2, 4]  # passages 1 (INTERVIEWER) and 3 (LUCÍA, named in the header) left out
    assert sorted(suggest.suggestions(talk, 1, interviewer=True)) == [1, 2, 3, 4]
    suggest.set_suggest_on_interviewer_turns(talk, True)
    assert sorted(suggest.suggestions(talk, 1)) == [1, 2, 3, 4]
    suggest.set_suggest_on_interviewer_turns(talk, False)
    assert sorted(suggest.suggestions(talk, 1)) == [2, 4]


def test_suggest_the_words_that_triggered_each_code(talk):
    found = suggest.triggers(suggest.suggestions(talk, 1)[4])
    paths = {coding.code_ref(talk, code).path: words for code, words in found.items()}
    assert paths == {"function/Coordinating": ["committee"], "function/Diffusing": ["newsletter"]}


def test_suggest_a_dismissed_suggestion_stays_away_for_that_coder_and_passage_until_undone(talk):
    ana, ben = coding.add_coder(talk, "ana"), coding.add_coder(talk, "ben")
    coordinating = coding.find_code(talk, "Coordinating").id
    assert suggest.dismiss_suggestion(talk, 1, 4, coordinating, ana) is True
    assert suggest.dismiss_suggestion(talk, 1, 4, coordinating, ana) is False  # once is enough: nothing written again
    assert [s.code for s in suggest.suggestions(talk, 1, coder_id=ana)[4]] == ["function/Diffusing"]
    assert {s.code for s in suggest.suggestions(talk, 1, coder_id=ben)[4]} == {"function/Coordinating", "function/Diffusing"}
    assert [e[0] for e in talk.execute("SELECT action FROM events WHERE action = 'dismiss_suggestion'")] == ["dismiss_suggestion"]
    assert events.undo(talk, ana).action == "dismiss_suggestion"
    assert {s.code for s in suggest.suggestions(talk, 1, coder_id=ana)[4]} == {"function/Coordinating", "function/Diffusing"}


def test_suggest_a_code_removed_from_a_passage_is_not_suggested_there_again(talk):
    ana = coding.add_coder(talk, "ana")
    diffusing = coding.find_code(talk, "Diffusing")
    start, end = coding.passage_span(talk, 1, 2)
    assert [s.code for s in suggest.suggestions(talk, 1, coder_id=ana)[2]] == ["function/Diffusing", "function/Enabling"]
    suggest.accept_suggestion(talk, 1, 2, diffusing.id, ana)
    assert [s.code for s in suggest.suggestions(talk, 1, coder_id=ana)[2]] == ["function/Enabling"]  # applied: not suggested
    coding.remove_code(talk, 1, diffusing, ana, start, end)  # the coder takes it off again …
    assert [s.code for s in suggest.suggestions(talk, 1, coder_id=ana)[2]] == ["function/Enabling"]  # … and it stays away
    assert [s.code for s in suggest.suggestions(talk, 1, coder_id=ana)[4]] == ["function/Coordinating", "function/Diffusing"]
    coding.remove_code(talk, 1, coding.find_code(talk, "Enabling"), ana, start, end)  # not coded: nothing dismissed
    assert talk.execute("SELECT count(*) FROM suggestion_dismissals").fetchone()[0] == 1
    assert events.undo(talk, ana).action == "uncode"  # undoing the removal takes the dismissal back with it
    assert talk.execute("SELECT count(*) FROM suggestion_dismissals").fetchone()[0] == 0


def test_suggest_a_dismissal_follows_its_passage_through_a_re_import(make_study):
    study = make_study(documents={"talk.md": INTERVIEW}, codebook=SMALL_CODEBOOK)
    db = connect_study(study)
    refresh_study(study, db)
    ana = coding.add_coder(db, "ana")
    coordinating, diffusing = coding.find_code(db, "Coordinating").id, coding.find_code(db, "Diffusing").id
    suggest.dismiss_suggestion(db, 1, 4, coordinating, ana)  # "The committee sends a newsletter."
    suggest.dismiss_suggestion(db, 1, 2, diffusing, ana)  # "The training was held at the pilot plant."
    path = study.transcripts_dir / "talk.md"
    path.write_text(path.read_text(encoding="utf-8").replace(  # two turns at the top; passage 2's words change
        "INTERVIEWER: Tell me", "INTERVIEWER: Shall we start?\n\nRESPONDENT: Yes, the training.\n\nINTERVIEWER: Tell me").replace(
        "was held at", "took place at"), encoding="utf-8")
    refresh_study(study, db)
    found = suggest.suggestions(db, 1, coder_id=ana)
    assert [s.code for s in found[6]] == ["function/Diffusing"]  # old passage 4, now 6: still no Coordinating
    assert [s.code for s in found[4]] == ["function/Diffusing", "function/Enabling"]  # its words changed: suggested again
    assert [s.code for s in found[2]] == ["function/Diffusing"]  # the new turn: a passage never dismissed
    assert db.execute("SELECT summary FROM events WHERE action = 'carry_dismissals'").fetchone()[0] == (
        "re-anchored talk: 1 dismissed suggestion")
    db.close()
