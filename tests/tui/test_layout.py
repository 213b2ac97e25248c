"""The coding screen at any terminal size (issue 14, item 1): on a laptop's 80×24 the transcript takes the
width and the side panes come back as overlays on a key; on a wide screen all three panes are shown and
code labels are whole; at every size words are wrapped whole."""

from __future__ import annotations

import re

import pytest
from textual.widget import Widget

from coder import coding
from coder.codebook import create_code
from coder.study import Study, connect_study
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.document_list import DocumentList
from coder.tui.widgets.key_bar import KeyBar
from coder.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import app_for
from tests.tui.waiting import running, settle, until


def shown(widget: Widget) -> bool:
    return widget.display and widget.region.width > 0


async def test_a_laptop_terminal_gives_the_transcript_the_width(piura: Study) -> None:
    async with running(app_for(piura), size=(80, 24)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, CodingScreen)
        transcript, keys = screen.query_one(TranscriptView), screen.query_one(KeyBar)
        documents, codebook = screen.query_one(DocumentList), screen.query_one(CodebookPane)
        assert transcript.size.width >= 70
        assert keys.size.height == 1
        assert "? more keys" in str(keys.render())
        assert not shown(documents) and not shown(codebook)

        for key, pane, other in [("ctrl+d", documents, codebook), ("ctrl+b", codebook, documents)]:
            await pilot.press(key)
            await until(pilot, lambda pane=pane: shown(pane) and pane.has_focus, f"{pane.id} over the transcript")
            assert pane.styles.layer == "overlay" and not shown(other)
            assert transcript.size.width >= 70  # over the transcript, not beside it
            await pilot.press(key)  # the same key puts it away
            await until(pilot, lambda pane=pane: not shown(pane) and transcript.has_focus, f"{pane.id} folded again")

        await pilot.press("ctrl+d")
        await until(pilot, lambda: shown(documents), "the documents over the transcript")
        await pilot.press("escape")
        await until(pilot, lambda: not shown(documents) and transcript.has_focus, "Esc to fold the documents")

        line, start, _, _ = next(place for place in keys.places if place[3][1] == "pane('codebook')")
        await pilot.click(KeyBar, offset=(start + 1, line))  # a click on the key in the key bar does the same
        await until(pilot, lambda: shown(codebook) and codebook.has_focus, "the codebook at a click")
        await pilot.press("escape")
        await until(pilot, lambda: not shown(codebook), "Esc to fold the codebook")

        await pilot.press("ctrl+d", "down", "enter")  # choosing a document puts the overlay away
        await until(pilot, lambda: screen.document.info.name == "cong02" and not shown(documents), "cong02 opened")


async def test_a_wide_terminal_shows_every_pane_and_whole_labels(piura: Study) -> None:
    name = "Negotiating with the regional government"[:30]
    db = connect_study(piura)
    ana = coding.add_coder(db, "ana")
    code = create_code(db, piura, group="function", name=name, coder_id=ana)
    coding.apply_code(db, 1, code, ana, *coding.passage_span(db, 1, 2))
    db.close()
    async with running(app_for(piura), size=(200, 60)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CodingScreen)
        for pane in (DocumentList, TranscriptView, CodebookPane):
            assert shown(screen.query_one(pane))
        transcript = screen.query_one(TranscriptView)
        await until(pilot, lambda: any(f"● {name}" in transcript.render_line(y).text for y in range(transcript.size.height)),
                    "the 30-character label whole")
        assert screen.query_one(KeyBar).size.height == 1
        await pilot.press("ctrl+b")  # on a wide screen: the key goes to the pane, and back
        await until(pilot, lambda: screen.query_one(CodebookPane).has_focus, "the codebook focused")
        await pilot.press("ctrl+b")
        await until(pilot, lambda: transcript.has_focus and shown(screen.query_one(CodebookPane)), "back to the transcript")


def codebook_lines(pane: CodebookPane) -> list[str]:
    return [pane.render_line(y).text for y in range(pane.size.height)]


@pytest.mark.parametrize("columns", [150, 200])
async def test_the_codebook_takes_what_its_labels_need(piura: Study, columns: int) -> None:
    """Every code name whole where the screen allows (200 columns: all; 150: all but the few longest), and the
    transcript keeps most of the width."""
    async with running(app_for(piura), size=(columns, 90)) as pilot:  # tall enough for every code of every group
        await settle(pilot)
        screen = pilot.app.screen
        pane, transcript = screen.query_one(CodebookPane), screen.query_one(TranscriptView)
        names = [row["code"] for row in pane.rows.values()]
        drawn = "\n".join(codebook_lines(pane))
        whole = [name for name in names if re.search(rf"● {re.escape(name)}(  \d+)?\s*$", drawn, re.M)]
        if columns == 200:
            assert whole == names
        else:
            assert len(whole) >= len(names) - 2 and all(n in whole for n in names if len(n) <= 24)
        assert transcript.size.width >= columns * 0.5


async def test_a_suggestion_label_never_cuts_a_word(piura: Study) -> None:
    """A label word wider than the label column ends with "…" rather than running on to the next line."""
    async with running(app_for(piura), size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(pilot.app.screen.suggested), "the suggestions")
        await settle(pilot)
        transcript = pilot.app.screen.query_one(TranscriptView)
        columns = [transcript.render_line(y).text[6 + transcript.text_width:] for y in range(transcript.size.height)]
        words = {w.strip("«»?●") for label in transcript.marks.suggestions.values() for name in label for w in name.split()}
        drawn = {w.strip("«»?●") for line in columns for w in line.split()} - {"", "+", "more"}
        assert drawn and all(w in words or w.endswith("…") or w.lstrip("+").isdigit() for w in drawn), drawn - words


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40), (200, 60)])
async def test_no_word_is_split_across_lines(piura: Study, size: tuple[int, int]) -> None:
    """Every line of every passage starts and ends at a word's edge, and shows its words as they are in the text."""
    async with running(app_for(piura), size=size) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, CodingScreen)
        transcript = screen.query_one(TranscriptView)
        text = screen.document.text
        for line in transcript.lines:
            if line.passage < 0 or line.start == line.end:
                continue
            passage = screen.document.passages[line.passage]
            assert line.start == passage.start or text[line.start - 1].isspace(), text[line.start - 10:line.end]
            assert line.end == passage.end or text[line.end].isspace(), text[line.start:line.end + 10]
        screen.go_to(screen.document.info.id, 4)  # a speaker's name of 34 characters
        await pilot.pause()
        first, last = transcript.passage_lines(3)
        top = round(transcript.scroll_y)
        drawn = " ".join(transcript.render_line(y - top).text[6:6 + transcript.text_width] for y in range(first, last + 1))
        passage = screen.document.passages[3]
        assert drawn.split() == f"{passage.speaker} {text[passage.start:passage.end]}".split()


async def test_a_mention_keeps_the_space_after_it(piura: Study) -> None:
    """An underlined organisation ("SGS", "PromPerú") is followed by its space, not run into the next word."""
    async with running(app_for(piura), size=(200, 60)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, CodingScreen)
        transcript = screen.query_one(TranscriptView)
        drawn = [transcript.render_line(y) for y in range(transcript.size.height)]
        text = " ".join(" ".join(strip.text[6:6 + transcript.text_width].split()) for strip in drawn)
        assert re.search(r"\(SGS and", text) and re.search(r"PromPerú and", text)
        underlined = [segment.text for strip in drawn for segment in strip if segment.style and segment.style.underline]
        assert "SGS" in underlined and "PromPerú" in underlined
        assert all(text.strip() == text for text in underlined), underlined


def status(screen: CodingScreen) -> str:
    return str(screen.query_one("#status").render())


async def test_the_status_line_says_what_happened_whole_at_80_columns(piura: Study) -> None:
    """Item 8: "actors: …" lists every organisation coded, and an undo says which code on which passage."""
    async with running(app_for(piura), size=(80, 24)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, CodingScreen)
        await pilot.press("a")  # cong01 ¶1 mentions five organisations: the note takes the line
        await until(pilot, lambda: "actors:" in status(screen), "the actors coded")
        assert status(screen).strip() == "actors: SENASA, PROMPERU, Ministry of Agriculture, SGS, Control Union"
        await pilot.press("j", "1", "u")
        await until(pilot, lambda: "undid:" in status(screen), "the undo said")
        assert "undid: code Accessing on cong01 ¶2" in status(screen)
        await pilot.press("k")  # the next move: the place in full again
        await until(pilot, lambda: "passage 1/26" in status(screen), "the place in full")


async def test_a_dialog_title_wraps_inside_the_dialog_at_80_columns(piura: Study) -> None:
    from coder.tui.dialogs.search import SearchDialog
    from tests.tui.waiting import press_to_open

    async with running(app_for(piura), size=(80, 24)) as pilot:
        dialog = await press_to_open(pilot, "slash", SearchDialog)
        title = dialog.query_one(".dialog-title", Widget)
        box = title.parent
        assert isinstance(box, Widget) and box.region.right <= 80
        assert title.region.right <= box.content_region.right and title.size.height >= 2
        lines = title.render_lines(title.size.region)
        words = " ".join(strip.text for strip in lines).split()
        assert words == 'Search — words, "a phrase", prefix*, a OR b, -word; an organisation finds its mentions'.split()


def test_a_long_document_name_keeps_its_start_and_end() -> None:
    from coder.tui.widgets.document_list import short_name

    assert short_name("int01", 9) == "int01"
    assert short_name("interview-2024-maria-lopez", 12) == "interv…lopez"
    assert len(short_name("interview-2024-maria-lopez", 12)) == 12
