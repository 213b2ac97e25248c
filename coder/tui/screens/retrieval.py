"""The retrieval view (F6): every excerpt of a code, of a combination, by document attribute or by coder.

It lists what `coder.retrieval.retrieve` returns — `coder export excerpts`'s excerpts, with its
filters — with the highlighted one in full between the passages around it. Enter goes to that
passage in the coding screen; `r`, `d` and `m` recode, uncode and write the memo of the highlighted
coding (the coder's own), `u` undoes, and `x` writes what is listed with the export writers.
After a write the list is read again and the coding screen below is told to read its codings again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static

from coder import coding
from coder.codebook import CODEBOOK_ACTIONS, codebook_tree, undo_with_codebook
from coder.documents import code_counts
from coder.errors import CoderError
from coder.exports.excerpts import FORMATS
from coder.retrieval import Retrieval, excerpt_memo, export_retrieved, recode_excerpt, retrieve, uncode_excerpt
from coder.study import connect_study
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.dialogs.whose import ALL, whose_picker
from coder.tui.messages import CodingsChanged, Exported, StudyRefreshed
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.codebook_pane import CodebookPane
from coder.tui.widgets.excerpt_list import ExcerptList, excerpt_detail
from coder.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from coder.db import Database
    from coder.exports.excerpts import Excerpt, ExcerptSet
    from coder.study import Study

FORMAT_NAMES = {"md": "Markdown (.md)", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "csv": "CSV (.csv)",
                "jsonl": "JSON lines (.jsonl)"}


def opening_retrieval(screen: Screen, last: Retrieval | None) -> Retrieval | None:
    """What F6 lists first: the code highlighted in the focused codebook (unless the last list was of it), else the
    last list, else the code of the coder's first coding in the selection (as the coder's own, or everybody's when
    others are shown); None: the view chooses."""
    if not isinstance(screen, CodingScreen) or screen.at.document is None:
        return last
    pane = screen.query_one(CodebookPane)
    whose = () if screen.show_others else (screen.coder_name,)
    node = pane.cursor_node if pane.has_focus else None
    if node is not None and node.data is not None and (last is None or screen.refs[node.data].path not in last.codes):
        return Retrieval(codes=(screen.refs[node.data].path,), coders=last.coders if last else whose)
    if last is not None:
        return last
    mine = list(dict.fromkeys(screen.refs[c.code_id].path for c in screen.mine_in_selection()))
    return Retrieval(codes=(mine[0],), coders=whose) if mine else None


class RetrievalScreen(Screen):
    """The excerpts of a retrieval; Enter opens one in the coding screen."""

    class Listed(Message):
        """A new retrieval is listed: the app remembers it for the next F6."""

        def __init__(self, retrieval: Retrieval) -> None:
            super().__init__()
            self.retrieval = retrieval

    BINDINGS = [
        Binding("enter", "open", "go to"),
        Binding("f", "filter", "filter…"),
        Binding("c", "code", "code…"),
        Binding("a", "combine('also')", "and…"),
        Binding("n", "combine('without')", "not…"),
        Binding("w", "whose", "coders"),
        Binding("r", "recode", "recode…"),
        Binding("d", "uncode", "uncode"),
        Binding("m", "memo", "memo"),
        Binding("u", "undo", "undo"),
        Binding("x", "export", "export…"),
        Binding("escape", "app.pop_screen", "back"),
    ]

    def __init__(self, study: Study, db: Database, coder: str, retrieval: Retrieval | None = None, *, blind: bool = False) -> None:
        """Args: blind: list only the coder's own codings, whatever a retrieval asks (a served coder coding blind)."""
        super().__init__()
        self.study = study
        self.db = db
        self.coder = coder
        self.coder_id = coding.coder_id(db, coder)
        self.blind = blind
        self.retrieval = self.allowed(retrieval or self.first_retrieval())
        self.found: ExcerptSet | None = None

    def first_retrieval(self) -> Retrieval:
        """The coder's first code with codings in codebook order (else the first code), as the coder's own."""
        rows = codebook_tree(self.db)
        counts = code_counts(self.db, self.coder_id)
        first = next((r for r in rows if counts.get(r["id"])), rows[0] if rows else None)
        return Retrieval(codes=(f"{first['group']}/{first['code']}",) if first else (), coders=(self.coder,))

    def compose(self) -> ComposeResult:
        yield Static(id="retrieval-title")
        yield ExcerptList(id="retrieval-list")
        with VerticalScroll(id="retrieval-detail-scroll", can_focus=False):
            yield Static(id="retrieval-detail")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        try:
            found = retrieve(self.db, self.retrieval)
        except CoderError as error:  # a remembered retrieval whose code or document is gone
            self.notify(str(error), severity="warning")
            self.retrieval = self.first_retrieval()
            found = retrieve(self.db, self.retrieval)
        self.show(self.retrieval, found)
        self.query_one(ExcerptList).focus()

    # What is listed ----------------------------------------------------------------------

    def show(self, retrieval: Retrieval, found: ExcerptSet, at: int = 0) -> None:
        self.post_message(self.Listed(retrieval))
        self.retrieval, self.found = retrieval, found
        documents = len({e.document for e in found.items})
        title = Text(found.heading, style="bold")
        title.append(f" — {len(found.items)} excerpt{'s' * (len(found.items) != 1)} from {documents} document"
                     f"{'s' * (documents != 1)}")
        filters = [f for f in found.filters if not f.startswith("codes: ")]
        if filters:
            title.append("\n" + " · ".join(filters), style="italic")
        self.query_one("#retrieval-title", Static).update(title)
        self.query_one(ExcerptList).set_excerpts(found.items, at)
        self.show_detail()

    def show_detail(self) -> None:
        excerpt = self.query_one(ExcerptList).current
        detail = excerpt_detail(excerpt) if excerpt else Text("No excerpts match: f changes the filter.", style="italic")
        self.query_one("#retrieval-detail", Static).update(detail)
        self.query_one("#retrieval-detail-scroll").scroll_home(animate=False)

    @on(OptionList.OptionHighlighted, "#retrieval-list")
    def highlighted(self) -> None:
        self.show_detail()

    def allowed(self, retrieval: Retrieval) -> Retrieval:
        """The retrieval as this screen may list it: the coder's own codings only, when blind."""
        return replace(retrieval, coders=(self.coder,)) if self.blind and retrieval.coders != (self.coder,) else retrieval

    def relist(self, retrieval: Retrieval) -> bool:
        """List another retrieval (False, with a notice, when it cannot be read)."""
        retrieval = self.allowed(retrieval)
        try:
            found = retrieve(self.db, retrieval)
        except CoderError as error:
            self.notify(str(error), severity="error", timeout=8)
            return False
        self.show(retrieval, found)
        return True

    def action_open(self) -> None:
        self.query_one(ExcerptList).action_select()

    def action_filter(self) -> None:
        from coder.tui.dialogs.retrieval_filter import RetrievalFilter

        self.app.push_screen(RetrievalFilter(self.db, self.retrieval), self.filtered)

    def filtered(self, answer: tuple[Retrieval, ExcerptSet] | None) -> None:
        if answer is None:
            return
        if self.allowed(answer[0]) != answer[0]:  # another coder's codings asked for, blind: the coder's own instead
            self.relist(answer[0])
        else:
            self.show(*answer)

    def code_items(self) -> list[tuple[str, str, str | None]]:
        return [(f"{r['group']}/{r['code']}", f"{r['group']} / {r['code']}", r.get("colour")) for r in codebook_tree(self.db)]

    def action_code(self) -> None:
        """Another code's excerpts, with the same coders, documents and phases (the combination is cleared)."""
        def chosen(code: str | None) -> None:
            if code:
                self.relist(replace(self.retrieval, codes=(code,), group=None, also=(), without=()))

        self.app.push_screen(QuickPick("List the excerpts of…", self.code_items()), chosen)

    def action_combine(self, part: str) -> None:
        title = "Keep those also coded in the same passage with…" if part == "also" else \
            "Keep those in no passage coded with…"
        items = [("", "(none: clear this condition)", None), *self.code_items()]

        def combine(chosen: str | None) -> None:
            if chosen is not None:
                values = tuple(dict.fromkeys((*getattr(self.retrieval, part), chosen))) if chosen else ()
                self.relist(replace(self.retrieval, also=values) if part == "also" else replace(self.retrieval, without=values))

        self.app.push_screen(QuickPick(title, items), combine)

    def action_whose(self) -> None:
        current = ", ".join(self.retrieval.coders) or None
        def whose(chosen: str | None) -> None:
            if chosen is not None:
                self.relist(replace(self.retrieval, coders=() if chosen == ALL else (chosen,)))

        self.app.push_screen(whose_picker(self.db, current), whose)

    # Acting on the highlighted excerpt ------------------------------------------------------

    def excerpt(self) -> Excerpt | None:
        excerpt = self.query_one(ExcerptList).current
        if excerpt is None:
            self.notify("Nothing is listed.", severity="warning")
        return excerpt

    def read_again(self) -> bool:
        """List the same retrieval again from the database, the cursor at its place."""
        at = self.query_one(ExcerptList).highlighted or 0
        try:
            found = retrieve(self.db, self.retrieval)
        except CoderError as error:
            self.notify(str(error), severity="error")
            return False
        self.show(self.retrieval, found, at)
        return True

    def on_study_refreshed(self, message: StudyRefreshed) -> None:
        """Transcripts imported or edited, or the codebook changed, in the background: the list as it now is."""
        report = message.report
        if report.imported.added or report.imported.updated or report.codebook:
            self.read_again()

    def wrote(self, note: str, *, codebook: bool = False) -> None:
        """After a write: list again (the cursor stays at its place) and have the coding screen read its codings again."""
        if not self.read_again():
            return
        self.notify(note, timeout=3)
        for screen in self.app.screen_stack:
            if isinstance(screen, CodingScreen):
                screen.post_message(CodingsChanged(note, codebook=codebook))

    def act(self, write: Callable[[], str]) -> None:
        """Run one write, then show what it did (the note it returns), or its refusal."""
        try:
            note = write()
        except CoderError as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        self.wrote(note)

    def action_uncode(self) -> None:
        excerpt = self.excerpt()
        if excerpt is not None:
            self.act(lambda: f"uncoded {uncode_excerpt(self.db, excerpt.uuid, self.coder_id).path}"
                     f" at {excerpt.document} ¶ {excerpt.passage}")

    def action_recode(self) -> None:
        excerpt = self.excerpt()
        if excerpt is None:
            return

        def recode(chosen: str | None) -> None:
            if chosen:
                code = coding.find_code(self.db, chosen)
                self.act(lambda: f"recoded {recode_excerpt(self.db, excerpt.uuid, code, self.coder_id).path}"
                         f" to {code.path} at {excerpt.document} ¶ {excerpt.passage}")

        items = [item for item in self.code_items() if item[0] != excerpt.code_path]
        self.app.push_screen(QuickPick(f"Recode {excerpt.code} at {excerpt.document} ¶ {excerpt.passage} to…", items), recode)

    def action_memo(self) -> None:
        excerpt = self.excerpt()
        if excerpt is None:
            return
        from coder.tui.dialogs.memo import MemoDialog

        def save(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self.act(lambda: excerpt_memo(self.db, excerpt.uuid, answer[1], self.coder_id))

        label = f"coding: {excerpt.code} at {excerpt.document} ¶ {excerpt.passage}"
        self.app.push_screen(MemoDialog([("coding", label, excerpt.memo or "")]), save)

    def action_undo(self) -> None:
        try:
            event = undo_with_codebook(self.study, self.db, self.coder_id)
        except CoderError as error:
            self.notify(str(error), severity="error")
            return
        if event is None:
            self.notify("Nothing to undo.", severity="warning")
            return
        self.wrote(f"undid: {event.summary}", codebook=event.action in CODEBOOK_ACTIONS)

    # Export ------------------------------------------------------------------------------

    def action_export(self) -> None:
        count = len(self.found.items) if self.found else 0
        if not count:
            self.notify("Nothing is listed to export.", severity="warning")
            return
        items = [(fmt, FORMAT_NAMES[fmt], None) for fmt in FORMATS]
        self.app.push_screen(QuickPick(f"Export the {count} listed excerpts as…", items),
                             self.exported)

    def exported(self, fmt: str | None) -> None:
        if fmt:
            self.export(self.retrieval, fmt)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="Exporting")
    def export(self, retrieval: Retrieval, fmt: str) -> None:
        """Write the file on a connection of its own (a Word or Excel file of many excerpts takes a while)."""
        db = connect_study(self.study)
        try:
            path = export_retrieved(db, self.study.exports_dir, retrieval, fmt)
        except CoderError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error", timeout=8)
            return
        finally:
            db.close()
        try:
            shown = path.relative_to(self.study.root)
        except ValueError:
            shown = path
        self.app.call_from_thread(self.notify, f"wrote {shown}", timeout=6)
        self.app.post_message(Exported(path))

