"""Mutated input files for the readers of files from elsewhere, and the property each load must keep.

Shared by tests/test_fuzz_readers.py (hypothesis, a few seconds) and tests/bench/fuzz_readers.py (a
longer run). A mutation starts from a valid file and truncates it, inserts bytes or characters,
duplicates, deletes or swaps lines, swaps columns, or puts a hostile value in a cell. A load either
refuses in one line (CoderError) and leaves the study as it was, or loads all of the file.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from coder.codings_file import import_codings, read_codings_file
from coder.db import Database
from coder.errors import CoderError
from coder.limits import Limits
from coder.network.files import read_survey
from coder.network.store import import_survey
from coder.study import connect_study, refresh_study
from tests.conftest import study_builder
from tests.network.examples import ORGANISATIONS_CSV, TIES_CSV

# Small budgets, so that mutations (a long cell, a line copied 300 times) reach them.
LIMITS = Limits(file_bytes=200_000, csv_rows=200, survey_rows=200, csv_field_characters=1_000)

CODINGS = """\
# codings from the paper coding sheet
document,passage,code,coder,memo,start,end
int01,2,function/Accessing,ana,the trade fair,,
int01,2,phase/Phase 1,ana,,,
int01,2-4,role/broker,ben,,,
int01,4,Diffusing,ben,"training, by SENASA",,
int01,,function/Enabling,cy,,10,40
"""
PAJEK = ('% survey\n*Network survey\n*Vertices 3\n1 "Viñas Varona" 0.1 0.2\n2 "La Molina"\n3 "Señor Año"\n'
         '*Arcs :1 "technological"\n1 2 5\n2 3\n*Arcs :2 "commercial"\n3 1 2\n2: 1 3 4\n')
VALID = {"codings.csv": CODINGS, "organisations.csv": ORGANISATIONS_CSV, "ties.csv": TIES_CSV, "survey.net": PAJEK}

HOSTILE = ["", "-1", "-99999999999", "9" * 5_000, "1e999", "NaN", "nan", "inf", "-inf", "0x1F", '"', '""', '"a""b',
           ",", ",,,", "\x00", "\ufeff", "ñ", "\u2028", "%", "*", "*Arcs", "*Edges", "*Vertices -3", "1:", "2: 1",
           "#", "\r", "\r\n", "\\", "5.5", "1_000", "1-", "3-1", "0", "function/", "/", " ", "\t", "'", "x" * 1_001]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _at(data: bytes, rng: random.Random) -> int:
    return rng.randint(0, len(data))


def _cell(rng: random.Random) -> bytes:
    return rng.choice(HOSTILE).encode("utf-8")


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    lambda d, r: d[:_at(d, r)],  # truncated
    lambda d, r: (i := _at(d, r), d[:i] + r.randbytes(r.randint(1, 8)) + d[i:])[1],  # random bytes
    lambda d, r: (i := _at(d, r), d[:i] + "".join(chr(r.randint(1, 0x2FFF)) for _ in range(r.randint(1, 6))).encode() + d[i:])[1],
    lambda d, r: (i := _at(d, r), d[:i] + _cell(r) + d[i:])[1],  # a hostile value inserted anywhere
    lambda d, r: (ls := _lines(d), i := r.randrange(len(ls)), b"".join(ls[:i + 1] + [ls[i]] * r.choice([1, 2, 300]) + ls[i + 1:]))[2],
    lambda d, r: (ls := _lines(d), i := r.randrange(len(ls)), b"".join(ls[:i] + ls[i + 1:]))[2],  # a line deleted
    lambda d, r: (ls := _lines(d), r.shuffle(ls), b"".join(ls))[2],  # lines in another order
    lambda d, r: _swap_columns(d, r),
    lambda d, r: _replace_cell(d, r),
    lambda d, r: d.decode("utf-8", "replace").encode(r.choice(["utf-16", "utf-16-le", "cp1252", "latin-1"]), "replace"),
]


def _swap_columns(data: bytes, rng: random.Random) -> bytes:
    i, j = rng.randrange(7), rng.randrange(7)
    out = []
    for line in _lines(data):
        cells = line.rstrip(b"\r\n").split(b",")
        if max(i, j) < len(cells):
            cells[i], cells[j] = cells[j], cells[i]
        out.append(b",".join(cells) + line[len(line.rstrip(b"\r\n")):])
    return b"".join(out)


def _replace_cell(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    separator = b" " if b"," not in lines[i] else b","
    cells = lines[i].rstrip(b"\r\n").split(separator)
    cells[rng.randrange(len(cells))] = _cell(rng)
    lines[i] = separator.join(cells) + b"\n"
    return b"".join(lines)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four mutations of a valid file."""
    for _ in range(rng.randint(1, 4)):
        data = rng.choice(MUTATIONS)(data, rng)
    return data


def build_study(root: Path) -> Database:
    """The small study (one interview, the small codebook and organisations), opened."""
    study = study_builder(root)()
    db = connect_study(study)
    refresh_study(study, db)
    return db


def state(db: Database) -> list[list[tuple]]:
    """What a load may change, row by row."""
    return [db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("codings", "coders", "memos", "events", "settings", "organisations", "ties")]


def check_load(db: Database, folder: Path, reader: str, data: bytes) -> str:
    """Load one mutated file; 'refused' or 'loaded', or an AssertionError when the property does not hold."""
    before = state(db)
    events = max((row[0] for row in before[3]), default=0)
    for old in folder.iterdir():
        old.unlink()
    try:
        if reader == "codings.csv":
            path = _write(folder / "codings.csv", data)
            if not import_codings(db, path, limits=LIMITS).skipped:
                assert db.execute("SELECT max(id) FROM events WHERE action = 'import_codings'").fetchone()[0] > events
            for row in read_codings_file(db, path, limits=LIMITS):  # every row of the file is in the study
                assert db.execute("SELECT 1 FROM codings c JOIN coders r ON r.id = c.coder_id WHERE c.document_id = ?"
                                  " AND c.code_id = ? AND r.name = ? AND c.start <= ? AND c.end >= ?",
                                  [row.document_id, row.code.id, row.coder, row.start, row.end]).fetchone(), "a partial load"
        else:
            files = [_write(folder / reader, data)]
            if reader != "survey.net":  # the other CSV of the pair, valid
                other = "ties.csv" if reader == "organisations.csv" else "organisations.csv"
                files.append(_write(folder / other, VALID[other].encode()))
            import_survey(db, read_survey(files, root=folder, limits=LIMITS))
    except CoderError as error:
        assert "\n" not in str(error), f"a refusal over several lines: {error!s}"
        assert state(db) == before, "the study changed on a refusal"
        return "refused"
    return "loaded"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
