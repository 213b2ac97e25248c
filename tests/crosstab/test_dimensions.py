"""Dimensions, whose codings count and which documents: resolved against the hand-made study."""

from __future__ import annotations

import pytest

from coder import crosstab, reconcile
from coder.db import set_setting, transaction
from coder.errors import CoderError
from coder.study import connect_study
from tests.crosstab.handmade import build, cells


def test_crosstab_document_attribute_and_document_dimensions(db):
    result = crosstab.crosstab(db, "function", "attr:kind", coders=["ana"])
    assert list(result.counts.columns) == ["congress_notes", "interview"]
    assert cells(result) == {("Accessing", "congress_notes"): 1, ("Accessing", "interview"): 2,
                             ("Diffusing", "congress_notes"): 1, ("Diffusing", "interview"): 1,
                             ("Coordinating", "congress_notes"): 1, ("Enabling", "interview"): 1,
                             ("Scanning sources", "interview"): 1}
    organisation = crosstab.crosstab(db, "phase", "attr:interviewee_organisation", coders=["ana"])
    assert list(organisation.counts.columns) == ["APEM", "(none)"]
    assert organisation.counts.at["Phase 1", "APEM"] == 3 and organisation.counts.at["Phase 1", "(none)"] == 1
    by_document = crosstab.crosstab(db, "document", "phase", coders=["ana"])
    assert by_document.counts.loc["int01"].tolist() == [3, 1, 0]
    assert by_document.counts.loc["cong01"].tolist() == [1, 1, 1]
    with pytest.raises(CoderError, match="no document has the attribute 'colour'"):
        crosstab.crosstab(db, "function", "attr:colour")


def test_crosstab_actor_type_group_and_coder_dimensions(db):
    actors = crosstab.crosstab(db, "actor", "function", coders=["ana"], roll_up=True)
    assert cells(actors) == {("APEM", "Accessing"): 2, ("APEM", "Coordinating"): 1, ("PROMPERU", "Accessing"): 1,
                             ("SENASA", "Diffusing"): 2, ("SENASA", "Enabling"): 1}
    types = crosstab.crosstab(db, "type", "phase", coders=["ana"])
    assert cells(types) == {("government service", "Phase 1"): 1, ("government service", "Phase 2"): 1,
                            ("government service", "Phase 3"): 1, ("local industry association", "Phase 1"): 2,
                            ("local industry association", "Phase 2"): 1}
    groups = crosstab.crosstab(db, "group", "coder", coders=["all"])
    assert groups.counts.loc["function"].tolist() == [7, 2] and groups.counts.loc["actor"].tolist() == [5, 0]
    by_coder = crosstab.crosstab(db, "function", "coder", coders=["all"])
    assert by_coder.counts.loc["Accessing"].tolist() == [3, 1] and by_coder.counts.loc["Diffusing"].tolist() == [2, 1]
    with pytest.raises(CoderError, match="unknown dimension 'colour'"):
        crosstab.crosstab(db, "colour", "phase")


def test_crosstab_organisation_facts_local_place_and_membership(db):
    """The paper's local vs outside providers: an actor code counts as local when its organisation is based in the
    codebook's region (Piura: APEM and SENASA; PROMPERU is in Lima); a passage counts once per value."""
    by_actor = cells(crosstab.crosstab(db, "actor", "phase", coders=["ana"]))
    local = crosstab.crosstab(db, "local", "phase", coders=["ana"])
    assert local.rows.labels == ["local", "external"] and local.rows.title == "local to Piura or external"
    assert cells(local) == {("local", "Phase 1"): 2, ("local", "Phase 2"): 2, ("local", "Phase 3"): 1, ("external", "Phase 1"): 1}
    assert cells(local)[("external", "Phase 1")] == by_actor[("PROMPERU", "Phase 1")]
    places = crosstab.crosstab(db, "based_in", "phase", coders=["ana"])
    assert {(row, column): n for (row, column), n in cells(places).items()} == {
        ("Lima", "Phase 1"): 1, ("Piura", "Phase 1"): 2, ("Piura", "Phase 2"): 2, ("Piura", "Phase 3"): 1}
    membership = crosstab.crosstab(db, "membership", "phase", coders=["ana"])
    assert set(membership.rows.labels) == {"APEM", "none"}  # Sunshine is a member of APEM
    assert "local" in crosstab.dimension_choices(db) and "membership" in crosstab.dimension_choices(db)


def test_crosstab_default_is_every_coder_but_the_consensus_and_never_switches_by_itself(tmp_path):
    root = build(tmp_path / "study")
    from coder.study import Study

    db = connect_study(Study(root))
    everybody = crosstab.crosstab(db, "function", "document")
    assert everybody.describe() == "function × document: passages, coded by ana, ben (all)"
    with transaction(db):
        set_setting(db, "current_coder", "ben")  # what switching coder in the workbench does
    assert cells(crosstab.crosstab(db, "function", "document")) == cells(everybody)
    queue = reconcile.open_queue(db)
    assert [u.key for u in queue.units] == ["int01:1", "int01:2", "int01:3", "int01:4"]
    reconcile.decide(db, queue, queue.units[1], "keep", coder="ben")  # the consensus coder has codings now
    result = crosstab.crosstab(db, "function", "document")
    assert cells(result) == cells(everybody)  # still ana's and ben's, counted as before …
    assert result.describe() == ("function × document: passages, coded by ana, ben (all but consensus)"
                                 " · consensus: 1 of 4 disagreements settled")  # … and the heading says how far it got
    assert crosstab.choose_coders(db, ["all"]).names == ("ana", "ben")
    chosen = crosstab.crosstab(db, "function", "document", coders=["consensus"])
    assert cells(chosen) == {("Accessing", "int01"): 1}  # named, it counts (the cache saw the new coding)
    assert chosen.coders.describe() == "consensus · consensus: 1 of 4 disagreements settled"
    with pytest.raises(CoderError, match="no coder named 'zoe'"):
        crosstab.choose_coders(db, ["zoe"])
    db.close()


def test_a_consensus_made_elsewhere_is_named_as_such_not_as_nothing_settled(tmp_path):
    """The bundled study ships its demonstration consensus as a coding file: no decision was taken in this copy, so
    "0 of N settled" would be false; the heading says where the consensus comes from."""
    from coder.codings_file import import_codings
    from coder.study import Study
    from tests.conftest import write

    root = build(tmp_path / "study")
    db = connect_study(Study(root))
    import_codings(db, write(tmp_path / "consensus.csv", "document,passage,code,coder,memo\nint01,2,Accessing,consensus,\n"
                                                         "int01,3,Accessing,consensus,\n"))
    assert crosstab.crosstab(db, "function", "document").describe() == (
        "function × document: passages, coded by ana, ben (all but consensus) · consensus: 2 codings, reconciled elsewhere")
    queue = reconcile.open_queue(db)
    reconcile.decide(db, queue, queue.units[0], "keep", coder="ana")  # a decision here: counted as always
    assert crosstab.choose_coders(db, ["consensus"]).describe() == "consensus · consensus: 1 of 4 disagreements settled"
    db.close()


def test_crosstab_document_filters_take_names_patterns_and_attributes(db):
    assert crosstab.crosstab(db, "function", "phase", coders=["ana"], documents=["cong01"]).total == 3
    assert crosstab.crosstab(db, "function", "phase", coders=["ana"], documents=["int*"]).total == 4
    assert crosstab.crosstab(db, "function", "phase", coders=["ana"], documents=["kind=congress_notes"]).total == 3
    with pytest.raises(CoderError, match="no document matches 'x9'"):
        crosstab.crosstab(db, "function", "phase", documents=["x9"])


def test_crosstab_dimension_choices_and_what_a_cell_stands_for(db):
    assert crosstab.dimension_choices(db) == ["function", "phase", "role", "code", "group", "actor", "type", "local", "based_in",
                                              "membership", "document", "attr:kind", "attr:interviewee_organisation", "coder"]
    rolled = crosstab.crosstab(db, "function", "phase", coders=["ana"], roll_up=True)
    assert crosstab.cell_codes(db, rolled, "Accessing", "Phase 1") == [
        "function/Accessing", "function/Scanning sources", "phase/Phase 1"]
    assert crosstab.cell_codes(db, rolled, None, "Phase 2") == ["phase/Phase 2"]  # a margin: any function
    assert crosstab.cell_coders(rolled, "Accessing", None) == ["ana"]
    by_coder = crosstab.crosstab(db, "function", "coder", coders=["all"])
    assert crosstab.cell_coders(by_coder, "Accessing", "ben") == ["ben"]
    assert crosstab.cell_coders(by_coder, "Accessing", None) == []  # everybody
    assert crosstab.cell_codes(db, by_coder, "Accessing", "ben") == ["function/Accessing"]
