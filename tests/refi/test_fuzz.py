"""Fuzzing the REFI-QDA reader: any mutation of a valid project ends in a clean refusal or a valid import.

Never a traceback, never a partial study (`fuzzing.attempt`). A few dozen cases here keep the suite
fast; `tests/bench/fuzz_refi.py` runs thousands.
"""

from __future__ import annotations

import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.refi.builders import fresh
from tests.refi.fuzzing import MUTATIONS, attempt, valid_project, zipped

CASES = itertools.count()


def test_qdpx_the_valid_project_imports(tmp_path, make_study):
    study, db = fresh(make_study)
    path = tmp_path / "valid.qdpx"
    path.write_bytes(zipped(valid_project()))
    assert attempt(study, db, path, skip_bad=False) == ("imported", "")
    db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=st.sampled_from(sorted(MUTATIONS)), rng=st.randoms(use_true_random=False), skip_bad=st.booleans())
def test_qdpx_a_mutated_project_is_refused_cleanly_or_imported_whole(tmp_path, make_study, mutation: str,
                                                                       rng: random.Random, skip_bad: bool):
    case = next(CASES)  # a fresh study for each case: the function's fixtures are shared by hypothesis's examples
    study, db = fresh(make_study, name=f"fuzzed-{case}")
    path = tmp_path / f"mutated-{case}.qdpx"
    path.write_bytes(MUTATIONS[mutation](valid_project(), rng))
    try:
        outcome, detail = attempt(study, db, path, skip_bad=skip_bad)
    finally:
        db.close()
    assert outcome != "failed", f"{mutation}: {detail}"
