"""The study database: connection settings, bringing the schema up to date, and the one way to write.

Everything a study knows lives in one SQLite file. Offsets are Unicode code points into
`documents.text`, half-open `[start, end)`, as in REFI-QDA. The schema is documented for
researchers in docs/schema.md; `PRAGMA user_version` is the schema version.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Concatenate, Generic, ParamSpec, TypeVar

from coder import storage
from coder.errors import CoderError
from coder.schema import SCHEMA_VERSION, take_step


class Database:
    """One connection to a study: the few things coder asks of it, on Python's own sqlite3.

    (sqlite-utils' Database once stood here; importing it cost ≈40 % of a command's start-up for the four methods
    used. The migrations still use sqlite-utils' table API, imported only when one runs: coder.schema.)
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute("PRAGMA recursive_triggers = ON")

    def execute(self, sql: str, parameters: Sequence[object] | Mapping[str, object] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)

    def close(self) -> None:
        self.conn.close()

    def rollback(self) -> None:
        """Undo the open transaction, if there is one (an error may already have ended it)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def table_names(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    @contextmanager
    def savepoint(self) -> Iterator[Database]:
        """A nested part of the open transaction: undone alone when it fails."""
        name = f"part_{uuid.uuid4().hex}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:  # a RAISE(ROLLBACK) may have ended the whole transaction already
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {name}")


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


def new_uuids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs at once: a bulk load's, from one read of the system's randomness."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])  # the version, 4
    raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])  # the variant, RFC 4122
    text = raw.hex()
    return [f"{text[i:i + 8]}-{text[i + 8:i + 12]}-{text[i + 12:i + 16]}-{text[i + 16:i + 20]}-{text[i + 20:i + 32]}"
            for i in range(0, 32 * count, 32)]


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row the INSERT just run on `cursor` made (sqlite3 types `lastrowid` as optional)."""
    row_id = cursor.lastrowid
    assert row_id is not None, "lastrowid is set by every execute"
    return row_id


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
    db = Database(conn)
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
                take_step(db, step)
                db.execute(f"PRAGMA user_version = {step + 1}")
    return db


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
        with db.savepoint():
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


class KeptUntilChanged(Generic[R]):
    """A reading of the whole study (mapped codings, the consensus's progress) kept per connection until the
    database changes: SQLite's `data_version` moves when another connection writes, the connection's change
    count when it writes itself. A screen that re-tabulates then does not read the codings again."""

    def __init__(self, read: Callable[[Database], R]) -> None:
        self.read = read
        self.kept: dict[int, tuple[sqlite3.Connection, tuple[int, int], R]] = {}
        functools.update_wrapper(self, read)

    def __call__(self, db: Database) -> R:
        marker = (db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes)
        kept = self.kept.get(id(db.conn))
        if kept and kept[0] is db.conn and kept[1] == marker:
            return kept[2]
        value = self.read(db)
        if len(self.kept) > 8:  # connections come and go: keep a few
            self.kept.clear()
        self.kept[id(db.conn)] = (db.conn, marker, value)
        return value

    def forget(self) -> None:
        """Read from SQLite again next time."""
        self.kept.clear()


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
