"""App-wide messages: from the worker that brings the study up to date to the screens."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from coder.study import OpenReport


class ImportProgress(Message):
    """Progress of the import worker; a burst of these collapses into the latest."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ImportProgress)


class StudyRefreshed(Message):
    """The study's database now matches its folder (codebook synced, new transcripts imported)."""

    def __init__(self, report: OpenReport) -> None:
        super().__init__()
        self.report = report


class CodingsChanged(Message):
    """A view wrote the coder's codings (the retrieval view's uncode, recode, memo, undo): read them again
    (and the codebook, when an undo changed it)."""

    def __init__(self, note: str, *, codebook: bool = False) -> None:
        super().__init__()
        self.note = note
        self.codebook = codebook


class StudyChanged(Message):
    """Another session or command wrote to the study (a coder coding in the next browser tab): re-read what is shown
    of it. A burst of these collapses into one."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StudyChanged)


class Exported(Message):
    """A view or dialog wrote an export: a served workbench hands the file to the browser (a download)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
