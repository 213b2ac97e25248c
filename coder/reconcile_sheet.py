"""The reconcile queue as a sheet: listed to CSV, decided at a team meeting or in a spreadsheet, settled from it.

A team that reconciles hundreds of disagreements often does it around one table with the list printed or on a
shared screen, not unit by unit in one person's terminal. `coder reconcile list` writes the queue — every passage
where the coders differ, each coder's codes there, the passage's text — with three empty columns to fill:
`decision` (keep NAME, union, intersection, drop, recode), `codes` (for recode: code paths separated by `;`) and
`memo` (the rationale). `coder reconcile settle FILE` then settles every filled row through the same decisions as
the reconcile screen (`reconcile.decide`): each one an undoable event of the consensus coder, all of them in one
transaction. A row whose passage the coders have recoded since the list was written is refused, as is any
decision the screen would refuse; then nothing is settled.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from coder.coding import find_code
from coder.db import Database, transaction
from coder.errors import CoderError, quotes_a_file
from coder.exports.cells import from_cell
from coder.limits import LIMITS, Limits, csv_rows, read_bounded
from coder.reconcile import KINDS, Decision, Queue, Unit, code_ids_of_groups, decide, decided, unit_text

FILLED = ("decision", "codes", "memo")  # the columns a team fills in
SEPARATOR = "; "


def _paths(db: Database, code_ids: frozenset[int]) -> str:
    if not code_ids:
        return ""
    marks = ", ".join("?" for _ in code_ids)
    rows = db.execute(f"SELECT g.name || '/' || c.name FROM codes c JOIN code_groups g ON g.id = c.group_id"
                      f" WHERE c.id IN ({marks}) ORDER BY g.ordinal, c.ordinal, c.name", sorted(code_ids))
    return SEPARATOR.join(r[0] for r in rows)


def sheet_columns(queue: Queue) -> list[str]:
    return ["document", "passage", *queue.coders, "disputed", "settled", *FILLED, "text"]


def queue_sheet(db: Database, queue: Queue, *, unsettled: bool = False) -> list[dict[str, str | int]]:
    """One row per disagreement of the queue: each coder's codes, the disputed ones, what was settled, the text.

    Args:
        unsettled: only the passages no decision has settled yet.
    """
    done = decided(db, queue)
    rows: list[dict[str, str | int]] = []
    for unit in queue.units:
        if unsettled and unit.key in done:
            continue
        row: dict[str, str | int] = {"document": unit.document, "passage": unit.ordinal}
        row |= {coder: _paths(db, unit.codes.get(coder, frozenset())) for coder in queue.coders}
        row |= {"disputed": _paths(db, unit.disputed), "settled": done.get(unit.key, ""),
                "decision": "", "codes": "", "memo": "", "text": " ".join(unit_text(db, unit).split())}
        rows.append(row)
    return rows


@dataclass(frozen=True)
class _Planned:
    line: int
    unit: Unit
    kind: str
    coder: str | None
    codes: list[int] | None
    memo: str | None


def settle_sheet(db: Database, queue: Queue, path: Path, *, limits: Limits = LIMITS) -> list[Decision]:
    """Settle every row of the sheet with a decision, in one transaction; one error names the first bad line."""
    planned = _plan(db, queue, read_bounded(path, limits.file_bytes, where=path.name), path.name, limits)
    decisions = []
    with transaction(db):
        for item in planned:
            try:
                decisions.append(decide(db, queue, item.unit, item.kind, coder=item.coder, codes=item.codes, memo=item.memo))
            except CoderError as error:
                raise CoderError(error.message, where=f"{path.name}:{item.line}", fix=error.fix) from error
    return decisions


@quotes_a_file
def _plan(db: Database, queue: Queue, raw: bytes, shown: str, limits: Limits) -> list[_Planned]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CoderError(f"not UTF-8 text (byte {error.start})", where=shown, fix="save the file as UTF-8 CSV") from error

    def lines() -> Iterator[str]:
        return iter(io.StringIO(text, newline=""))

    units = {unit.key: unit for unit in queue.units}
    header: list[str] | None = None
    planned: list[_Planned] = []
    seen: dict[str, int] = {}
    problems: list[tuple[int, str, str]] = []
    for line, row in csv_rows(lines(), shown, limits):
        if not "".join(row).strip():
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            missing = [c for c in ("document", "passage", *FILLED, *queue.coders) if c not in header]
            if missing:
                raise CoderError(f"missing column(s) {', '.join(missing)} in the header", where=f"{shown}:{line}",
                                 fix="start from the sheet `coder reconcile list --format csv` writes, for the same coders")
            continue
        cells = {column: from_cell(value.strip()) for column, value in zip(header, row)}  # as `queue_sheet` was written
        if not cells.get("decision"):
            continue
        try:
            item = _planned(db, queue, units, cells, line)
        except CoderError as error:
            problems.append((line, error.message, error.fix or ""))
            continue
        if item.unit.key in seen:
            problems.append((line, f"{item.unit.key} is decided twice (lines {seen[item.unit.key]} and {line})",
                             "keep one decision per passage"))
            continue
        seen[item.unit.key] = line
        planned.append(item)
    if header is None:
        raise CoderError("the file has no header and no rows", where=shown, fix="start from `coder reconcile list --format csv`")
    if problems:
        line, message, fix = problems[0]
        more = f" (and {len(problems) - 1} more problem{'s' * (len(problems) > 2)} in this file)" if len(problems) > 1 else ""
        raise CoderError(message + more, where=f"{shown}:{line}", fix=fix or None)
    return planned


def _planned(db: Database, queue: Queue, units: dict[str, Unit], cells: dict[str, str], line: int) -> _Planned:
    """A row's unit and decision, or a CoderError saying what is wrong with it."""
    key = f"{cells.get('document', '')}:{cells.get('passage', '')}"
    unit = units.get(key)
    if unit is None:
        raise CoderError(f"{cells.get('document')} passage {cells.get('passage')} is not a disagreement of this queue",
                         fix="list the queue again for the same coders, documents and groups")
    for name in queue.coders:
        if cells.get(name, "") != _paths(db, unit.codes.get(name, frozenset())):
            raise CoderError(f"{name}'s codes at {key} have changed since the sheet was written",
                             fix="list the queue again and decide this passage afresh")
    words = cells["decision"].split()
    kind = words[0].lower()
    if kind not in KINDS or (kind == "keep") != (len(words) == 2) or len(words) > 2:
        raise CoderError(f"unknown decision '{cells['decision']}'",
                         fix=f"write keep NAME ({', '.join(queue.coders)}), union, intersection, drop or recode")
    coder = words[1] if kind == "keep" else None
    if coder is not None and coder not in queue.coders:
        raise CoderError(f"'{coder}' is not a coder of this queue", fix=f"keep one of: {', '.join(queue.coders)}")
    codes = None
    if kind == "recode":
        paths = [p.strip() for p in cells.get("codes", "").split(";") if p.strip()]
        codes = [find_code(db, p).id for p in paths]
        compared = set(code_ids_of_groups(db, queue.groups))
        outside = [p for p, c in zip(paths, codes) if c not in compared]
        if outside:
            raise CoderError(f"{', '.join(outside)} is not in the compared groups ({', '.join(queue.groups)})",
                             fix="recode with codes of the groups the queue compares")
    elif cells.get("codes"):
        raise CoderError("codes are given but the decision is not recode", fix="write recode, or empty the codes cell")
    return _Planned(line, unit, kind, coder, codes, cells.get("memo") or None)

