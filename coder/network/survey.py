"""The survey network as read from files, before it is stored: organisations (nodes) and who passes
knowledge to whom (ties).

A tie `source → target` means knowledge flows from the source to the target; the target (the
respondent) rated its technological and commercial importance 0–5. Names are compared without case
and accents, so one organisation written two ways is one node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coder.errors import CoderError
from coder.text import fold

RELATIONS = ("technological", "commercial")
WEIGHTS = {"tech": "technological", "technological": "technological", "commercial": "commercial",
           "comm": "commercial", "both": "both"}
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


@dataclass
class Node:
    """An organisation of the survey, with what the survey says about it."""

    name: str
    type: str | None = None
    member_of: list[str] = field(default_factory=list)
    based_in: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Tie:
    """Knowledge flowing from `source` to `target`, rated by the target 0–5 for each relation."""

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
