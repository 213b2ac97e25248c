"""Coded excerpts written out: grouped by code then document as Markdown or Word, or one row each
in Excel, CSV or JSON lines, each with its citation, co-applied codes and memo.

`coder.exports.excerpts.write_excerpts` picks the writer; each writes to the temporary file it is
given, reporting progress, and the caller moves the finished file into place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from coder.exports.cells import csv_writer
from coder.exports.excerpts import COLUMNS, Excerpt, ExcerptSet
from coder.exports.files import Progress, blockquote, md_escape


def _summary(found: ExcerptSet) -> str:
    documents = len({e.document for e in found.items})
    parts = [f"{len(found.items)} excerpt{'s' * (len(found.items) != 1)} from {documents} document{'s' * (documents != 1)}",
             *found.filters, f"exported {date.today().isoformat()}"]
    if found.study:
        parts.insert(0, f"study: {found.study}")
    return " · ".join(parts)


def _by_document(items: list[Excerpt]) -> list[tuple[str, list[Excerpt]]]:
    groups: dict[str, list[Excerpt]] = {}
    for item in items:
        groups.setdefault(item.document, []).append(item)
    return list(groups.items())


def _coded_by(excerpt: Excerpt) -> str:
    """`coded by ana, ben · as Prices (ana)`: the coders, and the sub-codes the excerpt was coded with."""
    text = f"coded by {excerpt.coder}"
    return text + (f" · as {', '.join(excerpt.sub_codes)}" if excerpt.sub_codes else "")


def _by(who: str) -> str:
    return f" ({who})" if who else ""


def _code_title(path: str) -> tuple[str, str]:
    group, _, name = path.partition("/")
    return name, group


def write_markdown(found: ExcerptSet, path: Path, progress: Progress) -> None:
    out = [f"# {md_escape(found.heading)}", "", md_escape(_summary(found)), ""]
    done, total = 0, len(found.items)
    names = {p: md_escape(_code_title(p)[0]) for p in found.code_order}
    for code_path, items in found.by_code():
        name, group = _code_title(code_path)
        out += [f"## {md_escape(name)} ({md_escape(group)}) — {len(items)} excerpt{'s' * (len(items) != 1)}", ""]
        for document, excerpts in _by_document(items):
            title = excerpts[0].title
            out += [f"### {md_escape(document)}" + (f" — {md_escape(title)}" if title and title != document else ""), ""]
            for excerpt in excerpts:
                if excerpt.before:
                    out += [f"*Before (¶ {excerpt.first_passage - 1}):* {md_escape(excerpt.before)}", ""]
                out += [blockquote(excerpt.text), ""]
                if excerpt.after:
                    out += [f"*After (¶ {excerpt.last_passage + 1}):* {md_escape(excerpt.after)}", ""]
                line = f"— {md_escape(excerpt.citation)} · {md_escape(_coded_by(excerpt))}"
                if excerpt.also_coded:
                    line += " · also coded: " + ", ".join(excerpt.also_named(names.__getitem__))
                out += [line, ""]
                for who, memo in excerpt.named_memos():
                    out += [f"**Memo{_by(who)}:** {md_escape(memo)}", ""]
                done += 1
            progress(done, total)
    if not found.items:
        out += ["*No excerpts match.*", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def write_csv(found: ExcerptSet, path: Path, progress: Progress) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:  # the BOM makes Excel read UTF-8
        writer = csv_writer(handle)
        writer.writerow(COLUMNS)
        for done, excerpt in enumerate(found.items, 1):
            writer.writerow(excerpt.cells())
            if done % 5000 == 0:
                progress(done, len(found.items))
    progress(len(found.items), len(found.items))


def write_jsonl(found: ExcerptSet, path: Path, progress: Progress) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for excerpt in found.items:
            record = excerpt.row()
            record["also_coded"] = list(excerpt.also_coded)
            record["also_coded_by"] = list(excerpt.also_by or [""] * len(excerpt.also_coded))
            record["sub_codes"] = list(excerpt.sub_codes)
            record["coders"] = list(excerpt.coders)
            record["code_path"] = excerpt.code_path
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    progress(len(found.items), len(found.items))


WIDTHS = {"quote": 80, "memo": 40, "context_before": 40, "context_after": 40, "citation": 40, "title": 30, "also_coded": 30}


def sheet_names(titles: Sequence[str], reserved: Sequence[str] = ("all",)) -> list[str]:
    """Excel sheet names for the titles: at most 31 characters, no []:*?/\\, unique ignoring case."""
    taken = {r.lower() for r in reserved}
    names = []
    for title in titles:
        base = "".join("-" if c in "[]:*?/\\" else c for c in title).strip("' ")[:31] or "sheet"
        name, number = base, 2
        while name.lower() in taken:
            suffix = f" {number}"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        taken.add(name.lower())
        names.append(name)
    return names


def write_xlsx(found: ExcerptSet, path: Path, progress: Progress) -> None:
    from coder.exports.spreadsheet import Sheet, prepare_row, write_xlsx

    widths = [WIDTHS.get(c, 14) for c in COLUMNS]
    parts = {}
    for done, excerpt in enumerate(found.items, 1):
        parts[id(excerpt)] = prepare_row(excerpt.cells())
        if done % 10_000 == 0:
            progress(done, len(found.items))
    sheets = [Sheet("all", COLUMNS, [parts[id(e)] for e in found.items], len(found.items), widths, prepared=True)]
    groups = found.by_code()
    for name, (_, items) in zip(sheet_names([_code_title(p)[0] for p, _ in groups]), groups):
        sheets.append(Sheet(name, COLUMNS, [parts[id(e)] for e in items], len(items), widths, prepared=True))
    write_xlsx(path, sheets, title=found.heading)
    progress(len(found.items), len(found.items))


def write_docx(found: ExcerptSet, path: Path, progress: Progress) -> None:
    from coder.exports import word

    document = word.new_document(found.heading, _summary(found))
    quote = word.style(document, "Quote")
    context, citation, memo = (word.style(document, name) for name in ("Excerpt Context", "Excerpt Citation", "Excerpt Memo"))
    heading1, heading2 = word.style(document, "Heading 1"), word.style(document, "Heading 2")
    done, total = 0, len(found.items)
    with word.bulk(document) as out:
        for code_path, items in found.by_code():
            name, group = _code_title(code_path)
            out.add(f"{name} ({group}) — {len(items)} excerpt{'s' * (len(items) != 1)}", heading1)
            for doc_name, excerpts in _by_document(items):
                title = excerpts[0].title
                out.add(doc_name + (f" — {title}" if title and title != doc_name else ""), heading2)
                for excerpt in excerpts:
                    if excerpt.before:
                        out.add(f"Before (¶ {excerpt.first_passage - 1}): {excerpt.before}", context)
                    for paragraph in word.paragraphs(excerpt.text):
                        out.add(paragraph, quote)
                    if excerpt.after:
                        out.add(f"After (¶ {excerpt.last_passage + 1}): {excerpt.after}", context)
                    extra = f" · {_coded_by(excerpt)}"
                    if excerpt.also_coded:
                        extra += " · also coded: " + ", ".join(excerpt.also_named(lambda p: _code_title(p)[0]))
                    out.add("", citation, runs=[(excerpt.citation, ("small_caps",)), (extra, ())])
                    for who, text in excerpt.named_memos():
                        first, *rest = word.paragraphs(text)
                        out.add("", memo, runs=[(f"Memo{_by(who)}: ", ("bold",)), (first, ())])
                        for paragraph in rest:
                            out.add(paragraph, memo)
                    done += 1
                progress(done, total)
        if not found.items:
            out.add("No excerpts match.")
    document.save(str(path))


WRITERS = {"md": write_markdown, "docx": write_docx, "xlsx": write_xlsx, "csv": write_csv, "jsonl": write_jsonl}
