"""Where exports land and how they are named: names that say what a file holds.

Every export is written to a temporary file beside its target and renamed into place, so a
failed or cancelled export never leaves half a file. Exporting again under the same name
replaces the earlier file (the researcher re-exports to get the current coding), unless the
caller asks to keep both (`keep_both`): the next free name `-2`, `-3`… is taken instead.
What goes into a spreadsheet cell is `coder.exports.cells`'s business (formula injection).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from coder.errors import CoderError
from coder.text import slug

Progress = Callable[[int, int], object]  # called with (done, total); what it returns is ignored

MAX_NAME = 150


def export_name(parts: Iterable[str | None], extension: str, *, day: date | None = None) -> str:
    """`excerpts-function-Coordinating-ana-2026-11-29.md` from its parts (empty parts are left out)."""
    words = [s for s in (slug(p) for p in parts if p) if s]
    stem = "-".join(words)[:MAX_NAME].rstrip("-") or "export"
    return f"{stem}-{(day or date.today()).isoformat()}.{extension}"


def output_path(folder: Path, name: str, output: Path | str | None = None) -> Path:
    """The file to write: `output` when it names a file, else `name` inside `output` or `folder`."""
    if output is None:
        return folder / name
    path = Path(output).expanduser()
    if path.is_dir() or str(output).endswith(("/", os.sep)):
        return path / name
    return path


def export_target(folder: Path, parts: Iterable[str | None], extension: str, output: Path | str | None = None, *,
                  keep_both: bool = False) -> Path:
    """The file an export writes: `output`, or a name made of `parts` in `folder` (see `output_path`).

    An earlier file of that name is replaced once the export is written; with `keep_both` the
    next free name is taken instead.
    """
    path = output_path(folder, export_name(parts, extension), output)
    if keep_both:
        return free_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def free_path(path: Path) -> Path:
    """`path`, or `path-2`, `path-3`… when it exists, reserved by creating it empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stem, suffix = path.name[: len(path.name) - len(path.suffix)], path.suffix
    for number in range(1, 10_000):
        candidate = path if number == 1 else path.with_name(f"{stem}-{number}{suffix}")
        try:
            with open(candidate, "x"):
                return candidate
        except FileExistsError:
            continue
    raise CoderError("too many exports with the same name", where=str(path), fix="clean up the folder")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on failure both are removed."""
    temp = _new_file_beside(path)
    try:
        yield temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        if path.exists() and path.stat().st_size == 0:
            path.unlink()  # the empty placeholder free_path reserved
        raise


def _new_file_beside(path: Path) -> Path:
    """A new, empty file with a name of its own beside `path`, with the mode the umask gives (mkstemp's are 0600)."""
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return temp


def check_format(fmt: str, formats: Sequence[str]) -> None:
    if fmt not in formats:
        raise CoderError(f"unknown export format '{fmt}'", fix=f"use one of: {', '.join(formats)}")


_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^([ \t]*)(?:([#>+-])|(\d+)([.)]))", re.MULTILINE)
_MD_ANY = re.compile(r"[\\`*_\[\]<>|]|^[ \t]*(?:[#+-]|\d+[.)])", re.MULTILINE)


def _backslashed(match: re.Match) -> str:
    return "\\" + match.group()


def md_escape(text: str) -> str:
    """Text that Markdown shows as written: inline markup escaped, and headings/lists/quotes at line starts."""
    if not _MD_ANY.search(text):
        return text  # the usual case, found with one scan
    text = _MD_INLINE.sub(_backslashed, text)
    return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\{m[4]}", text)


def blockquote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in md_escape(text.strip()).split("\n"))
