"""Exports for writing: excerpts, memos and the codebook, opened back and checked for content."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from click.testing import CliRunner

from coder.cli import main
from coder.errors import CoderError
from coder.exports.cells import safe_cell
from coder.exports.codebook import codebook_entries, export_codebook
from coder.exports.excerpt_formats import sheet_names
from coder.exports.excerpts import COLUMNS, ExcerptQuery, export_excerpts, find_excerpts
from coder.exports.files import export_name, free_path, md_escape
from coder.exports.memos import export_memos, find_memos
from coder.study import connect_study
from tests import export_study

TODAY = date.today().isoformat()


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """The shared coded study, built once for this module (exports only read it)."""
    from tests.conftest import study_builder

    make_study = study_builder(tmp_path_factory.mktemp("exports"))

    return export_study.build(make_study)


@pytest.fixture
def db(coded):
    database = connect_study(coded)
    yield database
    database.close()


@pytest.fixture
def out(tmp_path):
    return tmp_path / "exports"


def cited(found):
    return [(e.code_path, e.coder, e.document, e.citation) for e in found.items]


# Choosing excerpts ---------------------------------------------------------------------------------


def test_exports_excerpts_cite_role_organisation_passage_lines_and_cue_time(db):
    found = find_excerpts(db, ExcerptQuery(codes=["Accessing"], coders=["ana"]))
    assert cited(found) == [
        ("function/Accessing", "ana", "cues", "cues, ¶ 1, 00:00:01.000–00:00:04.000"),
        ("function/Accessing", "ana", "int01", "int01, Owner, Small farm, ¶ 2, lines 14–16"),
    ]
    interview = found.items[1]
    assert interview.text.startswith("Through APEM, really.") and interview.text.endswith("hot water plant.")
    assert interview.also_coded == ("phase/Phase 1", "role/broker")  # the same coder's other codes on the span
    assert interview.memo == "first contact with buyers" and interview.before is None


def test_exports_excerpts_are_grouped_by_code_in_codebook_order_then_document(db):
    found = find_excerpts(db, ExcerptQuery(group="function"))
    assert [(p, len(items)) for p, items in found.by_code()] == [
        ("function/Accessing", 2), ("function/Diffusing", 1), ("function/Coordinating", 1), ("function/Enabling", 1)]
    assert [(e.document, e.coder) for e in found.by_code()[0][1]] == [("cues", "ana"), ("int01", "ana, ben")]
    assert found.heading == "Coded excerpts: function"


def test_exports_excerpts_filter_by_coder_document_phase_and_passages(db):
    assert cited(find_excerpts(db, ExcerptQuery(coders=["ben"])))[0][:3] == ("function/Accessing", "ben", "int01")
    assert {e.document for e in find_excerpts(db, ExcerptQuery(documents=["int02"])).items} == {"int02"}
    in_phase_2 = find_excerpts(db, ExcerptQuery(group="function", phases=["Phase 2"], coders=["ana"]))
    assert [(e.code, e.document) for e in in_phase_2.items] == [("Diffusing", "int01"), ("Coordinating", "int02")]
    cell = find_excerpts(db, ExcerptQuery(codes=["Coordinating"], passages=[("int02", 2)]))
    assert [(e.coder, e.passage) for e in cell.items] == [("ana, ben", "2")]
    assert find_excerpts(db, ExcerptQuery(codes=["Coordinating"], passages=[("int02", 4)])).items == []


def test_exports_excerpts_context_is_the_passage_before_and_after(db):
    (excerpt,) = find_excerpts(db, ExcerptQuery(codes=["Enabling"], context=True)).items
    assert excerpt.before == "And later?" and excerpt.after is None
    assert excerpt.citation == "int02, Export manager, Sunshine, ¶ 4, line 17"


def test_exports_excerpts_unknown_names_are_one_line_errors(db):
    with pytest.raises(CoderError, match="no code named 'Nothing'"):
        find_excerpts(db, ExcerptQuery(codes=["Nothing"]))
    with pytest.raises(CoderError, match="no code group named 'feelings'"):
        find_excerpts(db, ExcerptQuery(group="feelings"))
    with pytest.raises(CoderError, match="no coder named 'zoe'"):
        find_excerpts(db, ExcerptQuery(coders=["zoe"]))


# Files ---------------------------------------------------------------------------------------------


def test_exports_file_names_say_what_they_hold_and_a_new_export_replaces_the_old_unless_both_are_kept(db, out):
    query = ExcerptQuery(codes=["Coordinating"], coders=["ana"])
    first = export_excerpts(db, out, query, "md")
    assert first.name == f"excerpts-function-Coordinating-ana-{TODAY}.md"
    first.write_text("an older export")
    assert export_excerpts(db, out, query, "md") == first and first.read_text() != "an older export"
    second = export_excerpts(db, out, query, "md", keep_both=True)
    assert second.name == f"excerpts-function-Coordinating-ana-{TODAY}-2.md" and first.read_text() == second.read_text()
    assert sorted(p.name for p in out.iterdir()) == sorted([first.name, second.name])  # no temporary files left
    assert export_name(["excerpts", "phase/Fase ü 2", None], "csv", day=date(2026, 11, 29)) == "excerpts-phase-Fase-u-2-2026-11-29.csv"


def test_exports_free_path_reserves_the_next_free_name(tmp_path):
    taken = tmp_path / "a.md"
    taken.write_text("x")
    assert free_path(taken).name == "a-2.md" and free_path(taken).name == "a-3.md"


def test_exports_markdown_is_ready_to_paste(db, out):
    path = export_excerpts(db, out, ExcerptQuery(codes=["Accessing"], coders=["ana"], context=True), "md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Coded excerpts: function/Accessing\n")
    assert "## Accessing (function) — 2 excerpts" in text and "### int01 — Interview with a grower" in text
    assert "> Through APEM, really. They circulated a newsletter with prices." in text
    assert ">\n> A second paragraph of the same answer" in text  # paragraphs stay paragraphs inside the quote
    assert "— int01, Owner, Small farm, ¶ 2, lines 14–16 · coded by ana · also coded: Phase 1, broker" in text
    assert "**Memo:** first contact with buyers" in text
    assert "*Before (¶ 1):* How did you first hear about the buyers in the United States?" in text
    assert "— cues, ¶ 1, 00:00:01.000–00:00:04.000" in text


def test_exports_markdown_escapes_markup_in_quotes():
    assert md_escape("*not bold* and [link]") == "\\*not bold\\* and \\[link\\]"
    assert md_escape("# not a heading\n- not a list\n12. not a list") == "\\# not a heading\n\\- not a list\n12\\. not a list"


def test_exports_docx_has_headings_quotes_small_caps_citations_and_a_toc(db, out):
    import docx

    path = export_excerpts(db, out, ExcerptQuery(group="function", context=True), "docx")
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Accessing (function) — 2 excerpts", "Diffusing (function) — 1 excerpt",
                        "Coordinating (function) — 1 excerpt", "Enabling (function) — 1 excerpt"]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 6 and quotes[0] == "We met the buyers at the trade fair."
    assert quotes[1].endswith("with PromPerú.") and quotes[2].startswith("A second paragraph")  # paragraphs stay apart
    citations = [p for p in document.paragraphs if p.style.name == "Excerpt Citation"]
    assert len(citations) == 5 and citations[1].runs[0].font.small_caps
    assert citations[1].runs[0].text == "int01, Owner, Small farm, ¶ 2, lines 14–16"
    assert any(p.text == "Memo (ana): first contact with buyers" for p in document.paragraphs)  # two coders: whose memo
    body = document.element.body.xml
    assert 'TOC \\o "1-2"' in body and 'w:fldCharType="begin"' in body
    assert "updateFields" in document.settings.element.xml


def test_exports_xlsx_has_an_all_sheet_and_one_per_code_with_filters_and_safe_cells(db, out):
    from openpyxl import load_workbook

    path = export_excerpts(db, out, ExcerptQuery(group="function", each_coding=True), "xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["all", "Accessing", "Diffusing", "Coordinating", "Enabling"]
    everything = book["all"]
    assert [c.value for c in everything[1]] == list(COLUMNS) and everything["A1"].font.bold
    assert everything.max_row == 8 and everything.auto_filter.ref == "A1:V8" and everything.freeze_panes == "A2"
    assert book["Coordinating"].max_row == 3 and book["Coordinating"].auto_filter.ref == "A1:V3"
    numbers = [everything.cell(row=r, column=COLUMNS.index("passage") + 1).value for r in range(2, 9)]
    assert all(isinstance(n, int) for n in numbers)  # a number Excel sorts and filters as one
    ranges = [everything.cell(row=r, column=COLUMNS.index("passages") + 1).value for r in range(2, 9)]
    assert [str(n) for n in numbers] == [str(r).split("–")[0] for r in ranges]  # the range in its own column
    quote = COLUMNS.index("quote") + 1
    cell = book["Coordinating"].cell(row=2, column=quote)
    assert cell.value.startswith("'=SUM(A1:A9) is what") and cell.data_type == "s"  # never a formula
    memos = [book["Coordinating"].cell(row=r, column=COLUMNS.index("memo") + 1).value for r in (2, 3)]
    assert memos == [None, "'@board: the =SUM line"]
    assert book["Enabling"].cell(row=2, column=quote).value.startswith("'-- later we built")


def test_exports_csv_and_jsonl_hold_every_column(db, out):
    query = ExcerptQuery(codes=["Coordinating", "Enabling"])
    with open(export_excerpts(db, out, query, "csv"), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["code"], r["coder"], r["passage"], r["lines"]) for r in rows] == [
        ("Coordinating", "ana, ben", "2", "13"), ("Enabling", "ana", "4", "17")]
    assert rows[0]["quote"].startswith("'=SUM") and rows[1]["quote"].startswith("'-- later")
    assert rows[0]["memo"] == "ben: @board: the =SUM line" and len(rows[0]["coding_uuid"].split()) == 2
    assert rows[0]["also_coded"] == "phase/Phase 2 (ana)" and rows[0]["interviewee_organisation"] == "Sunshine"  # ben gave no phase
    lines = export_excerpts(db, out, query, "jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 2 and records[0]["quote"].startswith("=SUM")  # JSON is data, not a spreadsheet
    assert records[0]["also_coded"] == ["phase/Phase 2"] and records[0]["also_coded_by"] == ["ana"]
    assert records[1]["quote"].endswith("😀 It worked.")
    assert records[0]["coders"] == ["ana", "ben"]


def test_exports_spreadsheet_cells_are_neutralised_but_readable():
    assert [safe_cell(v) for v in ("=1+1", "+31 6", "-5", "@x", "plain", 5, None)] == [
        "'=1+1", "'+31 6", "'-5", "'@x", "plain", 5, None]


def test_exports_sheet_names_fit_excel():
    names = sheet_names(["All", "a/b:c", "x" * 40, "x" * 40])
    assert names == ["All 2", "a-b-c", "x" * 31, "x" * 29 + " 2"]


# Memos and codebook ----------------------------------------------------------------------------------


def test_exports_memos_lists_every_memo_with_what_it_hangs_on(db, out):
    memos = find_memos(db)
    assert [(m.kind, m.attached_to) for m in memos] == [
        ("memo", "study"),
        ("memo", "code function/Diffusing"),
        ("memo", "document int01"),
        ("coding memo", "coding of function/Accessing in int01 ¶ 2, lines 14–16"),
        ("memo", "int01 ¶ 4, line 20"),
        ("coding memo", "coding of function/Coordinating in int02 ¶ 2, line 13"),
    ]
    assert memos[4].quote == "The training days "
    text = export_memos(db, out, "md").read_text(encoding="utf-8")
    assert "## Memos on codes\n\n### function/Diffusing\n" in text and "overall: phases are hard to tell apart" in text
    with open(export_memos(db, out, "csv"), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and rows[5]["memo"] == "'@board: the =SUM line"


def test_exports_memos_docx_opens(db, out):
    import docx

    document = docx.Document(str(export_memos(db, out, "docx")))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [
        "Memos on the study", "Memos on codes", "Memos on documents and passages"]
    assert any(p.text == "training days: ask who paid" for p in document.paragraphs)


def test_exports_codebook_counts_codings_and_documents(db, out):
    groups = codebook_entries(db)
    accessing = groups[0].codes[0]
    assert (accessing.name, accessing.codings, accessing.documents, accessing.key) == ("Accessing", 3, 2, "1")
    assert [(c.name, c.depth) for c in groups[0].codes][:2] == [("Accessing", 0), ("Scanning sources", 1)]
    assert codebook_entries(db, coder="ben")[0].codes[0].codings == 1
    text = export_codebook(db, out, "md").read_text(encoding="utf-8")
    assert "| function | Accessing | 3 | 2 |" in text and "*Exclusive: one code of this group per passage.*" in text
    assert "#### Scanning sources" in text and "*3 codings in 2 documents · key 1 · colour #2a9d8f*" in text
    assert "**Keywords:** buyers, trade fair" in text


def test_exports_codebook_docx_has_the_table_and_definitions(db, out):
    import docx

    document = docx.Document(str(export_codebook(db, out, "docx")))
    table = document.tables[0]
    assert [c.text for c in table.rows[1].cells] == ["function", "Accessing", "3", "2"]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == ["function", "phase", "role", "actor"]
    assert any(p.text == "Servicio Nacional de Sanidad Agraria" for p in document.paragraphs)


# Command line ------------------------------------------------------------------------------------------


def test_exports_cli_writes_where_asked_and_reports_the_path(coded, tmp_path):
    target = tmp_path / "accessing.csv"
    result = CliRunner().invoke(main, ["--study", str(coded.root), "export", "excerpts", "--code", "Accessing", "--coder", "ana",
                                       "--passage", "int01:2", "--format", "csv", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {target}"
    with open(target, encoding="utf-8-sig", newline="") as handle:
        assert [r["document"] for r in csv.DictReader(handle)] == ["int01"]
    folder = tmp_path / "out"
    folder.mkdir()
    for args in (["memos", "--format", "csv"], ["codebook", "--format", "qdc"]):
        result = CliRunner().invoke(main, ["--study", str(coded.root), "export", *args, "--output", str(folder)])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [f"codebook-{TODAY}.qdc", f"memos-{TODAY}.csv"]


def test_exports_cli_errors_are_one_line(coded):
    result = CliRunner().invoke(main, ["--study", str(coded.root), "export", "excerpts", "--code", "Nothing"])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "no code named 'Nothing'" in result.output
    result = CliRunner().invoke(main, ["--study", str(coded.root), "export", "excerpts", "--passage", "int01"])
    assert result.exit_code == 1 and "is not DOCUMENT:PASSAGE" in result.output
