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
