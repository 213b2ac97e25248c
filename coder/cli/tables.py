"""Tables on the command line: cross-tabs, co-occurrence, the survey network, actors against the
coding, and presence matrices — printed, or written under exports/ (never over an existing file)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from coder import crosstab, network
from coder.cli.base import Session, main, names_given, pass_session, render
from coder.cli.pseudonyms import chosen_pseudonyms, pseudonymise_options
from coder.errors import CoderError
from coder.exports.tables import TABLE_SUFFIXES, export_table, save_table

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

TABLE_FORMATS = ("table", "csv", "json", "md", "xlsx")
SUFFIXES = {"table": ".csv", "csv": ".csv", "json": ".json", "md": ".md", "xlsx": ".xlsx"}


def table_options(command: Callable) -> Callable:
    """--format, --output, --save and --force, shared by every table command."""
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="table", show_default=True,
                     help="Output format (xlsx needs --output or --save)."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the table to FILE (.csv, .xlsx, .md, .json) instead of printing it."),
        click.option("--save", is_flag=True, help="Write the table under exports/ with a name that says what it holds."),
        click.option("--force", is_flag=True, help="Replace --output FILE if it exists."),
    ]):
        command = option(command)
    return command


def selection_options(command: Callable) -> Callable:
    """--coder and --docs: whose codings and which documents count."""
    for option in reversed([
        click.option("--coder", "coders", multiple=True, metavar="NAME",
                     help="Count this coder's codings (repeat, or a,b). Default (or 'all'): every coder but"
                          " the consensus coder, which counts only when named."),
        click.option("--docs", "documents", multiple=True, metavar="DOC",
                     help="Only these documents: names, patterns (int0*) or KEY=VALUE attributes (kind=interview)."),
    ]):
        command = option(command)
    return command


def _plain(value: Any) -> Any:
    """Numbers for csv/json: ints stay ints, NaN becomes empty."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def frame_rows(frame: pandas.DataFrame | crosstab.Grid, *, index: str | None = None, digits: dict[str, int] | None = None,
               pretty: bool = False, default_digits: int = 1) -> tuple[list[dict[str, Any]], list[str]]:
    """A DataFrame (or a cross-tab's plain Grid) as render() rows; with `pretty`, floats are rounded for reading."""
    if isinstance(frame, crosstab.Grid):  # no pandas needed
        columns = [*([index] if index is not None else []), *(str(c) for c in frame.columns)]
        lines: Any = [([label] if index is not None else []) + row for label, row in zip(frame.labels, frame.values)]
    else:
        data = frame.reset_index() if index is not None else frame
        if index is not None:
            data = data.rename(columns={data.columns[0]: index})
        columns = [str(c) for c in data.columns]
        lines = data.itertuples(index=False)
    rows = []
    for values in lines:
        row = {}
        for column, value in zip(columns, values):
            value = _plain(value)
            if pretty and isinstance(value, float):
                value = f"{value:.{(digits or {}).get(column, default_digits)}f}"
            if pretty and isinstance(value, bool):
                value = "yes" if value else "no"
            row[column] = value
        rows.append(row)
    return rows, columns


def emit(session: Session, frame: pandas.DataFrame | crosstab.Grid, *, fmt: str, output: Path | None, save: bool, force: bool,
         stem: str, index: str | None = None, header: str | None = None, footer: str | None = None,
         digits: dict[str, int] | None = None, default_digits: int = 1) -> None:
    """Print a table, or write it to --output / under exports/; notes go where they don't spoil csv/json."""
    if output is not None or save:
        if isinstance(frame, crosstab.Grid):
            frame = frame.frame()
        if output is None:
            written = save_table(frame, session.study.exports_dir, stem, SUFFIXES[fmt], index=index is not None)
        else:
            target = output if output.suffix.lower() in TABLE_SUFFIXES else output.with_name(output.name + SUFFIXES[fmt])
            written = export_table(frame, target, overwrite=force, index=index is not None)
        if header:
            click.echo(header, err=True)
        click.echo(f"wrote {written}")
        if footer:
            click.echo(footer, err=True)
        return
    if fmt == "xlsx":
        raise CoderError("xlsx is a file format", fix="add --output FILE.xlsx or --save")
    pretty = fmt in ("table", "md")
    rows, columns = frame_rows(frame, index=index, digits=digits, pretty=pretty, default_digits=default_digits)
    if header:
        click.echo(header, err=not pretty)
        if pretty:
            click.echo()
    click.echo(render(rows, fmt, columns))
    if footer:
        if pretty:
            click.echo()
        click.echo(footer, err=not pretty)


def _stem(*parts: str | None) -> str:
    return "-".join(p for p in parts if p)


# Commands ----------------------------------------------------------------------------------------


def counting_options(command: Callable) -> Callable:
    """What a cross-tab counts: `coder xtab` and `coder figure xtab` count the same way."""
    options: list[Callable[[Callable], Callable]] = [
        click.option("--measure", type=click.Choice(crosstab.MEASURES), default="passages", show_default=True,
                     help="What a cell counts."),
        click.option("--once-per-document", is_flag=True, help="Count each document at most once per cell."),
        click.option("--percent", type=click.Choice(["row", "col"]), help="Show row or column percentages."),
        selection_options,
        click.option("--group", metavar="GROUP", help="Only the codes of this group (for the code dimension)."),
        click.option("--phase-group", default="phase", show_default=True, metavar="GROUP", help="The group that `phase` names."),
        click.option("--roll-up", is_flag=True, help="Count sub-codes for their top-level code."),
        click.option("--within", metavar="CODE", help="Only passages the same coder also coded with CODE (or its sub-codes),"
                     " e.g. a phase: who does what in that phase."),
    ]
    for option in reversed(options):  # as if stacked as decorators, the first on top
        command = option(command)
    return command


@main.command()
@click.argument("rows")
@click.argument("columns")
@counting_options
@click.option("--chi2", is_flag=True, help="Add Pearson's chi-square test with expected counts.")
@click.option("--cell", nargs=2, metavar="ROW COLUMN", help="List the passages behind one cell instead of the table.")
@table_options
@pass_session
def xtab(session: Session, rows: str, columns: str, measure: str, once_per_document: bool, percent: str | None,
         coders: tuple[str, ...], documents: tuple[str, ...], group: str | None, phase_group: str, roll_up: bool,
         chi2: bool, within: str | None, cell: tuple[str, str] | None, fmt: str, output: Path | None, save: bool,
         force: bool) -> None:
    """Cross-tabulate ROWS against COLUMNS: code, group, phase, actor, type, local, based_in, membership,
    document, attr:KEY, coder, or the name of a code group (e.g. function).

    A passage counts in a cell when the same coder coded it with both values (a coding overlapping
    it by one character is enough). The total row and column count distinct passages, so they are
    not the sums of the cells when passages carry several values.

    Example:

        coder xtab function phase --percent row --chi2
        coder xtab actor attr:interviewee_organisation --save --format xlsx
        coder xtab function phase --cell Coordinating "Phase 2 joint initiatives"
        coder xtab local function
        coder xtab actor function --within "Phase 1 early exporting"
    """
    db = session.open()
    options: dict[str, Any] = dict(coders=names_given(coders), documents=names_given(documents), group=group, phase_group=phase_group,
                                   roll_up=roll_up, within=within)
    if cell:
        found = crosstab.cell_passages(db, rows, columns, cell[0] or None, cell[1] or None, measure=measure, **options)
        listed = [{**r, "text": r["text"] if fmt not in ("table", "md") else _short(r["text"])} for r in found]
        click.echo(render(listed, "csv" if fmt == "xlsx" else fmt, ["document", "passage", "speaker", "text"]))
        return
    result = crosstab.crosstab(db, rows, columns, measure=measure, once_per_document=once_per_document,
                               percent=percent, **options)
    footer = crosstab.chi_square(result).describe() if chi2 else None
    if not result.total:
        footer = f"nothing counted: no codings of these dimensions by {result.coders.describe()}"
    frame = result.grid(totals=True, bases=not _printed(fmt, output, save))
    stem = _stem("xtab", rows.replace(":", "-"), "by", columns.replace(":", "-"), within, result.unit,
                 "once-per-document" if once_per_document else None, f"{percent}-pct" if percent else None,
                 "-".join(result.coders.names) if len(result.coders.names) <= 3 else "several-coders")
    emit(session, frame, fmt=fmt, output=output, save=save, force=force, stem=stem, index=result.rows.title,
         header=result.describe() + (", row %" if percent == "row" else ", column %" if percent == "col" else ""),
         footer=footer, default_digits=1 if percent else 0)


def _printed(fmt: str, output: Path | None, save: bool) -> bool:
    """A table for reading on the terminal; anything else (csv, json, a file) also gets the counts of its percentages."""
    return fmt in ("table", "md") and output is None and not save


def _short(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
@click.option("--group", metavar="GROUP", help="Only the codes of this group.")
@click.option("--measure", type=click.Choice(crosstab.MEASURES), default="passages", show_default=True,
              help="What a cell counts.")
@click.option("--once-per-document", is_flag=True, help="Count each document at most once per cell.")
@click.option("--roll-up", is_flag=True, help="Count sub-codes for their top-level code.")
@selection_options
@table_options
@pass_session
def cooccur(session: Session, group: str | None, measure: str, once_per_document: bool, roll_up: bool,
            coders: tuple[str, ...], documents: tuple[str, ...], fmt: str, output: Path | None, save: bool,
            force: bool) -> None:
    """Code co-occurrence: passages coded with both codes (the diagonal: passages coded with the code).

    The total column and row count distinct passages: those coded with the code and any other
    code counted, and (bottom right) all passages coded with a code counted.

    Example:

        coder cooccur --group function --roll-up
    """
    db = session.open()
    result = crosstab.cooccurrence(db, group=group, measure=measure, coders=names_given(coders), documents=names_given(documents),
                                   roll_up=roll_up, once_per_document=once_per_document)
    stem = _stem("cooccurrence", group, result.unit, "-".join(result.coders.names[:3]))
    emit(session, result.grid(totals=True), fmt=fmt, output=output, save=save, force=force, stem=stem, index="code",
         header=f"co-occurrence of codes{f' of {group}' if group else ''} within passages: {result.unit},"
                f" coded by {result.coders.describe()}", default_digits=0)


def _require_survey(session: Session) -> Any:
    db = session.open()
    if not network.survey_nodes(db):
        raise CoderError("this study has no survey network",
                         fix="put organisations.csv and ties.csv (or one Pajek .net file) in transcripts/survey/")
    return db


@main.command(name="network")
@click.option("--weight", type=click.Choice(["tech", "commercial", "both"]), default="tech", show_default=True,
              help="Which ratings make the weighted out-degree (both = their sum).")
@click.option("--top", type=int, metavar="N", help="Show only the N most central organisations.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the network of --weight to FILE.net (Pajek) or FILE.graphml.")
@click.option("--multi-relation", is_flag=True,
              help="With --export FILE.net: both ratings as Pajek's multi-relational arc lists (networkx cannot read it).")
@click.option("--members", "association", metavar="ASSOCIATION",
              help="Instead of the ranking: the sources of this association's member firms (Tables 6.2, 7.2).")
@click.option("--combine", multiple=True, metavar="TYPE",
              help="With --members: sources of this type make one row (repeat; e.g. 'certification organisation').")
@click.option("--min-firms", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="With --members: only sources named by at least N member firms.")
@table_options
@pass_session
def network_(session: Session, weight: str, top: int | None, export_path: Path | None, multi_relation: bool,
             association: str | None, combine: tuple[str, ...], min_firms: int, fmt: str, output: Path | None, save: bool,
             force: bool) -> None:
    """Rank the survey's organisations by weighted out-degree (the paper's Table 2), with in/out degree and betweenness.

    The weighted out-degree of an organisation is the sum of the ratings (0–5) that the organisations
    receiving knowledge from it gave to that knowledge. With --members ASSOCIATION it lists instead
    where that association's member firms get knowledge: per source, the firms naming it (a rating
    above 0 for --weight) and their average rating, rounded half-up as the paper prints it.

    Example:

        coder network --top 15
        coder network --weight both --export exports/survey.net
        coder network --export exports/survey-relations.net --multi-relation
        coder network --members APEM --combine "certification organisation" --combine "private consultant" --min-firms 3
        coder network --members PROMANGO --weight commercial --format csv
    """
    db = _require_survey(session)
    if association is None and (combine or min_firms > 1):
        raise CoderError("--combine and --min-firms go with --members", fix="add --members ASSOCIATION")
    if multi_relation and export_path is None:
        raise CoderError("--multi-relation goes with --export", fix="add --export FILE.net")
    if association is not None and export_path is not None:
        raise CoderError("--export writes the whole network, not an association's sources", fix="run it without --members")
    if association is not None:
        _members(session, db, association, weight, combine, min_firms, top=top, fmt=fmt, output=output, save=save, force=force)
        return
    ranking = network.centrality(db, weight)
    if export_path is not None:
        if export_path.exists() and not force:
            raise CoderError(f"{export_path} already exists", fix="choose another name, or pass --force to replace it")
        network.export_network(db, export_path, weight, multi_relation=multi_relation)
        click.echo(f"wrote {export_path}", err=fmt not in ("table", "md"))
    ties = network.tie_count(db)
    shown = ranking.head(top) if top else ranking
    emit(session, shown, fmt=fmt, output=output, save=save, force=force, stem=_stem("network-centrality", weight),
         header=f"survey network: {len(ranking)} organisations, {ties} ties; weighted out-degree ="
                f" sum of {network.weight_name(weight)} ratings given by the receivers",
         digits={"rank": 1, "betweenness": 4, "weighted_out_degree": 0})


def _members(session: Session, db: Any, association: str, weight: str, combine: Sequence[str], min_firms: int, *,
             top: int | None, fmt: str, output: Path | None, save: bool, force: bool) -> None:
    """`coder network --members`: the paper's Table 6.2 / 7.2 layout for one association."""
    table = network.member_sources(db, association, weight, combine=combine, min_firms=min_firms)
    name, relation = table.attrs["association"], table.attrs["weight"]
    emit(session, table.head(top) if top else table, fmt=fmt, output=output, save=save, force=force,
         stem=_stem("network-members", name.lower(), weight), digits={"average_importance": 1, "sum_of_ratings": 0},
         header=f"sources of {name}'s {table.attrs['members']} member firms: firms naming each as a {relation} source"
                f" (rating > 0) and their average rating (1-5, rounded half-up)")


@main.command()
@click.option("--weight", type=click.Choice(["tech", "commercial", "both"]), default="tech", show_default=True,
              help="Which ratings make the centrality.")
@selection_options
@click.option("--functions", "function_group", default="function", show_default=True, metavar="GROUP",
              help="The code group of functions.")
@click.option("--phases", "phase_group", default="phase", show_default=True, metavar="GROUP",
              help="The code group of phases.")
@click.option("--no-roll-up", is_flag=True, help="Count sub-codes as functions of their own.")
@click.option("--all", "everyone", is_flag=True, help="Also list survey organisations that have no actor code.")
@click.option("--within", metavar="CODE", help="Only passages the same coder also coded with CODE (or its sub-codes),"
              " e.g. 'Technological knowledge' with --weight tech.")
@table_options
@pass_session
def actors(session: Session, weight: str, coders: tuple[str, ...], documents: tuple[str, ...], function_group: str,
           phase_group: str, no_roll_up: bool, everyone: bool, within: str | None, fmt: str, output: Path | None, save: bool,
           force: bool) -> None:
    """The survey network against the coding: each organisation's centrality beside the passages where it
    is coded as actor, by function (count and share of the function) and by phase, and Spearman's ρ.

    Example:

        coder actors
        coder actors --coder ana --save --format xlsx
        coder actors --weight commercial --within "Commercial knowledge"
    """
    db = session.open()
    report = network.actor_activity(db, weight=weight, coders=names_given(coders), documents=names_given(documents),
                                    function_group=function_group, phase_group=phase_group, roll_up=not no_roll_up,
                                    within=within)
    table = report.table if everyone or report.table.empty else report.table[report.table["actor_code"]]
    table = table.drop(columns=["actor_code"], errors="ignore")
    if fmt in ("table", "md") and output is None and not save:
        table = table.copy()
        for function in report.functions:
            table[function] = [f"{n} ({s:.0f}%)" for n, s in zip(table[function], table.pop(f"{function} share"))]
        table = table.drop(columns=["member_of", "out_degree", "in_degree"], errors="ignore")
    correlations = report.correlations
    lines = ["Spearman rank correlation of weighted out-degree with coded activity"
             " (organisations in the survey that have an actor code):"]
    for row in correlations.itertuples(index=False):
        rho = "n/a" if math.isnan(row.rho) else f"{row.rho:+.3f}"
        p = "" if math.isnan(row.p) else f", p = {row.p:.3g}"
        lines.append(f"  {row[0]}: rho = {rho} (n = {row.n}{p})")
    header = (f"organisations against the coding: passages coded as actor{f' (only those also coded {within})' if within else ''}"
              f" by {report.whose.describe()}; functions from group '{function_group}', phases from '{phase_group}';"
              f" {weight} network")
    emit(session, table, fmt=fmt, output=output, save=save, force=force,
         stem=_stem("actors-against-network", weight, within, "-".join(report.coders[:3])), header=header,
         footer="\n".join(lines), digits={"rank": 1, "betweenness": 4, "weighted_out_degree": 0})


@main.command()
@click.option("--unit", type=click.Choice(["passage", "document"]), default="passage", show_default=True,
              help="One row per passage or per document.")
@selection_options
@click.option("--group", metavar="GROUP", help="Only the codes of this group.")
@click.option("--no-attributes", is_flag=True, help="Leave out the document attribute columns.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.csv or FILE.xlsx (default: a new file under exports/).")
@click.option("--force", is_flag=True, help="Replace --output FILE if it exists.")
@pseudonymise_options
@pass_session
def matrix(session: Session, unit: str, coders: tuple[str, ...], documents: tuple[str, ...], group: str | None,
           no_attributes: bool, output: Path | None, force: bool, pseudonymise: bool, organisations: bool) -> None:
    """Write a unit × code 0/1 matrix (with document attributes) for R, SPSS or Stata.

    Example:

        coder matrix --unit document --output exports/documents-by-code.xlsx
        coder matrix --pseudonymise
    """
    db = session.open()
    frame = crosstab.presence_matrix(db, unit=unit, coders=names_given(coders), documents=names_given(documents), group=group,
                                     attributes=not no_attributes)
    pseudonyms = chosen_pseudonyms(session, db, pseudonymise, organisations)
    if pseudonyms is not None:
        from coder.exports.pseudonymised import hide_in_frame

        frame = hide_in_frame(frame, pseudonyms)
    if output is None:
        written = save_table(frame, session.study.exports_dir, _stem("matrix", unit, "by-code", group,
                                                                     "pseudonymised" if pseudonyms else None), ".csv", index=False)
    else:
        written = export_table(frame, output, overwrite=force, index=False)
    click.echo(f"wrote {written}: {len(frame)} {unit}s × {sum('/' in str(c) for c in frame.columns)} codes"
               f" (coded by {frame.attrs.get('coders')})")
