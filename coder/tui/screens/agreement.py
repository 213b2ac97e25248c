"""The agreement screen: the per-code agreement table, sortable, coloured by band; Enter lists a code's
disagreements, and Enter on one of them opens the reconcile queue at that passage (`o`: the passage
itself, in the transcript).

`agreement.measure_agreement` does all the computing, in a thread worker on its own connection (a big
study takes a moment); this screen only lays the report out. `w` chooses whose agreement: any two or
more of the coders, the consensus coder among them if wanted (`CoderPicker`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from coder.coding import consensus_coder
from coder.errors import CoderError
from coder.tui.dialogs.coder_picker import CoderPicker
from coder.tui.messages import StudyChanged
from coder.tui.widgets.key_bar import KeyBar
from coder.tui.widgets.passage_list import PassageList

if TYPE_CHECKING:
    from coder.db import Database
    from coder.study import Study

COLUMNS = ("code", "α", "band", "κ", "agree %", "units", "flags")
SHORT = {"applied": "✓", "not applied": "✗", None: "—"}  # a disagreement's values, in a narrow column
BAND_STYLES = {"reliable": "bold green", "tentative": "yellow", "not reliable": "red"}  # α ≥ .800 / .667–.800 / below


def band_style(band: str) -> str:
    return BAND_STYLES.get(band, "dim")


def table_rows(report: Any) -> list[dict[str, Any]]:
    """One row per code, group and the pooled figure, with plain values to show and to sort by."""
    rows = []
    for row in report.rows:
        if row.document:
            continue
        name = row.name if row.kind == "code" else (f"group {row.name}" if row.kind == "group" else "pooled")
        rows.append({"key": row.name, "code": name, "units": row.alpha.units or row.percent.units or 0,
                     "agree %": None if row.percent.undefined else 100 * row.percent.value,
                     "κ": None if row.kind == "pooled" or row.kappa.undefined else row.kappa.value,
                     "α": None if row.alpha.undefined else row.alpha.value, "band": row.alpha.band,
                     "flags": "; ".join(row.flags())})
    return rows


def _number(value: float | None, digits: int = 3) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


class AgreementScreen(Screen):
    """Agreement per code, group and pooled; Enter on a code lists where the coders differ."""

    BINDINGS = [
        Binding("enter", "open_row", "disagreements", priority=True),  # shown in the key bar, not shadowed by the table
        Binding("o", "open_passage", "open passage"),
        Binding("s", "sort", "sort by column"),
        Binding("w", "whose", "which coders…"),
        Binding("r", "refresh", "run again"),
        Binding("escape", "back", "back"),
        Binding("question_mark", "help", "help"),
    ]

    def __init__(self, study: Study, db: Database) -> None:
        super().__init__()
        self.study = study
        self.db = db
        self.report: Any = None
        self.rows: list[dict[str, Any]] = []
        self.sort_column: str | None = None
        self.reverse = False
        self.coders: list[str] | None = None  # None: every coder with codings but the consensus
        self.found: list[dict[str, Any]] = []
        self.stale = False  # another session wrote while the figures were being measured: measure again after

    def compose(self) -> ComposeResult:
        yield Static("Measuring agreement…", id="agree-title")
        with Horizontal(id="agree-body"):
            yield DataTable(id="agree-table", cursor_type="cell", zebra_stripes=True)
            with Vertical(id="agree-side"):
                yield Label("Enter on a code lists its disagreements", id="agree-heading")
                yield DataTable(id="agree-disagreements", cursor_type="row")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        table = self.query_one("#agree-table", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.query_one("#agree-disagreements", DataTable).add_columns("document", "passage", "code", "values")
        table.focus()
        self.measure()

    # Computing ---------------------------------------------------------------------------

    def measure(self) -> None:
        self.query_one("#agree-title", Static).update("Measuring agreement…")
        self.run_agreement(self.coders)

    def on_study_changed(self, message: StudyChanged) -> None:
        """Another session coded (live together): the figures measured again, those shown kept until then."""
        if any(worker.node is self and worker.group == "agreement" and not worker.is_finished for worker in self.workers):
            self.stale = True
        else:
            self.run_agreement(self.coders)

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False, description="Measuring agreement")
    def run_agreement(self, coders: list[str] | None) -> None:
        """Agreement on a big study takes a moment: it is computed here, on the worker's own connection."""
        from coder.agreement import measure_agreement  # numpy and the metrics, only when the screen opens
        from coder.crosstab.consensus import consensus_progress
        from coder.study import connect_study

        db = connect_study(self.study)
        try:
            report = measure_agreement(db, coders=coders)
            progress = consensus_progress(db)
        except CoderError as error:
            self.app.call_from_thread(self.show_error, error)
            return
        finally:
            db.close()
        self.app.call_from_thread(self.show_report, report, progress.describe() if progress else "")

    def show_error(self, error: CoderError) -> None:
        self.report = None
        self.query_one("#agree-title", Static).update(Text(f"No agreement to show: {error}", style="bold red"))

    def show_report(self, report: Any, progress: str = "") -> None:
        """The report; `progress` says how far the consensus has got, when there is a consensus coder."""
        if self.stale:
            self.stale = False
            self.run_agreement(self.coders)
        self.report = report
        self.rows = table_rows(report)
        p = report.parameters
        title = Text(f" Agreement · {' vs '.join(p['coders'])} · {len(p['documents'])} document(s) · {p['unit']} units · "
                     + (f"{progress} · " if progress else ""))
        for band, style in BAND_STYLES.items():
            title.append(f"● {band} ", style=style)
        self.query_one("#agree-title", Static).update(title)
        self.fill()

    def fill(self) -> None:
        rows = self.rows
        if self.sort_column:
            column = self.sort_column
            present = [r for r in rows if r[column] is not None]
            absent = [r for r in rows if r[column] is None]
            rows = sorted(present, key=lambda r: r[column], reverse=self.reverse) + absent  # undefined last
        table = self.query_one("#agree-table", DataTable)
        cursor = table.cursor_coordinate
        table.clear()
        for row in rows:
            style = band_style(row["band"])
            table.add_row(
                Text(row["code"], style="bold" if not row["code"].count("/") else ""), Text(_number(row["α"]), style=style),
                Text(row["band"], style=style), _number(row["κ"]), _number(row["agree %"], 1), str(row["units"]),
                Text(row["flags"], style="dim"), key=row["key"])
        if rows:
            table.cursor_coordinate = table.validate_cursor_coordinate(cursor)

    # Keys --------------------------------------------------------------------------------

    def action_sort(self) -> None:
        """Sort by the column under the cursor; the same column again reverses the order."""
        table = self.query_one("#agree-table", DataTable)
        column = COLUMNS[table.cursor_column]
        if column == self.sort_column:
            self.reverse = not self.reverse
        else:
            self.sort_column, self.reverse = column, column not in ("code", "band", "flags")
        self.fill()
        self.notify(f"sorted by {column}{' (descending)' if self.reverse else ''}", timeout=2)

    @on(DataTable.HeaderSelected, "#agree-table")
    def header_clicked(self, event: DataTable.HeaderSelected) -> None:
        self.query_one("#agree-table", DataTable).move_cursor(column=event.column_index)
        self.action_sort()

    def action_whose(self) -> None:
        """Choose the coders to compare: any two or more, the consensus coder among them if wanted."""
        from coder.agreement import coders_with_codings

        found = coders_with_codings(self.db)
        consensus = consensus_coder(self.db)
        now = list(self.report.parameters["coders"]) if self.report is not None else (self.coders or [])
        self.app.push_screen(CoderPicker("Compare which coders? (now: " + (" vs ".join(now) or "everyone") + ")", found,
                                         now or [n for n in found if n != consensus], consensus=consensus), self.chose_coders)

    def chose_coders(self, chosen: list[str] | None) -> None:
        if chosen is None:
            return
        self.coders = chosen
        self.query_one("#agree-disagreements", DataTable).clear()
        self.found = []
        self.measure()

    def action_refresh(self) -> None:
        self.measure()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        from coder.tui.screens.help import view_help

        view_help(self)

    def action_open_row(self) -> None:
        focused = self.focused
        if isinstance(focused, DataTable) and focused.id == "agree-disagreements":
            self.jump(focused.cursor_row)
        else:
            self.list_disagreements()

    @on(DataTable.CellSelected, "#agree-table")
    def cell_selected(self) -> None:
        self.list_disagreements()

    @on(DataTable.RowSelected, "#agree-disagreements")
    def disagreement_selected(self, event: DataTable.RowSelected) -> None:
        self.jump(event.cursor_row)

    def list_disagreements(self) -> None:
        """Every unit where the coders differ on the code (or group) under the cursor."""
        from coder.agreement import disagreements

        table = self.query_one("#agree-table", DataTable)
        if self.report is None or not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert key is not None  # every row is added with its code's key
        self.found = disagreements(self.report, key)
        listing = self.query_one("#agree-disagreements", DataTable)
        listing.clear()
        for item in self.found:
            values = "  ".join(f"{coder} {SHORT.get(value, value)}" for coder, value in item["values"].items())
            listing.add_row(item["document"], str(item["unit"] or f"{item['start']}-{item['end']}"),
                            item["code"].split("/", 1)[-1], values)
        self.query_one("#agree-heading", Label).update(
            f"{key}: {len(self.found)} disagreement{'s' * (len(self.found) != 1)} — Enter: the reconcile queue there,"
            " o: the passage")
        if self.found:
            listing.focus()

    def action_open_passage(self) -> None:
        """The disagreement under the cursor, in the transcript: the views close and the coding screen goes there."""
        listing = self.query_one("#agree-disagreements", DataTable)
        index = listing.cursor_row
        if not 0 <= index < len(self.found) or self.found[index]["unit"] is None:
            self.notify("Choose a disagreement first: Enter on a code lists them.", severity="warning")
            return
        self.app.post_message(PassageList.Chosen(self.found[index]["document"], self.found[index]["unit"]))

    def jump(self, index: int) -> None:
        """Open the reconcile queue (same coders and documents) at the unit of a disagreement, in place of this screen."""
        from coder.tui.screens.reconcile import ReconcileScreen

        if not 0 <= index < len(self.found) or self.found[index]["unit"] is None:
            return
        from coder.tui.app import CoderApp

        if isinstance(self.app, CoderApp) and self.app.refuses("show", "reconcile"):  # a served coder, not a lead
            return
        item = self.found[index]
        p = self.report.parameters
        self.app.pop_screen()
        self.app.push_screen(ReconcileScreen(self.study, self.db, coders=list(p["coders"]), documents=list(p["documents"]),
                                             at=f"{item['document']}:{item['unit']}"))
