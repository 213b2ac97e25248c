"""What every command shares: the `coder` group, opening the study, the coder's name, output formats."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.utils import make_default_short_help

from coder.cli.registry import COMMANDS
from coder.errors import CoderError
from coder.storage import storage_problem

if TYPE_CHECKING:
    from coder.db import Database
    from coder.study import Study

FORMATS = ("table", "csv", "json", "md")


class CoderGroup(click.Group):
    """A click group that turns every error into one line and a non-zero exit, never a traceback.

    Its commands load when used (coder.cli.registry): `coder --help` and each command import only their own modules.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        modules = COMMANDS[cmd_name][0] if cmd_name in COMMANDS else ()
        for module in modules:  # every one, even when the command is known: `import` gathers subcommands from three
            importlib.import_module(f"coder.cli.{module}")  # its decorators add its commands to this group
        command = self.commands.get(cmd_name)
        if command is not None:
            give_study_option(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their summaries, as click writes them, without loading any command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, self.commands[name].get_short_help_str(limit) if name in self.commands
                 else make_default_short_help(COMMANDS[name][1], limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            sys.stderr.close()
            raise click.exceptions.Exit(0) from None
        except CoderError as error:
            raise click.ClickException(str(error)) from error
        except click.UsageError as error:  # a bad argument to a command: one line too, with the usage as the fix
            command = re.sub(r"^\S+", "coder", error.ctx.command_path) if error.ctx else "coder"
            usage = re.sub(r"^Usage: \S+", "coder", error.ctx.get_usage()) if error.ctx else "coder --help"
            dash = " (put -- before an argument that starts with a dash)" if "No such option" in error.format_message() else ""
            raise click.ClickException(f"{command}: {' '.join(error.format_message().split())} — fix: {usage}{dash}") from error
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as error:  # a bug: say so in one line, keep the traceback for CODER_DEBUG
            if problem := storage_problem(error):  # not a bug: a read-only folder, a full disk, a lock held too long
                raise click.ClickException(str(problem)) from error
            if os.environ.get("CODER_DEBUG"):
                raise
            raise click.ClickException(
                f"unexpected error ({type(error).__name__}: {error}) — fix: please report it; CODER_DEBUG=1 shows details"
            ) from error


class Session:
    """The study a command works on, opened (and brought up to date) on first use."""

    def __init__(self, study_path: str) -> None:
        self.study_path = study_path
        self._study: Study | None = None
        self._db: Database | None = None

    @property
    def study(self) -> Study:
        from coder.study import locate_study

        if self._study is None:
            self._study = locate_study(self.study_path)
        return self._study

    def move_to(self, study_path: str) -> None:
        """Work on another study (`--study` given after the command), before anything was opened."""
        assert self._db is None, "the study is chosen while the command line is read, before it opens"
        self.study_path, self._study = study_path, None

    def open(self, *, refresh: bool = True) -> Database:
        """The study database; on first open this also imports what is new in the folder."""
        from coder.reanchor import report_lines
        from coder.study import connect_study, read_only_reason, refresh_study

        if self._db is None:
            self._db = connect_study(self.study)
            if reason := read_only_reason(self._db):
                click.echo(f"note: {reason}, so the study is open for reading only (what changed in its folder is not brought in)",
                           err=True)
            elif refresh:
                with import_progress("Importing new documents") as progress:
                    report = refresh_study(self.study, self._db, progress=progress)
                for line in report_lines(report.imported.updated, report.imported.placements):  # edited transcripts
                    click.echo(line, err=True)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


pass_session = click.make_pass_decorator(Session)


def _study_here(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        session = ctx.find_object(Session)
        assert session is not None, "the coder group makes the session before any of its commands parses"
        session.move_to(value)


def give_study_option(command: click.Command) -> None:
    """`--study DIR` after any command as well as before it (`coder status --study DIR`), through every group."""
    if not any(param.name == "study_here" for param in command.params):
        command.params.append(click.Option(["--study", "study_here"], metavar="DIR", expose_value=False, callback=_study_here,
                                           help="The study folder (also accepted before the command)."))
    for sub in getattr(command, "commands", {}).values():
        give_study_option(sub)


def names_given(values: Sequence[str]) -> list[str] | None:
    """`--coder a --coder b` or `--coder a,b` → ['a', 'b']; nothing → None."""
    found = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return found or None


def coder_option(command: Callable) -> Callable:
    # $CODER_NAME is read with the other defaults (coding.who_codes), so a refusal can say where a name came from.
    return click.option("--coder", "coder_name", metavar="NAME",
                        help="Coder name (default: $CODER_NAME, else the study's current coder, else your login name).")(command)


def new_coder_option(command: Callable) -> Callable:
    """For commands that write as a coder: an unknown name is refused unless the researcher adds it on purpose."""
    return click.option("--new-coder", is_flag=True,
                        help="Add the coder if the study does not have one of that name yet (a typo never adds one).")(command)


def format_option(command: Callable) -> Callable:
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format.")(command)


class import_progress:  # noqa: N801 - used like a function in `with`
    """A progress bar on stderr for long imports; silent when nothing needs doing."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        return self.update

    def update(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> str:
    """Rows as an aligned table, CSV, JSON or a Markdown table."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        return json.dumps([{c: row.get(c) for c in columns} for row in rows], ensure_ascii=False, indent=2)
    if fmt == "csv":  # a spreadsheet may open it: cells are made safe as in every table file
        from coder.exports.cells import csv_text

        return csv_text(columns, ([row.get(c) for c in columns] for row in rows))
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    if fmt == "md":
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in cells]
        return "\n".join(lines)
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return " ".join(str(value).split())


@click.group(cls=CoderGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--study", "study_path", default=".", metavar="DIR", envvar="CODER_STUDY", show_default=True,
              help="The study folder.")
@click.option("--coder", "coder_name", metavar="NAME",
              help="Open the workbench as this coder (default: $CODER_NAME, else the study's current coder, else your login name).")
@click.version_option(package_name="coder")
@click.pass_context
def main(ctx: click.Context, study_path: str, coder_name: str | None) -> None:
    """coder — a keyboard-driven qualitative coding workbench.

    With no command, opens the study in the current folder.

    Example:

        coder --study ~/studies/piura status
    """
    session = Session(study_path)
    ctx.obj = session
    ctx.call_on_close(session.close)
    if ctx.invoked_subcommand is None:
        from coder.served import served_as
        from coder.tui.app import make_app  # Textual ≈0.3 s, only when the workbench opens

        served = served_as()  # a session of `coder serve`: its login's coder, whatever --coder or $CODER_NAME say
        make_app(session.study.root, None if served else coder_name, served=served).run()


def study_root(session: Session) -> Path:
    return session.study.root
