"""A small coded study shared by the export and REFI-QDA tests: two interviews and a subtitle file,
two coders, memos of every kind, a quote that starts with '=' and one that starts with '-'."""

from __future__ import annotations

from collections.abc import Callable

from coder import coding
from coder.db import Database
from coder.memos import set_memo
from coder.study import Study, connect_study, refresh_study
from tests.conftest import INTERVIEW

INT02 = """\
---
id: int02
title: Interview with an exporter
kind: interview
date: 2008-08-02
interviewee_role: Export manager
interviewee_organisation: Sunshine
language: en
---

INTERVIEWER: What did the committee do?

RESPONDENT: =SUM(A1:A9) is what the accountant wrote on the board, and the committee agreed on a joint project.

INTERVIEWER: And later?

RESPONDENT: -- later we built the pilot plant together with APEM. 😀 It worked.
"""

CUES = """\
WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ana>We met the buyers at the trade fair.

00:00:05.000 --> 00:00:09.500
<v Ben>The committee set up a joint project.
"""

EMPTY_CODEBOOK = "title: Fresh\ngroups: []\n"  # a study to import into, with nothing to collide with

CODINGS = [  # coder, document, passage, code, memo
    ("ana", "int01", 2, "Accessing", "first contact with buyers"),
    ("ana", "int01", 2, "Phase 1", None),
    ("ana", "int01", 2, "broker", None),
    ("ana", "int01", 4, "Diffusing", None),
    ("ana", "int01", 4, "Phase 2", None),
    ("ana", "int02", 2, "Coordinating", None),
    ("ana", "int02", 2, "Phase 2", None),
    ("ana", "int02", 4, "Enabling", None),
    ("ana", "cues", 1, "Accessing", None),
    ("ben", "int01", 2, "Accessing", None),
    ("ben", "int02", 2, "Coordinating", "@board: the =SUM line"),
]


def build(make_study: Callable[..., Study], name: str = "study") -> Study:
    """Make, import and code the study; returns it closed."""
    study = make_study(documents={"int01.md": INTERVIEW, "int02.md": INT02, "cues.vtt": CUES}, name=name)
    db = connect_study(study)
    refresh_study(study, db)
    code_all(db)
    db.close()
    return study


def code_all(db: Database) -> None:
    for coder, document, passage, code, memo in CODINGS:
        document_id = coding.find_document(db, document)
        start, end = coding.passage_span(db, document_id, passage)
        coding.apply_code(db, document_id, coding.find_code(db, code), coding.add_coder(db, coder), start, end, memo=memo)
    ana, int01 = coding.add_coder(db, "ana"), coding.find_document(db, "int01")
    start, end = coding.passage_span(db, int01, 4)
    set_memo(db, ana, "training days: ask who paid", document_id=int01, start=start, end=start + 18)
    set_memo(db, ana, "a document about first contacts", document_id=int01)
    set_memo(db, ana, "Diffusing overlaps Accessing here", code_id=coding.find_code(db, "Diffusing").id)
    set_memo(db, coding.add_coder(db, "ben"), "overall: phases are hard to tell apart")


def quotes(db: Database) -> list[str]:
    """The quotes of all codings, by document and position."""
    return [r[0] for r in db.execute("SELECT quote FROM codings ORDER BY document_id, start")]
