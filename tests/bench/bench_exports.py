"""Export speed: coded excerpts to Markdown and Excel (100,000 excerpts) and to Word (10,000).

Run: python tests/bench/bench_exports.py [EXCERPTS]   (default 100,000)
The study is the standard workload w2 of ../shared/bench (1,000 transcripts × 8,000 words, 40
codes, two coders), written straight into a temporary database (passages cut as on import, no
NLP, which `bench_import.py` measures), with the first EXCERPTS codings of its plan. Each export
is timed end to end: choosing the excerpts with their citations and co-applied codes, and
writing the file. Word gets the first 10,000 excerpts (python-docx builds the whole document
in memory). The same excerpts are also written as CSV and JSON lines for comparison.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import workload

from coder import nlp
from coder.corpus import document_files, read_document, store_passages
from coder.db import new_uuid, now, transaction
from coder.exports.excerpts import ExcerptQuery, ExcerptSet, find_excerpts, write_excerpts
from coder.study import connect_study, init_study, refresh_study

CODEBOOK = "title: Export benchmark (w2)\ngroups:\n  - name: topic\n    codes:\n" + "".join(
    f"      - name: code{n:02d}\n" for n in range(1, 41))


def build(root: Path, folder: Path, excerpts: int) -> Path:
    """A study with w2's documents and the first `excerpts` codings of its plan."""
    study = init_study(root)
    (study.codebook_dir / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    db = connect_study(study)
    refresh_study(study, db)
    codes = dict(db.execute("SELECT name, id FROM codes").fetchall())
    stamp = now()
    plan = [line.split("\t") for line in (folder / "plan.tsv").read_text().splitlines()[1:excerpts + 1]]
    with transaction(db):
        coders = {name: db.execute("INSERT INTO coders (uuid, name, created) VALUES (?, ?, ?)", [new_uuid(), name, stamp]).lastrowid
                  for name in ("alice", "bob")}
        ids, texts = {}, {}
        for path in document_files(folder / "docs"):
            parsed = read_document(path)
            document_id = db.execute(
                "INSERT INTO documents (uuid, name, path, sha256, text, attributes, words, imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [new_uuid(), parsed.name, f"transcripts/{path.name}", parsed.sha256, parsed.text,
                 json.dumps({"interviewee_role": "grower", "interviewee_organisation": f"farm {len(ids) % 26}"}),
                 parsed.words, stamp]).lastrowid
            store_passages(db, document_id, parsed.text, parsed.passages, [nlp.Annotation() for _ in parsed.passages])
            ids[path.name], texts[path.name] = document_id, parsed.text
        rows = []
        for doc, _, code, coder, start, end in plan:
            start, end = int(start), int(end)
            rows.append((hashlib.md5(f"{doc}{code}{coder}{start}".encode()).hexdigest(), ids[doc], codes[code], coders[coder],
                         start, end, texts[doc][start:end], stamp, stamp))
        db.conn.executemany("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, created, updated)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("UPDATE codings SET memo = 'a memo on this excerpt' WHERE id % 10 = 0")
    db.close()
    return root


def timed(label: str, work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main(count: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = workload("w2", Path(tmp) / "workload")
        seconds, study_root = timed("build", lambda: build(Path(tmp) / "study", folder, count))
        print(f"study: w2 documents with {count:,} codings, built in {seconds:.1f} s")
        db = connect_study(init_study(study_root))
        out = Path(tmp) / "out"
        out.mkdir()
        choose, found = timed("find", lambda: find_excerpts(db, ExcerptQuery()))
        print(f"choose {len(found.items):,} excerpts (citations, co-applied codes): {choose:.2f} s")
        for fmt in ("md", "xlsx", "csv", "jsonl"):
            path = out / f"excerpts.{fmt}"
            seconds, _ = timed(fmt, lambda path=path, fmt=fmt: write_excerpts(found, path, fmt))
            print(f"{fmt:>5}: {len(found.items):,} excerpts: write {seconds:6.2f} s, choose + write {choose + seconds:6.2f} s"
                  f" ({len(found.items) / (choose + seconds):,.0f} excerpts/s), {path.stat().st_size / 1e6:.1f} MB")
        names = [r[0] for r in db.execute("SELECT name FROM documents ORDER BY name LIMIT 110")]
        choose, some = timed("find", lambda: find_excerpts(db, ExcerptQuery(documents=names)))
        some = ExcerptSet(some.items[:10_000], some.heading, some.filters, some.name_parts, some.study, some.code_order)
        seconds, _ = timed("docx", lambda: write_excerpts(some, out / "excerpts.docx", "docx"))
        print(f" docx: {len(some.items):,} excerpts: write {seconds:6.2f} s, choose + write {choose + seconds:6.2f} s"
              f" ({len(some.items) / (choose + seconds):,.0f} excerpts/s), {(out / 'excerpts.docx').stat().st_size / 1e6:.1f} MB")
        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        db.close()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
