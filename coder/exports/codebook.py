"""The codebook export: the appendix every qualitative paper has, and the REFI-QDA `.qdc`.

For each group and code (nested as in the codebook): the definition, when to use it and when
not, examples, and how often it was applied — codings and documents, over all coders or one.
Retired codes (gone from the YAML but still coded) are listed and marked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from coder.codebook import codebook_tree
from coder.coding import coder_id
from coder.db import Database, setting
from coder.exports.files import Progress, check_format, export_target, md_escape, replacing

FORMATS = ("md", "docx", "qdc")


@dataclass
class CodeEntry:
    name: str
    group: str
    depth: int
    parent: str | None
    key: str | None
    colour: str | None
    description: str | None
    include: str | None
    exclude: str | None
    examples: list[str]
    keywords: list[str]
    active: bool
    codings: int
    documents: int


@dataclass
class GroupEntry:
    name: str
    description: str | None
    exclusive: bool
    codes: list[CodeEntry] = field(default_factory=list)

    @property
    def codings(self) -> int:
        return sum(c.codings for c in self.codes)


def codebook_entries(db: Database, *, coder: str | None = None) -> list[GroupEntry]:
    """The codebook in order with definitions and counts (of one coder's codings when `coder` is given)."""
    who = coder_id(db, coder) if coder else None
    counts = {r[0]: (r[1], r[2]) for r in db.execute(
        "SELECT code_id, count(*), count(DISTINCT document_id) FROM codings WHERE (? IS NULL OR coder_id = ?) GROUP BY code_id",
        [who, who])}
    cursor = db.execute("SELECT id, description, include, exclude, examples, keywords, organisation_id FROM codes")
    details = {r[0]: r for r in cursor.fetchall()}
    groups: dict[str, GroupEntry] = {}
    for name, description, exclusive in db.execute("SELECT name, description, exclusive FROM code_groups ORDER BY ordinal, id"):
        groups[name] = GroupEntry(name, description, bool(exclusive))
    for row in codebook_tree(db):
        _, description, include, exclude, examples, keywords, organisation = details[row["id"]]
        codings, documents = counts.get(row["id"], (0, 0))
        groups[row["group"]].codes.append(CodeEntry(
            name=row["code"], group=row["group"], depth=row["depth"], parent=row["parent"], key=row["key"],
            colour=row["colour"], description=description, include=include, exclude=exclude,
            examples=json.loads(examples or "[]"), keywords=[] if organisation else json.loads(keywords or "[]"),
            active=bool(row["active"]), codings=codings, documents=documents,
        ))
    return [g for g in groups.values() if g.codes]


def export_codebook(db: Database, exports_dir: Path, fmt: str = "md", *, coder: str | None = None,
                    output: Path | str | None = None, keep_both: bool = False, progress: Progress | None = None) -> Path:
    """Write the codebook as Markdown, Word or REFI-QDA `.qdc`; returns the path written."""
    check_format(fmt, FORMATS)
    path = export_target(exports_dir, ["codebook", coder], fmt, output, keep_both=keep_both)
    if fmt == "qdc":
        from coder.refi import write_qdc

        return write_qdc(db, path)
    groups = codebook_entries(db, coder=coder)
    title = setting(db, "title")
    with replacing(path) as temp:
        (_write_markdown if fmt == "md" else _write_docx)(groups, temp, title, coder)
    if progress:
        progress(1, 1)
    return path


def _facts(code: CodeEntry) -> str:
    parts = [f"{code.codings} coding{'s' * (code.codings != 1)} in {code.documents} document{'s' * (code.documents != 1)}"]
    if code.parent:
        parts.append(f"sub-code of {code.parent}")
    if code.key:
        parts.append(f"key {code.key}")
    if code.colour:
        parts.append(f"colour {code.colour}")
    if not code.active:
        parts.append("retired: no longer in the codebook file")
    return " · ".join(parts)


def _heading(title: str | None, coder: str | None) -> tuple[str, str]:
    heading = f"Codebook: {title}" if title else "Codebook"
    summary = f"exported {date.today().isoformat()}" + (f" · counts of {coder}'s codings" if coder else " · counts over all coders")
    return heading, summary


def _write_markdown(groups: list[GroupEntry], path: Path, title: str | None, coder: str | None) -> None:
    heading, summary = _heading(title, coder)
    total = sum(len(g.codes) for g in groups)
    out = [f"# {md_escape(heading)}", "", md_escape(f"{len(groups)} groups · {total} codes · {summary}"), ""]
    out += ["| group | code | codings | documents |", "|---|---|---:|---:|"]
    for group in groups:
        for code in group.codes:
            out.append(f"| {md_escape(group.name)} | {'  ' * code.depth}{md_escape(code.name)} | {code.codings} | {code.documents} |")
    out.append("")
    for group in groups:
        out += [f"## {md_escape(group.name)}", ""]
        if group.description:
            out += [md_escape(group.description), ""]
        if group.exclusive:
            out += ["*Exclusive: one code of this group per passage.*", ""]
        for code in group.codes:
            out += [f"{'#' * min(3 + code.depth, 6)} {md_escape(code.name)}", "", f"*{md_escape(_facts(code))}*", ""]
            if code.description:
                out += [md_escape(code.description), ""]
            for label, text in (("Include", code.include), ("Exclude", code.exclude)):
                if text:
                    out += [f"**{label}:** {md_escape(text)}", ""]
            if code.examples:
                out += ["**Examples:**", ""] + [f"- {md_escape(e)}" for e in code.examples] + [""]
            if code.keywords:
                out += [f"**Keywords:** {md_escape(', '.join(code.keywords))}", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def _write_docx(groups: list[GroupEntry], path: Path, title: str | None, coder: str | None) -> None:
    from coder.exports import word

    heading, summary = _heading(title, coder)
    document = word.new_document(heading, summary)
    facts = word.style(document, "Excerpt Citation")
    headings = [word.style(document, f"Heading {n}") for n in range(1, 7)]
    bullet = word.style(document, "List Bullet")
    table = document.add_table(rows=1, cols=4)
    table.style = word.style(document, "Table Grid")
    for cell, text in zip(table.rows[0].cells, ("group", "code", "codings", "documents")):
        cell.paragraphs[0].add_run(text).bold = True
    for group in groups:
        for code in group.codes:
            cells = table.add_row().cells
            for cell, value in zip(cells, (group.name, "  " * code.depth + code.name, code.codings, code.documents)):
                cell.text = word.clean(str(value))
    for group in groups:
        document.add_paragraph(word.clean(group.name), headings[0])
        if group.description:
            document.add_paragraph(word.clean(group.description))
        if group.exclusive:
            document.add_paragraph("Exclusive: one code of this group per passage.").runs[0].italic = True
        for code in group.codes:
            document.add_paragraph(word.clean(code.name), headings[min(1 + code.depth, 5)])
            document.add_paragraph(style=facts).add_run(word.clean(_facts(code))).font.small_caps = True
            if code.description:
                document.add_paragraph(word.clean(code.description))
            for label, rule in (("Include", code.include), ("Exclude", code.exclude)):
                if rule:
                    paragraph = document.add_paragraph()
                    paragraph.add_run(f"{label}: ").bold = True
                    paragraph.add_run(word.clean(rule))
            if code.examples:
                document.add_paragraph().add_run("Examples:").bold = True
                for example in code.examples:
                    document.add_paragraph(word.clean(example), bullet)
            if code.keywords:
                paragraph = document.add_paragraph()
                paragraph.add_run("Keywords: ").bold = True
                paragraph.add_run(word.clean(", ".join(code.keywords)))
    document.save(str(path))


def codebook_counts(db: Database) -> list[dict[str, Any]]:
    """Group, code, codings and documents per code (what the appendix's table shows)."""
    return [{"group": g.name, "code": c.name, "codings": c.codings, "documents": c.documents}
            for g in codebook_entries(db) for c in g.codes]
