"""The workbench application: opens a study, shows the coding screen, keeps the database up to date."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.actions import ActionParseResult
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from coder.coding import acting_coder, coder_names, find_document, switch_coder, who_codes
from coder.errors import CoderError
from coder.learning_process import TrainingProcess
from coder.served import (
    ServedAs,
    data_version,
    may_lead,
    may_see_others,
    may_switch_coder,
    path_allowed,
)
from coder.storage import read_only_error, storage_problem
from coder.study import Study, connect_study, locate_study, read_only_reason, refresh_study
from coder.suggest import Suggester, SuggestionProcess
from coder.tui.dialogs.coder_choice import choose_coder
from coder.tui.messages import Exported, ImportProgress, StudyChanged, StudyRefreshed
from coder.tui.screens.coding import CodingScreen
from coder.tui.widgets.passage_list import PassageList

if TYPE_CHECKING:
    from coder.retrieval import Retrieval
    from coder.tui.screens.retrieval import RetrievalScreen

# The other views of a study, opened over the coding screen (Esc returns): name → (key, label).
VIEWS: dict[str, tuple[str, str]] = {
    "agreement": ("f2", "agreement"),
    "reconcile": ("f3", "reconcile"),
    "tables": ("f4", "cross-tabs"),
    "network": ("f5", "network"),
    "retrieval": ("f6", "excerpts"),
}

# The keys that write (their actions, on the coding and reconcile screens): a study that may only be read
# refuses them with a notice before any dialog opens. Whatever else tries to write is refused by the
# transaction itself, in the same words.
WRITING_ACTIONS = frozenset({
    "code_key", "pick_code", "cycle_phase", "code_actors", "accept_suggestion", "dismiss_suggestion", "memo", "undo", "redo", "nudge",
    "new_code", "edit_code", "autocode", "switch_coder", "keep", "keep_coder", "decide", "recode", "uncode", "skip_interviewer",
})

# In a served workbench (`coder serve`), the keys that show other coders' codings (blind coding holds for a coder
# who is not a lead, unless the study allows it), and those that change what everyone codes with (leads only).
SEEING_OTHERS = frozenset({"toggle_others", "whose"})
EXPORTING = frozenset({"export", "figure"})  # what writes under exports/ (and reaches a served lead's browser)
LEADS_ONLY = {  # an action (or the view `show` opens) → why a served coder who is not a lead is refused it
    "reconcile": "only a lead reconciles the coders' codings",
    **dict.fromkeys(EXPORTING, "only a lead exports from a served study"),
    "edit_code": "only a lead renames, defines, moves or merges codes (+ still adds a new code)",
    "learn_from": "only a lead chooses whose coding the suggestions learn from (the study's choice, for every coder)",
}
LIVE_POLL = 0.5  # seconds between looks for what other sessions wrote (PRAGMA data_version: cheap)


class CoderApp(App):
    """A keyboard-driven qualitative coding workbench."""

    CSS_PATH = "app.tcss"
    TITLE = "coder"
    BINDINGS = [Binding(key, f"show('{name}')", label) for name, (key, label) in VIEWS.items()]

    def __init__(self, study: Study, coder: str | None = None, *, suggest: Suggester | None = None, learn: bool = True,
                 served: ServedAs | None = None) -> None:
        """Args:
            suggest: finds keyword suggestions for a document (default: a helper process; tests pass
                `suggestions_in_study`, which works in the calling thread).
            learn: train the study's model of its codings in the background for learned suggestions.
            served: the coder a served session (`coder serve`) works as: `coder` is then not used.
        """
        super().__init__()
        self.study = study
        self.db = connect_study(study)
        self.served = served
        if served is not None:
            self.coder_name, self.coder_source = served.name, "the served login"
        else:
            self.coder_name, self.coder_source = (coder, "--coder") if coder else who_codes(self.db)
        self.suggest = suggest or SuggestionProcess()
        # trains the learned suggestions' model — a served coder who codes blind learns from their own codings only
        self.learn = TrainingProcess(None if may_see_others(self.db, served) else self.coder_name) if learn else None
        self.read_only = read_only_reason(self.db)
        self.retrieval: Retrieval | None = None  # what the retrieval view (F6) listed last
        self.seen_version = data_version(self.db)  # what other connections had written when last looked
        titles = [f"served as {served}" if served else "", f"read-only: {self.read_only}" if self.read_only else ""]
        if any(titles):
            self.sub_title = " · ".join(filter(None, titles))

    def on_mount(self) -> None:
        if self.read_only and not coder_names(self.db):
            self.exit(message=f"{self.read_only}, and the study has no coder yet to open it as: nothing was opened.")
            return
        self.start_coding(self.coder_name, asked=False)

    def start_coding(self, chosen: str | None, *, asked: bool = True) -> None:
        """Open the coding screen as the chosen coder. A name the study does not know is asked about (but for the
        first coder of a new study), a new coder is added only once confirmed, and the answer is remembered as the
        study's current coder, as the coder switch does; no answer, no workbench."""
        if chosen is None:
            self.exit(message="No coder chosen: nothing was opened.")
            return
        name = chosen.removeprefix("new:")
        if self.served is not None:
            self.start_served(name)
            return
        if self.read_only and chosen.startswith("new:"):  # only the study's coders can be chosen: ask again
            self.notify(str(read_only_error(self.read_only)), severity="error", timeout=10)
            choose_coder(self, f"Who is coding? '{name}' is not a coder of this study", coder_names(self.db), self.start_coding)
            return
        try:
            acting_coder(self.db, name, new=chosen.startswith("new:"))
            if asked and not self.read_only:
                switch_coder(self.db, name)
        except CoderError:  # unknown, or another session gave the new study its first coder meanwhile
            source = "" if asked else f" ({self.coder_source})"
            choose_coder(self, f"Who is coding? '{name}'{source} is not a coder of this study", coder_names(self.db),
                         self.start_coding)
            return
        self.coder_name = name
        self.push_screen(CodingScreen(self.study, self.db, self.coder_name, self.suggest))
        self.call_after_refresh(self.settle)

    def start_served(self, name: str) -> None:
        """A served session opens as its login's coder, never asks who codes, and never changes the study's current
        coder; a login with no coder yet becomes one (one transaction), as a first coding as a new coder does."""
        try:
            acting_coder(self.db, name, new=not self.read_only)
        except CoderError as error:
            self.exit(message=f"Served as {name}, but {error}: nothing was opened.")
            return
        self.push_screen(CodingScreen(self.study, self.db, name, self.suggest))
        self.call_after_refresh(self.settle)

    def settle(self) -> None:
        """After the first screen: start the background refresh, and take the libraries' objects out of the
        garbage collector's full scans — otherwise a scan of them every few hundred keys stalls a key by ~100 ms."""
        gc.freeze()
        self.set_interval(LIVE_POLL, self.look_for_changes)
        if not self.read_only:  # a study that may only be read is shown as it is
            self.set_timer(0.3, self.bring_up_to_date)  # leave the first screen to draw undisturbed

    async def run_action(self, action: str | ActionParseResult, default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """Every key and command passes here: in a study that may only be read, the ones that write are refused."""
        if self.read_only:
            name = parse_action(action)[1] if isinstance(action, str) else action[1]
            if name in WRITING_ACTIONS:
                self.notify(str(read_only_error(self.read_only)), title="Read-only study", severity="warning", timeout=8)
                return True
            if name == "export" and not os.access(self.study.exports_dir, os.W_OK):
                self.notify(f"{self.study.exports_dir} is read-only, so nothing can be exported there — fix: coder export …"
                            " --output DIR writes it to a folder you choose", title="Read-only study", severity="warning", timeout=8)
                return True
        if self.served is not None:
            _, name, parameters = parse_action(action) if isinstance(action, str) else action
            if self.refuses(name, str(parameters[0]) if parameters else ""):
                return True
        return await super().run_action(action, default_namespace, namespaces)

    def refuses(self, action: str, view: str = "") -> bool:
        """In a served workbench, what the session's coder may not do is refused with a one-line notice saying why
        (`view`: the view `show` opens). True when refused."""
        served = self.served
        reason = None
        if action == "switch_coder" and not may_switch_coder(served):
            reason = f"this session codes as {self.coder_name} only: a served workbench never switches coder"
        elif (action in SEEING_OTHERS or view == "agreement") and not may_see_others(self.db, served):
            reason = "other coders' codings are hidden (blind coding): a lead sees them, others once the study allows it"
        elif (what := view if action == "show" else action) in LEADS_ONLY and not may_lead(served):
            reason = LEADS_ONLY[what]
        elif action in EXPORTING and not path_allowed(self.study.root, self.study.exports_dir):
            reason = f"{self.study.exports_dir} leads outside the study folder: a served workbench writes only inside it"
        if reason is None:
            return False
        self.notify(reason, title=f"Served as {served}", severity="warning", timeout=8)
        return True

    def blind(self) -> bool:
        """Whether this session sees only its own coder's codings (a served coder, not a lead, in a blind study)."""
        return not may_see_others(self.db, self.served)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A dialog owns the keyboard: no view opens over it (nor from the command palette) until it closes."""
        if action == "show" and self.screen.is_modal:
            return False
        return True

    def action_show(self, name: str) -> None:
        """Open one of the study's other views (agreement, reconciliation, tables, network…)."""
        if not isinstance(self.screen, CodingScreen):
            self.pop_screen()
        self.push_screen(self.view(name))

    def view(self, name: str) -> Screen:
        """A view, handed what it needs; each is imported when first opened, so start-up pays only for the coding screen."""
        if name == "agreement":
            from coder.tui.screens.agreement import AgreementScreen

            return AgreementScreen(self.study, self.db)
        if name == "reconcile":
            from coder.tui.screens.reconcile import ReconcileScreen

            return ReconcileScreen(self.study, self.db)
        if name == "retrieval":
            from coder.tui.screens.retrieval import RetrievalScreen, opening_retrieval

            return RetrievalScreen(self.study, self.db, self.coder_name, opening_retrieval(self.screen, self.retrieval),
                                   blind=self.blind())
        if name == "tables":
            from coder.tui.screens.crosstab import CrossTabScreen

            tables = CrossTabScreen(self.study, self.db, self.coder_name)
            if self.blind():  # only the coder's own codings count, and `w` (whose) is refused
                tables.coders = self.coder_name
            return tables
        from coder.tui.screens.network import NetworkScreen

        network = NetworkScreen(self.study, self.db)
        if self.blind():
            network.coders = self.coder_name
        return network

    def on_passage_list_chosen(self, message: PassageList.Chosen) -> None:
        """A passage chosen in a view's list: close the views and put the coding screen's cursor on it."""
        try:
            document_id = find_document(self.db, message.document)
        except CoderError as error:
            self.notify(str(error), severity="error")
            return
        while not isinstance(self.screen, CodingScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
        if isinstance(self.screen, CodingScreen):
            self.screen.go_to(document_id, message.passage)

    def on_coding_screen_coder_switched(self, message: CodingScreen.CoderSwitched) -> None:
        self.coder_name = message.coder
        self.retrieval = None

    def on_retrieval_screen_listed(self, message: RetrievalScreen.Listed) -> None:
        self.retrieval = message.retrieval

    def on_exported(self, message: Exported) -> None:
        """A served lead's export is of use in the browser only: it is handed to it as a download (from inside the study)."""
        if self.served is not None and path_allowed(self.study.root, message.path):
            self.deliver_binary(message.path, save_filename=message.path.name)

    def look_for_changes(self) -> None:
        """Live together: what another session or command wrote is shown within a poll (the documents' progress, the
        agreement figures), each screen re-reading what it shows of it."""
        version = data_version(self.db)
        if version == self.seen_version:
            return
        self.seen_version = version
        if self.served is not None and self.blind():  # a lead made the study blind again meanwhile: it holds at once
            for screen in self.screen_stack:
                if isinstance(screen, CodingScreen) and screen.show_others:
                    screen.action_toggle_others()
        self.tell_screens(StudyChanged)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False, description="Bringing the study up to date")
    def bring_up_to_date(self) -> None:
        """Sync the codebook and import new transcripts in the background (its own connection)."""
        db = connect_study(self.study)
        try:
            report = refresh_study(self.study, db, progress=lambda done, total: self.tell_screens(ImportProgress, done, total))
        finally:
            db.close()
        self.tell_screens(StudyRefreshed, report)

    def tell_screens(self, message: type[Message], *args: object) -> None:
        """Every screen on the stack hears it (the coding screen under the retrieval view too), each its own copy."""
        for screen in list(self.screen_stack):
            screen.post_message(message(*args))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One path for every worker failure: a one-line error, never a traceback."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(str((error and storage_problem(error)) or error), title="Could not finish", severity="error", timeout=15)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key of the screen is also a command in the palette (ctrl+p), found by name."""
        yield from super().get_system_commands(screen)
        views = [] if screen.is_modal else self.BINDINGS  # over a dialog, only the dialog's own keys
        for binding in [*getattr(screen, "BINDINGS", []), *views]:
            label = f"{binding.group.description} {binding.description}" if binding.group else binding.description
            if binding.action.startswith("app."):
                continue
            target = self if binding in self.BINDINGS else screen
            yield SystemCommand(label.capitalize(), f"key: {binding.key}",
                                lambda action=binding.action, target=target: self.run_action(action, target))

    def on_unmount(self) -> None:
        if isinstance(self.suggest, SuggestionProcess):
            self.suggest.close()
        if self.learn is not None:
            self.learn.close()
        self.db.close()


def make_app(study_path: Path | str = ".", coder: str | None = None, *, served: ServedAs | None = None) -> CoderApp:
    """The one factory the CLI and the tests use; `served`: the coder a served session works as (`coder` unused)."""
    return CoderApp(locate_study(study_path), coder, served=served)
