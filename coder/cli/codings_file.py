"""Loading coding files on the command line: `coder import codings FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.base import Session, pass_session
from coder.cli.study import import_


@import_.command("codings")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_session
def codings_(session: Session, files: tuple[Path, ...]) -> None:
    """Load codings from CSV files (document,passage,code,coder,memo[,start,end]); each file once.

    Every row is checked first (documents, passages, codes); one bad row stops that file with
    its line number and nothing of it is written. A file loaded before (same content) is skipped.
    Files in transcripts/codings/ are loaded automatically when the study is opened.

    Example:

        coder import codings exports/ana-paper-coding.csv
    """
    from coder.codings_file import import_codings

    db = session.open()
    for path in files:
        report = import_codings(db, path)
        if report.skipped:
            click.echo(f"{path}: already loaded, nothing to do")
        else:
            click.echo(f"{path}: {report.rows} rows, {report.added} codings added ({', '.join(report.coders)})")
