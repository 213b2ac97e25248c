"""Adding imported codes to codebook.yaml: comments kept, the result checked, nothing written to the folder."""

from __future__ import annotations

import pytest

from coder.codebook import Code, Group, add_codes
from coder.errors import CoderError
from tests.conftest import SMALL_CODEBOOK

COMMENTED = SMALL_CODEBOOK.replace("groups:\n", "groups:\n  # The four functions of intermediaries.\n")


def test_additions_add_codes_keeps_comments_and_loads_the_new_codes(make_study):
    study = make_study(codebook=COMMENTED)
    before = (study.codebook_dir / "codebook.yaml").read_bytes()
    groups = [Group("imported", "Codes from another tool.", exclusive=True)]
    codes = [Code("Brokering", "role", parent="broker", description="Linking two parties."),
             Code("Trust", "imported", keywords=["confianza"])]
    text, codebook = add_codes(study.codebook_dir, groups, codes, comment="Imported from a test")
    assert (study.codebook_dir / "codebook.yaml").read_bytes() == before  # the caller puts the bytes in place
    assert b"# The four functions of intermediaries." in text and b"# Imported from a test" in text
    added = {c.path: c for c in codebook.codes()}
    assert added["role/Brokering"].parent == "broker" and added["role/Brokering"].description == "Linking two parties."
    assert added["imported/Trust"].keywords == ["confianza"]
    assert next(g for g in codebook.groups if g.name == "imported").exclusive is True


def test_additions_a_code_that_breaks_the_codebook_is_refused(make_study):
    study = make_study()
    with pytest.raises(CoderError, match="would make the codebook invalid"):
        add_codes(study.codebook_dir, [], [Code("Orphan", "role", parent="nobody")])
