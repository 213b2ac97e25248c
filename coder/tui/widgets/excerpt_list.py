"""The retrieval view's list of excerpts, and the text of the one under the cursor with its context.

Each row is one line: where the excerpt is (document, passage), who coded it and with what, then the
start of its text; Enter posts `PassageList.Chosen`, which the app turns into the coding screen's cursor
on that passage, as for the passages behind a cross-tab cell.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from coder.exports.excerpts import Excerpt
from coder.tui.widgets.passage_list import PassageList

PREVIEW = 150  # characters of each excerpt in its row
CONTEXT = 300  # characters of the passage before and after shown around the excerpt


def shortened(text: str, limit: int, *, tail: bool = False) -> str:
    """The text on one line, cut to `limit` characters (its end kept when `tail`)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if tail else text[:limit] + "…"


def excerpt_row(excerpt: Excerpt, *, code: bool) -> Text:
    """`int01 ¶ 4 · ana · Coordinating · memo  The start of the excerpt…` on one line (more of the list fits)."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(f"{excerpt.document} ¶ {excerpt.passage}", style="bold")
    text.append(f" · {excerpt.coder}", style="italic")
    if code or excerpt.sub_codes:
        text.append(f" · {', '.join(excerpt.sub_codes) or excerpt.code}")
    if excerpt.memo:
        text.append(" · memo", style="bold")
    text.append("  " + shortened(excerpt.text, PREVIEW))
    return text


def excerpt_detail(excerpt: Excerpt) -> Text:
    """The excerpt in full between the ends of the passages around it, with its citation, codes and memo."""
    text = Text()
    text.append(excerpt.citation, style="bold")
    if excerpt.title and excerpt.title != excerpt.document:
        text.append(f" — {excerpt.title}", style="italic")
    text.append(f"\n{excerpt.code_path}" + (f" › {', '.join(excerpt.sub_codes)}" if excerpt.sub_codes else "")
                + f" · coded by {excerpt.coder}")
    if excerpt.also_coded:
        text.append(" · also: " + ", ".join(excerpt.also_named(lambda p: p.split("/", 1)[-1])))
    text.append("\n\n")
    if excerpt.before:
        text.append(shortened(excerpt.before, CONTEXT, tail=True) + "\n\n", style="dim")
    text.append(excerpt.text.strip(), style="bold")
    if excerpt.after:
        text.append("\n\n" + shortened(excerpt.after, CONTEXT), style="dim")
    if excerpt.memo:
        text.append("\n\nMemo: ", style="bold")
        text.append(excerpt.memo)
    return text


class ExcerptList(OptionList):
    """Excerpts, one option each (its id: the excerpt's index); j and k move as on the coding screen."""

    BINDINGS = [Binding("j", "cursor_down", show=False), Binding("k", "cursor_up", show=False)]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.excerpts: list[Excerpt] = []

    def set_excerpts(self, excerpts: list[Excerpt], at: int = 0) -> None:
        """Show these excerpts, the cursor on the `at`-th (or the last)."""
        self.excerpts = excerpts
        code = len({e.code_path for e in excerpts}) > 1
        self.set_options([Option(excerpt_row(e, code=code), id=str(i)) for i, e in enumerate(excerpts)])
        self.highlighted = min(at, len(excerpts) - 1) if excerpts else None

    @property
    def current(self) -> Excerpt | None:
        return self.excerpts[self.highlighted] if self.highlighted is not None and self.excerpts else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None  # every option is made with its excerpt's index as id
        excerpt = self.excerpts[int(event.option.id)]
        self.post_message(PassageList.Chosen(excerpt.document, excerpt.first_passage))
