"""`--study DIR` works after every command (as the README says), as well as before it; found by walking the CLI."""

from __future__ import annotations

import click
from click.testing import CliRunner

from coder.cli import main
from coder.study import connect_study
from tests import export_study
from tests.conftest import write
from tests.test_file_modes import SURVEY


def command_paths(group: click.Group, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command a researcher can run, groups walked into (`export excerpts`, `import qdpx`)."""
    found: set[tuple[str, ...]] = set()
    context = click.Context(group)
    for name in group.list_commands(context):  # loads the commands coder's group loads only when used
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found |= command_paths(command, (*path, name))
        else:
            found.add((*path, name))
    return found


def test_every_command_takes_study_after_it(make_study, tmp_path, monkeypatch):
    study = export_study.build(make_study)
    write(study.transcripts_dir / "survey" / "ties.csv", SURVEY)
    db = connect_study(study)
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    db.close()
    fresh = make_study(documents={}, codebook=export_study.EMPTY_CODEBOOK, organisations=None, name="fresh")
    elsewhere = tmp_path / "elsewhere"  # not a study: a command that ignored --study would fail here
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("CODER_STUDY", raising=False)
    codings_csv = write(tmp_path / "codings.csv", "document,passage,code,coder,memo\nint01,3,Diffusing,ana,\n")
    sheet = write(tmp_path / "sheet.csv", "document,passage,ana,ben,disputed,settled,decision,codes,memo,text\n")
    runs = [  # (command, arguments, study): in this order, as some use what an earlier one wrote
        (("status",), [], study), (("codebook",), [], study), (("codings",), [], study),
        (("code",), ["int01", "3", "Enabling", "--coder", "ana"], study),
        (("uncode",), ["int01", "3", "Enabling", "--coder", "ana"], study),
        (("autocode",), ["Diffusing", "--query", "training", "--yes", "--coder", "ana"], study),
        (("assign",), ["int01", "--to", "ana"], study),
        (("search",), ["buyers"], study), (("agree",), [], study), (("xtab",), ["code", "document"], study),
        (("cooccur",), [], study), (("network",), [], study),
        (("figure", "network"), [], study), (("figure", "xtab"), ["code", "document"], study),
        (("figure", "agreement"), ["--bootstrap", "0"], study), (("actors",), [], study), (("matrix",), [], study),
        (("suggest", "evaluate"), [], study), (("suggest", "apply"), ["--code", "Diffusing", "--min-probability", "0.5"], study),
        (("doctor",), [], study), (("log",), [], study), (("backup",), [str(tmp_path / "copy.db")], study),
        (("export", "excerpts"), [], study), (("export", "memos"), [], study), (("export", "codebook"), [], study),
        (("export", "qdpx"), [str(tmp_path / "study.qdpx")], study), (("export", "codings"), ["ana"], study),
        (("reconcile", "list"), [], study), (("reconcile", "settle"), [str(sheet)], study), (("reconcile", "agreed"), [], study),
        (("export-coder",), ["ben", str(tmp_path / "ben.db")], study), (("merge",), [str(tmp_path / "ben.db")], study),
        (("import", "codings"), [str(codings_csv)], study), (("import", "files"), [], study),
        (("import", "qdpx"), [str(tmp_path / "study.qdpx")], fresh), (("init",), [str(tmp_path / "new")], study),
        (("serve", "add-coder"), ["ana", "--lead"], study), (("serve", "coders"), [], study), (("serve", "revoke"), ["ana"], study),
        (("serve", "others-visible"), ["on"], study),
    ]
    assert {command for command, _, _ in runs} == command_paths(main), "a command without a case here"
    for command, arguments, where in runs:
        result = CliRunner().invoke(main, [*command, *arguments, "--study", str(where.root)])
        assert result.exit_code == 0, (command, result.output)
    db = connect_study(study)
    written = [r[0] for r in db.execute("SELECT action FROM events WHERE id > ? ORDER BY id", [events])]
    assert {"code", "uncode", "autocode", "import_codings", "reconcile_agreed", "add_login", "revoke_login",
            "others_visible"} <= set(written), written
    db.close()
    db = connect_study(fresh)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    db.close()


def test_study_before_the_command_still_works_and_the_one_after_wins(study, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = CliRunner().invoke(main, ["--study", str(study.root), "status"])
    assert before.exit_code == 0 and "1 documents" in before.output
    after = CliRunner().invoke(main, ["--study", str(tmp_path / "nowhere"), "status", "--study", str(study.root)])
    assert after.exit_code == 0 and "1 documents" in after.output
    grouped = CliRunner().invoke(main, ["export", "--study", str(study.root), "codebook", "--output", str(tmp_path / "cb.md")])
    assert grouped.exit_code == 0 and (tmp_path / "cb.md").exists()
