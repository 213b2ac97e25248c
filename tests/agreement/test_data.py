"""Reading the study for agreement: which coders the consensus coder can be compared with."""

from __future__ import annotations

from coder import agreement, coding
from coder.db import set_setting, transaction
from tests.agreement.coded_study import coded_study


def test_agreement_consensus_pairs(make_study) -> None:
    study, db = coded_study(make_study)
    assert agreement.consensus_pairs(db) == []  # the consensus coder has no codings yet
    consensus = coding.add_coder(db, "consensus")
    coding.apply_code(db, coding.find_document(db, "int01"), coding.find_code(db, "Accessing"), consensus, 13, 74)
    assert agreement.consensus_pairs(db) == [["consensus", "ana"], ["consensus", "ben"]]
    coding.add_coder(db, "cleo")  # a coder with no codings is nobody to compare with
    with transaction(db):
        set_setting(db, coding.CONSENSUS_SETTING, "ben")
    assert agreement.consensus_pairs(db) == [["ben", "ana"], ["ben", "consensus"]]
    db.close()
