"""Loading the codebook: reading `codebook.yaml` and its organisations file, and checking them.

The YAML files stay the researcher's readable, versionable source; loading validates them
and reports every problem at once as `file:line: problem — fix: ...`, so one run of
`coder codebook` shows all there is to correct. The format is in README.md.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Any

from coder.codebook.model import (
    BASIC_COLOURS,
    CODE_FIELDS,
    CODEBOOK_FILE,
    FIELD_SPELLINGS,
    GROUP_FIELDS,
    HEX_COLOUR,
    ORGANISATION_FIELDS,
    RESERVED_KEYS,
    TOP_FIELDS,
    Code,
    Codebook,
    CodebookError,
    Group,
    Organisation,
)
from coder.errors import CoderError
from coder.limits import LIMITS, check_yaml, read_bounded
from coder.text import fold


class _Problems:
    """The problems found so far, one `where: problem — fix: ...` line each."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, message: str, fix: str) -> None:
        self.lines.append(f"{where}: {message} — fix: {fix}")


def _line(node: Any, key: str | int | None = None) -> int:
    """1-based line of a YAML node (or of one of its keys/items), from ruamel's position info."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        if key is None:
            return lc.line + 1
        if isinstance(key, int):
            return lc.item(key)[0] + 1
        return lc.key(key)[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return lc.line + 1


TOO_LARGE_FIX = "check that it is the right file (too large for a codebook file: thousands of codes take ≈1 MB)"


def _read_bytes(path: Path, problems: _Problems) -> bytes | None:
    """A codebook file's bytes, or None after adding the problem: a file over the budget is refused unread."""
    try:
        return read_bounded(path, LIMITS.codebook_bytes, fix=TOO_LARGE_FIX)
    except CoderError as error:
        problems.lines.append(str(error))
        return None


def _read_yaml(raw: bytes, path: Path, problems: _Problems) -> Any:
    from ruamel.yaml import YAML  # ≈60 ms; only needed when the codebook changed
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.add(f"{path}:{line}", "is not UTF-8", "save the file as UTF-8")
        return None
    try:
        data = YAML(typ="rt").load(text)
        check_yaml(data, str(path))
        return data
    except CoderError as error:  # aliases that expand past the budget
        problems.add(str(path), error.message, error.fix or "")
        return None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problems.add(f"{path}:{line}", f"YAML syntax error: {error.problem or error.context}", "correct the YAML syntax")
        return None
    except YAMLError as error:  # e.g. a control character the YAML reader refuses
        line = text.count("\n", 0, getattr(error, "position", 0) or 0) + 1
        problems.add(f"{path}:{line}", f"YAML error: {' '.join(str(error).split())}", "correct the YAML syntax")
        return None
    except TypeError:  # a key that is itself a list or a mapping (`? - a`): the round-trip reader cannot build it
        problems.add(str(path), "YAML error: a key that is a list or a mapping (after `?`)", "write each key as plain text, e.g. name:")
        return None
    except RecursionError:
        problems.add(str(path), "the YAML is nested too deeply", "write groups, codes and organisations as in README's example")
        return None


def _unknown_fields(mapping: dict, known: tuple[str, ...], where: str, what: str, problems: _Problems) -> None:
    for key in mapping:
        if FIELD_SPELLINGS.get(key) in known:
            continue
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(known)}"
            problems.add(f"{where}:{_line(mapping, key)}", f"unknown {what} field '{key}'", hint)


def _get(mapping: dict, key: str) -> Any:
    if key in mapping:
        return mapping[key]
    return next((v for k, v in mapping.items() if FIELD_SPELLINGS.get(k) == key), None)


def _text(mapping: dict, key: str, where: str, problems: _Problems) -> str | None:
    value = _get(mapping, key)
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    problems.add(f"{where}:{_line(mapping, key)}", f"'{key}' must be text", f"write {key}: some text")
    return None


def _text_list(mapping: dict, key: str, where: str, problems: _Problems) -> list[str]:
    value = _get(mapping, key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        problems.add(f"{where}:{_line(mapping, key)}", f"'{key}' must be a list of text", f"write {key}: [first, second]")
        return []
    return [str(v).strip() for v in value]


def _flag(mapping: dict, key: str, where: str, problems: _Problems) -> bool:
    value = _get(mapping, key)
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.add(f"{where}:{_line(mapping, key)}", f"'{key}' must be true or false", f"write {key}: true")
        return False
    return value


def _colour(mapping: dict, where: str, problems: _Problems) -> str | None:
    colour = _text(mapping, "colour", where, problems)
    if colour is None or HEX_COLOUR.fullmatch(colour) or colour.lower() in BASIC_COLOURS:
        return colour
    key = "colour" if "colour" in mapping else "color"
    problems.add(f"{where}:{_line(mapping, key)}", f"bad colour '{colour}'", "use #rrggbb, e.g. '#2a9d8f'")
    return None


def load_codebook(folder: Path) -> Codebook:
    """Read and validate `codebook.yaml` (and its organisations file) from a study's codebook folder."""
    path = folder / CODEBOOK_FILE
    problems = _Problems()
    if not path.exists():
        raise CodebookError([f"{path}: not found — fix: create it (see README, 'The codebook format') or run coder init"])
    raw = _read_bytes(path, problems)
    data = _read_yaml(raw, path, problems) if raw is not None else None
    if problems.lines or raw is None:
        raise CodebookError(problems.lines)
    if data is None:
        raise CodebookError([f"{path}:1: the codebook is empty — fix: write its groups and codes (see README's example),"
                             " or run coder init in a new folder for a starter codebook"])
    if not isinstance(data, dict):
        raise CodebookError([f"{path}:1: the codebook must be a mapping with 'groups' — fix: see README's example"])
    _unknown_fields(data, TOP_FIELDS, str(path), "codebook", problems)
    organisations_file = _text(data, "organisations", str(path), problems)
    organisations: list[Organisation] = []
    digest = hashlib.sha256(raw)
    if organisations_file:
        org_path = folder / organisations_file
        if not _inside(org_path, folder.parent):
            problems.add(f"{path}:{_line(data, 'organisations')}", f"organisations file '{organisations_file}' is outside the study",
                         "keep the organisations file in the codebook folder, e.g. organisations: organisations.yaml")
        elif not org_path.is_file():
            problems.add(f"{path}:{_line(data, 'organisations')}", f"organisations file '{organisations_file}' not found",
                         "create it or correct the path (relative to codebook.yaml)")
        else:
            org_raw = _read_bytes(org_path, problems)
            if org_raw is not None:
                digest.update(org_raw)
                organisations = _load_organisations(org_raw, org_path, problems)
    groups = _load_groups(data, path, organisations, bool(organisations_file), problems)
    if problems.lines:
        raise CodebookError(problems.lines)
    return Codebook(
        groups=groups,
        organisations=organisations,
        title=_text(data, "title", str(path), problems),
        region=_text(data, "region", str(path), problems),
        sha256=digest.hexdigest(),
        files=(CODEBOOK_FILE, organisations_file) if organisations_file else (CODEBOOK_FILE,),
    )


def _inside(path: Path, folder: Path) -> bool:
    """True when a path (followed through `..` and links) stays inside a folder."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):  # a NUL byte or a link loop: not a path we follow
        return False


def _load_organisations(raw: bytes, path: Path, problems: _Problems) -> list[Organisation]:
    data = _read_yaml(raw, path, problems)
    if data is None:
        if not problems.lines:
            problems.add(f"{path}:1", "the organisations file is empty", "list the organisations under organisations:")
        return []
    items = data.get("organisations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        problems.add(f"{path}:1", "expected a list under 'organisations:'", "start the file with organisations: and a list of entries")
        return []
    where = str(path)
    organisations: list[Organisation] = []
    spelled: dict[str, str] = {}
    for index, item in enumerate(items):
        line = _line(items, index)
        if not isinstance(item, dict) or not _text(item, "name", where, problems):
            problems.add(f"{where}:{line}", "organisation without a name", "give every entry a name:")
            continue
        _unknown_fields(item, ORGANISATION_FIELDS, where, "organisation", problems)
        org = Organisation(
            name=_text(item, "name", where, problems) or "",
            full_name=_text(item, "full_name", where, problems),
            aliases=_text_list(item, "aliases", where, problems),
            type=_text(item, "type", where, problems),
            member_of=_text_list(item, "member_of", where, problems),
            based_in=_text(item, "based_in", where, problems),
            match_case=_flag(item, "match_case", where, problems),
            description=_text(item, "description", where, problems),
            colour=_colour(item, where, problems),
        )
        for spelling in dict.fromkeys(fold(s) for s in org.spellings()):
            owner = spelled.setdefault(spelling, org.name)
            if owner != org.name:
                problems.add(f"{where}:{line}", f"'{spelling}' names both '{owner}' and '{org.name}'",
                             "keep each name or alias on one organisation")
        if any(o.name == org.name for o in organisations):
            problems.add(f"{where}:{line}", f"organisation '{org.name}' is listed twice", "keep one entry per organisation")
            continue
        organisations.append(org)
    names = {o.name for o in organisations}
    for item in items:
        if isinstance(item, dict):
            for member in _text_list(item, "member_of", where, problems):
                if member not in names:
                    problems.add(f"{where}:{_line(item, 'member_of')}",
                                 f"'{item.get('name')}' is a member of unknown organisation '{member}'",
                                 "add that association to the file or correct the name")
    return organisations


def _load_groups(data: dict, path: Path, organisations: list[Organisation], has_org_file: bool, problems: _Problems) -> list[Group]:
    where = str(path)
    items = data.get("groups")
    if items is None:
        return []
    if not isinstance(items, list):
        problems.add(f"{where}:{_line(data, 'groups')}", "'groups' must be a list", "write groups: followed by '- name: ...' entries")
        return []
    groups: list[Group] = []
    keys: dict[str, str] = {}
    for index, item in enumerate(items):
        line = _line(items, index)
        name = _text(item, "name", where, problems) if isinstance(item, dict) else None
        if not name:
            problems.add(f"{where}:{line}", "code group without a name", "give every group a name:")
            continue
        if any(g.name == name for g in groups):
            problems.add(f"{where}:{line}", f"duplicate group name '{name}'", "rename or merge the two groups")
            continue
        _unknown_fields(item, GROUP_FIELDS, where, "group", problems)
        group = Group(
            name=name,
            description=_text(item, "description", where, problems),
            exclusive=_flag(item, "exclusive", where, problems),
            ordered=_flag(item, "ordered", where, problems),
            generate=_text(item, "generate", where, problems),
        )
        groups.append(group)
        _load_codes(item, group, where, keys, problems)
        _check_scale(item, group, where, problems)
        if group.generate is not None:
            if group.generate != "organisations":
                problems.add(f"{where}:{_line(item, 'generate')}", f"cannot generate codes from '{group.generate}'",
                             "write generate: organisations")
            elif not has_org_file:
                problems.add(f"{where}:{_line(item, 'generate')}",
                             f"group '{name}' is generated from organisations but no organisations file is named",
                             "add organisations: organisations.yaml at the top of codebook.yaml")
            else:
                for org in organisations:
                    if any(c.name == org.name for c in group.codes):
                        problems.add(f"{where}:{line}", f"code '{org.name}' in group '{name}' duplicates a generated organisation code",
                                     "remove the hand-written code")
                        continue
                    description = org.full_name or org.description
                    group.codes.append(Code(name=org.name, group=name, description=description, colour=org.colour,
                                            keywords=org.spellings(), organisation=org.name))
    return groups


def _load_codes(item: dict, group: Group, where: str, keys: dict[str, str], problems: _Problems) -> None:
    codes = item.get("codes")
    if codes is None:
        return
    if not isinstance(codes, list):
        problems.add(f"{where}:{_line(item, 'codes')}", f"'codes' of group '{group.name}' must be a list",
                     "write codes: followed by '- name: ...' entries")
        return
    lines: dict[str, int] = {}
    for index, entry in enumerate(codes):
        line = _line(codes, index)
        name = _text(entry, "name", where, problems) if isinstance(entry, dict) else None
        if not name:
            problems.add(f"{where}:{line}", f"code without a name in group '{group.name}'", "give every code a name:")
            continue
        if name in lines:
            problems.add(f"{where}:{line}", f"duplicate code name '{name}' in group '{group.name}' (first at line {lines[name]})",
                         "rename one of them or merge them")
            continue
        lines[name] = line
        _unknown_fields(entry, CODE_FIELDS, where, "code", problems)
        key = _get(entry, "key")
        if key is not None:
            key = str(key)
            if len(key) != 1 and key != "space":
                problems.add(f"{where}:{_line(entry, 'key')}", f"shortcut key '{key}' of '{name}' is not one character",
                             "use a single character, e.g. key: \"1\"")
                key = None
            elif key in RESERVED_KEYS:
                problems.add(f"{where}:{_line(entry, 'key')}", f"shortcut key '{key}' of '{name}' is reserved for a coder command",
                             f"choose a key other than {' '.join(sorted(RESERVED_KEYS))}")
                key = None
            elif key in keys:
                problems.add(f"{where}:{_line(entry, 'key')}", f"shortcut key '{key}' of '{name}' is already used by '{keys[key]}'",
                             "give each code its own key")
                key = None
            else:
                keys[key] = f"{group.name}/{name}"
        group.codes.append(Code(
            name=name,
            group=group.name,
            parent=_text(entry, "parent", where, problems),
            key=key,
            colour=_colour(entry, where, problems),
            description=_text(entry, "description", where, problems),
            include=_text(entry, "include", where, problems),
            exclude=_text(entry, "exclude", where, problems),
            examples=_text_list(entry, "examples", where, problems),
            keywords=_text_list(entry, "keywords", where, problems),
            value=_number(entry, "value", where, problems),
        ))
    _check_parents(codes, group, where, problems)


def _number(mapping: dict, key: str, where: str, problems: _Problems) -> float | None:
    value = _get(mapping, key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    problems.add(f"{where}:{_line(mapping, key)}", f"'{key}' must be a number", f"write {key}: 1 (or 2.5, -1, ...)")
    return None


def _check_scale(item: dict, group: Group, where: str, problems: _Problems) -> None:
    """An ordered or valued group is a scale: exclusive, and with a distinct value on every code or on none."""
    valued = [c for c in group.codes if c.value is not None]
    if not (group.ordered or valued):
        return
    line = _line(item, "ordered" if group.ordered else None)
    if not group.exclusive:
        problems.add(f"{where}:{line}", f"group '{group.name}' is a scale (ordered, or codes with a value) but not exclusive",
                     "add exclusive: true (a passage takes one point of a scale)")
    if valued and len(valued) < len(group.codes):
        missing = ", ".join(c.name for c in group.codes if c.value is None)
        problems.add(f"{where}:{line}", f"some codes of group '{group.name}' have a value and some not ({missing})",
                     "give every code of the group a value:, or none")
    seen: dict[float, str] = {}
    for code in valued:
        assert code.value is not None
        if code.value in seen:
            problems.add(f"{where}:{line}", f"codes '{seen[code.value]}' and '{code.name}' of group '{group.name}' "
                         f"have the same value {code.value:g}", "give each point of the scale its own value")
        seen.setdefault(code.value, code.name)


def _check_parents(entries: list, group: Group, where: str, problems: _Problems) -> None:
    by_name = {c.name: c for c in group.codes}
    entry_of = {str(e.get("name")): e for e in entries if isinstance(e, dict)}
    for code in group.codes:
        if code.parent is None:
            continue
        line = _line(entry_of.get(code.name), "parent")
        if code.parent not in by_name:
            close = difflib.get_close_matches(code.parent, list(by_name), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"name a code of group '{group.name}'"
            problems.add(f"{where}:{line}", f"unknown parent '{code.parent}' of code '{code.name}'", hint)
            continue
        ancestor, seen = by_name.get(code.parent), {code.name}
        while ancestor is not None and ancestor.name not in seen:
            seen.add(ancestor.name)
            ancestor = by_name.get(ancestor.parent) if ancestor.parent else None
        if ancestor is not None:
            problems.add(f"{where}:{line}", f"code '{code.name}' is its own ancestor (parent cycle)", "break the cycle of parent: fields")
