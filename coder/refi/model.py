"""What a REFI-QDA file holds, in coder's terms, and what importing one brought into the study.

Plain data, so the reader (`reading`) can check a whole file before the import (`importing`)
writes anything: codes with their children, sources with their selections and codings, notes,
users and sets, plus the warnings for everything not taken over. Positions are already code
points of the normalised text (see `positions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RefiCode:
    """A code, or a folder of codes when it is not codable, with the codes nested in it."""

    guid: str
    name: str
    codable: bool
    colour: str | None = None
    description: str | None = None
    notes: list[str] = field(default_factory=list)
    children: list[RefiCode] = field(default_factory=list)

    def walk(self) -> list[RefiCode]:
        """This code and every code nested in it, depth first."""
        return [self] + [c for child in self.children for c in child.walk()]


@dataclass
class RefiCoding:
    """One code applied by one user, to a selection or to a whole source."""

    guid: str | None
    code: str | None
    user: str | None
    created: str | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    """A span of a source's text with the codings and notes on it."""

    guid: str | None
    start: int
    end: int
    name: str | None = None
    description: str | None = None
    user: str | None = None
    created: str | None = None
    codings: list[RefiCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSource:
    """A text source: its normalised text, the unit its positions came in, and what hangs on it."""

    guid: str
    name: str
    text: str
    unit: str = "code points"
    selections: list[RefiSelection] = field(default_factory=list)
    codings: list[RefiCoding] = field(default_factory=list)  # of the whole source
    notes: list[str] = field(default_factory=list)
    description: str | None = None
    user: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RefiNote:
    """A memo: a Note, or a description that becomes one."""

    guid: str
    name: str | None
    text: str
    description: str | None = None
    user: str | None = None
    created: str | None = None
    updated: str | None = None


@dataclass
class BadPart:
    """A part of a project that cannot be imported as it stands: the project is refused for it by default,
    or, with --skip-bad, imported without it and the part listed."""

    source: str
    part: str  # "selection 5–999", "the whole source"
    why: str
    codings: int = 0

    def line(self) -> str:
        codings = f" ({self.codings} coding{'s' * (self.codings != 1)})" if self.codings else ""
        return f"source '{self.source}', {self.part}{codings}: {self.why}"


@dataclass
class RefiProject:
    """What a REFI-QDA file holds, in coder's terms (positions already in code points)."""

    file: str
    kind: str  # "project" or "codebook"
    origin: str | None = None
    name: str | None = None
    description: str | None = None  # the project's: a memo on the study
    creator: str | None = None
    users: dict[str, str] = field(default_factory=dict)  # guid → name
    codes: list[RefiCode] = field(default_factory=list)  # top level
    sources: list[RefiSource] = field(default_factory=list)
    notes: dict[str, RefiNote] = field(default_factory=dict)
    project_notes: list[str] = field(default_factory=list)
    sets: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_codings: int = 0
    bad: list[BadPart] = field(default_factory=list)  # refused by default, skipped with --skip-bad

    def all_codes(self) -> list[RefiCode]:
        """Every code, nested ones included."""
        return [c for top in self.codes for c in top.walk()]

    def codings(self) -> int:
        """How many codings the file holds, on selections and on whole sources."""
        return sum(len(s.codings) + sum(len(x.codings) for x in s.selections) for s in self.sources)


@dataclass
class RefiImportReport:
    """What an import brought in, and everything it could not take over."""

    file: str
    origin: str | None = None
    codes_read: int = 0
    groups_added: list[str] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_reused: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    coders_added: list[str] = field(default_factory=list)
    documents_added: list[str] = field(default_factory=list)
    documents_reused: list[str] = field(default_factory=list)
    codings_read: int = 0
    codings_added: int = 0
    codings_present: int = 0
    codings_skipped: int = 0
    memos_added: int = 0
    coding_memos: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # the bad parts left out with --skip-bad, one line each

    def summary(self) -> str:
        """The one line the command prints and the event log keeps."""
        return (f"imported {self.file}: {len(self.codes_added)} new codes ({self.codes_read} read), "
                f"{len(self.documents_added)} documents, {self.codings_added} codings, {self.memos_added + self.coding_memos} memos, "
                f"{len(self.coders_added)} coders" + (f", {len(self.skipped)} bad parts skipped" if self.skipped else ""))

    def lines(self) -> list[str]:
        """The report as lines for the terminal."""
        out = [self.summary() + (f" (from {self.origin})" if self.origin else "")]
        if self.groups_added:
            out.append("  new code groups: " + ", ".join(self.groups_added))
        if self.codes_reused:
            out.append(f"  {len(self.codes_reused)} codes were already in the codebook")
        if self.documents_reused:
            out.append("  documents already in the study (same text): " + ", ".join(self.documents_reused))
        if self.codings_present:
            out.append(f"  {self.codings_present} codings were already in the study")
        if self.codings_skipped:
            out.append(f"  {self.codings_skipped} codings not imported (see below)")
        out += [f"  skipped: {s}" for s in self.skipped]
        out += [f"  renamed: {r}" for r in self.renamed]
        out += [f"  note: {w}" for w in self.warnings]
        return out
