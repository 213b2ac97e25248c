"""Bad input, everywhere: every file and argument coder reads, fed broken, gives one line naming the file and the
problem, a non-zero exit, and a database byte-for-byte unchanged. The table in README.md ("What happens with bad
input") lists the same cases; the fuzz tests at the end throw arbitrary bytes at the transcript reader and the
codebook loader.
"""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coder.cli import main
from coder.codebook import BASIC_COLOURS, HEX_COLOUR, RESERVED_KEYS, CodebookError, load_codebook
from coder.corpus import ParsedDocument, read_document
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW, SMALL_CODEBOOK, SMALL_ORGANISATIONS, small_coded_study

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 2
HUGE_LINE = b"word " * 1_000_000  # 5 MB without a line break
TIES = "source,target,technological,commercial\n"
DUPLICATE_ID = INTERVIEW.replace("really", "truly")  # another file claiming id int01


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small imported study with one coding, and a REFI-QDA export of it to break."""
    return small_coded_study(tmp_path_factory.mktemp("bad") / "study")


def frozen(db_path: Path) -> bytes:
    """The database file's bytes with everything checkpointed into it."""
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return db_path.read_bytes()


# Each case: (id, what to put where, the command, words the one-line error must contain).
# `put` maps a path relative to the study ("outside/…" lands beside it) to bytes, or to a function of the good .qdpx.
Put = dict[str, bytes | Callable[[bytes], bytes]]


def qdpx(change: Callable[[str], str] = lambda x: x, extra: tuple[str, bytes] | None = None) -> Callable[[bytes], bytes]:
    """A broken copy of the study's own REFI-QDA export."""
    def build(good: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                target.writestr(info, change(data.decode()).encode() if info.filename == "project.qde" else data)
            if extra:
                target.writestr(*extra)
        return out.getvalue()
    return build


def shared_guid(xml: str) -> str:
    guids = re.findall(r'<Code guid="([^"]+)"', xml)
    return xml.replace(guids[2], guids[1])


def docx_without_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a Word document")
    return out.getvalue()


CB = "codebook/codebook.yaml"
ORG = "codebook/organisations.yaml"
TIES_CSV = "transcripts/survey/ties.csv"
ORGS_CSV = "transcripts/survey/organisations.csv"
NET = "transcripts/survey/network.net"
CODINGS_HEADER = "document,passage,code,coder,memo,start,end\n"

CASES: list[tuple[str, Put, list[str], list[str]]] = [
    # transcripts, imported from outside the study (`coder import FILE` copies them in first)
    ("md-empty", {"outside/e.md": b""}, ["import", "{outside}/e.md"], ["e.md", "empty"]),
    ("md-binary", {"outside/b.md": PNG}, ["import", "{outside}/b.md"], ["b.md", "binary"]),
    ("md-wrong-encoding", {"outside/u.md": INTERVIEW.encode("utf-16-le")}, ["import", "{outside}/u.md"], ["u.md", "UTF-16"]),
    ("md-truncated", {"outside/t.md": INTERVIEW.encode()[:60]}, ["import", "{outside}/t.md"], ["t.md:1", "never ends"]),
    ("md-bad-header", {"outside/y.md": b"---\nid: [int09\n---\n\nA: b\n"}, ["import", "{outside}/y.md"], ["y.md:3", "YAML"]),
    ("md-header-only", {"outside/h.md": b"---\nid: int09\n---\n\n"}, ["import", "{outside}/h.md"], ["h.md", "no text"]),
    ("md-duplicate-id", {"outside/copy.md": DUPLICATE_ID.encode()}, ["import", "{outside}/copy.md"],
     ["copy.md", "already used by transcripts/int01.md"]),
    ("txt-huge-line", {"outside/long.txt": HUGE_LINE}, ["import", "{outside}/long.txt"],
     ["long.txt:1", "the paragraph is 5,000,001 characters, over coder's limit of 1,000,000; refused"]),
    ("pdf-unsupported", {"outside/x.pdf": b"%PDF-1.4\n"}, ["import", "{outside}/x.pdf"], ["x.pdf", "unsupported file type"]),
    ("docx-binary", {"outside/b.docx": PNG}, ["import", "{outside}/b.docx"], ["b.docx", "not a valid Word"]),
    ("docx-truncated", {"outside/t.docx": b"PK\x03\x04\x14\x00\x00\x00" + bytes(40)}, ["import", "{outside}/t.docx"],
     ["t.docx", "not a valid Word"]),
    ("docx-not-word", {"outside/z.docx": docx_without_document()}, ["import", "{outside}/z.docx"], ["z.docx", "not a valid Word"]),
    ("vtt-no-header", {"outside/a.vtt": b"00:00:01.000 --> 00:00:02.000\nhello\n"}, ["import", "{outside}/a.vtt"],
     ["a.vtt:1", "WEBVTT"]),
    ("vtt-truncated", {"outside/b.vtt": b"WEBVTT\n\n00:00:01.000 --> 00:0"}, ["import", "{outside}/b.vtt"],
     ["b.vtt:3", "bad cue timing"]),
    ("srt-binary", {"outside/c.srt": PNG}, ["import", "{outside}/c.srt"], ["c.srt", "binary"]),
    ("srt-no-cues", {"outside/d.srt": b"just some words\n"}, ["import", "{outside}/d.srt"], ["d.srt", "no cues"]),
    # the codebook and the organisations file (read whenever the study is opened)
    ("codebook-empty", {CB: b""}, ["status"], ["codebook.yaml:1", "empty"]),
    ("codebook-binary", {CB: PNG}, ["status"], ["codebook.yaml:1", "not UTF-8"]),
    ("codebook-wrong-encoding", {CB: SMALL_CODEBOOK.replace("small", "pequeño").encode("latin-1")}, ["status"],
     ["codebook.yaml:1", "not UTF-8"]),
    ("codebook-truncated", {CB: SMALL_CODEBOOK.encode()[: SMALL_CODEBOOK.index('"#e9c46a"') + 5]}, ["status"],
     ["codebook.yaml:14", "YAML syntax error"]),
    ("codebook-huge-line", {CB: b"title: " + HUGE_LINE + b"\ngroups: []\n"}, ["status"], ["codebook.yaml", "too large"]),
    ("codebook-unknown-field", {CB: SMALL_CODEBOOK.replace("title:", "titel:").encode()}, ["status"],
     ["codebook.yaml:1", "unknown codebook field 'titel'"]),
    ("codebook-duplicate-code", {CB: SMALL_CODEBOOK.replace("Diffusing", "Accessing").encode()}, ["status"],
     ["codebook.yaml:12", "duplicate code name 'Accessing'"]),
    ("codebook-duplicate-key", {CB: SMALL_CODEBOOK.replace('key: "2"', 'key: "1"').encode()}, ["status"],
     ["codebook.yaml:13", "shortcut key '1'"]),
    ("codebook-unknown-parent", {CB: SMALL_CODEBOOK.replace("parent: Accessing", "parent: Nothing").encode()}, ["status"],
     ["codebook.yaml:25", "unknown parent 'Nothing'"]),
    ("codebook-path-outside", {CB: SMALL_CODEBOOK.replace("organisations.yaml", "../../../../../../../etc/passwd").encode()},
     ["status"], ["codebook.yaml:3", "outside the study"]),
    ("codebook-absolute-path", {CB: SMALL_CODEBOOK.replace("organisations.yaml", "/etc/hostname").encode()}, ["status"],
     ["codebook.yaml:3", "outside the study"]),
    ("organisations-empty", {ORG: b""}, ["status"], ["organisations.yaml:1", "empty"]),
    ("organisations-binary", {ORG: PNG}, ["status"], ["organisations.yaml:1", "not UTF-8"]),
    ("organisations-wrong-shape", {ORG: b"organisations: 3\n"}, ["status"], ["organisations.yaml:1", "expected a list"]),
    ("organisations-duplicate", {ORG: (SMALL_ORGANISATIONS + "  - name: APEM\n").encode()}, ["status"],
     ["organisations.yaml:19", "'APEM' is listed twice"]),
    ("organisations-unknown-member", {ORG: SMALL_ORGANISATIONS.replace("member_of: [APEM]", "member_of: [APEX]").encode()},
     ["status"], ["organisations.yaml", "unknown organisation 'APEX'"]),
    # the survey network (transcripts/survey/, read when the study is opened)
    ("ties-empty", {TIES_CSV: b""}, ["status"], ["ties.csv", "empty"]),
    ("ties-binary", {TIES_CSV: PNG}, ["status"], ["ties.csv", "binary"]),
    ("ties-wrong-columns", {TIES_CSV: b"a,b,c\nx,y,z\n"}, ["status"], ["ties.csv:1", "no 'source' column"]),
    ("ties-out-of-range", {TIES_CSV: (TIES + "SENASA,APEM,9,1\n").encode()}, ["status"], ["ties.csv:2", "outside 0–5"]),
    ("ties-negative", {TIES_CSV: (TIES + "SENASA,APEM,-1,1\n").encode()}, ["status"], ["ties.csv:2", "outside 0–5"]),
    ("ties-not-a-number", {TIES_CSV: (TIES + "SENASA,APEM,high,1\n").encode()}, ["status"], ["ties.csv:2", "not a number"]),
    ("ties-duplicate", {TIES_CSV: (TIES + "SENASA,APEM,1,1\nSENASA,APEM,2,1\n").encode()}, ["status"],
     ["ties.csv:3", "listed twice"]),
    ("ties-self", {TIES_CSV: (TIES + "SENASA,SENASA,1,1\n").encode()}, ["status"], ["ties.csv:2", "tie to itself"]),
    ("survey-organisations-wrong-columns", {ORGS_CSV: b"foo,bar\n1,2\n"}, ["status"], ["organisations.csv:1", "no 'name' column"]),
    ("survey-organisations-duplicate", {ORGS_CSV: b"name,type\nA,x\nA,y\n"}, ["status"], ["organisations.csv:3", "listed twice"]),
    ("pajek-truncated", {NET: b'*Vertices 2\n1 "A"\n2 "B"\n*Arcs\n1'}, ["status"], ["network.net:5", "an arc needs"]),
    ("pajek-undirected", {NET: b'*Vertices 2\n1 "A"\n2 "B"\n*Edges\n1 2 3\n'}, ["status"], ["network.net:4", "undirected"]),
    ("pajek-binary", {NET: PNG}, ["status"], ["network.net", "binary"]),
    ("ties-huge-field", {TIES_CSV: b'source,target\nSENASA,"' + b"x" * 200_000 + b'"\n'}, ["status"],
     ["ties.csv:2", "a field is longer than 100,000 characters, over coder's limit"]),
    ("pajek-huge-line", {NET: b'*Vertices 1\n1 "' + b"v" * 200_000 + b'"\n'}, ["status"],
     ["network.net:2", "the line is 200,004 characters, over coder's limit of 100,000"]),
    # REFI-QDA projects and codebooks
    ("qdpx-empty", {"outside/e.qdpx": b""}, ["import", "qdpx", "{outside}/e.qdpx"], ["e.qdpx", "not a zip"]),
    ("qdpx-binary", {"outside/b.qdpx": PNG}, ["import", "qdpx", "{outside}/b.qdpx"], ["b.qdpx", "not a zip"]),
    ("qdpx-truncated", {"outside/t.qdpx": lambda good: good[: len(good) // 2]}, ["import", "qdpx", "{outside}/t.qdpx"],
     ["t.qdpx", "not a zip"]),
    ("qdpx-entry-escapes", {"outside/x.qdpx": qdpx(extra=("../../evil.txt", b"x"))}, ["import", "qdpx", "{outside}/x.qdpx"],
     ["x.qdpx", "climbs out of the archive"]),
    ("qdpx-broken-xml", {"outside/m.qdpx": qdpx(lambda x: x[: len(x) // 2])}, ["import", "qdpx", "{outside}/m.qdpx"],
     ["m.qdpx:project.qde", "not well-formed XML"]),
    ("qdpx-negative-offset", {"outside/n.qdpx": qdpx(lambda x: re.sub(r'startPosition="\d+"', 'startPosition="-5"', x, count=1))},
     ["import", "qdpx", "{outside}/n.qdpx"], ["n.qdpx", "selection -5–20 lies outside its text"]),
    ("qdpx-offset-out-of-range", {"outside/r.qdpx": qdpx(lambda x: re.sub(r'endPosition="\d+"', 'endPosition="999999"', x, count=1))},
     ["import", "qdpx", "{outside}/r.qdpx"], ["r.qdpx", "lies outside its text"]),
    ("qdpx-unknown-code", {"outside/u.qdpx": qdpx(lambda x: re.sub(r'(<CodeRef targetGUID=")[^"]+', r"\g<1>0000", x, count=1))},
     ["import", "qdpx", "{outside}/u.qdpx"], ["u.qdpx", "does not define"]),
    ("qdpx-duplicate-id", {"outside/d.qdpx": qdpx(shared_guid)}, ["import", "qdpx", "{outside}/d.qdpx"], ["d.qdpx", "share the GUID"]),
    ("qdc-binary", {"outside/b.qdc": PNG}, ["import", "qdpx", "{outside}/b.qdc"], ["b.qdc", "not well-formed XML"]),
    # coding files
    ("codings-wrong-columns", {"outside/c.csv": b"a,b\n1,2\n"}, ["import", "codings", "{outside}/c.csv"], ["c.csv:1", "unknown column"]),
    ("codings-unknown-code", {"outside/c.csv": (CODINGS_HEADER + "int01,1,Nope,ana,,,\n").encode()},
     ["import", "codings", "{outside}/c.csv"], ["c.csv:2", "no code named 'Nope'"]),
    ("codings-negative-offset", {"outside/c.csv": (CODINGS_HEADER + "int01,,Accessing,ana,,-3,5\n").encode()},
     ["import", "codings", "{outside}/c.csv"], ["c.csv:2", "whole numbers"]),
    ("codings-offset-out-of-range", {"outside/c.csv": (CODINGS_HEADER + "int01,,Accessing,ana,,3,99999\n").encode()},
     ["import", "codings", "{outside}/c.csv"], ["c.csv:2", "outside the document"]),
    ("codings-duplicate", {"outside/c.csv": (CODINGS_HEADER + "int01,1,Accessing,ana,,,\nint01,1,Accessing,ana,,,\n").encode()},
     ["import", "codings", "{outside}/c.csv"], ["c.csv:3", "duplicate of line 2"]),
    ("codings-binary", {"outside/c.csv": PNG}, ["import", "codings", "{outside}/c.csv"], ["c.csv", "not UTF-8"]),
    ("codings-empty", {"outside/c.csv": b""}, ["import", "codings", "{outside}/c.csv"], ["c.csv", "no header"]),
    ("codings-huge-field", {"outside/c.csv": (CODINGS_HEADER + 'int01,1,Accessing,ana,"' + "x" * 200_000 + '",,\n').encode()},
     ["import", "codings", "{outside}/c.csv"], ["c.csv:2", "a field is longer than 100,000 characters, over coder's limit"]),
    ("codings-quote-left-open", {"outside/c.csv": (CODINGS_HEADER + 'int01,1,Accessing,ana,"open\n' + 'words\n' * 30_000).encode()},
     ["import", "codings", "{outside}/c.csv"], ["c.csv:2", "close its quotes"]),
    # command-line arguments
    ("code-passage-zero", {}, ["code", "int01", "0", "Accessing"], ["'0'", "not a passage number"]),
    ("code-passage-negative", {}, ["code", "int01", "--", "-1", "Accessing"], ["'-1'", "not a passage number"]),
    ("code-passage-negative-unquoted", {}, ["code", "int01", "-1", "Accessing"], ["coder code", "No such option"]),
    ("code-passage-out-of-range", {}, ["code", "int01", "99", "Accessing", "--coder", "ana"], ["passage 99", "does not exist"]),
    ("code-unknown-coder", {}, ["code", "int01", "1", "Accessing", "--coder", "anna"],
     ["no coder named 'anna'", "did you mean 'ana'", "--new-coder"]),
    ("autocode-unknown-coder", {}, ["autocode", "Accessing", "--query", "APEM", "--yes", "--coder", "anna"],
     ["no coder named 'anna'", "--new-coder"]),
    ("code-unknown-code", {}, ["code", "int01", "1", "Nope"], ["'Nope'", "no code named"]),
    ("code-unknown-document", {}, ["code", "int99", "1", "Accessing"], ["'int99'", "no document named"]),
    ("log-bad-date", {}, ["log", "--since", "last week"], ["--since 'last week'", "not a date"]),
    ("log-unknown-coder", {}, ["log", "--coder", "nobody"], ["'nobody'", "no coder named"]),
    ("backup-over-the-study", {}, ["backup", "{study}/study.db"], ["study.db", "cannot replace"]),
    ("doctor-accept-unknown", {}, ["doctor", "--accept", "no-such-id"], ["no-such-id", "waiting for review"]),
    ("doctor-accept-bad-place", {}, ["doctor", "--accept", "no-such-id:x"], ["'no-such-id:x'", "not an id or id:N"]),
    ("merge-binary", {"outside/m.db": PNG}, ["merge", "{outside}/m.db"], ["m.db", "not a SQLite database"]),
    ("merge-empty", {"outside/m.db": b""}, ["merge", "{outside}/m.db"], ["m.db", "not a coder study database"]),
    ("merge-truncated", {"outside/m.db": lambda good: b"SQLite format 3\x00" + bytes(4000)}, ["merge", "{outside}/m.db"],
     ["m.db", "not a SQLite database"]),
    ("merge-text", {"outside/m.txt": b"hello"}, ["merge", "{outside}/m.txt"], ["m.txt", "not a SQLite database"]),
]


@pytest.mark.parametrize("name, put, args, words", [pytest.param(*case, id=case[0]) for case in CASES])
def test_bad_input_gives_one_line_and_changes_nothing(base, tmp_path, name, put, args, words):
    root = tmp_path / "study"
    shutil.copytree(base, root)
    outside = tmp_path / "outside"
    outside.mkdir()
    good = (base.parent / "good.qdpx").read_bytes()
    for relative, content in put.items():
        path = tmp_path / relative if relative.startswith("outside/") else root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content(good) if callable(content) else content)
    transcripts = sorted(p.name for p in (root / "transcripts").iterdir())
    before = frozen(root / "study.db")
    result = CliRunner().invoke(main, ["--study", str(root), *(a.format(outside=outside, study=root) for a in args)])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0
    assert len(lines) == 1 and lines[0].startswith("Error: ") and " — fix: " in lines[0], result.output
    for word in words:
        assert word in lines[0]
    assert "unexpected error" not in lines[0]
    assert frozen(root / "study.db") == before
    assert sorted(p.name for p in (root / "transcripts").iterdir()) == transcripts  # a refused file is not left behind


def test_bad_input_accepted_inputs_are_read_as_documented(make_study):
    """Windows-1252 transcripts and survey files are not bad input: they are decoded, as the README says."""
    latin = INTERVIEW.replace("id: int01", "id: int02").replace("PromPerú", "PromPerú, Piura está").encode("cp1252")
    study = make_study(documents={})
    (study.transcripts_dir / "int02.md").write_bytes(latin)
    (study.transcripts_dir / "survey").mkdir()
    (study.transcripts_dir / "survey" / "ties.csv").write_bytes((TIES + "SENASÁ,APEM,1,1\n").encode("cp1252"))
    db = connect_study(study)
    refresh_study(study, db)
    assert "Piura está" in db.execute("SELECT text FROM documents").fetchone()[0]
    assert db.execute("SELECT count(*) FROM ties").fetchone()[0] == 1
    db.close()


# Fuzzing: arbitrary bytes never escape as anything but a CoderError -------------------------------------------


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TRANSCRIPT_BITS = st.sampled_from([b"---\n", b"id: x\n", b"---\n\n", b"INTERVIEWER: ", b"RESPONDENT: ", b"\n", b"\n\n",
                                   b"WEBVTT\n\n", b"00:00:01.000 --> 00:00:02.000\n", b"1\n00:00:01,000 --> 00:00:02,000\n",
                                   b"<v Ana>", b"[Luis]: ", b"\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\xe9", b"caf\xc3\xa9 ",
                                   b"speakers: [Ana]\n", b"Ana: ", b"title: [", b"PK\x03\x04"])


@FUZZ
@given(data=st.lists(st.one_of(TRANSCRIPT_BITS, st.binary(max_size=40)), max_size=30),
       suffix=st.sampled_from([".md", ".txt", ".vtt", ".srt", ".docx"]))
def test_bad_input_fuzz_transcript_reader(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(b"".join(data))
    try:
        document = read_document(path)
    except CoderError:
        return
    assert_well_formed(document)


def assert_well_formed(document: ParsedDocument) -> None:
    """A document that was read has text, and passages in order, inside it, each with words."""
    assert document.passages and document.text.strip()
    previous_end = 0
    for passage in document.passages:
        assert previous_end <= passage.start < passage.end <= len(document.text)
        assert document.text[passage.start : passage.end].strip()
        previous_end = passage.end


YAML_BITS = st.sampled_from(["title: x\n", "groups:\n", "  - name: g\n", "    codes:\n", "      - name: c\n", "        key: '1'\n",
                             "        parent: c\n", "    exclusive: true\n", "    generate: organisations\n",
                             "organisations: organisations.yaml\n", "organisations: ../x\n", "  - [", "{", "}", ": ", "- ",
                             "\t", "&a ", "*a ", "!!python/object ", "'", '"', "\n", "        colour: red\n", "\x00", "\ufeff",
                             "%YAML 1.1\n", "--- ", "...\n", "? ", "|\n", "        keywords: [a, b]\n"])


@FUZZ
@given(text=st.lists(st.one_of(YAML_BITS, st.text(max_size=12)), max_size=25),
       organisations=st.lists(st.one_of(YAML_BITS, st.text(max_size=12)), max_size=10))
@example(text=["? ", "  - name: g\n"], organisations=[])  # a list as a key: the round-trip reader raised TypeError
def test_bad_input_fuzz_codebook_loader(tmp_path, text, organisations):
    folder = tmp_path / "codebook"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "codebook.yaml").write_text("".join(text), encoding="utf-8", errors="surrogatepass")
    (folder / "organisations.yaml").write_text("organisations:\n" + "".join(organisations), encoding="utf-8",
                                              errors="surrogatepass")
    try:
        codebook = load_codebook(folder)
    except CodebookError:
        return
    # What loads obeys every rule the loader checks: the rest of the tool relies on them.
    keys = [code.key for code in codebook.codes() if code.key]
    assert len(keys) == len(set(keys)) and not set(keys) & RESERVED_KEYS
    for group in codebook.groups:
        names = [code.name for code in group.codes]
        assert len(names) == len(set(names)) and all(name.strip() for name in names)
        for code in group.codes:
            assert code.parent is None or code.parent in names
            assert code.colour is None or HEX_COLOUR.fullmatch(code.colour) or code.colour in BASIC_COLOURS
    groups = [group.name for group in codebook.groups]
    assert len(groups) == len(set(groups))



@pytest.fixture(scope="module")
def word_file() -> bytes:
    import docx  # python-docx, only for this fuzz test

    document = docx.Document()
    for line in ("---", "id: int09", "---", "INTERVIEWER: How did it start?", "RESPONDENT: With the hot water plant."):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@FUZZ
@given(part=st.integers(min_value=0, max_value=40), content=st.one_of(st.binary(max_size=60), st.sampled_from(
    [b"", b"<?xml version='1.0'?><a>", b"<w:document xmlns:w='x'/>", b"\x00\x01"])), drop=st.booleans())
def test_bad_input_fuzz_damaged_word_files(tmp_path, word_file, part, content, drop):
    """A .docx with one part damaged or missing is refused as a CoderError, never with a parser's exception."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(word_file)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        for name in names:
            if name == names[part % len(names)]:
                if not drop:
                    target.writestr(name, content)
                continue
            target.writestr(name, source.read(name))
    path = tmp_path / "damaged.docx"
    path.write_bytes(out.getvalue())
    try:
        document = read_document(path)
    except CoderError:
        return
    assert_well_formed(document)
