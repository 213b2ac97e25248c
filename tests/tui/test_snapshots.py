"""The main screen's layout at 80×24, 120×40 and 200×60: documents with progress, the transcript with coded
passages, the codebook (folded away below 120 columns).

Snapshots catch layout regressions only; behaviour is tested with Pilot in test_coding_screen.py.
Update them (`pytest --snapshot-update`) only after looking at snapshot_report.html.
"""

from __future__ import annotations

import pytest

from coder import coding
from coder.study import connect_study
from coder.tui.screens.coding import CodingScreen
from tests.tui.conftest import app_for
from tests.tui.waiting import settle, until


def coded(piura) -> None:
    db = connect_study(piura)
    ana = coding.add_coder(db, "ana")
    for passage, code in [(2, "Accessing"), (2, "Phase 1 early exporting"), (2, "APEM"), (3, "Coordinating")]:
        coding.apply_code(db, 1, coding.find_code(db, code), ana, *coding.passage_span(db, 1, passage))
    db.close()


async def ready(pilot) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, CodingScreen) and pilot.app.screen.is_mounted, "the coding screen")
    await settle(pilot)  # the keyword suggestions shown
    await pilot.press("j")
    await pilot.pause()


def test_snapshots_main_screen(piura, snap_compare):
    """The picture must show: the document list with cong01's bar partly filled, passage 2 current with its
    Accessing, Phase 1 and APEM labels in the right gutter, passage 3 coded Coordinating, the codebook tree
    with shortcut keys and counts, the status line and one line of keys ending with `?`."""
    coded(piura)
    assert snap_compare(app_for(piura), terminal_size=(120, 40), run_before=ready)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_snapshots_main_screen_at(piura, snap_compare, size):
    """80×24: the transcript alone over the width, labels wrapped beside it, one line of keys ending with `?`.
    200×60: the three panes, the labels whole ("New knowledge inputs" may wrap)."""
    coded(piura)
    assert snap_compare(app_for(piura), terminal_size=size, run_before=ready)

