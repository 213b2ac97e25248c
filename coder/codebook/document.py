"""Editing codebook.yaml in place: the researcher's file keeps its comments, order and layout.

Open coding in the TUI changes codes in the database and writes the same change back into
`codebook/codebook.yaml`, so the YAML stays the readable, versionable source of the codebook.
ruamel.yaml's round-trip mode writes untouched entries back as they were (it only evens out
spacing such as `[a,b]` and a file that mixes two list indentations); this module adds what
it lacks for whole entries: a comment that heads a code entry (`# --- Accessing ---`) goes
away with that entry, and a comment heading the next entry stays where it was.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from coder.codebook.loading import TOO_LARGE_FIX
from coder.codebook.model import CODE_FIELDS, CODEBOOK_FILE
from coder.errors import CoderError
from coder.limits import LIMITS, read_bounded

FOLD_WIDTH = 76  # where long descriptions are folded when written as `>` blocks


class CodebookDocument:
    """The codebook YAML of a study, loaded for round-trip editing."""

    def __init__(self, folder: Path) -> None:
        from ruamel.yaml import YAML  # ≈0.1 s; only when the codebook is edited
        from ruamel.yaml.error import YAMLError

        self.folder = folder
        self.path = folder / CODEBOOK_FILE
        try:
            self.original = read_bounded(self.path, LIMITS.codebook_bytes, fix=TOO_LARGE_FIX)
            text = self.original.decode("utf-8-sig")
            sequence_indent, offset = _list_indent(text)
            self.yaml = YAML(typ="rt")
            self.yaml.preserve_quotes = True
            self.yaml.width = 4096  # never re-wrap the researcher's long lines (keyword lists)
            self.yaml.indent(mapping=2, sequence=sequence_indent, offset=offset)
            self.data = self.yaml.load(text)
        except (OSError, UnicodeDecodeError, YAMLError) as error:
            raise CoderError(f"cannot read the codebook for editing ({error})", where=str(self.path),
                             fix="correct codebook.yaml (coder codebook shows its problems), then try again") from error
        if not isinstance(self.data, dict) or not isinstance(self.data.get("groups"), list):
            raise CoderError("the codebook has no 'groups:' list", where=str(self.path), fix="see README, 'The codebook format'")

    # Reading ---------------------------------------------------------------------------------

    @property
    def sha256(self) -> str:
        """The version of the codebook files, computed as `coder.codebook.load_codebook` does."""
        return files_sha256(self.folder, self.original, self.data)

    def group(self, name: str) -> Any:
        """The YAML mapping of a code group."""
        for entry in self.data["groups"]:
            if isinstance(entry, dict) and str(entry.get("name", "")).strip() == name:
                return entry
        raise CoderError(f"group '{name}' is not in codebook.yaml", where=str(self.path),
                         fix="the database and the YAML disagree: reopen the study so it re-reads the codebook")

    def codes(self, group: str, *, create: bool = False) -> Any:
        """The `codes:` list of a group (made, as a block list, when `create` and missing)."""
        from ruamel.yaml.comments import CommentedSeq

        entry = self.group(group)
        codes = entry.get("codes")
        if codes is None and create:
            codes = CommentedSeq()
            set_field(entry, "codes", codes, order=("name", "description", "exclusive", "generate", "codes"))
        return codes if codes is not None else []

    # Writing ---------------------------------------------------------------------------------

    def text(self) -> str:
        """The document as the YAML text that `save` would write."""
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()

    def save(self) -> str:
        """Write the file atomically (a crash never leaves half a codebook); returns the new sha256."""
        text = self.text().encode("utf-8")
        if b"\r\n" in self.original:  # written on Windows: keep its line ends
            text = text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if self.original.startswith(b"\xef\xbb\xbf"):
            text = b"\xef\xbb\xbf" + text
        handle, temporary = tempfile.mkstemp(prefix=".codebook-", suffix=".yaml", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(text)
            if self.path.exists():
                os.chmod(temporary, self.path.stat().st_mode & 0o777)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.original = text
        return self.sha256


def _list_indent(text: str) -> tuple[int, int]:
    """How the file indents block lists: (indent of an item's content, indent of its dash).

    Read from the first `key:` followed by a `- ` item; ruamel's own guess parses the whole
    file a second time, which doubles the cost of an edit.
    """
    match = re.search(r"^( *)[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)-( +)\S", text, flags=re.MULTILINE)
    if match is None:
        return 2, 0
    offset = max(len(match[2]) - len(match[1]), 0)
    return offset + 1 + len(match[3]), offset


def load_document(folder: Path) -> CodebookDocument:
    """The codebook document, reused from the last edit while the file is unchanged (parsing costs ≈0.3 s)."""
    cached = _documents.get(folder)
    path = folder / CODEBOOK_FILE
    if cached is not None and path.exists() and path.stat().st_size == len(cached.original) and path.read_bytes() == cached.original:
        return cached
    document = CodebookDocument(folder)
    _documents[folder] = document
    return document


def forget_document(folder: Path) -> None:
    """Drop a cached document (after an edit failed half-way through it)."""
    _documents.pop(folder, None)


_documents: dict[Path, CodebookDocument] = {}


def files_sha256(folder: Path, codebook_bytes: bytes, data: Any) -> str:
    """sha256 of codebook.yaml followed by the organisations file it names (if that exists)."""
    digest = hashlib.sha256(codebook_bytes)
    organisations = data.get("organisations") if isinstance(data, dict) else None
    if isinstance(organisations, str) and organisations.strip() and (folder / organisations.strip()).exists():
        digest.update(read_bounded(folder / organisations.strip(), LIMITS.codebook_bytes, fix=TOO_LARGE_FIX))
    return digest.hexdigest()


# Values in the house style -------------------------------------------------------------------


def yaml_value(field: str, value: Any, old: Any = None) -> Any:
    """A Python value as the codebook writes it: quoted keys and colours, folded long text, flow keyword lists."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString

    if field in ("key", "colour"):
        return DoubleQuotedScalarString(value)
    if field in ("description", "include", "exclude"):
        if "\n" in value:
            return LiteralScalarString(value + "\n")
        if len(value) > FOLD_WIDTH or isinstance(old, FoldedScalarString):
            folded = FoldedScalarString(value + "\n")
            folded.fold_pos = _fold_positions(value)
            return folded
        return value
    if field in ("keywords", "examples"):
        if isinstance(old, CommentedSeq):  # keep the list's own style (flow or block) and its items' quoting
            kept = {plain(item): item for item in old}
            old.clear()
            old.extend(kept.get(item, item) for item in value)
            return old
        if field == "examples":
            return CommentedSeq(DoubleQuotedScalarString(v) for v in value)
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    return value


def _fold_positions(text: str) -> list[int]:
    """Indices of the spaces where a folded scalar breaks its lines."""
    positions, index = [], 0
    lines = textwrap.wrap(text, FOLD_WIDTH, break_long_words=False, break_on_hyphens=False)
    for line in lines[:-1]:
        index = text.index(line, index) + len(line)
        if index < len(text) and text[index] == " ":
            positions.append(index)
    return positions


def plain(value: Any) -> Any:
    """A YAML value as the loader sees it (stripped text, lists of stripped text)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    if isinstance(value, bool):
        return value
    return str(value).strip()


# Comments that travel with entries -------------------------------------------------------------
# ruamel keeps a comment that follows a node in the node before it. These helpers find that
# "trailing" place so inserting or deleting an entry can hand the comment on to a neighbour.


def _is_block(node: Any) -> bool:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return isinstance(node, (CommentedMap, CommentedSeq)) and len(node) > 0 and not node.fa.flow_style()


def _is_block_scalar(value: Any) -> bool:
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    return isinstance(value, (FoldedScalarString, LiteralScalarString))


def _trailing_slot(node: Any) -> tuple[list, int, Any] | None:
    """The comment holder, its index and the value it follows, for the comment after `node`."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap) and len(node):
        key = list(node.keys())[-1]
        if _is_block(node[key]):
            return _trailing_slot(node[key])
        return node.ca.items.setdefault(key, [None, None, None, None]), 2, node[key]
    if isinstance(node, CommentedSeq) and len(node):
        index = len(node) - 1
        if _is_block(node[index]):
            return _trailing_slot(node[index])
        return node.ca.items.setdefault(index, [None, None, None, None]), 0, node[index]
    return None


def _pop_trailing(node: Any) -> str | None:
    """Take away the whole comment lines that follow `node` (an inline comment on its last line stays).

    After a plain value ruamel's comment text starts with the rest of the value's own line
    (empty, or an inline comment); after a `>` or `|` block it starts on the next line.
    """
    slot = _trailing_slot(node)
    if slot is None or slot[0][slot[1]] is None:
        return None
    holder, index, value = slot
    token = holder[index]
    if not hasattr(token, "value"):
        return None
    if _is_block_scalar(value):
        holder[index] = None
        mark = getattr(token, "start_mark", None)
        indent = " " * (mark.column if mark is not None and not token.value.startswith("\n") else 0)
        return indent + token.value if token.value else None
    inline, _, lines = token.value.partition("\n")
    if inline.strip():
        token.value = inline + "\n"
    else:
        holder[index] = None
    return lines or None


def _set_trailing(node: Any, lines: str | None) -> None:
    """Make `lines` (whole comment and blank lines) the ones that follow `node`."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    _pop_trailing(node)
    slot = _trailing_slot(node)
    if not lines or slot is None:
        return
    holder, index, value = slot
    token = holder[index] if hasattr(holder[index], "value") else None
    if _is_block_scalar(value):
        holder[index] = CommentToken(lines, CommentMark(0), None)
    elif token is not None:
        token.value = token.value + lines
    else:
        holder[index] = CommentToken("\n" + lines, CommentMark(0), None)


def _comment_lines(lines: str) -> list[Any]:
    """Whole comment lines as the tokens ruamel keeps in front of a list's first entry."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    tokens = []
    for line in lines.splitlines():
        column = len(line) - len(line.lstrip())
        tokens.append(CommentToken(line.strip() + "\n", CommentMark(column), None))
    return tokens


def insert_entry(seq: Any, index: int, entry: Any, parent: Any = None, key: str | None = None, heading: str | None = None) -> None:
    """Insert an entry into a block list; the comment heading the next entry stays in front of it.

    Args:
        parent, key: the mapping that holds the list under `key` (where ruamel keeps the
            comment heading the first entry).
        heading: comment lines to put in front of the new entry (what `delete_entry` returned).
    """
    if index > 0:
        following = _pop_trailing(seq[index - 1])
        seq.insert(index, entry)
        _set_trailing(seq[index - 1], heading)
        _set_trailing(seq[index], following)
        return
    holder = parent.ca.items.get(key) if parent is not None and key is not None else None
    old_heading = holder[3] if holder is not None else None
    seq.insert(0, entry)
    if holder is not None and old_heading:
        holder[3] = None
        seq.ca.items.setdefault(1, [None, None, None, None])[1] = old_heading
    if heading:
        seq.ca.items.setdefault(0, [None, None, None, None])[1] = _comment_lines(heading)


def delete_entry(seq: Any, index: int, parent: Any = None, key: str | None = None) -> str | None:
    """Delete an entry from a block list with the comment that heads it, keeping the one after it.

    Returns the heading's comment lines (so an undo can put them back).

    Args:
        parent, key: the mapping that holds the list under `key` (where ruamel keeps the
            comment heading the first entry).
    """
    following = _pop_trailing(seq[index])
    before = seq.ca.items.get(index)
    heading = _token_lines(before[1]) if before and before[1] else None
    del seq[index]  # also drops the comment stored in front of this entry
    if index > 0:
        heading = _pop_trailing(seq[index - 1]) or heading
        _set_trailing(seq[index - 1], following)
        return heading
    if parent is not None and key is not None and key in parent.ca.items:
        heading = _token_lines(parent.ca.items[key][3]) or heading
        parent.ca.items[key][3] = None  # the first entry's heading lives with the list's key
    if following and len(seq):
        slot = seq.ca.items.setdefault(0, [None, None, None, None])
        slot[1] = _comment_lines(following) + (slot[1] or [])
    return heading


def _token_lines(tokens: Any) -> str | None:
    """Comment tokens kept in front of an entry, as whole lines of text."""
    if not tokens:
        return None
    lines = []
    for token in tokens:
        mark = getattr(token, "start_mark", None)
        text = token.value
        lines.append(text if text.startswith("\n") or mark is None else " " * mark.column + text)
    return "".join(lines) or None


def set_field(mapping: Any, field: str, value: Any, *, order: tuple[str, ...] = CODE_FIELDS, styled: Any = None) -> bool:
    """Set (or, with None/empty, remove) one field of an entry; new fields go in `order`. True if changed.

    Args:
        styled: the YAML value to write, when it should keep a style of its own (e.g. the
            folded text an undo brings back); by default `value` is written in the house style.
    """
    present = field in mapping
    if value is None or value == "" or value == []:
        if not present:
            return False
        keys = list(mapping.keys())
        if keys[-1] == field and len(keys) > 1:
            following = _pop_trailing(mapping)
            del mapping[field]
            _set_trailing(mapping, following)
        else:
            del mapping[field]
        return True
    keys = list(mapping.keys())
    if present:
        if plain(mapping[field]) == plain(value):
            return False
        last = keys[-1] == field
        following = _pop_trailing(mapping) if last else None
        mapping[field] = styled if styled is not None else yaml_value(field, value, mapping[field])
        if last:
            _set_trailing(mapping, following)
        return True
    rank = order.index(field) if field in order else len(order)
    position = next((i for i, k in enumerate(keys) if k in order and order.index(k) > rank), len(keys))
    new = styled if styled is not None else yaml_value(field, value)
    if position == len(keys) and keys:
        following = _pop_trailing(mapping)
        mapping.insert(position, field, new)
        _set_trailing(mapping, following)
    else:
        mapping.insert(position, field, new)
    return True


def new_entry(fields: dict[str, Any]) -> Any:
    """A code entry with its fields in the codebook's order."""
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap()
    entry.fa.set_block_style()
    for field in CODE_FIELDS:
        value = fields.get(field)
        if value is not None and value != "" and value != []:
            entry[field] = yaml_value(field, value)
    return entry
