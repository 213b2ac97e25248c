"""Word documents for the exports: the styles they share, a table-of-contents field, quoted paragraphs.

Only the export writers import this module, and it imports python-docx (≈0.2 s) at the top
because it is never loaded otherwise. Excerpts use Word's built-in "Quote" style, so a
researcher's own template restyles them; citations, context and memos get small named styles
("Excerpt Citation", "Excerpt Context", "Excerpt Memo") that can be changed the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML: Word would refuse the file


def new_document(title: str, summary: str | None = None, *, toc: bool = True) -> Any:
    """A document with a title, an optional summary line, a table-of-contents field and our styles."""
    document = docx.Document()
    _add_styles(document)
    document.core_properties.title = title
    document.add_paragraph(clean(title), style(document, "Title"))
    if summary:
        document.add_paragraph(clean(summary), style(document, "Excerpt Context"))
    if toc:
        add_toc(document)
    return document


def style(document: Any, name: str) -> Any:
    """A style object (passing objects, not names, keeps python-docx from searching the styles each time)."""
    return document.styles[name]


def _add_styles(document: Any) -> None:
    styles = document.styles
    grey = RGBColor(0x59, 0x59, 0x59)
    for name, size, italic, colour in (("Excerpt Context", 9, True, grey), ("Excerpt Citation", 9, False, grey),
                                       ("Excerpt Memo", 9, False, None)):
        added = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        added.base_style = styles["Normal"]
        added.font.size = Pt(size)
        added.font.italic = italic
        if colour is not None:
            added.font.color.rgb = colour
        added.paragraph_format.left_indent = Pt(36) if name != "Excerpt Memo" else Pt(18)
        added.paragraph_format.space_after = Pt(8)
        added.quick_style = True


def add_toc(document: Any, levels: str = "1-2") -> None:
    """A TOC field that Word fills in on opening (the document asks Word to update its fields)."""
    paragraph = document.add_paragraph()
    parts = [("fldChar", "begin"), ("instrText", f'TOC \\o "{levels}" \\h \\z \\u'), ("fldChar", "separate"),
             ("t", "Table of contents: right-click here and choose Update Field if it is not filled in."),
             ("fldChar", "end")]
    for tag, value in parts:
        run = paragraph.add_run()
        element = OxmlElement(f"w:{tag}")
        if tag == "fldChar":
            element.set(qn("w:fldCharType"), value)
        else:
            element.set(qn("xml:space"), "preserve")
            element.text = value
        run._r.append(element)
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)


def clean(text: str) -> str:
    """Text without the control characters XML (and so Word) does not allow."""
    return _CONTROL.sub("", text)


def paragraphs(text: str) -> list[str]:
    """A quote as Word paragraphs: one per paragraph of the transcript, line breaks inside kept as spaces."""
    chunks = [" ".join(part.split("\n")).strip() for part in re.split(r"\n\s*\n", clean(text))]
    return [c for c in chunks if c] or [""]


RUN_PROPERTIES = {"bold": "<w:b/>", "italic": "<w:i/>", "small_caps": "<w:smallCaps/>"}


class Paragraphs:
    """Adds paragraphs as XML in bulk: python-docx's add_paragraph looks for the section properties
    at the end of the body on every call, which makes 50,000 paragraphs take minutes."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.pending: list[str] = []

    def add(self, text: str, style: Any = None, *, runs: list[tuple[str, tuple[str, ...]]] | None = None) -> None:
        """One paragraph in `style` (a style object), of `text` or of `runs` ((text, ("bold", …)), …)."""
        properties = f'<w:pPr><w:pStyle w:val={quoteattr(style.style_id)}/></w:pPr>' if style is not None else ""
        content = "".join(
            f'<w:r>{"<w:rPr>" + "".join(RUN_PROPERTIES[f] for f in flags) + "</w:rPr>" if flags else ""}'
            f'<w:t xml:space="preserve">{escape(clean(part))}</w:t></w:r>'
            for part, flags in (runs if runs is not None else [(text, ())]))
        self.pending.append(f"<w:p>{properties}{content}</w:p>")
        if len(self.pending) >= 2000:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        body = self.document.element.body
        fragment = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self.pending)}</w:body>")
        anchor = body.sectPr
        for paragraph in list(fragment):
            if anchor is not None:
                anchor.addprevious(paragraph)
            else:
                body.append(paragraph)
        self.pending.clear()


@contextmanager
def bulk(document: Any) -> Iterator[Paragraphs]:
    """`with bulk(document) as out: out.add(...)`: paragraphs appended fast, in order, at the end."""
    writer = Paragraphs(document)
    yield writer
    writer.flush()
