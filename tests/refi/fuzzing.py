"""Mutated REFI-QDA projects for fuzzing the reader: one valid project, and ways to break it.

Each mutation takes the project's entries and a `random.Random` (hypothesis hands one over in
the test, so failures shrink; `tests/bench/fuzz_refi.py` seeds its own) and returns the bytes
of a `.qdpx` file. `attempt` imports one into a study and says how it ended; anything but a
clean refusal that left the study as it was, or an import the doctor has nothing new to say
about, is a failure.
"""

from __future__ import annotations

import io
import random
import re
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

from coder.doctor import examine
from coder.errors import CoderError
from coder.refi import import_refi
from tests.refi.builders import RAW, G, project_xml, state, utf16

Entries = dict[str, bytes]


def valid_project() -> Entries:
    """A small project that imports cleanly: a code folder and a code, two users, a source counted in UTF-16 units with
    CRLF (as NVivo does), an inline source, notes, a variable and a case."""
    spans = []
    for quoted in ("We sell mangos", "abroad", "owners too"):
        start = utf16(RAW[: RAW.index(quoted)])
        spans.append((start, start + utf16(quoted)))
    selections = "".join(
        f'<PlainTextSelection guid="{G[10 + n]}" startPosition="{s}" endPosition="{e}"><Description>quote {n}</Description>'
        f'<Coding guid="{G[20 + n]}" creatingUser="{G[2 + n % 2]}"><CodeRef targetGUID="{G[5 + n % 2]}"/>'
        f'<NoteRef targetGUID="{G[30]}"/></Coding></PlainTextSelection>' for n, (s, e) in enumerate(spans))
    sources = (f'<TextSource guid="{G[8]}" name="notes.txt" plainTextPath="internal://{G[8]}.txt">{selections}'
               f'<VariableValue><VariableRef targetGUID="{G[31]}"/><IntegerValue>42</IntegerValue></VariableValue></TextSource>'
               f'<TextSource guid="{G[9]}" name="inline"><PlainTextContent>Ana: we grow limes.\n\nBen: and sell them.'
               f'</PlainTextContent><PlainTextSelection guid="{G[15]}" startPosition="5" endPosition="19"><Coding'
               f' guid="{G[25]}"><CodeRef targetGUID="{G[6]}"/></Coding></PlainTextSelection></TextSource>')
    codes = (f'<Code guid="{G[4]}" name="trade" isCodable="false"><Description>Trade.</Description>'
             f'<Code guid="{G[5]}" name="selling" isCodable="true" color="#FF8800"/></Code>'
             f'<Code guid="{G[6]}" name="growing" isCodable="true"><Code guid="{G[7]}" name="limes" isCodable="true"/></Code>')
    users = f'<Users><User guid="{G[2]}" name="ana"/><User guid="{G[3]}" name="ben"/></Users>'
    extra = (f'<Notes><Note guid="{G[30]}" name="Why"><PlainTextContent>fresh</PlainTextContent></Note></Notes>'
             f'<Cases><Case guid="{G[32]}" name="farm"><SourceRef targetGUID="{G[8]}"/></Case></Cases>')
    xml = project_xml(sources, codes, users, extra).replace(
        "<Sources>", f'<Variables><Variable guid="{G[31]}" name="age" typeOfVariable="Integer"/></Variables><Sources>')
    return {"project.qde": xml.encode("utf-8"), f"sources/{G[8]}.txt": RAW.encode("utf-8")}


def zipped(entries: Entries) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _cut(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _splice(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randrange(1, 9)) + data[at + rng.randrange(0, 9):]


def _sub_nth(pattern: str, data: bytes, rng: random.Random, replace: Callable[[re.Match[str]], str]) -> bytes:
    text = data.decode("utf-8")
    matches = list(re.finditer(pattern, text))
    if not matches:
        return data
    match = rng.choice(matches)
    return (text[: match.start()] + replace(match) + text[match.end():]).encode("utf-8")


def truncated_zip(entries: Entries, rng: random.Random) -> bytes:
    return _cut(zipped(entries), rng)


def damaged_zip(entries: Entries, rng: random.Random) -> bytes:
    data = bytearray(zipped(entries))
    for _ in range(rng.randrange(1, 6)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def truncated_entry(entries: Entries, rng: random.Random) -> bytes:
    name = rng.choice(sorted(entries))
    return zipped({**entries, name: _cut(entries[name], rng)})


def random_bytes_in_xml(entries: Entries, rng: random.Random) -> bytes:
    return zipped({**entries, "project.qde": _splice(entries["project.qde"], rng)})


def random_bytes_in_text(entries: Entries, rng: random.Random) -> bytes:
    name = f"sources/{G[8]}.txt"
    return zipped({**entries, name: _splice(entries[name], rng)})


def impossible_offset(entries: Entries, rng: random.Random) -> bytes:
    value = rng.choice([-1, -(10**6), 0, 10**6, 10**12, rng.randrange(-50, 200)])
    xml = _sub_nth(r'(start|end)Position="[^"]*"', entries["project.qde"], rng, lambda m: f'{m.group(1)}Position="{value}"')
    return zipped({**entries, "project.qde": xml})


def wrong_units(entries: Entries, rng: random.Random) -> bytes:
    """The text changed under its positions: CRLF made LF, an emoji added or taken away, or the text as UTF-16."""
    name = f"sources/{G[8]}.txt"
    text = entries[name].decode("utf-8")
    text = rng.choice([text.replace("\r\n", "\n"), text.replace("😀", ""), "😀" * rng.randrange(1, 4) + text,
                       text.replace("\n", "\r\n")])
    raw = text.encode("utf-16") if rng.random() < 0.3 else text.encode("utf-8")
    return zipped({**entries, name: raw})


def deleted_attribute(entries: Entries, rng: random.Random) -> bytes:
    return zipped({**entries, "project.qde": _sub_nth(r' [A-Za-z]+="[^"]*"', entries["project.qde"], rng, lambda m: "")})


def deleted_element(entries: Entries, rng: random.Random) -> bytes:
    pattern = r"<(Code|CodeRef|Coding|User|Note|NoteRef|TextSource|PlainTextSelection|Variable|VariableRef|SourceRef)\b[^>]*/>"
    return zipped({**entries, "project.qde": _sub_nth(pattern, entries["project.qde"], rng, lambda m: "")})


def duplicated_guid(entries: Entries, rng: random.Random) -> bytes:
    guid = rng.choice(G[2:33])
    return zipped({**entries, "project.qde": _sub_nth(r'(guid|GUID)="[^"]*"', entries["project.qde"], rng,
                                                      lambda m: f'{m.group(1)}="{guid}"')})


MUTATIONS: dict[str, Callable[[Entries, random.Random], bytes]] = {
    f.__name__: f for f in (truncated_zip, damaged_zip, truncated_entry, random_bytes_in_xml, random_bytes_in_text,
                            impossible_offset, wrong_units, deleted_attribute, deleted_element, duplicated_guid)
}


def attempt(study, db, path: Path, *, skip_bad: bool) -> tuple[str, str]:
    """Import one file; ('refused' | 'imported' | 'failed', detail). A refusal must be one line and leave the study
    byte for byte as it was; an import must leave the doctor nothing new to say."""
    before, findings = state(study), {(f.check, f.message) for f in examine(study, db, quick=True)}
    try:
        import_refi(db, study, path, skip_bad=skip_bad)
    except CoderError as error:
        if "\n" in str(error):
            return "failed", f"a refusal over several lines: {error}"
        if state(study) != before:
            return "failed", f"refused, but the study changed: {error}"
        return "refused", str(error)
    except Exception:  # noqa: BLE001 — exactly what the fuzzer looks for
        return "failed", traceback.format_exc()
    new = {(f.check, f.message) for f in examine(study, db, quick=True)} - findings
    return ("failed", f"imported, but the doctor says: {sorted(new)}") if new else ("imported", "")
