"""The store: schema, settings, migrations, transactions."""

from __future__ import annotations

import sqlite3

import pytest

from coder.db import open_db, schema_version, transaction
from coder.errors import CoderError
from coder.schema import SCHEMA_VERSION
from coder.study import Study, connect_study


def test_db_creates_schema_with_pragmas_and_indexes(tmp_path):
    db = open_db(tmp_path / "study.db")
    assert schema_version(db) == SCHEMA_VERSION
    assert {"documents", "segments", "sentences", "codes", "code_groups", "codings", "coders", "memos",
            "events", "organisations", "mentions", "ties", "settings", "passages_fts"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    indexes = {row[1] for row in db.execute("SELECT * FROM sqlite_master WHERE type = 'index'")}
    assert {"codings_document", "codings_code", "codings_coder", "events_coder", "mentions_document"} <= indexes


def test_db_foreign_keys_protect_codings(study: Study, db):
    db.execute("INSERT INTO coders (uuid, name, created) VALUES ('u', 'ana', 'now')")
    code = db.execute("SELECT id FROM codes LIMIT 1").fetchone()[0]
    db.execute("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, created, updated)"
               " VALUES ('c', 1, ?, 1, 0, 5, 'x', 'now', 'now')", [code])
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("DELETE FROM documents WHERE id = 1")  # RESTRICT: a coded document cannot vanish
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, created, updated)"
                   " VALUES ('d', 99, ?, 1, 0, 5, 'x', 'now', 'now')", [code])
    with pytest.raises(sqlite3.IntegrityError):  # empty or reversed spans are refused
        db.execute("INSERT INTO codings (uuid, document_id, code_id, coder_id, start, end, quote, created, updated)"
                   " VALUES ('e', 1, ?, 1, 5, 5, 'x', 'now', 'now')", [code])


def test_db_migrates_an_older_database_after_a_backup(study: Study, db):
    """A database made by schema version 1 (no search index) opens with today's code, index built."""
    v1 = study.root / "v1.db"
    old = open_db(v1, upto=1)
    assert schema_version(old) == 1 and "passages_fts" not in old.table_names()
    for table in ("documents", "segments"):
        rows = db.execute(f"SELECT * FROM {table}").fetchall()
        old.conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in rows[0])})", rows)
    old.close()
    backups: list[int] = []
    migrated = open_db(v1, before_migration=lambda _db, version: backups.append(version))
    assert backups == [1]
    assert schema_version(migrated) == SCHEMA_VERSION
    hits = migrated.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH 'newsletter'").fetchone()[0]
    assert hits == 1


def test_db_migration_makes_a_backup_copy_first(make_study):
    study = make_study()
    study.db_path.unlink()
    open_db(study.db_path, upto=1).close()
    connect_study(study).close()
    backups = list(study.backups_dir.glob("*before-migration-from-v1.db"))
    assert len(backups) == 1
    assert sqlite3.connect(backups[0]).execute("PRAGMA user_version").fetchone()[0] == 1
    assert schema_version(connect_study(study)) == SCHEMA_VERSION


def test_db_refuses_a_newer_schema(tmp_path):
    db = open_db(tmp_path / "study.db")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(CoderError, match="newer than this coder"):
        open_db(tmp_path / "study.db")


def test_db_transaction_is_all_or_nothing(tmp_path):
    db = open_db(tmp_path / "study.db")
    with pytest.raises(RuntimeError):
        with transaction(db):
            db.execute("INSERT INTO coders (uuid, name, created) VALUES ('a', 'ana', 'now')")
            raise RuntimeError("interrupted")
    assert db.execute("SELECT count(*) FROM coders").fetchone()[0] == 0
    with transaction(db):
        db.execute("INSERT INTO coders (uuid, name, created) VALUES ('a', 'ana', 'now')")
        with transaction(db):  # nested: joins the outer transaction
            db.execute("INSERT INTO coders (uuid, name, created) VALUES ('b', 'ben', 'now')")
    assert db.execute("SELECT count(*) FROM coders").fetchone()[0] == 2
