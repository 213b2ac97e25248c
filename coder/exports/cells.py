"""The one place a value becomes a cell of a table coder writes, so that no cell runs as a formula.

Spreadsheets run text that starts with `=`, `+`, `-` or `@` (some also a tab or a carriage return)
as a formula: a document titled `=HYPERLINK(…)` or a code named `=2+3` would become a live formula
the moment a researcher opens the file. Every CSV and Excel table coder writes — exports,
cross-tabs and matrices, agreement files, `--format csv` on the terminal — writes its cells,
headers and index labels included, through `safe_cell` (the OWASP rule: a leading apostrophe):
CSV through `csv_writer`/`csv_text`, Excel through `coder.exports.spreadsheet`. Only text is
touched: a count of -3 stays a number. JSON, Markdown and Word are not spreadsheets and keep
text as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Sheets may run as a formula
EXCEL_CELL_LIMIT = 32_767
_FIRST = frozenset(FORMULA_STARTS)  # each is one character: a set lookup is faster than startswith
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet could run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value[:1] in _FIRST:
        return "'" + value
    return value


def from_cell(value: str) -> str:
    """A cell of a file coder wrote, read back: the apostrophe `safe_cell` put before a formula start taken off."""
    return value[1:] if value[:1] == "'" and value[1:2] in _FIRST else value


def excel_text(value: Any) -> Any:
    """A value Excel accepts: made safe, without XML-illegal control characters, within the cell limit."""
    value = safe_cell(value)
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XML.sub("", value)
    if len(value) > EXCEL_CELL_LIMIT:
        value = value[: EXCEL_CELL_LIMIT - 20] + " … [truncated]"
    return value


class SafeWriter:
    """A `csv.writer` whose every cell goes through `safe_cell` (None is written as an empty cell)."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(["'" + v if isinstance(v, str) and v[:1] in _FIRST else v for v in row])  # safe_cell, inlined

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: IO[str], **options: Any) -> SafeWriter:
    """The CSV writer every table file uses (options as for `csv.writer`)."""
    return SafeWriter(handle, **options)


def csv_text(columns: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A header and rows as CSV text (for the terminal), every cell made safe; no final newline."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def plain(value: Any) -> Any:
    """A pandas/numpy value as the Python value a cell holds: numbers stay numbers, NaN becomes empty."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return None if str(value) in ("<NA>", "NaT") else str(value)


def frame_cells(frame: pandas.DataFrame, *, index: bool) -> tuple[list[Any], Iterator[tuple[Any, ...]]]:
    """A DataFrame's header and rows as plain values, the index (with its name as header) first when asked."""
    names = ["" if name is None else plain(name) for name in frame.index.names] if index else []
    columns = [*names, *("" if label is None else plain(label) for label in frame.columns)]
    levels = [frame.index.get_level_values(level) for level in range(frame.index.nlevels)] if index else []
    values = [_column(part) for part in (*levels, *(frame.iloc[:, i] for i in range(frame.shape[1])))]
    return columns, zip(*values) if values else iter(())


def _column(values: Any) -> list[Any]:
    """A column (Series or Index) as plain values, converted a column at a time (a matrix has millions of cells)."""
    if values.dtype.kind in "iubf" and not values.hasnans:  # numbers with nothing missing (NaN, <NA>)
        return values.tolist()
    return [plain(value) for value in values.tolist()]
