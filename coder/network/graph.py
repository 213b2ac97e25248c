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


def pajek_text(db: Database, weight: str = "technological", *, multi_relation: bool = False) -> str:
    """The stored survey as Pajek text: one arc list of the chosen weight, or Pajek's multi-relational form.

    One relation is what every reader takes (networkx's `read_pajek` included); the multi-relational
    form (`*Arcs :1 "technological"`, `*Arcs :2 "commercial"`) keeps both ratings in one file, which
    Pajek and coder read but networkx turns into phantom nodes and arcs.
    """
    nodes = survey_nodes(db)
    numbers = {org_id: n for n, (org_id, _) in enumerate(nodes, 1)}
    ties = survey_ties(db)
    weight = weight_name(weight)
    what = "both ratings, one list per relation" if multi_relation else f"{_RATINGS[weight]}, 0 left out"
    lines = ["% coder survey network: an arc source -> target means knowledge flows from source to target",
             f"% arc weight: {what}", f"*Vertices {len(nodes)}"]
    lines += [f"{numbers[org_id]} {_quoted(name)}" for org_id, name in nodes]
    lists = [(r, f' :{n} "{r}"') for n, r in enumerate(RELATIONS, 1)] if multi_relation else \
        [(weight, f' :1 "{weight}"' if weight in RELATIONS else "")]  # a labelled relation reads back as itself
    for relation, header in lists:
        lines.append("*Arcs" + header)
        for tie in ties:
            value = tie_weight(tie["technological"], tie["commercial"], relation)
            if value > 0:
                lines.append(f"{numbers[tie['source_id']]} {numbers[tie['target_id']]} {_number(value)}")
    return "\n".join(lines) + "\n"


_RATINGS = {"technological": "the technological rating (0-5)", "commercial": "the commercial rating (0-5)",
            "both": "the technological and commercial ratings added (0-10)"}


def _quoted(label: str) -> str:
    return '"' + label.replace('"', "'") + '"'


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def export_network(db: Database, path: Path, weight: str = "technological", *, multi_relation: bool = False) -> Path:
    """Write the survey's network of the chosen weight as Pajek `.net` or GraphML (every attribute).

    Both files hold the same arcs, the ties whose chosen rating is above 0, with that rating as
    `weight`; GraphML also carries both ratings and the origin on every edge. `multi_relation`
    writes Pajek's multi-relational `.net` instead (both ratings, one arc list each).
    """
    suffix = path.suffix.lower()
    if suffix == ".net":
        path.write_text(pajek_text(db, weight, multi_relation=multi_relation), encoding="utf-8")
    elif suffix in (".graphml", ".xml"):
        if multi_relation:
            raise CoderError("the multi-relational form is Pajek's", where=str(path),
                             fix="name the file .net, or leave it out: GraphML carries both ratings on every edge")
        import networkx as nx  # ≈0.2 s

        graph = survey_graph(db, weight)
        plain = nx.DiGraph(weight=graph.graph["weight"])
        for name, info in graph.nodes(data=True):
            values = {k: v for k, v in info.items() if k != "attributes" and v is not None}
            values.update({k: v for k, v in info["attributes"].items() if v is not None and k not in values})
            plain.add_node(name, **values)
        for source, target, data in graph.edges(data=True):
            plain.add_edge(source, target, weight=float(data["weight"]), technological=float(data["technological"]),
                           commercial=float(data["commercial"]), origin=data["origin"] or "")
        nx.write_graphml(plain, str(path))
    else:
        raise CoderError(f"cannot export the network as '{path.suffix}'", where=str(path), fix="name the file .net or .graphml")
    return path
