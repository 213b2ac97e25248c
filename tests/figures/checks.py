"""Reading back what a figure file holds, without the library that drew it: SVG text, PDF page size, PNG pixels."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"
POINTS_PER_CM = 72 / 2.54


def svg_texts(path: Path) -> list[str]:
    """Every <text> of an SVG (it must parse), whitespace collapsed."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return [" ".join("".join(node.itertext()).split()) for node in root.iter(f"{SVG}text")]


def pdf_page(path: Path) -> tuple[float, float]:
    """A one-page PDF's MediaBox (width, height) in points; the file must look whole."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in data  # the TrueType font embedded (pdf.fonttype 42): the PDF opens anywhere
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert len(boxes) == 1, boxes
    return float(boxes[0][0]), float(boxes[0][1])


def png_size(path: Path) -> tuple[int, int]:
    """A PNG's width and height from its IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_page(path: Path, width_cm: float, height_cm: float, *, within_cm: float = 0.0) -> None:
    """The PDF's page is this size, to half a point (and `within_cm`, for a height read as printed, to 0.1 cm)."""
    width, height = pdf_page(path)
    assert abs(width - width_cm * POINTS_PER_CM) < 0.5, (width, width_cm)
    assert abs(height - height_cm * POINTS_PER_CM) < 0.5 + within_cm * POINTS_PER_CM, (height, height_cm)
