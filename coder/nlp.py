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
from typing import TYPE_CHECKING, cast

from coder.errors import CoderError
from coder.text import fold

if TYPE_CHECKING:
    import numpy as np
    from spacy.language import Language
    from spacy.pipeline import EntityRuler

Span = tuple[int, int]


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
    """A blank pipeline with a sentencizer and an entity ruler for the organisations' spellings."""
    import spacy  # ≈1.3 s; deferred until the first text is processed
    from spacy.attrs import NORM

    try:
        nlp = spacy.blank(language)
    except (ImportError, KeyError, ValueError) as error:
        raise CoderError(f"language '{language}' is not one spaCy knows", fix="set language: en or es (an ISO 639-1 code)") from error
    # lexeme norms are computed once per word form; vocab.pyi leaves out this public attribute of vocab.pxd
    nlp.vocab.lex_attr_getters[NORM] = fold  # type: ignore[attr-defined]
    nlp.add_pipe("sentencizer")
    if spellings:
        ruler = cast("EntityRuler", nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "NORM", "overwrite_ents": True}))
        ruler.add_patterns([{"label": "ORG", "pattern": s.text, "id": s.organisation} for s in spellings])
    return nlp


def annotate(texts: Iterable[str], language: str, spellings: Sequence[Spelling] = ()) -> Iterator[Annotation]:
    """Sentences and organisation mentions of each text, in order."""
    from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START

    spellings = tuple(sorted(set(spellings), key=lambda s: (s.organisation, s.text)))
    exact = {(s.organisation, s.text) for s in spellings if s.match_case}
    case_sensitive = {org for org, _ in exact}
    nlp = pipeline(language, spellings)
    for doc in nlp.pipe(texts, batch_size=256):
        annotation = Annotation(sentences=_sentences(doc.to_array([SENT_START, IDX, LENGTH, IS_SPACE])))
        for ent in doc.ents:
            org = ent.ent_id_
            if org in case_sensitive and (org, ent.text) not in exact:
                continue
            annotation.mentions.append((ent.start_char, ent.end_char, org))
        yield annotation


def _sentences(tokens: np.ndarray) -> list[Span]:
    """Sentence spans without the whitespace at their edges, computed per array rather than per token.

    `tokens` holds a row per token: sentence start flag, offset, length, is-space.
    """
    import numpy as np  # already loaded by spaCy

    if len(tokens) == 0:
        return []
    sentence = np.cumsum(tokens[:, 0] == 1)
    words = tokens[tokens[:, 3] == 0]
    if len(words) == 0:
        return []
    ids = sentence[tokens[:, 3] == 0]
    first = np.flatnonzero(np.diff(ids, prepend=-1))
    last = np.append(first[1:] - 1, len(words) - 1)
    return list(zip(words[first, 1].tolist(), (words[last, 1] + words[last, 2]).tolist()))
