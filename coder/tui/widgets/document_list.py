"""The list of documents, each with the current coder's progress through it, and whether it is theirs to code.

Between a document's name and its bar: • assigned to the coder, ✓ marked done by them (`coder assign`, `a` here,
`D` in the transcript).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from coder.documents import DocumentInfo

BAR = 6
MARKS = {"assigned": ("•", "yellow"), "done": ("✓", "green")}
NAME = 9  # the cells a document's name gets at the least; a wider list (the overlay on a narrow terminal) gives more


def short_name(name: str, width: int) -> str:
    """The name in `width` cells: whole if it fits, else its start and end around an ellipsis (int-2024-…-maria)."""
    if len(name) <= width:
        return name
    keep = width - 1
    return name[: (keep + 1) // 2] + "…" + name[len(name) - keep // 2:] if keep > 1 else name[:width]


def progress_bar(coded: int, total: int) -> Text:
    share = coded / total if total else 0.0
    filled = round(share * BAR)
    text = Text()
    text.append("█" * filled, style="green")
    text.append("░" * (BAR - filled), style="grey42")
    text.append(f" {round(100 * share):>3}%", style="grey62")
    return text


class DocumentList(OptionList):
    """Documents by name; Enter opens one. The bar shows how much of it the current coder has coded; `a` takes the
    highlighted document on (assigns it to the coder) or gives it back."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("escape", "screen.close_pane", "back to the transcript", show=False),
        Binding("a", "screen.take_document", "take / give back"),
    ]

    name_width = NAME

    def on_resize(self) -> None:
        """The names take the list's width (less the bar); the options are made again only if that changed."""
        width = max(NAME, self.scrollable_content_region.width - BAR - 8)
        if width == self.name_width:
            return
        self.name_width = width
        if hasattr(self, "documents"):  # shown already: shown again with the new width
            highlighted = self.highlighted
            self.set_documents(list(self.documents.values()), self.coded, self.marks)
            self.highlighted = highlighted

    def set_documents(self, documents: list[DocumentInfo], coded: dict[int, int], marks: dict[int, str] | None = None) -> None:
        """Args: marks: per document of the coder's, 'assigned' or 'done'."""
        self.documents = {d.id: d for d in documents}
        self.coded = {d.id: coded.get(d.id, 0) for d in documents}
        self.marks = dict(marks or {})
        self.set_options([Option(self._prompt(d, self.coded[d.id], self.name_width, self.marks.get(d.id)), id=str(d.id))
                          for d in documents])

    def update_progress(self, document_id: int, coded: int) -> None:
        if self.coded.get(document_id) != coded:  # redrawing the list costs more than a key press may take
            self.coded[document_id] = coded
            self.redraw(document_id)

    def update_mark(self, document_id: int, mark: str | None) -> None:
        """The document is now assigned to the coder, done by them, or neither (None)."""
        self.marks.pop(document_id, None)
        if mark:
            self.marks[document_id] = mark
        self.redraw(document_id)

    def redraw(self, document_id: int) -> None:
        prompt = self._prompt(self.documents[document_id], self.coded[document_id], self.name_width, self.marks.get(document_id))
        self.replace_option_prompt(str(document_id), prompt)

    def highlighted_document(self) -> int | None:
        """The id of the highlighted document, if any."""
        if self.highlighted is None:
            return None
        option_id = self.get_option_at_index(self.highlighted).id
        return int(option_id) if option_id else None

    def show_current(self, document_id: int) -> None:
        self.highlighted = self.get_option_index(str(document_id))

    @staticmethod
    def _prompt(document: DocumentInfo, coded: int, width: int, mark: str | None = None) -> Text:
        text = Text(f"{short_name(document.name, width):<{width}}", no_wrap=True, overflow="ellipsis")
        symbol, style = MARKS.get(mark or "", (" ", ""))
        text.append(symbol, style=style)
        return text + progress_bar(coded, document.passages)
