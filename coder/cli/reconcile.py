"""Reconciliation on the command line: the queue as a sheet to decide around a table, then settled from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from coder.cli.agreement import ManyValuesCommand
from coder.cli.base import Session, format_option, main, names_given, pass_session, render

if TYPE_CHECKING:
    from coder.db import Database
    from coder.reconcile import Queue


def scope_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The queue's coders, documents and groups, as on the reconcile screen (default: the queue it would open)."""
    for option in reversed([
        click.option("--coders", multiple=True, metavar="NAME…", help="Coders to reconcile (default: all but the consensus coder)."),
        click.option("--docs", multiple=True, metavar="DOC…", help="Documents (default: those every chosen coder has coded in)."),
        click.option("--group", "groups", multiple=True, metavar="GROUP", help="A code group to compare; repeat for more (default: all)."),
    ]):
        command = option(command)
    return command


def _queue(session: Session, coders: tuple[str, ...], docs: tuple[str, ...], groups: tuple[str, ...]) -> tuple[Database, Queue]:
    from coder import reconcile

    db = session.open()
    return db, reconcile.build_queue(db, coders=names_given(coders), documents=names_given(docs), groups=list(groups) or None)


@main.group()
def reconcile() -> None:
    """Settle the coders' disagreements into a consensus coding from the command line: list, agreed, settle.

    The same decisions as the reconcile screen (F3 in the workbench), for a team that decides around a
    table: list the queue as a sheet, fill in its decision, codes and memo columns, and settle from it.

    Example:

        coder reconcile list --format csv > exports/queue.csv
    """


@reconcile.command("list", cls=ManyValuesCommand)
@scope_options
@click.option("--unsettled", is_flag=True, help="Only the passages no decision has settled yet.")
@format_option
@pass_session
def list_queue(session: Session, coders: tuple[str, ...], docs: tuple[str, ...], groups: tuple[str, ...], unsettled: bool,
               fmt: str) -> None:
    """Every passage where the coders' codes differ: each coder's codes, the disputed ones, what was settled, the text.

    As CSV it is a sheet to fill in: decision (keep NAME, union, intersection, drop or recode), codes (for
    recode, code paths separated by ;) and memo (the rationale), then `coder reconcile settle FILE`.

    Example:

        coder reconcile list --group function --format csv > exports/function-queue.csv
    """
    from coder.reconcile_sheet import queue_sheet, sheet_columns

    db, queue = _queue(session, coders, docs, groups)
    rows = queue_sheet(db, queue, unsettled=unsettled)
    columns = sheet_columns(queue)
    if fmt not in ("csv", "json"):  # on screen: who coded what, without the columns to fill and the long text
        columns = [c for c in columns if c not in ("decision", "codes", "memo", "text")]
    click.echo(render(rows, fmt, columns))
    if fmt == "table":
        click.echo(f"{len(rows)} passages to reconcile between {', '.join(queue.coders)} in {len(queue.documents)} documents"
                   f" ({', '.join(queue.groups)})", err=True)


@reconcile.command(cls=ManyValuesCommand)
@scope_options
@pass_session
def agreed(session: Session, coders: tuple[str, ...], docs: tuple[str, ...], groups: tuple[str, ...]) -> None:
    """Give the consensus coder the codes every coder agrees on, in every passage (one undoable event).

    Example:

        coder reconcile agreed --coders ana ben
    """
    from coder.reconcile import copy_agreed

    db, queue = _queue(session, coders, docs, groups)
    written = copy_agreed(db, queue)
    click.echo(f"{queue.consensus}: {written} codings the coders agree on ({', '.join(queue.coders)}; {len(queue.documents)} documents)")


@reconcile.command(cls=ManyValuesCommand)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@scope_options
@pass_session
def settle(session: Session, file: Path, coders: tuple[str, ...], docs: tuple[str, ...], groups: tuple[str, ...]) -> None:
    """Settle every row of FILE that has a decision, as the reconcile screen would (all of them, or none).

    FILE is a sheet written by `coder reconcile list --format csv` for the same coders, documents and groups.

    Example:

        coder reconcile settle exports/function-queue.csv --group function
    """
    from coder.reconcile_sheet import settle_sheet

    db, queue = _queue(session, coders, docs, groups)
    decisions = settle_sheet(db, queue, file)
    memos = sum(1 for d in decisions if d.memo)
    click.echo(f"settled {len(decisions)} passages as {queue.consensus} ({memos} with a rationale memo); each is undoable")
