"""The bad parts of a REFI-QDA project: refused by default, imported without them with `--skip-bad`.

A selection outside its text, a coding of a code the project does not define or a second code of
an exclusive group on one passage says the file cannot be fully trusted, so by default the whole
project is refused and nothing is written. One bad selection in an otherwise good project need not
cost the rest: with `skip_bad` everything else is imported and each bad part is listed in the
report, one line each (source, selection, why).
"""

from __future__ import annotations

from collections.abc import Container

from coder.errors import CoderError
from coder.refi.model import BadPart, RefiCoding, RefiImportReport, RefiProject

SKIP_FIX = "or import the rest with --skip-bad (each bad part is listed)"


def check_codes(project: RefiProject, defined: Container[str], file: str) -> None:
    """Refuse codes sharing a GUID (which code a coding means cannot be told); codings of codes the project does not
    define become bad parts, taken out of the project."""
    seen: dict[str, str] = {}
    for code in project.all_codes():
        if code.guid in seen:
            raise CoderError(f"codes '{seen[code.guid]}' and '{code.name}' share the GUID {code.guid}; nothing was imported",
                             where=file, fix="export the project again from the QDA tool")
        seen[code.guid] = code.name

    def kept(codings: list[RefiCoding], source: str, part: str) -> list[RefiCoding]:
        for coding in codings:
            if (coding.code or "") not in defined:
                project.bad.append(BadPart(source, part, f"a coding of code {coding.code or 'none'}, which the project"
                                                         " does not define", 1))
        return [c for c in codings if (c.code or "") in defined]

    for source in project.sources:
        source.codings = kept(source.codings, source.name, "the whole source")
        for selection in source.selections:
            selection.codings = kept(selection.codings, source.name, f"selection {selection.start}–{selection.end}")


def settle(project: RefiProject, report: RefiImportReport, file: str, *, skip_bad: bool) -> None:
    """Refuse the project for its first bad part (the default), or list every bad part in the report."""
    if not project.bad:
        return
    if not skip_bad:
        first, more = project.bad[0], len(project.bad) - 1
        others = f" (and {more} more bad part{'s' * (more != 1)})" if more else ""
        raise CoderError(f"source '{first.source}': {first.part} {_verb(first.why)}{others}; nothing was imported", where=file,
                         fix=f"export the project again from the QDA tool, {SKIP_FIX}")
    report.skipped += [bad.line() for bad in project.bad]
    report.codings_skipped += sum(bad.codings for bad in project.bad)


def _verb(why: str) -> str:
    """'lies outside its text' reads on after the selection; 'a coding of …' needs 'has'."""
    return f"has {why}" if why.startswith("a ") else why
