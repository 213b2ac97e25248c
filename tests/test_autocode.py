"""Auto-coding: a preview that changes nothing, then one event that one undo takes back."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coder import coding, events
from coder.autocode import apply_autocode, preview_autocode
from coder.cli import main
from coder.errors import CoderError


def count(db, sql="SELECT count(*) FROM codings"):
    return db.execute(sql).fetchone()[0]


def test_autocode_preview_by_words_lists_passages_and_changes_nothing(db):
    matches = preview_autocode(db, query="training")
    assert [(m.document, m.ordinal) for m in matches] == [("int01", 3), ("int01", 4)]
    assert all(m.why == "words: training" and "training" in m.excerpt for m in matches)
    assert count(db) == 0 and count(db, "SELECT count(*) FROM events WHERE action = 'autocode'") == 0


def test_autocode_preview_by_organisation_includes_mentions(db):
    matches = preview_autocode(db, query="senansa")  # an alias: the passages mentioning SENASA
    assert [m.ordinal for m in matches] == [2, 4]
    assert matches[0].why == "mentions SENASA"


def test_autocode_preview_by_regex_and_case(db):
    assert [m.ordinal for m in preview_autocode(db, regex=r"\bsunshine\b")] == [4]
    (match,) = preview_autocode(db, regex=r"\bsunshine\b", ignore_case=False)
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    assert [text[s:e] for s, e in match.spans] == ["sunshine"]
    assert len(preview_autocode(db, regex=r"\bsunshine\b")[0].spans) == 2


def test_autocode_preview_by_speaker_alone_or_narrowing(db):
    assert [m.ordinal for m in preview_autocode(db, speaker="respondent")] == [2, 4]
    assert [m.ordinal for m in preview_autocode(db, query="training", speaker="INTERVIEWER")] == [3]
    with pytest.raises(CoderError, match="use one of the speaker labels: INTERVIEWER, RESPONDENT"):
        preview_autocode(db, speaker="moderator")


def test_autocode_invalid_input_is_one_clear_error(db):
    with pytest.raises(CoderError, match=r"invalid regular expression 'APEM\(': missing \), unterminated subpattern at position 4"):
        preview_autocode(db, regex="APEM(")
    with pytest.raises(CoderError, match="not both"):
        preview_autocode(db, query="a", regex="b")
    with pytest.raises(CoderError, match="nothing to auto-code by"):
        preview_autocode(db)
    with pytest.raises(CoderError, match="use passage or match"):
        apply_autocode(db, coding.find_code(db, "Diffusing"), [], coding.add_coder(db, "ana"), unit="sentence")


def test_autocode_apply_is_one_event_and_one_undo(db):
    ana = coding.add_coder(db, "ana")
    diffusing = coding.find_code(db, "Diffusing")
    coding.apply_code(db, 1, diffusing, ana, *coding.passage_span(db, 1, 3))  # already coded: left alone
    matches = preview_autocode(db, speaker="RESPONDENT") + preview_autocode(db, query="training")
    assert apply_autocode(db, diffusing, matches, ana) == 2
    spans = db.execute("SELECT start, end FROM codings WHERE coder_id = ? ORDER BY start", [ana]).fetchall()
    assert spans == [coding.passage_span(db, 1, n) for n in (2, 3, 4)]
    assert count(db, "SELECT count(*) FROM events WHERE action = 'autocode'") == 1
    undone = events.undo(db, ana)
    assert undone.action == "autocode" and undone.summary == "autocode function/Diffusing on 3 passages"
    assert count(db) == 1  # back to the one coding made by hand
    events.redo(db, ana)
    assert count(db) == 3


def test_autocode_match_unit_codes_only_the_matched_text(db):
    ana = coding.add_coder(db, "ana")
    matches = preview_autocode(db, query='"hot water" OR newsletter')
    assert apply_autocode(db, coding.find_code(db, "Enabling"), matches, ana, unit="match") == 2
    quotes = [r[0] for r in db.execute("SELECT quote FROM codings ORDER BY start")]
    assert quotes == ["newsletter", "hot water"]


def test_autocode_cli_previews_then_applies(study):
    runner = CliRunner()
    args = ["--study", str(study.root), "autocode", "Diffusing", "--query", "training", "--coder", "ana"]
    preview = runner.invoke(main, args)
    assert preview.exit_code == 0, preview.output
    assert "2 passages would be coded with function/Diffusing" in preview.output and "Nothing was changed" in preview.output
    applied = runner.invoke(main, [*args, "--yes"])
    assert applied.exit_code == 0 and "coded 2 passages with function/Diffusing" in applied.output
    again = runner.invoke(main, [*args, "--yes"])
    assert "coded 0 passages" in again.output and "(2 already coded)" in again.output
    bad = runner.invoke(main, ["--study", str(study.root), "autocode", "Diffusing", "--regex", "(("])
    assert bad.exit_code == 1 and "invalid regular expression" in bad.output
