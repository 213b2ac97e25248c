"""The one budget for files from elsewhere: measured before reading, enforced while unpacking, listed in the README."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import pytest

from coder.errors import CoderError
from coder.limits import LIMITS, Limits, check_text, check_yaml, count_entries, megabytes, open_archive, read_bounded, read_entry
from tests.conftest import REPO


def test_limits_the_readme_lists_every_limit_with_its_value():
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", (REPO / "README.md").read_text(encoding="utf-8"), re.MULTILINE))
    for field in dataclasses.fields(Limits):
        value = getattr(LIMITS, field.name)
        said = megabytes(value) if field.name.endswith("_bytes") else f"{value}×" if field.name == "compression_ratio" else f"{value:,}"
        assert rows.get(field.name, "").startswith(said), f"README: `{field.name}` should say {said}"


def test_limits_a_file_over_its_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2_000)
    assert read_bounded(path, 2_000) == b"x" * 2_000
    with pytest.raises(CoderError, match=r"big.txt: the file is 2,000 bytes, over coder's limit of 1,999 bytes; refused — fix: split"):
        read_bounded(path, 1_999)
    with pytest.raises(CoderError, match="cannot be read"):
        read_bounded(tmp_path / "missing.txt")


def zipped(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def test_limits_an_archive_is_counted_from_its_end_record_even_past_65535_entries(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:  # over 65,535 entries: the count is in the zip64 end record
        for number in range(70_000):
            archive.writestr(f"{number}", b"")
    with path.open("rb") as stream:
        assert count_entries(stream) == 70_000
    with pytest.raises(CoderError, match="number of entries is 70,000, over coder's limit of 20,000"):
        open_archive(path, where="many.zip")
    assert count_entries(io.BytesIO(b"not a zip at all")) is None


@pytest.mark.parametrize("entries, limits, words", [
    ({"a.txt": b"a" * 3_000_000}, LIMITS, "unpacks 1,0"),  # a bomb: one character, packed a thousand times
    ({"a.txt": b"ab" * 600}, Limits(entry_bytes=1_000), "entry 'a.txt' unpacked is 1,200 bytes, over coder's limit of 1,000 bytes"),
    ({"a": b"x" * 600, "b": b"y" * 600}, Limits(archive_bytes=1_000), "the archive unpacked is over 1,000 bytes"),
    ({"a": b"", "b": b"", "c": b""}, Limits(archive_entries=2), "number of entries is 3, over coder's limit of 2"),
])
def test_limits_an_archive_over_its_budget_is_refused_before_anything_is_unpacked(entries, limits, words):
    with pytest.raises(CoderError, match=re.escape(words)):
        open_archive(zipped(entries), where="x.zip", limits=limits)


def test_limits_an_entry_is_unpacked_within_its_limit_and_a_lying_directory_is_caught():
    with open_archive(zipped({"a.txt": b"hello" * 1_000}), where="x.zip") as archive:
        info = archive.getinfo("a.txt")
        assert read_entry(archive, info, "x.zip") == b"hello" * 1_000
        with pytest.raises(CoderError, match="entry 'a.txt' unpacked is over 4,999 bytes"):
            read_entry(archive, info, "x.zip", limit=4_999)
    raw = zipped({"a.txt": b"hello" * 1_000}, zipfile.ZIP_STORED).getvalue()
    lying = raw.replace((5_000).to_bytes(4, "little"), (50).to_bytes(4, "little"))  # declares 50 bytes, holds 5,000
    with pytest.raises(CoderError, match="entry 'a.txt' cannot be unpacked"), open_archive(io.BytesIO(lying), where="x.zip") as archive:
        read_entry(archive, archive.getinfo("a.txt"), "x.zip")
    with pytest.raises(CoderError, match=r"x.docx: is not a valid Word .docx file"):
        open_archive(io.BytesIO(b"PK\x03\x04 truncated"), where="x.docx", kind="Word .docx file")


def test_limits_a_document_is_measured_before_it_is_cut():
    check_text("one\n\ntwo\n", "t.md")
    with pytest.raises(CoderError, match=r"t.md:5: the paragraph is 11 characters, over coder's limit of 10; refused"):
        check_text("one\n\ntwo\n\n" + "x" * 11, "t.md", Limits(passage_characters=10), first_line=1)
    with pytest.raises(CoderError, match=r"the document's number of paragraphs is over 2"):
        check_text("a\n\nb\n\nc", "t.md", Limits(passages=2))
    with pytest.raises(CoderError, match=r"the document's text is 12 characters, over coder's limit of 10; refused — fix: split"):
        check_text("a" * 12, "t.md", Limits(document_characters=10))


def test_limits_yaml_is_counted_with_its_aliases_expanded_and_the_count_stops_at_the_limit():
    shared = ["x"] * 10
    for _ in range(9):
        shared = [shared] * 10  # what ten nested anchors load as: 10^10 values when expanded
    small = {"title": "A study", "groups": [{"name": "g", "codes": ["a", "b"]}]}  # 12 values, keys counted
    check_yaml(small, "c.yaml", Limits(yaml_values=12))
    with pytest.raises(CoderError, match="to over 11 values"):
        check_yaml(small, "c.yaml", Limits(yaml_values=11))
    with pytest.raises(CoderError, match=r"c.yaml:2: the YAML expands, its aliases followed, to over 200,000 values"):
        check_yaml({"a": shared}, "c.yaml:2")
