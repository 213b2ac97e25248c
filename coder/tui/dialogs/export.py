"""The export dialog: choose what (excerpts of codes, of a code group or of a cross-tab cell; the
codebook; memos; the whole project) and the format, then write it in a worker with a progress bar.

It calls the same functions as `coder export …` and shows the path they wrote. The file lands in
the study's `exports/` under a name that says what it holds; an earlier export of that name is
replaced, unless "keep both" is ticked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, RadioButton, RadioSet, Select, Static

from coder.codebook import codebook_tree
from coder.coding import consensus_coder
from coder.documents import coders as study_coders
from coder.errors import CoderError
from coder.exports import codebook as codebook_export
from coder.exports import excerpts as excerpt_export
from coder.exports import memos as memo_export
from coder.study import connect_study, study_title
from coder.tui.messages import Exported

if TYPE_CHECKING:
    from coder.db import Database
    from coder.study import Study

WHAT = {
    "codes": "excerpts of codes",
    "group": "excerpts of a code group",
    "cell": "excerpts of the cross-tab cell",
    "codebook": "the codebook",
    "memos": "memos",
    "project": "the whole project (REFI-QDA)",
}
FORMATS = {
    "md": "Markdown (.md)",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "csv": "CSV (.csv)",
    "jsonl": "JSON lines (.jsonl)",
    "qdc": "REFI-QDA codebook (.qdc)",
    "qdpx": "REFI-QDA project (.qdpx)",
}
ALLOWED = {
    "codes": excerpt_export.FORMATS, "group": excerpt_export.FORMATS, "cell": excerpt_export.FORMATS,
    "codebook": codebook_export.FORMATS, "memos": memo_export.FORMATS, "project": ("qdpx",),
}
EXCERPTS = ("codes", "group", "cell")
SHORT = 34  # terminal lines below which the dialog is drawn compact
EVERYBODY = ""  # the whose-codings choice for every coder but the consensus coder


class Options(NamedTuple):
    """The dialog's check boxes."""

    context: bool
    sub_codes_apart: bool
    keep_both: bool


def split_codes(text: str) -> list[str]:
    """Code names typed as `Accessing; role/broker` (semicolons, since names may hold commas)."""
    return [part.strip() for part in text.split(";") if part.strip()]


class ExportDialog(ModalScreen[Path | None]):
    """Returns the last file written (None if nothing was)."""

    BINDINGS = [
        Binding("ctrl+s", "export", "Export"),
        Binding("escape", "close", "Close"),
    ]

    class Progress(Message):
        """How far the export worker is; a burst of these collapses into the latest."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ExportDialog.Progress)

    def __init__(self, study: Study, db: Database, coder: str, *, codes: list[str] | None = None, group: str | None = None,
                 coders: list[str] | None = None, passages: list[tuple[str, int]] | None = None, cell: str | None = None) -> None:
        """Args:
            db: the UI thread's connection (the export itself opens one of its own).
            coder: who is coding (for "my codings").
            passages: the passages of a cross-tab cell (`cell` describes it); codes and coders narrow it.
        """
        super().__init__()
        self.study = study
        self.db = db
        self.coder = coder
        self.codes = list(codes or [])
        self.group = group
        self.coders = list(coders or [])
        self.passages = list(passages or [])
        self.cell = cell
        self.written: Path | None = None
        self.what = "cell" if self.passages else ("group" if group and not self.codes else "codes")
        self.format = "md"

    def compose(self) -> ComposeResult:
        rows = codebook_tree(self.db)
        paths = [f"{r['group']}/{r['code']}" for r in rows]
        groups = list(dict.fromkeys(r["group"] for r in rows))
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label("Export — Tab moves · Enter chooses · ctrl+s exports · Esc closes", classes="dialog-title")
            with Horizontal(id="export-choices"):
                with RadioSet(id="export-what"):
                    for key, label in WHAT.items():
                        yield RadioButton(label, id=f"export-what-{key}", disabled=key == "cell" and not self.passages)
                with RadioSet(id="export-format"):
                    for key, label in FORMATS.items():
                        yield RadioButton(label, id=f"export-fmt-{key}")
            yield Input("; ".join(self.codes), placeholder="codes, separated by ; (empty: every code)", id="export-codes",
                        suggester=SuggestFromList([*paths, *(r["code"] for r in rows)], case_sensitive=False))
            yield Input(self.group or (groups[0] if groups else ""), placeholder="code group", id="export-group",
                        suggester=SuggestFromList(groups, case_sensitive=False))
            yield Static(self.cell_summary(), id="export-cell")
            yield Select(self.whose_choices(), value=EVERYBODY, allow_blank=False, id="export-whose")
            with Horizontal(id="export-options"):
                yield Checkbox("¶ before and after", id="export-context")
                yield Checkbox("sub-codes apart", id="export-apart")
                yield Checkbox("keep both files", id="export-keep")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-result")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-run")
                yield Button("Close", id="export-close")  # for the mouse: Tab never reaches it, Esc closes

    def whose_choices(self) -> list[tuple[str, str]]:
        """Whose codings: all (but the consensus), mine, the consensus, or any one coder."""
        names = study_coders(self.db)
        consensus = consensus_coder(self.db)
        everybody = [n for n in names if n != consensus] or names
        choices = [(f"whose codings: all coders ({', '.join(everybody) or 'nobody yet'})", EVERYBODY),
                   (f"whose codings: mine ({self.coder})", self.coder)]
        if consensus in names and consensus != self.coder:
            choices.append((f"whose codings: the consensus ({consensus})", consensus))
        return choices + [(f"whose codings: {n}", n) for n in names if n not in (self.coder, consensus)]

    def cell_summary(self) -> str:
        if not self.passages:
            return ""
        codes = f" · codes: {'; '.join(self.codes)}" if self.codes else ""
        coders = f" · coders: {', '.join(self.coders)}" if self.coders else ""
        return f"{self.cell or 'cell'}: {len(self.passages)} passages{codes}{coders}"

    def on_mount(self) -> None:
        # Pressed after mounting, so that each set's cursor starts on its choice.
        self.query_one(f"#export-what-{self.what}", RadioButton).value = True
        self.query_one(f"#export-fmt-{self.format}", RadioButton).value = True
        self.show_choices()
        self.query_one("#export-progress", ProgressBar).update(total=1, progress=0)
        self.query_one("#export-close", Button).can_focus = False
        self.query_one("#export-what", RadioSet).focus()
        self.fit(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.height)

    def fit(self, height: int) -> None:
        """On a short terminal (80×24) the fields lose their borders, so that the whole dialog fits."""
        small = height < SHORT
        self.query_one("#export-dialog").set_class(small, "-short")
        for widget in self.query("RadioSet, Input, Select, Checkbox, Button"):
            widget.compact = small  # type: ignore[attr-defined]

    def show_choices(self) -> None:
        """Show the inputs the chosen `what` needs, and only the formats it can be written in."""
        self.query_one("#export-codes").display = self.what == "codes"
        self.query_one("#export-group").display = self.what == "group"
        self.query_one("#export-cell").display = self.what == "cell"
        self.query_one("#export-context").display = self.what in EXCERPTS
        self.query_one("#export-whose").display = self.what in ("codes", "group")
        self.query_one("#export-apart").display = self.what in EXCERPTS
        allowed = ALLOWED[self.what]
        for key in FORMATS:
            self.query_one(f"#export-fmt-{key}", RadioButton).disabled = key not in allowed
        if self.format not in allowed:
            self.query_one(f"#export-fmt-{allowed[0]}", RadioButton).value = True
            self.format = allowed[0]

    @on(RadioSet.Changed, "#export-what")
    def what_chosen(self, event: RadioSet.Changed) -> None:
        self.what = (event.pressed.id or "").removeprefix("export-what-")
        self.show_choices()

    @on(RadioSet.Changed, "#export-format")
    def format_chosen(self, event: RadioSet.Changed) -> None:
        self.format = (event.pressed.id or "").removeprefix("export-fmt-")

    @on(Input.Submitted)
    def next_field(self) -> None:
        """Enter in a text field moves on, like Tab: only the Export button (or ctrl+s) exports."""
        self.focus_next()

    @on(Button.Pressed, "#export-run")
    def action_export(self) -> None:
        if self.format not in ALLOWED[self.what]:
            return
        self.query_one("#export-run", Button).disabled = True
        self.query_one("#export-result", Static).update("exporting…")
        self.query_one("#export-progress", ProgressBar).update(total=None, progress=0)
        whose = self.query_one("#export-whose", Select).value
        self.run_export(self.what, self.format, self.query_one("#export-codes", Input).value,
                        self.query_one("#export-group", Input).value.strip(), whose if isinstance(whose, str) else EVERYBODY,
                        Options(self.query_one("#export-context", Checkbox).value, self.query_one("#export-apart", Checkbox).value,
                                self.query_one("#export-keep", Checkbox).value))

    @on(Button.Pressed, "#export-close")
    def action_close(self) -> None:
        self.dismiss(self.written)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, description="Exporting")
    def run_export(self, what: str, fmt: str, codes: str, group: str, whose: str, options: Options) -> None:
        """Write the export on a connection of its own; the path or a one-line error comes back."""
        study = self.study
        db = connect_study(study)
        progress = lambda done, total: self.post_message(self.Progress(done, total))
        keep_both = options.keep_both
        try:
            if what in EXCERPTS:
                coders = self.coders if what == "cell" else ([whose] if whose else [])
                query = excerpt_export.ExcerptQuery(
                    codes=split_codes(codes) if what == "codes" else self.codes if what == "cell" else [],
                    group=(group or None) if what == "group" else None, coders=coders,
                    passages=self.passages if what == "cell" else [], context=options.context,
                    sub_codes="apart" if options.sub_codes_apart else "with")
                path = excerpt_export.export_excerpts(db, study.exports_dir, query, fmt, keep_both=keep_both, progress=progress)
            elif what == "codebook":
                path = codebook_export.export_codebook(db, study.exports_dir, fmt, keep_both=keep_both, progress=progress)
            elif what == "memos":
                path = memo_export.export_memos(db, study.exports_dir, fmt, keep_both=keep_both, progress=progress)
            else:
                from coder.refi import export_qdpx

                path = export_qdpx(db, study.exports_dir, study_title(study, db), keep_both=keep_both, progress=progress)
        except CoderError as error:
            self.app.call_from_thread(self.finished, None, str(error))
            return
        except Exception as error:  # anything else also reaches the app's one-line error handler
            self.app.call_from_thread(self.finished, None, f"{type(error).__name__}: {error}")
            raise
        finally:
            db.close()
        self.app.call_from_thread(self.finished, path, None)

    def on_export_dialog_progress(self, message: Progress) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def finished(self, path: Path | None, error: str | None) -> None:
        if not self.is_attached:  # closed while the export ran: the file is written all the same
            return
        self.query_one("#export-run", Button).disabled = False
        result = self.query_one("#export-result", Static)
        bar = self.query_one("#export-progress", ProgressBar)
        if path is None:
            bar.update(total=1, progress=0)
            result.update(Text.assemble(("could not export: ", "bold red"), error or ""))
            return
        bar.update(total=1, progress=1)
        self.written = path
        self.app.post_message(Exported(path))
        try:
            shown = path.relative_to(self.study.root)
        except ValueError:
            shown = path
        result.update(Text.assemble("wrote ", (str(shown), "bold")))
        self.notify(f"wrote {shown}", timeout=4)
