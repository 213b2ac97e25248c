"""The stored survey as Pajek and GraphML files."""

from __future__ import annotations

import shutil

import pytest

from coder import network
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.network.examples import NODES, TIES, survey_study


def test_network_pajek_round_trip_keeps_names_and_both_ratings(make_study, tmp_path):
    _, db, _ = survey_study(make_study)
    path = network.export_network(db, tmp_path / "survey.net")
    text = path.read_text(encoding="utf-8")
    assert '1 "Viñas Varona"' in text and '*Arcs :2 "commercial"' in text
    survey = network.read_pajek(path)
    assert sorted((t.source, t.target, t.technological, t.commercial) for t in survey.ties) == sorted(
        (NODES[s], NODES[t], tech, comm) for s, t, tech, comm in TIES)
    # A second study reads the .net alone and ranks the same way.
    other = make_study(documents={}, name="other")
    (other.transcripts_dir / "survey").mkdir(parents=True, exist_ok=True)
    shutil.copy(path, other.transcripts_dir / "survey" / "network.net")
    db2 = connect_study(other)
    refresh_study(other, db2)
    for weight in ("tech", "commercial", "both"):
        first, second = network.centrality(db, weight), network.centrality(db2, weight)
        assert first[["organisation", "weighted_out_degree", "betweenness"]].equals(
            second[["organisation", "weighted_out_degree", "betweenness"]])
    single = network.pajek_text(db, weight="both")
    assert single.count("*Arcs") == 1 and "1 2 6" in single
    db.close()
    db2.close()


def test_network_graphml_export_carries_attributes(make_study, tmp_path):
    import networkx as nx

    _, db, _ = survey_study(make_study)
    graph = nx.read_graphml(network.export_network(db, tmp_path / "survey.graphml"))
    assert graph.nodes[NODES["E"]]["type"] == "producer firm" and graph.nodes[NODES["E"]]["employees"] == 50
    assert graph.edges[NODES["E"], NODES["A"]]["commercial"] == 3.0 and graph.number_of_edges() == 6
    with pytest.raises(CoderError, match="name the file .net or .graphml"):
        network.export_network(db, tmp_path / "survey.txt")
    db.close()
