"""How coder's code fields travel inside REFI-QDA descriptions, written by the export and read back by the import.

REFI-QDA gives a code one free-text `Description`; coder writes the definition first and then
labelled paragraphs ("Include: …", "Examples:" with "- " lines, "Keywords: …", "Shortcut key: …"),
so a round trip keeps every field and other tools still show readable text. A group's description
carries the exclusivity note, and a variable's description marks values stored as JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

EXCLUSIVE_NOTE = "Exclusive: one code of this group per passage."
LABELS = ("Include", "Exclude", "Examples", "Keywords", "Shortcut key")
JSON_VARIABLE = "coder: the values are JSON"


def describe_code(code: dict[str, Any]) -> str:
    """A code's REFI description: its definition, then labelled include/exclude/examples/keywords/key."""
    blocks = [code.get("description") or ""]
    if code.get("include"):
        blocks.append(f"Include: {code['include']}")
    if code.get("exclude"):
        blocks.append(f"Exclude: {code['exclude']}")
    examples = json.loads(code.get("examples") or "[]")
    if examples:
        blocks.append("Examples:\n" + "\n".join(f"- {e}" for e in examples))
    keywords = json.loads(code.get("keywords") or "[]")
    if keywords and not code.get("organisation_id"):
        blocks.append("Keywords: " + ", ".join(keywords))
    if code.get("key"):
        blocks.append(f"Shortcut key: {code['key']}")
    return "\n\n".join(b for b in blocks if b).strip()


def describe_group(group: dict[str, Any]) -> str:
    """A group's REFI description: its own, then the exclusivity note when it is exclusive."""
    blocks = [group.get("description") or ""]
    if group.get("exclusive"):
        blocks.append(EXCLUSIVE_NOTE)
    return "\n\n".join(b for b in blocks if b).strip()


def parse_description(text: str | None) -> dict[str, Any]:
    """A REFI code description split back into definition, include, exclude, examples, keywords, key."""
    fields: dict[str, Any] = {"description": None, "include": None, "exclude": None, "examples": [], "keywords": [], "key": None}
    if not text or not text.strip():
        return fields
    blocks = re.split(r"\n[ \t]*\n", text.strip())
    definition: list[str] = []
    current: str | None = None
    collected: dict[str, list[str]] = {}
    for block in blocks:
        label = next((name for name in LABELS if block.startswith(f"{name}:")), None)
        if label:
            current = label
            collected[label] = [block[len(label) + 1 :].strip()]
        elif current:
            collected[current].append(block)
        else:
            definition.append(block)
    fields["description"] = "\n\n".join(definition).strip() or None
    fields["include"] = "\n\n".join(collected.get("Include", [])).strip() or None
    fields["exclude"] = "\n\n".join(collected.get("Exclude", [])).strip() or None
    examples = "\n".join(collected.get("Examples", []))
    fields["examples"] = [line.strip()[2:].strip() for line in examples.split("\n") if line.strip().startswith("- ")]
    keywords = " ".join(collected.get("Keywords", []))
    fields["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
    key = " ".join(collected.get("Shortcut key", [])).strip()
    fields["key"] = key or None
    return fields


def parse_group_description(text: str | None) -> tuple[str | None, bool]:
    """A group's description without coder's exclusivity note, and whether the note was there."""
    if not text:
        return None, False
    exclusive = EXCLUSIVE_NOTE in text
    cleaned = text.replace(EXCLUSIVE_NOTE, "").strip()
    return cleaned or None, exclusive
