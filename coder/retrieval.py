"""Retrieval: the excerpts of a code, of a combination of codes, of a code by document attribute or by coder.

The workbench's retrieval view (QualCoder's coded-text report, ATLAS.ti's quotation manager) lists
what `retrieve` returns, and acts on one listed excerpt with `uncode_excerpt`, `recode_excerpt`
and `excerpt_memo`. The excerpts are `coder export excerpts`'s own (`find_excerpts`, with every
one of its filters: codes, code group, coders, documents by name, pattern or attribute, phases,
and combinations — A with B in one passage, A without C — judged per coder at passage level),
one per coding so that each can be acted on. `export_retrieved` writes exactly what is listed
through the export writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coder.coding import CodeRef, apply_in, remove_code
from coder.db import Database, now
from coder.errors import CoderError
from coder.events import writing
from coder.exports.excerpts import FORMATS, ExcerptQuery, ExcerptSet, find_excerpts, write_excerpts
from coder.exports.files import Progress, check_format, export_target


@dataclass(frozen=True)
class Retrieval:
    """What the retrieval view lists; every part is optional (no codes and no group: every code).

    Args:
        codes: excerpts of any of these codes (names, or `group/name`).
        also: codes that must each be coded, by the excerpt's coder, in a passage the excerpt touches (AND).
        without: codes that none of those passages may carry, by the excerpt's coder (NOT).
        documents: document names, patterns (`int0*`) or attributes (`kind=interview`); any of them.
        context: exports carry the passage before and after each excerpt (the view always shows them).
        sub_codes: `without` (the view lists the chosen codes' own codings), `with` or `apart`, as in the export.
    """

    codes: tuple[str, ...] = ()
    group: str | None = None
    also: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    context: bool = False
    sub_codes: str = "without"

    def query(self) -> ExcerptQuery:
        """The export's query: the same filters, one excerpt per coding, with the passages around each."""
        return ExcerptQuery(codes=self.codes, group=self.group, coders=self.coders, documents=self.documents,
                            phases=self.phases, also=self.also, without=self.without, context=True,
                            sub_codes=self.sub_codes, each_coding=True)


def retrieve(db: Database, retrieval: Retrieval) -> ExcerptSet:
    """The excerpts a retrieval lists, each with its passages before and after, in the export's order."""
    return find_excerpts(db, retrieval.query())


def export_retrieved(db: Database, exports_dir: Path, retrieval: Retrieval, fmt: str = "md", *,
                     output: Path | str | None = None, keep_both: bool = False, progress: Progress | None = None) -> Path:
    """Write what the view lists, with the export writers, to a file named for what it holds."""
    check_format(fmt, FORMATS)
    found = retrieve(db, retrieval)
    if not retrieval.context:
        for excerpt in found.items:
            excerpt.before = excerpt.after = None
    path = export_target(exports_dir, found.name_parts, fmt, output, keep_both=keep_both)
    return write_excerpts(found, path, fmt, progress=progress)


# Acting on a listed excerpt -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedCoding:
    """A listed excerpt's coding as it is now."""

    id: int
    document_id: int
    code: CodeRef
    coder_id: int
    start: int
    end: int
    memo: str | None


def _listed(db: Database, uuid: str, coder: int) -> ListedCoding:
    """The coding behind an excerpt, if it is still there and the coder's own (only one's own codings change here)."""
    row = db.execute(
        "SELECT c.id, c.document_id, k.id, k.name, g.name, g.exclusive, c.coder_id, c.start, c.end, c.memo, r.name"
        " FROM codings c JOIN codes k ON k.id = c.code_id JOIN code_groups g ON g.id = k.group_id"
        " JOIN coders r ON r.id = c.coder_id WHERE c.uuid = ?", [uuid]).fetchone()
    if row is None:
        raise CoderError("this coding is no longer in the study (changed since it was listed)",
                         fix="the list is read again: look for it there")
    if row[6] != coder:
        raise CoderError(f"this is {row[10]}'s coding: only your own codings change here",
                         fix="switch coder (c on the coding screen) to change it")
    return ListedCoding(row[0], row[1], CodeRef(row[2], row[3], row[4], bool(row[5])), row[6], row[7], row[8], row[9])


def uncode_excerpt(db: Database, uuid: str, coder: int) -> CodeRef:
    """Remove the listed coding (one transaction, one `uncode` event); returns its code."""
    listed = _listed(db, uuid, coder)
    remove_code(db, listed.document_id, listed.code, coder, listed.start, listed.end)
    return listed.code


def recode_excerpt(db: Database, uuid: str, code: CodeRef, coder: int) -> CodeRef:
    """Give the listed coding's span another code, its memo kept (one `recode` event); returns the old code."""
    old = _listed(db, uuid, coder).code
    with writing(db, "recode", coder_id=coder, summary=f"recode {old.path} to {code.path}") as changes:
        listed = _listed(db, uuid, coder)  # again, inside the write: as it is now
        if listed.code.id != code.id:
            changes.delete("codings", listed.id)
            apply_in(changes, listed.document_id, code, coder, listed.start, listed.end, memo=listed.memo)
    return listed.code


def excerpt_memo(db: Database, uuid: str, text: str, coder: int) -> str:
    """Write (or clear, when blank) the listed coding's memo (one `memo` event); says which it did."""
    with writing(db, "memo", coder_id=coder, summary=f"memo on coding {uuid}") as changes:
        listed = _listed(db, uuid, coder)
        changes.update("codings", listed.id, {"memo": text.strip() or None, "updated": now()})
    return "memo saved" if text.strip() else "memo removed"
