"""Safe XML and the standard's schemas: hostile XML is refused, the shipped schemas are the reference copies."""

from __future__ import annotations

import pytest

from coder.errors import CoderError
from coder.refi import SCHEMAS
from tests.conftest import SHARED
from tests.refi.builders import laughs


@pytest.mark.skipif(not SHARED.exists(), reason="../shared (reference data) is not present")
def test_qdpx_schemas_are_the_reference_copies():
    for name in ("Project.xsd", "Codebook.xsd"):
        assert (SCHEMAS / name).read_bytes() == (SHARED / "refi-qda" / name).read_bytes()


def test_qdpx_billion_laughs_is_refused_even_without_the_doctype_check():
    from coder.refi.markup import parse_xml

    raw = laughs().encode().replace(b"<!DOCTYPE", b"<!doctype")  # not well-formed: the parser refuses it too
    with pytest.raises(CoderError, match="evil.qde"):
        parse_xml(raw, "evil.qde")


def test_qdpx_xml_too_deep_or_too_large_is_refused_while_it_is_parsed():
    from coder.limits import Limits
    from coder.refi.markup import parse_xml

    with pytest.raises(CoderError) as deep:
        parse_xml(b"<a>" * 100_000 + b"</a>" * 100_000, "deep.qdpx:project.qde")
    assert str(deep.value).startswith("deep.qdpx:project.qde: the XML's depth is over 256 levels, over coder's limit of 256 levels")
    with pytest.raises(CoderError) as wide:
        parse_xml(b"<r>" + b"<a/>" * 3_000 + b"</r>", "wide.qdc", Limits(xml_elements=2_000))
    assert str(wide.value).startswith("wide.qdc: the XML's number of elements is over 2,000, over coder's limit of 2,000")
    assert "— fix: check that this is a REFI-QDA file" in str(wide.value) and "\n" not in str(wide.value)
    assert len(parse_xml(b"<r>" + b"<a/>" * 2_000 + b"</r>", "ok.qdc", Limits(xml_elements=2_001)).getroot()) == 2_000


def test_qdpx_a_parser_message_with_a_line_break_is_refused_in_one_line():
    """libxml2 says "Char 0x0 out of allowed range\\n"; found by tests/refi/test_fuzz.py."""
    from coder.refi.markup import parse_xml

    with pytest.raises(CoderError) as refused:
        parse_xml(b"<\x00Project/>", "nul.qde")
    assert str(refused.value).startswith("nul.qde: is not well-formed XML (") and "\n" not in str(refused.value)
