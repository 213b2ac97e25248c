"""The commands load when used: the registry that lets `coder --help` list them without importing them is true."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import click

import coder.cli
from coder.cli import main
from coder.cli.registry import COMMANDS


def every_command_loaded() -> dict[str, click.Command]:
    for module in pkgutil.iter_modules(coder.cli.__path__, "coder.cli."):
        importlib.import_module(module.name)
    return dict(main.commands)


def modules_of(command: click.Command) -> set[str]:
    """The modules of coder/cli whose functions make up a command (a group's subcommands too)."""
    found = {command.callback.__module__.removeprefix("coder.cli.")} if command.callback else set()
    for sub in getattr(command, "commands", {}).values():
        found |= modules_of(sub)
    return found


def test_cli_registry_names_every_command_with_its_modules_and_summary():
    commands = every_command_loaded()
    assert sorted(commands) == sorted(COMMANDS), "a command was added or renamed: update coder/cli/registry.py"
    for name, command in commands.items():
        modules, summary = COMMANDS[name]
        assert set(modules) == modules_of(command), name
        assert summary == " ".join((command.help or "").split("\n\n")[0].split()), \
            f"the first paragraph of `coder {name} --help` changed: copy it into coder/cli/registry.py"


def test_cli_registry_help_lists_the_commands_as_if_all_were_loaded():
    """`coder --help` from the registry (nothing loaded) is the help click writes with every command loaded."""
    code = ("import importlib, pkgutil, sys, coder.cli\nfrom click.testing import CliRunner\nfrom coder.cli import main\n"
            "lazy = CliRunner().invoke(main, ['--help'], terminal_width=100).output\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('coder.cli.'))\n"
            "for m in pkgutil.iter_modules(coder.cli.__path__, 'coder.cli.'): importlib.import_module(m.name)\n"
            "print(lazy == CliRunner().invoke(main, ['--help'], terminal_width=100).output, *loaded)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "coder.cli.base", "coder.cli.registry"]


def test_cli_registry_a_command_loads_its_own_modules_only(study):
    code = ("import sys\nfrom coder.cli import main\n"
            f"main(['--study', {str(study.root)!r}, 'status'], standalone_mode=False)\n"
            "print(*sorted(m for m in sys.modules if m.startswith('coder.cli.')), file=sys.stderr)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr.split()
    assert loaded == ["coder.cli.base", "coder.cli.registry", "coder.cli.study"]
