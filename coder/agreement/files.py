"""Saving an agreement report so a reviewer can reproduce every figure in R or Python.

`save` writes `parameters.json` (the choices, the results and how to recompute them) and one CSV
per code, group and the pooled stack with a row per unit and a column per coder; at character
level, the coders' sections and the documents' lengths instead. Cells are written through
`coder.exports.cells` (a coder named `=2+3` is the column `'=2+3`, never a formula), and
parameters.json names the columns and codes as the files spell them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coder import __version__
from coder.agreement.result import plain
from coder.agreement.study import Report, Variable, variable_blocks
from coder.exports.cells import csv_writer, safe_cell
from coder.text import slug


def save(report: Report, directory: Path | str) -> list[Path]:
    """Write `parameters.json` and one CSV per code, group and the pooled stack, into `directory`.

    Each CSV has a row per unit: document, unit (its ordinal), start, end, then one column per coder
    (1 = applied, 0 = not applied, empty = missing; exclusive groups use 0 = none, 1.. = the codes
    listed in parameters.json). Stacked files (groups, pooled) add a `code` column. At character
    level, `sections.csv` and `documents.csv` hold the coders' sections instead. Returns the files.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    files: dict[str, Any] = {}
    coders = list(report.parameters["coders"])
    columns = [safe_cell(f"coder {name}" if name in ("code", "document", "unit", "start", "end") else name) for name in coders]
    taken: set[str] = {"parameters"}
    for key, variable in report.variables.items():
        path = folder / f"{_file_name(key, taken)}.csv"
        _write_variable(report, variable, path, columns)
        files[key] = {"file": path.name, "values": dict(enumerate(variable.labels)), "coder_columns": columns,
                      "stacked_codes": [safe_cell(code) for code in variable.codes] or None}
        written.append(path)
    if report.sections:
        written += _write_sections(report.sections, folder)
        files["sections"] = {"file": "sections.csv", "documents": "documents.csv"}
    parameters = {
        "tool": f"coder {__version__}", **report.parameters, "files": files, "notes": report.notes,
        "reproduce": _reproduce_hint(report, columns), "results": [row.as_dict() for row in report.rows],
    }
    path = folder / "parameters.json"
    path.write_text(json.dumps(plain(parameters), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path, *written]


def _file_name(key: str, taken: set[str]) -> str:
    """A file name for a variable, unique among those `taken`."""
    base = slug(key.replace("group:", "group-"), lower=True) or "code"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def _write_variable(report: Report, variable: Variable, path: Path, columns: list[str]) -> None:
    """One variable's table as CSV: a row per unit (per code and unit for a stack), a column per coder."""
    import numpy as np  # ≈0.1 s

    blocks = variable_blocks(report, variable)
    units = report.units
    ids = [units["document"], units["unit"].astype(str), units["start"].astype(str), units["end"].astype(str)]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out, lineterminator="\n")
        writer.writerow((["code"] if variable.codes else []) + ["document", "unit", "start", "end", *columns])
        for code, values in blocks:
            cells = np.where(values < 0, "", values.astype(str))
            lead = [[code]] * len(values) if code is not None else [[]] * len(values)
            writer.writerows(lead[i] + [ids[0][i], ids[1][i], ids[2][i], ids[3][i], *cells[i]] for i in range(len(values)))


def _write_sections(sections: dict[str, Any], folder: Path) -> list[Path]:
    """The coders' sections, and each document's length and offset on the pooled continuum, as CSV."""
    codings = sections["codings"]
    with (folder / "sections.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out, lineterminator="\n")
        writer.writerow(["document", "code", "coder", "start", "end"])
        for d, c, j, s, e in zip(codings["doc"], codings["code"], codings["coder"], codings["start"], codings["end"]):
            writer.writerow([sections["documents"][d], sections["codes"][c], sections["coders"][j], int(s), int(e)])
    with (folder / "documents.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out, lineterminator="\n")
        writer.writerow(["document", "length", "offset"])
        writer.writerows([name, int(n), int(o)] for name, n, o in zip(sections["documents"], sections["lengths"], sections["offsets"]))
    return [folder / "sections.csv", folder / "documents.csv"]


def _reproduce_hint(report: Report, columns: list[str]) -> dict[str, str]:
    """How to recompute the figures from the files, in Python and in R."""
    if report.sections:
        return {"python": "from coder.agreement import unitized, pool_continua  # see docs/agreement.md, 'Reproducing'"}
    names = ", ".join(f'"{c}"' for c in columns)
    return {
        "python": f'd = pandas.read_csv(FILE); krippendorff.alpha(reliability_data=d[[{names}]].T.to_numpy(float), '
                  'level_of_measurement="nominal")',
        "R": f'd <- read.csv(FILE, check.names = FALSE); irr::kripp.alpha(t(as.matrix(d[, c({names})])), method = "nominal")',
    }
