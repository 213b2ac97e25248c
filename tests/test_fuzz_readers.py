"""Issue 13, item 3: the readers of files from elsewhere, fed mutated files, refuse in one line or load the whole
file; never another exception, never a partial study (tests/fuzz_cases.py; a longer run: tests/bench/fuzz_readers.py)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_cases import VALID, build_study, check_load, mutate


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """One small study for every case (a refusal leaves it as it was; a load only adds), and a folder for the files."""
    db = build_study(tmp_path_factory.mktemp("fuzz"))
    folder = tmp_path_factory.mktemp("files")
    yield db, folder
    db.close()


@pytest.mark.parametrize("reader", sorted(VALID))
def test_fuzz_the_valid_files_load(fuzzed, reader):
    assert check_load(*fuzzed, reader, VALID[reader].encode()) == "loaded"


@pytest.mark.parametrize("reader", sorted(VALID))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
def test_fuzz_a_mutated_file_is_refused_in_one_line_or_loaded_whole(fuzzed, reader, rng: random.Random):
    check_load(*fuzzed, reader, mutate(VALID[reader].encode(), rng))
