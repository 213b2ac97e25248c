"""The arithmetic of learned suggestions: character n-grams, the logistic regressions, and the decision threshold.

A study has far fewer passages (hundreds) than n-gram features (tens of thousands), so every regression is solved
over the passages' Gram matrix (see `solve`): one passage × passage matrix serves all codes and, as sub-matrices,
the evaluation's inner cross-validation that chooses the probability from which a code is suggested
(`decision_threshold`).
"""

from __future__ import annotations

from typing import Any

GRID = [round(0.05 + 0.025 * i, 3) for i in range(37)]  # candidate decision thresholds, 0.05–0.95


class CharGrams:
    """scikit-learn's `char_wb` 3–5-grams of lower-cased, accent-folded text, the same features, each word's grams
    made once (most words of a study recur hundreds of times; they were most of the training time)."""

    def __init__(self) -> None:
        self.grams: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        from sklearn.feature_extraction.text import strip_accents_unicode

        found: list[str] = []
        for word in strip_accents_unicode(text.lower()).split():
            if (grams := self.grams.get(word)) is None:
                grams = self.grams[word] = _grams(f" {word} ")
            found.extend(grams)
        return found

    def __getstate__(self) -> dict[str, Any]:
        return {"grams": {}}  # a cache, not part of the model


def _grams(padded: str) -> list[str]:
    """As scikit-learn's `_char_wb_ngrams` for one padded word: a word no longer than n gives itself, once."""
    grams = []
    for n in (3, 4, 5):
        grams += [padded[i:i + n] for i in range(max(len(padded) - n, 0) + 1)]
        if len(padded) <= n:
            break
    return grams


def sigmoid(scores: Any) -> Any:
    import numpy as np

    return 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))


def solve(gram: Any, target: Any, sample: Any, c: float, *, balanced: bool) -> tuple[Any, Any]:
    """L2-regularised logistic regression of every code at once (as scikit-learn's: loss × C + ½‖w‖², the intercept
    free), given the passages' Gram matrix XXᵀ instead of their features X.

    The weights lie in the span of the passages (w = Xᵀa), so the problem is solved exactly over `basis` = U·Λ^½
    of XXᵀ = UΛUᵀ: hundreds of parameters per code instead of tens of thousands, by one L-BFGS run for every code.
    Returns `a` (passages × codes: the weights are Xᵀa, a new passage's scores x·Xᵀa + intercept) and the intercepts."""
    import numpy as np
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    rows, columns = target.shape
    if balanced:  # each class weighs half, as class_weight="balanced"
        positives = target.sum(axis=0)
        sample = sample * np.where(target > 0, rows / (2 * positives), rows / (2 * (rows - positives)))
    sample = sample * c
    with threadpool_limits(1):  # its steps are small: BLAS threads made each ~50× slower on a busy 2-core machine
        values, vectors = np.linalg.eigh(gram)
        kept = values > values.max() * 1e-10
        basis = vectors[:, kept] * np.sqrt(values[kept])

        def loss(flat: Any) -> tuple[float, Any]:
            weights, bias = flat[:-columns].reshape(-1, columns), flat[-columns:]
            scores = basis @ weights + bias
            error = sample * (sigmoid(scores) - target)
            value = (sample * (np.logaddexp(0, scores) - target * scores)).sum() + 0.5 * (weights * weights).sum()
            return float(value), np.concatenate([(basis.T @ error + weights).ravel(), error.sum(axis=0)])

        found = minimize(loss, np.zeros(basis.shape[1] * columns + columns), jac=True, method="L-BFGS-B",
                         options={"maxiter": 500, "maxcor": 10})
        return vectors[:, kept] / np.sqrt(values[kept]) @ found.x[:-columns].reshape(-1, columns), found.x[-columns:]


def logistic(features: Any, target: Any, sample: Any, c: float, *, balanced: bool) -> tuple[Any, Any]:
    """`solve` on the features themselves: weights (features × codes) and intercepts."""
    coefficients, bias = solve((features @ features.T).toarray(), target, sample, c, balanced=balanced)
    return features.T @ coefficients, bias


def up_the_tree(probabilities: Any, parents: list[tuple[int, int]]) -> Any:
    """A parent code is at least as probable as each of its sub-codes (columns: (child, parent), deepest first):
    the codebook's rule that a passage with a sub-code has its parent too."""
    for child, parent in parents:
        probabilities[:, parent] = probabilities[:, [parent, child]].max(axis=1)
    return probabilities


def decision_threshold(gram: Any, target: Any, sample: Any, groups: list[int], parents: list[tuple[int, int]], c: float, *,
                       balanced: bool) -> float | None:
    """The probability from which suggestions are counted, chosen inside the training passages alone: each training
    document (`groups`: one per passage) is held out in turn, and the threshold is the one with the best micro-F1 over
    every code on those held-out passages (`best_threshold`). None with fewer than 2 documents.

    (Held out four groups of documents at a time, the weaker models chose 0.40 where one document at a time chose
    0.425, and the function group's F1 was 0.006 lower.)"""
    import numpy as np

    documents = list(dict.fromkeys(groups))
    if len(documents) < 2:
        return None
    fold_of = {doc: i for i, doc in enumerate(documents)}
    held = np.full(target.shape, np.nan)
    for fold in set(fold_of.values()):
        train = np.array([i for i, doc in enumerate(groups) if fold_of[doc] != fold])
        test = np.array([i for i, doc in enumerate(groups) if fold_of[doc] == fold])
        counts = target[train].sum(axis=0)
        codes = np.where((counts > 0) & (counts < len(train)))[0]
        if not len(codes):
            continue
        coefficients, bias = solve(gram[np.ix_(train, train)], target[np.ix_(train, codes)], sample[np.ix_(train, codes)], c,
                                   balanced=balanced)
        held[np.ix_(test, codes)] = sigmoid(gram[np.ix_(test, train)] @ coefficients + bias)
    scored = ~np.isnan(held)
    if not scored.any():
        return None
    return best_threshold(up_the_tree(np.where(scored, held, 0.0), parents)[scored], target[scored] > 0)


def best_threshold(probabilities: Any, truth: Any) -> float:
    """The threshold of `GRID` with the best micro-F1 of held-out probabilities against the coding (the lowest of ties)."""
    import numpy as np

    f1 = [2 * (truth & (probabilities >= t)).sum() / max((probabilities >= t).sum() + truth.sum(), 1) for t in GRID]
    return GRID[int(np.argmax(f1))]
