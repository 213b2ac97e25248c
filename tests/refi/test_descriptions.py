"""A code's fields travel through a REFI description and come back the same."""

from __future__ import annotations

from coder.refi import describe_code, parse_description


def test_qdpx_code_descriptions_carry_include_exclude_examples_and_keys():
    code = {"description": "Passing knowledge on.\n\nTo members.", "include": "newsletters", "exclude": "sales talk",
            "examples": '["a training day", "a congress talk"]', "keywords": '["training"]', "key": "2"}
    assert parse_description(describe_code(code)) == {
        "description": "Passing knowledge on.\n\nTo members.", "include": "newsletters", "exclude": "sales talk",
        "examples": ["a training day", "a congress talk"], "keywords": ["training"], "key": "2"}
    assert parse_description("Just a definition.")["description"] == "Just a definition."
