"""Tables written to files: cross-tabs, rankings and presence matrices as CSV, XLSX, Markdown or JSON.

The table commands print a table or write it here. A file is written beside its target and renamed
into place (`coder.exports.files.replacing`), and it never replaces an existing file unless asked;
a table saved under exports/ takes the next free name (`-2`, `-3`…) instead. CSV and Excel cells,
the header and index labels too, are written through `coder.exports.cells` (formula injection).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from coder.errors import CoderError
from coder.exports.cells import csv_writer, frame_cells
from coder.exports.files import free_path, replacing

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

TABLE_SUFFIXES = (".csv", ".xlsx", ".md", ".json")


def export_table(frame: pandas.DataFrame, path: Path, *, overwrite: bool = False, index: bool = True) -> Path:
    """Write a table as CSV, XLSX, Markdown or JSON (by the file's suffix); never replaces a file unless asked."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise CoderError(f"{path} already exists", fix="choose another name, or pass --force to replace it")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise CoderError(f"cannot write a table as '{path.suffix}'", where=str(path), fix="use .csv, .xlsx, .md or .json")
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary:
        _write(frame, temporary, suffix, index)
    return path


def save_table(frame: pandas.DataFrame, folder: Path, stem: str, suffix: str, *, index: bool = True) -> Path:
    """Write a table as `folder/stem.suffix`, or `stem-2.suffix`, `stem-3.suffix`… if taken: never overwrites."""
    if suffix.lower() not in TABLE_SUFFIXES:
        raise CoderError(f"cannot write a table as '{suffix}'", fix="use .csv, .xlsx, .md or .json")
    safe = re.sub(r"[^\w.-]+", "-", stem).strip("-") or "table"
    return export_table(frame, free_path(folder / f"{safe}{suffix}"), overwrite=True, index=index)


def _write(frame: pandas.DataFrame, path: Path, suffix: str, index: bool) -> None:
    if suffix == ".csv":
        columns, rows = frame_cells(frame, index=index)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv_writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
    elif suffix == ".xlsx":
        from coder.exports.spreadsheet import Sheet, write_xlsx

        columns, rows = frame_cells(frame, index=index)
        write_xlsx(path, [Sheet("table", columns, rows, len(frame))])
    elif suffix == ".md":
        path.write_text(_markdown(frame, index), encoding="utf-8")
    elif index:
        frame.reset_index().to_json(path, orient="records", force_ascii=False, indent=2)
    else:
        frame.to_json(path, orient="records", force_ascii=False, indent=2)


def _markdown(frame: pandas.DataFrame, index: bool) -> str:
    data = frame.reset_index() if index else frame
    header = [str(c) for c in data.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in data.itertuples(index=False):
        lines.append("| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines) + "\n"
