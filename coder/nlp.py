"""Language processing: sentence boundaries and organisation mentions at import, keyword suggestions.

A blank spaCy pipeline in the document's language plus rules built from the codebook — no
model download. Names and aliases match whatever the case and accents ("Senasá" = "SENASA"),
except for organisations marked `match_case` whose names are also ordinary words.
spaCy costs about 1.3 s to import, so nothing here is imported until a text needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, cast

from coder.errors import CoderError
from coder.text import fold

if TYPE_CHECKING:
    import numpy as np
    from spacy.language import Language
    from spacy.pipeline import EntityRuler

Span = tuple[int, int]
BATCH = 256  # texts per spaCy batch, and per array pass that finds their sentences


@dataclass(frozen=True)
class Spelling:
    """One name an organisation goes by in the texts."""

    organisation: str
    text: str
    match_case: bool = False


@dataclass
class Annotation:
    """What the pipeline found in one passage; offsets are relative to the passage."""

    sentences: list[Span] = field(default_factory=list)
    mentions: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, organisation


@lru_cache(maxsize=8)
def pipeline(language: str, spellings: tuple[Spelling, ...] = ()) -> Language:
    """A blank pipeline with an entity ruler for the organisations' spellings (sentences: `_sentences`)."""
    import spacy  # ≈1.3 s; deferred until the first text is processed
    from spacy.attrs import NORM

    try:
        nlp = spacy.blank(language)
    except (ImportError, KeyError, ValueError) as error:
        raise CoderError(f"language '{language}' is not one spaCy knows", fix="set language: en or es (an ISO 639-1 code)") from error
    # lexeme norms are computed once per word form; vocab.pyi leaves out this public attribute of vocab.pxd
    nlp.vocab.lex_attr_getters[NORM] = fold  # type: ignore[attr-defined]
    if spellings:
        ruler = cast("EntityRuler", nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "NORM", "overwrite_ents": True}))
        ruler.add_patterns([{"label": "ORG", "pattern": s.text, "id": s.organisation} for s in spellings])
    return nlp


def annotate(texts: Iterable[str], language: str, spellings: Sequence[Spelling] = ()) -> Iterator[Annotation]:
    """Sentences and organisation mentions of each text, in order."""
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH

    spellings = tuple(sorted(set(spellings), key=lambda s: (s.organisation, s.text)))
    exact = {(s.organisation, s.text) for s in spellings if s.match_case}
    case_sensitive = {org for org, _ in exact}
    nlp = pipeline(language, spellings)
    columns = [_stop_flag(nlp), IS_PUNCT, IDX, LENGTH, IS_SPACE]
    docs = nlp.pipe(texts, batch_size=BATCH)
    while batch := list(islice(docs, BATCH)):
        for doc, sentences in zip(batch, _sentences([doc.to_array(columns) for doc in batch])):
            annotation = Annotation(sentences=sentences)
            for ent in doc.ents:
                org = ent.ent_id_
                if org in case_sensitive and (org, ent.text) not in exact:
                    continue
                annotation.mentions.append((ent.start_char, ent.end_char, org))
            yield annotation


@lru_cache(maxsize=8)
def _stop_flag(nlp: Language) -> int:
    """A word flag, computed once per word form: does it end a sentence (spaCy's sentencizer's own list)?"""
    from spacy.pipeline import Sentencizer

    stops = frozenset(Sentencizer.default_punct_chars)
    return int(nlp.vocab.add_flag(lambda text: text in stops))


def _sentences(docs: list[np.ndarray]) -> list[list[Span]]:
    """Each text's sentence spans, without the whitespace at their edges: a batch of texts in a few array operations.

    Each array holds a row per token: ends-a-sentence, is-punctuation, offset, length, is-space. The rule is
    spaCy's sentencizer's (which walks the tokens one Python object at a time, the slowest step of an import):
    a text's first token starts a sentence, and so does the first token that is not punctuation after a
    sentence-ending character.
    """
    import numpy as np  # already loaded by spaCy

    sizes = np.array([len(d) for d in docs], dtype=np.int64)
    if not sizes.sum():
        return [[] for _ in docs]
    tokens = np.concatenate([d for d in docs if len(d)]).astype(np.int64)
    index = np.arange(len(tokens))
    first = np.zeros(len(tokens), dtype=bool)
    first[(np.cumsum(sizes) - sizes)[sizes > 0]] = True
    stop = tokens[:, 0] == 1
    plain = (tokens[:, 1] == 0) & ~stop
    last_stop = np.maximum.accumulate(np.where(stop, index, -1))  # the latest stop at or before each token
    last_reset = np.maximum.accumulate(np.where(plain | first, index, -1))
    starts = first.copy()
    starts[1:] |= plain[1:] & (last_stop[:-1] >= last_reset[:-1])  # a stop since the text began or the last plain token
    spoken = tokens[:, 4] == 0
    words, sentence = tokens[spoken], np.cumsum(starts)[spoken]
    opening = np.flatnonzero(np.diff(sentence, prepend=-1))
    closing = np.append(opening[1:] - 1, len(words) - 1)
    spans = list(zip(words[opening, 2].tolist(), (words[closing, 2] + words[closing, 3]).tolist()))
    owner = np.repeat(np.arange(len(docs)), sizes)[spoken][opening]  # the text each sentence is in
    ends = np.cumsum(np.bincount(owner, minlength=len(docs))).tolist()
    return [spans[start:end] for start, end in zip([0, *ends[:-1]], ends)]
