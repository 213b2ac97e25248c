"""The study database: schema, forward migrations, connection settings and the one way to write.

Everything a study knows lives in one SQLite file. Offsets are Unicode code points into
`documents.text`, half-open `[start, end)`, as in REFI-QDA. The schema is documented for
researchers in docs/schema.md; `PRAGMA user_version` is the schema version.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import sys
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from coder import storage
from coder.errors import CoderError


def _import_sqlite_utils() -> ModuleType:
    """Import sqlite-utils without letting it import pandas and numpy (≈0.45 s at start-up)."""
    hidden = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import pandas` fail fast
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            del sys.modules[name]
    return sqlite_utils


if TYPE_CHECKING:  # the checker reads the class itself; at run time it comes through the import above
    from sqlite_utils import Database as Database  # re-exported: every module takes its Database from here
else:
    Database = _import_sqlite_utils().Database

P = ParamSpec("P")
R = TypeVar("R")
# A write is acknowledged (the call returns, the screen shows it) only once it is on the disk itself:
# in WAL mode FULL syncs the -wal file at every commit, so a power cut cannot take it back (docs/trust.md).
DURABLE = "FULL"
_read_only: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()  # connections that may only read, and why


def now() -> str:
    """The current time as ISO 8601 UTC with milliseconds: sortable, and what the events log stores."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_uuid() -> str:
    """A stable id for rows that travel between copies of a study (merges, REFI-QDA)."""
    return str(uuid.uuid4())


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row the INSERT just run on `cursor` made (sqlite3 types `lastrowid` as optional)."""
    row_id = cursor.lastrowid
    assert row_id is not None, "lastrowid is set by every execute"
    return row_id


# Each migration moves the schema forward by one version. Never edit a released step: add one.

M001_CORE = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE coders (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    title TEXT,
    kind TEXT,
    path TEXT,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    language TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    words INTEGER NOT NULL DEFAULT 0,
    body_line INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1,
    imported TEXT NOT NULL
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    speaker TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    UNIQUE (document_id, ordinal)
);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX sentences_document ON sentences (document_id, start);
CREATE INDEX sentences_segment ON sentences (segment_id);
CREATE TABLE code_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    exclusive INTEGER NOT NULL DEFAULT 0,
    generate TEXT,
    ordinal INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    full_name TEXT,
    aliases TEXT NOT NULL DEFAULT '[]',
    type TEXT,
    member_of TEXT NOT NULL DEFAULT '[]',
    based_in TEXT,
    match_case INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    in_codebook INTEGER NOT NULL DEFAULT 1,
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    group_id INTEGER NOT NULL REFERENCES code_groups(id) ON DELETE RESTRICT,
    parent_id INTEGER REFERENCES codes(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    description TEXT,
    include TEXT,
    exclude TEXT,
    examples TEXT NOT NULL DEFAULT '[]',
    colour TEXT,
    key TEXT,
    keywords TEXT NOT NULL DEFAULT '[]',
    organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
    ordinal INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    UNIQUE (group_id, name)
);
CREATE INDEX codes_parent ON codes (parent_id);
CREATE TABLE codings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE RESTRICT,
    code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE RESTRICT,
    coder_id INTEGER NOT NULL REFERENCES coders(id) ON DELETE RESTRICT,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    quote TEXT NOT NULL,
    prefix TEXT NOT NULL DEFAULT '',
    suffix TEXT NOT NULL DEFAULT '',
    memo TEXT,
    status TEXT NOT NULL DEFAULT 'ok',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    CHECK (start >= 0 AND end > start),
    UNIQUE (document_id, code_id, coder_id, start, end)
);
CREATE INDEX codings_document ON codings (document_id, coder_id, start);
CREATE INDEX codings_code ON codings (code_id, coder_id);
CREATE INDEX codings_coder ON codings (coder_id);
CREATE TABLE memos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    coder_id INTEGER REFERENCES coders(id) ON DELETE RESTRICT,
    document_id INTEGER REFERENCES documents(id) ON DELETE RESTRICT,
    start INTEGER,
    end INTEGER,
    code_id INTEGER REFERENCES codes(id) ON DELETE RESTRICT,
    text TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX memos_document ON memos (document_id, start);
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX mentions_document ON mentions (document_id, start);
CREATE INDEX mentions_organisation ON mentions (organisation_id);
CREATE TABLE ties (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    technological REAL NOT NULL DEFAULT 0,
    commercial REAL NOT NULL DEFAULT 0,
    origin TEXT,
    UNIQUE (source_id, target_id)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    coder_id INTEGER REFERENCES coders(id) ON DELETE RESTRICT,
    action TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    undoable INTEGER NOT NULL DEFAULT 0,
    reverts INTEGER REFERENCES events(id),
    changes TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX events_coder ON events (coder_id, id);
CREATE INDEX events_reverts ON events (reverts);
"""

M002_SEARCH = """
CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, document_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO passages_fts (rowid, text, document_id)
    SELECT s.id, substr(d.text, s.start + 1, s.end - s.start), s.document_id
    FROM segments s JOIN documents d ON d.id = s.document_id;
"""

M003_VERSIONS = """
CREATE TABLE document_versions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    path TEXT,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    imported TEXT NOT NULL,
    replaced TEXT NOT NULL,
    UNIQUE (document_id, version)
);
ALTER TABLE memos ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
CREATE INDEX codings_status ON codings (status) WHERE status <> 'ok';
"""

def m004_every_coding_accounted(db: Database) -> None:
    """From schema 4 every load records the codings it brings in the events log (doctor checks it), so the
    codings earlier loads brought are recorded once, now."""
    from coder.events import account_for_codings  # the log's own replay

    account_for_codings(db)


MIGRATIONS: list[str | Callable[[Database], None]] = [M001_CORE, M002_SEARCH, M003_VERSIONS, m004_every_coding_accounted]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path | str) -> Database:
    """Open a study database with the settings every connection needs (no migration).

    A study the operating system will not let coder write (a read-only folder or file) is opened for
    reading only (`read_only` says why); every write to it is then refused in one line.
    """
    memory = str(path) == ":memory:"
    reason = None if memory else storage.why_read_only(Path(path))
    private: Path | None = None
    if reason is None:
        if not memory and not Path(path).exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o666))  # as the umask says: SQLite would make it 0644
        conn = sqlite3.connect(str(path), timeout=storage.busy_timeout(), check_same_thread=False)
    elif not Path(path).exists():
        raise CoderError(reason, fix=storage.MAKE_WRITABLE)
    else:
        conn, private = storage.open_for_reading(Path(path), storage.busy_timeout())
    conn.isolation_level = None  # no implicit transactions: every write goes through transaction()
    db = Database(conn, execute_plugins=False)
    if private is not None:
        weakref.finalize(db, shutil.rmtree, private, True)
    db.execute(f"PRAGMA busy_timeout = {round(storage.busy_timeout() * 1000)}")
    db.execute("PRAGMA foreign_keys = ON")
    if reason is not None:
        db.execute("PRAGMA query_only = ON")
        _read_only[db] = reason
        return db
    # Switching a new file to WAL needs a moment alone with it: another process opening it too must wait.
    _patiently(lambda: db.execute("PRAGMA journal_mode = WAL"))
    db.execute(f"PRAGMA synchronous = {DURABLE}")
    return db


def read_only(db: Database) -> str | None:
    """Why this study may only be read ("the study folder is read-only, so …"), or None when coder may write it."""
    return _read_only.get(db)


def is_busy(error: sqlite3.OperationalError) -> bool:
    """True for the errors that mean "another connection holds the lock": worth waiting for, never shown."""
    text = str(error)
    return "locked" in text or "busy" in text


def _patiently(attempt: Callable[[], object], what: str = "open the study") -> object:
    """Run one statement, retrying while another coder's connection holds the lock (backing off up to 50 ms)."""
    patience = storage.lock_wait()
    began = time.monotonic()
    pause = 0.001
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            if time.monotonic() - began >= patience:
                raise storage.locked_error(patience, what) from error
            time.sleep(min(pause, max(began + patience - time.monotonic(), 0)))
            pause = min(pause * 2, 0.05)


def schema_version(db: Database) -> int:
    """The schema version stored in the file (0 for a new, empty database)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def open_db(
    path: Path | str,
    *,
    before_migration: Callable[[Database, int], object] | None = None,  # what it returns is ignored
    upto: int = SCHEMA_VERSION,
) -> Database:
    """Open (creating if needed) a study database and bring its schema up to date.

    Args:
        before_migration: called with the database and its old version before an existing
            database is migrated (the study makes a backup there).
        upto: stop at this schema version (tests use it to make an older database).
    """
    db = connect(path)
    version = schema_version(db)
    if version < upto and (reason := read_only(db)):
        db.close()
        raise CoderError(f"{reason}, and its database, made by an older coder (schema {version} of {SCHEMA_VERSION}), must be"
                         " brought up to date before this coder can read it", where=str(path), fix=storage.MAKE_WRITABLE)
    if version > SCHEMA_VERSION:
        db.close()
        raise CoderError(
            f"database schema version {version} is newer than this coder understands ({SCHEMA_VERSION})",
            where=str(path),
            fix="upgrade coder (pip install -U coder)",
        )
    if version < upto:
        if version and before_migration:
            before_migration(db, version)
        for step in range(version, upto):
            with transaction(db):
                # Another process may have opened the same file at the same moment and migrated it first.
                if schema_version(db) > step:
                    continue
                migration = MIGRATIONS[step]
                if callable(migration):
                    migration(db)
                else:
                    for statement in _statements(migration):
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {step + 1}")
    return db


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (executescript would commit the transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""


@contextmanager
def transaction(db: Database, *, durable: bool = True) -> Iterator[Database]:
    """One write transaction: waits its turn behind other writers, commits all or nothing.

    BEGIN IMMEDIATE takes the write lock up front, so two coders writing at once queue
    instead of failing with "database is locked"; the wait is retried well past the busy timeout.
    Nested use joins the outer transaction through a savepoint. The commit reaches the disk before
    it returns, unless `durable` is False (the reading position: not worth a flush per key).
    A study that may only be read, a full disk or a lock held too long is one CoderError, nothing written.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    if reason := read_only(db):
        raise storage.read_only_error(reason)
    synchronous = None if durable else db.conn.execute("PRAGMA synchronous").fetchone()[0]
    if synchronous is not None:
        db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        with _explained(db):
            _patiently(lambda: db.conn.execute("BEGIN IMMEDIATE"), "write")
            try:
                yield db
            except BaseException:
                _roll_back(db)
                raise
            try:
                # In WAL mode COMMIT never waits; without WAL (e.g. a network drive) it may, and a busy
                # COMMIT leaves the transaction open, so it is retried rather than rolled back.
                _patiently(lambda: db.conn.execute("COMMIT"), "save")
            except BaseException:
                _roll_back(db)
                raise
    finally:
        if synchronous is not None:
            db.conn.execute(f"PRAGMA synchronous = {synchronous}")


@contextmanager
def _explained(db: Database) -> Iterator[None]:
    """SQLite's errors that mean the disk or another program stopped the write, as the one line that says so."""
    try:
        yield
    except sqlite3.Error as error:
        problem = storage.storage_problem(error, _file_of(db))
        if problem is None:
            raise
        raise problem from error


def _roll_back(db: Database) -> None:
    """Undo an unfinished transaction; SQLite may already have rolled it back itself (a full disk, an I/O error)."""
    if db.conn.in_transaction:
        db.rollback()


def _file_of(db: Database) -> Path | None:
    try:
        row = db.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:  # the connection that just failed may fail again: the message names no file then
        return None
    return Path(row[2]) if row and row[2] else None


def locked(function: Callable[Concatenate[Database, P], R]) -> Callable[Concatenate[Database, P], R]:
    """Run a write whole under the write lock: what it looks up before writing (a name free, a coder
    unknown, a span of the text) cannot change before it writes, whoever else writes to the study."""

    def under_lock(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with transaction(db):
            return function(db, *args, **kwargs)

    functools.update_wrapper(under_lock, function)  # its name and docstring
    return under_lock


@contextmanager
def reading(db: Database) -> Iterator[Database]:
    """Several reads from one snapshot of the study (WAL): a write committed meanwhile is seen by none or all of them."""
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.execute("COMMIT")


def setting(db: Database, key: str, default: str | None = None) -> str | None:
    """A study-level setting (current coder, last position, codebook version...)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row and row[0] is not None else default


def set_setting(db: Database, key: str, value: str | None, *, remembered: bool = False) -> None:
    """Store a study-level setting (inside the caller's transaction, else in one of its own).

    `remembered`: a convenience (the reading position), not worth a flush to disk per key, and simply not
    kept when the study may not be written (read-only, a full disk, locked): nobody asked for that write.
    """
    try:
        with transaction(db, durable=not remembered):
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
    except CoderError:
        if not remembered:
            raise
