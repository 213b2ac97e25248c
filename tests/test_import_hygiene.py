"""Start-up stays fast: the CLI and the domain load no UI, NLP or data-frame library until needed."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import coder

HEAVY = ("textual", "spacy", "pandas", "numpy", "networkx", "scipy", "docx", "openpyxl", "lxml", "krippendorff")
WRAPPERS = {"coder.exports.word": {"docx", "lxml"}}  # the Word writer is python-docx; only a Word export loads it


def domain_modules() -> list[str]:
    """Every module of the package but the workbench and `python -m coder` (which starts it)."""
    return [m.name for m in pkgutil.walk_packages(coder.__path__, "coder.")
            if not m.name.startswith("coder.tui") and m.name != "coder.__main__"]


def test_import_hygiene_modules_load_nothing_heavy():
    # One interpreter imports them all, each charged with the heavy modules it adds; wrappers go last,
    # so a module importing one of them at its top would be charged with that library.
    modules = sorted(domain_modules(), key=lambda name: name in WRAPPERS)
    assert "coder.cli" in modules and "coder.db" in modules
    code = (f"import importlib, sys\nfor name in sys.argv[1:]:\n    before = set(sys.modules)\n    importlib.import_module(name)\n"
            f"    print(name, *(m for m in {HEAVY!r} if m in sys.modules and m not in before))")
    out = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True, check=True).stdout
    loaded = {line.split()[0]: set(line.split()[1:]) - WRAPPERS.get(line.split()[0], set()) for line in out.splitlines()}
    assert list(loaded) == modules
    assert {name: heavy for name, heavy in loaded.items() if heavy} == {}


def test_import_hygiene_the_workbench_starts_without_nlp_or_data_frames():
    code = "import sys, coder.tui.app; print(' '.join(m for m in ('spacy', 'pandas', 'numpy', 'ruamel') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
