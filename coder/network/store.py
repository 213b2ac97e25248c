"""Storing the survey in the study, and reading it back.

Importing puts every node in the `organisations` table (matched to the codebook's organisations by
name or alias; the codebook keeps its type, membership and place, the survey adds attributes) and
every tie in `ties`, in one transaction. The study imports the survey folder again whenever its
files or the codebook change (`refresh_survey`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coder.db import Database, inserted_id, set_setting, setting, transaction
from coder.errors import CoderError
from coder.events import log_event
from coder.limits import CHUNK
from coder.network.files import read_survey, survey_files
from coder.network.survey import Node, Survey
from coder.text import fold

# Importing ------------------------------------------------------------------------------------


@dataclass
class SurveyReport:
    """What an import changed: organisations matched, added, removed or updated, ties, conflicts."""

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
                org_id = inserted_id(db.execute(
                    "INSERT INTO organisations (name, type, member_of, based_in, in_codebook, attributes)"
                    " VALUES (?, ?, ?, ?, 0, ?)",
                    [node.name, node.type, json.dumps(members, ensure_ascii=False), node.based_in, attributes],
                ))
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


def survey_digest(db: Database, files: Iterable[Path]) -> str:
    """What the stored survey depends on: the files' names and bytes, and the codebook version (for matching)."""
    digest = hashlib.sha256((setting(db, "codebook_sha256") or "").encode())
    for path in files:  # a chunk at a time: a file over the budget is refused by the reader, not held here
        digest.update(path.name.encode() + b"\0")
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
        except OSError as error:
            raise CoderError(f"cannot be read ({error.strerror or error})", where=str(path), fix="check the file's permissions") from error
        digest.update(b"\0")
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


# Reading the stored survey ------------------------------------------------------------------


def survey_nodes(db: Database) -> list[tuple[int, str]]:
    """(id, name) of the organisations in the survey network, in import order."""
    ids = set(json.loads(setting(db, "survey_organisations") or "[]"))
    ids |= {r[0] for r in db.execute("SELECT source_id FROM ties UNION SELECT target_id FROM ties")}
    if not ids:
        return []
    rows = db.execute("SELECT id, name FROM organisations ORDER BY id").fetchall()
    return [(org_id, name) for org_id, name in rows if org_id in ids]


def survey_ties(db: Database) -> list[dict[str, Any]]:
    """Every stored tie: source_id, target_id, technological, commercial, origin."""
    cursor = db.execute("SELECT source_id, target_id, technological, commercial, origin FROM ties ORDER BY source_id, target_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def organisation_details(db: Database) -> dict[int, dict[str, Any]]:
    """Organisation id → name, type, membership (joined; `members` a list), place, local or not, in the codebook, attributes."""
    region = fold(setting(db, "region") or "")
    found = {}
    for org_id, name, kind, member_of, based_in, in_codebook, attributes in db.execute(
            "SELECT id, name, type, member_of, based_in, in_codebook, attributes FROM organisations").fetchall():
        members = json.loads(member_of or "[]")
        found[org_id] = {"organisation": name, "type": kind, "member_of": ", ".join(members), "members": members,
                         "based_in": based_in, "local": bool(region) and fold(based_in or "") == region,
                         "in_codebook": bool(in_codebook), "attributes": json.loads(attributes or "{}")}
    return found


def tie_count(db: Database) -> int:
    """How many ties the stored survey has."""
    return db.execute("SELECT count(*) FROM ties").fetchone()[0]


def organisation_named(db: Database, name: str) -> str | None:
    """The stored organisation a survey name or alias stands for (codebook organisations first); None if none."""
    matcher = _Matcher(db)
    org_id = matcher.find(name)
    return matcher.names[org_id] if org_id else None
