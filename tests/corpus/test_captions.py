"""Reading caption transcripts (.vtt, .srt): speaker turns with their times."""

from __future__ import annotations

import pytest

from coder.corpus import read_document
from coder.errors import CoderError
from tests.conftest import write


def test_corpus_webvtt_speakers_and_timestamps(tmp_path):
    vtt = """WEBVTT

NOTE recorded in Piura

1
00:00:01.000 --> 00:00:04.000
<v Interviewer>How did it start?</v>

00:00:04.500 --> 00:00:07.000
<v Grower>With the association.

00:00:07.000 --> 00:00:09.250
<v Grower>And then SENASA came.

00:00:10.000 --> 00:00:12.000
<v Interviewer>Thanks.
"""
    document = read_document(write(tmp_path / "talk.vtt", vtt))
    assert [(p.speaker, document.text[p.start : p.end], p.attributes) for p in document.passages] == [
        ("Interviewer", "How did it start?", {"begin": "00:00:01.000", "end": "00:00:04.000"}),
        ("Grower", "With the association. And then SENASA came.", {"begin": "00:00:04.500", "end": "00:00:09.250"}),
        ("Interviewer", "Thanks.", {"begin": "00:00:10.000", "end": "00:00:12.000"}),
    ]


def test_corpus_subrip_with_named_speakers_and_bad_timing(tmp_path):
    srt = "1\n00:00:01,000 --> 00:00:02,500\nINTERVIEWER: Hello.\n\n2\n00:00:03,000 --> 00:00:05,000\n[Grower] Good day.\n"
    document = read_document(write(tmp_path / "talk.srt", srt))
    assert [(p.speaker, document.text[p.start : p.end], p.attributes["begin"]) for p in document.passages] == [
        ("INTERVIEWER", "Hello.", "00:00:01.000"), ("Grower", "Good day.", "00:00:03.000"),
    ]
    with pytest.raises(CoderError, match=r"bad.srt:2: bad cue timing"):
        read_document(write(tmp_path / "bad.srt", "1\n00:00:01 --> 00:00:02\nHello\n"), where="bad.srt")
