"""The coding screen driven by real key presses on the bundled study; asserts on the database and the screen."""

from __future__ import annotations

from textual import events

from coder import coding
from coder.study import Study, connect_study
from coder.suggest import suggestions_in_study
from coder.tui.app import CoderApp
from coder.tui.dialogs.autocode import AutocodeDialog
from coder.tui.dialogs.memo import MemoDialog
from coder.tui.dialogs.new_code import NewCodeDialog
from coder.tui.dialogs.prompt import PromptDialog
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.dialogs.search import SearchDialog
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_close, press_to_open, running, settle, until


def codings(study: Study, coder: str = "ana") -> list[tuple[str, str, int, int]]:
    """(document, code, first passage, last passage) of a coder's codings, in order."""
    db = connect_study(study)
    try:
        return [tuple(r) for r in db.execute(
            "SELECT d.name, k.name, (SELECT min(ordinal) FROM segments s WHERE s.document_id = c.document_id AND s.end > c.start),"
            " (SELECT max(ordinal) FROM segments s WHERE s.document_id = c.document_id AND s.start < c.end)"
            " FROM codings c JOIN documents d ON d.id = c.document_id JOIN codes k ON k.id = c.code_id"
            " JOIN coders r ON r.id = c.coder_id WHERE r.name = ? ORDER BY d.name, c.start, k.name", [coder])]
    finally:
        db.close()


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def test_coding_screen_codes_a_passage_and_shows_it(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("j", "j", "1")
        assert codings(piura) == [("cong01", "Accessing", 3, 3)]
        screen: CodingScreen = app.screen
        assert "passage 3/26" in status(app) and "coded function/Accessing" in status(app)
        assert screen.query_one(TranscriptView).marks.labels(2) == [("Accessing", "#2a9d8f")]
        await pilot.press("1")  # the same key again removes it
        assert codings(piura) == []


async def test_coding_screen_keys_typed_ahead_keep_their_order(piura):
    """Keys that arrive together (a fast typist, a served workbench over a slow network) act in the order typed:
    a code key after `j` codes the passage `j` moved to."""
    app = app_for(piura)
    async with running(app) as pilot:
        for key in "j1j2":  # posted at once, as the terminal driver posts what it reads, none waiting for the last
            app.post_message(events.Key(key, key))
        await until(pilot, lambda: len(codings(piura)) == 2, "both codings made")
        assert codings(piura) == [("cong01", "Accessing", 2, 2), ("cong01", "Diffusing", 3, 3)]


async def test_coding_screen_cycles_the_phase_never_stacking(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("p")
        assert codings(piura) == [("cong01", "Phase 1 early exporting", 1, 1)]
        await pilot.press("p")
        assert codings(piura) == [("cong01", "Phase 2 joint initiatives", 1, 1)]
        assert "phase: Phase 2 joint initiatives" in status(app)
        await pilot.press("p", "p")
        assert codings(piura) == []


async def test_coding_screen_extends_the_selection_and_codes_several_passages(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("j", "shift+down", "shift+down", "3")
        assert codings(piura) == [("cong01", "Coordinating", 2, 4)]
        assert "(+2 selected)" in status(app)
        await pilot.press("escape", "x")  # back to one passage: the role goes on passage 4 only
        assert codings(piura) == [("cong01", "Coordinating", 2, 4), ("cong01", "change agent", 4, 4)]


async def test_coding_screen_narrows_to_a_sentence(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket", "2")
        screen: CodingScreen = app.screen
        second = screen.sentences()[1]
        db = connect_study(piura)
        assert db.execute("SELECT start, end FROM codings").fetchall() == [second]
        db.close()
        assert screen.query_one(TranscriptView).marks.sentence == second


async def test_coding_screen_memo_on_a_passage_and_on_a_coding(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await press_to_open(pilot, "m", MemoDialog)
        await pilot.press(*"Opening scene")
        await press_to_close(pilot, "ctrl+s", MemoDialog)
        await pilot.press("4")
        await press_to_open(pilot, "m", MemoDialog)  # right after coding, the memo goes on the new coding
        await pilot.press(*"why enabling")
        await press_to_close(pilot, "ctrl+s", MemoDialog)
        await press_to_open(pilot, "m", MemoDialog)
        await pilot.press("shift+tab", "enter", "down", "enter")  # or choose the passage as target
        await pilot.press("tab", "end", *", revised")
        await press_to_close(pilot, "ctrl+s", MemoDialog)
    db = connect_study(piura)
    assert db.execute("SELECT text FROM memos").fetchall() == [("Opening scene, revised",)]
    assert db.execute("SELECT memo FROM codings").fetchall() == [("why enabling",)]
    db.close()


async def test_coding_screen_undo_and_redo_also_after_a_restart(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("1", "j", "2")
        await pilot.press("u")
        assert codings(piura) == [("cong01", "Accessing", 1, 1)]
        assert "undid: code Diffusing on cong01 ¶2" in status(app)
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("ctrl+r")
        assert codings(piura) == [("cong01", "Accessing", 1, 1), ("cong01", "Diffusing", 2, 2)]
        await pilot.press("u", "u")
        assert codings(piura) == []


async def test_coding_screen_reopens_where_the_coder_left(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("tab", "shift+tab", "shift+tab")  # to the document list
        await pilot.press("down", "down", "enter", "j", "j")
        assert "int01 · passage 3/" in status(app)
    app = app_for(piura)
    async with running(app):
        assert "int01 · passage 3/" in status(app)


async def test_coding_screen_next_uncoded_passage(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("1", "j", "1", "k", "g")
        screen: CodingScreen = app.screen
        assert codings(piura) == [("cong01", "Accessing", 1, 1), ("cong01", "Accessing", 2, 2)]
        assert (screen.at.document.info.name, screen.passage().ordinal) == ("cong01", 3)
        assert "passage 3/" in status(app)
        await pilot.press("1", "g")  # passage 3 coded now: on to the next one without a coding of ana's
        assert codings(piura)[-1] == ("cong01", "Accessing", 3, 3) and screen.passage().ordinal == 4


async def test_coding_screen_switches_coder_blind_by_default(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("1")
        await press_to_open(pilot, "c", QuickPick)
        await pilot.press(*"ben")
        confirm = await press_to_open(pilot, "enter", QuickPick)  # a new coder: asked, never added by a keystroke
        assert "Add 'ben' as a new coder" in confirm.title_text and codings(piura, "ben") == []
        await press_to_close(pilot, "enter", QuickPick)
        assert "coder ben" in status(app)
        screen: CodingScreen = app.screen
        assert screen.query_one(TranscriptView).marks.painted(0) == []  # ana's coding is hidden from ben
        await pilot.press("v")
        assert [p.label for p in screen.query_one(TranscriptView).marks.painted(0)] == ["Accessing · ana"]
        await pilot.press("2")
    assert codings(piura, "ben") == [("cong01", "Diffusing", 1, 1)]
    assert codings(piura, "ana") == [("cong01", "Accessing", 1, 1)]


async def test_coding_screen_codes_the_mentioned_organisations_as_actors(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        mentioned = {m.organisation for m in screen.mentions
                     if screen.passage().start <= m.start < screen.passage().end}
        await pilot.press("a")
    assert mentioned and {code for _, code, _, _ in codings(piura)} == mentioned


async def test_coding_screen_quick_pick_filters_and_applies(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await press_to_open(pilot, "enter", QuickPick)
        await pilot.press(*"senasa")
        await press_to_close(pilot, "enter", QuickPick)
    assert codings(piura) == [("cong01", "SENASA", 1, 1)]


async def test_coding_screen_every_action_is_in_the_command_palette(piura):
    app = app_for(piura)
    async with running(app):
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Toggle code", "Phase", "Memo", "Undo", "Redo", "Search", "Uncoded", "Coder", "Actors",
                "Suggestion", "New code", "Move next", "Sentence next"} <= titles


async def test_coding_screen_search_jumps_and_n_walks_the_hits(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        dialog = await press_to_open(pilot, "slash", SearchDialog)
        await pilot.press(*"fruit fly", "enter")
        hits = dialog.hits
        assert len(hits) > 3 and all("fruit" in piura_text(piura, h).lower() for h in hits)
        await press_to_close(pilot, "enter", SearchDialog)  # the first result
        assert screen.at.hits == hits
        assert (screen.at.document.info.id, screen.passage().ordinal) == (hits[0].document_id, hits[0].ordinal)
        await pilot.press("n")
        assert (screen.at.document.info.id, screen.passage().ordinal) == (hits[1].document_id, hits[1].ordinal)
        await pilot.press("N", "N")  # wraps around to the last hit
        assert (screen.at.document.info.id, screen.passage().ordinal) == (hits[-1].document_id, hits[-1].ordinal)
        assert screen.query_one(TranscriptView).marks.hits  # the words are highlighted


def piura_text(study: Study, hit) -> str:
    db = connect_study(study)
    try:
        return db.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
                          [hit.start, hit.end, hit.start, hit.document_id]).fetchone()[0]
    finally:
        db.close()


async def test_coding_screen_search_an_organisation_finds_its_spellings(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        dialog = await press_to_open(pilot, "slash", SearchDialog)
        await pilot.press(*"senasa", "enter")
        db = connect_study(piura)
        found = {db.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE id = ?",
                            [s, e, s, h.document_id]).fetchone()[0].lower() for h in dialog.hits for s, e in h.spans}
        db.close()
        assert {"senasa", "senansa"} <= found


async def test_coding_screen_accepts_a_keyword_suggestion(piura):
    app = CoderApp(piura, "ana")  # the real suggestion helper, in a process of its own
    async with running(app) as pilot:
        screen: CodingScreen = app.screen
        await settle(pilot)
        assert screen.suggested == suggestions_in_study(piura.root, screen.at.document.info.id)
        ordinal = min(screen.suggested)
        suggested = screen.suggested[ordinal][0]
        screen.go_to(screen.at.document.info.id, ordinal)
        assert suggested.code.split("/")[1] in str(screen.query_one(TranscriptView).marks.suggestions[ordinal - 1])
        await pilot.press("s")
    assert [(c[1], c[2]) for c in codings(piura)] == [(suggested.code.split("/")[1], ordinal)]


async def test_coding_screen_creates_a_code_on_the_fly_and_applies_it(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await press_to_open(pilot, "plus", NewCodeDialog)
        await pilot.press(*"Price talk")
        await press_to_close(pilot, "ctrl+s", NewCodeDialog)  # Enter in the name would move on to the group
        assert codings(piura) == [("cong01", "Price talk", 1, 1)]
        await pilot.press("u")
        assert codings(piura) == []
    assert "Price talk" not in (piura.codebook_dir / "codebook.yaml").read_text()


async def test_coding_screen_renames_a_code_from_the_codebook_pane(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        await pilot.press("1", "tab")  # focus the codebook pane: first node is the group, then Accessing
        await pilot.press("down", "down")
        await press_to_open(pilot, "e", QuickPick)
        await pilot.press(*"rename")
        await press_to_open(pilot, "enter", PromptDialog)
        await pilot.press("ctrl+u", *"Reaching out")
        await press_to_close(pilot, "enter", PromptDialog)
        assert codings(piura) == [("cong01", "Reaching out", 1, 1)]
    assert "name: Reaching out" in (piura.codebook_dir / "codebook.yaml").read_text()


async def test_coding_screen_autocodes_with_a_preview_and_undoes_in_one_step(piura):
    app = app_for(piura)
    async with running(app) as pilot:
        dialog = await press_to_open(pilot, "A", AutocodeDialog)
        dialog.query_one("#code").value = next(i for i, s in app.screen_stack[-2].code_styles.items() if s.name == "broker")
        dialog.query_one("#find").value = "container"
        await pilot.press("enter")
        preview = len(dialog.matches)
        await press_to_close(pilot, "ctrl+s", AutocodeDialog)
        assert preview > 2 and len(codings(piura)) == preview
        await pilot.press("u")
        assert codings(piura) == []


def coder_names(study: Study) -> list[str]:
    db = connect_study(study)
    try:
        return [r[0] for r in db.execute("SELECT name FROM coders ORDER BY name")]
    finally:
        db.close()


async def test_coding_screen_a_typo_in_a_coder_switch_adds_no_coder(coded_piura):
    before = coder_names(coded_piura)
    assert "ana" in before and "ben" in before and "bne" not in before
    app = app_for(coded_piura, "ana")
    async with running(app) as pilot:
        await press_to_open(pilot, "c", QuickPick)
        await pilot.press(*"bne")  # ben, mistyped
        question = await press_to_open(pilot, "enter", QuickPick)
        assert "Add 'bne' as a new coder" in question.title_text
        await press_to_close(pilot, "escape", QuickPick)
        assert "coder ana" in status(app)
        await press_to_open(pilot, "c", QuickPick)
        await pilot.press(*"bne")
        await press_to_open(pilot, "enter", QuickPick)
        await press_to_close(pilot, "enter", QuickPick)  # Enter twice: the likely coder, not a new one
        await until(pilot, lambda: "coder ben" in status(app), "the switch to ben")
    assert coder_names(coded_piura) == before  # the study's coders as they were: no 'bne'


async def test_coding_screen_an_unknown_coder_chooses_who_codes_before_anything_opens(coded_piura):
    before = coder_names(coded_piura)
    assert "ben" in before and "marai" not in before
    app = app_for(coded_piura, "marai")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QuickPick), "the coder question")
        assert "'marai' (--coder) is not a coder of this study" in app.screen.title_text
        await pilot.press(*"ben")
        await press_to_close(pilot, "enter", QuickPick)
        await until(pilot, lambda: isinstance(app.screen, CodingScreen) and app.screen.is_mounted, "the coding screen")
        assert "coder ben" in status(app)
    assert coder_names(coded_piura) == before  # ben chosen, 'marai' never added
    db = connect_study(coded_piura)
    assert coding.current_coder(db) == "ben"  # the answer is remembered: the next start asks nothing
    db.close()


async def test_coding_screen_the_first_coder_of_a_new_study_is_added_without_a_question(piura, monkeypatch):
    import getpass

    monkeypatch.delenv("CODER_NAME", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "maria")
    app = CoderApp(piura, suggest=suggestions_in_study)
    async with running(app):
        assert "coder maria" in status(app)
    db = connect_study(piura)
    assert coding.coder_names(db) == ["maria"]
    db.close()
