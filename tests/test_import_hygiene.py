"""The layers hold and start-up stays fast.

Layers point one way — `coder/tui` and `coder/cli` call the domain, the domain calls `coder/db.py` —
so the interface never runs SQL or touches settings itself and the domain never imports an interface
library; and the CLI and the domain load no UI, NLP or data-frame library until a command needs it.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import coder

PACKAGE = Path(coder.__file__).parent
INTERFACE = ("tui", "cli")
STORAGE = ("sqlite3", "sqlite_utils", "coder.db")  # what only the domain may import
INTERFACE_LIBRARIES = ("textual", "click", "rich")  # what the domain may not import
SQL_CALLS = ("execute", "executemany", "executescript")

HEAVY = ("textual", "spacy", "pandas", "numpy", "networkx", "scipy", "docx", "openpyxl", "lxml", "krippendorff", "sqlite_utils", "sklearn",
         "matplotlib")
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
    code = "import sys, coder.tui.app; print(' '.join(m for m in ('spacy', 'pandas', 'numpy', 'ruamel', 'matplotlib') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_import_hygiene_help_and_status_start_without_heavy_libraries(study):
    """`coder --help` loads no command and no study; `coder status` reads the study without data frames, NLP or YAML."""
    code = ("import sys\nfrom coder.cli import main\nfor args in sys.argv[1:]:\n"
            "    try:\n        main(args.split('|'), standalone_mode=False)\n    except SystemExit:\n        pass\n"
            f"    print('loaded', *(m for m in {HEAVY!r} + ('ruamel', 'coder.db', 'coder.study') if m in sys.modules), file=sys.stderr)")
    runs = ["--help", f"--study|{study.root}|status"]
    err = subprocess.run([sys.executable, "-c", code, *runs], capture_output=True, text=True, check=True).stderr
    assert [line.split()[1:] for line in err.splitlines() if line.startswith("loaded")] == [[], ["coder.db", "coder.study"]]


def imports(node: ast.AST) -> Iterator[tuple[str, int]]:
    """The modules a file imports (`from a.b import c` gives a.b and a.b.c) with their lines, leaving out
    imports under `if TYPE_CHECKING:`, which exist for annotations only."""
    if isinstance(node, ast.Import):
        yield from ((alias.name, node.lineno) for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        yield node.module, node.lineno
        yield from ((f"{node.module}.{alias.name}", node.lineno) for alias in node.names)
    for child in ast.iter_child_nodes(node):
        if not (isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING"):
            yield from imports(child)


def within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def layer_breaches(path: Path, package: Path = PACKAGE) -> list[str]:
    """What a file of the package does against the layering, as `file:line: what`."""
    relative = path.relative_to(package.parent).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    interface = path.relative_to(package).parts[0] in INTERFACE
    forbidden: dict[int, str] = {}  # line → the first forbidden name imported there
    for name, line in imports(tree):
        if within(name, STORAGE if interface else INTERFACE_LIBRARIES):
            forbidden.setdefault(line, name)
    found = [f"{relative}:{line}: imports {name}" for line, name in forbidden.items()]
    if interface:
        found += [f"{relative}:{node.lineno}: calls .{node.func.attr}()" for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS]
    return found


def test_import_hygiene_layers_point_one_way():
    files = sorted(PACKAGE.rglob("*.py"))
    assert {p.relative_to(PACKAGE).parts[0] for p in files} >= {"tui", "cli", "db.py", "agreement"}
    assert [breach for path in files for breach in layer_breaches(path)] == []


def test_import_hygiene_layer_check_sees_what_it_forbids(tmp_path):
    """The check itself: SQL and storage imports in the interface, interface libraries in the domain."""
    package = tmp_path / "coder"
    (package / "tui").mkdir(parents=True)
    screen = package / "tui" / "screen.py"
    screen.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from coder.db import Database\n"
                      "from coder import db\nimport sqlite3\ndef f(conn):\n    return conn.execute('SELECT 1')\n")
    domain = package / "tables.py"
    domain.write_text("import rich.text\nfrom click import echo\nfrom coder.db import setting\n")
    assert layer_breaches(screen, package) == [
        "coder/tui/screen.py:4: imports coder.db", "coder/tui/screen.py:5: imports sqlite3", "coder/tui/screen.py:7: calls .execute()"]
    assert layer_breaches(domain, package) == ["coder/tables.py:1: imports rich.text", "coder/tables.py:2: imports click"]
