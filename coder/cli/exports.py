"""Exports for writing (excerpts, memos, codebook) and REFI-QDA interchange (`export qdpx`, `import qdpx`)."""

from __future__ import annotations

from pathlib import Path

import click

from coder.cli.base import Session, import_progress, main, pass_session
from coder.cli.pseudonyms import chosen_pseudonyms, pseudonymise_options
from coder.cli.study import import_
from coder.errors import CoderError
from coder.study import Study, study_title

output_option = click.option("--output", "-o", type=click.Path(path_type=Path), metavar="PATH",
                             help="File to write, or a folder for the default name (default: exports/).")
keep_both_option = click.option("--keep-both", is_flag=True,
                                help="Keep an earlier file of the same name (write -2, -3…); by default it is replaced.")


def _outside_study_files(study: Study, output: Path | None) -> Path | None:
    """`output`, refused when it would land among the study's own files (its database, transcripts or codebook)."""
    if output is None:
        return None
    target = output.expanduser().resolve()
    for own in (study.transcripts_dir, study.codebook_dir):
        if target == own.resolve() or own.resolve() in target.parents:
            raise CoderError(f"{output} is in the study's {own.name}/ folder", fix="write exports elsewhere, e.g. into exports/")
    if target.name.startswith(study.db_path.name) and target.parent == study.root.resolve():
        raise CoderError(f"{output} is the study's database", fix="write exports elsewhere, e.g. into exports/")
    return output


@main.group()
def export() -> None:
    """Write excerpts, memos or the codebook for the write-up, or the whole study as REFI-QDA."""


def _passage(text: str) -> tuple[str, int]:
    document, _, number = text.rpartition(":")
    if not document or not number.isdigit():
        raise CoderError(f"'{text}' is not DOCUMENT:PASSAGE", fix="write it like int03:12")
    return document, int(number)


@export.command()
@click.option("--code", "codes", multiple=True, metavar="CODE", help="A code (name or group/name); repeat for more.")
@click.option("--group", metavar="GROUP", help="Every code of this code group.")
@click.option("--coder", "coders", multiple=True, metavar="NAME",
              help="Only this coder's codings; repeat for more (default: every coder but the consensus coder).")
@click.option("--mine", is_flag=True, help="Only your codings (the coder you code as).")
@click.option("--consensus", is_flag=True, help="Only the consensus coder's codings (what reconciling decided).")
@click.option("--doc", "documents", multiple=True, metavar="DOCUMENT",
              help="Only this document, a pattern (int0*) or an attribute (kind=interview); repeat for more.")
@click.option("--with", "also", multiple=True, metavar="CODE",
              help="Only excerpts whose passage the same coder also coded with CODE; repeat: with each of them.")
@click.option("--without", "without", multiple=True, metavar="CODE",
              help="Only excerpts whose passage the same coder did not code with CODE; repeatable.")
@click.option("--phase", "phases", multiple=True, metavar="PHASE",
              help="Only excerpts whose passage is coded with this phase (a code of the 'phase' group); repeatable.")
@click.option("--passage", "passages", multiple=True, metavar="DOC:N",
              help="Only excerpts in this passage, e.g. int03:12 (a crosstab cell's passages); repeatable.")
@click.option("--context", is_flag=True, help="Add the passage before and after each excerpt.")
@click.option("--sub-codes", "sub_codes", type=click.Choice(["with", "apart", "without"]), default="with", show_default=True,
              help="A code's sub-codes: with it (under its heading), apart (each under its own) or left out.")
@click.option("--each-coding", is_flag=True,
              help="One excerpt per coding (default: one per passage and code, naming every coder who coded it).")
@click.option("--format", "fmt", type=click.Choice(["md", "docx", "xlsx", "csv", "jsonl"]), default="md", show_default=True,
              help="Markdown, Word, Excel, CSV or JSON lines.")
@output_option
@keep_both_option
@pseudonymise_options
@pass_session
def excerpts(session: Session, codes: tuple[str, ...], group: str | None, coders: tuple[str, ...], mine: bool, consensus: bool,
             documents: tuple[str, ...], also: tuple[str, ...], without: tuple[str, ...], phases: tuple[str, ...],
             passages: tuple[str, ...], context: bool, sub_codes: str, each_coding: bool, fmt: str, output: Path | None,
             keep_both: bool, pseudonymise: bool, organisations: bool) -> None:
    """Coded excerpts grouped by code then document, each with its citation, coders, co-applied codes and memo.

    With no --code and no --group, every code's excerpts are written. A passage several coders
    coded appears once, naming them; a code's excerpts include its sub-codes'. The file lands in
    exports/ with a name that says what it holds, replacing an earlier export of that name.

    Example:

        coder export excerpts --code Coordinating --consensus --phase "Phase 2" --context --format docx
        coder export excerpts --code Accessing --with PROMANGO --without "Phase 1 early exporting" --doc kind=interview
        coder export excerpts --group function --pseudonymise --format docx
    """
    from coder.coding import consensus_coder, current_coder
    from coder.exports.excerpts import ExcerptQuery, export_excerpts

    if sum((bool(coders), mine, consensus)) > 1:
        raise CoderError("--coder, --mine and --consensus each say whose codings", fix="give one of them")
    db = session.open()
    whose = [current_coder(db)] if mine else [consensus_coder(db)] if consensus else list(coders)
    query = ExcerptQuery(codes=codes, group=group, coders=whose, documents=documents, phases=phases, also=also, without=without,
                         passages=[_passage(p) for p in passages], context=context, sub_codes=sub_codes, each_coding=each_coding)
    pseudonyms = chosen_pseudonyms(session, db, pseudonymise, organisations)
    with import_progress("Exporting excerpts") as progress:
        path = export_excerpts(db, session.study.exports_dir, query, fmt, output=_outside_study_files(session.study, output),
                               keep_both=keep_both, progress=progress, pseudonyms=pseudonyms)
    click.echo(f"wrote {path}")


@export.command()
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "docx"]), default="md", show_default=True, help="Output format.")
@output_option
@keep_both_option
@pseudonymise_options
@pass_session
def memos(session: Session, fmt: str, output: Path | None, keep_both: bool, pseudonymise: bool, organisations: bool) -> None:
    """Every memo (on the study, codes, documents, passages and codings) with what it is attached to.

    Example:

        coder export memos --format docx
        coder export memos --pseudonymise
    """
    from coder.exports.memos import export_memos

    db = session.open()
    output = _outside_study_files(session.study, output)
    pseudonyms = chosen_pseudonyms(session, db, pseudonymise, organisations)
    click.echo(f"wrote {export_memos(db, session.study.exports_dir, fmt, output=output, keep_both=keep_both, pseudonyms=pseudonyms)}")


@export.command("codings")
@click.argument("coder_name", metavar="NAME")
@output_option
@keep_both_option
@pass_session
def codings_file(session: Session, coder_name: str, output: Path | None, keep_both: bool) -> None:
    """One coder's codings and passage memos as a coding file, which `coder import codings` loads in another copy.

    The consensus coder's file carries the reconcilers' rationale memos with it.

    Example:

        coder export codings consensus -o exports/consensus.csv
    """
    from coder.codings_file import write_codings_file
    from coder.exports.files import export_target, replacing

    db = session.open()
    path = export_target(session.study.exports_dir, ["codings", coder_name], "csv",
                         _outside_study_files(session.study, output), keep_both=keep_both)
    with replacing(path) as temp:
        rows = write_codings_file(db, coder_name, temp)
    click.echo(f"wrote {path}: {rows} rows")


@export.command()
@click.option("--format", "fmt", type=click.Choice(["md", "docx", "qdc"]), default="md", show_default=True,
              help="Markdown or Word (the paper's appendix), or a REFI-QDA codebook.")
@click.option("--coder", "coder_name", metavar="NAME", help="Count only this coder's codings (default: all coders).")
@output_option
@keep_both_option
@pass_session
def codebook(session: Session, fmt: str, coder_name: str | None, output: Path | None, keep_both: bool) -> None:
    """The codebook with definitions, include/exclude notes, examples and counts of codings and documents.

    Example:

        coder export codebook --format docx
    """
    from coder.exports.codebook import export_codebook

    db = session.open()
    output = _outside_study_files(session.study, output)
    click.echo(f"wrote {export_codebook(db, session.study.exports_dir, fmt, coder=coder_name, output=output, keep_both=keep_both)}")


@export.command(name="qdpx")
@click.argument("file", required=False, type=click.Path(dir_okay=True, path_type=Path))
@keep_both_option
@pseudonymise_options
@pass_session
def export_qdpx_command(session: Session, file: Path | None, keep_both: bool, pseudonymise: bool, organisations: bool) -> None:
    """The whole study as a REFI-QDA project (.qdpx) for ATLAS.ti, NVivo, MAXQDA, QualCoder and others.

    FILE defaults to exports/<study>-<date>.qdpx; an earlier file of that name is replaced unless --keep-both.

    Example:

        coder export qdpx piura.qdpx
        coder export qdpx --pseudonymise
    """
    from coder.exports.files import export_name
    from coder.exports.pseudonymised import hide_in_qdpx
    from coder.refi import export_qdpx

    db = session.open()
    title = study_title(session.study, db)
    output = _outside_study_files(session.study, file)
    pseudonyms = chosen_pseudonyms(session, db, pseudonymise, organisations)
    if pseudonyms is not None and output is None:
        output = session.study.exports_dir / export_name([title, "pseudonymised"], "qdpx")
    with import_progress("Exporting the project") as progress:
        path = export_qdpx(db, session.study.exports_dir, title, output=output, keep_both=keep_both, progress=progress,
                           rewrite=None if pseudonyms is None else lambda archive: hide_in_qdpx(archive, pseudonyms))
    click.echo(f"wrote {path}")


@import_.command(name="qdpx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", default="imported", show_default=True, metavar="GROUP",
              help="Code group for the file's top-level codes (folders that are not codable become groups of their own).")
@click.option("--skip-bad", is_flag=True,
              help="Import the rest of a project with bad selections or codings (listed), instead of refusing it.")
@pass_session
def import_qdpx_command(session: Session, file: Path, group: str, skip_bad: bool) -> None:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc) from another QDA tool into this study.

    Codes are added to codebook/codebook.yaml (comments kept); documents, coders, codings, memos
    and document attributes to the study. Everything the study cannot hold is listed. Nothing
    changes when the file is refused: a selection outside its text, a coding of an undefined code
    or two codes of an exclusive group on one passage refuse the whole project, unless --skip-bad.

    Example:

        coder import qdpx ~/Downloads/nvivo-project.qdpx
        coder import qdpx nvivo-project.qdpx --skip-bad
    """
    from coder.refi import import_refi

    db = session.open()
    with import_progress("Importing") as progress:
        report = import_refi(db, session.study, file, group=group, progress=progress, skip_bad=skip_bad)
    for line in report.lines():
        click.echo(line)
