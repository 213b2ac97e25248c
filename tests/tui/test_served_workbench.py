"""The workbench served to a browser (`coder serve`): a session codes as its login's coder only, codes blind unless it
leads or the study allows otherwise, and only a lead reconciles, exports or changes the codebook — each refusal a
one-line notice saying why, no dialog opened."""

from __future__ import annotations

from dataclasses import replace

from coder.coding import coder_id, coder_names
from coder.db import setting
from coder.served import ServedAs, set_others_visible
from coder.study import Study, connect_study
from coder.suggest import suggestions_in_study
from coder.tui.app import CoderApp, make_app
from coder.tui.dialogs.export import ExportDialog
from coder.tui.screens.agreement import AgreementScreen
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.crosstab import CrossTabScreen
from coder.tui.screens.network import NetworkScreen
from coder.tui.screens.reconcile import ReconcileScreen
from coder.tui.screens.retrieval import RetrievalScreen
from tests.tui.test_read_only_workbench import noticed
from tests.tui.waiting import press_to_close, press_to_open, running, settle, until


def served_app(study: Study, name: str, *, lead: bool = False) -> CoderApp:
    """The workbench as `main()` makes it for a session of `coder serve` (suggestions in the test's threads)."""
    return CoderApp(study, None, suggest=suggestions_in_study, learn=False, served=ServedAs(name, lead))


async def refused(pilot, notices: list[str], key: str, why: str) -> None:
    """The key is refused with one notice saying why, and the screen stays as it was."""
    screen = pilot.app.screen
    notices.clear()
    await pilot.press(key)
    await until(pilot, lambda: bool(notices), f"a notice for {key}")
    assert pilot.app.screen is screen, f"{key} opened {pilot.app.screen}"
    assert len(notices) == 1 and why in notices[0] and "\n" not in notices[0], (key, notices)


def only_own(screen: CodingScreen) -> bool:
    return screen.index is not None and {c.coder_id for c in screen.index.codings.values()} <= {screen.coder_id}


def current_coder(study: Study) -> str | None:
    db = connect_study(study)
    try:
        return setting(db, "current_coder")
    finally:
        db.close()


async def test_a_served_coder_codes_as_their_login_only_and_blind(two_coders_piura, monkeypatch):
    monkeypatch.setenv("CODER_NAME", "ana")  # never used when served
    current = current_coder(two_coders_piura)
    app = served_app(two_coders_piura, "ben")
    notices = noticed(app)
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen.coder_name == "ben" and app.sub_title == "served as ben"
        assert screen.index is not None and screen.index.codings and only_own(screen)
        await refused(pilot, notices, "c", "never switches coder")
        await refused(pilot, notices, "v", "blind coding")
        assert not screen.show_others and only_own(screen)
        await refused(pilot, notices, "f2", "blind coding")
        await refused(pilot, notices, "f3", "only a lead reconciles")
        await refused(pilot, notices, "X", "only a lead exports")
        await refused(pilot, notices, "e", "only a lead renames")
        await refused(pilot, notices, "M", "only a lead chooses whose coding the suggestions learn from")

        excerpts = await press_to_open(pilot, "f6", RetrievalScreen)
        assert excerpts.retrieval.coders == ("ben",) and excerpts.found is not None
        assert excerpts.found.items and all(item.coders == ("ben",) for item in excerpts.found.items)
        await refused(pilot, notices, "w", "blind coding")
        await refused(pilot, notices, "x", "only a lead exports")
        assert excerpts.relist(replace(excerpts.retrieval, coders=("ana",)))  # as the filter dialog may ask
        assert excerpts.retrieval.coders == ("ben",) and all(item.coders == ("ben",) for item in excerpts.found.items)
        assert excerpts.relist(replace(excerpts.retrieval, coders=()))  # everybody
        assert excerpts.retrieval.coders == ("ben",)

        tables = await press_to_open(pilot, "f4", CrossTabScreen)
        assert tables.coders == "ben" and tables.settings()["coders"] == ["ben"]
        await refused(pilot, notices, "w", "blind coding")
        network = await press_to_open(pilot, "f5", NetworkScreen)
        assert network.coders == "ben"
        await refused(pilot, notices, "f", "only a lead exports")
        await press_to_close(pilot, "escape", NetworkScreen)

    assert current_coder(two_coders_piura) == current  # the study's current coder is not the session's business


async def test_when_the_study_allows_it_a_coder_sees_the_others_but_still_does_not_reconcile_or_export(two_coders_piura):
    db = connect_study(two_coders_piura)
    try:
        set_others_visible(db, True)
        ana = coder_id(db, "ana")
    finally:
        db.close()
    app = served_app(two_coders_piura, "ben")
    notices = noticed(app)
    async with running(app) as pilot:
        screen = app.screen
        await pilot.press("v")
        await until(pilot, lambda: screen.show_others, "the others' codings shown")
        assert screen.index is not None and ana in {c.coder_id for c in screen.index.codings.values()}
        agreement = await press_to_open(pilot, "f2", AgreementScreen)
        await until(pilot, lambda: agreement.report is not None, "the agreement figures")
        agreement.list_disagreements()
        assert agreement.found
        notices.clear()
        agreement.jump(0)  # Enter on a disagreement: the reconcile queue there — a lead's
        await until(pilot, lambda: bool(notices), "the refusal")
        assert app.screen is agreement and "only a lead reconciles" in notices[0]
        await press_to_close(pilot, "escape", AgreementScreen)
        await refused(pilot, notices, "f3", "only a lead reconciles")
        await refused(pilot, notices, "X", "only a lead exports")
        await refused(pilot, notices, "c", "never switches coder")
        other = connect_study(two_coders_piura)  # the lead makes the study blind again, from another session
        try:
            set_others_visible(other, False)
        finally:
            other.close()
        await until(pilot, lambda: not screen.show_others and only_own(screen), "blind coding again")
        await refused(pilot, notices, "v", "blind coding")


async def test_a_lead_reconciles_and_exports_to_the_browser_from_inside_the_study_only(two_coders_piura, tmp_path):
    app = served_app(two_coders_piura, "lea", lead=True)  # a login with no coder yet: the coder is added
    notices = noticed(app)
    delivered: list = []
    app.deliver_binary = lambda path, **options: delivered.append(path)  # in a browser: a download
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen.coder_name == "lea"
        assert app.sub_title == "served as lea (lead)"
        assert "lea" in coder_names(app.db)
        await refused(pilot, notices, "c", "never switches coder")
        await pilot.press("v")
        await until(pilot, lambda: screen.show_others, "the others' codings shown")
        await press_to_open(pilot, "f3", ReconcileScreen)
        await press_to_close(pilot, "escape", ReconcileScreen)
        dialog = await press_to_open(pilot, "X", ExportDialog)
        await pilot.click("#export-what-codebook")
        await pilot.click("#export-run")
        await until(pilot, lambda: dialog.written is not None and delivered == [dialog.written], "the export handed to the browser")
        assert dialog.written.parent == two_coders_piura.exports_dir
        await press_to_close(pilot, "escape", ExportDialog)
        await press_to_open(pilot, "f5", NetworkScreen)
        await pilot.press("f")  # the figure of the network as shown, to the browser too
        await until(pilot, lambda: len(delivered) == 2, "the figure handed to the browser", timeout=60)
        assert delivered[1].suffix == ".svg" and delivered[1].parent == two_coders_piura.exports_dir
        await press_to_close(pilot, "escape", NetworkScreen)

        exports = two_coders_piura.exports_dir
        exports.rename(tmp_path / "moved")
        outside = tmp_path / "outside"
        outside.mkdir()
        exports.symlink_to(outside)  # the exports folder now leads out of the study
        await refused(pilot, notices, "X", "outside the study folder")
        await settle(pilot)


def test_main_makes_the_served_app_as_the_login_whatever_coder_says(two_coders_piura):
    app = make_app(two_coders_piura.root, None, served=ServedAs("ben"))
    try:
        assert app.coder_name == "ben" and app.served == ServedAs("ben")
    finally:
        app.db.close()
