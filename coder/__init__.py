"""coder: a keyboard-driven qualitative coding workbench for the terminal."""

__version__ = "0.1.0"
