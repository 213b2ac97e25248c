"""Commands that keep a study trustworthy: doctor, backup, log."""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.base import Session, format_option, main, new_coder_option, pass_session, render


@main.command()
@click.option("--accept", "accept", multiple=True, metavar="ID|ID:N|all",
              help="Accept a coding or memo left for review where it now is (its id from the list; 'all' for every one),"
                   " or put it at the N-th place the list gives for its quote (ID:N).")
@click.option("--quick", is_flag=True, help="Skip SQLite's page-by-page integrity check (slow on very large studies).")
@click.option("--coder", "coder_name", metavar="NAME", help="Who accepts (with --accept; default as for coder code).")
@new_coder_option
@format_option
@pass_session
def doctor(session: Session, accept: tuple[str, ...], quick: bool, coder_name: str | None, new_coder: bool, fmt: str) -> None:
    """Check the study and list everything that needs attention; exits 1 if anything does.

    Checks the database's integrity, codings and memos left for review after a transcript was
    edited, codings outside their text or whose quote no longer matches it, the events log
    against the codings, retired codes still in use, and transcripts changed on disk.

    Example:

    \b
        coder doctor
        coder doctor --accept 5b0c1a3e-…     # keep a re-anchored coding where it now is
        coder doctor --accept 5b0c1a3e-…:2   # or put it at place [2] of those listed for it
    """
    from coder.doctor import accept_placements, codings_checked, examine

    db = session.open(refresh=False)  # look, never change: an edited transcript is reported, not re-imported
    if accept:
        uuids = None if "all" in accept else list(accept)
        count = accept_placements(db, uuids, coder_name, new=new_coder)
        click.echo(f"accepted {count} re-anchored coding(s) and memo(s)")
    findings = examine(session.study, db, quick=quick)
    attention = [f for f in findings if f.severity == "attention"]
    if fmt != "table":
        click.echo(render([f.row() for f in findings], fmt, ["severity", "check", "where", "problem", "fix"]))
    else:
        for finding in findings:
            click.echo(("" if finding.severity == "attention" else "note: ") + finding.line())
        codings = codings_checked(db)
        if attention:
            click.echo(f"{len(attention)} problem{'s' * (len(attention) != 1)} need attention ({codings:,} codings checked)")
        else:
            click.echo(f"All good: {codings:,} codings checked{', integrity ok' if not quick else ''}, nothing needs attention")
    if attention:
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@pass_session
def backup(session: Session, file: Path | None, force: bool) -> None:
    """Copy the study database to FILE with SQLite's backup API, safely, even while others are coding.

    FILE defaults to .backups/study-<time>-manual.db (manual backups are never pruned; the
    automatic ones made before migrations, merges and imports are, keeping the last 10).
    The copy is checked with SQLite's integrity check.

    Example:

        coder backup ~/Dropbox/piura-2026-05-01.db
    """
    from coder.study import backup_study

    db = session.open(refresh=False)
    made = backup_study(session.study, db, file, force=force)
    click.echo(f"backed up to {made} ({made.stat().st_size / 1e6:,.1f} MB)")


@main.command(name="log")
@click.option("--coder", "coder_name", metavar="NAME", help="Only this coder's events.")
@click.option("--since", metavar="DATE", help="From this date (YYYY-MM-DD, or an ISO time).")
@click.option("--until", metavar="DATE", help="Up to and including this date (YYYY-MM-DD, or an ISO time).")
@click.option("--action", metavar="ACTION", help="Only events of this action (code, uncode, memo, undo, login, refused, …).")
@click.option("--last", type=int, metavar="N", help="Only the most recent N events.")
@format_option
@pass_session
def log(session: Session, coder_name: str | None, since: str | None, until: str | None, action: str | None,
        last: int | None, fmt: str) -> None:
    """The study's history from the events log: who changed what and when, oldest first.

    Example:

        coder log --coder ana --since 2026-05-01 --action code
    """
    from coder.history import events_log

    db = session.open(refresh=False)
    rows = events_log(db, coder=coder_name, since=since, until=until, action=action, last=last)
    columns = ["id", "at", "coder", "action", "summary", "rows", "undone"]
    click.echo(render(rows, fmt, columns if fmt == "table" else [*columns, "reverts", "uuid"]))
