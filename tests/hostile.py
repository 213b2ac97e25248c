"""Hostile and huge input files, and a run of `coder` on one in a process of its own under a memory limit.

Used by tests/test_hostile_inputs.py (which asserts) and tests/bench/bench_hostile.py (which prints the
figures). Each file is written a megabyte at a time, so making a 200 MB one costs the test little memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MB = 1_000_000
MEMORY_LIMIT = 1 << 30  # RLIMIT_AS of every run: 1 GiB of address space
HUNG = 120  # seconds after which a run is killed and fails (a refusal takes a second or two)
REPO = Path(__file__).resolve().parents[1]


def chunks(unit: bytes, size: int) -> Iterator[bytes]:
    """`size` bytes of `unit` repeated, a megabyte at a time."""
    block = unit * (MB // len(unit))
    for _ in range(size // len(block)):
        yield block
    yield unit * ((size % len(block)) // len(unit))


def write_repeated(path: Path, head: bytes, unit: bytes, size: int, tail: bytes = b"") -> None:
    with path.open("wb") as out:
        out.write(head)
        for block in chunks(unit, size):
            out.write(block)
        out.write(tail)


def rezip(good: Path, path: Path, replace: dict[str, Callable[[], Iterator[bytes]]], extra: int = 0,
          compression: int = zipfile.ZIP_DEFLATED) -> None:
    """A copy of the `good` archive with the entries whose name ends as a key of `replace` streamed anew,
    plus `extra` empty entries."""
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w", compression) as out:
        for info in source.infolist():
            ending = next((key for key in replace if info.filename.endswith(key)), None)
            if ending is None:
                out.writestr(info.filename, source.read(info))
                continue
            with out.open(info.filename, "w", force_zip64=True) as entry:
                for block in replace[ending]():
                    entry.write(block)
        for number in range(extra):
            out.writestr(f"sources/padding/{number}.txt", b"")


def first_source(good: Path) -> str:
    with zipfile.ZipFile(good) as archive:
        return next(i.filename for i in archive.infolist() if i.filename.startswith("sources/"))


def docx(path: Path, paragraph: int) -> None:
    """A Word file whose one paragraph is `paragraph` bytes of words."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                     'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
                     'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
                     'main+xml"/></Types>')
        with out.open("word/document.xml", "w", force_zip64=True) as entry:
            entry.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
                        b"<w:r><w:t>")
            for block in chunks(b"word ", paragraph):
                entry.write(block)
            entry.write(b"</w:t></w:r></w:p></w:body></w:document>")


@dataclass(frozen=True)
class Hostile:
    """One hostile input: how to make it (in the study's parent folder or the study), the command that reads it,
    and words the one-line refusal must hold."""

    name: str
    make: Callable[[Path, Path], None]  # (outside folder, study root)
    args: tuple[str, ...]  # `{outside}` is the folder beside the study
    words: tuple[str, ...]


def _bomb(outside: Path, study: Path) -> None:
    good = outside / "good.qdpx"
    rezip(good, outside / "bomb.qdpx", {first_source(good): lambda: chunks(b"a", 60 * MB)})


def _entries(outside: Path, study: Path) -> None:
    rezip(outside / "good.qdpx", outside / "entries.qdpx", {}, extra=100_000)


def _qdpx_paragraph(outside: Path, study: Path) -> None:
    good = outside / "good.qdpx"
    rezip(good, outside / "paragraph.qdpx", {first_source(good): lambda: chunks(b"word ", 200 * MB)})


def _qdpx_stored(outside: Path, study: Path) -> None:
    good = outside / "good.qdpx"
    rezip(good, outside / "stored.qdpx", {first_source(good): lambda: chunks(b"word ", 60 * MB)}, compression=zipfile.ZIP_STORED)


def _deep(outside: Path, study: Path) -> None:
    rezip(outside / "good.qdpx", outside / "deep.qdpx",  # stored: packed, it would be refused for its ratio first
          {"project.qde": lambda: iter([b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x">',
                                        b"<Description>" * 100_000, b"</Description>" * 100_000, b"</Project>"])},
          compression=zipfile.ZIP_STORED)


def _txt(outside: Path, study: Path) -> None:
    write_repeated(outside / "paragraph.txt", b"", b"word ", 200 * MB, b"\n")


def _txt_within(outside: Path, study: Path) -> None:
    write_repeated(outside / "paragraph.txt", b"", b"word ", 15 * MB, b"\n")


def _docx(outside: Path, study: Path) -> None:
    docx(outside / "paragraph.docx", 200 * MB)


def _vtt(outside: Path, study: Path) -> None:
    write_repeated(outside / "paragraph.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nANA: ", b"word ", 200 * MB, b"\n")


def _coding_rows(outside: Path, study: Path) -> None:
    write_repeated(outside / "rows.csv", b"document,passage,code,coder,memo\n", b"int01,1,function/Accessing,ana,\n", 10_000_000 * 32)


def _survey_field(outside: Path, study: Path) -> None:
    (study / "transcripts" / "survey").mkdir(parents=True, exist_ok=True)
    write_repeated(study / "transcripts" / "survey" / "organisations.csv", b'name,type\n"', b"x", 100 * MB, b'",firm\n')


ANCHORS = [f"&a{n} [{', '.join([f'*a{n - 1}' if n else 'x'] * 10)}]" for n in range(10)]  # ten of the last, ten times:
LAUGHS = "".join(f"a{n}: {anchor}\n" for n, anchor in enumerate(ANCHORS))  # 10^10 values once expanded


def _laughs_header(outside: Path, study: Path) -> None:
    (outside / "laughs.md").write_text(f"---\n{LAUGHS}---\n\nRESPONDENT: Hello.\n", encoding="utf-8")


def _laughs_codebook(outside: Path, study: Path) -> None:
    path = study / "codebook" / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("keywords: [buyers, trade fair]", f"keywords: [{', '.join(ANCHORS)}]"), encoding="utf-8")


HOSTILE = (
    Hostile("zip bomb: one 60 MB entry of one character, in a .qdpx", _bomb, ("import", "qdpx", "{outside}/bomb.qdpx"),
            ("bomb.qdpx", "zip bomb")),
    Hostile("a .qdpx of 100,000 entries", _entries, ("import", "qdpx", "{outside}/entries.qdpx"), ("entries.qdpx", "100,00")),
    Hostile("a 200 MB paragraph inside a .qdpx", _qdpx_paragraph, ("import", "qdpx", "{outside}/paragraph.qdpx"),
            ("paragraph.qdpx", "limit")),
    Hostile("a 60 MB source stored unpacked in a .qdpx", _qdpx_stored, ("import", "qdpx", "{outside}/stored.qdpx"),
            ("stored.qdpx", "20,000,000")),
    Hostile("XML nested 100,000 deep in a .qdpx", _deep, ("import", "qdpx", "{outside}/deep.qdpx"), ("deep.qdpx", "depth")),
    Hostile("a 200 MB one-paragraph .txt", _txt, ("import", "{outside}/paragraph.txt"), ("paragraph.txt", "25 MB")),
    Hostile("a 15 MB one-paragraph .txt (under the file and document limits)", _txt_within, ("import", "{outside}/paragraph.txt"),
            ("paragraph.txt:1", "1,000,000")),
    Hostile("a 200 MB one-paragraph .docx", _docx, ("import", "{outside}/paragraph.docx"), ("paragraph.docx", "limit")),
    Hostile("a 200 MB one-cue .vtt", _vtt, ("import", "{outside}/paragraph.vtt"), ("paragraph.vtt", "25 MB")),
    Hostile("a coding file of 10 million rows", _coding_rows, ("import", "codings", "{outside}/rows.csv"), ("rows.csv", "limit")),
    Hostile("a survey file with a 100 MB field", _survey_field, ("status",), ("organisations.csv", "limit")),
    Hostile("a billion laughs of YAML anchors in a transcript's header", _laughs_header, ("import", "{outside}/laughs.md"),
            ("laughs.md", "aliases")),
    Hostile("a billion laughs of YAML anchors in the codebook", _laughs_codebook, ("status",), ("codebook.yaml", "aliases")),
)


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str
    seconds: float
    peak_mb: float  # the process's peak resident memory


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_coder(study: Path, *args: str) -> Run:
    """`coder --study STUDY ARGS` in a fresh process under the memory limit; its exit, output, time and peak memory."""
    log = study.parent / f"run-{os.getpid()}.log"
    began = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "coder", "--study", str(study), *args], stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_limited, cwd=REPO,
                                   env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "400"})
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - began > HUNG:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)  # polling the process's end, not guessing a duration
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen, so it does not wait again
    seconds = time.perf_counter() - began
    output = log.read_text(errors="replace")
    log.unlink()
    return Run(process.returncode, output, seconds, usage.ru_maxrss / 1024)
