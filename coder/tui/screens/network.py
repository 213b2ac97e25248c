"""The network view: the survey ranking beside what the coding shows each organisation doing, the ego
network of the organisation under the cursor, and the passages where it is coded as actor.

`network.actor_activity` makes the table (centrality, passages as actor, by function and by phase),
`network.ego_ties` the ego network and `crosstab.cell_passages` the passages, all in thread workers
on a connection the view keeps; the screen only lays out and sorts the rows they return.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static
from textual.worker import get_current_worker

from coder import crosstab, network
from coder.errors import CoderError
from coder.tui.connection import WorkerConnection
from coder.tui.dialogs.whose import ALL, whose_picker
from coder.tui.messages import Exported
from coder.tui.widgets.key_bar import KeyBar
from coder.tui.widgets.passage_list import PassageList

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

    from coder.db import Database
    from coder.study import Study

WEIGHTS = ("technological", "commercial", "both")
BAR = 10  # characters of the strongest tie's bar in the ego network
NAME = 26  # characters of a name in the ego network
TEXT_FIELDS = ("organisation", "type", "local")  # left-aligned; the other columns are numbers


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, digits: int = 0) -> str:
    if missing(value):
        return "–"
    value = float(value)
    return str(int(value)) if digits == 0 and value.is_integer() else f"{value:.{max(digits, 1)}f}"


def sort_records(records: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Largest first (names: alphabetical); organisations without a value go last; ties keep their order."""
    def key(record: dict[str, Any]) -> tuple[bool, Any]:
        value: Any = record.get(field)
        if missing(value):
            return True, 0
        return False, str(value).lower() if field == "organisation" else -float(value)

    return sorted(records, key=key)


def ego_text(name: str, ties: pandas.DataFrame, weight: str) -> Text:
    """A hub-and-spoke list: who it receives knowledge from, the organisation, who it gives knowledge to."""
    records = ties.to_dict("records")
    receives = [r for r in records if r["direction"] == "receives"]
    gives = [r for r in records if r["direction"] == "gives"]
    top = max((float(r["weight"]) for r in records), default=0.0) or 1.0
    text = Text(no_wrap=True, overflow="ellipsis")

    def spokes(rows: list[dict[str, Any]], arrow: str) -> None:
        for row in rows:
            bar = "█" * max(1, round(BAR * float(row["weight"]) / top))
            text.append(f"   {bar:<{BAR}} ", style="#e76f51")
            text.append(f"{number(row['weight']):>3} {arrow} ", style="bold")
            text.append(str(row["organisation"])[:NAME] + "\n")

    text.append(f" ◀ receives knowledge from {len(receives)}\n", style="bold")
    spokes(receives, "◀")
    text.append(f"\n ◉ {name}", style="bold reverse")
    text.append(f"  ({weight})\n\n", style="italic")
    text.append(f" ▶ gives knowledge to {len(gives)}\n", style="bold")
    spokes(gives, "▶")
    if not records:
        text.append("\n no ties in the survey\n", style="italic")
    return text


def correlation_text(report: network.ActorActivity) -> Text:
    text = Text("Spearman ρ with centrality: ", style="bold")
    parts = []
    for row in report.correlations.to_dict("records"):
        rho = "n/a" if missing(row["rho"]) else f"{row['rho']:+.2f}"
        parts.append(f"{row['coded activity'].removeprefix('function: ')} {rho} (n {row['n']})")
    text.append(" · ".join(parts))
    return text


class NetworkScreen(Screen):
    """The survey ranking joined with coded activity; Enter lists an organisation's passages as actor."""

    BINDINGS = [
        Binding("s", "sort(1)", "sort"),
        Binding("S", "sort(-1)", "sort back", show=False),
        Binding("t", "weight", "tie weight"),
        Binding("w", "whose", "coders"),
        Binding("a", "coded_only", "coded only"),
        Binding("f", "figure", "save figure"),
        Binding("escape", "back", "back"),
        Binding("question_mark", "help", "help"),
    ]

    def __init__(self, study: Study, db: Database) -> None:
        """Args: db: the UI thread's connection (the tables are computed on a worker's own)."""
        super().__init__()
        self.study = study
        self.db = db
        self.coders: str | None = None  # a coder's name; None: every coder but the consensus coder (the domain's rule)
        self.weight = WEIGHTS[0]
        self.coded_only = False
        self.sort_index = 0
        self.report: network.ActorActivity | None = None
        self.records: list[dict[str, Any]] = []
        self.fields: list[tuple[str, str]] = []  # (column of the frame, header)
        self.sorts: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(id="network-title")
        yield Static(id="network-rho")
        with Horizontal(id="network-body"):
            yield DataTable(id="network-table", cursor_type="row")
            with Vertical(id="network-side"):
                with VerticalScroll(id="network-ego-scroll"):
                    yield Static(id="network-ego")
                yield Label("Enter on an organisation lists the passages where it is coded as actor", id="network-cell")
                yield PassageList(id="network-passages")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.connection = WorkerConnection(self.study)
        self.query_one(DataTable).focus()
        self.reload()

    def on_unmount(self) -> None:
        self.connection.close()

    # The table ---------------------------------------------------------------------------

    def reload(self) -> None:
        self.query_one("#network-title", Static).update(Text(f"Survey network ({self.weight}): counting…", style="italic"))
        self.load(self.weight, [self.coders] if self.coders else None)

    @work(thread=True, exclusive=True, group="network", exit_on_error=False, description="Ranking the network")
    def load(self, weight: str, coders: list[str] | None) -> None:
        try:
            with self.connection.use() as db:
                report = network.actor_activity(db, weight=weight, coders=coders)
        except CoderError as error:
            self.app.call_from_thread(self.show_error, str(error))
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_report, report)

    def show_error(self, message: str) -> None:
        self.query_one("#network-title", Static).update(Text(message, style="bold red"))

    def show_report(self, report: network.ActorActivity) -> None:
        self.report = report
        self.records = report.table.to_dict("records")
        self.fields = [("rank", "rank"), ("organisation", "organisation"), ("weighted_out_degree", "centrality"),
                       ("passages", "passages"), *((f, f) for f in report.functions), *((p, p) for p in report.phases),
                       ("betweenness", "betweenness"), ("local", "local"), ("type", "type")]
        self.sorts = ["weighted_out_degree", "passages", *report.functions, *report.phases, "betweenness", "organisation"]
        self.sort_index = min(self.sort_index, len(self.sorts) - 1)
        self.query_one("#network-title", Static).update(Text.assemble(
            (f"Survey network ({self.weight})", "bold"), " against the coding by ", (report.whose.describe(), "bold"),
            ": centrality is the weighted"
            " out-degree (the paper's Table 2); passages where each organisation is coded as actor, by function"
            " (share of the function) and by phase"))
        self.query_one("#network-rho", Static).update(correlation_text(report))
        self.fill()

    def fill(self) -> None:
        """Lay the rows out in the chosen order, keeping the cursor on the same organisation."""
        table = self.query_one("#network-table", DataTable)
        current = self.current_organisation()
        table.clear(columns=True)
        sort = self.sorts[self.sort_index] if self.sorts else ""
        headers = [header + (" ▼" if field == sort else "") for field, header in self.fields]
        records = sort_records([r for r in self.records if r.get("actor_code") or not self.coded_only], sort)
        cells = [[self.cell(record, field) for field, _ in self.fields] for record in records]
        widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
        for i, ((field, _), header) in enumerate(zip(self.fields, headers)):
            right = field not in TEXT_FIELDS
            table.add_column(Text(header.rjust(widths[i]) if right else header, style="bold" if field == sort else ""),
                             key=f"k{i}")
        for record, row in zip(records, cells):
            texts = [Text(value.rjust(width) if field not in TEXT_FIELDS else value,
                          style="bold" if field == "organisation" and record.get("actor_code") else "")
                     for (field, _), value, width in zip(self.fields, row, widths)]
            table.add_row(*texts, key=str(record["organisation"]))
        names = [str(r["organisation"]) for r in records]
        if names:
            table.move_cursor(row=names.index(current) if current in names else 0, animate=False)
            self.show_ego()

    def cell(self, record: dict[str, Any], field: str) -> str:
        value: Any = record.get(field)
        if field in ("organisation", "type"):
            return "" if missing(value) else str(value)
        if field == "local":
            return "✓" if not missing(value) and bool(value) else ""
        if field == "rank":
            return number(value, 0 if missing(value) or float(value).is_integer() else 1)
        if field == "betweenness":
            return "–" if missing(value) else f"{float(value):.3f}"
        if self.report is not None and field in self.report.functions:
            share = record.get(f"{field} share") or 0.0
            return f"{number(value)} ({share:.0f}%)" if value else "0"
        return number(value)

    def current_organisation(self) -> str | None:
        table = self.query_one("#network-table", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_sort(self, step: int) -> None:
        if self.sorts:
            self.sort_index = (self.sort_index + step) % len(self.sorts)
            self.fill()

    def action_weight(self) -> None:
        self.weight = WEIGHTS[(WEIGHTS.index(self.weight) + 1) % len(WEIGHTS)]
        self.reload()

    def action_whose(self) -> None:
        """Choose whose codings count: every coder but the consensus coder (the default), or one coder."""
        self.app.push_screen(whose_picker(self.db, self.coders), self.whose_chosen)

    def whose_chosen(self, chosen: str | None) -> None:
        if chosen is not None:
            self.coders = None if chosen == ALL else chosen
            self.reload()

    def action_coded_only(self) -> None:
        self.coded_only = not self.coded_only
        self.fill()

    def action_back(self) -> None:
        if self.query_one(PassageList).has_focus:
            self.query_one(DataTable).focus()
        else:
            self.app.pop_screen()

    def action_figure(self) -> None:
        """Save the network as shown (this weight, these coders) as a figure for print under exports/."""
        self.notify("Drawing the network…", timeout=2)
        self.save_figure(self.weight, self.coders)

    @work(thread=True, exclusive=True, group="figure", exit_on_error=False, description="Drawing the network")
    def save_figure(self, weight: str, coder: str | None) -> None:
        from coder.figures.network import network_figure
        from coder.figures.output import Style, command_line, target

        short = "tech" if weight == "technological" else weight
        command = command_line(["coder", "figure", "network", "--weight", short, *(["--coder", coder] if coder else [])])
        try:
            with self.connection.use() as db:
                style = Style()
                path = target(self.study.exports_dir, f"figure-network-{short}", style.fmt, None, force=False)
                saved = network_figure(db, path, style, command=command, weight=weight, coders=[coder] if coder else None)
        except (CoderError, OSError) as error:  # a study that refuses, or an exports/ folder that cannot be written
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        self.app.call_from_thread(self.notify, f"Saved the figure to {saved.path} (caption: {saved.caption_path.name})", timeout=8)
        self.app.post_message(Exported(saved.path))  # a served lead gets it in the browser

    def action_help(self) -> None:
        from coder.tui.screens.help import view_help

        view_help(self)

    # The ego network ---------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#network-table")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_ego()

    def show_ego(self) -> None:
        name = self.current_organisation()
        if name is not None:
            self.load_ego(name, self.weight)

    @work(thread=True, exclusive=True, group="ego", exit_on_error=False, description="Reading the ego network")
    def load_ego(self, name: str, weight: str) -> None:
        with self.connection.use() as db:
            if get_current_worker().is_cancelled:
                return
            try:
                text = ego_text(name, network.ego_ties(db, name, weight), weight)
            except CoderError:
                text = Text.assemble((f" ◉ {name}\n\n", "bold reverse"), (" not in the survey network", "italic"))
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_ego_text, text)

    def show_ego_text(self, text: Text) -> None:
        self.query_one("#network-ego", Static).update(text)

    # The passages where it is the actor --------------------------------------------------

    @on(DataTable.RowSelected, "#network-table")
    def organisation_chosen(self, event: DataTable.RowSelected) -> None:
        name = str(event.row_key.value)
        record = next((r for r in self.records if str(r["organisation"]) == name), {})
        if not record.get("actor_code"):
            self.notify(f"{name} has no actor code, so no passage can be coded with it.", severity="warning")
            return
        self.load_passages(name)

    @work(thread=True, exclusive=True, group="actor-passages", exit_on_error=False, description="Finding the passages")
    def load_passages(self, name: str) -> None:
        try:
            with self.connection.use() as db:
                rows = crosstab.cell_passages(db, "actor", "actor", name, name, coders=[self.coders] if self.coders else None)
        except CoderError as error:
            self.app.call_from_thread(self.notify, str(error), severity="error")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_passages, name, rows)

    def show_passages(self, name: str, rows: list[dict[str, Any]]) -> None:
        count = f"{len(rows)} passage{'s' * (len(rows) != 1)}"
        self.query_one("#network-cell", Label).update(f"{name} as actor: {count}" + (" — Enter opens one" if rows else ""))
        passages = self.query_one(PassageList)
        passages.set_passages(rows)
        if rows:
            passages.focus()

