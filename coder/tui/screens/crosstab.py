"""The cross-tab view: two dimensions of the coding against each other, heat-coloured, with a bar chart
of the row under the cursor and the passages behind any number.

`crosstab.crosstab` does all the counting (in a thread worker, on a connection the view keeps so the
domain's cache of mapped codings survives between tables); this screen only lays the returned
table out (plain numbers: no pandas). Enter on a number lists its passages (`crosstab.cell_passages`), Enter on a passage goes
back to the coding screen at that passage, and `x` exports the cell's excerpts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static
from textual.widgets.data_table import CellKey
from textual.worker import get_current_worker

from coder import crosstab
from coder.crosstab import cell_coders, cell_codes, dimension_choices
from coder.errors import CoderError
from coder.tui.connection import WorkerConnection
from coder.tui.dialogs.whose import ALL, whose_picker
from coder.tui.messages import Exported
from coder.tui.widgets.key_bar import KeyBar
from coder.tui.widgets.passage_list import PassageList

if TYPE_CHECKING:  # pragma: no cover - typing only
    from coder.crosstab import CrossTab
    from coder.db import Database
    from coder.study import Study

PERCENTS: tuple[str | None, ...] = (None, "row", "col")
HOT = Color.parse("#e76f51")  # the hottest cell; cooler cells fade into the theme's surface
CHART_LABEL = 16  # characters of a column label in the bar chart


class CrossTabScreen(Screen):
    """Rows × columns of the coding; Enter on a number lists its passages."""

    BINDINGS = [
        Binding("r", "cycle('rows', 1)", "rows"),
        Binding("R", "cycle('rows', -1)", "rows back", show=False),
        Binding("c", "cycle('columns', 1)", "columns"),
        Binding("C", "cycle('columns', -1)", "columns back", show=False),
        Binding("t", "swap", "swap"),
        Binding("m", "measure", "measure"),
        Binding("percent_sign", "percent", "percent"),
        Binding("o", "once", "once per doc"),
        Binding("u", "roll_up", "roll up"),
        Binding("w", "whose", "coders"),
        Binding("x", "export", "export…"),
        Binding("f", "figure", "save figure"),
        Binding("escape", "back", "back"),
        Binding("question_mark", "help", "help"),
    ]

    def __init__(self, study: Study, db: Database, coder: str) -> None:
        super().__init__()
        self.study = study
        self.db = db
        self.coder = coder  # the export dialog's "only mine"
        self.rows = ""
        self.columns = ""
        self.measure = "passages"
        self.percent: str | None = None
        self.once = False
        self.roll_up = False
        self.coders: str | None = None  # a coder's name; None: every coder but the consensus coder (the domain's rule)
        self.choices: list[str] = []
        self.result: CrossTab | None = None
        self.shown: dict[str, Any] = {}  # the settings `result` was computed with

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot  # ≈0.2 s (plotext), only when the view opens

        yield Static(id="xtab-title")
        with Horizontal(id="xtab-body"):
            yield DataTable(id="xtab-table", cursor_type="cell")
            with Vertical(id="xtab-side"):
                yield PlotextPlot(id="xtab-chart")
                yield Label("Enter on a number lists its passages", id="xtab-cell")
                yield PassageList(id="xtab-passages")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.connection = WorkerConnection(self.study)
        self.choices = dimension_choices(self.db)
        self.rows = self.choices[0]
        others = [c for c in self.choices if c != self.rows] or self.choices
        self.columns = "phase" if "phase" in others else others[0]
        self.query_one(DataTable).focus()
        self.tabulate()

    def on_unmount(self) -> None:
        self.connection.close()

    # Settings ----------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": self.columns, "measure": self.measure, "percent": self.percent,
                "once_per_document": self.once, "roll_up": self.roll_up,
                "coders": [self.coders] if self.coders else None}

    def tabulate(self) -> None:
        self.query_one("#xtab-title", Static).update(Text(f"{self.rows} × {self.columns}: counting…", style="italic"))
        self.compute(self.settings())

    def action_cycle(self, axis: str, step: int) -> None:
        current = getattr(self, axis)
        index = self.choices.index(current) if current in self.choices else -step
        setattr(self, axis, self.choices[(index + step) % len(self.choices)])
        self.tabulate()

    def action_swap(self) -> None:
        self.rows, self.columns = self.columns, self.rows
        self.tabulate()

    def action_measure(self) -> None:
        self.measure = crosstab.MEASURES[(crosstab.MEASURES.index(self.measure) + 1) % len(crosstab.MEASURES)]
        if self.measure != "passages" and self.once:
            self.once = False
            self.notify("Once per document counts passages: turned off.", timeout=3)
        self.tabulate()

    def action_percent(self) -> None:
        self.percent = PERCENTS[(PERCENTS.index(self.percent) + 1) % len(PERCENTS)]
        self.tabulate()

    def action_once(self) -> None:
        self.once = not self.once
        if self.once:
            self.measure = "passages"
        self.tabulate()

    def action_roll_up(self) -> None:
        self.roll_up = not self.roll_up
        self.tabulate()

    def action_whose(self) -> None:
        """Choose whose codings count: every coder but the consensus coder (the default), or one coder."""
        self.app.push_screen(whose_picker(self.db, self.coders), self.whose_chosen)

    def whose_chosen(self, chosen: str | None) -> None:
        if chosen is not None:
            self.coders = None if chosen == ALL else chosen
            self.tabulate()

    def action_back(self) -> None:
        if self.query_one(PassageList).has_focus:
            self.query_one(DataTable).focus()
        else:
            self.app.pop_screen()

    def action_help(self) -> None:
        from coder.tui.screens.help import view_help

        view_help(self)

    # The table ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="crosstab", exit_on_error=False, description="Cross-tabulating")
    def compute(self, settings: dict[str, Any]) -> None:
        try:
            with self.connection.use() as db:
                result = crosstab.crosstab(db, **settings)
        except CoderError as error:
            self.app.call_from_thread(self.show_error, str(error))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_table, result, settings)

    def show_error(self, message: str) -> None:
        self.query_one("#xtab-title", Static).update(Text(message, style="bold red"))

    def heading(self, result: CrossTab) -> Text:
        text = Text(result.describe(), style="bold")
        notes = [f"{'row' if result.percent == 'row' else 'column'} %" if result.percent else "",
                 "sub-codes rolled up" if self.shown.get("roll_up") else ""]
        for note in filter(None, notes):
            text.append(f" · {note}")
        if not result.total:
            text.append("  — nothing coded for these dimensions yet", style="italic")
        return text

    def show_table(self, result: CrossTab, settings: dict[str, Any]) -> None:
        self.result, self.shown = result, settings
        self.query_one("#xtab-title", Static).update(self.heading(result))
        table = self.query_one("#xtab-table", DataTable)
        row, column = table.cursor_coordinate
        table.clear(columns=True)
        shown = result.grid(totals=True)
        n_rows, n_columns = len(result.row_labels), len(result.col_labels)
        top = float(max((max(cells) for cells in result.shown() if cells), default=0.0))
        surface = Color.parse(self.app.theme_variables.get("surface", "#1e1e1e"))
        numbers = [[result.number_text(value) for value in cells] for cells in shown.values]
        # Numbers are padded to the column's width so that a cell's heat colour fills it.
        widths = [max([len(str(label)), *(len(row[j]) for row in numbers)]) for j, label in enumerate(shown.columns)]
        table.add_column(Text(result.rows.title, style="bold"), key="label")
        for j, label in enumerate(shown.columns):
            table.add_column(str(label).rjust(widths[j]), key=f"c{j}" if j < n_columns else "total")
        for i, (label, cells) in enumerate(zip(shown.labels, shown.values)):
            margin = i >= n_rows
            texts = [Text(str(label), style="italic" if margin else "bold")]
            for j, value in enumerate(cells):
                texts.append(self.cell_text(numbers[i][j].rjust(widths[j]), value,
                                            None if margin or j >= n_columns else top, surface))
            table.add_row(*texts, key="total" if margin else f"r{i}")
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), column=min(max(column, 1), len(table.columns) - 1),
                              animate=False)
        self.draw_chart(table.cursor_coordinate.row)

    @staticmethod
    def cell_text(shown: str, value: Any, top: float | None, surface: Color) -> Text:
        """A number; a cell's background warms with its share of the table's largest value (totals stay plain)."""
        text = Text(shown)
        if top is None:
            text.stylize("italic")
        elif top > 0 and value and float(value) > 0:
            background = surface.blend(HOT, 0.15 + 0.85 * float(value) / top)
            text.stylize(Style(color=background.get_contrast_text(1.0).rich_color, bgcolor=background.rich_color))
        else:
            text.stylize("dim")
        return text

    def draw_chart(self, row: int) -> None:
        """Bars of the row under the cursor (its cells, without the total)."""
        from textual_plotext import PlotextPlot  # loaded already: the view composed it

        chart = self.query_one("#xtab-chart", PlotextPlot)
        plot = chart.plt
        plot.clear_data()
        result = self.result
        if result is not None and row < len(result.row_labels) and len(result.col_labels):
            labels = [str(c)[:CHART_LABEL] for c in result.col_labels]
            plot.bar(labels, [float(v) for v in result.shown()[row]], orientation="horizontal")
            plot.title(str(result.row_labels[row])[:40])
        else:
            plot.title("")
        chart.refresh()

    @on(DataTable.CellHighlighted, "#xtab-table")
    def highlighted(self, event: DataTable.CellHighlighted) -> None:
        self.draw_chart(event.coordinate.row)

    def values_at(self, key: CellKey) -> tuple[str | None, str | None]:
        """The (row value, column value) of a cell; None for a total or the label column (any value)."""
        assert self.result is not None
        row, column = key.row_key.value or "", key.column_key.value or ""
        row_value = str(self.result.row_labels[int(row[1:])]) if row.startswith("r") else None
        column_value = str(self.result.col_labels[int(column[1:])]) if column.startswith("c") else None
        return row_value, column_value

    def cursor_cell(self) -> tuple[str | None, str | None] | None:
        table = self.query_one("#xtab-table", DataTable)
        if self.result is None or not table.row_count:
            return None
        return self.values_at(table.coordinate_to_cell_key(table.cursor_coordinate))

    # The passages behind a number --------------------------------------------------------

    @on(DataTable.CellSelected, "#xtab-table")
    def cell_chosen(self, event: DataTable.CellSelected) -> None:
        if self.result is not None:
            self.load_cell(*self.values_at(event.cell_key))

    def describe_cell(self, row_value: str | None, column_value: str | None) -> str:
        assert self.result is not None
        return (f"{row_value if row_value is not None else 'any ' + self.result.rows.title} × "
                f"{column_value if column_value is not None else 'any ' + self.result.columns.title}")

    @work(thread=True, exclusive=True, group="cell", exit_on_error=False, description="Finding the passages")
    def load_cell(self, row_value: str | None, column_value: str | None, export: bool = False) -> None:
        result, shown = self.result, self.shown
        assert result is not None
        try:
            with self.connection.use() as db:
                rows = crosstab.cell_passages(db, shown["rows"], shown["columns"], row_value, column_value,
                                              measure=shown["measure"], coders=shown["coders"], roll_up=shown["roll_up"])
                codes = cell_codes(db, result, row_value, column_value) if export else []
        except CoderError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        if get_current_worker().is_cancelled:  # the view was closed meanwhile
            return
        label = self.describe_cell(row_value, column_value)
        self.app.call_from_thread(self.show_cell, label, rows)
        if export:
            self.app.call_from_thread(self.export_cell, label, rows, codes, cell_coders(result, row_value, column_value))

    def show_cell(self, label: str, rows: list[dict[str, Any]]) -> None:
        count = f"{len(rows)} passage{'s' * (len(rows) != 1)}"
        self.query_one("#xtab-cell", Label).update(f"{label}: {count}" + (" — Enter opens one" if rows else ""))
        passages = self.query_one(PassageList)
        passages.set_passages(rows)
        if rows:
            passages.focus()


    # Export ------------------------------------------------------------------------------

    def action_figure(self) -> None:
        """Save the table as shown (a heatmap with its numbers, the same settings) as a figure for print under exports/."""
        if self.result is None:
            self.notify("Nothing to draw yet.", severity="warning")
            return
        self.notify("Drawing the table…", timeout=2)
        self.save_figure(dict(self.shown))

    @work(thread=True, exclusive=True, group="figure", exit_on_error=False, description="Drawing the table")
    def save_figure(self, settings: dict[str, Any]) -> None:
        from coder.figures.heatmap import xtab_figure
        from coder.figures.output import Style, command_line, target

        rows, columns = settings.pop("rows"), settings.pop("columns")
        words = ["coder", "figure", "xtab", rows, columns, "--measure", settings["measure"]]
        words += ["--percent", settings["percent"]] if settings["percent"] else []
        words += [flag for flag, on in (("--once-per-document", settings["once_per_document"]), ("--roll-up", settings["roll_up"])) if on]
        words += ["--coder", settings["coders"][0]] if settings["coders"] else []
        try:
            with self.connection.use() as db:
                style = Style()
                path = target(self.study.exports_dir, f"figure-xtab-{rows}-by-{columns}", style.fmt, None, force=False)
                saved = xtab_figure(db, rows, columns, path, style, command=command_line(words), **settings)
        except (CoderError, OSError) as error:  # a study that refuses, or an exports/ folder that cannot be written
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self.notify, f"Saved the figure to {saved.path} (caption: {saved.caption_path.name})", timeout=8)
        self.app.post_message(Exported(saved.path))  # a served lead gets it in the browser

    def action_export(self) -> None:
        cell = self.cursor_cell()
        if cell is None:
            self.notify("Nothing to export yet.", severity="warning")
            return
        self.load_cell(*cell, export=True)

    def export_cell(self, label: str, rows: list[dict[str, Any]], codes: list[str], coders: list[str]) -> None:
        if not rows:
            self.notify("No passages behind this number.", severity="warning")
            return
        from coder.tui.dialogs.export import ExportDialog

        passages = [(row["document"], int(row["passage"])) for row in rows]
        self.app.push_screen(ExportDialog(self.study, self.db, self.coder, codes=codes, coders=coders, passages=passages,
                                          cell=label))
