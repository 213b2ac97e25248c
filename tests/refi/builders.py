"""What the REFI-QDA tests build: studies to import into, and project files with the quirks of other tools or of attackers."""

from __future__ import annotations

import zipfile
from pathlib import Path

from coder.study import connect_study
from tests.export_study import EMPTY_CODEBOOK


def fresh(make_study, codebook: str = EMPTY_CODEBOOK, name: str = "fresh"):
    study = make_study(documents={}, codebook=codebook, organisations=None, name=name)
    return study, connect_study(study)


def state(study) -> tuple[bytes, bytes]:
    """The study's database (main file and write-ahead log) and codebook, byte for byte."""
    db_bytes = b"".join(p.read_bytes() for p in (study.db_path, study.db_path.with_name("study.db-wal")) if p.exists())
    return db_bytes, (study.codebook_dir / "codebook.yaml").read_bytes()


def make_qdpx(path: Path, qde: str | bytes, files: dict[str, bytes] | None = None, qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, qde.encode("utf-8") if isinstance(qde, str) else qde)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def project_xml(sources: str = "", codes: str = "", users: str = "", extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="test">'
            f"{users}<CodeBook><Codes>{codes}</Codes></CodeBook><Sources>{sources}</Sources>{extra}</Project>")


G = [f"00000000-0000-4000-8000-{n:012d}" for n in range(40)]
ONE_CODE = f'<Code guid="{G[1]}" name="mangos" isCodable="true" color="#FF8800"/>'


RAW = "Interviewer: Hi 😀 there\r\nFarmer: We sell mangos 😀😀 abroad, cafe\u0301 owners too\r\nEnd of notes\r\n"


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def nvivo_like(tmp_path: Path, folder: str = "Sources", qde_name: str = "project.qde", named: bool = False) -> Path:
    spans = []
    for quoted in ("We sell mangos", "abroad", "owners too", "End of notes"):
        start = utf16(RAW[: RAW.index(quoted)])
        spans.append((quoted, start, start + utf16(quoted)))
    selections = "".join(
        f'<PlainTextSelection guid="{G[10 + n]}" name="{q if named else ""}" startPosition="{s}" endPosition="{e}">'
        f'<Description/><Coding guid="{G[20 + n]}" creatingUser="{G[2]}"><CodeRef targetGUID="{G[1]}"/></Coding></PlainTextSelection>'
        for n, (q, s, e) in enumerate(spans))
    source = f'<TextSource guid="{G[3]}" name="notes.txt" plainTextPath="internal://{G[3]}.txt"><Description/>{selections}</TextSource>'
    xml = project_xml(source, ONE_CODE, f'<Users><User guid="{G[2]}" name="Gergo"/></Users>')
    return make_qdpx(tmp_path / "nvivo.qdpx", xml, {f"{folder}/{G[3]}.txt": b"\xef\xbb\xbf" + RAW.encode("utf-8")}, qde_name)


def hostile_zip(path: Path, name: str, data: bytes = b"x", *, symlink: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project_xml())
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = (0o120777 << 16)
        archive.writestr(info, data)
    return path


def laughs() -> str:
    entities = '<!ENTITY lol "lol">' + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
                                               for n in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE Project [{entities}]><Project xmlns="urn:QDA-XML:project:1.0" name="&lol9;"/>'


def bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml())
        archive.writestr(f"sources/{G[3]}.txt", b"\0" * 1_500_000)  # 1,000 times its packed size
    return path
