"""The command line: thin commands over the same domain functions the TUI calls."""

from coder.cli import (  # noqa: F401 - registers the commands
    agreement,
    autocode,
    coding,
    codings_file,
    exports,
    merge,
    search,
    study,
    tables,
    trust,
)
from coder.cli.base import main

__all__ = ["main"]
