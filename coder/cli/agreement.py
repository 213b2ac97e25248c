"""Inter-coder agreement on the command line: `coder agree`."""

from __future__ import annotations

import json
from typing import Any

import click

from coder.cli.base import Session, format_option, main, names_given, pass_session, render


class ManyValuesCommand(click.Command):
    """A command whose list options take several values in a row: `--coders ana ben` (as well as repeats and commas)."""

    many = ("--coders", "--docs", "--codes")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        spread: list[str] = []
        current, first = None, False
        for arg in args:
            if arg in self.many:
                current, first = arg, True
                spread.append(arg)
            elif current and not arg.startswith("-"):
                spread += [arg] if first else [current, arg]
                first = False
            else:
                current = None
                spread.append(arg)
        return super().parse_args(ctx, spread)


def _figure(result: Any, percent: bool = False) -> str:
    if result is None:
        return ""
    if result.undefined:
        return "undefined"
    return f"{100 * result.value:.1f}" if percent else f"{result.value:.3f}"


def _level_figure(result: Any) -> str:
    """α, marked with its level when it is not nominal (scale groups at --level)."""
    level = result.details.get("level", "nominal")
    return _figure(result) + (f" ({level})" if level != "nominal" else "")


def _brennan_prediger(result: Any) -> str:
    """Brennan–Prediger κ with the number of categories its chance term 1/q counts."""
    if result is None:
        return ""
    q = result.details.get("q")
    return _figure(result) + (f" (q={q})" if q else "")


def _label(row: Any, exclusive: set[str]) -> str:
    if row.kind == "group":
        return f"group {row.name}" + (" (exclusive)" if row.name in exclusive else " (stacked)")
    return "pooled (all codes stacked)" if row.kind == "pooled" else row.name


def _display_rows(report: Any, bootstrap: bool) -> tuple[list[dict[str, Any]], list[str]]:
    coders = len(report.parameters["coders"])
    kappa = "Cohen κ" if coders == 2 else "Fleiss κ"
    exclusive = {v.name for v in report.variables.values() if v.kind == "group" and not v.codes} | {
        r.name for r in report.rows if r.kind == "group" and "cu_alpha" in r.metrics}
    character = report.parameters["unit"] == "character"
    alpha = "|uα" if character else "α"
    weighted = any("weighted_kappa_linear" in r.metrics for r in report.rows)
    columns = ["code"] + (["document"] if any(r.document for r in report.rows) else []) + [
        "characters" if character else "units"] + (["sections"] if character else []) + [
        "coders", "agree %", kappa] + (["κw linear", "κw quadratic"] if weighted else []) + ["BP κ (q)", alpha] + (
        ["α 95% CI"] if bootstrap else []) + ["band", "flags"]
    rows = []
    for row in report.rows:
        units = row.percent.units if "alpha_nominal" in row.metrics else row.alpha.units or row.percent.units  # scale α: in its note
        shown = {"code": _label(row, exclusive), "document": row.document or "", "units": units,
                 "characters": row.percent.units, "sections": row.alpha.details.get("sections", ""),
                 "coders": row.alpha.coders or row.percent.coders, "agree %": _figure(row.percent, percent=True),
                 kappa: _figure(row.kappa), alpha: _level_figure(row.alpha), "band": row.alpha.band, "flags": "; ".join(row.flags()),
                 "κw linear": _figure(row.metrics.get("weighted_kappa_linear")),
                 "κw quadratic": _figure(row.metrics.get("weighted_kappa_quadratic")),
                 "BP κ (q)": _brennan_prediger(row.metrics.get("brennan_prediger"))}
        if character and row.kind == "group" and "cu_alpha" in row.metrics:
            shown[alpha] = f"uα {_figure(row.alpha)}, cuα {_figure(row.metrics['cu_alpha'])}"
        if bootstrap:
            low, high = row.alpha.details.get("ci_low"), row.alpha.details.get("ci_high")
            shown["α 95% CI"] = f"{low:.3f}–{high:.3f}" if low is not None and high is not None else ""
        rows.append(shown)
    return rows, columns


def _flat_rows(report: Any) -> list[dict[str, Any]]:
    flat = []
    for row in report.rows:
        item: dict[str, Any] = {"kind": row.kind, "name": row.name, "document": row.document or ""}
        for key, result in row.metrics.items():
            item[key] = result.value
            item[f"{key}_metric"] = result.metric
            if key == "brennan_prediger":
                item["brennan_prediger_q"] = result.details.get("q")
        item |= {"units": row.alpha.units, "values": row.alpha.values, "coders": row.alpha.coders,
                 "agreements": row.percent.agreements, "prevalence": json.dumps(row.alpha.prevalence, ensure_ascii=False),
                 "alpha_ci_low": row.alpha.details.get("ci_low"), "alpha_ci_high": row.alpha.details.get("ci_high"),
                 "band": row.alpha.band, "unstable": row.alpha.unstable, "flags": "; ".join(row.flags())}
        flat.append(item)
    return flat


@main.command(cls=ManyValuesCommand)
@click.option("--coders", multiple=True, metavar="NAME…",
              help="Coders to compare (default: all with codings, except the consensus coder); a coder with no codings"
                   " counts as having coded nothing in the documents assigned to them.")
@click.option("--docs", multiple=True, metavar="DOC…",
              help="Documents (default: those every chosen coder marked done with coder assign, or, when none of them"
              " marked any, those every one has coded in; the output says which).")
@click.option("--codes", multiple=True, metavar="CODE…", help="Codes, by name or group/name (default: the codes used there).")
@click.option("--group", metavar="GROUP", help="All codes of this code group.")
@click.option("--unit", type=click.Choice(["passage", "sentence", "document", "character"]), default="passage", show_default=True,
              help="What the coders' decisions are compared on; character = span level (unitized α).")
@click.option("--min-overlap", type=float, metavar="SHARE",
              help="A code counts as applied to a unit when it covers at least this share of it (default: any character).")
@click.option("--by-document", is_flag=True, help="Also a row per code and document (at character level: NVivo's comparison).")
@click.option("--save", "save_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write the parameters and every unit × coder table as CSV into DIR.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, metavar="N", help="Bootstrap draws for a 95% interval of α.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed of the bootstrap.")
@click.option("--level", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]), default="nominal", show_default=True,
              help="Level of measurement of α on scale groups (ordered: true, or value: per code); interval and ratio need values.")
@format_option
@pass_session
def agree(session: Session, coders: tuple[str, ...], docs: tuple[str, ...], codes: tuple[str, ...], group: str | None, unit: str,
          min_overlap: float | None, by_document: bool, save_dir: str | None, bootstrap: int, seed: int, level: str, fmt: str) -> None:
    """Inter-coder agreement per code, per code group and pooled, with interpretation bands.

    κ is Cohen's for two coders and Fleiss' for more; α is Krippendorff's (nominal; at character
    level the unitized |uα). A scale group (codebook: ordered: true, or a value: per code) also gets
    weighted κ (two coders) and α at --level. BP κ is Brennan–Prediger's, chance 1/q over the q
    categories shown. Bands: α ≥ .800 reliable, .667–.800 tentative, below: not reliable.
    See docs/agreement.md for the formulas, the overlap rule and how to reproduce the numbers in R.

    Example:

        coder agree --coders ana ben --unit passage --bootstrap 1000 --save exports/agreement
    """
    from coder.agreement import measure_agreement, save  # numpy and the metrics load only for this command

    db = session.open()
    report = measure_agreement(db, coders=names_given(coders), documents=names_given(docs), codes=names_given(codes), group=group,
                               unit=unit, min_overlap=min_overlap, by_document=by_document, bootstrap=bootstrap, seed=seed,
                               level=level)
    if fmt == "json":
        click.echo(json.dumps({"parameters": report.parameters, "notes": report.notes,
                               "rows": [row.as_dict() for row in report.rows]}, ensure_ascii=False, indent=2, default=str))
    elif fmt == "csv":
        flat = _flat_rows(report)
        click.echo(render(flat, "csv", list(dict.fromkeys(key for item in flat for key in item))))  # every row's figures
    else:
        rows, columns = _display_rows(report, bool(bootstrap))
        click.echo(render(rows, fmt, columns))
        p = report.parameters
        click.echo(f"\n{p['unit']} units · coders: {', '.join(p['coders'])} · {len(p['documents'])} document(s) · {p['overlap_rule']}")
        click.echo(f"documents: {p['documents_chosen']}: {', '.join(p['documents'])}")
        if bootstrap:
            click.echo(f"α intervals: {bootstrap} bootstrap draws, seed {seed}")
        click.echo("BP κ: Brennan–Prediger, chance = 1/q; q = 2 for a code or a stack (applied, not applied), "
                   "the group's codes + 1 ('none') for an exclusive group")
        for note in report.notes:
            click.echo(f"note: {note}")
    if save_dir:
        written = save(report, save_dir)
        click.echo(f"saved {len(written)} files to {save_dir}", err=True)
