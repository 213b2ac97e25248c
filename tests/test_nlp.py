"""Sentences and organisation mentions from a blank spaCy pipeline with rules from the codebook."""

from __future__ import annotations

from coder.nlp import Spelling, annotate

SPELLINGS = [
    Spelling("SENASA", "SENASA"), Spelling("SENASA", "SENANSA"),
    Spelling("PROMPERU", "PROMPERU"), Spelling("PROMPERU", "Comisión de Promoción del Perú"),
    Spelling("INIA", "Instituto Nacional de Innovación Agraria"),
    Spelling("Sunshine", "Sunshine", match_case=True),
]


def mentions(text: str, language: str = "en") -> list[tuple[str, str]]:
    (annotation,) = annotate([text], language, SPELLINGS)
    return [(text[s:e], org) for s, e, org in annotation.mentions]


def test_nlp_mentions_ignore_case_and_accents():
    text = "Senasa came, then SENANSA again; promperú and the Comision de Promocion del Peru; señor SENASÁ."
    assert mentions(text) == [("Senasa", "SENASA"), ("SENANSA", "SENASA"), ("promperú", "PROMPERU"),
                              ("Comision de Promocion del Peru", "PROMPERU"), ("SENASÁ", "SENASA")]


def test_nlp_mentions_in_spanish_text():
    text = "El Instituto Nacional de Innovación Agraria no tiene oficina; la Comisión de Promoción del Perú sí."
    assert mentions(text, "es") == [("Instituto Nacional de Innovación Agraria", "INIA"),
                                    ("Comisión de Promoción del Perú", "PROMPERU")]


def test_nlp_match_case_organisations_ignore_the_ordinary_word():
    assert mentions("The sunshine of Piura; Sunshine exports; SUNSHINE shouts.") == [("Sunshine", "Sunshine")]


def test_nlp_sentences_inside_a_passage():
    (annotation,) = annotate(["We met.  Then what?\nNothing much.  "], "en")
    text = "We met.  Then what?\nNothing much.  "
    assert [text[s:e] for s, e in annotation.sentences] == ["We met.", "Then what?", "Nothing much."]


def test_nlp_words_inside_longer_words_are_not_mentions():
    assert mentions("Senasas and the SENASA-led campaign") == [("SENASA", "SENASA")]


def sentencizer_spans(nlp, text: str) -> list[tuple[int, int]]:
    """What spaCy's own sentencizer finds, without the whitespace at the sentences' edges."""
    spans = []
    for sentence in nlp(text).sents:
        words = [t for t in sentence if not t.is_space]
        if words:
            spans.append((words[0].idx, words[-1].idx + len(words[-1])))
    return spans


def test_nlp_sentences_are_the_sentencizers():
    """annotate finds sentences with array operations over a batch of texts: the same as spaCy's sentencizer, text by text."""
    import random

    import spacy

    pieces = ["We", "met", "Senasa", "e.g.", "Dr.", ".", "!", "?", "...", "?!", "。", "¿", "¡", '"', ")", "(", "-", ",",
              "\n\n", "\n", "  ", "😀", "—", ";", ":", "'s", "3.5", "\t"]
    draw = random.Random(15)
    texts = ["", "   ", "\n\n", ".", "...", "Hello. ", *(
        "".join(draw.choice(pieces) + draw.choice(["", " ", " "]) for _ in range(draw.randint(1, 40))) for _ in range(600))]
    for language in ("en", "es"):
        reference = spacy.blank(language)
        reference.add_pipe("sentencizer")
        found = [a.sentences for a in annotate(texts, language)]
        assert found == [sentencizer_spans(reference, text) for text in texts]
