"""The command line: thin commands over the same domain functions the TUI calls.

Each command's module is imported when the command is used (coder.cli.registry says which).
"""

from coder.cli.base import main

__all__ = ["main"]
