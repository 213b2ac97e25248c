"""The export dialog, opened from the codebook pane and from a cross-tab cell: the file is written where
the dialog says, in the chosen format, with the right excerpts."""

from __future__ import annotations

import docx

from coder.study import connect_study
from coder.tui.dialogs.export import ExportDialog
from coder.tui.screens.crosstab import CrossTabScreen
from tests.tui.conftest import app_for
from tests.tui.view_helpers import code
from tests.tui.waiting import press_to_close, press_to_open, running, settle


def passage_text(study, document: str, passage: int) -> str:
    db = connect_study(study)
    try:
        return db.execute("SELECT substr(d.text, s.start + 1, s.end - s.start) FROM segments s JOIN documents d"
                          " ON d.id = s.document_id WHERE d.name = ? AND s.ordinal = ?", [document, passage]).fetchone()[0]
    finally:
        db.close()


def result_line(app) -> str:
    return str(app.screen.query_one("#export-result").render())


async def test_export_dialog_writes_a_codes_excerpts_as_markdown_and_word(piura):
    code(piura, "tester", "int01", [2], "Accessing")
    quote = passage_text(piura, "int01", 2)
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        await pilot.press("tab", "down", "down")  # the codebook pane, on function/Accessing
        dialog = await press_to_open(pilot, "X", ExportDialog)
        assert dialog.query_one("#export-codes").value == "function/Accessing"
        await pilot.click("#export-whose")  # whose codings: down from all coders to mine (the study may carry others')
        await pilot.press("down", "enter")
        assert dialog.query_one("#export-whose").value == "tester"
        await pilot.click("#export-run")
        await settle(pilot)
        markdown = dialog.written
        assert markdown is not None and markdown.parent == piura.exports_dir and markdown.suffix == ".md"
        assert markdown.name.startswith("excerpts-function-Accessing-tester")
        assert result_line(app) == f"wrote exports/{markdown.name}"
        text = markdown.read_text(encoding="utf-8")
        assert "1 excerpt from 1 document" in text and quote.split("…")[0][:60] in text
        assert "— int01, General Manager, APEM, ¶ 2" in text
        await pilot.click("#export-fmt-docx")
        await pilot.click("#export-run")
        await settle(pilot)
        word = dialog.written
        assert word.suffix == ".docx" and word.exists() and result_line(app) == f"wrote exports/{word.name}"
        paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
        assert quote in paragraphs
        await press_to_close(pilot, "escape", ExportDialog)


async def test_export_dialog_from_a_crosstab_cell_writes_its_excerpts(piura):
    code(piura, "tester", "int01", [2, 4], "Accessing", "Phase 1 early exporting")
    code(piura, "tester", "int03", [4], "Accessing", "Phase 2 joint initiatives")
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        await press_to_open(pilot, "f4", CrossTabScreen)
        dialog = await press_to_open(pilot, "x", ExportDialog)  # the cursor starts on Accessing × Phase 1 early exporting
        assert dialog.what == "cell" and dialog.passages == [("int01", 2), ("int01", 4)]
        assert "Accessing × Phase 1 early exporting: 2 passages" in str(dialog.query_one("#export-cell").render())
        await pilot.press("ctrl+s")  # the focus is on what to export (preset to the cell): ctrl+s exports from anywhere
        await settle(pilot)
        text = dialog.written.read_text(encoding="utf-8")
        assert "4 excerpts from 1 document" in text  # Accessing and Phase 1 in both passages, not int03
        assert "¶ 2" in text and "¶ 4" in text and "int03" not in text


async def test_export_dialog_enter_chooses_or_moves_and_only_export_exports(piura):
    """The reported session: X, Tab, Down, Enter closed the dialog, and the codes typed next toggled codes on the
    coding screen. Now the focus starts on the first field, Enter chooses (or moves on), and keys stay in the dialog."""
    code(piura, "tester", "int01", [2], "Accessing")
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        dialog = await press_to_open(pilot, "X", ExportDialog)
        assert dialog.focused is dialog.query_one("#export-what")  # what to export: the first field
        await pilot.press("tab", "down", "enter")  # to the formats, down to Word, Enter chooses it
        assert app.screen is dialog and dialog.format == "docx"
        await pilot.press("shift+tab", "up", "up", "enter")  # back to what, up twice (wrapping) to memos
        assert dialog.what == "memos"
        await pilot.press("down", "down", "enter", "tab", "tab")  # down (wrapping) to the codes again, on to their field
        assert dialog.focused is dialog.query_one("#export-codes")
        await pilot.press(*"Acc", "right", "enter")  # → accepts the suggestion (Accessing); Enter moves on: nothing exported
        assert dialog.focused is dialog.query_one("#export-whose") and dialog.written is None
        await pilot.press("tab", *"tob", "tab", "tab", "tab", "tab")  # keys for the coding screen stay in the dialog; Tab goes round
        assert app.screen is dialog and dialog.focused is dialog.query_one("#export-what")
        await pilot.press("shift+tab", "enter")  # Enter on Export exports
        await settle(pilot)
        assert dialog.written is not None and dialog.written.suffix == ".docx" and app.screen is dialog
        await press_to_close(pilot, "escape", ExportDialog)
    db = connect_study(piura)
    assert db.execute("SELECT count(*) FROM codings").fetchone() == (1,)  # only tester's coding: no code was toggled
    db.close()


async def test_export_dialog_chooses_whose_codings_sub_codes_apart_and_replaces_or_keeps_the_file(piura):
    code(piura, "tester", "int01", [2], "Accessing")
    code(piura, "ben", "int01", [2], "Accessing", "New technologies and markets")
    app = app_for(piura, "tester")
    async with running(app) as pilot:
        await pilot.press("tab", "down", "down")  # the codebook pane, on function/Accessing
        dialog = await press_to_open(pilot, "X", ExportDialog)
        await pilot.click("#export-run")
        await settle(pilot)
        first = dialog.written
        text = first.read_text(encoding="utf-8")
        assert "1 excerpt from 1 document" in text  # one passage, two coders: once
        assert "· coded by ben, tester · as New technologies and markets (ben)" in text
        await pilot.click("#export-apart")
        await pilot.click("#export-keep")
        await pilot.click("#export-run")
        await settle(pilot)
        kept = dialog.written
        assert kept.name == first.name.replace(".md", "-2.md") and first.read_text(encoding="utf-8") == text
        assert "## New technologies and markets (function) — 1 excerpt" in kept.read_text(encoding="utf-8")
        first.write_text("an older export", encoding="utf-8")
        await pilot.click("#export-keep")
        await pilot.click("#export-run")
        await settle(pilot)
        assert dialog.written == first and "## New technologies and markets" in first.read_text(encoding="utf-8")  # replaced
        await pilot.click("#export-whose")
        await pilot.press("down", "down", "enter")  # all coders, mine, ben
        assert dialog.query_one("#export-whose").value == "ben"
        await pilot.click("#export-run")
        await settle(pilot)
        bens = dialog.written.read_text(encoding="utf-8")
        assert "-ben-" in dialog.written.name and "coders: ben" in bens and "tester" not in bens
