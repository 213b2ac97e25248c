"""The retrieval view (F6) on the bundled study: it lists what `coder.retrieval.retrieve` returns, filters change it,
Enter goes to the passage, and uncode, recode and memo from the list write exactly their events; x exports the list."""

from __future__ import annotations

import json

from textual.widgets import TextArea

from coder.codebook import codebook_tree
from coder.retrieval import Retrieval, retrieve
from coder.study import Study, connect_study
from coder.tui.dialogs.memo import MemoDialog
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.dialogs.retrieval_filter import RetrievalFilter
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.help import HelpScreen
from coder.tui.screens.retrieval import RetrievalScreen
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.excerpt_list import ExcerptList
from coder.tui.widgets.key_bar import KeyBar
from tests.conftest import demonstration_codes
from tests.tui.conftest import app_for
from tests.tui.view_helpers import events_since, last_event
from tests.tui.waiting import brought_up_to_date, press_to_close, press_to_open, running, settle, until


def expected(study: Study, retrieval: Retrieval) -> list[tuple[str, str, int, int]]:
    db = connect_study(study)
    try:
        return [(e.document, e.coder, e.start, e.end) for e in retrieve(db, retrieval).items]
    finally:
        db.close()


def opening_code(app) -> str:
    """What F6 first lists, worked out from the demonstration file: the first code, in codebook order, that ana put on
    the passage the coding screen is at."""
    screen = app.screen
    assert isinstance(screen, CodingScreen)
    hers = demonstration_codes()[screen.document.info.name, screen.passage().ordinal]["ana"]
    return next(path for path in codebook_paths(app.study) if path in hers)


def codebook_paths(study: Study, below: str | None = None) -> list[str]:
    """The codebook's code paths in order; with `below`, just that code and the codes under it."""
    db = connect_study(study)
    try:
        rows = db.execute("SELECT k.id, k.parent_id, g.name || '/' || k.name FROM codes k"
                          " JOIN code_groups g ON g.id = k.group_id").fetchall()
        order = [f"{r['group']}/{r['code']}" for r in codebook_tree(db)]
    finally:
        db.close()
    if below is None:
        return order
    ids = {i for i, _, path in rows if path == below}
    while more := {i for i, parent, _ in rows if parent in ids} - ids:
        ids |= more
    return [path for path in order if path in {path for i, _, path in rows if i in ids}]


def anas_codings(paths: list[str]) -> list[tuple[str, int, str]]:
    """(document, passage, code path) of every coding ana gave one of the paths, from the demonstration file."""
    return [(document, passage, path) for (document, passage), codes in sorted(demonstration_codes().items())
            for path in paths if path in codes["ana"]]


def shown(screen: RetrievalScreen) -> list[tuple[str, str, int, int]]:
    return [(e.document, e.coder, e.start, e.end) for e in screen.query_one(ExcerptList).excerpts]


async def test_f6_lists_the_coders_excerpts_and_is_in_the_key_bar_help_and_palette(coded_piura):
    app = app_for(coded_piura)
    async with running(app, size=(200, 50)) as pilot:  # wide: the views' keys are kept on the one-line key bar
        assert "f6 excerpts" in str(app.screen.query_one(KeyBar).render())
        assert any(c.title == "Excerpts" for c in app.get_system_commands(app.screen))
        help_screen = await press_to_open(pilot, "question_mark", HelpScreen)
        assert "F6" in {str(cell) for cell in help_screen.table.columns[0].cells}
        await press_to_close(pilot, "escape", HelpScreen)
        code = opening_code(app)
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        assert screen.retrieval == Retrieval(codes=(code,), coders=("ana",))  # her first code where the coding screen is
        hers = anas_codings([code])
        assert shown(screen) == expected(coded_piura, screen.retrieval) and len(shown(screen)) == len(hers)
        title = f"{code} — {len(hers)} excerpts from {len({d for d, _, _ in hers})} documents"
        assert title in str(screen.query_one("#retrieval-title").render())
        first = screen.query_one(ExcerptList).excerpts[0]
        detail = str(screen.query_one("#retrieval-detail").render())
        assert first.citation in detail and "coded by ana" in detail and " ".join(first.text.split()[:6]) in " ".join(detail.split())
        assert screen.query_one(ExcerptList).has_focus


async def test_the_highlighted_code_of_the_codebook_opens_and_filters_combine(coded_piura):
    app = app_for(coded_piura)
    async with running(app) as pilot:
        pane = app.screen.query_one(CodebookPane)
        pane.focus()
        pane.move_cursor(next(node for node in pane.root.children[0].children if node.data is not None
                              and app.screen.refs[node.data].name == "Diffusing"))
        await settle(pilot)
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        assert screen.retrieval.codes == ("function/Diffusing",)
        await press_to_open(pilot, "a", QuickPick)  # and… : also coded in the same passage with
        await pilot.press(*"PROMANGO")
        await press_to_close(pilot, "enter", QuickPick)
        assert screen.retrieval.also == ("actor/PROMANGO",)
        assert shown(screen) == expected(coded_piura, screen.retrieval) and shown(screen)
        await press_to_open(pilot, "w", QuickPick)  # every coder
        await press_to_close(pilot, "enter", QuickPick)
        dialog = await press_to_open(pilot, "f", RetrievalFilter)
        assert dialog.query_one("#filter-also").value == "actor/PROMANGO"
        dialog.query_one("#filter-also").value = ""
        dialog.query_one("#filter-without").value = "PROMANGO"
        dialog.query_one("#filter-documents").value = "kind=interview"
        await press_to_close(pilot, "ctrl+s", RetrievalFilter)
        wanted = Retrieval(codes=("function/Diffusing",), without=("PROMANGO",), documents=("kind=interview",))
        assert screen.retrieval == wanted
        assert shown(screen) == expected(coded_piura, wanted) and {e[1] for e in shown(screen)} == {"ana", "ben"}
        title = str(screen.query_one("#retrieval-title").render())
        assert "not in a passage with: actor/PROMANGO" in title and "documents: kind=interview" in title
        dialog = await press_to_open(pilot, "f", RetrievalFilter)  # a typo is shown in the dialog, which stays open
        dialog.query_one("#filter-documents").value = "kind=survey"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "no document matches 'kind=survey'" in str(dialog.query_one("#filter-error").render()),
                    "the error to be shown")
        assert app.screen is dialog
        await press_to_close(pilot, "escape", RetrievalFilter)
        assert screen.retrieval == wanted
        await press_to_close(pilot, "escape", RetrievalScreen)
        again = await press_to_open(pilot, "f6", RetrievalScreen)  # the last list, as it was left
        assert again.retrieval == wanted


async def test_the_filter_brings_the_sub_codes_filed_under_their_code(coded_piura):
    app = app_for(coded_piura)
    async with running(app) as pilot:
        code = opening_code(app)
        below = codebook_paths(coded_piura, code)
        assert len(below) > 1, f"{code} has no sub-codes"
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        assert screen.retrieval.codes == (code,) and len(shown(screen)) == len(anas_codings([code]))  # the code's own codings
        await press_to_open(pilot, "f", RetrievalFilter)
        await pilot.click("#filter-sub-codes")
        await press_to_close(pilot, "ctrl+s", RetrievalFilter)
        assert screen.retrieval.sub_codes == "with"
        listed = screen.query_one(ExcerptList).excerpts
        assert shown(screen) == expected(coded_piura, screen.retrieval)
        assert len(listed) == len(anas_codings(below)) > len(anas_codings([code]))
        assert {e.code for e in listed} == {code.split("/", 1)[1]} and any(e.sub_codes for e in listed)  # one coding each, filed under it


async def test_the_list_follows_a_transcript_edited_while_it_is_open(coded_piura):
    """The background refresh (an edited transcript re-read) reaches the list and the coding screen under it."""
    app = app_for(coded_piura)
    async with running(app) as pilot:
        coding_screen = app.screen
        assert isinstance(coding_screen, CodingScreen)
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        first = screen.query_one(ExcerptList).excerpts[0]
        await press_to_close(pilot, "escape", RetrievalScreen)
        coding_screen.go_to(next(d.id for d in coding_screen.documents if d.name == first.document), first.first_passage)
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        source = next(p for p in coded_piura.transcripts_dir.glob(f"{first.document}*"))
        before = source.read_text(encoding="utf-8")
        word = next(w for w in first.text.split() if w.isalpha() and len(w) > 6 and before.count(w) == 1)  # the excerpt's own
        source.write_text(before.replace(word, word.upper(), 1), encoding="utf-8")
        app.bring_up_to_date()
        await until(pilot, lambda: word.upper() in screen.query_one(ExcerptList).excerpts[0].text, "the list read again")
        await until(pilot, lambda: word.upper() in coding_screen.document.text, "the coding screen told too")


async def test_enter_goes_to_the_passage_in_the_coding_screen(coded_piura):
    app = app_for(coded_piura)
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        await pilot.press("j", "j")
        excerpt = screen.query_one(ExcerptList).current
        assert excerpt is screen.query_one(ExcerptList).excerpts[2]
        await press_to_close(pilot, "enter", RetrievalScreen)
        coding_screen = app.screen
        assert isinstance(coding_screen, CodingScreen)
        assert (coding_screen.document.info.name, coding_screen.passage().ordinal) == (excerpt.document, excerpt.first_passage)
        assert f"{excerpt.document} · passage {excerpt.first_passage}/" in str(coding_screen.query_one("#status").render())


async def test_uncode_recode_and_memo_from_the_list_write_exactly_their_events(coded_piura):
    app = app_for(coded_piura)
    async with running(app) as pilot:
        await brought_up_to_date(pilot)
        before = last_event(coded_piura)
        code = opening_code(app)
        other = "Accessing" if code != "function/Accessing" else "Diffusing"
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        listed = screen.query_one(ExcerptList)
        count = len(listed.excerpts)
        target = listed.excerpts[0]
        dialog = await press_to_open(pilot, "m", MemoDialog)
        dialog.query_one(TextArea).load_text("")  # whatever ana wrote there before, replaced
        await pilot.press(*"seen twice")
        await press_to_close(pilot, "ctrl+s", MemoDialog)
        assert events_since(coded_piura, before) == ["memo"]
        assert listed.excerpts[0].memo == "seen twice" and "Memo: seen twice" in str(screen.query_one("#retrieval-detail").render())
        await press_to_open(pilot, "r", QuickPick)
        await pilot.press(*other)
        await press_to_close(pilot, "enter", QuickPick)
        assert events_since(coded_piura, before) == ["memo", "recode"]
        assert target.uuid not in {e.uuid for e in listed.excerpts} and len(listed.excerpts) == count - 1
        moved = expected(coded_piura, Retrieval(codes=(other,), coders=("ana",)))
        assert (target.document, "ana", target.start, target.end) in moved
        second = listed.excerpts[0]
        await pilot.press("d")
        await settle(pilot)
        assert events_since(coded_piura, before) == ["memo", "recode", "uncode"]
        assert second.uuid not in {e.uuid for e in listed.excerpts} and len(listed.excerpts) == count - 2
        await pilot.press("u")  # undo: the uncoded excerpt is back
        await settle(pilot)
        assert second.uuid in {e.uuid for e in listed.excerpts} and len(listed.excerpts) == count - 1
        assert events_since(coded_piura, before) == ["memo", "recode", "uncode", "undo"]
        await press_to_close(pilot, "escape", RetrievalScreen)
        coding_screen = app.screen
        assert isinstance(coding_screen, CodingScreen)  # told to read its codings again, it says what changed
        assert f"undid: uncode {code}" in str(coding_screen.query_one("#status").render())


async def test_another_coders_excerpt_is_not_changed(coded_piura):
    app = app_for(coded_piura)
    async with running(app) as pilot:
        await brought_up_to_date(pilot)
        before = last_event(coded_piura)
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        await press_to_open(pilot, "w", QuickPick)
        await pilot.press(*"ben", "down")  # "all coders (ana, ben)", then "ben"
        await press_to_close(pilot, "enter", QuickPick)
        assert {e[1] for e in shown(screen)} == {"ben"}
        count = len(shown(screen))
        await pilot.press("d")
        await settle(pilot)
        assert events_since(coded_piura, before) == [] and len(shown(screen)) == count


async def test_x_exports_what_is_listed(coded_piura):
    app = app_for(coded_piura)
    async with running(app) as pilot:
        code = opening_code(app)
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        count = len(shown(screen))
        await press_to_open(pilot, "n", QuickPick)  # not…
        await pilot.press(*"Phase 1 early exporting")
        await press_to_close(pilot, "enter", QuickPick)
        listed = [e.uuid for e in screen.query_one(ExcerptList).excerpts]
        assert 0 < len(listed) < count
        await press_to_open(pilot, "x", QuickPick)
        await pilot.press(*"json")
        await press_to_close(pilot, "enter", QuickPick)
        await until(pilot, lambda: any(coded_piura.exports_dir.glob("*.jsonl")), "the file to be written")
        await settle(pilot)
        (path,) = coded_piura.exports_dir.glob("*.jsonl")
        assert path.name.startswith(f"excerpts-{code.replace('/', '-').replace(' ', '-')}-ana-not-Phase-1-early-exporting-")
        assert [json.loads(line)["coding_uuid"] for line in path.read_text().splitlines()] == listed


def test_snapshot_of_the_retrieval_view_at_80_by_24(coded_piura, snap_compare):
    """The picture must show: the heading with the count and the coder, one line per excerpt (document ¶ passage,
    coder, the start of its text, `memo` where there is one), the third excerpt in full below with its citation,
    codes and the end of the passage before, and the key bar."""
    async def ready(pilot) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, CodingScreen) and pilot.app.screen.is_mounted, "the coding screen")
        await settle(pilot)
        await press_to_open(pilot, "f6", RetrievalScreen)
        await pilot.press("j", "j")
        await pilot.pause()

    assert snap_compare(app_for(coded_piura), terminal_size=(80, 24), run_before=ready)


async def test_f6_after_going_to_a_passage_brings_back_the_same_list_at_any_place(coded_piura):
    app = app_for(coded_piura)
    async with running(app) as pilot:
        screen = await press_to_open(pilot, "f6", RetrievalScreen)
        first = screen.retrieval
        await pilot.press("end")
        await press_to_close(pilot, "enter", RetrievalScreen)
        await pilot.press("j", "j")  # elsewhere, among other codes
        again = await press_to_open(pilot, "f6", RetrievalScreen)
        assert again.retrieval == first


async def test_a_read_only_study_lists_and_refuses_every_key_that_writes(coded_piura):
    from textual.actions import parse

    from coder.tui.app import WRITING_ACTIONS
    from tests.unwritable import snapshot, unwritable, with_contents

    before = snapshot(coded_piura.root)
    with unwritable(*with_contents(coded_piura.root)):
        app = app_for(coded_piura, "ana")
        notices: list[str] = []
        notify = app.notify
        app.notify = lambda message, **options: (notices.append(str(message)), notify(message, **options))[1]
        async with running(app) as pilot:
            code = opening_code(app)
            screen = await press_to_open(pilot, "f6", RetrievalScreen)
            assert len(shown(screen)) == len(anas_codings([code])) > 0  # reading goes on as ever
            writing = [b.key for b in RetrievalScreen.BINDINGS if parse(b.action)[1] in WRITING_ACTIONS]
            assert set(writing) == {"r", "d", "m", "u"}
            for key in [*writing, "x"]:
                notices.clear()
                await pilot.press(key)
                await until(pilot, lambda: bool(notices), f"a notice for {key}")
                assert app.screen is screen, f"{key} opened {app.screen}"
                assert len(notices) == 1 and "read-only" in notices[0], (key, notices)
    assert snapshot(coded_piura.root) == before
