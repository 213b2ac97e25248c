"""Exports a writer wants by default (issue 14, item 6): a passage several coders coded appears once,
naming them; a code's excerpts bring its sub-codes' (or keep them apart, or leave them out); whose
codings — mine, the consensus, one coder, all; and exporting again replaces the earlier file unless
both are kept. Checked on the bundled study's demonstration codings (ana and ben)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder import coding
from coder.cli import main
from coder.exports.excerpts import ExcerptQuery, export_excerpts, find_excerpts
from coder.study import Study, connect_study
from tests.conftest import REPO, demonstration_codes

ACCESSING = "function/Accessing"
SETTLED = "settled: both coders said Accessing"


def accessing_paths(db) -> set[str]:
    """Accessing's path and those of the codes below it, as the demonstration files write them (group/name)."""
    ids = {coding.find_code(db, "Accessing").id}
    while more := {r[0] for r in db.execute(f"SELECT id FROM codes WHERE parent_id IN ({','.join('?' * len(ids))})", list(ids))} - ids:
        ids |= more
    return {f"{g}/{n}" for g, n in db.execute(
        f"SELECT g.name, k.name FROM codes k JOIN code_groups g ON g.id = k.group_id WHERE k.id IN ({','.join('?' * len(ids))})",
        list(ids))}


def both_accessing() -> list[tuple[tuple[str, int], dict[str, set[str]]]]:
    """The passages ana and ben both coded Accessing itself (whole passages each), with what each coded there."""
    return [(unit, codes) for unit, codes in sorted(demonstration_codes().items())
            if ACCESSING in codes["ana"] and ACCESSING in codes["ben"]]


def settled_unit(paths: set[str]) -> tuple[str, int]:
    """The first passage both coders coded Accessing where only one of them also gave it sub-codes."""
    return next(unit for unit, codes in both_accessing()
                if sum(bool(codes[c] & paths - {ACCESSING}) for c in ("ana", "ben")) == 1)


@pytest.fixture(scope="module")
def piura(bundled_two_coders: Path, tmp_path_factory: pytest.TempPathFactory) -> Study:
    """The bundled study with ana's and ben's codings (before reconciling) and a consensus coder who settled one
    passage: the first both coded Accessing where only one of them gave it sub-codes."""
    root = tmp_path_factory.mktemp("choices") / "piura"
    shutil.copytree(bundled_two_coders, root)
    study = Study(root)
    db = connect_study(study)
    name, passage = settled_unit(accessing_paths(db))
    document = coding.find_document(db, name)
    start, end = coding.passage_span(db, document, passage)
    coding.apply_code(db, document, coding.find_code(db, "Accessing"), coding.add_coder(db, "consensus"), start, end, memo=SETTLED)
    db.close()
    return study


@pytest.fixture
def db(piura: Study):
    database = connect_study(piura)
    yield database
    database.close()


def codings_of(db, code: str, coders: tuple[str, ...] = ("ana", "ben"), *, below: bool = True) -> list[tuple]:
    """(uuid, document, start, end) of every coding of the code (and the codes below it) by the coders, straight from SQL."""
    codes = {coding.find_code(db, code).id}
    while below:
        more = {r[0] for r in db.execute(f"SELECT id FROM codes WHERE parent_id IN ({','.join('?' * len(codes))})", list(codes))}
        below = bool(more - codes)
        codes |= more
    return db.execute(
        f"SELECT c.uuid, d.name, c.start, c.end FROM codings c JOIN documents d ON d.id = c.document_id"
        f" JOIN coders r ON r.id = c.coder_id WHERE c.code_id IN ({','.join('?' * len(codes))})"
        f" AND r.name IN ({','.join('?' * len(coders))})", [*codes, *coders]).fetchall()


def overlapping_groups(rows: list[tuple]) -> list[set[str]]:
    """Uuids of codings joined by overlapping spans in one document (pairwise, as a researcher would check)."""
    groups: list[set[str]] = []
    for uuid, document, start, end in rows:
        joined = [g for g in groups if any(d == document and s < end and start < e for _, d, s, e in (
            next(r for r in rows if r[0] == u) for u in g))]
        merged = {uuid}.union(*joined)
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


def test_a_passage_coded_by_several_coders_appears_once_naming_them(db):
    found = find_excerpts(db, ExcerptQuery(codes=["Accessing"]))
    rows = codings_of(db, "Accessing")
    assert sorted(sorted(e.uuids) for e in found.items) == sorted(sorted(g) for g in overlapping_groups(rows))
    paths = accessing_paths(db)
    document, passage = settled_unit(paths)  # both coded Accessing there, only one of them gave sub-codes
    codes = demonstration_codes()[document, passage]
    (sub_coder,) = [c for c in ("ana", "ben") if codes[c] & paths - {ACCESSING}]
    there = [e for e in found.items if e.document == document and e.first_passage == passage]
    assert len(there) == 1 and there[0].coders == ("ana", "ben")  # once, not once per coding
    assert sorted(there[0].sub_codes) == sorted(f"{p.split('/', 1)[1]} ({sub_coder})" for p in codes[sub_coder] & paths - {ACCESSING})
    each = find_excerpts(db, ExcerptQuery(codes=["Accessing"], each_coding=True))
    assert len(each.items) == len(rows) > len(found.items)
    assert sum(e.document == document and e.first_passage == passage for e in each.items) == sum(len(codes[c] & paths) for c in codes)


def test_a_merged_excerpt_quotes_the_whole_stretch_its_coders_coded(db):
    for excerpt in find_excerpts(db, ExcerptQuery(group="function")).items:
        spans = db.execute(f"SELECT start, end FROM codings WHERE uuid IN ({','.join('?' * len(excerpt.uuids))})",
                           excerpt.uuids).fetchall()
        assert (excerpt.start, excerpt.end) == (min(s for s, _ in spans), max(e for _, e in spans))
        text = db.execute("SELECT text FROM documents WHERE name = ?", [excerpt.document]).fetchone()[0]
        assert excerpt.text == text[excerpt.start:excerpt.end]


def test_sub_codes_come_with_their_code_or_apart_or_not_at_all(db):
    with_them = find_excerpts(db, ExcerptQuery(codes=["Accessing"]))
    apart = find_excerpts(db, ExcerptQuery(codes=["Accessing"], sub_codes="apart"))
    without = find_excerpts(db, ExcerptQuery(codes=["Accessing"], sub_codes="without"))
    everything = {r[0] for r in codings_of(db, "Accessing")}
    assert {u for e in with_them.items for u in e.uuids} == everything == {u for e in apart.items for u in e.uuids}
    assert [p for p, _ in with_them.by_code()] == ["function/Accessing"]
    sub_codes = {r[0] for r in db.execute("SELECT c.name FROM codes c JOIN codes p ON p.id = c.parent_id WHERE p.name = 'Accessing'")}
    assert {p.split("/")[1] for p, _ in apart.by_code()} - {"Accessing"} <= sub_codes and len(apart.by_code()) > 1
    assert {u for e in without.items for u in e.uuids} == {r[0] for r in codings_of(db, "Accessing", below=False)}
    assert all(not e.sub_codes for e in apart.items + without.items)
    assert "sub-codes: each under its own heading" in apart.filters


def test_whose_codings_all_but_the_consensus_by_default_or_one_coder(db):
    everybody = find_excerpts(db, ExcerptQuery(codes=["Accessing"]))
    assert "coders: ana, ben (all but consensus)" in everybody.filters
    assert {c for e in everybody.items for c in e.coders} == {"ana", "ben"}
    consensus = find_excerpts(db, ExcerptQuery(codes=["Accessing"], coders=["consensus"]))
    document, passage = settled_unit(accessing_paths(db))
    assert [(e.document, e.passage, e.coders) for e in consensus.items] == [(document, str(passage), ("consensus",))]
    ben = find_excerpts(db, ExcerptQuery(codes=["Accessing"], coders=["ben"]))
    assert {u for e in ben.items for u in e.uuids} == {r[0] for r in codings_of(db, "Accessing", ("ben",))}


def test_memos_say_whose_when_an_excerpt_has_several_coders(db, tmp_path):
    query = ExcerptQuery(codes=["Accessing"], coders=["ana", "ben", "consensus"])
    found = find_excerpts(db, query)
    text = export_excerpts(db, tmp_path, query, "md").read_text(encoding="utf-8")
    (settled,) = [e for e in found.items if "consensus" in e.coders]
    memos = {(who, memo) for who, memo in db.execute(
        f"SELECT r.name, c.memo FROM codings c JOIN coders r ON r.id = c.coder_id WHERE c.memo != ''"
        f" AND c.uuid IN ({','.join('?' * len(settled.uuids))})", settled.uuids)}
    assert ("consensus", SETTLED) in memos  # and whatever ana and ben wrote there
    assert settled.coders == ("ana", "ben", "consensus") and sorted(settled.memo.split("\n\n")) == sorted(f"{w}: {m}" for w, m in memos)
    assert all(f"**Memo ({who}):** {memo}" in text for who, memo in memos)
    alone = [e for e in found.items if e.memos and len(e.coders) == 1]
    assert alone and all(f"**Memo:** {e.memos[0][1]}" in text for e in alone)  # one coder: no name needed
    assert text.count("· coded by ana, ben, consensus") == 1


# The command line ------------------------------------------------------------------------------------


def run(study: Study, *args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, ["--study", str(study.root), "export", "excerpts", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output.strip().removeprefix("wrote ")


def test_the_cli_chooses_mine_the_consensus_or_a_coder(piura: Study):
    import json

    def coders_in(path: str) -> set[str]:
        return {c for line in Path(path).read_text(encoding="utf-8").splitlines() for c in json.loads(line)["coders"]}

    assert coders_in(run(piura, "--code", "Accessing", "--format", "jsonl")) == {"ana", "ben"}
    assert coders_in(run(piura, "--code", "Accessing", "--consensus", "--format", "jsonl")) == {"consensus"}
    assert coders_in(run(piura, "--code", "Accessing", "--mine", "--format", "jsonl", env={"CODER_NAME": "ben"})) == {"ben"}
    result = CliRunner().invoke(main, ["--study", str(piura.root), "export", "excerpts", "--mine", "--coder", "ana"])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "give one of them" in result.output


def test_exporting_again_replaces_the_file_unless_both_are_kept(piura: Study):
    first = run(piura, "--code", "Coordinating", "--format", "csv")
    Path(first).write_text("an older export", encoding="utf-8")
    assert run(piura, "--code", "Coordinating", "--format", "csv") == first
    assert Path(first).read_text(encoding="utf-8-sig").startswith("code_group,code,sub_codes")
    kept = run(piura, "--code", "Coordinating", "--format", "csv", "--keep-both")
    assert kept == first.replace(".csv", "-2.csv") and Path(kept).read_bytes() == Path(first).read_bytes()


def test_an_export_never_lands_among_the_studys_own_files(piura: Study):
    before = sorted(p.name for p in piura.transcripts_dir.iterdir())
    for target in (piura.transcripts_dir, piura.transcripts_dir / "int01-apem-general-manager.md", piura.codebook_dir / "codebook.yaml",
                   piura.db_path):
        result = CliRunner().invoke(main, ["--study", str(piura.root), "export", "excerpts", "-o", str(target)])
        assert result.exit_code == 1 and result.output.count("\n") == 1 and "write exports elsewhere" in result.output
    assert sorted(p.name for p in piura.transcripts_dir.iterdir()) == before
    name = "int01-apem-general-manager.md"
    assert (piura.transcripts_dir / name).read_bytes() == (REPO / "transcripts" / name).read_bytes()


def test_the_cli_combines_codes_and_chooses_documents_as_the_retrieval_view_does(piura: Study):
    import json

    from coder.retrieval import Retrieval, retrieve

    path = run(piura, "--code", "Accessing", "--with", "SENASA", "--without", "Phase 1 early exporting", "--doc", "kind=interview",
               "--each-coding", "--format", "jsonl")
    exported = {r["coding_uuid"] for r in map(json.loads, Path(path).read_text(encoding="utf-8").splitlines())}
    db = connect_study(piura)
    listed = retrieve(db, Retrieval(codes=("Accessing",), also=("SENASA",), without=("Phase 1 early exporting",),
                                    documents=("kind=interview",), sub_codes="with"))
    db.close()
    assert exported == {e.uuid for e in listed.items} and exported
    assert "-Accessing-kind-interview-and-SENASA-not-Phase-1-early-exporting-" in path


def test_what_else_a_merged_excerpt_carries_names_whose_it_is(db, tmp_path):
    """Where ana and ben both coded Accessing but put different phases, the merged excerpt says whose each phase is
    rather than "also coded: Phase 2, Phase 3"."""
    merged = [e for e in find_excerpts(db, ExcerptQuery(codes=["Accessing"])).items if len(e.coders) > 1]
    labelled = 0
    for excerpt in merged:
        for path, who in zip(excerpt.also_coded, excerpt.also_by):
            group, name = path.split("/", 1)
            holders = {r[0] for r in db.execute(
                "SELECT r.name FROM codings c JOIN coders r ON r.id = c.coder_id JOIN codes k ON k.id = c.code_id"
                " JOIN code_groups g ON g.id = k.group_id JOIN documents d ON d.id = c.document_id"
                " WHERE d.name = ? AND g.name = ? AND k.name = ? AND c.start < ? AND c.end > ?",
                [excerpt.document, group, name, excerpt.end, excerpt.start])} & set(excerpt.coders)
            assert (who.split(", ") if who else list(excerpt.coders)) == sorted(holders), (excerpt.citation, path)
            labelled += bool(who)
    assert labelled  # the bundled coders disagree somewhere
    def phases_of(codes: dict[str, set[str]]) -> dict[str, set[str]]:
        return {c: {p.split("/", 1)[1] for p in codes[c] if p.startswith("phase/")} for c in ("ana", "ben")}

    (document, _), phases = next(((unit, phases_of(codes)) for unit, codes in both_accessing()
                                  if phases_of(codes)["ana"] != phases_of(codes)["ben"]))
    whose = ", ".join(p + ("" if all(p in phases[c] for c in phases) else f" ({next(c for c in phases if p in phases[c])})")
                      for p in sorted(phases["ana"] | phases["ben"]))  # the phases' names sort as the codebook files them
    assert "(ana)" in whose or "(ben)" in whose
    text = export_excerpts(db, tmp_path, ExcerptQuery(codes=["Accessing"], documents=[document]), "md").read_text(encoding="utf-8")
    assert whose in text
