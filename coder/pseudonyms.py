"""Pseudonyms for exports that leave the team: people's names (and, if chosen, organisations') replaced by stable stand-ins.

Who is hidden: every speaker label that is not a role (`ANA:` is a person; `INTERVIEWER:`, `RESPONDENT:`,
`SPEAKER (SENASA PIURA):`, `PRESIDENT OF APEM:` are roles), the people named in the front matter (`interviewee`,
`interviewer(s)`, `speakers`, `participants`, `informant`, fields ending in `_name`…), the people listed in the
study's `names.yaml`, and, with `organisations`, every organisation of the codebook with its full name and aliases.
A name is replaced wherever it stands as a word, in any case, with or without its accents. Each name keeps its
pseudonym from one export to the next: the pseudonyms are kept in `pseudonym-key.yaml` at the study's root (never
in exports/), which reverses them. The study itself is only read.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coder.db import Database
from coder.errors import CoderError
from coder.exports.files import replacing
from coder.text import fold
from coder.turns import INTERVIEWER_LABELS

NAMES_FILE = "names.yaml"  # at the study's root: the people to hide that the transcripts do not name as speakers
KEY_FILE = "pseudonym-key.yaml"  # at the study's root: the key that reverses the pseudonyms
PEOPLE_WORDS = frozenset({"interviewee", "interviewer", "speaker", "participant", "respondent", "informant", "moderator",
                          "transcriber", "person", "people", "name", "entrevistado", "entrevistada", "entrevistador",
                          "entrevistadora", "participante"})
ROLE_WORDS = INTERVIEWER_LABELS | frozenset({
    "respondent", "interviewee", "entrevistado", "entrevistada", "entrevistados", "participant", "participante",
    "speaker", "orador", "oradora", "ponente", "other", "otro", "otra", "notes", "note", "nota", "notas", "question",
    "questions", "pregunta", "floor", "audience", "publico", "public", "voice", "voz", "voices", "unknown", "unidentified",
    "inaudible", "all", "everyone", "todos", "group", "grupo", "translator", "interpreter", "traductor", "traductora",
    "interprete", "facilitator", "facilitador", "facilitadora", "president", "presidente", "presidenta", "manager",
    "gerente", "director", "directora", "chair", "secretary", "secretario", "secretaria", "man", "woman", "male", "female",
    "hombre", "mujer", "representative", "representante", "member", "miembro", "grower", "producer", "productor",
    "productora", "exporter", "exportador", "exportadora", "of", "from", "a", "b", "p", "r", "s",
})
_DECORATION = re.compile(r"\(.*?\)|\[.*?\]|[\d#]+")
_WORDS = re.compile(r"[\s_-]+")
_WORD = re.compile(r"\w+")


@dataclass
class Hidden:
    """One person or organisation to hide: its name, the other spellings that mean it, and its pseudonym."""

    name: str
    kind: str  # "person" or "organisation"
    spellings: list[str] = field(default_factory=list)
    pseudonym: str = ""
    match_case: bool = False

    def exact(self) -> set[str]:
        """The spellings as written, spaces evened out (a `match_case` organisation is hidden only when written so)."""
        return {" ".join(_WORDS.split(s)) for s in self.spellings}


def _key(text: str) -> str:
    """How two spellings are compared: case, accents and the spaces, dashes or underscores between words ignored."""
    return " ".join(_WORDS.split(fold(text))).strip()


def _label_name(label: str) -> str:
    """A speaker label without its decoration (`ANA (PRESIDENT) 2` → `ANA`)."""
    return " ".join(_DECORATION.sub(" ", label).split()).strip(" .:")


def is_role(label: str, keep: Iterable[str] = ()) -> bool:
    """True when a speaker label names a role, not a person: one of its words is a role word, or it is a letter."""
    words = _key(_label_name(label)).replace(".", " ").split()
    return not words or len("".join(words)) <= 2 or any(w in ROLE_WORDS for w in words) or _key(label) in set(keep)


def is_people_field(key: str, extra: Iterable[str] = ()) -> bool:
    """Front-matter fields that name people: `interviewee`, `interviewers`, `participant_names`, `mother_name`…"""
    plain = key.lower()
    if plain in {k.lower() for k in extra}:
        return True
    stem = re.sub(r"(_names?|s)$", "", plain)
    return stem in PEOPLE_WORDS or plain.endswith("_name") and not plain.startswith(("organi", "file", "project", "study", "code"))


class Pseudonyms:
    """The names to hide in one export, each with its pseudonym, and the text with them replaced."""

    def __init__(self, hidden: list[Hidden], key_path: Path) -> None:
        self.hidden = hidden
        self.key_path = key_path
        self._replaced: dict[str, str] = {}
        self._by_key = {_key(s): h for h in hidden for s in h.spellings}
        by_first: dict[str, list[str]] = {}
        for item in hidden:
            for spelling in item.spellings:
                words = _WORD.findall(spelling.translate(FOLD))
                if words:
                    by_first.setdefault(words[0], []).append(spelling)
        self._firsts = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(by_first, key=len, reverse=True))) + r")(?!\w)") \
            if by_first else None
        self._starting = {word: re.compile("(?:" + "|".join(  # longest first, so `Ana García` wins over `Ana`
            _pattern(s) for s in sorted(found, key=len, reverse=True)) + r")(?!\w)") for word, found in by_first.items()}

    def _matches(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, pseudonym) of each hidden name in `text`, found in its folded copy (same offsets)."""
        if self._firsts is None:
            return
        folded, reach = text.translate(FOLD), 0
        for word in self._firsts.finditer(folded):
            if word.start() < reach:
                continue
            match = self._starting[word.group()].match(folded, word.start())
            if match is None:
                continue
            written = text[match.start():match.end()]
            item = self._by_key.get(_key(written))
            if item is None or item.match_case and " ".join(_WORDS.split(written)) not in item.exact():
                continue
            reach = match.end()
            yield match.start(), match.end(), item.pseudonym

    def replace(self, text: str) -> str:
        """`text` with every hidden name replaced by its pseudonym (each text once: an export repeats its codes',
        coders' and documents' names on every excerpt)."""
        if not text or not self._starting:
            return text
        done = self._replaced.get(text)
        if done is None:
            done = self._replaced[text] = self.replace_mapped(text)[0]
        return done

    def replace_mapped(self, text: str) -> tuple[str, Shifts]:
        """`text` with the names replaced, and where each old offset lands in the new text."""
        shifts = Shifts()
        out, last, delta = [], 0, 0
        for start, end, pseudonym in self._matches(text):
            out += [text[last:start], pseudonym]
            shifts.add(start, end, start + delta, start + delta + len(pseudonym))
            delta += len(pseudonym) - (end - start)
            last = end
        if not out:
            return text, shifts
        out.append(text[last:])
        return "".join(out), shifts

    def names(self) -> list[str]:
        """Every spelling hidden (for checking an export)."""
        return [s for h in self.hidden for s in h.spellings]


@dataclass
class Shifts:
    """Where the offsets of a text land after names in it were replaced: a span's start or end inside a
    replaced name moves to the start or end of its pseudonym."""

    old_starts: list[int] = field(default_factory=list)
    old_ends: list[int] = field(default_factory=list)
    new_starts: list[int] = field(default_factory=list)
    new_ends: list[int] = field(default_factory=list)

    def add(self, old_start: int, old_end: int, new_start: int, new_end: int) -> None:
        self.old_starts.append(old_start)
        self.old_ends.append(old_end)
        self.new_starts.append(new_start)
        self.new_ends.append(new_end)

    def start(self, offset: int) -> int:
        """The new offset of a span starting at `offset`."""
        index = bisect.bisect_right(self.old_starts, offset) - 1
        if index < 0:
            return offset
        if offset < self.old_ends[index]:
            return self.new_starts[index]
        return self.new_ends[index] + offset - self.old_ends[index]

    def end(self, offset: int) -> int:
        """The new offset of a span ending at `offset`."""
        index = bisect.bisect_left(self.old_starts, offset) - 1
        if index < 0:
            return offset
        if offset < self.old_ends[index]:
            return self.new_ends[index]
        return self.new_ends[index] + offset - self.old_ends[index]


def _fold_table() -> dict[int, str]:
    """Each Latin letter to its lower-case form without accents, one character for one, so offsets stay put."""
    table = {}
    for code in range(0x41, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFD", char.lower())[0]
        if base != char and len(char.lower()) == 1:
            table[code] = base
    return table


FOLD = _fold_table()


def _pattern(spelling: str) -> str:
    """A regex for a folded spelling, any of space/dash/underscore between its words."""
    return r"[\s_-]+".join(re.escape(w) for w in _WORDS.split(spelling.translate(FOLD).strip()) if w)


# Finding the names ------------------------------------------------------------------------------


def load_pseudonyms(db: Database, root: Path, *, organisations: bool = False) -> Pseudonyms:
    """The names to hide in this study's exports with their pseudonyms (from the key, new ones added to it)."""
    listed = _read_yaml(root / NAMES_FILE) or {}
    if not isinstance(listed, dict):
        raise CoderError(f"{NAMES_FILE} must hold 'people:', 'keep:' or 'fields:' lists", where=str(root / NAMES_FILE))
    keep = [_key(str(k)) for k in listed.get("keep") or []]
    extra_fields = [str(f) for f in listed.get("fields") or []]
    hidden: list[Hidden] = []
    known: dict[str, Hidden] = {}

    def add(name: str, kind: str, also: Iterable[str] = (), pseudonym: str = "", match_case: bool = False) -> None:
        spellings = [s for s in dict.fromkeys([name, *also]) if _key(s)]
        existing = next((known[_key(s)] for s in spellings if _key(s) in known), None)
        if existing is None:
            existing = Hidden(name, kind, [], pseudonym, match_case)
            hidden.append(existing)
        existing.pseudonym = pseudonym or existing.pseudonym
        for spelling in spellings:
            if _key(spelling) not in known:
                known[_key(spelling)] = existing
                existing.spellings.append(spelling)

    organisation_keys: set[str] = set()
    for name, full_name, aliases, match_case in db.execute("SELECT name, full_name, aliases, match_case FROM organisations ORDER BY name"):
        spellings = [name, *([full_name] if full_name else []), *json.loads(aliases or "[]")]
        organisation_keys |= {_key(s) for s in spellings}
        if organisations:
            add(name, "organisation", spellings, match_case=bool(match_case))
    for entry in listed.get("people") or []:
        if isinstance(entry, dict) and entry.get("name"):
            add(str(entry["name"]), "person", [str(a) for a in entry.get("also") or []], str(entry.get("pseudonym") or ""))
        elif isinstance(entry, str | int):
            add(str(entry), "person")
        else:
            raise CoderError(f"{NAMES_FILE}: a person is a name, or 'name:' with 'also:' and 'pseudonym:' ({entry!r})",
                             where=str(root / NAMES_FILE), fix="see docs/exports.md, 'Pseudonymised exports'")
    for (attributes,) in db.execute("SELECT attributes FROM documents ORDER BY name"):
        for key, value in json.loads(attributes or "{}").items():
            if is_people_field(key, extra_fields):
                for name in value if isinstance(value, list) else [value]:
                    if isinstance(name, str) and not is_role(name, keep) and _key(name) not in organisation_keys:
                        add(_label_name(name) or name, "person")
    for (speaker,) in db.execute("SELECT DISTINCT speaker FROM segments WHERE speaker IS NOT NULL ORDER BY speaker"):
        if not is_role(speaker, keep) and _key(_label_name(speaker)) not in organisation_keys:
            add(_label_name(speaker), "person")
    _assign(hidden, root / KEY_FILE)
    return Pseudonyms(hidden, root / KEY_FILE)


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        return None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError) as error:
        raise CoderError(f"{path.name} is not valid YAML ({error})", where=str(path),
                         fix="see docs/exports.md, 'Pseudonymised exports'") from error


def read_key(path: Path) -> list[dict[str, Any]]:
    """The entries of a pseudonym key: pseudonym, name, kind and spellings each."""
    entries = _read_yaml(path) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("pseudonym") for e in entries):
        raise CoderError(f"{path.name} is not a pseudonym key", where=str(path), fix="move it aside; the next export writes a new one")
    return entries


def _assign(hidden: list[Hidden], key_path: Path) -> None:
    """Give each name its pseudonym from the key (or a new one), and write the key when it grew."""
    entries = read_key(key_path)
    by_spelling = {_key(str(s)): e for e in entries for s in [e.get("name", ""), *(e.get("spellings") or [])]}
    taken = {str(e["pseudonym"]) for e in entries} | {h.pseudonym for h in hidden if h.pseudonym}
    changed = False
    for item in hidden:
        entry = next((by_spelling[_key(s)] for s in item.spellings if _key(s) in by_spelling), None)
        if entry is not None and not item.pseudonym:
            item.pseudonym = str(entry["pseudonym"])
        if not item.pseudonym:
            item.pseudonym = _next_free(item.kind, taken)
            taken.add(item.pseudonym)
        if entry is None:
            entries.append({"pseudonym": item.pseudonym, "name": item.name, "kind": item.kind, "spellings": list(item.spellings)})
            changed = True
        elif entry["pseudonym"] != item.pseudonym or set(entry.get("spellings") or []) != set(item.spellings):
            entry["pseudonym"] = item.pseudonym
            entry["spellings"] = list(dict.fromkeys([*(entry.get("spellings") or []), *item.spellings]))
            changed = True
    if len({h.pseudonym for h in hidden}) != len(hidden):
        raise CoderError("two names share one pseudonym", where=NAMES_FILE, fix="give each person in names.yaml a pseudonym of their own")
    if changed or not key_path.exists() and entries:
        _write_key(key_path, entries)


def _next_free(kind: str, taken: set[str]) -> str:
    number = 1
    while True:
        name = f"Person {number}" if kind == "person" else f"Organisation {_letters(number)}"
        if name not in taken:
            return name
        number += 1


def _letters(number: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def _write_key(path: Path, entries: list[dict[str, Any]]) -> None:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    try:
        with replacing(path) as temp, open(temp, "w", encoding="utf-8") as handle:
            os.chmod(temp, 0o600)  # it reverses the pseudonyms: readable by its owner only, whatever the umask
            handle.write("# The key to this study's pseudonymised exports: it reverses them. Keep it private, never with them.\n")
            yaml.dump(entries, handle)
    except OSError as error:
        raise CoderError(f"cannot write the pseudonym key ({error.strerror})", where=str(path),
                         fix="make the study folder writable") from error


def reveal(text: str, entries: list[dict[str, Any]]) -> str:
    """`text` with each pseudonym of a key replaced by the name it stands for."""
    names = {str(e["pseudonym"]): str(e["name"]) for e in entries}
    if not names:
        return text
    regex = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in sorted(names, key=len, reverse=True)) + r")(?!\w)")
    return regex.sub(lambda m: names[m.group()], text)
