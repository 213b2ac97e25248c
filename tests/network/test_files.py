"""Reading survey files: CSV and Pajek, errors that name the file and line, and the bundled survey
against the marginals of the paper's tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coder import network
from coder.errors import CoderError
from coder.limits import Limits
from coder.study import refresh_study
from coder.text import fold
from tests.conftest import write
from tests.network.examples import BUNDLED_SURVEY, PUBLISHED, half_up, published_name, read_csv, survey_study


def test_network_pajek_reader_accepts_the_documented_conventions(tmp_path):
    plain = write(tmp_path / "plain.net", '% a comment\n*Network survey\n*Vertices 3\n1 "Viñas Varona" 0.1 0.2 0.5\n'
                  '2 "La Molina"\n3 "Señor Año"\n*Arcs\n1 2 5\n2 3\n3 1 2 commercial 4\n')
    survey = network.read_pajek(plain)
    assert [(t.source, t.target, t.technological, t.commercial) for t in survey.ties] == [
        ("Viñas Varona", "La Molina", 5, 0), ("La Molina", "Señor Año", 1, 0), ("Señor Año", "Viñas Varona", 2, 4)]
    assert network.read_pajek(plain, weight_as="commercial").ties[0].commercial == 5
    relations = tmp_path / "relations.net"
    relations.write_bytes('*Vertices 2\n1 "Viñas Varona"\n2 "Año"\n*Arcs :1 "tecnológico"\n1 2 3\n'
                          '*Arcs :2 "commercial"\n1 2 4\n2: 2 1 1\n'.encode("cp1252"))
    survey = network.read_pajek(relations)
    assert [(t.source, t.target, t.technological, t.commercial) for t in survey.ties] == [
        ("Viñas Varona", "Año", 3, 4), ("Año", "Viñas Varona", 0, 1)]
    for text, message in [("*Vertices 2\n1 \"a\"\n2 \"b\"\n*Edges\n1 2 3\n", "undirected"),
                          ("*Vertices 2\n1 \"a\"\n2 \"b\"\n*Arcs\n1 2 7\n", "outside 0–5"),
                          ("*Vertices 2\n1 \"a\"\n2 \"b\"\n*Arcs\n1 2 3\n1 2 4\n", "second technological rating"),
                          ("*Vertices 2\n1 \"a\"\n2 \"b\"\n*Arcs :1 \"trust\"\n1 2 3\n", "neither technological")]:
        with pytest.raises(CoderError, match=message) as error:
            network.read_pajek(write(tmp_path / "bad.net", text))
        assert "bad.net:" in str(error.value)


def test_network_csv_errors_name_the_file_and_line(make_study, tmp_path):
    with pytest.raises(CoderError, match=r"ties.csv:3: technological 9 is outside 0–5"):
        network.read_ties_csv(write(tmp_path / "ties.csv", "source,target,technological\na,b,2\nb,c,9\n"), network.Survey())
    with pytest.raises(CoderError, match=r"ties.csv:3: tie a → B is listed twice \(first on line 2\)"):
        network.read_ties_csv(write(tmp_path / "ties.csv", "source,target,technological\nA,b,2\na,B,3\n"), network.Survey())
    weight_only = network.Survey()
    network.read_ties_csv(write(tmp_path / "ties.csv", "from,to,weight\na,b,2\n"), weight_only)
    assert (weight_only.ties[0].technological, weight_only.ties[0].commercial) == (2, 0)


# Published figures that whole-number ratings cannot reach (transcripts/survey/README.md): (published, ours).
DEVIATIONS = {
    ("7.2", "Incagro", "average"): ("2.5", "2.4"),
    ("7.2", "Adex", "average"): ("1.4", "1.3"),
    ("7.2", "SGS (Certification Firm)", "average"): ("3.3", "3.2"),
    ("3", "APEM", "producing_pct"): ("65", "64"),
    ("3", "APEM", "globalgap_pct"): ("65", "64"),
}


def test_network_bundled_survey_reproduces_the_published_marginals(bundled):
    survey = network.read_survey([BUNDLED_SURVEY / "organisations.csv", BUNDLED_SURVEY / "ties.csv"])
    nodes = {fold(n): node for n, node in survey.nodes.items()}
    members = {assoc: [n for n in survey.nodes.values() if n.member_of == [assoc]] for assoc in ("APEM", "PROMANGO")}
    assert (len(members["APEM"]), len(members["PROMANGO"])) == (14, 12)
    seen_deviations = set()

    def check(table: str, row: str, column: str, published: str, ours: Decimal) -> None:
        key = (table, row, column)
        if key in DEVIATIONS:
            assert (published, str(ours)) == DEVIATIONS[key], key
            seen_deviations.add(key)
        else:
            assert Decimal(published) == ours, (key, published, ours)

    groups = {"Certification Firms": [n.name for n in survey.nodes.values() if n.type == "certification organisation"],
              "Consultants": [n.name for n in survey.nodes.values() if n.type == "private consultant"]}
    for table, association, file in (("6.2", "APEM", "table6_2_apem_member_sources.csv"),
                                     ("7.2", "PROMANGO", "table7_2_promango_member_sources.csv")):
        firms = {n.name for n in members[association]}
        for row in read_csv(PUBLISHED / file):
            label = row["intermediary"]
            sources = groups.get(label) or [nodes[fold(published_name(label))].name]
            ratings = [t.technological for t in survey.ties
                       if t.source in sources and t.target in firms and t.technological >= 1]
            firms_naming = {t.target for t in survey.ties if t.source in sources and t.target in firms and t.technological >= 1}
            assert len(firms_naming) == len(ratings)  # at most one tie per firm, also in grouped rows
            check(table, label, "count", row["firms_naming_as_technological_source"], Decimal(len(ratings)))
            average = half_up(Decimal(str(sum(ratings))) / len(ratings), "0.1")
            check(table, label, "average", row["average_importance_1_to_5"], average)
    for row in read_csv(PUBLISHED / "tables3_4_membership_profiles.csv"):
        firms = members[row["association"]]
        table = "3" if row["association"] == "APEM" else "4"
        for column in ("exporting", "packing", "producing", "haccp", "globalgap"):
            share = Decimal(100 * sum(f.attributes.get(column, 0) for f in firms)) / len(firms)
            check(table, row["association"], f"{column}_pct", row[f"{column}_pct"], half_up(share, "1"))
        land = [Decimal(str(f.attributes["land_ha"])) for f in firms if f.attributes.get("land_ha") is not None]
        assert len(land) == sum(f.attributes.get("producing", 0) for f in firms)
        check(table, row["association"], "avg_land_ha", row["avg_land_ha"], half_up(sum(land) / len(land), "1"))
        employees = sum(Decimal(f.attributes["employees"]) for f in firms) / len(firms)
        check(table, row["association"], "avg_employees", row["avg_employees"], half_up(employees, "1"))
    assert seen_deviations == set(DEVIATIONS)


def test_network_bundled_association_ties_are_the_published_ones(bundled):
    survey = network.read_survey([BUNDLED_SURVEY / "organisations.csv", BUNDLED_SURVEY / "ties.csv"])
    for association, file in (("APEM", "table6_1_apem_sources.csv"), ("PROMANGO", "table7_1_promango_sources.csv")):
        published = {(published_name(r["source"]), int(r["technological_importance"]), int(r["commercial_importance"]))
                     for r in read_csv(PUBLISHED / file)}
        ours = {(t.source, int(t.technological), int(t.commercial)) for t in survey.ties if t.target == association}
        assert ours == published


def test_network_a_survey_file_over_the_size_budget_is_refused_unread(make_study):
    """A ties file with a 100 MB field is over file_bytes: refused from its size, in one line, and the study keeps its survey."""
    study, db, _ = survey_study(make_study)
    before = db.execute("SELECT source_id, target_id, technological, commercial FROM ties ORDER BY 1, 2").fetchall()
    with (study.transcripts_dir / "survey" / "ties.csv").open("wb") as handle:
        handle.write(b'source,target,technological,commercial,origin\na,b,1,1,"')
        handle.truncate(100_000_000)  # sparse: the field is never read
    with pytest.raises(CoderError) as raised:
        refresh_study(study, db)
    assert str(raised.value).startswith("transcripts/survey/ties.csv: the file is 100 MB, over coder's limit of 25 MB")
    assert "\n" not in str(raised.value)
    assert db.execute("SELECT source_id, target_id, technological, commercial FROM ties ORDER BY 1, 2").fetchall() == before
    db.close()


@pytest.mark.parametrize("name, text, message", [
    ("ties.csv", "source,target\na,b\n\"c\nd\",e\nf,g\nh,i\n", r"ties.csv:6: the file is longer than 4 rows"),
    ("ties.csv", f"source,target,origin\na,b,{'o' * 21}\n", r"ties.csv:2: a field is 21 characters, over coder's limit of 20"),
    ("organisations.csv", f"name,type\n\"{'n' * 21}\",firm\n", r"organisations.csv:2: a field is 21 characters"),
    ("organisations.csv", "name,type\na,\"firm\n" + "x" * 200_000, r"organisations.csv:2: a field is longer than 20 characters"),
    ("survey.net", "*Vertices 2\n1 a\n2 b\n*Arcs\n1 2 1\n", r"survey.net:5: the file is longer than 4 lines"),
    ("survey.net", f"*Vertices 1\n1 \"{'v' * 20}\"\n", r"survey.net:2: the line is 24 characters, over coder's limit of 20"),
])
def test_network_survey_files_keep_the_row_and_field_budget(tmp_path, name, text, message):
    with pytest.raises(CoderError, match=message) as raised:
        network.read_survey([write(tmp_path / name, text)], limits=Limits(survey_rows=4, csv_field_characters=20))
    assert "\n" not in str(raised.value) and "over coder's limit" in str(raised.value)
