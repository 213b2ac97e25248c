"""The retrieval view's filter (`f`): which codes, combined with which, whose, in which documents and phases.

The same filters as `coder export excerpts` (codes and their sub-codes, code group, coders,
documents by name, pattern or attribute, phases, and the combinations: also coded / not coded in
the same passage). The dialog runs the retrieval before it closes, so a typo (an unknown code,
a document nothing matches) is shown here, beside what was typed, not after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label, Static

from coder.codebook import codebook_tree
from coder.documents import coders, list_documents
from coder.errors import CoderError
from coder.exports.excerpts import ExcerptSet
from coder.retrieval import Retrieval, retrieve
from coder.tui.dialogs.export import split_codes

if TYPE_CHECKING:
    from coder.db import Database

# field → (label, placeholder), in the order the dialog shows them; each holds names separated by ;
FIELDS = {
    "codes": ("codes", "separated by ; (empty: every code)"),
    "group": ("or a code group", "every code of the group"),
    "also": ("AND, same passage", "codes also coded there by the same coder"),
    "without": ("NOT, same passage", "codes not coded there by the same coder"),
    "coders": ("coded by", "empty: every coder but the consensus"),
    "documents": ("documents", "names, int0*, or an attribute: kind=interview"),
    "phases": ("phases", "only in these phases"),
}


def shown(retrieval: Retrieval, name: str) -> str:
    value = getattr(retrieval, name)
    return value or "" if name == "group" else "; ".join(value)


class RetrievalFilter(ModalScreen[tuple[Retrieval, ExcerptSet] | None]):
    """Returns the new retrieval with its excerpts (ctrl+s, or Enter in the last field); Esc keeps the old one."""

    BINDINGS = [Binding("ctrl+s", "apply", "Apply"), Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, db: Database, retrieval: Retrieval) -> None:
        super().__init__()
        self.db = db
        self.retrieval = retrieval

    def compose(self) -> ComposeResult:
        rows = codebook_tree(self.db)
        codes = [*(f"{r['group']}/{r['code']}" for r in rows), *(r["code"] for r in rows)]
        documents = list_documents(self.db)
        attributes = sorted({f"{k}={v}" for d in documents for k, v in d.attributes.items() if isinstance(v, str | int)
                             and len(str(v)) < 40})
        suggestions = {"codes": codes, "also": codes, "without": codes, "phases": codes,
                       "group": list(dict.fromkeys(r["group"] for r in rows)), "coders": coders(self.db),
                       "documents": [*(d.name for d in documents), *attributes]}
        with Vertical(classes="dialog", id="retrieval-filter"):
            yield Label("Filter — Enter: next field (last: apply) · ctrl+s: apply · Esc: cancel", classes="dialog-title")
            for name, (label, placeholder) in FIELDS.items():
                with Horizontal(classes="filter-row"):
                    yield Label(label)
                    yield Input(shown(self.retrieval, name), placeholder=placeholder, id=f"filter-{name}",
                                suggester=SuggestFromList(suggestions[name], case_sensitive=False))
            with Horizontal(id="filter-options"):
                yield Checkbox("with their sub-codes", self.retrieval.sub_codes == "with", id="filter-sub-codes")
                yield Checkbox("exports carry the passages before and after", self.retrieval.context, id="filter-context")
            yield Static("", id="filter-error")

    def chosen(self) -> Retrieval:
        values = {name: split_codes(self.query_one(f"#filter-{name}", Input).value) for name in FIELDS}
        return Retrieval(codes=tuple(values["codes"]), group=values["group"][0] if values["group"] else None,
                         also=tuple(values["also"]), without=tuple(values["without"]), coders=tuple(values["coders"]),
                         documents=tuple(values["documents"]), phases=tuple(values["phases"]),
                         context=self.query_one("#filter-context", Checkbox).value,
                         sub_codes="with" if self.query_one("#filter-sub-codes", Checkbox).value else "without")

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        if event.input.id == f"filter-{list(FIELDS)[-1]}":
            self.action_apply()
        else:
            self.focus_next()

    def action_apply(self) -> None:
        retrieval = self.chosen()
        try:
            found = retrieve(self.db, retrieval)
        except CoderError as error:
            self.query_one("#filter-error", Static).update(Text(str(error), style="bold red"))
            return
        self.dismiss((retrieval, found))
