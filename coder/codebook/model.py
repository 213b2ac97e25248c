"""The codebook as the program sees it: groups of codes and the organisations file, with the rules they keep.

Loading builds these from the researcher's YAML; syncing, editing and the REFI import all
speak in them. The constants are the format's own vocabulary (its fields, the keys a code may
not take, the colours it accepts), shared by the loader and by every edit that checks a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from coder.errors import CoderError

CODEBOOK_FILE = "codebook.yaml"
RESERVED_KEYS = frozenset("j k p m u g I c q n N s S L M a D / ? + [ ] : space".split())
BASIC_COLOURS = frozenset(
    "black silver gray grey white maroon red purple fuchsia green lime olive yellow navy blue teal"
    " aqua orange pink brown".split()
)
HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

TOP_FIELDS = ("title", "region", "organisations", "groups")
GROUP_FIELDS = ("name", "description", "exclusive", "ordered", "codes", "generate")
CODE_FIELDS = ("name", "parent", "key", "colour", "value", "description", "include", "exclude", "examples", "keywords")
TEXT_FIELDS = ("description", "include", "exclude")  # a code's definition: free text, folded when long
ORGANISATION_FIELDS = (
    "name", "full_name", "aliases", "type", "member_of", "based_in", "match_case", "description", "colour",
)
FIELD_SPELLINGS = {"color": "colour"}


@dataclass
class Organisation:
    """An entry of the organisations file: an actor whose mentions are found in the transcripts."""

    name: str
    full_name: str | None = None
    aliases: list[str] = field(default_factory=list)
    type: str | None = None
    member_of: list[str] = field(default_factory=list)
    based_in: str | None = None
    match_case: bool = False
    description: str | None = None
    colour: str | None = None

    def spellings(self) -> list[str]:
        """The name and every alias: what mention-finding looks for."""
        return [self.name, *self.aliases]


@dataclass
class Code:
    """A code: its place (group, parent), its shortcut and colour, and its definition."""

    name: str
    group: str
    parent: str | None = None
    key: str | None = None
    colour: str | None = None
    description: str | None = None
    include: str | None = None
    exclude: str | None = None
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    organisation: str | None = None  # set on codes generated from the organisations file
    value: float | None = None  # its place on the group's scale (interval or ratio agreement)

    @property
    def path(self) -> str:
        """How the code is named across copies of a study: `group/name`."""
        return f"{self.group}/{self.name}"


@dataclass
class Group:
    """A code group: one dimension of the coding, exclusive when a passage takes one of its codes at most.

    An exclusive group is a scale when it is `ordered` (its codes in file order) or its codes have a
    `value`: agreement on it can then be ordinal, interval or ratio (weighted κ, α at that level).
    """

    name: str
    description: str | None = None
    exclusive: bool = False
    ordered: bool = False
    generate: str | None = None
    codes: list[Code] = field(default_factory=list)

    @property
    def valued(self) -> bool:
        """Every code has a value (the loader allows all or none)."""
        return bool(self.codes) and all(c.value is not None for c in self.codes)


@dataclass
class Codebook:
    """The whole codebook, with the sha256 of the files it was read from (`files`, relative to its folder, in order)."""

    groups: list[Group]
    organisations: list[Organisation] = field(default_factory=list)
    title: str | None = None
    region: str | None = None
    sha256: str = ""
    files: tuple[str, ...] = ()

    def codes(self) -> Iterator[Code]:
        """Every code, group by group in file order."""
        for group in self.groups:
            yield from group.codes

    def organisation(self, name: str) -> Organisation | None:
        """The organisation of that name, if the organisations file lists it."""
        return next((o for o in self.organisations if o.name == name), None)


class CodebookError(CoderError):
    """Every problem found in the codebook files, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
