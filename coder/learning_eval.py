"""How good learned suggestions are, measured leave-one-document-out against the keyword suggestions.

Every document the source coded is held out in turn: a model trained on all the others suggests for its
respondent passages, and the keyword matcher (`coder.suggest`) suggests for the same passages. Pooled over the
folds, per code and per group: precision, recall and F1 of the suggestions shown from each fold's decision threshold
(chosen inside its own training documents, `coder.learning_solver.decision_threshold`), and the precision of the
top suggestion (of the group) on the passages that got one. The held-out probabilities
also choose each code's threshold: the lowest probability from which the code's held-out precision reaches
`PRECISION_TARGET` (on at least `MIN_SHOWN` passages); a code that never reaches it is not suggested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from coder.db import Database, set_setting, setting
from coder.learning import (
    DECISION_SETTING,
    DEFAULT_THRESHOLD,
    MIN_EXAMPLES,
    PRECISION_TARGET,
    THRESHOLDS_SETTING,
    Examples,
    examples,
    fit,
    resolve_source,
)

MIN_SHOWN = 5  # held-out suggestions a threshold must rest on


@dataclass
class Counts:
    """Suggestions against the source's coding: true and false positives, misses, and top suggestions right/made."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    top_right: int = 0
    top_made: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        self.top_right, self.top_made = self.top_right + other.top_right, self.top_made + other.top_made

    def figures(self) -> dict[str, float | None]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f1 = 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else None
        top1 = self.top_right / self.top_made if self.top_made else None
        return {"precision": precision, "recall": recall, "f1": f1, "top1_precision": top1}


@dataclass(frozen=True)
class Fold:
    """One held-out document: the example indices trained on and those suggested for."""

    document_id: int
    train: list[int]
    test: list[int]


@dataclass
class CodeResult:
    code_id: int
    code: str
    group: str
    examples: int  # positive passages in the source's coding
    learned: Counts = field(default_factory=Counts)
    keywords: Counts = field(default_factory=Counts)
    threshold: float | None = None  # chosen from the held-out probabilities
    precision_at_threshold: float | None = None


@dataclass
class GroupResult:
    group: str
    codes: list[CodeResult]
    learned: Counts
    keywords: Counts
    folds: int
    decisions: list[float] = field(default_factory=list)  # the folds' decision thresholds
    decision: float | None = None  # chosen on every fold's held-out passages: the workbench's, once saved


def folds(found: Examples) -> list[Fold]:
    """One fold per document with passages, in their order: train on every other document, test on this one."""
    documents = list(dict.fromkeys(u.document_id for u in found.units))
    return [Fold(doc, [i for i, u in enumerate(found.units) if u.document_id != doc],
                 [i for i, u in enumerate(found.units) if u.document_id == doc]) for doc in documents]


def score(truth: list[set[int]], ranked: list[list[int]], codes: list[int]) -> tuple[dict[int, Counts], Counts]:
    """Counts per code and pooled (micro) for suggestions `ranked` (best first) against `truth`, over `codes`."""
    wanted = set(codes)
    per_code = {code: Counts() for code in codes}
    pooled = Counts()
    for true, shown in zip(truth, ranked):
        shown = [c for c in shown if c in wanted]
        for code in codes:
            counts = per_code[code]
            counts.tp += code in true and code in shown
            counts.fp += code not in true and code in shown
            counts.fn += code in true and code not in shown
        if shown:
            per_code[shown[0]].top_made += 1
            per_code[shown[0]].top_right += shown[0] in true
    for counts in per_code.values():
        pooled.add(counts)
    return per_code, pooled


def choose_threshold(probabilities: list[float], truth: list[bool], target: float = PRECISION_TARGET) -> tuple[float | None, float | None]:
    """The lowest probability from which held-out precision reaches `target` on ≥ `MIN_SHOWN` passages, and that precision."""
    pairs = sorted(zip(probabilities, truth), key=lambda p: -p[0])
    chosen: tuple[float | None, float | None] = (None, None)
    right = 0
    for count, (p, true) in enumerate(pairs, 1):
        right += true
        last_of_tie = count == len(pairs) or pairs[count][0] < p
        if last_of_tie and count >= MIN_SHOWN and right / count >= target:
            chosen = (p, right / count)
    return chosen


def held_out(db: Database, found: Examples, *, min_examples: int = MIN_EXAMPLES
             ) -> tuple[list[dict[int, float]], list[list[int]], int, list[float]]:
    """Per example: the learned probabilities from the fold that held its document out, the keyword codes in order,
    and that fold's decision threshold (chosen inside its training documents)."""
    from coder.suggest import suggestions

    probabilities: list[dict[int, float]] = [{} for _ in found.units]
    decisions = [DEFAULT_THRESHOLD for _ in found.units]
    keywords: list[list[int]] = [[] for _ in found.units]
    made = folds(found)
    for fold in made:
        model = fit(found, fold.train, min_examples=min_examples, decide=True)
        scores = model.probabilities([found.units[i].text for i in fold.test])
        for row, i in enumerate(fold.test):
            probabilities[i] = {code: float(scores[row, column]) for column, code in enumerate(model.order)}
            decisions[i] = model.decision
        matched = suggestions(db, fold.document_id, interviewer=True)
        for i in fold.test:
            keywords[i] = list(dict.fromkeys(s.code_id for s in matched.get(found.units[i].ordinal, [])))
    return probabilities, keywords, len(made), decisions


def evaluate(db: Database, source: str | None = None, *, group: str | None = None, min_examples: int = MIN_EXAMPLES,
             threshold: float | None = None, target: float = PRECISION_TARGET) -> list[GroupResult]:
    """Leave-one-document-out figures per group (or only `group`) for the source's coding (default: as `train`), of the
    suggestions from each fold's decision threshold (or from `threshold`)."""
    import numpy as np

    from coder.learning_solver import best_threshold

    found = examples(db, resolve_source(db, source))
    probabilities, keywords, count, decisions = held_out(db, found, min_examples=min_examples)
    learned = [[c for c, p in sorted(found_p.items(), key=lambda kv: -kv[1]) if p >= (threshold or decision)]
               for found_p, decision in zip(probabilities, decisions)]
    scored = [(p, code in true) for found_p, true in zip(probabilities, found.positive) for code, p in found_p.items()]
    overall = best_threshold(np.array([p for p, _ in scored]), np.array([t for _, t in scored])) if scored else None
    groups = list(dict.fromkeys(g for _, g in found.codes.values()))
    if group is not None:
        groups = [g for g in groups if g == group]
    results = []
    for name in groups:
        codes = [c for c, (_, g) in found.codes.items() if g == name]
        learned_codes, learned_pooled = score(found.positive, learned, codes)
        keyword_codes, keyword_pooled = score(found.positive, keywords, codes)
        rows = []
        for code in codes:
            row = CodeResult(code, found.codes[code][0], name, sum(code in p for p in found.positive),
                             learned_codes[code], keyword_codes[code])
            seen = [(p[code], code in true) for p, true in zip(probabilities, found.positive) if code in p]
            if seen:
                row.threshold, row.precision_at_threshold = choose_threshold([s[0] for s in seen], [s[1] for s in seen], target)
            rows.append(row)
        results.append(GroupResult(name, rows, learned_pooled, keyword_pooled, count, sorted(set(decisions)), overall))
    return results


def as_json(results: list[GroupResult]) -> list[dict[str, Any]]:
    """Per group: {"group", "codes", "learned", "keywords", "folds"} (figures are null where nothing was counted)."""
    return [{
        "group": g.group,
        "codes": [{"code": c.code, "examples": c.examples, "threshold": c.threshold, "precision_at_threshold": c.precision_at_threshold,
                   "learned": c.learned.figures(), "keywords": c.keywords.figures()} for c in g.codes],
        "learned": g.learned.figures(),
        "keywords": g.keywords.figures(),
        "folds": g.folds,
    } for g in results]


def save_thresholds(db: Database, source: str, results: list[GroupResult]) -> None:
    """Keep the chosen thresholds for the source: `train` shows each code only from its threshold (never, if None)."""
    saved = json.loads(setting(db, THRESHOLDS_SETTING) or "{}")
    chosen = saved.setdefault(source, {})
    for group in results:
        for code in group.codes:
            chosen[code.code] = code.threshold
    set_setting(db, THRESHOLDS_SETTING, json.dumps(saved, sort_keys=True), remembered=True)
    if results and results[0].decision is not None:
        decisions = json.loads(setting(db, DECISION_SETTING) or "{}")
        decisions[source] = results[0].decision
        set_setting(db, DECISION_SETTING, json.dumps(decisions, sort_keys=True), remembered=True)
