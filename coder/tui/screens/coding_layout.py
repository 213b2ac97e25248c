"""The coding screen at any terminal size: below 120 columns the documents and the codebook fold away.

The transcript then takes the width; ctrl+d and ctrl+b (or a click on those keys in the key
bar) bring each pane back as an overlay over the transcript, and Esc, the key again or moving
the focus elsewhere puts it away. On a wide terminal the same keys move the focus to the pane.
The codebook is as wide as its longest label needs, up to 35 % of what the documents leave.
A mixin of `CodingScreen`, which keeps its size classes (Textual's breakpoints) on the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.events import DescendantFocus, Resize
from textual.widget import Widget

from coder.tui.widgets.codebook_pane import NARROWEST, CodebookPane
from coder.tui.widgets.transcript import TranscriptView

if TYPE_CHECKING:
    from textual.screen import Screen as _Screen
else:
    _Screen = object  # at run time the mixin's screen comes from CodingScreen's other base

NARROW_BELOW = 120  # columns
DOCUMENTS = 27  # the documents pane's width (app.tcss)
PANES = {"documents": "-show-documents", "codebook": "-show-codebook"}  # pane id → the screen class that shows it folded

PANE_KEYS = [
    Binding("ctrl+d", "pane('documents')", "documents"),
    Binding("ctrl+b", "pane('codebook')", "codebook"),
]


class PaneLayout(_Screen):
    """Folds the side panes on a narrow terminal and brings them back as overlays."""

    # Narrow: panes folded. Wide: three panes.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]

    @property
    def narrow(self) -> bool:
        return self.has_class("-narrow")

    def action_pane(self, name: str) -> None:
        """Show a folded pane over the transcript (or put it away); on a wide screen, go to it (or back)."""
        pane = self.query_one(f"#{name}", Widget)
        if self.narrow and not self.has_class(PANES[name]):
            self.fold_panes()
            self.add_class(PANES[name])
            pane.focus()
        elif pane.has_focus:
            self.fold_panes()
            self.query_one(TranscriptView).focus()
        elif self.narrow:
            self.fold_panes()
        else:
            pane.focus()

    def action_close_pane(self) -> None:
        """Esc in a pane: back to the transcript (an overlay goes away)."""
        self.fold_panes()
        self.query_one(TranscriptView).focus()

    def on_resize(self, event: Resize) -> None:
        """The codebook takes what its labels need: up to 35 % of the width beside the documents, or most of it folded."""
        codebook = self.query_one(CodebookPane)
        width = event.size.width
        codebook.widest = int(width * 0.9) if width < NARROW_BELOW else max(NARROWEST, int((width - DOCUMENTS) * 0.35))
        codebook.fit()

    def fold_panes(self) -> None:
        self.remove_class(*PANES.values())

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """An overlay stays only while the focus is in it."""
        for name, shown in PANES.items():
            if self.has_class(shown) and not self.query_one(f"#{name}", Widget).has_focus:
                self.remove_class(shown)
