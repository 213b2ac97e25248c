"""Learned suggestions: what they learn from, the leave-one-document-out evaluation (checked by hand), and applying them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from coder import coding
from coder.cli import main
from coder.learning import (
    ALL,
    Examples,
    Unit,
    choose_source,
    default_source,
    dismiss,
    example_count,
    examples,
    least_sure,
    preview_learned,
    train,
)
from coder.learning_eval import Counts, choose_threshold, evaluate, folds, held_out, score
from coder.study import connect_study, refresh_study

TRAINING = ["The training workshop taught us pruning.", "A field day and a training course on grafting.",
            "They ran a workshop and training on irrigation.", "The training school showed us the new pruning."]
BUYERS = ["The buyers in the United States paid well.", "We met export buyers at the trade fair.",
          "Buyers from Europe asked for certified fruit.", "A broker found buyers abroad for our mangoes."]


def interview(number: int, answers: list[str]) -> str:
    turns = "".join(f"INTERVIEWER: Question {i}?\n\nRESPONDENT: {answer}\n\n" for i, answer in enumerate(answers))
    return f"---\nid: int{number:02}\ntitle: Interview {number}\nlanguage: en\n---\n\n{turns}"


@pytest.fixture
def learning_study(make_study):
    """Three interviews, each answer about training (coded Diffusing by ana) or buyers (coded Accessing)."""
    documents = {f"int{n:02}.md": interview(n, [TRAINING[(n + i) % 4] if i % 2 == 0 else BUYERS[(n + i) % 4] for i in range(8)])
                 for n in (1, 2, 3)}
    study = make_study(documents=documents)
    db = connect_study(study)
    refresh_study(study, db)
    ana = coding.add_coder(db, "ana")
    diffusing, accessing = coding.find_code(db, "Diffusing"), coding.find_code(db, "Accessing")
    for doc, ordinal, text, speaker in db.execute(
            "SELECT s.document_id, s.ordinal, substr(d.text, s.start + 1, s.end - s.start), s.speaker"
            " FROM segments s JOIN documents d ON d.id = s.document_id").fetchall():
        if speaker == "RESPONDENT":
            code = diffusing if any(t in text for t in TRAINING) else accessing
            coding.apply_code(db, doc, code, ana, *coding.passage_span(db, doc, ordinal))
    yield study, db
    db.close()


def test_folds_hold_out_each_document_in_turn_by_hand():
    units = [Unit(d, o, 0, 1, "x") for d, o in [(7, 2), (7, 4), (3, 2), (9, 2), (9, 4)]]
    found = Examples(units, [set()] * 5, [set()] * 5, {})
    assert [(f.document_id, f.train, f.test) for f in folds(found)] == [(7, [2, 3, 4], [0, 1]), (3, [0, 1, 3, 4], [2]),
                                                                        (9, [0, 1, 2], [3, 4])]


def test_score_counts_by_hand():
    truth = [{1}, {1, 2}, set(), {2}]
    ranked = [[1, 2], [2], [1], []]  # best first
    per_code, pooled = score(truth, ranked, [1, 2])
    assert (per_code[1].tp, per_code[1].fp, per_code[1].fn) == (1, 1, 1)  # right in 0, wrong in 2, missed in 1
    assert (per_code[2].tp, per_code[2].fp, per_code[2].fn) == (1, 1, 1)  # right in 1, wrong in 0, missed in 3
    figures = pooled.figures()
    assert figures["precision"] == figures["recall"] == figures["f1"] == 0.5
    assert figures["top1_precision"] == 2 / 3  # tops: 1 (right), 2 (right), 1 (wrong)
    assert Counts().figures() == {"precision": None, "recall": None, "f1": None, "top1_precision": None}


def test_threshold_is_the_lowest_probability_reaching_the_precision():
    probabilities = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    truth = [True, True, True, True, False, True, False, False]
    assert choose_threshold(probabilities, truth, 0.8) == (0.5, 5 / 6)  # 5 of the 6 from 0.5 up
    assert choose_threshold(probabilities, truth, 0.99) == (None, None)  # 4 right of 4 is too few passages (MIN_SHOWN 5)


def test_examples_are_respondent_passages_with_the_coders_codes(learning_study):
    study, db = learning_study
    found = examples(db, "ana")
    assert len(found.units) == 24 and all(u.ordinal % 2 == 0 for u in found.units)  # no interviewer turn
    diffusing = coding.find_code(db, "Diffusing").id
    assert [diffusing in p for p in found.positive[:4]] == [True, False, True, False]


def test_evaluation_trains_without_the_held_out_document(learning_study):
    study, db = learning_study
    found = examples(db, "ana")
    probabilities, keywords, count, decisions = held_out(db, found, min_examples=3)
    assert count == 3 and all(probabilities)  # every held-out passage got a probability per code
    assert all(0.05 <= d <= 0.95 for d in decisions)  # each fold's own, chosen inside its two training documents
    diffusing = coding.find_code(db, "Diffusing").id
    right = sum((p[diffusing] >= 0.5) == (diffusing in t) for p, t in zip(probabilities, found.positive))
    assert right >= 22
    buyers = coding.find_code(db, "Accessing").id
    assert [buyers in k for k in keywords[:2]] == [False, True]  # the keyword baseline on the same passages
    (function,) = evaluate(db, "ana", group="function", min_examples=3)
    assert function.folds == 3 and function.learned.figures()["f1"] >= 0.9


def test_suggestions_carry_probability_and_words_and_skip_what_is_coded(learning_study):
    study, db = learning_study
    model = train(db, "ana", min_examples=3)
    (first, *_) = model.suggest("the training workshop was good")
    assert first.code == "function/Diffusing" and first.probability > 0.5 and "training" in first.words
    assert {s.code for s in model.suggest("anything", every=True)} == {"function/Diffusing", "function/Accessing"}
    from coder.learning import suggest_document

    ana = coding.acting_coder(db, "ana")
    assert suggest_document(db, model, 1, coder_id=ana) == {}  # ana coded every passage with what is suggested
    assert set(suggest_document(db, model, 1)) == {2, 4, 6, 8, 10, 12, 14, 16}  # respondent turns only


def test_a_dismissal_is_a_negative_example_and_least_sure_is_uncoded(learning_study):
    study, db = learning_study
    ben = coding.add_coder(db, "ben")
    accessing = coding.find_code(db, "Accessing")
    assert dismiss(db, 1, 2, accessing, ben) and not dismiss(db, 1, 2, accessing, ben)
    assert examples(db, "ben", documents={1}).negative[0] == {accessing.id}
    model = train(db, "ana", min_examples=3)
    found = least_sure(db, model, ben)
    assert found is not None and found[1] % 2 == 0
    assert least_sure(db, model, coding.acting_coder(db, "ana")) is None  # ana coded every respondent passage


def test_cli_evaluate_json_and_chosen_thresholds(learning_study, monkeypatch):
    study, db = learning_study
    monkeypatch.setattr("coder.learning.MIN_EXAMPLES", 3)
    monkeypatch.setattr("coder.learning_eval.MIN_EXAMPLES", 3)
    result = CliRunner().invoke(main, ["--study", str(study.root), "suggest", "evaluate", "--coder", "ana", "--group", "function",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    (group,) = json.loads(result.output)
    assert set(group) == {"group", "codes", "learned", "keywords", "folds"} and group["folds"] == 3
    assert set(group["learned"]) == set(group["keywords"]) == {"precision", "recall", "f1", "top1_precision"}
    table = CliRunner().invoke(main, ["--study", str(study.root), "suggest", "evaluate", "--coder", "ana"])
    assert "function (all codes)" in table.output and "threshold" in table.output and "decision threshold" in table.output
    saved = json.loads(db.execute("SELECT value FROM settings WHERE key = 'learned_decision'").fetchone()[0])
    assert 0.05 <= saved["ana"] <= 0.95 and train(db, "ana", min_examples=3).decision == saved["ana"]  # the workbench's


def test_cli_apply_previews_then_codes_in_one_undoable_event(learning_study):
    from coder import events

    study, db = learning_study
    ben = coding.add_coder(db, "ben")
    runner = CliRunner()
    args = ["--study", str(study.root), "suggest", "apply", "--code", "Diffusing", "--min-probability", "0.5", "--from", "ana"]
    preview = runner.invoke(main, [*args, "--coder", "ben"])
    assert preview.exit_code == 0 and "12 passages would be coded with function/Diffusing" in preview.output, preview.output
    assert db.execute("SELECT count(*) FROM codings WHERE coder_id = ?", [ben]).fetchone()[0] == 0
    applied = runner.invoke(main, [*args, "--coder", "ben", "--yes"])
    assert applied.exit_code == 0 and "coded 12 passages" in applied.output, applied.output
    assert db.execute("SELECT count(*) FROM codings WHERE coder_id = ?", [ben]).fetchone()[0] == 12
    assert events.undo(db, ben).action == "apply_learned"  # not auto-coding by words
    assert db.execute("SELECT count(*) FROM codings WHERE coder_id = ?", [ben]).fetchone()[0] == 0
    again = runner.invoke(main, [*args, "--coder", "ana"])
    assert "0 passages would be coded" in again.output  # ana coded them all already


def test_a_code_with_too_few_examples_is_refused(learning_study):
    study, db = learning_study
    with pytest.raises(Exception, match="coded passages"):
        preview_learned(db, coding.find_code(db, "Coordinating"), 0.5, source="ana")


def test_scikit_learn_is_not_loaded_at_start_up():
    import subprocess
    import sys

    code = "import sys, coder.cli, coder.learning, coder.learning_eval, coder.cli.suggest; print('sklearn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_the_solver_in_passage_space_is_scikit_learns_logistic_regression():
    """Fewer passages than features: solved over the passages' Gram matrix, the same optimum as the primal problem."""
    import numpy as np
    from scipy.sparse import random as sparse_random
    from sklearn.linear_model import LogisticRegression

    from coder.learning_solver import logistic

    features = sparse_random(40, 300, density=0.1, format="csr", random_state=1)
    target = np.array([[i % 3 == 0, i % 4 == 1] for i in range(40)], dtype=float)
    weights, bias = logistic(features, target, np.ones_like(target), 2.0, balanced=True)
    for column in range(2):
        reference = LogisticRegression(C=2.0, class_weight="balanced", tol=1e-8, max_iter=5000).fit(features, target[:, column])
        assert np.allclose(weights[:, column], reference.coef_[0], atol=1e-3)
        assert abs(bias[column] - reference.intercept_[0]) < 1e-3


def test_the_chosen_source_is_the_default_and_retraining_counts_its_codings(learning_study):
    study, db = learning_study
    assert default_source(db) == ALL  # no consensus coding: every coder
    ben = coding.add_coder(db, "ben")
    assert choose_source(db, "ana") == "ana" == default_source(db) == train(db, min_examples=3).source
    with pytest.raises(Exception, match="no coder named"):
        choose_source(db, "nobody")
    before = example_count(db, "ana")
    assert before == 24 and train(db, min_examples=3).taught == 24  # ana's codings, one per respondent passage
    dismiss(db, 1, 2, coding.find_code(db, "Coordinating"), coding.acting_coder(db, "ana"))
    coding.apply_code(db, 1, coding.find_code(db, "Enabling"), ben, *coding.passage_span(db, 1, 2))
    assert example_count(db, "ana") == 25 and example_count(db, ALL) == 26  # ben's coding is not ana's
    assert choose_source(db, None) == ALL


def test_character_grams_are_scikit_learns_char_wb():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from coder.learning_solver import CharGrams

    reference = TfidfVectorizer(strip_accents="unicode", analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    grams = CharGrams()
    for text in ["Él dijo: «la capacitación»  fue   buena.\nSí, sí", "a ab abc abcd abcde abcdef", "", "Ñandú ÆSOP cafe\u0301", *TRAINING]:
        assert grams(text) == reference(text)


def test_a_parent_is_at_least_as_probable_as_its_sub_codes():
    import numpy as np

    from coder.learning_solver import up_the_tree

    probabilities = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.9]])  # columns: parent, child, grandchild of the child
    assert up_the_tree(probabilities.copy(), [(2, 1), (1, 0)]).tolist() == [[0.7, 0.7, 0.1], [0.9, 0.9, 0.9]]


def test_the_decision_threshold_is_chosen_on_held_out_training_documents():
    """Two codes a word each decides: held out by documents, the model separates them, so the best threshold leaves
    no passage on the wrong side; with one document there is nothing to hold out."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from coder.learning_solver import GRID, decision_threshold

    rows = [[1.0, 0.0, 0.3], [0.0, 1.0, 0.3], [1.0, 0.0, 0.1], [0.0, 1.0, 0.2]] * 4
    features = csr_matrix(rows)
    gram = (features @ features.T).toarray()
    target = np.array([[r[0] > 0, r[1] > 0] for r in rows], dtype=float)
    sample = np.ones_like(target)
    groups = [i // 4 for i in range(16)]  # four documents of four passages
    chosen = decision_threshold(gram, target, sample, groups, [], 10.0, balanced=True)
    assert chosen in GRID and chosen <= 0.5
    assert decision_threshold(gram, target, sample, [0] * 16, [], 1.0, balanced=True) is None


def test_sub_codes_of_the_codebook_are_known_to_the_model(learning_study):
    study, db = learning_study
    found = examples(db, "ana")
    scanning, accessing = coding.find_code(db, "Scanning sources").id, coding.find_code(db, "Accessing").id
    assert found.parents.get(scanning) == accessing
