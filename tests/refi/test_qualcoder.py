"""Our export read by QualCoder's importer's rules (`qualcoder`): every coding arrives with its own coder and
memo, span, document and study memos arrive, memos on codes and the study are journal entries, attributes are on the files;
and our own import takes the memos back from the same file, each once."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from coder import coding
from coder.memos import set_memo
from coder.refi import export_qdpx, import_refi
from coder.study import Study, connect_study
from tests.refi.builders import fresh
from tests.refi.qualcoder import read_as_qualcoder

CODINGS = ("SELECT d.name, k.name, c.start, c.end, r.name, coalesce(c.memo, '') FROM codings c JOIN documents d ON d.id = c.document_id"
           " JOIN codes k ON k.id = c.code_id JOIN coders r ON r.id = c.coder_id")
MEMOS = ("SELECT m.text, r.name, d.name, m.start, m.end, k.name FROM memos m LEFT JOIN coders r ON r.id = m.coder_id"
         " LEFT JOIN documents d ON d.id = m.document_id LEFT JOIN codes k ON k.id = m.code_id")


def test_qualcoder_gets_every_coding_with_its_coder_and_memo_and_every_memo(coded):
    study, path = coded
    db = connect_study(study)
    arrived = read_as_qualcoder(path)
    assert arrived.dropped == 0
    assert arrived.codings == {tuple(row[:5]): row[5] for row in db.execute(CODINGS)}
    spans: dict[tuple, list[str]] = defaultdict(list)
    documents: dict[str, list[str]] = defaultdict(list)
    for text, coder, document, start, end, _ in db.execute(MEMOS + " ORDER BY m.id"):
        if document and start is not None:
            spans[(document, start, end, coder or "default")].append(text)
        elif document:
            documents[document].append(text)
    assert spans and documents
    assert arrived.annotations == {key: "\n\n".join(texts) for key, texts in spans.items()}
    assert {k: v for k, v in arrived.source_memos.items() if v} == {k: "\n\n".join(v) for k, v in documents.items()}
    # memos on codes and on the study are journal entries, each under its own name; the others arrive where they hang
    assert sorted(arrived.journals.values()) == sorted(
        r[0] for r in db.execute("SELECT text FROM memos WHERE document_id IS NULL"))
    attributes = {name: {k: v for k, v in json.loads(a).items() if v is not None}
                  for name, a in db.execute("SELECT name, attributes FROM documents")}
    assert {name: set(values) for name, values in arrived.file_attributes.items()} == \
           {name: set(values) for name, values in attributes.items() if values}
    assert arrived.file_attributes["int02"]["interviewee_role"] == "Export manager"
    db.close()


def test_the_memos_come_back_from_the_same_file_each_once(coded, make_study):
    study, path = coded
    target, db = fresh(make_study)
    report = import_refi(db, target, path)
    source = connect_study(study)
    assert sorted(db.execute(MEMOS).fetchall(), key=repr) == sorted(source.execute(MEMOS).fetchall(), key=repr)
    assert report.memos_added == source.execute("SELECT count(*) FROM memos").fetchone()[0]
    assert sorted(db.execute(CODINGS).fetchall()) == sorted(source.execute(CODINGS).fetchall())
    source.close()
    db.close()


def test_on_the_bundled_study_no_coding_changes_coder_or_is_dropped(bundled_coded: Path, tmp_path: Path):
    shutil.copytree(bundled_coded, tmp_path / "piura")
    study = Study(tmp_path / "piura")
    db = connect_study(study)
    path = export_qdpx(db, study.exports_dir, "piura", output=tmp_path / "piura.qdpx")
    arrived = read_as_qualcoder(path)
    rows = db.execute(CODINGS).fetchall()
    assert arrived.dropped == 0 and len(arrived.codings) == len(rows) > 600
    assert arrived.codings == {tuple(row[:5]): row[5] for row in rows}
    db.close()


def test_notes_of_the_same_first_line_get_names_of_their_own_and_come_back_unchanged(study, make_study, tmp_path: Path):
    db = connect_study(study)
    code = coding.find_code(db, "Diffusing").id
    set_memo(db, coding.add_coder(db, "ana"), "Diffusing\n\noverlaps Accessing", code_id=code)
    set_memo(db, coding.add_coder(db, "ben"), "Diffusing\n\nis rare", code_id=code)
    path = export_qdpx(db, study.exports_dir, "same names", output=tmp_path / "same.qdpx")
    assert read_as_qualcoder(path).journals == {"Diffusing": "Diffusing\n\noverlaps Accessing", "Diffusing (2)": "Diffusing\n\nis rare"}
    target, into = fresh(make_study)
    import_refi(into, target, path)
    assert into.execute(MEMOS + " ORDER BY r.name").fetchall() == db.execute(MEMOS + " ORDER BY r.name").fetchall()
    db.close()
    into.close()
