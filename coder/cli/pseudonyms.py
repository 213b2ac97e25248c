"""The --pseudonymise options the exports that leave the team share (excerpts, memos, qdpx, matrix)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from coder.cli.base import Session

if TYPE_CHECKING:  # pragma: no cover - typing only
    from coder.db import Database
    from coder.pseudonyms import Pseudonyms


def pseudonymise_options(command: Callable) -> Callable:
    """--pseudonymise and --pseudonymise-organisations, shared by the exports that leave the team."""
    command = click.option("--pseudonymise-organisations", "organisations", is_flag=True,
                           help="Also replace the codebook's organisations (names, full names, aliases); implies --pseudonymise.")(command)
    return click.option("--pseudonymise", is_flag=True,
                        help="Replace people's names (speakers, front matter, names.yaml) with stable pseudonyms;"
                             " the key is kept in pseudonym-key.yaml beside study.db.")(command)


def chosen_pseudonyms(session: Session, db: Database, pseudonymise: bool, organisations: bool) -> Pseudonyms | None:
    """The study's pseudonyms when asked for (their key written or extended), else None."""
    if not (pseudonymise or organisations):
        return None
    from coder.pseudonyms import load_pseudonyms

    found = load_pseudonyms(db, session.study.root, organisations=organisations)
    click.echo(f"pseudonymised: {len(found.hidden)} name{'s' * (len(found.hidden) != 1)} hidden; key in {found.key_path}", err=True)
    return found
