"""The memos export: every memo of the study with what it is attached to, for the write-up.

Memos live in two places: the `memos` table (on the study, a code, a document or a span of one)
and the memo field of a coding. Both are exported together, ordered study → codes → documents,
each with the passage, lines and quoted text it is attached to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from coder.db import Database, setting
from coder.exports.cells import csv_writer
from coder.exports.citing import load_documents
from coder.exports.files import Progress, blockquote, check_format, export_target, md_escape, replacing
from coder.pseudonyms import Pseudonyms

FORMATS = ("md", "csv", "docx")
COLUMNS = ("kind", "attached_to", "document", "passage", "lines", "code", "coder", "quote", "memo", "created", "updated", "uuid")
ORDER = {"study": 0, "code": 1, "document": 2}


@dataclass
class Memo:
    """One memo and where it hangs."""

    kind: str  # "memo" (memos table) or "coding memo"
    scope: str  # study, code or document
    text: str
    coder: str | None = None
    document: str | None = None
    code: str | None = None  # path
    start: int | None = None
    end: int | None = None
    passage: str = ""
    lines: str = ""
    quote: str | None = None
    created: str = ""
    updated: str = ""
    uuid: str = ""

    @property
    def attached_to(self) -> str:
        if self.document and self.start is not None:
            lines = f", line{'s' * ('–' in self.lines)} {self.lines}" if self.lines else ""
            where = f"{self.document} ¶ {self.passage}{lines}"
            prefix = f"coding of {self.code} in " if self.kind == "coding memo" else ""
            suffix = f" · {self.code}" if self.code and self.kind != "coding memo" else ""
            return prefix + where + suffix
        if self.document:
            return f"document {self.document}" + (f" · {self.code}" if self.code else "")
        if self.code:
            return f"code {self.code}"
        return "study"

    def row(self) -> dict[str, Any]:
        return {"kind": self.kind, "attached_to": self.attached_to, "document": self.document, "passage": self.passage,
                "lines": self.lines, "code": self.code, "coder": self.coder, "quote": self.quote, "memo": self.text,
                "created": self.created, "updated": self.updated, "uuid": self.uuid}


def find_memos(db: Database) -> list[Memo]:
    """All memos and coding memos, study first, then by code, then by document and position."""
    paths = {r[0]: f"{r[1]}/{r[2]}" for r in db.execute("SELECT c.id, g.name, c.name FROM codes c JOIN code_groups g ON g.id = c.group_id")}
    coders = dict(db.execute("SELECT id, name FROM coders").fetchall())
    memos: list[Memo] = []
    document_ids: list[int | None] = []  # each memo's document, named below
    for uuid, coder, document_id, start, end, code, text, created, updated in db.execute(
        "SELECT uuid, coder_id, document_id, start, end, code_id, text, created, updated FROM memos"
    ):
        scope = "document" if document_id else "code" if code else "study"
        memos.append(Memo("memo", scope, text, coders.get(coder), None, paths.get(code), start, end,
                          created=created, updated=updated, uuid=uuid))
        document_ids.append(document_id)
    for uuid, coder, document_id, start, end, code, text, created, updated in db.execute(
        "SELECT uuid, coder_id, document_id, start, end, code_id, memo, created, updated FROM codings WHERE memo IS NOT NULL AND memo != ''"
    ):
        memos.append(Memo("coding memo", "document", text, coders.get(coder), None, paths.get(code), start, end,
                          created=created, updated=updated, uuid=uuid))
        document_ids.append(document_id)
    documents = load_documents(db, (d for d in document_ids if d))
    for memo, document_id in zip(memos, document_ids):
        document = documents.get(document_id) if document_id else None
        if document is None:
            continue
        memo.document = document.name
        if memo.start is not None and memo.end is not None and memo.end > memo.start:
            first, last = document.passages(memo.start, memo.end)
            passages = (document.ordinals[first], document.ordinals[last])
            memo.passage = str(passages[0]) if passages[0] == passages[1] else f"{passages[0]}–{passages[1]}"
            if document.lines:
                lines = (document.line(memo.start), document.line(max(memo.start, memo.end - 1)))
                memo.lines = str(lines[0]) if lines[0] == lines[1] else f"{lines[0]}–{lines[1]}"
            memo.quote = document.text[memo.start : memo.end]
        else:
            memo.start = memo.end = None
    memos.sort(key=lambda m: (ORDER[m.scope], m.code or "" if m.scope == "code" else "", m.document or "",
                              m.start if m.start is not None else -1, m.kind, m.created))
    return memos


def export_memos(db: Database, exports_dir: Path, fmt: str = "md", *, output: Path | str | None = None,
                 keep_both: bool = False, progress: Progress | None = None, pseudonyms: Pseudonyms | None = None) -> Path:
    """Write every memo to a file in exports/ (md, csv or docx); returns the path written.

    With `pseudonyms`, every name they hide is replaced in what is written (and the file name says so)."""
    check_format(fmt, FORMATS)
    memos, title = find_memos(db), setting(db, "title")
    if pseudonyms is not None:
        from coder.exports.pseudonymised import hide

        memos, title = hide(memos, pseudonyms), hide(title, pseudonyms)
    path = export_target(exports_dir, ["memos", "pseudonymised" if pseudonyms else None], fmt, output, keep_both=keep_both)
    writer = {"md": _write_markdown, "csv": _write_csv, "docx": _write_docx}[fmt]
    with replacing(path) as temp:
        writer(memos, temp, title)
    if progress:
        progress(len(memos), len(memos))
    return path


def _sections(memos: list[Memo]) -> list[tuple[str, str, list[Memo]]]:
    """(section, heading, memos): study memos, then one heading per code, then one per document."""
    sections: dict[tuple[str, str], list[Memo]] = {}
    for memo in memos:
        heading = {"study": "The study", "code": memo.code or "", "document": memo.document or ""}[memo.scope]
        sections.setdefault((memo.scope, heading), []).append(memo)
    return [(scope, heading, items) for (scope, heading), items in sections.items()]


def _summary(memos: list[Memo], study: str | None) -> str:
    parts = [f"{len(memos)} memo{'s' * (len(memos) != 1)}", f"exported {date.today().isoformat()}"]
    return " · ".join(([f"study: {study}"] if study else []) + parts)


SECTION_TITLES = {"study": "Memos on the study", "code": "Memos on codes", "document": "Memos on documents and passages"}


def _write_markdown(memos: list[Memo], path: Path, study: str | None) -> None:
    out = ["# Memos", "", md_escape(_summary(memos, study)), ""]
    current = None
    for scope, heading, items in _sections(memos):
        if scope != current:
            out += [f"## {SECTION_TITLES[scope]}", ""]
            current = scope
        if scope != "study":
            out += [f"### {md_escape(heading)}", ""]
        for memo in items:
            byline = " · ".join(p for p in (memo.attached_to if scope == "document" else "", memo.coder, memo.updated[:10]) if p)
            if byline:
                out += [f"*{md_escape(byline)}*", ""]
            if memo.quote:
                out += [blockquote(memo.quote), ""]
            out += [md_escape(memo.text.strip()), ""]
    if not memos:
        out += ["*No memos yet.*", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def _write_csv(memos: list[Memo], path: Path, study: str | None) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv_writer(handle)
        writer.writerow(COLUMNS)
        for memo in memos:
            row = memo.row()
            writer.writerow([row[c] for c in COLUMNS])


def _write_docx(memos: list[Memo], path: Path, study: str | None) -> None:
    from coder.exports import word

    document = word.new_document("Memos", _summary(memos, study))
    heading1, heading2 = word.style(document, "Heading 1"), word.style(document, "Heading 2")
    quote, byline = word.style(document, "Quote"), word.style(document, "Excerpt Citation")
    current = None
    for scope, heading, items in _sections(memos):
        if scope != current:
            document.add_paragraph(SECTION_TITLES[scope], heading1)
            current = scope
        if scope != "study":
            document.add_paragraph(word.clean(heading), heading2)
        for memo in items:
            line = " · ".join(p for p in (memo.attached_to if scope == "document" else "", memo.coder, memo.updated[:10]) if p)
            if line:
                document.add_paragraph().add_run(word.clean(line)).font.small_caps = True
                document.paragraphs[-1].style = byline
            if memo.quote:
                for paragraph in word.paragraphs(memo.quote):
                    document.add_paragraph(paragraph, quote)
            for paragraph in word.paragraphs(memo.text):
                document.add_paragraph(paragraph)
    if not memos:
        document.add_paragraph("No memos yet.")
    document.save(str(path))
