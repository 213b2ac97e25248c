"""Bringing coders' copies together on the command line: `coder merge` and `coder export-coder`."""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.base import Session, main, pass_session


@main.command()
@click.argument("other", type=click.Path(exists=True, path_type=Path))
@click.option("--show-conflicts/--no-show-conflicts", default=True, show_default=True, help="List every conflict (kept ours).")
@pass_session
def merge(session: Session, other: Path, show_conflicts: bool) -> None:
    """Bring another copy's coders, codings, memos and events into this study.

    OTHER is another copy's study folder, or a .db file written by coder export-coder. Rows are
    matched by their stable ids, documents by content (sha256) and name, codes by group/name.
    Nothing here is overwritten: rows already here are skipped, rows that differ are reported as
    conflicts (ours kept). If a document differs between the copies or a code is missing here,
    nothing is merged. Merging the same copy twice changes nothing. A backup goes to .backups/ first.

    Example:

        coder merge ~/Dropbox/piura-ben
    """
    from coder.merge import merge_copy
    from coder.study import backup_before

    db = session.open()
    report = merge_copy(db, other, backup=lambda: backup_before(session.study, db, "merge"))
    click.echo(report.describe())
    for note in report.notes:
        click.echo(f"note: {note}")
    if show_conflicts:
        for conflict in report.conflicts:
            click.echo(f"conflict: {conflict}")
    if report.backup:
        click.echo(f"backup: {report.backup}", err=True)


@main.command("export-coder")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_session
def export_coder_(session: Session, name: str, file: Path) -> None:
    """Write one coder's codings, memos and events (with the documents and codes they use) to FILE.

    FILE is a small study database; the receiver runs coder merge FILE in their copy.

    Example:

        coder export-coder ben exports/ben-2008-07.db
    """
    from coder.merge import export_coder

    report = export_coder(session.open(), name, file)
    click.echo(f"wrote {report.path}: {report.codings} codings, {report.memos} memos, {report.events} events of {name} "
               f"({report.documents} documents, {report.codes} codes)")
