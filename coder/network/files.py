"""The survey network: who passes knowledge to whom, how central each organisation is, and how
that compares with what the coded interviews show the organisations doing.

A study's survey lives in `transcripts/survey/` as CSV (`organisations.csv`, `ties.csv`) or as a
Pajek `.net` file. Importing it puts every node in the `organisations` table (matched to the
codebook's organisations by name or alias) and every tie in `ties`. A tie `source → target`
means knowledge flows from the source to the target; the target (the respondent) rated its
technological and commercial importance 0–5. The centrality measure is the paper's Table 2:
weighted out-degree, the sum of the ratings others gave to the knowledge received from a node.
The file formats and the measures are documented in docs/network-and-crosstabs.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coder.db import Database, set_setting, setting, transaction
from coder.errors import CoderError
from coder.events import log_event
from coder.text import decode, fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    import networkx
    import pandas

RELATIONS = ("technological", "commercial")
WEIGHTS = {"tech": "technological", "technological": "technological", "commercial": "commercial",
           "comm": "commercial", "both": "both"}
SURVEY_FOLDER = "survey"
MAX_RATING = 5


def weight_name(weight: str) -> str:
    """'tech' → 'technological', 'commercial', 'both'; a clear error for anything else."""
    try:
        return WEIGHTS[weight.lower()]
    except KeyError:
        raise CoderError(f"unknown tie weight '{weight}'", fix="use tech, commercial or both") from None


def tie_weight(technological: float, commercial: float, weight: str) -> float:
    """The weight of one tie for the chosen relation (both = the sum of the two ratings)."""
    weight = weight_name(weight)
    if weight == "both":
        return technological + commercial
    return technological if weight == "technological" else commercial


# Reading survey files -----------------------------------------------------------------------


@dataclass
class Node:
    name: str
    type: str | None = None
    member_of: list[str] = field(default_factory=list)
    based_in: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Tie:
    source: str
    target: str
    technological: float = 0.0
    commercial: float = 0.0
    origin: str | None = None


@dataclass
class Survey:
    """A survey read from files, not yet in the database."""

    nodes: dict[str, Node] = field(default_factory=dict)
    ties: list[Tie] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    folded: dict[str, str] = field(default_factory=dict, repr=False)

    def node(self, name: str) -> Node:
        """The node of this name, compared without case and accents (so ties may write "Senasa")."""
        known = self.folded.setdefault(fold(name), name)
        return self.nodes.setdefault(known, Node(known))


def _decode(path: Path, where: str | None = None) -> str:
    return decode(path.read_bytes(), where or str(path), fix="save the survey as CSV (UTF-8) or as a Pajek .net text file").text


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


def _csv_rows(path: Path, where: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.DictReader(io.StringIO(_decode(path, where)))
    header = [h.strip() for h in reader.fieldnames or []]
    rows = []
    for row in reader:
        cleaned = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if any(cleaned.values()):
            rows.append((reader.line_num, cleaned))
    if not header:
        raise CoderError("the file is empty", where=where, fix="write a header line and one row per entry")
    return header, rows


def read_organisations_csv(path: Path, survey: Survey, *, where: str | None = None) -> None:
    """Add the nodes and attributes of an organisations CSV (name, type, member_of, based_in, …)."""
    where = where or str(path)
    header, rows = _csv_rows(path, where)
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


def read_ties_csv(path: Path, survey: Survey, *, where: str | None = None) -> None:
    """Add the ties of a ties CSV (source, target, technological, commercial, origin)."""
    where = where or str(path)
    header, rows = _csv_rows(path, where)
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


def read_pajek(path: Path, survey: Survey | None = None, *, weight_as: str = "technological",
               where: str | None = None) -> Survey:
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
    pending: list[tuple[str, str, str, list[str], str]] = []
    for number, raw in enumerate(_decode(path, where).splitlines(), 1):
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
            pending.append((tokens[0], tokens[1], arc_relation, tokens[2:], at))
        else:
            raise CoderError("line outside a *Vertices or *Arcs list", where=at, fix="start the file with *Vertices N")
    ties: dict[tuple[str, str], Tie] = {}
    rated: dict[tuple[str, str, str], str] = {}
    for source_id, target_id, arc_relation, rest, at in pending:
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
            first = rated.setdefault((source, target, name), at)
            if first != at:
                raise CoderError(f"arc {source} → {target} has a second {name} rating (first at {first})", where=at,
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


def _quoted(label: str) -> str:
    return '"' + label.replace('"', "'") + '"'


def pajek_text(db: Database, *, weight: str | None = None) -> str:
    """The stored survey as Pajek text: both ratings as two labelled arc lists, or one chosen weight."""
    nodes = survey_nodes(db)
    numbers = {org_id: n for n, (org_id, _) in enumerate(nodes, 1)}
    ties = _ties(db)
    lines = ["% coder survey network: an arc source -> target means knowledge flows from source to target",
             f"*Vertices {len(nodes)}"]
    lines += [f"{numbers[org_id]} {_quoted(name)}" for org_id, name in nodes]
    lists = [(weight_name(weight), None)] if weight else [(r, f':{n} "{r}"') for n, r in enumerate(RELATIONS, 1)]
    for relation, header in lists:
        lines.append("*Arcs" + (f" {header}" if header else ""))
        for tie in ties:
            value = tie_weight(tie["technological"], tie["commercial"], relation)
            if value > 0:
                lines.append(f"{numbers[tie['source_id']]} {numbers[tie['target_id']]} {_number(value)}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# Storing the survey ---------------------------------------------------------------------------


@dataclass
class SurveyReport:
    files: list[str] = field(default_factory=list)
    organisations: int = 0
    matched: dict[str, str] = field(default_factory=dict)  # survey name → organisation, where they differ
    added: list[str] = field(default_factory=list)  # organisations new to the survey
    outside_codebook: list[str] = field(default_factory=list)  # nodes that are not in the codebook
    removed: list[str] = field(default_factory=list)  # organisations of an earlier survey no longer in it
    updated: list[str] = field(default_factory=list)  # organisations whose survey attributes changed
    ties: int = 0
    ties_added: int = 0
    ties_changed: int = 0
    ties_removed: int = 0
    conflicts: list[str] = field(default_factory=list)  # survey attributes that differ from the codebook's
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.updated or self.ties_added or self.ties_changed or self.ties_removed)

    def summary(self) -> str:
        return (f"survey: {self.organisations} organisations ({len(self.outside_codebook)} not in the codebook,"
                f" {len(self.added)} new, {len(self.removed)} gone), {self.ties} ties"
                f" ({self.ties_added} new, {self.ties_changed} changed, {self.ties_removed} gone)")


class _Matcher:
    """Survey names → organisation ids: codebook names and aliases first, then earlier survey-only nodes."""

    def __init__(self, db: Database) -> None:
        self.codebook: dict[str, int] = {}
        self.others: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for org_id, name, aliases, in_codebook in db.execute(
                "SELECT id, name, aliases, in_codebook FROM organisations ORDER BY id").fetchall():
            self.names[org_id] = name
            target = self.codebook if in_codebook else self.others
            for spelling in [name, *json.loads(aliases or "[]")]:
                target.setdefault(fold(spelling), org_id)

    def find(self, name: str) -> int | None:
        key = fold(name)
        return self.codebook.get(key) or self.others.get(key)


def import_survey(db: Database, survey: Survey, *, digest: str | None = None) -> SurveyReport:
    """Replace the stored survey with this one: nodes matched or added, ties replaced; one transaction."""
    report = SurveyReport(files=list(survey.files), notes=list(survey.notes))
    with transaction(db):
        matcher = _Matcher(db)
        ids: dict[str, int] = {}
        spellings: dict[int, list[Node]] = {}
        nodes: list[Node] = []
        for node in survey.nodes.values():
            org_id = matcher.find(node.name)
            if org_id is None:
                nodes.append(node)
            else:
                ids[node.name] = org_id
                spellings.setdefault(org_id, []).append(node)
        # "Senasa" in organisations.csv and "SENANSA" in ties.csv are one organisation: one node.
        nodes += [_merged(group, matcher.names[org_id], survey.files) for org_id, group in spellings.items()]
        previous = set(json.loads(setting(db, "survey_organisations") or "[]"))
        for node in nodes:
            members = [matcher.names.get(matcher.find(m) or -1, m) for m in node.member_of]
            attributes = json.dumps(node.attributes, ensure_ascii=False, sort_keys=True)
            org_id = ids.get(node.name)
            if org_id is None:
                org_id = db.execute(
                    "INSERT INTO organisations (name, type, member_of, based_in, in_codebook, attributes)"
                    " VALUES (?, ?, ?, ?, 0, ?)",
                    [node.name, node.type, json.dumps(members, ensure_ascii=False), node.based_in, attributes],
                ).lastrowid
                ids[node.name] = org_id
                matcher.names[org_id] = node.name
                report.added.append(node.name)
                report.outside_codebook.append(node.name)
                continue
            name, in_codebook, kind, member_of, based_in, old_attributes = db.execute(
                "SELECT name, in_codebook, type, member_of, based_in, attributes FROM organisations WHERE id = ?",
                [org_id]).fetchone()
            if in_codebook:  # the codebook keeps its type, membership and place; the survey adds attributes
                _note_conflicts(report, name, node, kind, json.loads(member_of or "[]"), members, based_in)
                new = (kind, member_of, based_in, attributes)
            else:
                report.outside_codebook.append(node.name)
                new = (node.type, json.dumps(members, ensure_ascii=False), node.based_in, attributes)
            if org_id not in previous:
                report.added.append(node.name)
            elif (kind, member_of, based_in, json.loads(old_attributes or "{}")) != (*new[:3], node.attributes):
                report.updated.append(name)
            db.execute("UPDATE organisations SET type = ?, member_of = ?, based_in = ?, attributes = ? WHERE id = ?",
                       [*new, org_id])
        report.matched = {n.name: matcher.names[org_id] for org_id, group in spellings.items() for n in group
                          if n.name != matcher.names[org_id]}
        report.organisations = len(set(ids.values()))
        _replace_ties(db, survey, ids, report)
        current = set(ids.values())
        for org_id in sorted(previous - current):
            row = db.execute("SELECT name, in_codebook FROM organisations WHERE id = ?", [org_id]).fetchone()
            if row is None:
                continue
            report.removed.append(row[0])
            referenced = db.execute("SELECT 1 FROM codes WHERE organisation_id = ? UNION ALL"
                                    " SELECT 1 FROM mentions WHERE organisation_id = ? LIMIT 1", [org_id, org_id]).fetchone()
            if row[1] or referenced:
                db.execute("UPDATE organisations SET attributes = '{}' WHERE id = ?", [org_id])
            else:
                db.execute("DELETE FROM organisations WHERE id = ?", [org_id])
        set_setting(db, "survey_organisations", json.dumps(sorted(current)))
        set_setting(db, "survey_files", json.dumps(survey.files, ensure_ascii=False))
        if digest is not None:
            set_setting(db, "survey_sha256", digest)
        if report.changed or not previous:
            log_event(db, "import_survey", coder_id=None, summary=f"{report.summary()} from {', '.join(survey.files)}")
    return report


def _merged(group: list[Node], organisation: str, files: list[str]) -> Node:
    """One node from several survey spellings of the same organisation; they may not disagree."""
    if len(group) == 1:
        return group[0]
    merged = Node(group[0].name)
    for node in group:
        for key, value in [("type", node.type), ("based_in", node.based_in), *node.attributes.items()]:
            if value is None:
                continue
            known = getattr(merged, key) if key in ("type", "based_in") else merged.attributes.get(key)
            if known is not None and known != value:
                names = " and ".join(f"'{n.name}'" for n in group)
                raise CoderError(f"survey nodes {names} both name {organisation} but disagree on {key}",
                                 where=", ".join(files), fix="keep one row for the organisation")
            if key in ("type", "based_in"):
                setattr(merged, key, value)
            else:
                merged.attributes[key] = value
        merged.member_of = merged.member_of or node.member_of
    return merged


def _note_conflicts(report: SurveyReport, name: str, node: Node, kind: str | None, member_of: list[str],
                    members: list[str], based_in: str | None) -> None:
    for label, ours, theirs in (("type", kind, node.type), ("based_in", based_in, node.based_in),
                                ("member_of", ", ".join(member_of), ", ".join(members))):
        if theirs and fold(theirs) != fold(ours or ""):
            report.conflicts.append(f"{name}: the survey says {label} '{theirs}', the codebook '{ours or ''}' (the codebook wins)")


def _replace_ties(db: Database, survey: Survey, ids: dict[str, int], report: SurveyReport) -> None:
    wanted: dict[tuple[int, int], tuple[float, float, str | None]] = {}
    for tie in survey.ties:
        key = (ids[tie.source], ids[tie.target])
        if key in wanted:
            raise CoderError(f"two ties from {tie.source} to {tie.target} (the names match the same organisations)",
                             where=", ".join(survey.files), fix="keep one tie per pair")
        if tie.technological == 0 and tie.commercial == 0:
            report.notes.append(f"tie {tie.source} → {tie.target} has no rating; kept, but it adds to no measure")
        wanted[key] = (tie.technological, tie.commercial, tie.origin or "survey")
    existing = {(r[1], r[2]): (r[0], (r[3], r[4], r[5])) for r in db.execute(
        "SELECT id, source_id, target_id, technological, commercial, origin FROM ties").fetchall()}
    for key, (tie_id, values) in existing.items():
        if key not in wanted:
            db.execute("DELETE FROM ties WHERE id = ?", [tie_id])
            report.ties_removed += 1
        elif wanted[key] != values:
            db.execute("UPDATE ties SET technological = ?, commercial = ?, origin = ? WHERE id = ?", [*wanted[key], tie_id])
            report.ties_changed += 1
    new = [(*key, *values) for key, values in wanted.items() if key not in existing]
    db.conn.executemany("INSERT INTO ties (source_id, target_id, technological, commercial, origin) VALUES (?, ?, ?, ?, ?)", new)
    report.ties_added = len(new)
    report.ties = len(wanted)


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


def read_survey(files: Sequence[Path], *, root: Path | None = None) -> Survey:
    """Read survey files (organisations CSV, ties CSV, Pajek .net) into one survey."""
    survey = Survey()
    for path in sorted(files, key=lambda p: (p.suffix.lower() == ".csv" and p.name != "organisations.csv", p.name)):
        where = _display(path, root)
        if path.suffix.lower() == ".net":
            read_pajek(path, survey, where=where)
        elif path.name.lower() == "organisations.csv" or (path.name.lower() != "ties.csv" and _looks_like_organisations(path, where)):
            read_organisations_csv(path, survey, where=where)
        else:
            read_ties_csv(path, survey, where=where)
    return survey


def _looks_like_organisations(path: Path, where: str) -> bool:
    first = _decode(path, where).split("\n", 1)[0].lower()
    return "source" not in first and "target" not in first


def _display(path: Path, root: Path | None) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() if root else str(path)
    except ValueError:
        return str(path)


def survey_digest(db: Database, files: Iterable[Path]) -> str:
    """What the stored survey depends on: the files' names and bytes, and the codebook version (for matching)."""
    digest = hashlib.sha256((setting(db, "codebook_sha256") or "").encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def refresh_survey(db: Database, folder: Path, *, root: Path | None = None, force: bool = False) -> SurveyReport | None:
    """Import the survey folder when its files (or the codebook) changed since the last import."""
    files = survey_files(folder)
    if not files:
        return None
    digest = survey_digest(db, files)
    if not force and setting(db, "survey_sha256") == digest:
        return None
    return import_survey(db, read_survey(files, root=root), digest=digest)


# The network and its measures ------------------------------------------------------------------


def survey_nodes(db: Database) -> list[tuple[int, str]]:
    """(id, name) of the organisations in the survey network, in import order."""
    ids = set(json.loads(setting(db, "survey_organisations") or "[]"))
    ids |= {r[0] for r in db.execute("SELECT source_id FROM ties UNION SELECT target_id FROM ties")}
    if not ids:
        return []
    rows = db.execute("SELECT id, name FROM organisations ORDER BY id").fetchall()
    return [(org_id, name) for org_id, name in rows if org_id in ids]


def _ties(db: Database) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT source_id, target_id, technological, commercial, origin FROM ties ORDER BY source_id, target_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _organisations(db: Database) -> dict[int, dict[str, Any]]:
    region = fold(setting(db, "region") or "")
    found = {}
    for org_id, name, kind, member_of, based_in, in_codebook, attributes in db.execute(
            "SELECT id, name, type, member_of, based_in, in_codebook, attributes FROM organisations").fetchall():
        found[org_id] = {"organisation": name, "type": kind, "member_of": ", ".join(json.loads(member_of or "[]")),
                         "based_in": based_in, "local": bool(region) and fold(based_in or "") == region,
                         "in_codebook": bool(in_codebook), "attributes": json.loads(attributes or "{}")}
    return found


def survey_graph(db: Database, weight: str = "technological") -> networkx.DiGraph:
    """The survey as a directed graph: a node per organisation, an edge per tie carrying the chosen relation."""
    import networkx as nx  # ≈0.2 s; only the network commands need it

    weight = weight_name(weight)
    orgs = _organisations(db)
    graph = nx.DiGraph(weight=weight)
    for org_id, name in survey_nodes(db):
        info = orgs[org_id]
        graph.add_node(name, **{k: v for k, v in info.items() if k not in ("organisation", "attributes")},
                       attributes=info["attributes"])
    for tie in _ties(db):
        value = tie_weight(tie["technological"], tie["commercial"], weight)
        if value > 0:
            graph.add_edge(orgs[tie["source_id"]]["organisation"], orgs[tie["target_id"]]["organisation"], weight=value,
                           technological=tie["technological"], commercial=tie["commercial"], origin=tie["origin"])
    return graph


def centrality(db: Database, weight: str = "technological") -> pandas.DataFrame:
    """One row per survey organisation: weighted out-degree (Table 2), rank, in/out degree, betweenness.

    A tie counts for the chosen relation when its rating is above 0; `both` adds the two ratings.
    Betweenness is networkx's, directed, unweighted, normalised by (n-1)(n-2).
    """
    import networkx as nx  # ≈0.2 s
    import pandas as pd  # ≈0.3 s; the table goes to the CLI and the TUI as a DataFrame

    graph = survey_graph(db, weight)
    betweenness = nx.betweenness_centrality(graph, normalized=True) if graph.number_of_nodes() > 2 else {}
    rows = []
    for name, info in graph.nodes(data=True):
        rows.append({
            "organisation": name, "type": info["type"], "member_of": info["member_of"], "based_in": info["based_in"],
            "local": info["local"],
            "weighted_out_degree": float(graph.out_degree(name, weight="weight")),
            "out_degree": graph.out_degree(name), "in_degree": graph.in_degree(name),
            "betweenness": float(betweenness.get(name, 0.0)),
        })
    columns = ["rank", "organisation", "type", "member_of", "based_in", "local", "weighted_out_degree",
               "out_degree", "in_degree", "betweenness"]
    rows.sort(key=lambda row: (-row["weighted_out_degree"], _natural(row["organisation"])))
    frame = pd.DataFrame(rows, columns=columns[1:])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame.insert(0, "rank", frame["weighted_out_degree"].rank(ascending=False, method="average"))
    frame.attrs["weight"] = weight_name(weight)
    return frame.reset_index(drop=True)


def _natural(name: str) -> list[Any]:
    """Sort key that puts Agro 2 before Agro 10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, fold(part)) for part in re.split(r"(\d+)", name) if part]


def ego_ties(db: Database, organisation: str, weight: str = "technological") -> pandas.DataFrame:
    """An organisation's ties, strongest first: direction (gives / receives), the other organisation, ratings."""
    import pandas as pd  # ≈0.3 s

    weight = weight_name(weight)
    graph = survey_graph(db, "both")
    name = _graph_name(graph, db, organisation)
    rows = []
    for direction, edges in (("gives", graph.out_edges(name, data=True)), ("receives", graph.in_edges(name, data=True))):
        for source, target, data in edges:
            value = tie_weight(data["technological"], data["commercial"], weight)
            rows.append({"direction": direction, "organisation": target if direction == "gives" else source,
                         "weight": value, "technological": data["technological"], "commercial": data["commercial"]})
    frame = pd.DataFrame(rows, columns=["direction", "organisation", "weight", "technological", "commercial"])
    return frame.sort_values(["weight", "organisation"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _graph_name(graph: networkx.DiGraph, db: Database, organisation: str) -> str:
    if organisation in graph:
        return organisation
    org_id = _Matcher(db).find(organisation)
    name = db.execute("SELECT name FROM organisations WHERE id = ?", [org_id]).fetchone() if org_id else None
    if name and name[0] in graph:
        return name[0]
    raise CoderError(f"'{organisation}' is not in the survey network", fix="see the organisations with: coder network")


def export_network(db: Database, path: Path, *, weight: str | None = None) -> Path:
    """Write the survey as Pajek `.net` (both ratings, or one weight) or GraphML (every attribute)."""
    suffix = path.suffix.lower()
    if suffix == ".net":
        path.write_text(pajek_text(db, weight=weight), encoding="utf-8")
    elif suffix in (".graphml", ".xml"):
        import networkx as nx  # ≈0.2 s

        graph = survey_graph(db, weight or "both")
        plain = nx.DiGraph()
        for name, info in graph.nodes(data=True):
            values = {k: v for k, v in info.items() if k != "attributes" and v is not None}
            values.update({k: v for k, v in info["attributes"].items() if v is not None and k not in values})
            plain.add_node(name, **values)
        orgs = dict(survey_nodes(db))
        for tie in _ties(db):  # all ties, whatever the weight, with both ratings as edge data
            plain.add_edge(orgs[tie["source_id"]], orgs[tie["target_id"]], technological=float(tie["technological"]),
                           commercial=float(tie["commercial"]), origin=tie["origin"] or "",
                           weight=float(tie_weight(tie["technological"], tie["commercial"], weight or "technological")))
        nx.write_graphml(plain, str(path))
    else:
        raise CoderError(f"cannot export the network as '{path.suffix}'", where=str(path), fix="name the file .net or .graphml")
    return path


# Against the coding ----------------------------------------------------------------------------


@dataclass
class ActorActivity:
    """The survey centrality of each organisation beside what it is coded as doing."""

    table: pandas.DataFrame
    correlations: pandas.DataFrame
    functions: list[str]
    phases: list[str]
    coders: list[str]


def actor_activity(
    db: Database,
    *,
    weight: str = "technological",
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    function_group: str = "function",
    phase_group: str = "phase",
    roll_up: bool = True,
) -> ActorActivity:
    """One row per organisation: centrality, passages coded with it as actor, by function and phase, shares.

    A passage counts for an organisation when a coding of its actor code overlaps it; a function
    (or phase) counts for it in that passage when the same coder also coded the function there.
    With `roll_up`, sub-codes count for their top-level function. Spearman's ρ compares
    centrality with coded activity over the organisations that are in the survey and have an actor code.
    """
    import pandas as pd  # ≈0.3 s

    from coder import crosstab

    ranking = centrality(db, weight)
    counts = crosstab.actor_counts(db, coders=coders, documents=documents, function_group=function_group,
                                   phase_group=phase_group, roll_up=roll_up)
    orgs = _organisations(db)
    by_name = {info["organisation"]: info for info in orgs.values()}
    names = list(dict.fromkeys([*ranking["organisation"], *counts.actors]))
    measures = ranking.set_index("organisation")
    rows = []
    for name in names:
        info = by_name.get(name, {})
        in_network = name in measures.index
        row: dict[str, Any] = {
            "organisation": name, "type": info.get("type"), "based_in": info.get("based_in"), "local": info.get("local"),
            "rank": measures.at[name, "rank"] if in_network else None,
            "weighted_out_degree": measures.at[name, "weighted_out_degree"] if in_network else None,
            "out_degree": measures.at[name, "out_degree"] if in_network else None,
            "in_degree": measures.at[name, "in_degree"] if in_network else None,
            "betweenness": measures.at[name, "betweenness"] if in_network else None,
            "actor_code": name in counts.actors, "passages": counts.passages.get(name, 0),
        }
        for function in counts.functions:
            row[function] = counts.by_function.get((name, function), 0)
        for function in counts.functions:
            total = counts.function_totals.get(function, 0)
            row[f"{function} share"] = 100.0 * row[function] / total if total else 0.0
        for phase in counts.phases:
            row[phase] = counts.by_phase.get((name, phase), 0)
        rows.append(row)
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.sort_values(["weighted_out_degree", "passages", "organisation"], ascending=[False, False, True],
                                  na_position="last", kind="stable").reset_index(drop=True)
    return ActorActivity(table=table, correlations=_correlations(table, counts.functions),
                         functions=counts.functions, phases=counts.phases, coders=counts.coders)


def _correlations(table: pandas.DataFrame, functions: list[str]) -> pandas.DataFrame:
    import pandas as pd  # ≈0.3 s

    rows = []
    if table.empty:
        population = table
    else:
        population = table[table["weighted_out_degree"].notna() & table["actor_code"]]
    for label, column in [("all passages", "passages"), *((f"function: {f}", f) for f in functions)]:
        x = population["weighted_out_degree"].astype(float).tolist() if len(population) else []
        y = population[column].astype(float).tolist() if len(population) else []
        rho, p = spearman(x, y)
        rows.append({"coded activity": label, "n": len(x), "rho": rho, "p": p})
    return pd.DataFrame(rows, columns=["coded activity", "n", "rho", "p"])


def spearman(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Spearman's ρ and its two-sided p (NaN when fewer than 3 pairs or a constant variable)."""
    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return math.nan, math.nan
    from scipy.stats import spearmanr  # ≈0.4 s

    result = spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)
