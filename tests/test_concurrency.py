"""Two coders, one file: concurrent writers never lose a write and never see "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from coder import coding, doctor, documents, memos
from coder.db import connect, transaction
from coder.errors import CoderError
from coder.study import backup_study, connect_study, refresh_study
from tests.conftest import REPO
from tests.crash_worker import EDITED, NEWCOMERS, RACE
from tests.test_crash import WORKER, long_study  # noqa: F401 - the fixture: one 2,000-word interview

PER_CODER = 5_000


def start_writer(study, coder: str, seed: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), "write", str(study.root), coder, str(PER_CODER), str(seed)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_concurrency_two_writers_make_exactly_ten_thousand_codings_without_an_error(long_study):  # noqa: F811
    writers = [start_writer(long_study, "ana", 1), start_writer(long_study, "ben", 2)]
    for writer in writers:
        assert writer.stdout.readline() == "ready\n", writer.stderr.read()
    began = time.perf_counter()
    for writer in writers:  # both start coding at the same moment
        writer.stdin.write("go\n")
        writer.stdin.flush()
    outputs = [writer.communicate(timeout=120) for writer in writers]
    seconds = time.perf_counter() - began
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0 and err == "", err
        assert out.startswith("done ")
    db = connect(long_study.db_path)
    counts = dict(db.execute("SELECT r.name, count(*) FROM codings c JOIN coders r ON r.id = c.coder_id GROUP BY r.name"))
    assert counts == {"ana": PER_CODER, "ben": PER_CODER}
    assert db.execute("SELECT count(*) FROM events WHERE action = 'code'").fetchone()[0] == 2 * PER_CODER
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    print(f"\ntwo writers: {2 * PER_CODER:,} codings in {seconds:.1f} s ({2 * PER_CODER / seconds:,.0f} codings/s),"
          f" (each writer's own time: {', '.join(o.split()[1] + ' s' for o, _ in outputs)})")


def test_concurrency_the_other_coders_new_codings_appear_on_refresh(long_study):  # noqa: F811
    mine, theirs = connect_study(long_study), connect_study(long_study)
    ana, ben = coding.add_coder(mine, "ana"), coding.add_coder(theirs, "ben")
    seen_before = documents.document_codings(mine, 1, None)  # what ana's workbench shows with v (every coder)
    coding.apply_code(theirs, 1, coding.find_code(theirs, "Enabling"), ben, 0, 11)
    fresh = documents.document_codings(mine, 1, None)
    assert len(fresh) == len(seen_before) + 1 and fresh[-1].coder_id == ben
    assert documents.document_codings(mine, 1, [ana]) == []  # blind by default: only her own
    mine.close()
    theirs.close()


def test_concurrency_a_long_write_makes_the_other_coder_wait_not_fail(long_study):  # noqa: F811
    holder, waiter = connect_study(long_study), connect_study(long_study)
    code, ben = coding.find_code(waiter, "Enabling"), coding.add_coder(waiter, "ben")
    holding = threading.Event()

    def hold() -> None:
        with transaction(holder):
            holder.execute("UPDATE settings SET value = value WHERE key = 'codebook_sha256'")
            holding.set()
            time.sleep(0.3)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    began = time.perf_counter()
    coding_id = coding.apply_code(waiter, 1, code, ben, 0, 11)  # queued behind the other transaction, then written
    waited = time.perf_counter() - began
    thread.join()
    assert waited > 0.1
    assert waiter.execute("SELECT count(*) FROM codings WHERE id = ?", [coding_id]).fetchone()[0] == 1
    holder.close()
    waiter.close()


def test_concurrency_backup_while_a_coder_writes_is_complete_and_consistent(long_study, tmp_path):  # noqa: F811
    writer = start_writer(long_study, "ana", 3)
    assert writer.stdout.readline() == "ready\n"
    writer.stdin.write("go\n")
    writer.stdin.flush()
    db = connect_study(long_study)
    copies = []
    while writer.poll() is None and len(copies) < 5:
        copies.append(backup_study(long_study, db, tmp_path / f"copy{len(copies)}.db"))
        time.sleep(0.05)
    writer.communicate(timeout=120)
    assert writer.returncode == 0 and copies
    for copy in copies:  # each copy is one moment of the study: every coding with its event
        snapshot = connect(copy)
        assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        codings, events = snapshot.execute("SELECT (SELECT count(*) FROM codings), (SELECT count(*) FROM events"
                                           " WHERE action = 'code')").fetchone()
        assert codings == events
        snapshot.close()
    with pytest.raises(CoderError, match="already exists"):
        backup_study(long_study, db, copies[0])
    with pytest.raises(CoderError, match="own database"):
        backup_study(long_study, db, long_study.db_path)
    db.close()


def test_concurrency_coders_opening_a_new_study_at_once_migrate_it_once(tmp_path):
    from coder.db import open_db, schema_version
    from coder.schema import SCHEMA_VERSION

    path, errors, opened = tmp_path / "study.db", [], []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        barrier.wait()
        try:
            opened.append(open_db(path))
        except Exception as error:  # noqa: BLE001 - any error is the failure this test looks for
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and [schema_version(db) for db in opened] == [SCHEMA_VERSION] * 4
    for db in opened:
        db.close()


# A re-import between reading a span and writing it (item: codings never land on text that changed) ---------


def passage_text(db, document: str, ordinal: int) -> str:
    return db.execute("SELECT substr(d.text, s.start + 1, s.end - s.start) FROM segments s JOIN documents d ON d.id = s.document_id"
                      " WHERE d.name = ? AND s.ordinal = ?", [document, ordinal]).fetchone()[0]


@pytest.fixture
def race_study(make_study):
    study = make_study(documents={"race.md": RACE})
    db = connect_study(study)
    refresh_study(study, db)
    coding.add_coder(db, "ana")
    db.close()
    return study


def reimport_edited(study) -> None:
    """What a colleague's `coder import --update` of an edited race.md does, on a connection of its own."""
    (study.transcripts_dir / "race.md").write_text(EDITED, encoding="utf-8")
    other = connect_study(study)
    refresh_study(study, other)
    other.close()


def test_concurrency_the_cli_codes_the_passage_as_it_is_when_the_write_lock_is_taken(race_study, monkeypatch):
    """`coder code race 4` reads the passages, and a re-import takes the write lock first: the coding must cover
    passage 4 of the new text (never the old offsets, which now fall on other words)."""
    import coder.db
    from coder.cli import main

    armed, patiently = [], coder.db._patiently
    find_code = coding.find_code

    def found_code(db, name):  # the command has looked its arguments up: from here, the re-import wins the lock
        armed.append(True)
        return find_code(db, name)

    def first_the_reimport(attempt, what="open the study"):
        if armed and what == "write":
            armed.clear()
            reimport_edited(race_study)
        return patiently(attempt, what)

    monkeypatch.setattr(coding, "find_code", found_code)
    monkeypatch.setattr(coder.db, "_patiently", first_the_reimport)
    result = CliRunner().invoke(main, ["--study", str(race_study.root), "code", "race", "4", "Accessing", "--coder", "ana"])
    assert result.exit_code == 0, result.output
    db = connect_study(race_study)
    assert passage_text(db, "race", 4).startswith("Through APEM")  # two turns came before it
    assert db.execute("SELECT quote FROM codings").fetchall() == [(passage_text(db, "race", 4),)]
    db.close()


async def test_concurrency_the_workbench_never_writes_offsets_of_a_text_re_imported_meanwhile(race_study):
    from coder.suggest import suggestions_in_study
    from coder.tui.app import CoderApp
    from tests.tui.waiting import running

    app = CoderApp(race_study, "ana", suggest=suggestions_in_study)
    async with running(app) as pilot:
        await pilot.press("j", "j", "j")  # passage 4 of the text as opened
        reimport_edited(race_study)
        await pilot.press("1")
        db = connect_study(race_study)
        assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0  # nothing written on the old offsets
        assert app.screen.document.version == 2 and app.screen.passage().ordinal == 4  # reloaded, same passage number
        await pilot.press("1")  # the key again: now on the new text
        assert db.execute("SELECT quote FROM codings").fetchall() == [(passage_text(db, "race", 4),)]
        db.close()


def test_concurrency_every_write_with_offsets_refuses_a_text_that_changed(race_study):
    db = connect_study(race_study)
    ana, accessing = coding.coder_id(db, "ana"), coding.find_code(db, "Accessing")
    document = documents.load_document(db, coding.find_document(db, "race"))
    start, end = document.passages[3].start, document.passages[3].end
    reimport_edited(race_study)
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    for write in (lambda: coding.apply_code(db, document.info.id, accessing, ana, start, end, version=document.version),
                  lambda: coding.toggle_code(db, document.info.id, accessing, ana, start, end, version=document.version),
                  lambda: coding.cycle_exclusive(db, document.info.id, "phase", ana, start, end, version=document.version),
                  lambda: coding.code_mentioned_actors(db, document.info.id, ana, start, end, version=document.version),
                  lambda: memos.set_memo(db, ana, "note", document_id=document.info.id, start=start, end=end,
                                         version=document.version)):
        with pytest.raises(coding.DocumentChangedError, match="'race' was re-imported since its passages were read"):
            write()
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
    db.close()


def start_worker(*arguments: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *map(str, arguments)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


def race_reimports(study, reimports: int, commands: int, presses: int, seed: int = 0) -> dict[str, int]:
    """Re-import race.md `reimports` times (its two versions in turn) while `coder code` runs `commands` times and
    the workbench takes `presses` keys, each in a process of its own, all started at the same moment. Then check
    that every coding covers exactly one passage of the text as it now is, quote and all, and that doctor has
    nothing to say. Returns what happened (bench_trust.py race prints it)."""
    db = connect_study(study)
    coding.add_coder(db, "ben")
    db.close()
    workers = {"reimport": start_worker("reimport", study.root, reimports),
               "cli": start_worker("cli", study.root, commands, seed),
               "workbench": start_worker("workbench", study.root, presses, seed)}
    for name, worker in workers.items():
        assert worker.stdout.readline() == "ready\n", f"{name}: {worker.stderr.read()}"
    for worker in workers.values():
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = {name: worker.communicate(timeout=300) for name, worker in workers.items()}
    for name, (_, err) in outputs.items():
        assert workers[name].returncode == 0 and err == "", f"{name}: {err}"
    said = [line.split("\t") for line in outputs["cli"][0].splitlines()[:-1]]
    assert len(said) == commands and all(code == "0" and text.split(" | ")[-1].startswith(f"coded race passage {passage} ")
                                         for code, passage, text in said), said  # after "re-imported race", maybe
    db = connect_study(study)
    passages = set(db.execute("SELECT s.start, s.end FROM segments s JOIN documents d ON d.id = s.document_id"
                              " WHERE d.name = 'race'"))  # the turns coded are in both versions: still whole passages
    rows = db.execute("SELECT c.start, c.end, c.quote, substr(d.text, c.start + 1, c.end - c.start), c.status"
                      " FROM codings c JOIN documents d ON d.id = c.document_id").fetchall()
    assert rows and all((start, end) in passages and quote == text and status == "ok"
                        for start, end, quote, text, status in rows), rows
    assert doctor.examine(study, db) == []
    happened = {"re-imports": db.execute("SELECT version FROM documents WHERE name = 'race'").fetchone()[0] - 1,
                "codings now": len(rows), "coder code runs": commands, "workbench keys": presses,
                "workbench re-reads": int(outputs["workbench"][0].split()[1]),
                "events": db.execute("SELECT count(*) FROM events").fetchone()[0]}
    db.close()
    assert happened["re-imports"] == reimports
    return happened


def test_concurrency_codings_raced_against_re_imports_always_cover_the_passage_they_name(race_study):
    """Item 2 as a race, not a staged interleaving: `coder code` and the workbench, each in its own process, code
    while a third re-imports the transcript again and again; no coding ever lands on words it did not name."""
    race_reimports(race_study, reimports=30, commands=30, presses=100)  # on the code before the fix: 4 runs in 5 fail


def test_concurrency_the_cli_refuses_an_autocode_preview_of_a_text_re_imported_meanwhile(race_study, monkeypatch):
    """`coder autocode --yes` previews, then applies: a re-import in between is refused in one line, nothing written."""
    import coder.cli.autocode
    from coder.cli import main

    preview = coder.cli.autocode.preview_autocode

    def then_the_reimport(*args, **kwargs):
        found = preview(*args, **kwargs)
        reimport_edited(race_study)
        return found

    monkeypatch.setattr(coder.cli.autocode, "preview_autocode", then_the_reimport)
    result = CliRunner().invoke(main, ["--study", str(race_study.root), "autocode", "Accessing", "--query", "training",
                                       "--yes", "--coder", "ana"])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert result.output.startswith("Error: transcripts/race.md: 'race' was re-imported since its passages were read")
    assert "nothing was written — fix: run it again" in result.output
    db = connect_study(race_study)
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
    db.close()


async def test_concurrency_a_memo_typed_while_the_transcript_was_re_imported_is_offered_again_on_the_new_text(race_study):
    from coder.suggest import suggestions_in_study
    from coder.tui.app import CoderApp
    from coder.tui.dialogs.memo import MemoDialog
    from tests.tui.waiting import press_to_open, running, until

    app = CoderApp(race_study, "ana", suggest=suggestions_in_study)
    async with running(app) as pilot:
        await pilot.press("j", "j", "j")  # passage 4 of the text as opened
        first = await press_to_open(pilot, "m", MemoDialog)
        await pilot.press(*"fairs")
        reimport_edited(race_study)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MemoDialog) and app.screen is not first, "the memo offered again")
        db = connect_study(race_study)
        assert db.execute("SELECT count(*) FROM memos").fetchone()[0] == 0  # nothing on the old offsets
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MemoDialog), "the memo saved")
        start, end = db.execute("SELECT start, end FROM segments WHERE ordinal = 4").fetchone()
        assert db.execute("SELECT text, start, end FROM memos").fetchall() == [("fairs", start, end)]
        db.close()


def test_concurrency_mentions_found_again_never_land_on_a_text_re_imported_meanwhile(race_study, monkeypatch):
    """Finding organisation mentions again is slow, so it happens before the write lock: a re-import that gets the
    lock first must not leave mentions at the old text's offsets."""
    import coder.corpus.importing as importing

    lock = importing.transaction

    def reimport_first(db):
        monkeypatch.setattr(importing, "transaction", lock)
        reimport_edited(race_study)  # lands just before this session takes the write lock
        return lock(db)

    monkeypatch.setattr(importing, "transaction", reimport_first)
    db = connect_study(race_study)
    assert importing.refresh_mentions(db, race_study.load_codebook()) > 0
    rows = db.execute("SELECT substr(d.text, m.start + 1, m.end - m.start), m.text FROM mentions m"
                      " JOIN documents d ON d.id = m.document_id").fetchall()
    assert db.execute("SELECT version FROM documents").fetchone()[0] == 2
    assert rows and all(at == said for at, said in rows), rows
    db.close()


# Coders are added once, and only on purpose -------------------------------------------------------------------


def test_concurrency_four_processes_adding_the_same_new_coders_make_each_once(long_study):  # noqa: F811
    workers = [subprocess.Popen([sys.executable, str(WORKER), "newcomers", str(long_study.root), str(seed)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}) for seed in range(4)]
    for worker in workers:
        assert worker.stdout.readline() == "ready\n", worker.stderr.read()
    for worker in workers:  # all four start at the same moment
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0 and err == "" and out == "done\n", err
    db = connect(long_study.db_path)
    coders = dict(db.execute("SELECT r.name, count(c.id) FROM coders r LEFT JOIN codings c ON c.coder_id = r.id GROUP BY r.name"))
    assert coders == {f"newcomer-{n}": 4 for n in range(NEWCOMERS)}  # one row each, with every process's coding
    assert db.execute("SELECT count(*) FROM events WHERE action = 'add_coder'").fetchone()[0] == NEWCOMERS
    db.close()


def test_concurrency_a_typo_adds_no_coder_and_the_first_coder_needs_no_flag(race_study, make_study):
    from coder.cli import main

    run = CliRunner().invoke
    refused = run(main, ["--study", str(race_study.root), "code", "race", "2", "Accessing", "--coder", "anna"])
    assert refused.exit_code == 1 and "no coder named 'anna' (did you mean 'ana'?)" in refused.output
    assert "--new-coder" in refused.output
    added = run(main, ["--study", str(race_study.root), "code", "race", "2", "Accessing", "--coder", "anna", "--new-coder"])
    assert added.exit_code == 0, added.output
    fresh = make_study(name="fresh")
    first = run(main, ["--study", str(fresh.root), "code", "int01", "2", "Accessing", "--coder", "maria"])
    assert first.exit_code == 0, first.output
    for study, coders in ((race_study, ["ana", "anna"]), (fresh, ["maria"])):
        db = connect_study(study)
        assert coding.coder_names(db) == coders
        db.close()


def test_concurrency_a_default_coder_name_the_study_does_not_know_is_refused_saying_where_it_came_from(race_study, monkeypatch):
    """A first-time user's `coder code` without --coder: $CODER_NAME, else the login name, must be one of the coders."""
    import getpass

    from coder.cli import main

    code = ["--study", str(race_study.root), "code", "race", "2", "Accessing"]
    monkeypatch.setenv("CODER_NAME", "anna")
    refused = CliRunner().invoke(main, code)
    assert refused.exit_code == 1 and "no coder named 'anna' ($CODER_NAME; did you mean 'ana'?)" in refused.output
    monkeypatch.delenv("CODER_NAME")
    monkeypatch.setattr(getpass, "getuser", lambda: "zed")
    refused = CliRunner().invoke(main, code)
    assert refused.exit_code == 1 and "no coder named 'zed' (your login name)" in refused.output
    assert "add 'zed' as a new coder with --new-coder" in refused.output
    assert CliRunner().invoke(main, [*code, "--new-coder"]).exit_code == 0
    db = connect_study(race_study)
    assert coding.coder_names(db) == ["ana", "zed"]
    db.close()


def test_concurrency_undo_and_redo_never_put_offsets_back_onto_a_text_re_imported_since(race_study):
    """Uncoding deletes a coding; undoing it puts the row back with its offsets — which, after a re-import, would
    cover other words. Redo of an undone coding likewise."""
    from coder.events import redo, undo

    db = connect_study(race_study)
    ana, accessing, race = coding.coder_id(db, "ana"), coding.find_code(db, "Accessing"), coding.find_document(db, "race")
    fourth, second = coding.passage_span(db, race, 4), coding.passage_span(db, race, 2)
    coding.apply_code(db, race, accessing, ana, *fourth)
    coding.remove_code(db, race, accessing, ana, *fourth)
    coding.apply_code(db, race, accessing, ana, *second)
    undo(db, ana)  # the coding of passage 2 taken back; the uncoding of passage 4 is next
    reimport_edited(race_study)
    with pytest.raises(CoderError, match="cannot redo: 'race' was re-imported since"):
        redo(db, ana)
    with pytest.raises(CoderError, match="cannot undo: 'race' was re-imported since"):
        undo(db, ana)
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
    db.close()
