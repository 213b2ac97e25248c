"""The reconcile queue: every passage where the coders differ, one at a time, like `git add -p`.

The passage is shown with each coder's codes side by side and the consensus coder's codes beside
them. One key settles the passage (keep A, keep B — or keep any coder's codes by the coder's
number, 1–9 — union, intersection, drop) and moves on; `r`
recodes by hand, `m` writes the rationale, the shift/ctrl arrows nudge a consensus coding's
boundary, `c` gives the consensus the codes the coders agree on. Every decision goes through
`coder.reconcile` (one transaction, one undoable event of the consensus coder). Opening the
screen and moving in it write nothing; a decision also remembers where the queue stands, so
coming back resumes there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from coder import coding, reconcile
from coder.codebook import codebook_tree
from coder.errors import CoderError
from coder.reconcile import Queue, Unit
from coder.tui.dialogs.memo import MemoDialog
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.marks import code_styles
from coder.tui.messages import StudyChanged
from coder.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from coder.db import Database
    from coder.study import Study

MOVE = Binding.Group("unit")
NUDGE_END = Binding.Group("end ±word")
NUDGE_START = Binding.Group("start ±word")


class ReconcileScreen(Screen):
    """Settle the coders' disagreements passage by passage into the consensus coding."""

    BINDINGS = [
        Binding("a", "keep(0)", "keep A"),
        Binding("b", "keep(1)", "keep B"),
        Binding("1", "keep_coder(1)", "keep coder N", key_display="1…9"),
        *(Binding(str(n), f"keep_coder({n})", f"keep coder {n}", show=False) for n in range(2, 10)),
        Binding("u", "decide('union')", "union"),
        Binding("i", "decide('intersection')", "intersection"),
        Binding("d", "decide('drop')", "drop"),
        Binding("r", "recode", "recode…"),
        Binding("m", "memo", "rationale"),
        Binding("n,j,down", "move(1)", "next", group=MOVE),
        Binding("p,k,up", "move(-1)", "prev", group=MOVE),
        Binding("semicolon", "next_coding", "pick coding"),
        Binding("shift+right", "nudge('end', 1)", "+", group=NUDGE_END),
        Binding("shift+left", "nudge('end', -1)", "-", group=NUDGE_END),
        Binding("ctrl+left", "nudge('start', -1)", "+", group=NUDGE_START),
        Binding("ctrl+right", "nudge('start', 1)", "-", group=NUDGE_START),
        Binding("c", "take_agreed", "agreed → consensus"),
        Binding("z", "undo", "undo"),
        Binding("g", "agreement", "consensus α"),
        Binding("escape,q", "back", "back"),
        Binding("question_mark", "help", "help"),
    ]

    def __init__(self, study: Study, db: Database, *, coders: list[str] | None = None, documents: list[str] | None = None,
                 at: str | None = None) -> None:
        """Args: coders, documents, at: the queue of these coders and documents, at this unit (default: the queue as
        it stopped)."""
        super().__init__()
        self.study = study
        self.db = db
        self.scope: dict[str, Any] = {"coders": coders, "documents": documents, "at": at}
        self.queue: Queue | None = None
        self.active: int | None = None  # the consensus coding that nudges act on
        self.note = ""

    def compose(self) -> ComposeResult:
        yield Static(id="rec-title")
        with VerticalScroll(id="rec-passage"):
            yield Static(id="rec-text")
        yield Horizontal(id="rec-columns")
        yield Static(id="rec-agreement")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        db = self.db
        rows = codebook_tree(db)
        self.looks = code_styles(rows)
        try:
            self.queue = reconcile.open_queue(db, **self.scope)
        except CoderError as error:
            self.query_one("#rec-title", Static).update(Text(f" Nothing to reconcile: {error}", style="bold red"))
            return
        columns = self.query_one("#rec-columns", Horizontal)
        columns.mount_all([Static(classes="rec-column", id=f"rec-coder-{i}") for i in range(len(self.queue.coders))]
                          + [Static(classes="rec-column rec-consensus", id="rec-consensus")])
        self.call_after_refresh(self.show)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("back", "agreement", "help"):
            return True
        if action == "take_agreed":
            return self.queue is not None
        return self.queue is not None and self.queue.current is not None

    @property
    def opened_queue(self) -> Queue:
        """The queue: the screen shows it and acts on it only once it opened (on_mount, check_action)."""
        assert self.queue is not None
        return self.queue

    @property
    def current_unit(self) -> Unit:
        """The unit on show: the actions run only while there is one (see check_action)."""
        unit = self.opened_queue.current
        assert unit is not None
        return unit

    # What the screen shows ---------------------------------------------------------------

    def on_study_changed(self, message: StudyChanged) -> None:
        """Another session wrote (another lead deciding, live together): how many are decided, and the consensus column,
        as they now are; the passage stays scrolled where it was."""
        if self.queue is not None and self.queue.current is not None and self.query("#rec-consensus"):  # shown already
            self.show(scroll=False)

    def show(self, *, scroll: bool = True) -> None:
        queue = self.opened_queue
        unit = queue.current
        title = self.query_one("#rec-title", Static)
        if unit is None:
            title.update(Text(f" Reconcile · {' vs '.join(queue.coders)}: no disagreements in {len(queue.documents)} document(s)",
                              style="bold"))
            self.query_one("#rec-text", Static).update("The coders agree on every passage of these code groups.")
            return
        done = reconcile.decided(self.db, queue)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" Reconcile · {' vs '.join(queue.coders)} → {queue.consensus} · ", style="bold")
        text.append(f" unit {queue.progress()} ", style="bold reverse")
        text.append(f" · {unit.document} passage {unit.ordinal} · {len(done)} decided")
        if unit.key in done:
            text.append(f" · this one: {done[unit.key]}", style="green")
        if self.note:
            text.append(f"  {self.note}", style="italic")
            self.note = ""
        title.update(text)
        self.query_one("#rec-text", Static).update(Text(reconcile.unit_text(self.db, unit)))
        if scroll:
            self.query_one("#rec-passage", VerticalScroll).scroll_home(animate=False)
        for i, name in enumerate(queue.coders):
            letter = f"{'AB'[i]}/{i + 1}" if i < 2 else str(i + 1)
            codes = unit.codes.get(name)
            self.query_one(f"#rec-coder-{i}", Static).update(
                self.column(f"{letter} · {name}", codes, unit) if codes is not None else Text(f"{letter} · {name}\n(did not code here)"))
        consensus = reconcile.consensus_codes(self.db, queue, unit)
        memo = reconcile.rationale(self.db, queue, unit)
        column = self.column(f"{queue.consensus}", frozenset(consensus), unit, consensus=True)
        if memo:
            column.append(f"\n\nrationale: {memo}", style="italic")
        self.query_one("#rec-consensus", Static).update(column)

    def column(self, heading: str, codes: frozenset[int], unit: Unit, *, consensus: bool = False) -> Text:
        """A coder's codes at the unit by group; the disputed ones marked ≠ (in the consensus: the active one ▶)."""
        text = Text(heading, style="bold")
        group = None
        nudged = {c["code_id"] for c in reconcile.consensus_codings(self.db, self.opened_queue, unit)
                  if c["id"] == self.active} if consensus and self.active else set()
        for code_id in sorted(codes, key=lambda c: self.looks[c].ordinal if c in self.looks else 0):
            style = self.looks.get(code_id)
            if style is None:
                continue
            if style.group != group:
                group = style.group
                text.append(f"\n{group}", style="dim")
            mark = "▶" if consensus and code_id in nudged else ("≠" if code_id in unit.disputed else " ")
            text.append(f"\n {mark} ", style="bold red" if mark == "≠" else "bold")
            text.append(f"● {style.name}", style=style.colour)
        if not codes:
            text.append("\n (no codes)" if consensus else "\n (nothing)", style="dim")
        return text

    # Deciding ----------------------------------------------------------------------------

    def settle(self, kind: str, *, coder: str | None = None, codes: list[int] | None = None, advance: bool = True) -> None:
        unit = self.current_unit
        try:
            decision = reconcile.decide(self.db, self.opened_queue, unit, kind, coder=coder, codes=codes)
        except CoderError as error:
            self.refused(error)
            return
        self.active = None
        count = len(decision.codes)
        self.note = f"{unit.document} passage {unit.ordinal}: {decision.kind} ({count} code{'s' * (count != 1)})"
        if advance and self.opened_queue.position < len(self.opened_queue.units) - 1:
            reconcile.move(self.opened_queue, 1)
        elif advance:
            self.note += " · that was the last unit"
        reconcile.remember(self.db, self.opened_queue)  # the queue resumes here; moving alone writes nothing
        self.show()

    def refused(self, error: CoderError) -> None:
        """A write refused: say why; when a transcript was re-imported since the queue was read, read it again first."""
        if not isinstance(error, coding.DocumentChangedError):
            self.notify(str(error), severity="error", timeout=8)
            return
        unit = self.current_unit
        try:
            self.queue, self.active = reconcile.open_queue(self.db, at=unit.key), None
        except CoderError as reopening:
            self.notify(f"{error.message}; reading the queue again: {reopening}", severity="error", timeout=10)
            return
        self.notify(f"{unit.document} was re-imported since the queue was read: it is read again and nothing was written"
                    " — check the passage and decide again", severity="warning", timeout=10)
        self.show()

    def action_keep(self, index: int) -> None:
        """Keep the codes of the coder in column `index` (a/b, or the coder's number 1–9)."""
        coders = self.opened_queue.coders
        if index >= len(coders):
            self.notify(f"No coder {index + 1} here: the queue compares {len(coders)} coders"
                        f" ({', '.join(f'{i + 1} {name}' for i, name in enumerate(coders))})", severity="warning")
            return
        self.settle("keep", coder=coders[index])

    def action_keep_coder(self, number: int) -> None:
        self.action_keep(number - 1)

    def action_decide(self, kind: str) -> None:
        self.settle(kind)

    def action_take_agreed(self) -> None:
        """The consensus takes the codes every coder applied, in every passage not yet decided (z undoes it)."""
        try:
            written = reconcile.copy_agreed(self.db, self.opened_queue)
        except CoderError as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        self.note = (f"the consensus took the codes {' and '.join(self.opened_queue.coders)} agree on: {written} codings"
                     " (z undoes)" if written else "the consensus has every code the coders agree on already")
        self.show()

    def action_recode(self) -> None:
        """Toggle one code (of the compared groups) in the consensus at this passage."""
        unit = self.current_unit
        current = set(reconcile.consensus_codes(self.db, self.opened_queue, unit))
        items = [(str(code_id), f"{'✓ ' if code_id in current else ''}{style.group} / {style.name}", style.colour)
                 for code_id, style in self.looks.items() if style.group in self.opened_queue.groups]
        self.app.push_screen(QuickPick("Recode: toggle a code in the consensus", items), self.recoded)

    def recoded(self, chosen: str | None) -> None:
        if not chosen:
            return
        unit = self.current_unit
        codes = set(reconcile.consensus_codes(self.db, self.opened_queue, unit)) ^ {int(chosen)}
        self.settle("recode", codes=sorted(codes), advance=False)

    def action_memo(self) -> None:
        unit = self.current_unit
        current = reconcile.rationale(self.db, self.opened_queue, unit) or ""
        self.app.push_screen(MemoDialog([("passage", f"rationale for {unit.document} passage {unit.ordinal}", current)]),
                             self.memo_written)

    def memo_written(self, answer: tuple[str, str] | None) -> None:
        if answer is None:
            return
        try:
            reconcile.write_rationale(self.db, self.opened_queue, self.current_unit, answer[1])
        except CoderError as error:
            self.refused(error)
            return
        self.note = "rationale saved" if answer[1].strip() else "rationale removed"
        self.show()

    def action_move(self, step: int) -> None:
        self.active = None
        reconcile.move(self.opened_queue, step)
        self.show()

    def action_next_coding(self) -> None:
        found = reconcile.consensus_codings(self.db, self.opened_queue, self.current_unit)
        if not found:
            self.notify("The consensus has no codings here yet: decide first.", severity="warning")
            return
        ids = [c["id"] for c in found]
        self.active = ids[(ids.index(self.active) + 1) % len(ids)] if self.active in ids else ids[0]
        self.show()

    def action_nudge(self, edge: str, words: int) -> None:
        """Move a boundary of the consensus coding picked with `;` (else the first) by one word."""
        found = reconcile.consensus_codings(self.db, self.opened_queue, self.current_unit)
        if not found:
            self.notify("The consensus has no codings here to nudge: decide first.", severity="warning")
            return
        target = next((c for c in found if c["id"] == self.active), found[0])
        self.active = target["id"]
        consensus = coding.coder_id(self.db, self.opened_queue.consensus)
        try:
            start, end = coding.nudge_coding(self.db, target["id"], edge, words, consensus, version=self.current_unit.version)
        except CoderError as error:
            self.refused(error)
            return
        self.note = f"{self.looks[target['code_id']].name} now {start}-{end}"
        self.show()

    def action_undo(self) -> None:
        try:
            event = reconcile.undo_decision(self.db, self.opened_queue)
        except CoderError as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        self.note = f"undid: {event.summary}" if event else "nothing to undo"
        self.active = None
        self.show()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_help(self) -> None:
        from coder.tui.screens.help import view_help

        view_help(self)

    # Agreement of the consensus with each coder -------------------------------------------

    def action_agreement(self) -> None:
        if self.queue is None:
            return
        self.query_one("#rec-agreement", Static).update("Measuring the consensus against each coder…")
        self.consensus_agreement(self.queue)

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False, description="Consensus agreement")
    def consensus_agreement(self, queue: Queue) -> None:
        from coder.study import connect_study

        db = connect_study(self.study)
        try:
            reports = reconcile.consensus_agreement(db, queue)
        except CoderError as error:
            self.app.call_from_thread(self.query_one("#rec-agreement", Static).update, Text(str(error), style="red"))
            return
        finally:
            db.close()
        self.app.call_from_thread(self.show_agreement, queue, reports)

    def show_agreement(self, queue: Queue, reports: dict[str, Any]) -> None:
        from coder.tui.screens.agreement import band_style

        text = Text()
        for coder, report in reports.items():
            text.append(f"{queue.consensus} vs {coder}:", style="bold")
            for row in report.rows:
                if row.kind in ("group", "pooled") and not row.document:
                    figure = "undefined" if row.alpha.undefined else f"{row.alpha.value:.3f}"
                    text.append(f"  {row.name} α ")
                    text.append(figure, style=band_style(row.alpha.band))
                    text.append(" ·" if row.kind == "group" else "")
            text.append("\n")
        self.query_one("#rec-agreement", Static).update(text)
