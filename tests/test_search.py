"""Search: the researchers' query language over FTS5, organisation mentions, hit navigation."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coder.cli import main
from coder.errors import CoderError
from coder.search import fts_query, next_hit, search
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW

SECOND = """\
---
id: int02
title: A second interview
language: es
---

ENTREVISTADOR: ¿Y la certificación?

ENTREVISTADO: La CAPACITACIÓN de SENANSA fue en Perú, con co-financing (U.S.) y certificados.

ENTREVISTADOR: ¿Algo más?

ENTREVISTADO: Nada más: la feria.
"""


@pytest.fixture
def db(make_study):
    study = make_study(documents={"int01.md": INTERVIEW, "int02.md": SECOND})
    database = connect_study(study)
    refresh_study(study, database)
    yield database
    database.close()


def matched(db, hits):
    """The matched text of every hit, per (document, passage)."""
    texts = {}
    for hit in hits:
        text = db.execute("SELECT text FROM documents WHERE id = ?", [hit.document_id]).fetchone()[0]
        assert all(hit.start <= s < e <= hit.end for s, e in hit.spans), "spans lie inside the passage"
        texts[(hit.document, hit.ordinal)] = [text[s:e] for s, e in hit.spans]
    return texts


def test_search_words_must_all_occur_in_any_order(db):
    assert matched(db, search(db, "SENASA training")) == {("int01", 4): ["training", "SENASA"]}
    assert matched(db, search(db, "training")) == {("int01", 3): ["training"], ("int01", 4): ["training"]}


def test_search_phrase_matches_the_words_together(db):
    assert matched(db, search(db, '"trade fair"')) == {("int01", 2): ["trade fair"]}
    assert search(db, '"fair trade"') == []


def test_search_prefix_finds_every_ending(db):
    assert matched(db, search(db, "certif*")) == {("int02", 1): ["certificación"], ("int02", 2): ["certificados"]}


def test_search_or_joins_neighbouring_terms(db):
    hits = matched(db, search(db, "feria OR newsletter"))
    assert hits == {("int01", 2): ["newsletter"], ("int02", 4): ["feria"]}
    # OR binds tighter than the implicit AND: training AND (SENASA OR days) — passage 3 has neither
    assert [h.ordinal for h in search(db, "training SENASA OR days", document_id=1)] == [4]


def test_search_minus_excludes_passages(db):
    assert [h.ordinal for h in search(db, "training -SENASA")] == [3]
    assert [h.ordinal for h in search(db, "training NOT SENASA")] == [3]
    assert [h.ordinal for h in search(db, 'training -"training days"')] == [3]


def test_search_ignores_case_and_accents(db):
    assert matched(db, search(db, "capacitacion peru")) == {("int02", 2): ["CAPACITACIÓN", "Perú"]}
    assert matched(db, search(db, "PROMPERÚ")) == {("int01", 2): ["PromPerú"]}


def test_search_punctuation_is_quoted_not_parsed(db):
    assert matched(db, search(db, "co-financing")) == {("int02", 2): ["co-financing"]}
    assert [h.ordinal for h in search(db, "(U.S.)")] == [2]
    assert fts_query('a"b OR c*') == '"a" AND "b OR c*"'  # an unclosed quote runs to the end
    assert fts_query('NEAR(x y) AND z:') == '"NEAR(x" AND "y)" AND "z:"'


def test_search_with_nothing_to_look_for_says_so(db):
    with pytest.raises(CoderError, match="has no words to look for"):
        search(db, "!!! ---")
    with pytest.raises(CoderError, match="only leaves words out"):
        search(db, "-SENASA")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=40) | st.lists(st.sampled_from(['"', "*", "-", "OR", "NOT", "AND", "(", ")", ":", "^", "NEAR",
                                                               "+", "training", "tr", "{", "}", " ", "'", "\\"]),
                                             max_size=10).map(" ".join))
def test_search_arbitrary_text_never_crashes(db, query):
    try:
        hits = search(db, query)
    except CoderError as error:
        assert "—" in str(error)  # a one-line message with a fix
        return
    assert all(h.spans is not None and h.start < h.end for h in hits)


def test_search_organisation_name_finds_mentions_in_any_spelling(db):
    hits = search(db, "SENASA")
    assert {(h.document, h.ordinal) for h in hits} == {("int01", 2), ("int01", 4), ("int02", 2)}
    by_passage = matched(db, hits)
    assert by_passage[("int02", 2)] == ["SENANSA"]  # only a mention: no word "senasa" there
    assert all(h.organisation == "SENASA" for h in hits)
    # an alias, folded, finds the same passages
    assert [(h.document, h.ordinal) for h in search(db, "senansa")] == [(h.document, h.ordinal) for h in hits]
    assert [(h.document, h.ordinal) for h in search(db, '"Comisión de Promoción del Perú"')] == [("int01", 2)]


def test_search_document_scope_and_order(db):
    everywhere = search(db, "SENASA")
    assert [(h.document, h.ordinal) for h in everywhere] == sorted((h.document, h.ordinal) for h in everywhere)
    assert {h.document for h in search(db, "SENASA", document_id=2)} == {"int02"}
    assert len(search(db, "SENASA", limit=1)) == 1


def test_search_snippet_holds_the_match(db):
    (hit,) = search(db, '"hot water"')
    ((start, end),) = hit.snippet_spans
    assert hit.snippet[start:end] == "hot water"
    assert hit.speaker == "RESPONDENT" and hit.organisation is None


def test_search_next_hit_wraps_both_ways(db):
    hits = search(db, "SENASA")  # int01 2, int01 4, int02 2
    assert (next_hit(hits, 1, 2).document, next_hit(hits, 1, 2).ordinal) == ("int01", 4)
    assert (next_hit(hits, 1, 3).ordinal, next_hit(hits, 1, 3, -1).ordinal) == (4, 2)
    assert (next_hit(hits, 2, 2).document, next_hit(hits, 2, 2).ordinal) == ("int01", 2)  # wraps to the start
    assert (next_hit(hits, 1, 2, -1).document, next_hit(hits, 1, 2, -1).ordinal) == ("int02", 2)  # wraps to the end
    assert next_hit([], 1, 1) is None
    assert next_hit(hits, 99, 1, document="int015").document == "int02"  # a document without hits, by name


def test_search_cli_lists_hits_in_every_format(study):
    runner = CliRunner()
    table = runner.invoke(main, ["--study", str(study.root), "search", "training", "-SENASA"])
    assert table.exit_code == 0, table.output
    assert "And the «training»?" in table.output
    rows = json.loads(runner.invoke(main, ["--study", str(study.root), "search", "SENASA", "--format", "json"]).stdout)
    assert [(r["document"], r["passage"]) for r in rows] == [("int01", 2), ("int01", 4)]
    bad = runner.invoke(main, ["--study", str(study.root), "search", "-x"])
    assert bad.exit_code == 1 and "only leaves words out" in bad.output
