"""The picker of whose codings a view counts (`w` in the cross-tab and network views), as `--coder` on the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coder.coding import consensus_coder
from coder.documents import coders
from coder.tui.dialogs.quick_pick import QuickPick

if TYPE_CHECKING:
    from coder.db import Database

ALL = "all"  # every coder but the consensus coder: the default of every analysis


def whose_picker(db: Database, current: str | None) -> QuickPick:
    """Choose `ALL` or one coder's name (the consensus coder's among them); Esc keeps the choice as it is."""
    names = coders(db)
    consensus = consensus_coder(db)
    everybody = ", ".join(n for n in names if n != consensus) if consensus in names else ", ".join(names)
    items = [(ALL, f"all coders ({everybody or 'nobody yet'})", None), *((name, name, None) for name in names)]
    return QuickPick(f"Whose codings count (now: {current or 'all coders'})", items)
