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
from coder.reanchor import Alignment, Selector, context, place
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
     "RESPONDENT: two.\n\nINTERVIEWER: three.\n\nINTERVIEWER: one.", "one.", "relocated"),  # its label confirms it
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


def test_reanchor_accepting_is_done_as_a_coder_of_the_study_or_one_added_on_purpose(coded):
    study, db, ids = coded
    turns = TURNS.copy()
    turns[1] = turns[1].replace("teh", "the")
    edit(study, db, turns)
    with pytest.raises(CoderError, match=r"no coder named 'anna' \(did you mean 'ana'\?\)"):
        accept_placements(db, None, "anna")  # a typo: refused, nothing accepted, no coder added
    assert coding_row(db, ids["typo"])["status"] != "ok" and "anna" not in coding.coder_names(db)
    assert accept_placements(db, None, "anna", new=True) == 1  # doctor --accept all --coder anna --new-coder
