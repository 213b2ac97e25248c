"""Who codes what: assigning documents, marking them done, and what agreement and status make of it."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from coder import assignments, coding
from coder.agreement import measure_agreement
from coder.cli import main
from coder.errors import CoderError
from coder.events import undo
from coder.status import study_status
from coder.study import Study, connect_study
from tests.agreement.coded_study import coded_study


def run(study: Study, *args: str):
    return CliRunner().invoke(main, ["--study", str(study.root), *args], env={"CODER_NAME": "ana"})


def test_assignments_assign_mark_done_take_back_and_undo(make_study) -> None:
    study, db = coded_study(make_study)
    ana, ben = coding.coder_id(db, "ana"), coding.coder_id(db, "ben")
    docs = assignments.documents_matching(db, ["int0*"])
    assert len(docs) == 3 and assignments.documents_matching(db, ["int02", "int02"]) == [docs[1]]
    assert assignments.assign(db, docs, [ana, ben], by=ana) == 6
    assert assignments.assign(db, docs, [ana], by=ana) == 0  # already hers
    assert assignments.document_marks(db, ana) == dict.fromkeys(docs, "assigned")
    assert assignments.toggle_done(db, docs[0], ana) is True
    assert assignments.document_marks(db, ana)[docs[0]] == "done"
    assert assignments.finished(db, [ana, ben]) == {ana: {docs[0]}}
    assert assignments.toggle_done(db, docs[0], ana) is False
    undo(db, ana)  # the last toggle undone: done again
    assert assignments.finished(db, [ana]) == {ana: {docs[0]}}
    assert assignments.work_by_coder(db) == {"ana": assignments.CoderWork(3, 1), "ben": assignments.CoderWork(3, 0)}
    assert assignments.unassign(db, docs[1:], [ben], by=ana) == 2
    assert [(a.document, a.coder, a.done is not None) for a in assignments.assignment_list(db, [ben])] == [("int01", "ben", False)]
    with pytest.raises(CoderError, match="no document matches"):
        assignments.documents_matching(db, ["nothing*"])
    db.close()


def test_assignments_marking_done_an_unassigned_document_assigns_it(make_study) -> None:
    study, db = coded_study(make_study)
    ben = coding.coder_id(db, "ben")
    doc = coding.find_document(db, "int03")
    assert assignments.mark_done(db, [doc], [ben], by=ben) == 1
    assert assignments.assigned_pairs(db) == {(doc, ben)} and assignments.finished(db, [ben]) == {ben: {doc}}
    assert assignments.mark_done(db, [doc], [ben], done=False, by=ben) == 1
    assert assignments.assigned_pairs(db) == {(doc, ben)} and assignments.finished(db, [ben]) == {}
    db.close()


def test_assignments_agreement_without_marks_compares_what_everyone_coded_and_says_so(make_study) -> None:
    study, db = coded_study(make_study)
    report = measure_agreement(db)
    assert report.parameters["documents"] == ["int01"]  # int02: only ana coded in it; int03: nobody
    assert report.parameters["documents_chosen"] == "the 1 every one of ana, ben coded in (none of them has marked a document done)"
    db.close()


def test_assignments_agreement_compares_the_documents_every_coder_marked_done(make_study) -> None:
    study, db = coded_study(make_study)
    ana, ben = coding.coder_id(db, "ana"), coding.coder_id(db, "ben")
    doc1, doc2, doc3 = (coding.find_document(db, name) for name in ("int01", "int02", "int03"))
    assignments.mark_done(db, [doc1, doc2], [ana], by=ana)
    assignments.mark_done(db, [doc2], [ben], by=ben)
    report = measure_agreement(db)
    assert report.parameters["documents"] == ["int02"]
    assert report.parameters["documents_chosen"] == "the 1 marked done by every one of ana, ben"
    # ben marked int02 done without coding anything in it: he coded nothing there, not missing data
    accessing = report.row("Accessing")
    assert accessing.alpha.units == 4 and accessing.percent.agreements == 3  # ana coded passage 1, ben nothing
    assignments.mark_done(db, [doc2], [ben], done=False, by=ben)
    assignments.mark_done(db, [doc3], [ben], by=ben)
    with pytest.raises(CoderError, match=r"no document is marked done by every one of ana, ben \(documents done: ana 2, ben 1\)"):
        measure_agreement(db)
    named = measure_agreement(db, documents=["int01", "int02"])  # named documents are compared whatever their marks
    assert named.parameters["documents_chosen"] == "the 2 named"
    assert named.notes[0] == "2 of the named documents are not marked done by every coder: int01, int02"
    db.close()


def test_assignments_the_consensus_coder_needs_no_done_marks(make_study) -> None:
    """Reconciling writes the consensus coder and nobody marks its documents done: compared with a coder, the documents
    are those the coder marked done and the consensus coded in; a note on named documents leaves it out too."""
    study, db = coded_study(make_study)
    ana = coding.coder_id(db, "ana")
    consensus = coding.add_coder(db, "consensus")
    doc1, doc2 = coding.find_document(db, "int01"), coding.find_document(db, "int02")
    coding.apply_code(db, doc1, coding.find_code(db, "Accessing"), consensus, 13, 74)
    assignments.mark_done(db, [doc1, doc2], [ana], by=ana)
    report = measure_agreement(db, coders=["ana", "consensus"])
    assert report.parameters["documents"] == ["int01"]  # int02: the consensus has coded nothing there
    assert report.parameters["documents_chosen"] == "the 1 marked done by ana and coded in by consensus"
    assert not measure_agreement(db, coders=["ana", "consensus"], documents=["int01"]).notes
    db.close()


def test_assignments_a_coder_with_no_codings_counts_as_coding_nothing_where_assigned(make_study) -> None:
    study, db = coded_study(make_study)
    ana = coding.coder_id(db, "ana")
    cleo = coding.add_coder(db, "cleo")  # has coded nothing
    doc1 = coding.find_document(db, "int01")
    with pytest.raises(CoderError, match="no document has codings by every one of ana, cleo"):
        measure_agreement(db, coders=["ana", "cleo"])
    unassigned = measure_agreement(db, coders=["ana", "cleo"], documents=["int01"])
    assert unassigned.row("Accessing").alpha.undefined  # cleo's units are missing data: nothing pairable
    assignments.assign(db, [doc1], [cleo], by=ana)
    assigned = measure_agreement(db, coders=["ana", "cleo"], documents=["int01"])
    assert assigned.row("Accessing").alpha.units == 4 and assigned.row("Accessing").percent.agreements == 2
    assignments.mark_done(db, [doc1], [ana, cleo], by=ana)
    assert measure_agreement(db, coders=["ana", "cleo"]).parameters["documents"] == ["int01"]
    character = measure_agreement(db, coders=["ana", "cleo"], unit="character")
    assert character.parameters["documents"] == ["int01"] and not character.notes
    with pytest.raises(CoderError, match="coder assign DOC --to NAME --new-coder"):
        measure_agreement(db, coders=["ana", "userA"])
    db.close()


def test_assignments_cli_assign_list_done_remove_and_status(make_study) -> None:
    study, db = coded_study(make_study)
    db.close()
    assert run(study, "assign").output.startswith("no document is assigned yet")
    refused = run(study, "assign", "int0*", "--to", "userA")
    assert refused.exit_code == 1 and "no coder named 'userA'" in refused.output and "--new-coder" in refused.output
    result = run(study, "assign", "int0*", "--to", "userA,ben", "--new-coder")
    assert result.exit_code == 0 and result.output == "3 document(s) × 2 coder(s): 6 newly assigned\n", result.output
    assert run(study, "assign", "int01", "int02", "--done", "--coder", "ben").output.endswith("2 marked done\n")
    assert run(study, "assign", "int01", "--done", "--to", "userA").exit_code == 0
    assert run(study, "assign", "int02", "--to", "userA", "--remove").output.endswith("1 taken back\n")
    listed = json.loads(run(study, "assign", "--format", "json").output)
    assert [(r["document"], r["coder"], bool(r["done"])) for r in listed] == [
        ("int01", "ben", True), ("int01", "userA", True), ("int02", "ben", True), ("int03", "ben", False), ("int03", "userA", False)]
    assert run(study, "assign", "--to", "ana").exit_code == 1  # nothing to assign
    status = run(study, "status").output
    assert "ben: 5 codings" in status and "2 of 3 assigned documents done" in status
    assert "userA: 0 codings, 0 passages coded (0.0%) in 0 of 3 documents; 1 of 2 assigned documents done" in status
    agree = run(study, "agree", "--coders", "ben", "userA", "--codes", "Accessing")
    assert agree.exit_code == 0, agree.output
    assert "documents: the 1 marked done by every one of ben, userA: int01" in agree.output


def test_assignments_bundled_study_agreement_as_before(bundled_coded, tmp_path) -> None:
    """Nobody has assigned or marked anything in the bundled study: every document both coders coded, said so."""
    root = tmp_path / "piura"
    shutil.copytree(bundled_coded, root)
    db = connect_study(Study(root))
    assert assignments.assignment_list(db) == [] and not any(c.assigned for c in study_status(db).coders)
    db.close()
    result = CliRunner().invoke(main, ["--study", str(root), "agree", "--coders", "ana", "ben", "--group", "phase"])
    assert result.exit_code == 0, result.output
    assert "documents: the 22 every one of ana, ben coded in (none of them has marked a document done): cong01, cong02, int01" \
        in result.output
