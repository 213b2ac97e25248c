"""Start-up stays fast: the CLI and the domain load no UI, NLP or data-frame library until needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("textual", "spacy", "pandas", "numpy", "networkx", "scipy", "docx", "openpyxl", "lxml", "krippendorff")


@pytest.mark.parametrize("module", ["coder.cli", "coder.db", "coder.codebook", "coder.corpus", "coder.coding",
                                    "coder.study", "coder.events", "coder.nlp",
                                    "coder.documents", "coder.memos", "coder.agreement", "coder.network",
                                    "coder.crosstab", "coder.search", "coder.suggest", "coder.autocode",
                                    "coder.codebook_edit", "coder.exports.excerpts", "coder.exports.qdpx",
                                    "coder.merge", "coder.reconcile", "coder.codings_file", "coder.reanchor",
                                    "coder.doctor", "coder.history"])
def test_import_hygiene_modules_load_nothing_heavy(module):
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_import_hygiene_domain_never_imports_textual():
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "coder"
    offenders = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
                 if "tui" not in p.relative_to(package).parts and ("import textual" in p.read_text() or "from textual" in p.read_text())]
    assert offenders == []


def test_import_hygiene_the_workbench_starts_without_nlp_or_data_frames():
    code = "import sys, coder.tui.app; print(' '.join(m for m in ('spacy', 'pandas', 'numpy', 'ruamel') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
