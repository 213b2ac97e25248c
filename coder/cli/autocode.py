"""Auto-coding from the command line: preview first, apply with --yes, undo as one step."""

from __future__ import annotations

import click

from coder import coding
from coder.autocode import UNITS, apply_autocode, preview_autocode
from coder.cli.base import Session, coder_option, main, new_coder_option, pass_session, render

PREVIEW_ROWS = 10


@main.command()
@click.argument("code")
@click.option("--query", "-q", metavar="Q", help='Search words, as in coder search: words, "a phrase", prefix*, OR, -word.')
@click.option("--regex", "-r", metavar="R", help="A Python regular expression (case-insensitive unless --case-sensitive).")
@click.option("--speaker", "-s", metavar="S", help="A speaker label, e.g. RESPONDENT (alone, or to narrow --query/--regex).")
@click.option("--doc", "document", metavar="D", help="Only this document (default: the whole study).")
@click.option("--unit", type=click.Choice(UNITS), default="passage", show_default=True,
              help="Code whole passages, or only the matched text.")
@click.option("--case-sensitive", is_flag=True, help="For --regex: upper and lower case differ.")
@click.option("--yes", "-y", is_flag=True, help="Apply the code; without it, only the preview is shown.")
@coder_option
@new_coder_option
@pass_session
def autocode(session: Session, code: str, query: str | None, regex: str | None, speaker: str | None, document: str | None,
             unit: str, case_sensitive: bool, yes: bool, coder_name: str | None, new_coder: bool) -> None:
    """Code every passage found by words, a regular expression or a speaker with CODE.

    Without --yes it only shows how many passages would be coded and the first of them.
    With --yes the code is applied in one step, which `u` in the workbench (or one undo)
    takes back whole.

    Example:

        coder autocode Diffusing --query '"field day" OR workshop*' --doc int05

        coder autocode Diffusing --query '"field day" OR workshop*' --doc int05 --yes --coder ana
    """
    db = session.open()
    found = coding.find_code(db, code)
    matches = preview_autocode(db, query=query, regex=regex, speaker=speaker, ignore_case=not case_sensitive,
                               document_id=coding.find_document(db, document) if document else None)
    count = len(matches)
    if not yes:
        rows = [{"document": m.document, "passage": m.ordinal, "why": m.why, "excerpt": m.excerpt} for m in matches[:PREVIEW_ROWS]]
        click.echo(f"{count} passage{'s' * (count != 1)} would be coded with {found.path}"
                   f"{' (matched text only)' if unit == 'match' else ''}:")
        if rows:
            click.echo(render(rows, "table"))
        if count > PREVIEW_ROWS:
            click.echo(f"… and {count - PREVIEW_ROWS} more")
        if count:
            click.echo("Nothing was changed. Run again with --yes to apply.")
        return
    coder = coding.acting_coder(db, coder_name, new=new_coder)
    coded = apply_autocode(db, found, matches, coder, unit=unit)
    already = (count if unit == "passage" else sum(len(m.spans) for m in matches)) - coded
    click.echo(f"coded {coded} {'passage' if unit == 'passage' else 'span'}{'s' * (coded != 1)} with {found.path}"
               f"{f' ({already} already coded)' if already else ''} — one event, undone in one step")
