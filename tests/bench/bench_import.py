"""Import speed: `coder import` of the standard workloads, end to end (read, segment, NLP, store).

Run: python tests/bench/bench_import.py [w1|w2]   (default w2: 1,000 transcripts × 8,000 words)
Target (issue 2): ≥ 200,000 words/s on a 2-core machine for w2.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import workload

from coder.corpus import document_files, import_documents
from coder.study import connect_study, init_study


def main(name: str = "w2") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = workload(name, Path(tmp) / "workload")
        study = init_study(Path(tmp) / "study")
        files = document_files(folder / "docs")
        db = connect_study(study)
        codebook = study.load_codebook()
        start = time.perf_counter()
        report = import_documents(db, files, codebook, root=study.root)
        seconds = time.perf_counter() - start
        print(f"{name}: imported {len(report.added)} documents, {report.words:,} words, {report.passages:,} passages"
              f" in {seconds:.2f} s = {report.words / seconds:,.0f} words/s")
        print(f"database size: {study.db_path.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main(*sys.argv[1:])
