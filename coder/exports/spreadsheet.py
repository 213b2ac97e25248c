"""Excel workbooks written directly as SpreadsheetML: fast enough for a hundred thousand excerpts.

openpyxl, even in write-only mode, writes about 45,000 cells a second here; an excerpts export
of 100,000 codings is 4 million cells (the "all" sheet and one sheet per code), so it would take
a minute and a half. The workbook format is simple enough to write as text: inline strings,
one bold header row, frozen panes, an autofilter and column widths — what the exports need, and
nothing else. Every cell, the header's too, goes through `cells.excel_text` (formula injection,
control characters, the 32,767-character limit). openpyxl reads these files back in the tests.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from xml.sax.saxutils import escape, quoteattr

from coder.errors import CoderError
from coder.exports.cells import EXCEL_CELL_LIMIT, FORMULA_STARTS, excel_text

MAX_ROWS = 1_048_576
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
FORMULA_FIRST = frozenset(FORMULA_STARTS)
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")  # text that needs escaping or cleaning
_TEXT = ' t="inlineStr"><is><t xml:space="preserve">'


@dataclass
class Sheet:
    """One sheet: its title, header, column widths and rows (`count` of them, for the filter range).

    Rows are values, or (with `prepared`) the output of `prepare_row`, so that rows shown on
    several sheets are rendered once.
    """

    title: str
    columns: Sequence[Any]  # header cells: text, or numbers (a year)
    rows: Iterable[Sequence[Any]]
    count: int
    widths: Sequence[float] = ()
    prepared: bool = False


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_parts(values: Sequence[Any]) -> list[str | None]:
    """Each value as the end of a `<c>` element (everything after its reference); None for an empty cell.

    Text is made safe as `cells.excel_text` does; this is that function inlined, because it runs
    for every cell of the workbook.
    """
    parts: list[str | None] = []
    append = parts.append
    for value in values:
        kind = type(value)
        if kind is str:
            if not value:
                append(None)
                continue
            if value[0] in FORMULA_FIRST:
                value = "'" + value
            if _SPECIAL.search(value):
                value = escape(excel_text(value))
            elif len(value) > EXCEL_CELL_LIMIT:
                value = escape(excel_text(value))
            append(f'{_TEXT}{value}</t></is></c>')
        elif value is None:
            append(None)
        elif kind is bool:
            append(f' t="b"><v>{int(value)}</v></c>')
        elif kind is int or kind is float:
            append(f"><v>{value!r}</v></c>")
        else:
            append(f"{_TEXT}{escape(excel_text(str(value)))}</t></is></c>")
    return parts


ROW = "\x00"  # stands for the row number in a prepared row (never in cell text: control characters are removed)


def prepare_row(values: Sequence[Any]) -> str:
    """A row's cells as XML with a placeholder for its row number, for `Sheet(prepared=True)`."""
    starts = _cell_starts(len(values))
    return "".join(start + part for start, part in zip(starts, cell_parts(values)) if part)


@lru_cache(maxsize=8)
def _cell_starts(count: int) -> tuple[str, ...]:
    return tuple(f'<c r="{column_letter(i)}{ROW}"' for i in range(1, count + 1))


def _sheet_xml(sheet: Sheet, rows: Iterable[str], write: Any) -> None:
    letters = [column_letter(i) for i in range(1, len(sheet.columns) + 1)]
    last = f"{letters[-1] if letters else 'A'}{sheet.count + 1}"
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(sheet.widths, 1))
    write(f'{HEAD}<worksheet xmlns="{MAIN}"><dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0">'
          '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>'
          f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')
    header = "".join(f'<c r="{letter}1" s="1"{part}' for letter, part in zip(letters, cell_parts(sheet.columns)) if part)
    write(f'<row r="1">{header}</row>')
    chunk: list[str] = []
    for number, cells in enumerate(rows, 2):
        chunk.append(f'<row r="{number}">{cells.replace(ROW, str(number))}</row>')
        if len(chunk) == 2000:
            write("".join(chunk))
            chunk.clear()
    write("".join(chunk))
    write(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>')


def write_xlsx(path: Path, sheets: Sequence[Sheet], *, title: str | None = None) -> Path:
    """Write the sheets as an .xlsx workbook (rows may be values or `cell_parts` already made)."""
    if not sheets:
        raise CoderError("nothing to write", fix="choose what to export")
    for sheet in sheets:
        if sheet.count + 1 > MAX_ROWS:
            raise CoderError(f"sheet '{sheet.title}' would have {sheet.count:,} rows, more than Excel allows",
                             fix="export fewer excerpts (choose codes or coders), or use --format csv")
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in range(1, len(sheets) + 1))
        archive.writestr("[Content_Types].xml", (
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f"{overrides}</Types>"))
        archive.writestr("_rels/.rels", (
            f'{HEAD}<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{PACKAGE}/metadata/core-properties" Target="docProps/core.xml"/></Relationships>'))
        archive.writestr("docProps/core.xml", (
            f'{HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{escape(title or "")}</dc:title><dc:creator>coder</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created></cp:coreProperties>'))
        names = "".join(f'<sheet name={quoteattr(s.title)} sheetId="{n}" r:id="rId{n}"/>' for n, s in enumerate(sheets, 1))
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
            f"{escape(_quoted(s.title))}!$A$1:${column_letter(max(len(s.columns), 1))}${s.count + 1}</definedName>"
            for n, s in enumerate(sheets))
        archive.writestr("xl/workbook.xml", (
            f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{names}</sheets><definedNames>{filters}</definedNames></workbook>"))
        sheet_relations = "".join(f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                                  for n in range(1, len(sheets) + 1))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'{HEAD}<Relationships xmlns="{PACKAGE}">{sheet_relations}'
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>'))
        archive.writestr("xl/styles.xml", (
            f'{HEAD}<styleSheet xmlns="{MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'))
        for number, sheet in enumerate(sheets, 1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as stream:
                # prepared rows are the strings prepare_row made
                rows = cast("Iterable[str]", sheet.rows) if sheet.prepared else (prepare_row(r) for r in sheet.rows)
                _sheet_xml(sheet, rows, lambda text: stream.write(text.encode("utf-8")))
    return path


def _quoted(title: str) -> str:
    """A sheet name as a formula reference: 'O''Brien'."""
    return "'" + title.replace("'", "''") + "'"
