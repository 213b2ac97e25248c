"""Syncing the codebook to the database: coded codes are retired, not dropped; unchanged files are skipped."""

from __future__ import annotations

import json

from coder import coding
from coder.codebook import codebook_tree
from coder.study import connect_study, refresh_study
from tests.conftest import SMALL_CODEBOOK, SMALL_ORGANISATIONS, write


def test_codebook_sync_keeps_coded_codes_and_tracks_changes(make_study):
    study = make_study()
    db = connect_study(study)
    refresh_study(study, db)
    assert len(codebook_tree(db)) == 14
    ana = coding.add_coder(db, "ana")
    diffusing = coding.find_code(db, "Diffusing")
    coding.apply_code(db, 1, diffusing, ana, 0, 10)
    uuid = db.execute("SELECT uuid FROM codes WHERE id = ?", [diffusing.id]).fetchone()[0]
    # Remove Diffusing (coded) and Enabling (not coded) from the YAML, change a colour.
    edited = SMALL_CODEBOOK.replace('      - name: Diffusing\n        key: "2"\n        colour: "#e9c46a"\n'
                                    '        keywords: [training, newsletter]\n', "")
    edited = edited.replace('      - name: Enabling\n        key: "4"\n        colour: "#e76f51"\n'
                            '        keywords: [pilot plant, hot water]\n', "")
    edited = edited.replace("#2a9d8f", "#000000")
    write(study.codebook_dir / "codebook.yaml", edited)
    report = refresh_study(study, db).codebook
    assert report.retired == ["function/Diffusing"] and report.removed == ["function/Enabling"]
    assert report.changed == ["function/Accessing"]
    row = db.execute("SELECT active, key, uuid FROM codes WHERE id = ?", [diffusing.id]).fetchone()
    assert row == (0, None, uuid)  # kept, with its coding, no longer on a key
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 1
    # Put it back: the same code (same uuid) comes back to life.
    write(study.codebook_dir / "codebook.yaml", SMALL_CODEBOOK)
    assert refresh_study(study, db).codebook.added == ["function/Enabling"]
    assert db.execute("SELECT active, key, uuid FROM codes WHERE id = ?", [diffusing.id]).fetchone() == (1, "2", uuid)


def test_codebook_sync_is_skipped_when_files_are_unchanged(study, db):
    assert refresh_study(study, db).codebook is None
    events = db.execute("SELECT count(*) FROM events WHERE action = 'sync_codebook'").fetchone()[0]
    assert events == 1


def test_codebook_new_alias_finds_new_mentions(study, db):
    assert db.execute("SELECT count(*) FROM mentions m JOIN organisations o ON o.id = m.organisation_id"
                      " WHERE o.name = 'APEM'").fetchone()[0] == 1
    write(study.codebook_dir / "organisations.yaml", SMALL_ORGANISATIONS.replace(
        "  - name: APEM\n", "  - name: APEM\n    aliases: [United States]\n"))
    refresh_study(study, db)
    found = db.execute("SELECT text FROM mentions m JOIN organisations o ON o.id = m.organisation_id"
                       " WHERE o.name = 'APEM' ORDER BY start").fetchall()
    assert [r[0] for r in found] == ["United States", "APEM"]
    aliases = db.execute("SELECT aliases FROM organisations WHERE name = 'APEM'").fetchone()[0]
    assert json.loads(aliases) == ["United States"]
