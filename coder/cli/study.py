"""Commands about the study as a whole: init, import, status, codebook."""

from __future__ import annotations

from pathlib import Path

import click
from click_default_group import DefaultGroup

from coder.cli.base import Session, format_option, import_progress, main, pass_session, render
from coder.codebook import codebook_tree
from coder.corpus import document_files, import_documents
from coder.reanchor import report_lines
from coder.status import study_status
from coder.study import backup_if_coded, copy_into_study, init_study


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a new, empty study in DIRECTORY (codebook/, transcripts/, exports/, study.db).

    Example:

        coder init ~/studies/my-study
    """
    study = init_study(directory)
    click.echo(f"Created a study in {study.root}: add transcripts to transcripts/ and codes to codebook/codebook.yaml")


@main.group(name="import", cls=DefaultGroup, default="files", default_if_no_args=True)
def import_() -> None:
    """Import transcripts (the default) or a REFI-QDA project (coder import qdpx FILE)."""


@import_.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--update", is_flag=True, help="Re-import files whose content changed since they were imported.")
@pass_session
def files(session: Session, paths: tuple[Path, ...], update: bool) -> None:
    """Import transcripts (.md, .txt, .docx, .vtt, .srt); with no PATHS, everything in transcripts/.

    Files from outside the study are copied into transcripts/ first. Unchanged files are skipped.
    With --update, a changed file is re-imported and its codings re-anchored to the new text
    (docs/trust.md); every coding that could not be placed exactly is listed for review.
    `coder import PATH…` is short for `coder import files PATH…`.

    Example:

        coder import transcripts/int21-new-grower.md
    """
    db = session.open(refresh=False)
    study = session.study
    files: list[Path] = []
    copied: list[Path] = []
    try:
        for path in paths or (study.transcripts_dir,):
            if path.is_dir():
                files.extend(document_files(path))
                continue
            existed = (study.transcripts_dir / path.name).exists()
            files.append(copy_into_study(study, path))
            if not existed and files[-1] != path.resolve():
                copied.append(files[-1])
        with import_progress("Importing") as progress:
            report = import_documents(db, files, study.load_codebook(), root=study.root, update=update, progress=progress,
                                      before_writing=lambda: backup_if_coded(study, db, "import"))
    except BaseException:
        for path in copied:  # a refused file must not stay in transcripts/, where every later command would trip on it
            path.unlink(missing_ok=True)
        raise
    click.echo(f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
               f" ({report.words:,} words, {report.passages:,} passages, {report.mentions:,} organisation mentions)")
    for line in report_lines(report.updated, report.placements):
        click.echo(line)
    if report.changed:
        click.echo(f"Changed since import, left as they were: {', '.join(report.changed)} — re-import them with --update")


@main.command()
@format_option
@pass_session
def status(session: Session, fmt: str) -> None:
    """Documents, words, passages, codes, and each coder's codings and share of passages coded.

    Example:

        coder status --format json
    """
    print_status(session, fmt)


def print_status(session: Session, fmt: str = "table") -> None:
    db = session.open()
    summary = study_status(db)
    if fmt != "table":
        click.echo(render(summary.rows(), fmt))
        return
    click.echo(summary.describe(session.study.root.name))


@main.command()
@format_option
@pass_session
def codebook(session: Session, fmt: str) -> None:
    """Print the codebook as a tree, with shortcut keys and the number of codings of each code.

    Example:

        coder codebook
    """
    db = session.open()
    rows = codebook_tree(db)
    if fmt != "table":
        click.echo(render(rows, fmt, ["group", "code", "parent", "key", "colour", "codings", "active"]))
        return
    group = None
    for row in rows:
        if row["group"] != group:
            group = row["group"]
            click.echo(f"{group}{'  (exclusive: one per passage)' if row['exclusive'] else ''}")
        key = f"[{row['key']}] " if row["key"] else "    "
        retired = "  (retired: no longer in the YAML)" if not row["active"] else ""
        click.echo(f"  {'  ' * row['depth']}{key}{row['code']}  ·{row['codings']}{retired}")
