"""The codebook format: loading, every kind of validation error, generated actors."""

from __future__ import annotations

import pytest

from coder.codebook import CodebookError, load_codebook
from coder.limits import LIMITS
from coder.text import fold
from tests.conftest import SMALL_CODEBOOK, SMALL_ORGANISATIONS, write


def load(tmp_path, codebook: str, organisations: str | None = SMALL_ORGANISATIONS):
    write(tmp_path / "codebook.yaml", codebook)
    if organisations is not None:
        write(tmp_path / "organisations.yaml", organisations)
    return load_codebook(tmp_path)


def problems(tmp_path, codebook: str, organisations: str | None = SMALL_ORGANISATIONS) -> list[str]:
    with pytest.raises(CodebookError) as caught:
        load(tmp_path, codebook, organisations)
    return caught.value.problems


def test_codebook_loads_groups_codes_and_generated_actors(tmp_path):
    codebook = load(tmp_path, SMALL_CODEBOOK)
    assert [g.name for g in codebook.groups] == ["function", "phase", "role", "actor"]
    assert codebook.groups[1].exclusive is True
    accessing = next(c for c in codebook.codes() if c.name == "Accessing")
    assert (accessing.key, accessing.colour, accessing.keywords) == ("1", "#2a9d8f", ["buyers", "trade fair"])
    assert next(c for c in codebook.codes() if c.name == "Scanning sources").parent == "Accessing"
    actors = codebook.groups[3].codes
    assert [c.name for c in actors] == ["SENASA", "PROMPERU", "APEM", "Sunshine"]
    assert actors[0].organisation == "SENASA" and "SENANSA" in actors[0].keywords
    assert codebook.organisation("Sunshine").member_of == ["APEM"]
    assert codebook.region == "Piura"


BAD_CODES = """\
groups:
  - name: function
    codes:
      - name: Accessing
        key: "1"
        colur: "#ffffff"
      - name: Accessing
      - name: Diffusing
        key: "1"
      - name: Coordinating
        key: j
      - name: Enabling
        colour: "#12345"
      - name: Scouting
        parent: Acessing
      - name: Loop A
        parent: Loop B
      - name: Loop B
        parent: Loop A
      - name: Odd
        keywords: just one word
      - name: Long key
        key: "12"
  - name: phase
    exclusive: "yes"
    codes:
      - name: Phase 1
        key: "1"
  - name: function
  - name: actor
    generate: organisations
  - description: a group without a name
"""


@pytest.mark.parametrize("expected", [
    ":6: unknown code field 'colur' — fix: did you mean 'colour'?",
    ":7: duplicate code name 'Accessing' in group 'function' (first at line 4)",
    ":9: shortcut key '1' of 'Diffusing' is already used by 'function/Accessing'",
    ":11: shortcut key 'j' of 'Coordinating' is reserved for a coder command",
    ":13: bad colour '#12345'",
    ":15: unknown parent 'Acessing' of code 'Scouting' — fix: did you mean 'Accessing'?",
    ":17: code 'Loop A' is its own ancestor (parent cycle)",
    ":19: code 'Loop B' is its own ancestor (parent cycle)",
    ":21: 'keywords' must be a list of text",
    ":23: shortcut key '12' of 'Long key' is not one character",
    ":25: 'exclusive' must be true or false",
    ":28: shortcut key '1' of 'Phase 1' is already used by 'function/Accessing'",
    ":29: duplicate group name 'function'",
    ":31: group 'actor' is generated from organisations but no organisations file is named",
    ":32: code group without a name",
])
def test_codebook_reports_every_problem_with_file_and_line(tmp_path, expected):
    found = problems(tmp_path, BAD_CODES, organisations=None)
    assert any(expected in line for line in found), "\n".join(found)
    assert all(line.startswith(str(tmp_path / "codebook.yaml")) and " — fix: " in line for line in found)


def test_codebook_reports_yaml_syntax_errors_with_line(tmp_path):
    found = problems(tmp_path, "groups:\n  - name: function\n    codes: [a, b\n  - name: x\n")
    assert len(found) == 1 and "YAML syntax error" in found[0] and ":4:" in found[0]


def test_codebook_reports_missing_files(tmp_path):
    with pytest.raises(CodebookError, match="codebook.yaml: not found"):
        load_codebook(tmp_path)
    found = problems(tmp_path, "organisations: orgs.yaml\ngroups: []\n", organisations=None)
    assert "organisations file 'orgs.yaml' not found" in found[0] and ":1:" in found[0]


def test_codebook_reports_organisation_problems(tmp_path):
    organisations = """\
organisations:
  - name: SENASA
    aliases: [Senasa]
    member_of: [Nowhere]
  - name: Other
    aliases: [senasá]
    match_case: maybe
    webpage: x
  - aliases: [nameless]
"""
    found = problems(tmp_path, "organisations: organisations.yaml\ngroups: []\n", organisations)
    text = "\n".join(found)
    assert "'senasa' names both 'SENASA' and 'Other'" in text
    assert "member of unknown organisation 'Nowhere'" in text
    assert "'match_case' must be true or false" in text
    assert "unknown organisation field 'webpage'" in text
    assert ":9: organisation without a name" in text


def test_codebook_a_hand_code_cannot_shadow_a_generated_actor(tmp_path):
    codebook = ("organisations: organisations.yaml\ngroups:\n  - name: actor\n    generate: organisations\n"
                "    codes:\n      - name: SENASA\n")
    assert "duplicates a generated organisation code" in problems(tmp_path, codebook)[0]


def test_codebook_fold_ignores_case_and_accents():
    assert fold("PromPerú") == fold("PROMPERU") == "promperu"


@pytest.mark.parametrize("name", ["codebook.yaml", "organisations.yaml"])
def test_codebook_a_file_over_codebook_bytes_is_refused_unread_in_one_line(tmp_path, name):
    load(tmp_path, SMALL_CODEBOOK)
    with (tmp_path / name).open("ab") as handle:
        handle.truncate(5 * LIMITS.codebook_bytes // 2)  # 5 MB, sparse: the reader may only look at the size
    with pytest.raises(CodebookError) as caught:
        load_codebook(tmp_path)
    assert caught.value.problems == [f"{tmp_path / name}: the file is 5 MB, over coder's limit of 2 MB; refused"
                                     " — fix: check that it is the right file (too large for a codebook file: thousands of"
                                     " codes take ≈1 MB)"]
