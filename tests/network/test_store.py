"""Storing the survey: nodes matched to the codebook's organisations, ties, re-imports."""

from __future__ import annotations

import json

from coder import network
from coder.study import refresh_study
from tests.conftest import write
from tests.network.examples import NODES, ORGANISATIONS_CSV, PUBLISHED, TIES_CSV, by_name, published_name, read_csv, survey_study


def test_network_import_stores_nodes_attributes_and_ties(make_study):
    _, db, report = survey_study(make_study)
    assert report.survey.organisations == 5 and report.survey.ties == 6
    row = db.execute("SELECT type, member_of, based_in, in_codebook, attributes FROM organisations WHERE name = ?",
                     [NODES["E"]]).fetchone()
    assert row == ("producer firm", json.dumps([NODES["C"]], ensure_ascii=False), "Lima", 0, '{"employees": 50}')
    ties = db.execute("SELECT s.name, t.name, technological, commercial, origin FROM ties"
                      " JOIN organisations s ON s.id = source_id JOIN organisations t ON t.id = target_id"
                      " ORDER BY ties.id").fetchall()
    assert ties[0] == (NODES["A"], NODES["B"], 5.0, 1.0, "hand") and len(ties) == 6
    assert db.execute("SELECT action FROM events WHERE action = 'import_survey'").fetchall() == [("import_survey",)]
    db.close()


def test_network_survey_names_match_codebook_organisations_through_aliases(make_study):
    organisations = ("name,type,based_in,surveyed\nSenasa,government service,Piura,1\nPromPeru,government service,Lima,1\n"
                     "Consultora Uno,private consultant,Lima,0\n")
    ties = "source,target,technological,commercial\nSENANSA,Consultora Uno,4,0\npromperú,senasa,2,5\n"
    _, db, report = survey_study(make_study, organisations, ties)
    assert report.survey.matched == {"Senasa": "SENASA", "SENANSA": "SENASA", "PromPeru": "PROMPERU"}
    assert report.survey.organisations == 3
    assert report.survey.outside_codebook == ["Consultora Uno"]
    rows = dict(db.execute("SELECT name, in_codebook FROM organisations").fetchall())
    assert rows["Consultora Uno"] == 0 and "Senasa" not in rows and "PromPeru" not in rows
    assert json.loads(db.execute("SELECT attributes FROM organisations WHERE name = 'SENASA'").fetchone()[0]) == {"surveyed": 1}
    ranking = by_name(network.centrality(db))
    assert ranking["SENASA"]["weighted_out_degree"] == 4 and ranking["PROMPERU"]["weighted_out_degree"] == 2
    db.close()


def test_network_reimport_replaces_the_survey_and_is_idempotent(make_study):
    study, db, _ = survey_study(make_study)
    tie_ids = db.execute("SELECT id FROM ties ORDER BY id").fetchall()
    assert refresh_study(study, db).survey is None  # unchanged files: nothing to do
    again = network.refresh_survey(db, study.transcripts_dir / "survey", root=study.root, force=True)
    assert not again.changed and db.execute("SELECT id FROM ties ORDER BY id").fetchall() == tie_ids
    assert db.execute("SELECT count(*) FROM events WHERE action = 'import_survey'").fetchone()[0] == 1
    # Drop node E (and its two ties), change one rating.
    write(study.transcripts_dir / "survey" / "organisations.csv", "\n".join(ORGANISATIONS_CSV.splitlines()[:-1]) + "\n")
    write(study.transcripts_dir / "survey" / "ties.csv",
          TIES_CSV.replace(f"{NODES['A']},{NODES['B']},5,1", f"{NODES['A']},{NODES['B']},4,1")
          .replace(f"{NODES['D']},{NODES['E']},1,0,hand\n", "").replace(f"{NODES['E']},{NODES['A']},0,3,hand\n", ""))
    report = refresh_study(study, db).survey
    assert (report.ties, report.ties_changed, report.ties_removed, report.removed) == (4, 1, 2, [NODES["E"]])
    assert db.execute("SELECT count(*) FROM organisations WHERE name = ?", [NODES["E"]]).fetchone()[0] == 0
    assert by_name(network.centrality(db))[NODES["A"]]["weighted_out_degree"] == 7
    db.close()


def test_network_bundled_organisations_of_the_tables_are_in_the_codebook(bundled):
    _, db = bundled
    labels = [r["organisation"] for r in read_csv(PUBLISHED / "table2_degree_centrality.csv")]
    for file in ("table6_2_apem_member_sources.csv", "table7_2_promango_member_sources.csv"):
        labels += [r["intermediary"] for r in read_csv(PUBLISHED / file) if r["intermediary"] not in ("Certification Firms", "Consultants")]
    for file in ("table6_1_apem_sources.csv", "table7_1_promango_sources.csv"):
        labels += [r["source"] for r in read_csv(PUBLISHED / file)]
    stored = dict(db.execute("SELECT name, in_codebook FROM organisations").fetchall())
    for label in labels:
        name = published_name(label)
        assert name in stored, label
        assert stored[name] == (0 if label.startswith("Agro ") else 1), label
