"""The survey network's measures, and the network set against the coding.

The centrality measure is the paper's Table 2: weighted out-degree, the sum of the ratings others
gave to the knowledge received from a node. `actor_activity` sets it beside the passages where each
organisation is coded as actor (by function and phase, from `coder.crosstab.actor_counts`), with
Spearman's ρ between the two. The measures are documented in docs/network-and-crosstabs.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coder.coding import find_code
from coder.crosstab import Coders, actor_counts, choose_coders
from coder.db import Database
from coder.errors import CoderError
from coder.network.graph import survey_graph
from coder.network.store import organisation_details, organisation_named
from coder.network.survey import tie_weight, weight_name
from coder.text import fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    import networkx
    import pandas


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
    rows.sort(key=lambda row: (-row["weighted_out_degree"], natural_order(row["organisation"])))
    frame = pd.DataFrame(rows, columns=columns[1:])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame.insert(0, "rank", frame["weighted_out_degree"].rank(ascending=False, method="average"))
    frame.attrs["weight"] = weight_name(weight)
    return frame.reset_index(drop=True)


def natural_order(name: str) -> list[Any]:
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
    """The graph's name for an organisation written as in the survey or the codebook (any case, an alias)."""
    if organisation in graph:
        return organisation
    name = organisation_named(db, organisation)
    if name is not None and name in graph:
        return name
    raise CoderError(f"'{organisation}' is not in the survey network", fix="see the organisations with: coder network")


# Against the coding ----------------------------------------------------------------------------


@dataclass
class ActorActivity:
    """The survey centrality of each organisation beside what it is coded as doing."""

    table: pandas.DataFrame
    correlations: pandas.DataFrame
    functions: list[str]
    phases: list[str]
    coders: list[str]
    whose: Coders  # whose codings count and why, for headings (`coders` are their names)


def actor_activity(
    db: Database,
    *,
    weight: str = "technological",
    coders: Sequence[str] | None = None,
    documents: Sequence[str] | None = None,
    function_group: str = "function",
    phase_group: str = "phase",
    roll_up: bool = True,
    within: str | None = None,
) -> ActorActivity:
    """One row per organisation: centrality, passages coded with it as actor, by function and phase, shares.

    A passage counts for an organisation when a coding of its actor code overlaps it; a function
    (or phase) counts for it in that passage when the same coder also coded the function there.
    With `roll_up`, sub-codes count for their top-level function. Spearman's ρ compares
    centrality with coded activity over the organisations that are in the survey and have an actor code.
    With `within` (a code), only passages the same coder also coded with it or its sub-codes count: the
    technological-knowledge code against the technological network, the commercial against the commercial.
    """
    import pandas as pd  # ≈0.3 s

    ranking = centrality(db, weight)
    whose = choose_coders(db, coders)
    counts = actor_counts(db, coders=coders, documents=documents, function_group=function_group,
                          phase_group=phase_group, roll_up=roll_up, within=find_code(db, within).id if within else None)
    orgs = organisation_details(db)
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
                         functions=counts.functions, phases=counts.phases, coders=counts.coders, whose=whose)


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
