"""Learned suggestions: a classifier per code, trained on the study's own codings, on this machine only.

Units are passages (respondent turns: interviewer turns are never suggested, the rule is `coder.turns`).
A passage is a positive example of a code when the source's codings of that code touch it, a negative one
otherwise; a suggestion the coder dismissed there is a negative example that weighs more (`DISMISSED_WEIGHT`).
The source is one coder, the consensus coder (the default when it has codings) or all coders together.

Each code with at least `MIN_EXAMPLES` positive passages gets a logistic regression over word (1–2) and
character (3–5) n-grams: its probabilities are what a suggestion shows, and its word weights say which words
of the passage weighed most; a parent code is at least as probable as its sub-codes (the codebook's rule). Nothing
is sent anywhere and no model is downloaded; scikit-learn is imported on the first training, never at start-up.
Which probability is enough to show a code is chosen by the evaluation (`coder.learning_eval`): the decision
threshold on held-out documents, and each code's own from its held-out precision; both are saved in the study, and a
code whose held-out precision is poor shows none. The arithmetic is in `coder.learning_solver`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coder.coding import consensus_coder
from coder.db import Database, reading, setting
from coder.dismissals import TABLE as DISMISSALS
from coder.errors import CoderError
from coder.learning_solver import sigmoid, up_the_tree
from coder.turns import interviewer_passages

if TYPE_CHECKING:
    from coder.autocode import PassageMatch
    from coder.coding import CodeRef

MIN_EXAMPLES = 8  # positive passages a code needs before it is learned
DEFAULT_THRESHOLD = 0.5  # the probability shown from, until an evaluation chose one per code
PRECISION_TARGET = 0.7  # the held-out precision a code's threshold must reach
DISMISSED_WEIGHT = 3.0  # a dismissal is a negative example the coder stated outright
THRESHOLDS_SETTING = "learned_thresholds"  # JSON: source → code path → threshold (null: no learned suggestions)
DECISION_SETTING = "learned_decision"  # JSON: source → the decision threshold its evaluation chose
SOURCE_SETTING = "learned_source"  # whose coding the workbench's model learns from, as the researcher chose it
ALL = "all"  # the source that pools every coder
APPLY_LEARNED = "apply_learned"  # the event of `coder suggest apply` (auto-coding by words is `autocode`)


@dataclass(frozen=True)
class Unit:
    """A passage a model learns from or suggests for; offsets are absolute."""

    document_id: int
    ordinal: int
    start: int
    end: int
    text: str


@dataclass
class Examples:
    """Passages with the codes the source gave them, and the codes it dismissed there."""

    units: list[Unit]
    positive: list[set[int]]  # code ids per unit
    negative: list[set[int]]  # dismissed code ids per unit (not also positive)
    codes: dict[int, tuple[str, str]]  # code id → (path, group) for every code that can be learned
    parents: dict[int, int] = field(default_factory=dict)  # code id → its parent's, both learnable


@dataclass(frozen=True)
class Learned:
    """A code suggested for a passage with the model's probability and the passage's words that weighed most."""

    code_id: int
    code: str
    probability: float
    words: tuple[str, ...]


@dataclass
class Model:
    """Per-code linear classifiers over one shared set of n-gram features."""

    source: str
    codes: dict[int, tuple[str, str]]  # learned codes: id → (path, group)
    thresholds: dict[int, float | None]  # code id → probability shown from (None: never shown)
    examples: dict[int, int]  # code id → positive passages it learned from
    words: Any = None  # the fitted word vectoriser
    chars: Any = None  # the fitted character vectoriser
    weights: Any = None  # features × codes (numpy), word features first
    bias: Any = None  # one per code
    order: list[int] = field(default_factory=list)  # code ids, in the columns of `weights`
    names: list[str] = field(default_factory=list)  # the word features' words
    taught: int = 0  # the source's codings and dismissals when it was trained (`example_count`)
    decision: float = DEFAULT_THRESHOLD  # shown from where no evaluation chose a code's threshold (`decision_threshold`)
    parents: list[tuple[int, int]] = field(default_factory=list)  # (sub-code, parent) columns, deepest first

    def probabilities(self, texts: list[str]) -> Any:
        """A passages × codes array of probabilities (columns in `order`)."""
        import numpy as np

        if not self.order:
            return np.zeros((len(texts), 0))
        return up_the_tree(sigmoid(self._features(texts)[0] @ self.weights + self.bias), self.parents)

    def _features(self, texts: list[str]) -> tuple[Any, Any]:
        """The passages' features, and their word part (what `weighed_most` reads)."""
        from scipy.sparse import hstack

        words = self.words.transform(texts)
        return (hstack([words, self.chars.transform(texts)]).tocsr() if self.chars is not None else words), words

    def suggest(self, text: str, *, top_words: int = 5, every: bool = False) -> list[Learned]:
        """The codes shown for a passage, most probable first (`every`: all learned codes, whatever the threshold)."""
        return self.suggest_all([text], top_words=top_words, every=every)[0]

    def suggest_all(self, texts: list[str], *, top_words: int = 5, every: bool = False) -> list[list[Learned]]:
        """`suggest` for many passages at once (one transform and one product for all: a document's in a few ms)."""
        if not self.order or not texts:
            return [[] for _ in texts]
        features, words = self._features(texts)
        probabilities = up_the_tree(sigmoid(features @ self.weights + self.bias), self.parents)
        result = []
        for row, passage in enumerate(probabilities):
            shown, line = [], words[row]
            for column, code_id in enumerate(self.order):
                threshold = self.thresholds.get(code_id, self.decision)
                p = float(passage[column])
                if every or (threshold is not None and p >= threshold):
                    shown.append(Learned(code_id, self.codes[code_id][0], p, self._pushing(line, column, top_words)))
            result.append(sorted(shown, key=lambda s: -s.probability))
        return result

    def weighed_most(self, text: str, code_id: int, count: int = 5) -> tuple[str, ...]:
        """The passage's words (and word pairs) that pushed the code's probability up most."""
        return self._pushing(self.words.transform([text]), self.order.index(code_id), count)

    def _pushing(self, row: Any, column: int, count: int) -> tuple[str, ...]:
        pushes = row.data * self.weights[row.indices, column]
        best = pushes.argsort()[::-1][:count]
        return tuple(self.names[row.indices[i]] for i in best if pushes[i] > 0)


def default_source(db: Database) -> str:
    """The source the researcher chose (`choose_source`), else the consensus coder when it has codings, else all coders."""
    chosen = setting(db, SOURCE_SETTING)
    if chosen == ALL or (chosen and db.execute("SELECT 1 FROM coders WHERE name = ?", [chosen]).fetchone()):
        return chosen
    name = consensus_coder(db)
    has = db.execute("SELECT 1 FROM codings x JOIN coders c ON c.id = x.coder_id WHERE c.name = ? LIMIT 1", [name]).fetchone()
    return name if has else ALL


def choose_source(db: Database, source: str | None) -> str:
    """Learn from this source from now on (a coder's name, `consensus` or `all`; None: back to the default)."""
    from coder.db import set_setting

    name = None if source is None else resolve_source(db, source)
    set_setting(db, SOURCE_SETTING, name, remembered=True)
    return default_source(db)


def example_count(db: Database, source: str) -> int:
    """The source's codings and dismissals: the model trains again once this has moved by `RETRAIN_AFTER`."""
    coders = "" if source == ALL else " WHERE coder_id = (SELECT id FROM coders WHERE name = :coder)"
    with reading(db):
        return sum(db.execute(f"SELECT count(*) FROM {table}{coders}", {"coder": source}).fetchone()[0]
                   for table in ("codings", DISMISSALS))


def resolve_source(db: Database, source: str | None) -> str:
    """A coder's name, `consensus` (the study's consensus coder) or `all`; None: the default."""
    if source is None:
        return default_source(db)
    if source == "consensus":
        return consensus_coder(db)
    if source != ALL and db.execute("SELECT 1 FROM coders WHERE name = ?", [source]).fetchone() is None:
        known = ", ".join(r[0] for r in db.execute("SELECT name FROM coders ORDER BY name")) or "none yet"
        raise CoderError(f"no coder named '{source}'", fix=f"use one of: {known}, consensus or all")
    return source


def learnable_codes(db: Database) -> dict[int, tuple[str, str]]:
    """Active codes a model may suggest: not actor codes (organisation mentions point at those) nor generated groups."""
    return {r[0]: (f"{r[2]}/{r[1]}", r[2]) for r in db.execute(
        "SELECT c.id, c.name, g.name FROM codes c JOIN code_groups g ON g.id = c.group_id"
        " WHERE c.active = 1 AND c.organisation_id IS NULL AND g.generate IS NULL ORDER BY g.ordinal, c.ordinal")}


def examples(db: Database, source: str | None = None, *, documents: set[int] | None = None) -> Examples:
    """The source's respondent passages in the documents it coded (or `documents`), with their codes and dismissals."""
    name = resolve_source(db, source)
    coders = "" if name == ALL else " AND coder_id = (SELECT id FROM coders WHERE name = :coder)"
    codes = learnable_codes(db)
    with reading(db):
        codings = db.execute(f"SELECT document_id, code_id, start, end FROM codings WHERE 1 = 1{coders}", {"coder": name}).fetchall()
        dismissals = db.execute(f"SELECT document_id, code_id, start, end FROM {DISMISSALS} WHERE 1 = 1{coders}",
                                {"coder": name}).fetchall()
        chosen = documents if documents is not None else {r[0] for r in codings}
        segments = db.execute(
            "SELECT s.document_id, s.ordinal, s.start, s.end, substr(d.text, s.start + 1, s.end - s.start) FROM segments s"
            " JOIN documents d ON d.id = s.document_id ORDER BY d.name, s.ordinal").fetchall()
        asking = {doc: interviewer_passages(db, doc) for doc in chosen}
    by_document: dict[int, list[tuple[int, int, int]]] = {}
    for doc, code, start, end in codings:
        if code in codes:
            by_document.setdefault(doc, []).append((code, start, end))
    turned_down = {(doc, code, start, end) for doc, code, start, end in dismissals}
    units, positive, negative = [], [], []
    for doc, ordinal, start, end, text in segments:
        if doc not in chosen or ordinal in asking[doc] or not text.strip():
            continue
        units.append(Unit(doc, ordinal, start, end, text))
        coded = {code for code, s, e in by_document.get(doc, ()) if s < end and e > start}
        positive.append(coded)
        negative.append({code for d, code, s, e in turned_down if d == doc and (s, e) == (start, end)} - coded)
    parents = {code: parent for code, parent in db.execute("SELECT id, parent_id FROM codes WHERE parent_id IS NOT NULL")
               if code in codes and parent in codes}
    return Examples(units, positive, negative, codes, parents)


def fit(found: Examples, indices: list[int] | None = None, *, source: str = ALL, min_examples: int = MIN_EXAMPLES,
        thresholds: dict[int, float | None] | None = None, decision: float | None = None, decide: bool = False) -> Model:
    """Train a model on the examples (or those at `indices`): one classifier per code with enough positive passages.
    It suggests a code from its threshold (`thresholds`), else from `decision`, else from the decision threshold
    chosen inside these examples (`decide`: the evaluation's inner cross-validation, many times the training)."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    from coder.learning_solver import CharGrams, decision_threshold, solve

    chosen = list(range(len(found.units))) if indices is None else indices
    counts = {code: sum(code in found.positive[i] for i in chosen) for code in found.codes}
    learned = [code for code in found.codes if counts[code] >= min_examples and counts[code] < len(chosen)]
    model = Model(source, {c: found.codes[c] for c in learned}, {}, {c: counts[c] for c in learned})
    if not learned:
        return model
    texts = [found.units[i].text for i in chosen]
    model.words = TfidfVectorizer(strip_accents="unicode", ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32,
                                  max_features=CONFIG["words"])
    parts = [model.words.fit_transform(texts)]
    if CONFIG["chars"]:
        model.chars = TfidfVectorizer(analyzer=CharGrams(), min_df=2, sublinear_tf=True, max_features=CONFIG["chars"],
                                      dtype=np.float32)
        parts.append(model.chars.fit_transform(texts))
    model.names = list(model.words.get_feature_names_out())
    features = hstack(parts).tocsr().astype(np.float64)
    target = np.array([[code in found.positive[i] for code in learned] for i in chosen], dtype=np.float64)
    sample = np.array([[DISMISSED_WEIGHT if code in found.negative[i] else 1.0 for code in learned] for i in chosen])
    balanced = CONFIG["class_weight"] == "balanced"
    gram = (features @ features.T).toarray()
    coefficients, model.bias = solve(gram, target, sample, CONFIG["C"], balanced=balanced)
    model.weights = (features.T @ coefficients).astype(np.float32)  # float32: half the pickle the workbench loads
    model.order = learned
    model.parents = _tree(found.parents, learned)
    if decide:
        groups = [found.units[i].document_id for i in chosen]
        decision = decision_threshold(gram, target, sample, groups, model.parents, CONFIG["C"], balanced=balanced)
    model.decision = decision or DEFAULT_THRESHOLD
    for code in learned:
        model.thresholds[code] = model.decision if thresholds is None else thresholds.get(code)
    return model


def _tree(parents: dict[int, int], learned: list[int]) -> list[tuple[int, int]]:
    """(sub-code, parent) column pairs of the learned codes, the deepest sub-codes first."""
    def depth(code: int) -> int:
        return 1 + depth(parents[code]) if code in parents else 0

    column = {code: i for i, code in enumerate(learned)}
    pairs = [(child, parent) for child, parent in parents.items() if child in column and parent in column]
    return [(column[c], column[p]) for c, p in sorted(pairs, key=lambda pair: -depth(pair[0]))]


# chosen by measuring on the bundled study (docs/suggestions.md); chars: character n-gram features (0: none)
CONFIG: dict[str, Any] = {"C": 1.0, "class_weight": "balanced", "chars": 20000, "words": 20000}


def saved_thresholds(db: Database, source: str) -> dict[str, float | None] | None:
    """The thresholds the last evaluation chose for a source (code path → probability, None: not shown)."""
    saved = json.loads(setting(db, THRESHOLDS_SETTING) or "{}")
    return saved.get(source)


def train(db: Database, source: str | None = None, *, min_examples: int = MIN_EXAMPLES) -> Model:
    """A model of the source's coding (default: `default_source`), with the thresholds the last evaluation of that
    source chose (its decision threshold for every code it did not choose one for; `DEFAULT_THRESHOLD` until one ran)."""
    name = resolve_source(db, source)
    taught = example_count(db, name)
    found = examples(db, name)
    saved = saved_thresholds(db, name)
    thresholds = None if saved is None else {code: saved.get(path) for code, (path, _) in found.codes.items() if path in saved}
    decision = json.loads(setting(db, DECISION_SETTING) or "{}").get(name)
    model = fit(found, source=name, min_examples=min_examples, thresholds=thresholds, decision=decision)
    model.taught = taught
    return model


def suggest_document(db: Database, model: Model, document_id: int, *, coder_id: int | None = None) -> dict[int, list[Learned]]:
    """Learned suggestions per passage ordinal of a document: respondent passages only, leaving out codes the coder
    already applied to the passage or dismissed there."""
    units = examples(db, ALL, documents={document_id}).units
    if not units or not model.order:
        return {}
    from coder.dismissals import dismissed

    taken: set[tuple[int, int]] = set()
    if coder_id is not None:
        taken = dismissed(db, document_id, coder_id)
        for code, start, end in db.execute("SELECT code_id, start, end FROM codings WHERE document_id = ? AND coder_id = ?",
                                           [document_id, coder_id]):
            taken |= {(u.ordinal, code) for u in units if start < u.end and end > u.start}
    result: dict[int, list[Learned]] = {}
    for unit, suggested in zip(units, model.suggest_all([u.text for u in units])):
        shown = [s for s in suggested if (unit.ordinal, s.code_id) not in taken]
        if shown:
            result[unit.ordinal] = shown
    return result


def least_sure(db: Database, model: Model, coder_id: int, *, document_id: int | None = None) -> tuple[int, int] | None:
    """The (document id, passage ordinal) of the respondent passage the coder has not coded that the model is least
    sure about (a probability nearest ½ for some code): coding it teaches the model most."""
    docs = {document_id} if document_id is not None else {r[0] for r in db.execute("SELECT id FROM documents")}
    found = examples(db, ALL, documents=docs)
    coded = db.execute("SELECT document_id, start, end FROM codings WHERE coder_id = ?", [coder_id]).fetchall()
    open_units = [u for u in found.units if not any(d == u.document_id and s < u.end and e > u.start for d, s, e in coded)]
    if not open_units or not model.order:
        return None
    import numpy as np

    doubt = (0.5 - np.abs(model.probabilities([u.text for u in open_units]) - 0.5)).max(axis=1)
    unit = open_units[int(doubt.argmax())]
    return unit.document_id, unit.ordinal


def dismiss(db: Database, document_id: int, ordinal: int, code: CodeRef, coder: int, *, version: int | None = None) -> bool:
    """The coder turns a learned suggestion down: not suggested there again, and a negative example from the next
    training on (one undoable event). Returns False when it was already dismissed."""
    from coder.coding import check_version, passage_span
    from coder.db import transaction
    from coder.dismissals import dismiss_in
    from coder.events import writing

    with transaction(db):
        check_version(db, document_id, version)
        start, end = passage_span(db, document_id, ordinal)
        with writing(db, "dismiss_suggestion", coder_id=coder, summary=f"dismiss suggestion {code.path} at {start}-{end}") as changes:
            return dismiss_in(changes, document_id, code.id, coder, start, end, any_code=True) > 0


def preview_learned(db: Database, code: CodeRef, minimum: float, *, coder_id: int | None = None,
                    source: str | None = None) -> list[PassageMatch]:
    """The respondent passages whose learned probability of `code` is at least `minimum`, for `apply_autocode`
    (leaving out those the coder already coded with it); changes nothing."""
    from coder.autocode import EXCERPT, PassageMatch

    model = train(db, source)
    if code.id not in model.order:
        raise CoderError(f"code '{code.path}' is not learned from {model.source}'s coding",
                         fix=f"it needs {MIN_EXAMPLES} coded passages; see coder suggest evaluate")
    column = model.order.index(code.id)
    with reading(db):
        found = examples(db, ALL, documents={r[0] for r in db.execute("SELECT id FROM documents")})
        names = dict(db.execute("SELECT id, name FROM documents").fetchall())
        versions = dict(db.execute("SELECT id, version FROM documents").fetchall())
        coded = db.execute("SELECT document_id, start, end FROM codings WHERE coder_id = ? AND code_id = ?",
                           [coder_id, code.id]).fetchall() if coder_id is not None else []
    scores = model.probabilities([u.text for u in found.units])[:, column] if found.units else []
    matches = []
    for unit, p in zip(found.units, scores):
        if p >= minimum and not any(d == unit.document_id and s < unit.end and e > unit.start for d, s, e in coded):
            matches.append(PassageMatch(unit.document_id, names[unit.document_id], unit.ordinal, unit.start, unit.end,
                                        unit.text[:EXCERPT], f"probability {p:.2f}", [(unit.start, unit.end)],
                                        version=versions[unit.document_id]))
    return sorted(matches, key=lambda m: (m.document, m.ordinal))
