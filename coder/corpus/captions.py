"""Caption files: WebVTT (.vtt) and SubRip (.srt) transcripts, read into speaker turns with their times.

Video-call tools export captions, one short timed cue after another; a passage is a speaker's
run of consecutive cues, with the time span it covers kept as its `begin` and `end` attributes.
"""

from __future__ import annotations

import re
from typing import Any

from coder.corpus.passages import Passage
from coder.errors import CoderError

TIMING = re.compile(
    r"^(?P<begin>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s.*)?$"
)
VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+(?P<name>[^>]+)>")
NAMED = re.compile(r"^(?:\[(?P<bracket>[^\]]{1,40})\]:?|(?P<colon>[^:\n]{1,40}?):)\s+")


def read_captions(text: str, where: str, suffix: str) -> tuple[dict[str, Any], str, int, list[Passage]]:
    """WebVTT / SubRip: consecutive cues of one speaker become one passage with its time span."""
    lines = text.split("\n")
    if suffix == ".vtt" and not lines[0].startswith("WEBVTT"):
        raise CoderError("a WebVTT file must start with WEBVTT", where=f"{where}:1", fix="add the line WEBVTT at the top")
    cues: list[tuple[str | None, str, str, str]] = []  # speaker, text, begin, end
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if line.startswith(("NOTE", "STYLE", "REGION")) and suffix == ".vtt":
            while index < len(lines) and lines[index].strip():
                index += 1
            continue
        match = TIMING.match(line)
        if match is None:
            if "-->" in line:
                raise CoderError(f"bad cue timing '{line}'", where=f"{where}:{index + 1}", fix="write it as 00:00:01.000 --> 00:00:04.000")
            index += 1
            continue
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip():
            body.append(lines[index].strip())
            index += 1
        speaker, words = _cue_speaker(" ".join(body))
        if words:
            cues.append((speaker, words, match["begin"].replace(",", "."), match["end"].replace(",", ".")))
    if not cues:
        raise CoderError("has no cues with text", where=where, fix="check that the file has timed cues (00:00:01.000 --> ...)")
    turns: list[list] = []
    for speaker, words, begin, end in cues:
        if turns and speaker is not None and turns[-1][0] == speaker:
            turns[-1][1].append(words)
            turns[-1][3] = end
        else:
            turns.append([speaker, [words], begin, end])
    parts: list[str] = []
    passages: list[Passage] = []
    offset = 0
    for speaker, words, begin, end in turns:
        label = f"{speaker}: " if speaker else ""
        content = " ".join(words)
        passages.append(Passage(offset + len(label), offset + len(label) + len(content), speaker, {"begin": begin, "end": end}))
        parts.append(label + content + "\n\n")
        offset += len(parts[-1])
    return {}, "".join(parts).rstrip("\n") + "\n", 1, passages


def _cue_speaker(text: str) -> tuple[str | None, str]:
    voice = VOICE.match(text)
    if voice:
        return voice["name"].strip(), re.sub(r"<[^>]+>", "", text[voice.end():]).strip()
    text = re.sub(r"<[^>]+>", "", text).strip()
    named = NAMED.match(text)
    if named and len((named["bracket"] or named["colon"]).split()) <= 4:
        return (named["bracket"] or named["colon"]).strip(), text[named.end():].strip()
    return None, text
