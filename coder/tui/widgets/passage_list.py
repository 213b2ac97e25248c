"""The passages behind a number (a crosstab cell, an organisation's actor codings); Enter opens one.

The list shows what `crosstab.cell_passages` returns. Choosing a passage posts `PassageList.Chosen`,
which bubbles up to the app: it closes the views and puts the coding screen's cursor on that passage.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

PREVIEW = 160  # characters of each passage shown in the list


def passage_option(index: int, row: dict[str, Any]) -> Option:
    text = Text(no_wrap=False)
    text.append(f"{row['document']} ¶ {row['passage']}", style="bold")
    if row.get("speaker"):
        text.append(f" · {row['speaker']}", style="italic")
    body = " ".join(str(row.get("text") or "").split())
    text.append("\n" + (body[:PREVIEW] + "…" if len(body) > PREVIEW else body), style="")
    return Option(text, id=str(index))


class PassageList(OptionList):
    """Passages as (document, passage, speaker, text) rows."""

    class Chosen(Message):
        """Enter on a passage: open it in the coding screen."""

        def __init__(self, document: str, passage: int) -> None:
            super().__init__()
            self.document = document
            self.passage = passage

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.rows: list[dict[str, Any]] = []

    def set_passages(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.set_options([passage_option(i, row) for i, row in enumerate(rows)])
        self.highlighted = 0 if rows else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None  # every option is made with its row's index as id
        row = self.rows[int(event.option.id)]
        self.post_message(self.Chosen(row["document"], int(row["passage"])))
