"""The docs keep up with the code: every command has help with an example and a row in the README."""

from __future__ import annotations

import click
import pytest

from coder.cli import main
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "coder") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in sorted(group.list_commands(context)):  # coder's group loads a command's module when asked for it
        command = group.get_command(context, name)
        assert command is not None, name
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix} {name}"))
    return found


@pytest.mark.parametrize("name, command", commands(main), ids=[n for n, _ in commands(main)])
def test_docs_every_command_has_help_and_a_readme_row(name, command):
    assert command.help and len(command.help.split()) >= 5
    if not isinstance(command, click.Group):
        assert "Example:" in command.help, f"{name} needs an Example: block in its help"
    documented = name.replace("coder import files", "coder import")
    assert f"`{documented}" in README, f"README.md has no row for `{documented}`"


def test_docs_schema_page_lists_every_table():
    from coder.db import open_db

    schema = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    db = open_db(":memory:")
    tables = [t for t in db.table_names() if not t.startswith("passages_fts_") and t != "sqlite_sequence"]
    assert [t for t in tables if f"`{t}`" not in schema] == []
