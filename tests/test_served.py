"""The served workbench's domain (`coder.served`): who a session codes as, what it may do, and what it notices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coder import served
from coder.cli import main
from coder.codebook import codebook_tree
from coder.coding import acting_coder, apply_code, find_code
from coder.db import Database
from coder.documents import list_documents
from coder.history import events_log
from coder.served import ServedAs
from coder.study import Study, connect_study


def test_the_served_coder_comes_from_the_environment() -> None:
    assert served.served_as({}) is None
    assert served.served_as({"CODER_SERVED_AS": "  "}) is None
    assert served.served_as({"CODER_SERVED_AS": "ana"}) == ServedAs("ana", lead=False)
    assert served.served_as({"CODER_SERVED_AS": "ana", "CODER_SERVED_LEAD": "0"}) == ServedAs("ana", lead=False)
    assert served.served_as({"CODER_SERVED_AS": " ben ", "CODER_SERVED_LEAD": "1"}) == ServedAs("ben", lead=True)
    assert str(ServedAs("ben", lead=True)) == "ben (lead)" and str(ServedAs("ana")) == "ana"


def test_the_policy_reads_as_the_researcher_said_it(db: Database) -> None:
    coder, lead = ServedAs("ana"), ServedAs("lea", lead=True)
    assert not served.may_switch_coder(coder) and not served.may_switch_coder(lead) and served.may_switch_coder(None)
    assert not served.may_see_others(db, coder) and served.may_see_others(db, lead) and served.may_see_others(db, None)
    assert not served.may_lead(coder) and served.may_lead(lead) and served.may_lead(None)


def test_a_lead_may_let_the_coders_see_each_other(db: Database) -> None:
    coder = ServedAs("ana")
    assert not served.others_visible(db)
    served.set_others_visible(db, True)
    assert served.others_visible(db) and served.may_see_others(db, coder)
    served.set_others_visible(db, False)
    assert not served.others_visible(db) and not served.may_see_others(db, coder)
    assert [e["action"] for e in events_log(db, action="others_visible")] == ["others_visible", "others_visible"]


def test_only_paths_inside_the_study_are_allowed(study: Study, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert served.path_allowed(study.root, study.exports_dir / "codes.md")
    assert served.path_allowed(study.root, study.root)
    assert not served.path_allowed(study.root, outside / "codes.md")
    assert not served.path_allowed(study.root, study.exports_dir / ".." / ".." / "elsewhere" / "codes.md")
    (study.root / "link").symlink_to(outside)  # a link inside the study that leads out of it
    assert not served.path_allowed(study.root, study.root / "link" / "codes.md")


def test_writes_of_other_connections_change_the_data_version(study: Study, db: Database) -> None:
    seen, written = served.data_version(db), served.own_writes(db)
    acting_coder(db, "ana", new=True)  # this connection's own write
    assert served.data_version(db) == seen and served.own_writes(db) > written
    other = connect_study(study)
    try:
        first = codebook_tree(other)[0]
        code = find_code(other, f"{first['group']}/{first['code']}")
        apply_code(other, list_documents(other)[0].id, code, acting_coder(other, "ana"), 0, 5)
    finally:
        other.close()
    assert served.data_version(db) != seen


def test_the_served_coder_beats_coder_and_coder_name(study: Study, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[Any, ...]] = []

    class Made:
        def run(self) -> None:
            pass

    def make_app(root: Path, coder: str | None = None, *, served: ServedAs | None = None) -> Made:
        made.append((root, coder, served))
        return Made()

    monkeypatch.setattr("coder.tui.app.make_app", make_app)
    environment = {"CODER_NAME": "cid", "CODER_SERVED_AS": "ben", "CODER_SERVED_LEAD": "1"}
    result = CliRunner().invoke(main, ["--study", str(study.root), "--coder", "ana"], env=environment)
    assert result.exit_code == 0, result.output
    assert made == [(study.root, None, ServedAs("ben", lead=True))]
    result = CliRunner().invoke(main, ["--study", str(study.root), "--coder", "ana"], env={"CODER_SERVED_AS": ""})
    assert made[-1] == (study.root, "ana", None)
