"""Learned suggestions from the command line: how good they are (evaluate), and coding with them (apply)."""

from __future__ import annotations

import json
from typing import Any

import click

from coder.cli.base import Session, coder_option, main, new_coder_option, pass_session, render

PREVIEW_ROWS = 10


@main.group()
def suggest() -> None:
    """Suggestions learned from the study's own coding, on this machine: evaluate them, or apply one code with them.

    Example:

        coder suggest evaluate --group function
    """


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@suggest.command()
@click.option("--coder", "source", metavar="NAME", help="Learn from this coder, `consensus` or `all` (default: the consensus, if any).")
@click.option("--group", metavar="G", help="Only this code group (default: all).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_session
def evaluate(session: Session, source: str | None, group: str | None, fmt: str) -> None:
    """Leave-one-document-out precision, recall, F1 and top-suggestion precision, learned against keywords.

    Each document is held out in turn: a model trained on all the others suggests for it, and so do the
    codes' keywords. The figures pool every fold, per code and per group. Each code's threshold (the
    probability from which its held-out precision reaches 0.7) is chosen here and kept in the study:
    a code with none shows no learned suggestions.

    Example:

        coder suggest evaluate --coder consensus --group function --format json
    """
    from coder.learning import PRECISION_TARGET, resolve_source
    from coder.learning_eval import as_json, evaluate, save_thresholds

    db = session.open()
    name = resolve_source(db, source)
    results = evaluate(db, name, group=group)
    save_thresholds(db, name, results)
    if fmt == "json":
        click.echo(json.dumps(as_json(results), indent=2))
        return
    folds = results[0].folds if results else 0
    decisions = results[0].decisions if results else []
    chosen = "–".join(dict.fromkeys(f"{d:.3g}" for d in (min(decisions), max(decisions)))) if decisions else "—"
    click.echo(f"learned from {name}; {folds} folds (one per document); figures from each fold's decision threshold,"
               f" chosen inside its training documents ({chosen}); threshold: where held-out precision reaches {PRECISION_TARGET}")
    rows: list[dict[str, Any]] = []
    for g in as_json(results):
        for code in g["codes"]:
            rows.append(_row(code["code"], code["examples"], code["learned"], code["keywords"], code["threshold"]))
        rows.append(_row(f"{g['group']} (all codes)", sum(c["examples"] for c in g["codes"]), g["learned"], g["keywords"], None))
    click.echo(render(rows, "table"))


def _row(code: str, examples: int, learned: dict[str, float | None], keywords: dict[str, float | None],
         threshold: float | None) -> dict[str, Any]:
    return {"code": code, "examples": examples, "P": _number(learned["precision"]), "R": _number(learned["recall"]),
            "F1": _number(learned["f1"]), "top1": _number(learned["top1_precision"]), "kw P": _number(keywords["precision"]),
            "kw R": _number(keywords["recall"]), "kw F1": _number(keywords["f1"]), "kw top1": _number(keywords["top1_precision"]),
            "threshold": _number(threshold)}


@suggest.command()
@click.option("--code", "code_name", required=True, metavar="X", help="The code to apply.")
@click.option("--min-probability", "minimum", type=click.FloatRange(0, 1), required=True, metavar="P",
              help="Code the passages whose learned probability is at least P.")
@click.option("--from", "source", metavar="NAME", help="Learn from this coder, `consensus` or `all` (default: the consensus, if any).")
@click.option("--yes", "-y", is_flag=True, help="Apply the code; without it, only the preview is shown.")
@coder_option
@new_coder_option
@pass_session
def apply(session: Session, code_name: str, minimum: float, source: str | None, yes: bool, coder_name: str | None,
          new_coder: bool) -> None:
    """Code with X every respondent passage the coder has not coded with it whose learned probability is at least P.

    Without --yes it only shows the passages; with --yes it codes them in one step, which one undo takes back.

    Example:

        coder suggest apply --code function/Diffusing --min-probability 0.8 --coder ana --yes
    """
    from coder import coding
    from coder.autocode import apply_autocode
    from coder.errors import CoderError
    from coder.learning import APPLY_LEARNED, preview_learned

    db = session.open()
    found = coding.find_code(db, code_name)
    coder = coding.acting_coder(db, coder_name, new=new_coder) if yes or coder_name else None
    try:
        matches = preview_learned(db, found, minimum, coder_id=coder, source=source)
    except CoderError as error:
        if yes:
            raise
        click.echo(f"Nothing would be coded: {error}")  # a preview that finds nothing to do
        return
    count = len(matches)
    if not yes:
        click.echo(f"{count} passage{'s' * (count != 1)} would be coded with {found.path}:")
        if matches:
            click.echo(render([{"document": m.document, "passage": m.ordinal, "why": m.why, "excerpt": m.excerpt}
                               for m in matches[:PREVIEW_ROWS]], "table"))
        if count > PREVIEW_ROWS:
            click.echo(f"… and {count - PREVIEW_ROWS} more")
        if count:
            click.echo("Nothing was changed. Run again with --yes to apply.")
        return
    assert coder is not None
    coded = apply_autocode(db, found, matches, coder, action=APPLY_LEARNED)
    click.echo(f"coded {coded} passage{'s' * (coded != 1)} with {found.path} — one event, undone in one step")
