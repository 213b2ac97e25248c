"""A small hand-made study whose every count was worked out by hand (see CODINGS): two documents,
two coders, the small codebook of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

from coder import coding, crosstab
from coder.study import connect_study, init_study, refresh_study
from tests.conftest import SMALL_CODEBOOK, SMALL_ORGANISATIONS, write

INT01 = """\
---
id: int01
kind: interview
interviewee_organisation: APEM
---

INTERVIEWER: Who found the buyers?

RESPONDENT: APEM took us to the trade fair. PROMPERU paid for the stand.

INTERVIEWER: And the training?

RESPONDENT: SENASA trained us at the hot water plant.
"""

CONG01 = """\
---
id: cong01
kind: congress_notes
---

APEM opened the congress with a talk on buyers in Europe.

The committee agreed a common quality norm.

SENASA explained the fruit-fly traps to the growers.
"""

CODINGS = [
    ("int01", 1, "Scanning sources", "ana"), ("int01", 1, "Phase 1", "ana"),
    ("int01", 2, "Accessing", "ana"), ("int01", 2, "Phase 1", "ana"), ("int01", 2, "APEM", "ana"),
    ("int01", 2, "PROMPERU", "ana"),
    ("int01", 3, "Accessing", "ana"), ("int01", 3, "Phase 1", "ana"),
    ("int01", 4, "Diffusing", "ana"), ("int01", 4, "Enabling", "ana"), ("int01", 4, "Phase 2", "ana"),
    ("int01", 4, "SENASA", "ana"),
    ("cong01", 1, "Accessing", "ana"), ("cong01", 1, "Phase 1", "ana"), ("cong01", 1, "APEM", "ana"),
    ("cong01", 2, "Coordinating", "ana"), ("cong01", 2, "Phase 2", "ana"), ("cong01", 2, "APEM", "ana"),
    ("cong01", 3, "Diffusing", "ana"), ("cong01", 3, "Phase 3", "ana"), ("cong01", 3, "SENASA", "ana"),
    ("int01", 2, "Accessing", "ben"), ("int01", 2, "Phase 2", "ben"),
    ("int01", 4, "Diffusing", "ben"), ("int01", 4, "Phase 2", "ben"),
]


def build(root: Path) -> Path:
    study = init_study(root)
    write(study.codebook_dir / "codebook.yaml", SMALL_CODEBOOK)
    write(study.codebook_dir / "organisations.yaml", SMALL_ORGANISATIONS)
    write(study.transcripts_dir / "int01.md", INT01)
    write(study.transcripts_dir / "cong01.md", CONG01)
    db = connect_study(study)
    refresh_study(study, db)
    for document, passage, code, coder in CODINGS:
        doc_id = coding.find_document(db, document)
        coding.apply_code(db, doc_id, coding.find_code(db, code), coding.add_coder(db, coder),
                          *coding.passage_span(db, doc_id, passage))
    db.close()
    return root


def cells(result: crosstab.CrossTab) -> dict[tuple[str, str], float]:
    """The non-zero cells of a table."""
    table = result.table
    return {(r, c): table.at[r, c] for r in table.index for c in table.columns if table.at[r, c]}
