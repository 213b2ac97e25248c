"""The one error type the tool shows to people: a single line that names the input and the fix."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar


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


LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
P = ParamSpec("P")
R = TypeVar("R")


def quotes_a_file(reader: Callable[P, R]) -> Callable[P, R]:
    """A reader whose refusals quote what a file holds (a name, a cell) keeps them one line: a quoted line break shows as ⏎."""

    @functools.wraps(reader)
    def one_line(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return reader(*args, **kwargs)
        except CoderError as error:
            message, where = LINE_BREAKS.sub("⏎", error.message), LINE_BREAKS.sub("⏎", error.where or "") or None
            if (message, where) == (error.message, error.where):
                raise
            raise CoderError(message, where=where, fix=error.fix) from error

    return one_line
