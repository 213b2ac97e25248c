"""The stored survey as Pajek and GraphML files: networkx reads every export back to the same nodes,
arcs and weights; Pajek's multi-relational form only when asked."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from coder import network
from coder.cli import main
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.network.examples import NODES, TIES, survey_study

WEIGHTS = {"tech": 0, "commercial": 1, "both": None}


def stored(db, weight: str) -> tuple[set[str], dict[tuple[str, str], float]]:
    """The survey as stored: every organisation, and each tie whose chosen rating is above 0 with that rating."""
    names = dict(network.survey_nodes(db))
    arcs = {}
    for tie in network.survey_ties(db):
        ratings = (tie["technological"], tie["commercial"])
        value = sum(ratings) if WEIGHTS[weight] is None else ratings[WEIGHTS[weight]]
        if value > 0:
            arcs[names[tie["source_id"]], names[tie["target_id"]]] = float(value)
    return set(names.values()), arcs


def read_back(path) -> tuple[set[str], dict[tuple[str, str], float], int]:
    """What networkx reads from a file: its nodes, its arcs with their weights, and how many arcs (duplicates too)."""
    import networkx as nx

    graph = nx.read_pajek(path) if path.suffix == ".net" else nx.read_graphml(path)
    assert graph.is_directed()
    return set(graph.nodes), {(u, v): float(w) for u, v, w in graph.edges(data="weight")}, graph.number_of_edges()


@pytest.mark.parametrize("weight", list(WEIGHTS))
@pytest.mark.parametrize("suffix", [".net", ".graphml"])
def test_networkx_reads_every_export_of_the_bundled_survey_back(bundled, tmp_path, weight, suffix):
    study, db = bundled
    path = tmp_path / f"survey-{weight}{suffix}"
    result = CliRunner().invoke(main, ["--study", str(study.root), "network", "--weight", weight, "--export", str(path),
                                       "--top", "1"])
    assert result.exit_code == 0, result.output
    nodes, arcs = stored(db, weight)
    assert len(nodes) == 47 and len(arcs) > 100
    assert read_back(path) == (nodes, arcs, len(arcs))


@pytest.mark.parametrize("weight", list(WEIGHTS))
def test_networkx_reads_names_with_spaces_and_accents_back(make_study, tmp_path, weight):
    _, db, _ = survey_study(make_study)
    for suffix in (".net", ".graphml"):
        path = network.export_network(db, tmp_path / f"survey{suffix}", weight)
        assert read_back(path)[:2] == stored(db, weight)
    db.close()


def test_one_relation_per_pajek_file_and_the_graphml_weight_follows_it(make_study, tmp_path):
    import networkx as nx

    _, db, _ = survey_study(make_study)
    text = network.pajek_text(db, "commercial")
    assert text.count("*Arcs") == 1 and '*Arcs :1 "commercial"' in text and "% arc weight: the commercial rating" in text
    assert '1 "Viñas Varona"' in text and "1 2 1" in text
    assert network.pajek_text(db, "both").count("*Arcs") == 1 and "1 2 6" in network.pajek_text(db, "both")
    graph = nx.read_graphml(network.export_network(db, tmp_path / "survey.graphml", "commercial"))
    assert graph.graph["weight"] == "commercial" and graph.number_of_edges() == 4  # A→C and D→E have no commercial rating
    assert graph.edges[NODES["E"], NODES["A"]] == {"weight": 3.0, "technological": 0.0, "commercial": 3.0, "origin": "hand"}
    assert graph.nodes[NODES["E"]]["type"] == "producer firm" and graph.nodes[NODES["E"]]["employees"] == 50
    with pytest.raises(CoderError, match="name the file .net or .graphml"):
        network.export_network(db, tmp_path / "survey.txt")
    with pytest.raises(CoderError, match="multi-relational form is Pajek's"):
        network.export_network(db, tmp_path / "both.graphml", multi_relation=True)
    db.close()


def test_a_single_relation_reads_back_into_coder_as_that_relation(make_study, tmp_path):
    _, db, _ = survey_study(make_study)
    survey = network.read_pajek(network.export_network(db, tmp_path / "commercial.net", "commercial"))
    assert sorted((t.source, t.target, t.technological, t.commercial) for t in survey.ties) == sorted(
        (NODES[s], NODES[t], 0.0, comm) for s, t, _, comm in TIES if comm)
    db.close()


def test_the_multi_relational_form_keeps_both_ratings_and_each_relation_reads_in_networkx(make_study, tmp_path):
    import networkx as nx

    _, db, _ = survey_study(make_study)
    path = network.export_network(db, tmp_path / "survey.net", multi_relation=True)
    text = path.read_text(encoding="utf-8")
    assert '*Arcs :1 "technological"' in text and '*Arcs :2 "commercial"' in text
    survey = network.read_pajek(path)
    assert sorted((t.source, t.target, t.technological, t.commercial) for t in survey.ties) == sorted(
        (NODES[s], NODES[t], tech, comm) for s, t, tech, comm in TIES)
    head, *lists = text.split("*Arcs")
    for weight, arcs in zip(("tech", "commercial"), lists):  # Pajek's relations, one at a time, are plain Pajek
        graph = nx.parse_pajek(head + "*Arcs" + arcs)
        assert (set(graph.nodes), {(u, v): w for u, v, w in graph.edges(data="weight")}) == stored(db, weight)
    # A second study reads the .net alone and ranks the same way.
    other = make_study(documents={}, name="other")
    (other.transcripts_dir / "survey").mkdir(parents=True, exist_ok=True)
    shutil.copy(path, other.transcripts_dir / "survey" / "network.net")
    db2 = connect_study(other)
    refresh_study(other, db2)
    for weight in WEIGHTS:
        first, second = network.centrality(db, weight), network.centrality(db2, weight)
        assert first[["organisation", "weighted_out_degree", "betweenness"]].equals(
            second[["organisation", "weighted_out_degree", "betweenness"]])
    db.close()
    db2.close()


def test_network_cli_multi_relation_only_with_a_pajek_export(bundled, tmp_path):
    study, _ = bundled
    path = tmp_path / "relations.net"
    result = CliRunner().invoke(main, ["--study", str(study.root), "network", "--export", str(path), "--multi-relation"])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").count("*Arcs :") == 2
    alone = CliRunner().invoke(main, ["--study", str(study.root), "network", "--multi-relation"])
    assert alone.exit_code == 1 and "--multi-relation goes with --export" in alone.output
    graphml = CliRunner().invoke(main, ["--study", str(study.root), "network", "--multi-relation",
                                        "--export", str(tmp_path / "s.graphml")])
    assert graphml.exit_code == 1 and "Pajek's" in graphml.output
    members = CliRunner().invoke(main, ["--study", str(study.root), "network", "--members", "APEM",
                                        "--export", str(tmp_path / "apem.net")])
    assert members.exit_code == 1 and "without --members" in members.output and not (tmp_path / "apem.net").exists()
