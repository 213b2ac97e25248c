"""The survey network's measures on a five-node graph computed by hand and on the bundled survey
(the paper's Table 2), and the network set against the coding."""

from __future__ import annotations

import math

import pytest

from coder import coding, network
from tests.conftest import write
from tests.network.examples import NODES, PUBLISHED, by_name, published_name, read_csv, survey_study


def test_network_measures_of_a_five_node_graph_computed_by_hand(make_study):
    _, db, _ = survey_study(make_study)
    tech = by_name(network.centrality(db, "tech"))
    assert {n: tech[NODES[k]]["weighted_out_degree"] for k, n in [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D"), ("E", "E")]} \
        == {"A": 8, "B": 2, "C": 4, "D": 1, "E": 0}
    assert [tech[NODES[k]]["out_degree"] for k in "ABCDE"] == [2, 1, 1, 1, 0]  # E → A is commercial only
    assert [tech[NODES[k]]["in_degree"] for k in "ABCDE"] == [0, 1, 2, 1, 1]
    # Shortest paths through C: A→D, A→E, B→D, B→E; through D: A→E, B→E, C→E; over (n-1)(n-2) = 12 ordered pairs.
    assert [tech[NODES[k]]["betweenness"] for k in "ABCDE"] == pytest.approx([0, 0, 4 / 12, 3 / 12, 0])
    assert [tech[NODES[k]]["rank"] for k in "ABCDE"] == [1, 3, 2, 4, 5]
    commercial = by_name(network.centrality(db, "commercial"))
    assert [commercial[NODES[k]]["weighted_out_degree"] for k in "ABCDE"] == [1, 4, 2, 0, 3]
    assert [commercial[NODES[k]]["out_degree"] for k in "ABCDE"] == [1, 1, 1, 0, 1]
    both = by_name(network.centrality(db, "both"))
    assert [both[NODES[k]]["weighted_out_degree"] for k in "ABCDE"] == [9, 6, 6, 1, 3]
    assert [both[NODES[k]]["rank"] for k in "ABCDE"] == [1, 2.5, 2.5, 5, 4]  # average ranks for ties, as Table 2
    assert tech[NODES["A"]]["local"] and not tech[NODES["D"]]["local"]  # the codebook's region is Piura
    db.close()


def test_network_ego_ties_list_both_directions(make_study):
    _, db, _ = survey_study(make_study)
    ego = network.ego_ties(db, "señor año")
    assert ego.to_dict("records")[0] == {"direction": "gives", "organisation": "D", "weight": 4.0,
                                         "technological": 4.0, "commercial": 2.0}
    assert sorted(ego["direction"]) == ["gives", "receives", "receives"]
    db.close()


def test_network_actor_activity_sets_centrality_against_the_coding(make_study):
    organisations = ("name,type,based_in\nSENASA,government service,Piura\nPROMPERU,government service,Lima\n"
                     "APEM,local industry association,Piura\nAgro 1,producer firm,Piura\n")
    ties = ("source,target,technological,commercial\nSENASA,APEM,5,0\nSENASA,Agro 1,4,0\nPROMPERU,APEM,3,2\n"
            "APEM,Agro 1,2,0\nPROMPERU,Agro 1,0,3\n")
    study, db, _ = survey_study(make_study, organisations, ties)
    from coder.corpus import import_documents
    from tests.conftest import INTERVIEW

    write(study.transcripts_dir / "int01.md", INTERVIEW)
    import_documents(db, [study.transcripts_dir / "int01.md"], study.load_codebook(), root=study.root)
    ana, doc = coding.add_coder(db, "ana"), coding.find_document(db, "int01")
    for passage, codes in {2: ["APEM", "Accessing", "Phase 1"], 3: ["SENASA", "Diffusing", "Phase 1"],
                           4: ["SENASA", "PROMPERU", "Diffusing", "Enabling", "Phase 2"],
                           1: ["PROMPERU", "Scanning sources"]}.items():
        for code in codes:
            coding.apply_code(db, doc, coding.find_code(db, code), ana, *coding.passage_span(db, doc, passage))
    report = network.actor_activity(db, coders=["ana"])
    rows = by_name(report.table)
    # Weighted out-degree (technological): SENASA 5 + 4, PROMPERU 3 (its tie to Agro 1 is commercial), APEM 2.
    assert list(report.table["organisation"][:4]) == ["SENASA", "PROMPERU", "APEM", "Agro 1"]
    assert rows["SENASA"]["weighted_out_degree"] == 9 and rows["SENASA"]["passages"] == 2
    assert (rows["SENASA"]["Diffusing"], rows["SENASA"]["Enabling"], rows["SENASA"]["Phase 2"]) == (2, 1, 1)
    assert rows["APEM"]["Accessing"] == 1 and rows["PROMPERU"]["Accessing"] == 1  # Scanning sources rolls up
    assert rows["SENASA"]["Diffusing share"] == pytest.approx(200 / 3)  # 2 of the 3 actor × Diffusing pairings
    assert rows["PROMPERU"]["Diffusing share"] == pytest.approx(100 / 3) and rows["PROMPERU"]["passages"] == 2
    assert rows["Agro 1"]["actor_code"] is False and math.isnan(rows["Sunshine"]["weighted_out_degree"])
    assert rows["SENASA"]["local"] and not rows["PROMPERU"]["local"]
    overall = report.correlations.iloc[0]
    assert overall["coded activity"] == "all passages" and overall["n"] == 3  # SENASA, PROMPERU, APEM
    # centrality 9, 3, 2 against passages 2, 2, 1: ranks (3, 2, 1) and (2.5, 2.5, 1) give ρ = 1.5 / √(2 · 1.5)
    assert overall["rho"] == pytest.approx(3 ** 0.5 / 2)
    diffusing = report.correlations.set_index("coded activity").loc["function: Diffusing"]
    assert diffusing["n"] == 3 and diffusing["rho"] == pytest.approx(1.0)  # Diffusing 2, 1, 0: same order
    unrolled = network.actor_activity(db, coders=["ana"], roll_up=False)
    assert "Scanning sources" in unrolled.functions
    # Within a code: only the passages ana also coded with it or a sub-code (Accessing: passage 2, and 1 by its sub-code).
    within = by_name(network.actor_activity(db, coders=["ana"], within="Accessing").table)
    assert {name: row["passages"] for name, row in within.items() if row["passages"]} == {"APEM": 1, "PROMPERU": 1}
    assert within["SENASA"]["Diffusing"] == 0 and within["APEM"]["Phase 1"] == 1
    db.close()


def test_network_bundled_ranking_matches_table_2(bundled, capsys):
    _, db = bundled
    ranking = network.centrality(db, "tech")
    assert list(ranking["organisation"][:3]) == ["SENASA", "APEM", "PROMANGO"]
    ours = dict(zip(ranking["organisation"], ranking["weighted_out_degree"]))
    table2 = read_csv(PUBLISHED / "table2_degree_centrality.csv")
    published = {published_name(r["organisation"]): float(r["weighted_out_degree"]) for r in table2}
    assert len(published) == 15 and set(published) <= set(ours)
    names = sorted(published)
    rho, p = network.spearman([published[n] for n in names], [ours[n] for n in names])
    with capsys.disabled():
        print(f"\nbundled survey vs Table 2: Spearman rho = {rho:.3f} (n = 15, p = {p:.2g})")
    assert rho >= 0.8
    assert rho == pytest.approx(0.980, abs=0.001)  # the figure transcripts/survey/README.md reports
    assert ours["SENASA"] == 77 and ours["PROMANGO"] == 55 and ours["INCAGRO"] == 27
