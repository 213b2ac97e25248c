"""Issue 13: how fast, and in how little memory, coding files, survey files, Pajek files, codebooks and merge
sources over the budget (coder/limits.py, the default LIMITS) are refused.

Run: python tests/bench/bench_refusals_csv.py
Each refusal runs in a fresh process (its peak memory is its own) on a file written for it; prints the seconds,
the peak resident memory and the one line of the refusal. Targets: each refusal within a few seconds, in a few
hundred MB at most.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz_cases import build_study

REPO = Path(__file__).resolve().parents[2]
HEADER = b"document,passage,code,coder,memo\n"

# What each case writes (path → bytes, or a function writing the file) and the call that must refuse it.
RUN = """
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from tests.fuzz_cases import build_study
db = build_study(Path(tempfile.mkdtemp(dir={tmp!r})) / "study") if {study} else None
from coder.errors import CoderError
def peak():  # VmHWM: this process's own high-water mark (ru_maxrss may carry the parent's over exec)
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1000
before, started = peak(), time.perf_counter()
try:
    {call}
    print(f"{{time.perf_counter() - started:.2f}} s, peak {{peak():.0f}} MB (before: {{before:.0f}} MB): loaded")
except CoderError as error:
    print(f"{{time.perf_counter() - started:.2f}} s, peak {{peak():.0f}} MB (before: {{before:.0f}} MB): {{error}}"[:400])
"""


def _write(path: Path, parts: list[tuple[bytes, int]]) -> Path:
    """A file made of (bytes, times) parts, written a megabyte at a time."""
    with path.open("wb") as handle:
        for chunk, times in parts:
            block = max(1, (1 << 20) // max(len(chunk), 1))
            for start in range(0, times, block):
                handle.write(chunk * min(block, times - start))
    return path


def cases(tmp: Path) -> list[tuple[str, bool, str]]:
    """(label, needs the study, call) after writing each case's file."""
    codings = "from coder.codings_file import import_codings; import_codings(db, Path({!r}))"
    survey = "from coder.network import read_survey; read_survey([Path({!r})])"
    merge = "from coder.merge import merge_copy; merge_copy(db, Path({!r}))"
    rows = _write(tmp / "rows.csv", [(HEADER, 1), (b"int01,2,Accessing,ana,\n", 2_100_000)])
    ten_million = _write(tmp / "ten-million.csv", [(HEADER, 1), (b"int01,2,Accessing,ana\n", 10_000_000)])
    field = _write(tmp / "field.csv", [(HEADER + b'int01,2,Accessing,ana,"', 1), (b"x", 40_000_000), (b'"\n', 1)])
    ties_field = _write(tmp / "ties.csv", [(b'source,target,technological\na,b,"', 1), (b"x", 100_000_000), (b'"\n', 1)])
    ties_rows, ties_budget = tmp / "ties-rows.csv", tmp / "ties-99999.csv"
    for path, count in ((ties_rows, 2_100_000), (ties_budget, 99_999)):
        with path.open("w") as handle:
            handle.write("source,target,technological\n")
            handle.writelines(f"a{i},b{i},1\n" for i in range(count))
    pajek_lines = _write(tmp / "lines.net", [(b"*Vertices 2\n1 a\n2 b\n*Arcs\n", 1), (b"1 2 1\n", 2_100_000)])
    pajek_line = _write(tmp / "line.net", [(b'*Vertices 1\n1 "', 1), (b"v", 40_000_000), (b'"\n', 1)])
    codebook = tmp / "codebook"
    codebook.mkdir()
    _write(codebook / "codebook.yaml", [(b"title: ", 1), (b"x", 5_000_000), (b"\ngroups: []\n", 1)])
    merged = str(tmp / "merge.db")  # a study database with a 60 MB memo, written here: the merge's peak is its own
    build_study(tmp / "other").close()
    shutil.copy(tmp / "other" / "study" / "study.db", merged)
    conn = sqlite3.connect(merged)
    conn.execute("INSERT INTO coders (uuid, name, created) VALUES ('u', 'x', 'now')")
    conn.execute("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, memo, created, updated)"
                 " VALUES ('c', 1, 1, (SELECT max(id) FROM coders), 0, 5, 'q', CAST(zeroblob(60000000) AS TEXT), 'now', 'now')")
    conn.commit()
    conn.close()
    return [
        ("coding file, 10 million rows (220 MB): file_bytes", True, codings.format(str(ten_million))),
        ("coding file, 2.1 million rows (48 MB): csv_rows", True, codings.format(str(rows))),
        ("coding file, a 40 MB field: csv_field_characters", True, codings.format(str(field))),
        ("survey ties.csv, a 100 MB field: file_bytes", False, survey.format(str(ties_field))),
        ("survey ties.csv, 2.1 million rows: survey_rows", False, survey.format(str(ties_rows))),
        ("survey ties.csv, 99,999 ties and the header (the budget): read, not refused", False, survey.format(str(ties_budget))),
        ("Pajek .net, 2.1 million lines: survey_rows", False, survey.format(str(pajek_lines))),
        ("Pajek .net, a 40 MB line: csv_field_characters", False, survey.format(str(pajek_line))),
        ("codebook.yaml, 5 MB: codebook_bytes", False, f"from coder.codebook import load_codebook; load_codebook(Path({str(codebook)!r}))"),
        ("merge source, a 60 MB memo: file_bytes (SQLite's length limit)", True,
         merge.format(merged)),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for label, study, call in cases(tmp):
            code = RUN.format(repo=str(REPO), tmp=str(tmp), study=study, call=call)
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
            print(f"{label}\n    {(done.stdout.strip() or done.stderr.strip().splitlines()[-1])}", flush=True)


if __name__ == "__main__":
    main()
