"""Figures for the paper on the command line: `coder figure network | xtab | agreement`, drawn for print."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from coder.cli.base import Session, main, names_given, pass_session
from coder.cli.tables import counting_options, selection_options
from coder.figures.output import FORMATS, Saved, Style, command_line, figure_format, target, width_cm

LEFT_OUT = ("output", "force", "study_here")  # where the file goes is not part of what it shows


def print_options(command: Callable) -> Callable:
    """--format, --output, --width, --grey and --force, shared by every figure."""
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(FORMATS), help="svg, pdf or png (default: the --output suffix, else svg)."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the figure to FILE (.svg, .pdf, .png); default: a new file under exports/."),
        click.option("--width", default="page", show_default=True, metavar="column|page|CM",
                     help="Print width: a journal column (8.5 cm), the page (17.5 cm), or centimetres."),
        click.option("--grey", is_flag=True, help="Greyscale-safe: grey levels with markers and hatching instead of colours."),
        click.option("--force", is_flag=True, help="Replace --output FILE if it exists."),
    ]):
        command = option(command)
    return command


def _style(fmt: str | None, output: Path | None, width: str, grey: bool) -> Style:
    return Style(width_cm=width_cm(width), fmt=figure_format(fmt, output), grey=grey)


def _command() -> str:
    """The command as typed again: the arguments and every option not at its default (the file's name left out)."""
    ctx = click.get_current_context()
    names: list[str] = []
    at = ctx
    while at.parent is not None:  # the root's name is how Python was started (`python -m coder`): say `coder`
        names.insert(0, at.info_name or "")
        at = at.parent
    words = ["coder", *names]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if isinstance(param, click.Argument):
            words.append(str(value))
        elif isinstance(param, click.Option) and param.name not in LEFT_OUT and value not in (None, False, (), param.default):
            flag = param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
            if param.is_flag:
                words.append(flag)
            else:
                for item in value if param.multiple else [value]:
                    words += [flag, str(item)]
    return command_line(words)


def _written(saved: Saved) -> None:
    click.echo(saved.describe())


@main.group()
def figure() -> None:
    """Figures for the paper: the survey network, a cross-tab heatmap, agreement per code, drawn for print.

    Each writes SVG, PDF or PNG sized for a journal column or page, with fonts a reader opens
    anywhere, and a caption file beside it (what it shows, on whose codings, the command).
    docs/figures.md shows each figure and its options.
    """


@figure.command(name="network")
@click.option("--weight", type=click.Choice(["tech", "commercial", "both"]), default="tech", show_default=True,
              help="Which ratings make the arcs and the weighted out-degree (both = their sum).")
@click.option("--colour", "colour_by", type=click.Choice(["type", "local"]), default="type", show_default=True,
              help="Colour organisations by their type, or as local or external.")
@click.option("--coded", metavar="FUNCTION",
              help="Ring each organisation by the passages where it is coded as actor of this function.")
@selection_options
@print_options
@pass_session
def network_figure(session: Session, weight: str, colour_by: str, coded: str | None, coders: tuple[str, ...],
                   documents: tuple[str, ...], fmt: str | None, output: Path | None, width: str, grey: bool, force: bool) -> None:
    """Draw the survey network: who gives knowledge to whom, node size by weighted out-degree (Table 2).

    Arcs point from the organisation that gives knowledge to the one that receives it, as wide as
    the rating; each association sits amid its member firms; the layout is computed, so the same
    study gives the same picture. --coded sets the coding beside it: a ring grows with the passages
    where the organisation is coded as actor of that function (--coder, --docs choose whose codings).

    Example:

        coder figure network -o exports/network.pdf
        coder figure network --weight both --colour local --width column --grey
        coder figure network --coded Enabling -o exports/network-enabling.svg
    """
    from coder.figures.network import network_figure as draw  # matplotlib loads with the figure

    db = session.open()
    style = _style(fmt, output, width, grey)
    path = target(session.study.exports_dir, "-".join(filter(None, ["figure-network", weight, coded])), style.fmt, output, force=force)
    _written(draw(db, path, style, command=_command(), weight=weight, colour_by=colour_by, coded=coded,
                  coders=names_given(coders), documents=names_given(documents)))


@figure.command(name="xtab")
@click.argument("rows")
@click.argument("columns")
@counting_options
@print_options
@pass_session
def xtab_figure(session: Session, rows: str, columns: str, measure: str, once_per_document: bool, percent: str | None,
                coders: tuple[str, ...], documents: tuple[str, ...], group: str | None, phase_group: str, roll_up: bool,
                within: str | None, fmt: str | None, output: Path | None, width: str, grey: bool, force: bool) -> None:
    """Draw a cross-tab as a heatmap with its numbers in the cells: any table `coder xtab` computes.

    The options are xtab's and count the same way; the totals (and, under percentages, the
    counts they are of) are written beside the shaded cells.

    Example:

        coder figure xtab function phase --roll-up -o exports/function-by-phase.pdf
        coder figure xtab actor function --percent row --width column
        coder figure xtab actor function --within "Phase 1 early exporting" --grey
    """
    from coder.figures.heatmap import xtab_figure as draw  # matplotlib loads with the figure

    db = session.open()
    style = _style(fmt, output, width, grey)
    stem = "-".join(filter(None, ["figure-xtab", rows, "by", columns, within, f"{percent}-pct" if percent else None]))
    path = target(session.study.exports_dir, stem, style.fmt, output, force=force)
    options: dict[str, Any] = dict(measure=measure, once_per_document=once_per_document, percent=percent,
                                   coders=names_given(coders), documents=names_given(documents), group=group,
                                   phase_group=phase_group, roll_up=roll_up, within=within)
    _written(draw(db, rows, columns, path, style, command=_command(), **options))


@figure.command(name="agreement")
@click.option("--coders", "coders", multiple=True, metavar="NAME", help="The coders to compare (repeat, or a,b; default: as coder agree).")
@click.option("--docs", "documents", multiple=True, metavar="DOC", help="Only these documents (default: as coder agree).")
@click.option("--codes", multiple=True, metavar="CODE", help="Only these codes.")
@click.option("--group", metavar="GROUP", help="Only the codes of this group.")
@click.option("--unit", type=click.Choice(["passage", "sentence", "document"]), default="passage", show_default=True,
              help="What the coders' decisions are compared on.")
@click.option("--metric", type=click.Choice(["alpha", "kappa"]), default="alpha", show_default=True,
              help="Krippendorff's α (with its bootstrap interval), or κ (Cohen's, Fleiss' for more coders).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True, metavar="N",
              help="Bootstrap draws for α's 95% interval (0: none).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed of the bootstrap.")
@print_options
@pass_session
def agreement_figure(session: Session, coders: tuple[str, ...], documents: tuple[str, ...], codes: tuple[str, ...],
                     group: str | None, unit: str, metric: str, bootstrap: int, seed: int, fmt: str | None,
                     output: Path | None, width: str, grey: bool, force: bool) -> None:
    """Draw agreement per code, group and pooled: α with its bootstrap interval (or κ), over the bands.

    The figures are `coder agree`'s; the shading marks Krippendorff's bands (reliable from .800,
    tentative from .667).

    Example:

        coder figure agreement --coders ana,ben -o exports/agreement.pdf
        coder figure agreement --group function --metric kappa --width column
    """
    from coder.figures.agreement import agreement_figure as draw  # matplotlib and numpy load with the figure

    db = session.open()
    style = _style(fmt, output, width, grey)
    path = target(session.study.exports_dir, "-".join(filter(None, ["figure-agreement", metric, group, unit])), style.fmt, output,
                  force=force)
    _written(draw(db, path, style, command=_command(), metric=metric, bootstrap=bootstrap, seed=seed, coders=names_given(coders),
                  documents=names_given(documents), codes=names_given(codes), group=group, unit=unit))
