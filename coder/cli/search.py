"""Searching the study from the command line: the same search as `/` in the workbench."""

from __future__ import annotations

import click

from coder import coding
from coder.cli.base import Session, format_option, main, pass_session, render
from coder.search import hit_rows, search


@main.command(name="search", context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@click.option("--doc", "document", metavar="D", help="Search only this document.")
@click.option("--limit", type=int, default=500, show_default=True, help="Show at most this many passages.")
@format_option
@pass_session
def search_command(session: Session, query: tuple[str, ...], document: str | None, limit: int, fmt: str) -> None:
    """Find the passages matching QUERY: words (all of them), "a phrase", prefix*, a OR b, -excluded.

    Case and accents never matter. When QUERY is an organisation's name or alias, the passages
    where the import found it mentioned (in any spelling) are listed too. Quote a phrase
    twice on the command line: once for the shell, once for coder.

    Example:

        coder search '"trade fair"' buyers -Lima --doc int03

        coder search SENASA --format csv > senasa.csv
    """
    db = session.open()
    hits = search(db, " ".join(query), document_id=coding.find_document(db, document) if document else None, limit=limit)
    rows = hit_rows(hits)
    if fmt == "table":
        for row, hit in zip(rows, hits):
            row["snippet"] = _marked(hit.snippet, hit.snippet_spans, hit.snippet_start > hit.start,
                                     hit.snippet_start + len(hit.snippet) < hit.end)
        click.echo(render(rows, fmt, ["document", "passage", "speaker", "snippet"]))
        click.echo(f"{len(hits)} passage{'s' * (len(hits) != 1)}{' (limit reached: use --limit)' if len(hits) == limit else ''}", err=True)
        return
    click.echo(render(rows, fmt, ["document", "passage", "speaker", "start", "end", "spans", "organisation", "snippet"]))


def _marked(snippet: str, spans: list[tuple[int, int]], cut_before: bool, cut_after: bool) -> str:
    """The snippet with «» around each match and … where the passage goes on."""
    out, last = [], 0
    for start, end in spans:
        out += [snippet[last:start], "«", snippet[start:end], "»"]
        last = end
    out.append(snippet[last:])
    return ("…" if cut_before else "") + "".join(out) + ("…" if cut_after else "")
