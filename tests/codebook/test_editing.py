"""Open coding: codebook edits are single undoable events, written through to codebook.yaml."""

from __future__ import annotations

import json
import re

import pytest

from coder import codebook as edit
from coder import coding, events
from coder.codebook import load_codebook
from coder.db import setting
from coder.errors import CoderError
from coder.study import connect_study, refresh_study
from tests.conftest import INTERVIEW, REPO, SMALL_CODEBOOK

COMMENTED = (SMALL_CODEBOOK
             .replace("groups:\n", "groups:\n  # The four functions of intermediaries.\n")
             .replace("      - name: Diffusing\n", "      # --- Diffusing: spreading knowledge ---\n      - name: Diffusing\n")
             .replace("      - name: Scanning sources\n        parent: Accessing\n",
                      "      - name: Scanning sources\n        parent: Accessing  # a sub-code\n\n  # Phases: one per passage.\n"))


@pytest.fixture
def study(make_study):
    built = make_study(documents={"int01.md": INTERVIEW}, codebook=COMMENTED)
    db = connect_study(built)
    refresh_study(built, db)
    db.close()
    return built


def yaml_text(study):
    return (study.codebook_dir / "codebook.yaml").read_text(encoding="utf-8")


def comments(text):
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def yaml_codes(codebook):
    """The hand-written codes as load_codebook reads them, in file order."""
    return [(c.group, c.name, c.parent, c.key, c.colour, c.description, c.include, c.exclude, c.examples, c.keywords)
            for c in codebook.codes() if c.organisation is None]


def db_codes(db):
    rows = db.execute(
        "SELECT g.name, c.name, p.name, c.key, c.colour, c.description, c.include, c.exclude, c.examples, c.keywords"
        " FROM codes c JOIN code_groups g ON g.id = c.group_id LEFT JOIN codes p ON p.id = c.parent_id"
        " WHERE c.active = 1 AND c.organisation_id IS NULL ORDER BY g.ordinal, c.ordinal").fetchall()
    return [(*r[:8], json.loads(r[8]), json.loads(r[9])) for r in rows]


def assert_in_sync(study, db):
    """The YAML reads back as exactly the database's codebook, and the stored version is the file's."""
    codebook = load_codebook(study.codebook_dir)
    assert yaml_codes(codebook) == db_codes(db)
    assert setting(db, "codebook_sha256") == codebook.sha256


@pytest.fixture
def ana(db):
    return coding.add_coder(db, "ana")


def test_codebook_edit_create_writes_the_yaml_and_keeps_comments(study, db, ana):
    before = yaml_text(study)
    code = edit.create_code(db, study, group="function", name="Trade fairs", parent="Accessing", key="f",
                            colour="#123456", description="Fairs abroad. " * 10, coder_id=ana)
    assert code.path == "function/Trade fairs" and coding.find_code(db, "Trade fairs") == code
    assert_in_sync(study, db)
    text = yaml_text(study)
    assert comments(text) == comments(before)
    # placed after its parent's family; the comment that headed the next group still heads it
    assert text.index("name: Scanning sources") < text.index("name: Trade fairs") < text.index("# Phases: one per passage.")
    assert '        key: "f"\n' in text and "description: >\n" in text


def test_codebook_edit_rename_updates_sub_codes_in_the_yaml(study, db, ana):
    coding_id = coding.apply_code(db, 1, coding.find_code(db, "Accessing"), ana, 0, 10)
    renamed = edit.rename_code(db, study, "Accessing", "Accessing knowledge", coder_id=ana)
    assert db.execute("SELECT code_id FROM codings WHERE id = ?", [coding_id]).fetchone()[0] == renamed.id
    assert_in_sync(study, db)
    assert re.search(r"parent: Accessing knowledge +# a sub-code\n", yaml_text(study))


def test_codebook_edit_move_and_define(study, db, ana):
    edit.move_code(db, study, "Scanning sources", "Diffusing", coder_id=ana)
    edit.define_code(db, study, "Diffusing", description="Spreading knowledge\nwithin the cluster.", include="newsletters",
                     exclude="", keywords=["training", "bulletin", "training"], key="d", colour="teal", coder_id=ana)
    assert_in_sync(study, db)
    assert "# --- Diffusing: spreading knowledge ---\n      - name: Diffusing\n" in yaml_text(study)
    codebook = {c.name: c for c in load_codebook(study.codebook_dir).codes()}
    assert codebook["Scanning sources"].parent == "Diffusing"
    assert codebook["Diffusing"].keywords == ["training", "bulletin"] and codebook["Diffusing"].key == "d"
    edit.define_code(db, study, "Diffusing", include="", key="", coder_id=ana)  # "" clears a field
    assert_in_sync(study, db)
    edit.move_code(db, study, "Scanning sources", None, coder_id=ana)
    assert_in_sync(study, db)
    codebook = {c.name: c for c in load_codebook(study.codebook_dir).codes()}
    assert (codebook["Diffusing"].include, codebook["Diffusing"].key, codebook["Scanning sources"].parent) == (None, None, None)
    assert codebook["Diffusing"].description == "Spreading knowledge\nwithin the cluster."


def test_codebook_edit_merge_unions_codings_without_duplicates(study, db, ana):
    ben = coding.add_coder(db, "ben")
    source, target = coding.find_code(db, "Scanning sources"), coding.find_code(db, "Accessing")
    coding.apply_code(db, 1, target, ana, 0, 20, memo="target memo")
    coding.apply_code(db, 1, source, ana, 10, 30, memo="source memo")  # overlaps: joined
    coding.apply_code(db, 1, source, ana, 100, 120)  # alone: simply moves
    coding.apply_code(db, 1, target, ben, 40, 60)
    coding.apply_code(db, 1, source, ben, 40, 60)  # the very same span: one coding, not two
    edit.create_code(db, study, group="function", name="Prices", parent="Scanning sources", coder_id=ana)
    report = edit.merge_codes(db, study, source, target, coder_id=ana)
    assert (report.target, report.moved, report.unioned) == (target, 1, 2)
    rows = db.execute("SELECT r.name, c.start, c.end, c.memo FROM codings c JOIN coders r ON r.id = c.coder_id"
                      " WHERE code_id = ? ORDER BY r.name, c.start", [target.id]).fetchall()
    assert rows == [("ana", 0, 30, "target memo\n\nsource memo"), ("ana", 100, 120, None), ("ben", 40, 60, None)]
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM codes WHERE id = ?", [source.id]).fetchone()[0] == 0
    assert {c.name: c.parent for c in load_codebook(study.codebook_dir).codes()}["Prices"] == "Accessing"
    assert_in_sync(study, db)
    assert "Scanning sources" not in yaml_text(study) and "# Phases: one per passage." in yaml_text(study)


def test_codebook_edit_merge_into_a_sub_code_keeps_the_tree_acyclic(study, db, ana):
    edit.merge_codes(db, study, "Accessing", "Scanning sources", coder_id=ana)
    codebook = {c.name: c for c in load_codebook(study.codebook_dir).codes()}
    assert codebook["Scanning sources"].parent is None
    assert codebook["Scanning sources"].keywords == ["buyers", "trade fair"]
    assert_in_sync(study, db)


def test_codebook_edit_undo_and_redo_keep_database_and_yaml_together(study, db, ana):
    original = yaml_text(study)
    edit.create_code(db, study, group="role", name="gatekeeper", key="t", coder_id=ana)
    coding.apply_code(db, 1, coding.find_code(db, "gatekeeper"), ana, 0, 10)
    edit.rename_code(db, study, "Accessing", "Access", coder_id=ana)
    edit.move_code(db, study, "gatekeeper", "broker", coder_id=ana)
    edit.define_code(db, study, "Diffusing", description="Spreading knowledge.", coder_id=ana)
    edit.merge_codes(db, study, "gatekeeper", "broker", coder_id=ana)
    edit.merge_codes(db, study, "Scanning sources", "Access", coder_id=ana)
    after = yaml_text(study)
    actions = []
    for _ in range(7):
        actions.append(edit.undo_with_codebook(study, db, ana).action)
        assert_in_sync(study, db)
    assert actions.count("code") == 1 and set(actions) - {"code"} <= edit.CODEBOOK_ACTIONS
    assert yaml_text(study) == original  # byte for byte, comments and all
    for _ in range(7):
        edit.redo_with_codebook(study, db, ana)
        assert_in_sync(study, db)
    assert yaml_text(study) == after
    assert db.execute("SELECT count(*) FROM codings WHERE code_id = ?", [coding.find_code(db, "broker").id]).fetchone()[0] == 1


def test_codebook_edit_events_undo_then_mirror_is_the_same(study, db, ana):
    original = yaml_text(study)
    edit.rename_code(db, study, "broker", "knowledge broker", coder_id=ana)
    event = events.undo(db, ana)
    assert event.action == "rename_code" and "knowledge broker" in yaml_text(study)
    assert edit.mirror_to_yaml(study, db, event.ops) is True
    assert yaml_text(study) == original
    assert_in_sync(study, db)


def test_codebook_edit_recreating_a_retired_code_brings_it_back(study, db, ana):
    coding.apply_code(db, 1, coding.find_code(db, "broker"), ana, 0, 10)
    path = study.codebook_dir / "codebook.yaml"
    path.write_text(path.read_text().replace("      - name: broker\n        key: b\n", ""), encoding="utf-8")
    refresh_study(study, db)
    assert db.execute("SELECT active FROM codes WHERE name = 'broker'").fetchone()[0] == 0
    with pytest.raises(CoderError, match="is retired"):
        edit.rename_code(db, study, "broker", "knowledge broker", coder_id=ana)
    back = edit.create_code(db, study, group="role", name="broker", coder_id=ana)
    assert db.execute("SELECT count(*) FROM codings WHERE code_id = ?", [back.id]).fetchone()[0] == 1
    assert_in_sync(study, db)


def test_codebook_edit_a_yaml_changed_on_disk_is_re_read_later(study, db, ana):
    path = study.codebook_dir / "codebook.yaml"
    path.write_text(path.read_text().replace("      - name: Phase 3\n", "      - name: Phase 3\n      - name: Phase 4\n"))
    edit.rename_code(db, study, "broker", "knowledge broker", coder_id=ana)
    assert "Phase 4" in path.read_text() and "knowledge broker" in path.read_text()
    assert setting(db, "codebook_sha256") != load_codebook(study.codebook_dir).sha256  # so the next open re-syncs
    refresh_study(study, db)
    assert_in_sync(study, db)


INVALID_EDITS = [
    (lambda db, s: edit.create_code(db, s, group="function", name="diffusing"), "already has a code named 'Diffusing'"),
    (lambda db, s: edit.create_code(db, s, group="function", name="  "), "a code needs a name"),
    (lambda db, s: edit.create_code(db, s, group="function", name="a/b"), "contains '/'"),
    (lambda db, s: edit.create_code(db, s, group="functions", name="X"), "no code group named 'functions'"),
    (lambda db, s: edit.create_code(db, s, group="function", name="X", key="j"), "'j' is reserved"),
    (lambda db, s: edit.create_code(db, s, group="function", name="X", key="b"), "already used by 'role/broker'"),
    (lambda db, s: edit.create_code(db, s, group="function", name="X", key="ab"), "not one character"),
    (lambda db, s: edit.create_code(db, s, group="function", name="X", colour="#12"), "bad colour"),
    (lambda db, s: edit.create_code(db, s, group="function", name="X", parent="broker"), "in another group"),
    (lambda db, s: edit.create_code(db, s, group="actor", name="INCAGRO"), "generated from the organisations file"),
    (lambda db, s: edit.rename_code(db, s, "Diffusing", "Accessing"), "already has a code named 'Accessing'"),
    (lambda db, s: edit.rename_code(db, s, "SENASA", "Senasa"), "generated from the organisations file"),
    (lambda db, s: edit.move_code(db, s, "Accessing", "Scanning sources"), "parent cycle"),
    (lambda db, s: edit.move_code(db, s, "Accessing", "Accessing"), "parent cycle"),
    (lambda db, s: edit.move_code(db, s, "Accessing", "Phase 1"), "in another group"),
    (lambda db, s: edit.merge_codes(db, s, "Accessing", "Accessing"), "into itself"),
    (lambda db, s: edit.merge_codes(db, s, "Accessing", "broker"), "different groups"),
    (lambda db, s: edit.merge_codes(db, s, "SENASA", "APEM"), "cannot be merged here"),
    (lambda db, s: edit.define_code(db, s, "Diffusing", key="1"), "already used by 'function/Accessing'"),
    (lambda db, s: edit.define_code(db, s, "PROMPERU", description="x"), "generated from the organisations file"),
]


def test_codebook_edit_invalid_edits_are_refused_and_change_nothing(study, db):
    before, events_before = yaml_text(study), db.execute("SELECT count(*) FROM events").fetchone()[0]
    for call, message in INVALID_EDITS:
        with pytest.raises(CoderError, match=message):
            call(db, study)
    assert yaml_text(study) == before
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events_before


def test_codebook_edit_a_failed_yaml_write_rolls_the_database_back(study, db, ana):
    path = study.codebook_dir / "codebook.yaml"
    path.write_text(path.read_text() + "  - [unbalanced\n")
    with pytest.raises(CoderError, match="cannot read the codebook for editing"):
        edit.rename_code(db, study, "broker", "knowledge broker", coder_id=ana)
    assert coding.find_code(db, "broker").name == "broker"


# The bundled codebook: real comments and layout survive every kind of edit, and undo restores the bytes --


BUNDLED = REPO / "codebook" / "codebook.yaml"


@pytest.mark.skipif(not BUNDLED.exists(), reason="the bundled study's codebook is not present")
def test_codebook_edit_bundled_codebook_round_trips_every_edit(make_study):
    original = BUNDLED.read_text(encoding="utf-8")
    built = make_study(codebook=original, organisations=(BUNDLED.parent / "organisations.yaml").read_text(encoding="utf-8"))
    db = connect_study(built)
    refresh_study(built, db)
    ana = coding.add_coder(db, "ana")
    edit.create_code(db, built, group="function", name="Fairs", parent="Accessing", key="f", description="Trade fairs.", coder_id=ana)
    edit.move_code(db, built, "Scanning sources", "Diffusing", coder_id=ana)
    edit.define_code(db, built, "Enabling", include="A new include that is long enough to be folded over two lines when written out.",
                     coder_id=ana)
    edit.merge_codes(db, built, "New technologies and markets", "Scanning sources", coder_id=ana)
    edit.merge_codes(db, built, "Accessing", "Diffusing", coder_id=ana)  # the first entry of the file
    edit.merge_codes(db, built, "community of practice", "broker", coder_id=ana)  # the last hand-written entry
    assert_in_sync(built, db)
    edited = yaml_text(built)
    assert comments(edited) == [c for c in comments(original) if not c.startswith("# --- Accessing")]
    assert '"didn\'t speak English"' in edited  # the merged keyword list keeps its items' quoting
    for _ in range(6):
        edit.undo_with_codebook(built, db, ana)
    assert yaml_text(built) == original
    for _ in range(6):
        edit.redo_with_codebook(built, db, ana)
    assert yaml_text(built) == edited
    db.close()


def test_codebook_edit_create_and_apply_is_one_undo(study, db, ana):
    span = coding.passage_span(db, 1, 2)
    code = edit.create_code(db, study, group="role", name="gatekeeper", coder_id=ana, apply_to=(1, *span))
    assert db.execute("SELECT code_id, start, end FROM codings").fetchall() == [(code.id, *span)]
    assert edit.undo_with_codebook(study, db, ana).action == "create_code"
    assert db.execute("SELECT count(*) FROM codings").fetchone()[0] == 0 and "gatekeeper" not in yaml_text(study)
    assert_in_sync(study, db)


def test_codebook_edit_undo_of_a_code_used_since_is_refused(study, db, ana):
    code = edit.create_code(db, study, group="role", name="gatekeeper", coder_id=ana)
    coding.apply_code(db, 1, code, coding.add_coder(db, "ben"), 0, 10)  # another coder uses it
    with pytest.raises(CoderError, match="has been used since"):
        edit.undo_with_codebook(study, db, ana)
    assert "gatekeeper" in yaml_text(study)
    assert_in_sync(study, db)
