"""The study database's tables, and the steps that bring an older file's tables up to date.

docs/schema.md describes every table for researchers; `PRAGMA user_version` is the schema version,
the number of steps a file has taken. Each step moves the schema forward by one version and runs in
one transaction (coder.db.open_db). Never edit a released step: add one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coder.db import Database

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


M005_DISMISSALS = """
CREATE TABLE suggestion_dismissals (
    id INTEGER PRIMARY KEY,
    coder_id INTEGER NOT NULL REFERENCES coders(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    code_id INTEGER NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (coder_id, document_id, code_id, start, end)
);
"""

M006_DOCUMENT_PATHS = """
CREATE INDEX documents_path ON documents (path);
"""  # a document is looked up by its name (unique, so indexed) or its file's path: both through an index


def m007_fast_open(db: Database) -> None:
    """A transcript's bytes vouched for by its size and modification time, so opening reads only what changed;
    the coded spans read from the index alone. Schema changes made through sqlite-utils' table API (imported
    here only: a migration runs once per study)."""
    import sqlite_utils

    tables = sqlite_utils.Database(db.conn, recursive_triggers=False, execute_plugins=False)
    tables.table("transcript_files").create({"path": str, "sha256": str, "size": int, "mtime_ns": int}, pk="path",
                                            not_null={"sha256", "size", "mtime_ns"})
    db.execute("DROP INDEX codings_document")
    tables.table("codings").create_index(["document_id", "coder_id", "start", "end"], index_name="codings_document")


M008_ASSIGNMENTS = """
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    coder_id INTEGER NOT NULL REFERENCES coders(id) ON DELETE CASCADE,
    assigned TEXT NOT NULL,
    done TEXT,
    UNIQUE (document_id, coder_id)
);
CREATE INDEX assignments_coder ON assignments (coder_id);
"""  # who codes what: a row per document given to a coder; `done` when the coder marked it finished


M009_SCALES = """
ALTER TABLE code_groups ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE codes ADD COLUMN value REAL;
DELETE FROM settings WHERE key = 'codebook_sha256';
"""  # ordered groups and code values (agreement at ordinal, interval, ratio level); the codebook is read again to fill them


M010_LOGINS = """
CREATE TABLE IF NOT EXISTS logins (
    id INTEGER PRIMARY KEY,
    coder_id INTEGER NOT NULL UNIQUE REFERENCES coders(id) ON DELETE CASCADE,
    lead INTEGER NOT NULL DEFAULT 0,
    selector TEXT UNIQUE,
    salt TEXT,
    token_hash TEXT,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE IF NOT EXISTS web_sessions (
    id INTEGER PRIMARY KEY,
    login_id INTEGER NOT NULL REFERENCES logins(id) ON DELETE CASCADE,
    cookie_hash TEXT NOT NULL UNIQUE,
    address TEXT,
    created TEXT NOT NULL,
    ended TEXT
);
"""  # the lab server (coder serve): logins, their one-time links (selector + salted hash, null once used), sessions;
# IF NOT EXISTS: a test may take a database back before an earlier step and forward again


MIGRATIONS: list[str | Callable[[Database], None]] = [
    M001_CORE, M002_SEARCH, M003_VERSIONS, m004_every_coding_accounted, M005_DISMISSALS, M006_DOCUMENT_PATHS,
    m007_fast_open, M008_ASSIGNMENTS, M009_SCALES, M010_LOGINS,
]
SCHEMA_VERSION = len(MIGRATIONS)


def take_step(db: Database, step: int) -> None:
    """Run migration `step` (0-based) on `db`, inside the caller's transaction."""
    migration = MIGRATIONS[step]
    if callable(migration):
        migration(db)
    else:
        for statement in _statements(migration):
            db.execute(statement)


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (executescript would commit the transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
