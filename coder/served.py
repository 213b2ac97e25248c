"""The workbench served to a browser (`coder serve`): who a session codes as, and what it may do.

The server starts each session's workbench with `CODER_SERVED_AS=<name>` and `CODER_SERVED_LEAD=1|0` in its
environment; the name comes from the login, never from the browser. A served coder codes as that coder only,
codes blind (another coder's codings are seen by a lead, or by everyone once the study allows it), and only
a lead reconciles, exports or renames, moves and merges codes. An export is written inside the study folder
only (symbolic links followed), and reaches the browser as a download.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coder.db import set_setting, setting, transaction
from coder.events import log_event

if TYPE_CHECKING:
    from coder.db import Database

SERVED_AS = "CODER_SERVED_AS"
SERVED_LEAD = "CODER_SERVED_LEAD"
OTHERS_VISIBLE = "others_visible"  # settings key: "1" when every served coder may see the others' codings


@dataclass(frozen=True)
class ServedAs:
    """The coder a served session works as, and whether that coder leads the study."""

    name: str
    lead: bool = False

    def __str__(self) -> str:
        return f"{self.name} (lead)" if self.lead else self.name


def served_as(environ: Mapping[str, str] | None = None) -> ServedAs | None:
    """The served coder the server named in the environment; None when the workbench is not served."""
    environ = os.environ if environ is None else environ
    name = environ.get(SERVED_AS, "").strip()
    if not name:
        return None
    return ServedAs(name, environ.get(SERVED_LEAD, "").strip().lower() in ("1", "yes", "true", "on"))


def others_visible(db: Database) -> bool:
    """Whether the study lets every served coder see the other coders' codings (else only leads do)."""
    return setting(db, OTHERS_VISIBLE) == "1"


def set_others_visible(db: Database, on: bool) -> None:
    """Let served coders see each other's codings (`on`), or keep them coding blind; logged, one transaction."""
    with transaction(db):
        set_setting(db, OTHERS_VISIBLE, "1" if on else "0")
        log_event(db, "others_visible", coder_id=None,
                  summary="served coders see each other's codings" if on else "served coders code blind")


# The policy: each answers for a session (None: the workbench is not served, and may do everything).

def may_switch_coder(served: ServedAs | None) -> bool:
    """A served session codes as its login's coder: it never becomes another one, nor adds one."""
    return served is None


def may_see_others(db: Database, served: ServedAs | None) -> bool:
    """Another coder's codings: a lead sees them; other coders only when the study allows it."""
    return served is None or served.lead or others_visible(db)


def may_lead(served: ServedAs | None) -> bool:
    """What changes or takes out everyone's work — reconciling into the consensus, exporting, renaming, moving and
    merging codes, choosing whose coding the suggestions learn from — is the lead's."""
    return served is None or served.lead


def path_allowed(study_root: Path, path: Path) -> bool:
    """Whether a path (symbolic links followed) is inside the study folder."""
    return Path(path).resolve().is_relative_to(Path(study_root).resolve())


def data_version(db: Database) -> int:
    """A number that changes whenever another connection (another session, a command) commits to the study; cheap."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])


def own_writes(db: Database) -> int:
    """How many rows this connection has written so far: a read made meanwhile on another connection may be older."""
    return db.conn.total_changes
