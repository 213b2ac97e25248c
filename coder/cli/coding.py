"""Scriptable coding: code, uncode and list codings."""

from __future__ import annotations

import click

from coder import coding
from coder.cli.base import Session, coder_option, format_option, main, new_coder_option, pass_session, render


@main.command()
@click.argument("document")
@click.argument("passages")
@click.argument("code")
@coder_option
@new_coder_option
@click.option("--memo", help="A memo to attach to the coding.")
@pass_session
def code(session: Session, document: str, passages: str, code: str, coder_name: str | None, new_coder: bool,
         memo: str | None) -> None:
    """Code PASSAGES (a number like 7 or a range like 7-9) of DOCUMENT with CODE.

    CODE is a code name, or group/name when two groups share a name.

    Example:

        coder code int03 12 Coordinating --coder ana --memo "joint project with INCAGRO"
    """
    db = session.open()
    document_id = coding.find_document(db, document)
    found = coding.find_code(db, code)
    first, last = coding.parse_passages(passages)
    coder = coding.acting_coder(db, coder_name, new=new_coder)
    coding_id, _, _ = coding.code_passages(db, document_id, first, last, found, coder, memo=memo)
    click.echo(f"coded {document} passage {passages} with {found.path} (coding {coding_id})")


@main.command()
@click.argument("document")
@click.argument("passages")
@click.argument("code")
@coder_option
@pass_session
def uncode(session: Session, document: str, passages: str, code: str, coder_name: str | None) -> None:
    """Remove CODE from PASSAGES of DOCUMENT (only the coder's own codings, only inside those passages).

    Example:

        coder uncode int03 12 Coordinating --coder ana
    """
    db = session.open()
    document_id = coding.find_document(db, document)
    found = coding.find_code(db, code)
    first, last = coding.parse_passages(passages)
    coder = coding.coder_id(db, coder_name or coding.current_coder(db))
    changed = coding.uncode_passages(db, document_id, first, last, found, coder)
    click.echo(f"removed {found.path} from {document} passage {passages} ({changed} coding{'s' * (changed != 1)} changed)")


@main.command()
@click.option("--code", "code_name", help="Only codings of this code.")
@click.option("--coder", "coder_name", help="Only this coder's codings.")
@click.option("--doc", "document", help="Only codings in this document.")
@format_option
@pass_session
def codings(session: Session, code_name: str | None, coder_name: str | None, document: str | None, fmt: str) -> None:
    """List codings with their document, passage, code, coder, quote and memo.

    Example:

        coder codings --code Enabling --format csv > enabling.csv
    """
    db = session.open()
    rows = coding.codings(
        db,
        code=coding.find_code(db, code_name) if code_name else None,
        coder=coding.coder_id(db, coder_name) if coder_name else None,
        document_id=coding.find_document(db, document) if document else None,
    )
    columns = ["document", "passage", "code_group", "code", "coder", "start", "end", "quote", "memo"]
    if fmt == "table":
        rows = [{**r, "quote": r["quote"][:60] + ("…" if len(r["quote"]) > 60 else "")} for r in rows]
    click.echo(render(rows, fmt, columns if fmt == "table" else columns + ["uuid", "created", "updated"]))
