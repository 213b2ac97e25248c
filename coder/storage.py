"""When the disk says no: a read-only study, a full disk, a study another program holds locked.

What SQLite and the operating system report is said in one line that names the cause and the fix,
never as an "unexpected error"; and a study coder may not write is still opened for reading.
SQLite needs `study.db-wal` and `study.db-shm` beside a WAL database even to read it, so a study in
a folder coder cannot write is opened in one of three ways (docs/trust.md, "Read-only studies").
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from coder.errors import CoderError

LOCK_WAIT_VARIABLE = "CODER_LOCK_WAIT"
DEFAULT_LOCK_WAIT_S = 120.0
BUSY_TIMEOUT_S = 10.0  # SQLite's own wait for a lock, within one statement; coder retries beyond it up to the lock wait
MAKE_WRITABLE = "copy the study folder to a place you can write (e.g. cp -r), or ask its owner for write access"
READ_ONLY_FIX = f"{MAKE_WRITABLE}; status, analyses and exports with --output work on it as it is"
READ_ONLY_ERRORS = (errno.EACCES, errno.EPERM, errno.EROFS)
FULL_ERRORS = (errno.ENOSPC, errno.EDQUOT)


def lock_wait() -> float:
    """Seconds a write waits for another program's lock before saying so: $CODER_LOCK_WAIT, else two minutes."""
    value = os.environ.get(LOCK_WAIT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_LOCK_WAIT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise CoderError(f"{LOCK_WAIT_VARIABLE}='{value}' is not a number of seconds",
                         fix=f"set it like {LOCK_WAIT_VARIABLE}=30, or unset it")
    return seconds


def busy_timeout() -> float:
    """Seconds one SQLite statement waits for a lock: 10 s, or the whole lock wait when that is shorter."""
    return min(BUSY_TIMEOUT_S, lock_wait())


def locked_error(seconds: float, what: str) -> CoderError:
    return CoderError(f"another program has held the study locked for {seconds:g} s (another coder's session, a backup"
                      f" or a database tool writing to study.db), so coder could not {what}",
                      fix=f"close that program or let it finish, then try again ({LOCK_WAIT_VARIABLE}=SECONDS waits longer)")


def read_only_error(reason: str) -> CoderError:
    return CoderError(f"{reason}: the study is open for reading only, so nothing was written", fix=READ_ONLY_FIX)


def full_disk_error(what: str) -> CoderError:
    return CoderError(f"the disk is full ({what}): nothing was written, the study is as it was before",
                      fix="free some space on that disk, then try again")


def why_read_only(database: Path) -> str | None:
    """Why the operating system would refuse coder's writes to this study database, or None when it allows them."""
    folder = database.parent
    if not database.exists():
        writable = os.access(folder, os.W_OK) or not folder.is_dir()  # a folder that is not there: SQLite says so
        return None if writable else f"the study folder is read-only, so coder cannot create {database.name}"
    if not os.access(database, os.W_OK):
        return f"{database.name} is read-only"
    for helper in _helpers(database):
        if helper.exists() and not os.access(helper, os.W_OK):
            return f"{helper.name} is read-only"
        if not helper.exists() and not os.access(folder, os.W_OK):
            return f"the study folder is read-only, so coder cannot write {helper.name}"
    return None


def _helpers(database: Path) -> tuple[Path, Path]:
    return database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")


def open_for_reading(database: Path, timeout: float) -> tuple[sqlite3.Connection, Path | None]:
    """A connection that reads every committed transaction of a study it may not write, writing nothing to it.

    Returns the connection and the private folder holding a copy of the study when one was needed (the caller
    removes it). In order: `mode=ro` when the -wal and -shm files exist or can be made (the way that also sees
    another coder's writes); `immutable=1` when they cannot be made and the -wal holds nothing (a study closed
    cleanly: nobody is writing it); else — the -wal holds transactions not yet copied into study.db, which
    `immutable=1` would not see — a private copy of study.db and its -wal, opened read-only.
    """
    wal, _ = _helpers(database)
    try:
        return _checked(_uri(database, "mode=ro"), timeout), None
    except sqlite3.OperationalError as error:
        if not (error.sqlite_errorname.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")) or "unable to open" in str(error)):
            raise
    if not wal.exists() or wal.stat().st_size == 0:
        return _checked(_uri(database, "immutable=1"), timeout), None
    private = Path(tempfile.mkdtemp(prefix="coder-read-only-"))
    try:
        shutil.copyfile(database, private / database.name)
        shutil.copyfile(wal, private / wal.name)
        return _checked(_uri(private / database.name, "mode=ro"), timeout), private
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        raise


def _uri(path: Path, parameter: str) -> str:
    return f"file:{quote(str(path.resolve()))}?{parameter}"


def _checked(uri: str, timeout: float) -> sqlite3.Connection:
    """Open and read the schema once: SQLite opens files lazily, so a connection that cannot read fails here."""
    conn = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def storage_problem(error: BaseException, database: Path | None = None) -> CoderError | None:
    """The one line for an error that means the disk or another program stopped coder; None for any other error."""
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "") or ""
        where = database.name if database else "study.db"
        if name.startswith("SQLITE_FULL"):
            return full_disk_error(f"SQLite could not grow {where}: {error}")
        if name.startswith("SQLITE_READONLY"):
            return read_only_error((database and why_read_only(database)) or f"the operating system refused to let coder write {where}")
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return locked_error(busy_timeout(), "read or write it")
        if name.startswith("SQLITE_CANTOPEN"):
            reason = database and why_read_only(database)
            return read_only_error(reason) if reason else CoderError(
                f"coder cannot open {where} ({error})", fix="check that the study folder is there and that you may read it")
        if name.startswith("SQLITE_IOERR"):
            return CoderError(f"the disk reported an error with {where} ({error}): nothing was written",
                              fix="check the disk (full? a drive that went away?), then try again")
        return None
    if isinstance(error, OSError) and error.errno in READ_ONLY_ERRORS + FULL_ERRORS:
        where = error.filename or "a file"
        if error.errno in FULL_ERRORS:
            return full_disk_error(f"no space left to write {where}")
        return CoderError(f"coder may not write '{where}': its folder or the file is read-only ({error.strerror})",
                          fix="write it somewhere you may (exports take --output PATH, coder agree --save DIR,"
                              " coder backup FILE), or ask for write access")
    return None
