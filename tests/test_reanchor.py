"""Edited transcripts: every coding is carried over to the new text, or reported — never silently moved or lost."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder import coding, memos
from coder.cli import main
from coder.corpus import import_documents
from coder.doctor import accept_placements, events_disagreeing, examine
from coder.errors import CoderError
from coder.reanchor import REVIEW, Alignment, Selector, context, place
from coder.study import connect_study, refresh_study
from tests.conftest import write

TURNS = [
    "INTERVIEWER: How did the cooperative start?",
    "RESPONDENT: We met at teh market in Piura and agreed to sell together.",
    "INTERVIEWER: Who helped you?",
    "RESPONDENT: SENASA trained us on the hot water treatment.",
    "INTERVIEWER: And the buyers?",
    "RESPONDENT: PROMPERU took us to a trade fair in Berlin.",
]
HEADER = "---\nid: int05\ntitle: Re-anchoring\nkind: interview\n---\n\n"


def transcript(turns: list[str]) -> str:
    return HEADER + "\n\n".join(turns) + "\n"


@pytest.fixture
def coded(make_study):
    """A study with one interview and five codings (two coders) and a passage memo."""
    study = make_study(documents={"int05.md": transcript(TURNS)})
    db = connect_study(study)
    refresh_study(study, db)
    ana, ben = coding.add_coder(db, "ana"), coding.add_coder(db, "ben")
    ids = {
        "typo": code(db, "We met at teh market in Piura", "Accessing", ana),
        "after_typo": code(db, "agreed to sell together", "Coordinating", ana),
        "senasa": code(db, "SENASA trained us on the hot water treatment.", "Enabling", ana),
        "berlin": code(db, "PROMPERU took us to a trade fair in Berlin.", "Accessing", ana),
        "question": code(db, "Who helped you?", "Diffusing", ben),
    }
    start, end = span(db, "SENASA trained us on the hot water treatment.")
    memos.set_memo(db, ana, "training matters", document_id=1, start=start, end=end)
    yield study, db, ids
    db.close()


def span(db, quote: str) -> tuple[int, int]:
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    start = text.index(quote)
    return start, start + len(quote)


def code(db, quote: str, name: str, coder: int) -> int:
    return coding.apply_code(db, 1, coding.find_code(db, name), coder, *span(db, quote))


def coding_row(db, coding_id: int) -> dict:
    cursor = db.execute("SELECT c.*, substr(d.text, c.start + 1, c.end - c.start) AS now FROM codings c"
                        " JOIN documents d ON d.id = c.document_id WHERE c.id = ?", [coding_id])
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone()))


def edit(study, db, turns: list[str]):
    path = write(study.transcripts_dir / "int05.md", transcript(turns))
    return import_documents(db, [path], study.load_codebook(), root=study.root, update=True)


def test_reanchor_typo_fixed_inside_a_coding_is_reported_and_stays_on_the_fixed_text(coded):
    study, db, ids = coded
    turns = TURNS.copy()
    turns[1] = turns[1].replace("teh", "the")
    report = edit(study, db, turns)
    typo = coding_row(db, ids["typo"])
    assert (typo["status"], typo["now"], typo["quote"]) == ("changed", "We met at the market in Piura", "We met at teh market in Piura")
    for name in ("after_typo", "senasa", "berlin", "question"):
        row = coding_row(db, ids[name])
        assert row["status"] == "ok" and row["now"] == row["quote"]
    assert [(p.id, p.outcome) for p in report.needs_review] == [(ids["typo"], "changed")]
    assert any("We met at teh market" in f.message for f in examine(study, db, quick=True) if f.check == "review")


def test_reanchor_insertion_before_codings_moves_them_exactly(coded):
    study, db, ids = coded
    before = {name: coding_row(db, i) for name, i in ids.items()}
    added = "INTERVIEWER: Thank you for seeing us today, it is a long trip."
    report = edit(study, db, [added, *TURNS])
    shift = len(added) + 2
    for name, coding_id in ids.items():
        row = coding_row(db, coding_id)
        assert (row["start"], row["end"]) == (before[name]["start"] + shift, before[name]["end"] + shift)
        assert row["status"] == "ok" and row["now"] == row["quote"] == before[name]["quote"]
    assert report.needs_review == [] and {p.outcome for p in report.placements} == {"moved"}
    start, end = span(db, "SENASA trained us on the hot water treatment.")
    assert memos.memo(db, coding.add_coder(db, "ana"), document_id=1, start=start, end=end) == "training matters"


def test_reanchor_deleting_a_coded_turn_orphans_its_coding_and_keeps_the_others(coded):
    study, db, ids = coded
    report = edit(study, db, [t for t in TURNS if not t.startswith("RESPONDENT: SENASA")])
    senasa = coding_row(db, ids["senasa"])
    assert senasa["status"] == "orphaned" and senasa["quote"] == "SENASA trained us on the hot water treatment."
    assert senasa["end"] - senasa["start"] == 1  # a one-character mark where the turn used to be
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 5  # nothing dropped
    assert coding_row(db, ids["berlin"])["status"] == "ok"
    assert db.execute("SELECT status FROM memos").fetchone()[0] == "orphaned"
    assert sorted((p.kind, p.outcome) for p in report.needs_review) == [("coding", "orphaned"), ("memo", "orphaned")]


def test_reanchor_reordered_turns_find_their_codings_by_quote(coded):
    study, db, ids = coded
    reordered = [TURNS[0], TURNS[1], TURNS[4], TURNS[5], TURNS[2], TURNS[3]]
    report = edit(study, db, reordered)
    for name in ids:
        row = coding_row(db, ids[name])
        assert row["status"] == "ok" and row["now"] == row["quote"], name
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    assert coding_row(db, ids["senasa"])["start"] == text.index("SENASA trained")
    assert coding_row(db, ids["question"])["start"] == text.index("Who helped you?")
    assert report.needs_review == [] and {p.id for p in report.relocated} & {ids["senasa"], ids["berlin"], ids["question"]}


def test_reanchor_keeps_the_old_version_and_recuts_passages_in_one_logged_event(coded):
    study, db, ids = coded
    old_text = db.execute("SELECT text FROM documents").fetchone()[0]
    edit(study, db, [*TURNS, "INTERVIEWER: Anything about the exporters?"])
    assert db.execute("SELECT version, text FROM document_versions").fetchall() == [(1, old_text)]
    assert db.execute("SELECT version FROM documents").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM segments").fetchone()[0] == 7
    assert db.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH 'exporters'").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM events WHERE action = 'reanchor'").fetchone()[0] == 1
    assert events_disagreeing(db) == []  # the reanchor event's ops replay to the codings as they are


def test_reanchor_on_open_backs_up_then_updates_an_edited_transcript(coded):
    study, db, ids = coded
    write(study.transcripts_dir / "int05.md", transcript(["INTERVIEWER: Hello there.", *TURNS]))
    report = refresh_study(study, db)
    assert report.imported.updated == ["int05"] and len(report.imported.placements) == 6
    assert list(study.backups_dir.glob("*-before-import.db"))
    assert coding_row(db, ids["berlin"])["now"] == "PROMPERU took us to a trade fair in Berlin."


def test_reanchor_accepting_a_review_takes_the_new_text_as_its_quote(coded):
    study, db, ids = coded
    turns = TURNS.copy()
    turns[1] = turns[1].replace("teh", "the")
    edit(study, db, turns)
    assert accept_placements(db, None, "ana") == 1
    row = coding_row(db, ids["typo"])
    assert (row["status"], row["quote"]) == ("ok", "We met at the market in Piura")
    assert [f for f in examine(study, db, quick=True) if f.severity == "attention"] == []


def test_reanchor_cli_reports_review_and_doctor_exits_non_zero_until_accepted(coded):
    study, db, ids = coded
    turns = TURNS.copy()
    turns[1] = turns[1].replace("teh", "the")
    write(study.transcripts_dir / "int05.md", transcript(turns))
    runner = CliRunner()
    doctor = runner.invoke(main, ["--study", str(study.root), "doctor"])
    assert doctor.exit_code == 1 and "changed on disk" in doctor.output
    result = runner.invoke(main, ["--study", str(study.root), "import", "--update"])
    assert result.exit_code == 0, result.output
    assert "needs review: int05: coding function/Accessing (ana) “We met at teh market in Piura” changed" in result.output
    doctor = runner.invoke(main, ["--study", str(study.root), "doctor", "--format", "json"])
    assert doctor.exit_code == 1
    assert [r["check"] for r in json.loads(doctor.output) if r["severity"] == "attention"] == ["review"]
    accepted = runner.invoke(main, ["--study", str(study.root), "doctor", "--accept", "all", "--coder", "ana"])
    assert accepted.exit_code == 0 and "All good" in accepted.output


@pytest.mark.parametrize("old, new, quote, expected", [
    ("aaa bbb ccc", "xx aaa bbb ccc", "bbb", "moved"),
    ("aaa bbb ccc", "aaa bXb ccc", "bbb", "changed"),
    ("one two. three four.", "three four. one two.", "one two.", "moved"),  # the diff keeps one of them in place
    ("one two. three four five six seven.", "three four five six seven. one two.", "one two.",
     "orphaned"),  # a short quote elsewhere, its context not confirming: not guessed
    ("INTERVIEWER: one.\n\nRESPONDENT: two.\n\nINTERVIEWER: three.",
     "RESPONDENT: two.\n\nINTERVIEWER: three.\n\nINTERVIEWER: one.", "one.", "orphaned"),  # a label alone confirms nothing
    ("INTERVIEWER: one.\n\nRESPONDENT: two.\n\nINTERVIEWER: three.",
     "RESPONDENT: two.\n\nINTERVIEWER: three.\n\nASKED: one.", "one.", "orphaned"),  # nor does whitespace
    ("keep this. drop that one please.", "keep this.", "drop that one please.", "orphaned"),
])
def test_reanchor_place_outcomes(old, new, quote, expected):
    start = old.index(quote)
    selector = Selector(start, start + len(quote), quote, *context(old, start, start + len(quote)))
    placed = place(selector, Alignment(old, new))
    assert placed.outcome == expected
    if expected in ("moved", "relocated"):
        assert new[placed.start : placed.end] == quote


def test_reanchor_short_quote_found_twice_is_not_guessed():
    old, new = "Yes. No. Maybe.", "Maybe. Yes. Then yes? Yes."
    selector = Selector(0, 4, "Yes.", "", " No. Maybe.")
    assert place(selector, Alignment(old, new)).outcome in ("changed", "orphaned")


# Short turns that recur: never re-placed by a guess ---------------------------------------------------------

WHY = ["INTERVIEWER: Where did you sell?", "RESPONDENT: At the market.", "INTERVIEWER: Why?",
       "RESPONDENT: Prices were better there than at the farm gate.", "INTERVIEWER: And the buyers?",
       "RESPONDENT: They came from Lima.", "INTERVIEWER: Why?", "RESPONDENT: Because the port is there."]
MORE = [t.replace("Why?", "Could you say more about that?") for t in WHY]  # a repeated question of 30 characters


def why_study(make_study, turns: list[str]):
    study = make_study(documents={"int07.md": transcript(turns).replace("id: int05", "id: int07")})
    db = connect_study(study)
    refresh_study(study, db)
    return study, db, coding.add_coder(db, "ana")


def edit_why(study, turns: list[str]) -> str:
    write(study.transcripts_dir / "int07.md", transcript(turns).replace("id: int05", "id: int07"))
    result = CliRunner().invoke(main, ["--study", str(study.root), "import", "--update"])
    assert result.exit_code == 0, result.output
    return result.output


def doctor(study, *args: str):
    return CliRunner().invoke(main, ["--study", str(study.root), "doctor", "--quick", *args])


def passage_codings(db, code: str) -> list[tuple[int, str, str]]:
    return [tuple(r) for r in db.execute(
        "SELECT (SELECT min(ordinal) FROM segments s WHERE s.document_id = c.document_id AND s.end > c.start), c.status, c.quote"
        " FROM codings c JOIN codes k ON k.id = c.code_id WHERE k.name = ? ORDER BY c.start", [code])]


def coded_passage(db, code: str, coder: int, passage: int) -> int:
    return coding.apply_code(db, 1, coding.find_code(db, code), coder, *coding.passage_span(db, 1, passage))


def uuid_of(db, table: str, row_id: int) -> str:
    return db.execute(f"SELECT uuid FROM {table} WHERE id = ?", [row_id]).fetchone()[0]


@pytest.mark.parametrize("turns, kept", [
    (WHY, WHY[:6]),  # the case: passages 7–8 deleted
    (WHY[:7], WHY[:3]),  # the coded turn is the last one, passages 4–7 deleted: the diff pairs it with passage 3
    (MORE, MORE[:6]),  # a question long enough to count as unmistakable, were it not repeated
], ids=["passages 7-8 deleted", "the last turn deleted", "a longer question"])
def test_reanchor_the_coded_copy_of_a_repeated_turn_is_flagged_with_its_candidates_never_moved(make_study, turns, kept):
    """Issue 12, item 1: `INTERVIEWER: Why?` is passages 3 and 7; passage 7 is coded; passage 7 is deleted."""
    study, db, ana = why_study(make_study, turns)
    uuid = uuid_of(db, "codings", coded_passage(db, "Diffusing", ana, 7))
    question = turns[2].removeprefix("INTERVIEWER: ")
    output = edit_why(study, kept)
    at = db.execute("SELECT text FROM documents").fetchone()[0].index(question)
    assert "0 found again by their quote, 1 need review" in output
    assert f"its quote is now at [1] passage 3 ({at}-{at + len(question)})" in output
    assert [(s in REVIEW, q) for _, s, q in passage_codings(db, "Diffusing")] == [(True, question)]  # kept, flagged
    listed = doctor(study)
    assert listed.exit_code == 1 and f"[1] passage 3 ({at}-{at + len(question)})" in listed.output
    assert f"--accept {uuid}:N" in listed.output
    chosen = doctor(study, "--accept", f"{uuid}:1", "--coder", "ana")
    assert chosen.exit_code == 0 and "All good" in chosen.output, chosen.output
    assert passage_codings(db, "Diffusing") == [(3, "ok", question)]  # where the researcher chose


@pytest.mark.parametrize("turns", [WHY, MORE], ids=["short", "longer"])
def test_reanchor_no_widened_duplicate_when_both_copies_carry_the_same_code(make_study, turns):
    """Issue 12, item 1: passage 3 carries the same code by the same coder; no second, widened coding appears."""
    study, db, ana = why_study(make_study, turns)
    third = coded_passage(db, "Diffusing", ana, 3)
    before = coding_row(db, third)
    uuid = uuid_of(db, "codings", coded_passage(db, "Diffusing", ana, 7))
    edit_why(study, turns[:6])
    question = turns[2].removeprefix("INTERVIEWER: ")
    assert [(p, s, q) for p, s, q in passage_codings(db, "Diffusing")][0] == (3, "ok", question)
    assert (coding_row(db, third)["start"], coding_row(db, third)["end"]) == (before["start"], before["end"])
    assert [s for _, s, _ in passage_codings(db, "Diffusing")] == ["ok", "orphaned"]
    assert db.execute("SELECT count(*) FROM codings WHERE end - start > length(quote)").fetchone()[0] == 0  # none widened
    assert doctor(study, "--accept", f"{uuid}:1", "--coder", "ana").exit_code == 0
    assert passage_codings(db, "Diffusing") == [(3, "ok", question)]  # merged with passage 3's own
    assert events_disagreeing(db) == []


def test_reanchor_a_quote_in_two_places_is_flagged_even_with_real_context_on_one_side(make_study):
    turns = ["INTERVIEWER: Was it the fair in Berlin?", "RESPONDENT: Yes.", "INTERVIEWER: Who paid for the stand?",
             "RESPONDENT: PromPerú did."]
    study, db, ana = why_study(make_study, turns)
    coded_passage(db, "Accessing", ana, 2)
    # Madrid's answer is followed by the coded answer's question, Berlin's answer still follows its own question.
    edit_why(study, ["INTERVIEWER: Did you go to Madrid?", "RESPONDENT: Yes.", *turns[2:], *turns[:2]])
    assert [s for _, s, _ in passage_codings(db, "Accessing")] != ["ok"]
    listed = doctor(study).output
    assert "its quote is now at [1] passage 2 (" in listed and "[2] passage 6 (" in listed


def test_reanchor_a_unique_quote_with_only_a_speaker_label_for_context_is_flagged(make_study):
    turns = ["INTERVIEWER: Who came?", "RESPONDENT: Ana.", "INTERVIEWER: And then?", "RESPONDENT: Lunch at noon."]
    study, db, ana = why_study(make_study, turns)
    coded_passage(db, "Accessing", ana, 2)  # “Ana.”
    edit_why(study, ["INTERVIEWER: And then?", "RESPONDENT: Lunch at noon.", "INTERVIEWER: Who came first?", "RESPONDENT: Ana."])
    assert [(s, q) for _, s, q in passage_codings(db, "Accessing")] == [("orphaned", "Ana.")]  # never “found again”
    assert "its quote is now at [1] passage 4 (" in doctor(study).output


@pytest.mark.parametrize("edited, passage", [
    ([WHY[0].replace("sell", "sell them"), *WHY[1:]], 7),  # a typo fixed at the start
    (["INTERVIEWER: Thank you for seeing us.", *WHY], 8),  # a turn inserted before
    ([*WHY[:2], *WHY[4:]], 5),  # the other copy deleted
    ([*WHY[:5], "RESPONDENT: Most of them came from Lima and Callao.", *WHY[6:]], 7),  # the turn before it reworded
], ids=["typo", "insertion", "other copy deleted", "neighbour reworded"])
def test_reanchor_a_normal_edit_elsewhere_still_moves_a_coded_repeated_turn_silently(make_study, edited, passage):
    study, db, ana = why_study(make_study, WHY)
    coded_passage(db, "Diffusing", ana, 7)
    output = edit_why(study, edited)
    assert "1 moved with the text, 0 found again by their quote, 0 need review" in output
    assert passage_codings(db, "Diffusing") == [(passage, "ok", "Why?")]
    assert doctor(study).exit_code == 0


def test_reanchor_a_memo_on_the_deleted_copy_is_flagged_and_put_where_the_researcher_chooses(make_study):
    study, db, ana = why_study(make_study, WHY)
    third, seventh = coding.passage_span(db, 1, 3), coding.passage_span(db, 1, 7)
    memos.set_memo(db, ana, "why, the first time", document_id=1, start=third[0], end=third[1])
    memos.set_memo(db, ana, "why, again", document_id=1, start=seventh[0], end=seventh[1])
    uuid = db.execute("SELECT uuid FROM memos WHERE text = 'why, again'").fetchone()[0]
    output = edit_why(study, WHY[:6])
    assert "needs review: int07: memo (ana) “Why?” orphaned" in output and "[1] passage 3" in output
    listed = doctor(study)
    assert listed.exit_code == 1 and "it was on “Why?”" in listed.output and f"--accept {uuid}:N" in listed.output
    assert doctor(study, "--accept", f"{uuid}:1", "--coder", "ana").exit_code == 0
    assert db.execute("SELECT start, end, status, text FROM memos").fetchall() == [
        (*coding.passage_span(db, 1, 3), "ok", "why, the first time\n\nwhy, again")]  # joined to the memo already there


def test_reanchor_accepting_is_done_as_a_coder_of_the_study_or_one_added_on_purpose(coded):
    study, db, ids = coded
    turns = TURNS.copy()
    turns[1] = turns[1].replace("teh", "the")
    edit(study, db, turns)
    with pytest.raises(CoderError, match=r"no coder named 'anna' \(did you mean 'ana'\?\)"):
        accept_placements(db, None, "anna")  # a typo: refused, nothing accepted, no coder added
    assert coding_row(db, ids["typo"])["status"] != "ok" and "anna" not in coding.coder_names(db)
    assert accept_placements(db, None, "anna", new=True) == 1  # doctor --accept all --coder anna --new-coder
