"""Lookups by a document's name or path go through an index, whatever the number of documents (issue 15)."""

from __future__ import annotations

from coder.coding import find_document
from coder.db import open_db


def plans(db, work) -> list[str]:
    """The query plan of every statement `work` runs on the documents table."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        work()
    finally:
        db.conn.set_trace_callback(None)
    return [detail for sql in statements if "FROM documents" in sql
            for *_, detail in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()]


def test_finding_a_document_by_name_or_path_uses_an_index(db):
    found = plans(db, lambda: (find_document(db, "int01"), find_document(db, "transcripts/int01.md")))
    assert found and not [p for p in found if p.startswith("SCAN")], found
    assert any("documents_path" in p for p in found)


def test_an_older_study_gets_the_index_on_paths(tmp_path):
    old = open_db(tmp_path / "old.db", upto=5)
    assert old.execute("SELECT count(*) FROM sqlite_master WHERE name = 'documents_path'").fetchone() == (0,)
    old.close()
    upgraded = open_db(tmp_path / "old.db")
    assert upgraded.execute("SELECT count(*) FROM sqlite_master WHERE name = 'documents_path'").fetchone() == (1,)
    upgraded.close()
