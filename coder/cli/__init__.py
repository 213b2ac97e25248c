"""The command line: thin commands over the same domain functions the TUI calls."""

from coder.cli import agreement, coding, exports, study, tables, autocode, search  # noqa: F401 - registers the commands
from coder.cli import codings_file, merge  # noqa: F401 - registers the commands
from coder.cli import trust  # noqa: F401 - registers doctor, backup, log
from coder.cli.base import main

__all__ = ["main"]
