"""Reading a survey from its files, without the database: an organisations CSV, a ties CSV, or a
Pajek `.net` network.

A study's survey lives in `transcripts/survey/` as CSV (`organisations.csv`, `ties.csv`) or as one
Pajek `.net` file; docs/network-and-crosstabs.md documents the columns and the Pajek conventions.
Every error names the file and line, and bytes are decoded by `coder.text.decode`.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from coder.errors import CoderError, quotes_a_file
from coder.limits import LIMITS, Limits, csv_rows, read_bounded, too_big
from coder.network.survey import MAX_RATING, Survey, Tie, weight_name
from coder.text import decode, fold

SURVEY_FOLDER = "survey"


# CSV -----------------------------------------------------------------------------------------


def _open(path: Path, where: str, limits: Limits, newline: str | None = "") -> TextIO:
    """The file's lines, one at a time: refused unread when over the budget, or when it is not text."""
    raw = read_bounded(path, limits.file_bytes, where=where,
                       fix="check that it is the survey (a survey of thousands of ties is under 1 MB)")
    encoding = decode(raw, where, fix="save the survey as CSV (UTF-8) or as a Pajek .net text file").encoding
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=newline)


def _value(text: str) -> Any:
    """A CSV cell as int, float or text; None when blank."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _rating(text: str | None, column: str, where: str) -> float:
    if text is None or not str(text).strip():
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise CoderError(f"{column} '{text}' is not a number", where=where, fix=f"write a rating from 0 to {MAX_RATING}") from None
    if not 0 <= value <= MAX_RATING:
        raise CoderError(f"{column} {text} is outside 0–{MAX_RATING}", where=where, fix=f"write a rating from 0 to {MAX_RATING}")
    return value


def _members(text: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", text or "") if part.strip()]


ORGANISATION_COLUMNS = {"name": "name", "organisation": "name", "type": "type", "member_of": "member_of",
                        "based_in": "based_in"}
TIE_COLUMNS = {"source": "source", "from": "source", "target": "target", "to": "target",
               "technological": "technological", "tech": "technological", "technical": "technological",
               "commercial": "commercial", "comm": "commercial", "weight": "weight", "origin": "origin"}


def _csv_rows(path: Path, where: str, limits: Limits) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and, one at a time, the rows (line, column → cell) that are not blank, within the budget."""
    fix = "check that it is the survey (the bundled survey has 191 ties)"
    for _ in csv_rows(_open(path, where, limits), where, limits, fix, most=limits.survey_rows):
        pass  # the budget first, one row at a time: a refusal comes in seconds, before any row is taken
    records = csv_rows(_open(path, where, limits), where, limits, fix, most=limits.survey_rows)
    header = next((row for _, row in records if row), [])
    if not header:
        raise CoderError("the file is empty", where=where, fix="write a header line and one row per entry")
    names = [h.strip() for h in header]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for line, row in records:
            cells = [cell.strip() for cell in row]
            cleaned = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(names)}  # extra cells are dropped
            if any(cleaned.values()):
                yield line, cleaned
    return names, rows()


@quotes_a_file
def read_organisations_csv(path: Path, survey: Survey, *, where: str | None = None, limits: Limits = LIMITS) -> None:
    """Add the nodes and attributes of an organisations CSV (name, type, member_of, based_in, …)."""
    where = where or str(path)
    header, rows = _csv_rows(path, where, limits)
    names = {h: ORGANISATION_COLUMNS.get(h.lower()) for h in header}
    if "name" not in names.values():
        raise CoderError("no 'name' column", where=f"{where}:1", fix="name the first column 'name'")
    name_column = next(h for h, n in names.items() if n == "name")
    seen: dict[str, int] = {}
    for line, row in rows:
        name = row.get(name_column, "")
        if not name:
            raise CoderError("organisation without a name", where=f"{where}:{line}", fix="fill in the name column")
        if fold(name) in seen:
            raise CoderError(f"'{name}' is listed twice (first on line {seen[fold(name)]})", where=f"{where}:{line}",
                             fix="keep one row per organisation")
        seen[fold(name)] = line
        node = survey.node(name)
        for column, value in row.items():
            role = names.get(column)
            if role == "type":
                node.type = value or None
            elif role == "member_of":
                node.member_of = _members(value)
            elif role == "based_in":
                node.based_in = value or None
            elif role is None and _value(value) is not None:
                node.attributes[column] = _value(value)
    survey.files.append(where)


@quotes_a_file
def read_ties_csv(path: Path, survey: Survey, *, where: str | None = None, limits: Limits = LIMITS) -> None:
    """Add the ties of a ties CSV (source, target, technological, commercial, origin)."""
    where = where or str(path)
    header, rows = _csv_rows(path, where, limits)
    roles = {h: TIE_COLUMNS.get(h.lower()) for h in header}
    for needed in ("source", "target"):
        if needed not in roles.values():
            raise CoderError(f"no '{needed}' column", where=f"{where}:1",
                             fix="write the header source,target,technological,commercial,origin")
    column = {role: h for h, role in roles.items() if role}
    if "technological" not in column and "weight" in column:
        column["technological"] = column["weight"]  # a single weight is the technological rating (Table 2)
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        at = f"{where}:{line}"
        source, target = row.get(column["source"], ""), row.get(column["target"], "")
        if not source or not target:
            raise CoderError("tie without a source or target", where=at, fix="fill in both names")
        if fold(source) == fold(target):
            raise CoderError(f"'{source}' has a tie to itself", where=at, fix="remove the row")
        key = (fold(source), fold(target))
        if key in seen:
            raise CoderError(f"tie {source} → {target} is listed twice (first on line {seen[key]})", where=at,
                             fix="keep one row per tie, with both ratings on it")
        seen[key] = line
        tie = Tie(survey.node(source).name, survey.node(target).name,
                  _rating(row.get(column.get("technological", "")), "technological", at),
                  _rating(row.get(column.get("commercial", "")), "commercial", at),
                  row.get(column.get("origin", "")) or None)
        survey.ties.append(tie)
    survey.files.append(where)


# Pajek ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r'"[^"]*"|\S+')
_ATTRIBUTE_KEYS = {"technological": "technological", "tech": "technological", "commercial": "commercial",
                   "comm": "commercial", "origin": "origin"}


def _relation_of(label: str | None, default: str, where: str) -> str:
    if not label:
        return default
    folded = fold(label).strip()
    if folded.startswith("tec"):  # technological, tecnológico
        return "technological"
    if folded.startswith("com"):  # commercial, comercial
        return "commercial"
    raise CoderError(f"arc list '{label}' is neither technological nor commercial", where=where,
                     fix='label the lists *Arcs :1 "technological" and *Arcs :2 "commercial"')


@quotes_a_file
def read_pajek(path: Path, survey: Survey | None = None, *, weight_as: str = "technological",
               where: str | None = None, limits: Limits = LIMITS) -> Survey:
    """Read a Pajek `.net` network: `*Vertices` with labels, one or two `*Arcs` lists.

    Args:
        weight_as: which rating an unlabelled `*Arcs` list's weight is (technological or commercial).
    """
    survey = survey if survey is not None else Survey()
    where = where or str(path)
    weight_as = weight_name(weight_as)
    if weight_as == "both":
        raise CoderError("an arc weight can only be read as tech or commercial", fix="use weight_as='technological'")
    labels: dict[str, str] = {}
    relations: dict[str, str] = {}  # relation number → technological | commercial
    section, relation = None, weight_as
    pending: list[tuple[str, str, str, list[str], int]] = []  # the line's number, not its `where`: an arc takes little
    for number, raw in enumerate(_open(path, where, limits, newline=None), 1):  # the budget first: a refusal in seconds
        if number > limits.survey_rows:
            raise too_big("the file", f"longer than {limits.survey_rows:,} lines", f"{limits.survey_rows:,} lines", f"{where}:{number}",
                          "check that it is the survey (the bundled survey has 191 ties)")
        if len(raw) > limits.csv_field_characters and len(raw.strip()) > limits.csv_field_characters:
            raise too_big("the line", f"{len(raw.strip()):,} characters", f"{limits.csv_field_characters:,} characters",
                          f"{where}:{number}", "write one vertex or arc a line")
    for number, raw in enumerate(_open(path, where, limits, newline=None), 1):
        line, at = raw.strip(), f"{where}:{number}"
        if not line or line.startswith("%"):
            continue
        if line.startswith("*"):
            head = line.split(None, 1)[0].lower()
            if head == "*vertices":
                section = "vertices"
            elif head == "*arcs":
                section = "arcs"
                match = re.match(r'\*arcs\s*(?::\s*(\d+))?\s*(?:"([^"]*)"|(\S+))?', line, re.IGNORECASE)
                label = (match[2] or match[3]) if match else None
                relation = _relation_of(label, weight_as, at)
                if match and match[1]:
                    relations[match[1]] = relation
            elif head in ("*network", "*description"):
                section = None
            elif head in ("*edges", "*edgeslist"):
                raise CoderError("undirected *Edges cannot say who gives knowledge to whom", where=at,
                                 fix="write the ties as *Arcs source target weight")
            else:
                raise CoderError(f"unsupported Pajek section {head}", where=at, fix="write *Vertices and *Arcs lists")
            continue
        tokens = _TOKEN.findall(line)
        if section == "vertices":
            label = tokens[1].strip('"').strip() if len(tokens) > 1 else tokens[0]
            labels[tokens[0]] = label or tokens[0]
        elif section == "arcs":
            arc_relation = relation
            if tokens[0].endswith(":") and tokens[0][:-1].isdigit():  # `2: 1 5 3` names the relation per line
                arc_relation = relations.get(tokens[0][:-1]) or _relation_of(None, weight_as, at)
                tokens = tokens[1:]
            if len(tokens) < 2:
                raise CoderError("an arc needs a source and a target", where=at, fix="write: source target weight")
            pending.append((tokens[0], tokens[1], arc_relation, tokens[2:], number))
        else:
            raise CoderError("line outside a *Vertices or *Arcs list", where=at, fix="start the file with *Vertices N")
    ties: dict[tuple[str, str], Tie] = {}
    rated: dict[tuple[str, str, str], int] = {}
    for source_id, target_id, arc_relation, rest, number in pending:
        at = f"{where}:{number}"
        source = survey.node(labels.get(source_id, source_id)).name
        target = survey.node(labels.get(target_id, target_id)).name
        if fold(source) == fold(target):
            raise CoderError(f"'{source}' has an arc to itself", where=at, fix="remove the line")
        tie = ties.get((source, target))
        if tie is None:
            tie = ties[(source, target)] = Tie(source, target, origin="pajek")
            survey.ties.append(tie)
        values: dict[str, str] = {}
        if rest and _is_number(rest[0]):
            values[arc_relation] = rest.pop(0)
        elif not rest or rest[0].lower() not in _ATTRIBUTE_KEYS:
            values[arc_relation] = "1"  # Pajek: an arc without a weight has weight 1
        for key, value in zip(rest[0::2], rest[1::2]):  # edge-attribute convention: `… commercial 2`
            if key.lower() in _ATTRIBUTE_KEYS:
                values[_ATTRIBUTE_KEYS[key.lower()]] = value.strip('"')
        for name, value in values.items():
            if name == "origin":
                tie.origin = value
                continue
            first = rated.setdefault((source, target, name), number)
            if first != number:
                raise CoderError(f"arc {source} → {target} has a second {name} rating (first at {where}:{first})", where=at,
                                 fix="keep one arc per pair and relation")
            setattr(tie, name, _rating(value, name, at))
    for label in labels.values():
        survey.node(label)
    for tie in survey.ties:
        survey.node(tie.source)
        survey.node(tie.target)
    survey.files.append(where)
    return survey


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


# The survey folder -----------------------------------------------------------------------------


def survey_files(folder: Path) -> list[Path]:
    """The files that make a study's survey: organisations.csv and ties.csv, else one Pajek .net file."""
    if not folder.is_dir():
        return []
    organisations, ties = folder / "organisations.csv", folder / "ties.csv"
    nets = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".net")
    files = [p for p in (organisations, ties) if p.is_file()]
    if ties.is_file():
        return files
    if len(nets) > 1:
        raise CoderError(f"{len(nets)} Pajek files in {folder.name}/ ({', '.join(p.name for p in nets)})",
                         where=str(folder), fix="keep one .net file (or write ties.csv) in the survey folder")
    return files + nets


def read_survey(files: Sequence[Path], *, root: Path | None = None, limits: Limits = LIMITS) -> Survey:
    """Read survey files (organisations CSV, ties CSV, Pajek .net) into one survey."""
    survey = Survey()
    for path in sorted(files, key=lambda p: (p.suffix.lower() == ".csv" and p.name != "organisations.csv", p.name)):
        where = _display(path, root)
        if path.suffix.lower() == ".net":
            read_pajek(path, survey, where=where, limits=limits)
        elif path.name.lower() == "organisations.csv" or (
                path.name.lower() != "ties.csv" and _looks_like_organisations(path, where, limits)):
            read_organisations_csv(path, survey, where=where, limits=limits)
        else:
            read_ties_csv(path, survey, where=where, limits=limits)
    return survey


def _looks_like_organisations(path: Path, where: str, limits: Limits) -> bool:
    first = _open(path, where, limits).readline(limits.csv_field_characters).lower()
    return "source" not in first and "target" not in first


def _display(path: Path, root: Path | None) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if root else str(path)
    except ValueError:
        return str(path)
