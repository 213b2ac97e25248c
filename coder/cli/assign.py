"""Who codes what on the command line: `coder assign`."""

from __future__ import annotations

import click

from coder import assignments, coding
from coder.cli.base import Session, coder_option, format_option, main, names_given, new_coder_option, pass_session, render
from coder.errors import CoderError


@main.command()
@click.argument("documents", nargs=-1, metavar="[DOC]…")
@click.option("--to", "to", multiple=True, metavar="NAME[,NAME]",
              help="The coders to give the documents to (or whose done marks to set); repeat or separate by commas.")
@click.option("--done", "mark", flag_value="done", help="Mark the documents done (assigning them if they were not).")
@click.option("--not-done", "mark", flag_value="not-done", help="Take back a done mark.")
@click.option("--remove", "mark", flag_value="remove", help="Take the documents back from the coders (their codings stay).")
@coder_option
@new_coder_option
@format_option
@pass_session
def assign(session: Session, documents: tuple[str, ...], to: tuple[str, ...], mark: str | None, coder_name: str | None,
           new_coder: bool, fmt: str) -> None:
    """Assign documents to coders, mark them done, or list who codes what (no DOC).

    DOC is a document name or a shell pattern ('int0*'). Without --to, --done and --not-done
    mark the documents of the coder who is coding (--coder). `coder agree` compares, by default,
    the documents every compared coder marked done.

    Example:

        coder assign 'int0*' cong01 --to ana,ben --new-coder

        coder assign int03 --done --coder ana
    """
    db = session.open()
    if not documents:
        if to or mark:
            raise CoderError("no documents named", fix="name them, e.g.: coder assign int03 --to ana")
        people = [coding.coder_id(db, name) for name in (names_given(to) or [])] or None
        rows = [{"document": a.document, "coder": a.coder, "assigned": a.assigned[:10], "done": (a.done or "")[:10]}
                for a in assignments.assignment_list(db, people)]
        click.echo(render(rows, fmt, ["document", "coder", "assigned", "done"]) if rows or fmt != "table" else
                   "no document is assigned yet — assign some with: coder assign DOC --to NAME")
        return
    docs = assignments.documents_matching(db, documents)
    if to:
        coders = [coding.acting_coder(db, name, new=new_coder) for name in (names_given(to) or [])]
    elif mark in ("done", "not-done"):
        coders = [coding.acting_coder(db, coder_name, new=new_coder)]
    else:
        raise CoderError("whom to assign the documents to?", fix="add --to NAME (or --done to mark your own done)")
    who = (coder_name or coding.current_coder(db)).strip()
    by = coding.coder_id(db, who) if coding.is_coder(db, who) else None  # who made the change, for the log
    if mark == "remove":
        changed = assignments.unassign(db, docs, coders, by=by)
        what = "taken back"
    elif mark in ("done", "not-done"):
        changed = assignments.mark_done(db, docs, coders, done=mark == "done", by=by)
        what = "marked done" if mark == "done" else "no longer marked done"
    else:
        changed = assignments.assign(db, docs, coders, by=by)
        what = "newly assigned"
    click.echo(f"{len(docs)} document(s) × {len(coders)} coder(s): {changed} {what}")
