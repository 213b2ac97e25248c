"""The stored survey as a directed graph, and as Pajek or GraphML files for other network tools.

Each organisation of the survey is a node; each tie an edge carrying the chosen relation's rating
(technological, commercial, or both summed), so networkx's weighted degree is the paper's measure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from coder.db import Database
from coder.errors import CoderError
from coder.network.store import organisation_details, survey_nodes, survey_ties
from coder.network.survey import RELATIONS, tie_weight, weight_name

if TYPE_CHECKING:  # pragma: no cover - typing only
    import networkx


def survey_graph(db: Database, weight: str = "technological") -> networkx.DiGraph:
    """The survey as a directed graph: a node per organisation, an edge per tie carrying the chosen relation."""
    import networkx as nx  # ≈0.2 s; only the network commands need it

    weight = weight_name(weight)
    orgs = organisation_details(db)
    graph = nx.DiGraph(weight=weight)
    for org_id, name in survey_nodes(db):
        info = orgs[org_id]
        graph.add_node(name, **{k: v for k, v in info.items() if k not in ("organisation", "attributes", "members")},
                       attributes=info["attributes"])
    for tie in survey_ties(db):
        value = tie_weight(tie["technological"], tie["commercial"], weight)
        if value > 0:
            graph.add_edge(orgs[tie["source_id"]]["organisation"], orgs[tie["target_id"]]["organisation"], weight=value,
                           technological=tie["technological"], commercial=tie["commercial"], origin=tie["origin"])
    return graph


def pajek_text(db: Database, *, weight: str | None = None) -> str:
    """The stored survey as Pajek text: both ratings as two labelled arc lists, or one chosen weight."""
    nodes = survey_nodes(db)
    numbers = {org_id: n for n, (org_id, _) in enumerate(nodes, 1)}
    ties = survey_ties(db)
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


def _quoted(label: str) -> str:
    return '"' + label.replace('"', "'") + '"'


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


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
        for tie in survey_ties(db):  # all ties, whatever the weight, with both ratings as edge data
            plain.add_edge(orgs[tie["source_id"]], orgs[tie["target_id"]], technological=float(tie["technological"]),
                           commercial=float(tie["commercial"]), origin=tie["origin"] or "",
                           weight=float(tie_weight(tie["technological"], tie["commercial"], weight or "technological")))
        nx.write_graphml(plain, str(path))
    else:
        raise CoderError(f"cannot export the network as '{path.suffix}'", where=str(path), fix="name the file .net or .graphml")
    return path
