"""The one error type the tool shows to people: a single line that names the input and the fix."""

from __future__ import annotations


class CoderError(Exception):
    """A problem with the user's input or study, worded for the researcher, never a traceback."""

    def __init__(self, message: str, *, fix: str | None = None, where: str | None = None) -> None:
        self.message = message
        self.fix = fix
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} — fix: {self.fix}" if self.fix else text
