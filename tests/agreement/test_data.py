"""Reading the study for agreement: which coders can be compared (the agreement view's picker offers them)."""

from __future__ import annotations

from coder import agreement, coding
from tests.agreement.coded_study import coded_study


def test_agreement_coders_with_codings(make_study) -> None:
    study, db = coded_study(make_study)
    consensus = coding.add_coder(db, "consensus")
    assert agreement.coders_with_codings(db) == ["ana", "ben"]  # the consensus coder has no codings yet
    coding.apply_code(db, coding.find_document(db, "int01"), coding.find_code(db, "Accessing"), consensus, 13, 74)
    assert agreement.coders_with_codings(db) == ["ana", "ben", "consensus"]
    coding.add_coder(db, "cleo")  # a coder with no codings is nobody to compare with
    assert agreement.coders_with_codings(db) == ["ana", "ben", "consensus"]
    db.close()
