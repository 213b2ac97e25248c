"""Where an association's member firms get their knowledge: the paper's Tables 6.2 and 7.2.

For a receiving association (APEM, PROMANGO) the ties received by its member firms in the survey
(codebook organisations outside the survey are left out) are grouped by
their source: how many member firms name the source for the chosen relation (a rating above 0) and
the mean of those ratings, rounded half-up to one decimal as the paper prints it (2.25 → 2.3).
Documented in docs/network-and-crosstabs.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from coder.db import Database
from coder.errors import CoderError
from coder.network.measures import natural_order
from coder.network.store import organisation_details, organisation_named, survey_nodes, survey_ties
from coder.network.survey import tie_weight, weight_name
from coder.text import fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas

MEMBER_COLUMNS = ["source", "type", "firms", "average_importance", "sum_of_ratings"]


def associations(db: Database) -> list[str]:
    """The organisations that some survey organisation is a member of, in name order."""
    orgs = organisation_details(db)
    names = {name for org_id, _ in survey_nodes(db) for name in orgs[org_id]["members"]}
    return sorted(names, key=natural_order)


def member_sources(db: Database, association: str, weight: str = "technological", *,
                   combine: Sequence[str] = (), min_firms: int = 1) -> pandas.DataFrame:
    """One row per source of the association's member firms: firms naming it, their mean rating (Table 6.2/7.2).

    Sources whose type is in `combine` make one row named by the type (the paper's "Certification
    Firms", "Consultants"): `firms` counts the member firms naming any of them, the average is over
    their ties. Rows named by fewer than `min_firms` firms are left out (the paper lists the largest).
    """
    import pandas as pd  # ≈0.3 s; the table goes to the CLI as a DataFrame

    weight = weight_name(weight)
    if weight == "both":
        raise CoderError("member sources count one kind of knowledge", fix="use --weight tech or commercial")
    name = _association(db, association)
    orgs = organisation_details(db)
    members = {org_id for org_id, _ in survey_nodes(db) if name in orgs[org_id]["members"]}  # firms that answered
    merged = {fold(kind) for kind in combine}
    firms: dict[str, set[int]] = {}
    ratings: dict[str, list[float]] = {}
    kinds: dict[str, str | None] = {}
    for tie in survey_ties(db):
        value = tie_weight(tie["technological"], tie["commercial"], weight)
        if tie["target_id"] not in members or value <= 0:
            continue
        source = orgs[tie["source_id"]]
        kind = source["type"]
        label = kind if kind and fold(kind) in merged else source["organisation"]
        kinds[label] = kind
        firms.setdefault(label, set()).add(tie["target_id"])
        ratings.setdefault(label, []).append(value)
    rows = [(label, kinds[label], len(firms[label]), _half_up(sum(values) / len(values)), sum(values))
            for label, values in ratings.items() if len(firms[label]) >= min_firms]
    rows.sort(key=lambda row: (-row[2], -row[3], natural_order(row[0])))
    frame = pd.DataFrame(rows, columns=MEMBER_COLUMNS)
    frame.attrs.update(association=name, weight=weight, members=len(members))
    return frame


def _association(db: Database, written: str) -> str:
    """The association's stored name (any case, an alias); a one-line error when nobody is its member."""
    known = associations(db)
    name = organisation_named(db, written) or written
    for candidate in known:
        if fold(candidate) == fold(name):
            return candidate
    raise CoderError(f"'{written}' has no member organisations in the survey",
                     fix=f"name one of: {', '.join(known)}" if known else "give firms a member_of in organisations.csv")


def _half_up(mean: float) -> float:
    """One decimal, halves rounded up as the paper does (Python's round gives 2.25 → 2.2)."""
    return float(Decimal(repr(mean)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
