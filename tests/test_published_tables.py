"""The paper's Table 5 (intermediary organisations of the Peruvian mango cluster), transcribed in
transcripts/survey/published/table5_intermediaries.csv: its rows, its facts, its role vocabulary, and its words."""

from __future__ import annotations

import csv
import re

import pytest

from coder.codebook import load_codebook
from tests.conftest import REPO

PUBLISHED = REPO / "transcripts" / "survey" / "published"
COLUMNS = ["organisation", "type_and_mission", "activities", "roles_and_skills"]
PAPER_NAME = "intermediaries-piura-mango-cluster.txt"
# ../shared/paper beside the checkout (the main checkout) or beside a folder of worktrees
PAPER = next((up / "shared" / "paper" / PAPER_NAME for up in REPO.parents if (up / "shared" / "paper" / PAPER_NAME).is_file()), None)
CAPTION = "Intermediary Organisations: Peruvian Mango Cluster"
# The extraction lost the first column (organisation and mission) of the table's first two rows; the labels are ours,
# from the rows' contents (APEM's IDB certification project, PROMANGO's community of practice and table grapes).
RECONSTRUCTED_LABELS = {"APEM", "PROMANGO"}
# Where the transcription mends the extraction rather than the paper: the transcription's words -> the extracted words.
EXTRACTION_FIXES = {"1st year": "1 st year"}  # a superscript split off by the extraction


def read_table5() -> list[dict[str, str]]:
    with open(PUBLISHED / "table5_intermediaries.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


ROWS = read_table5()
BY_NAME = {row["organisation"].upper(): row for row in ROWS}


def items(cell: str) -> list[str]:
    """A cell's printed lines (entries), which the transcription joins with '; '."""
    return [item for item in cell.split("; ") if item] if cell else []


def role_patterns() -> dict[str, re.Pattern[str]]:
    """Each role code of the codebook as a case-insensitive pattern on word stems: "translator of external knowledge"
    also finds the table's "Translate external knowledge", "boundary object" finds "boundary objects"."""
    group = next(g for g in load_codebook(REPO / "codebook").groups if g.name == "role")
    patterns = {}
    for code in group.codes:
        words = [rf"(?:{word}\s+)?" if word in {"of", "the"} else rf"\b{re.escape(word[:6])}\w*\s+" for word in code.name.lower().split()]
        patterns[code.name] = re.compile("".join(words).removesuffix(r"\s+"), re.IGNORECASE)
    return patterns


ROLES = role_patterns()


def named_roles(text: str) -> set[str]:
    return {name for name, pattern in ROLES.items() if pattern.search(text)}


def test_table5_has_the_seven_organisations_in_the_papers_order():
    assert [row["organisation"].upper() for row in ROWS] == ["APEM", "PROMANGO", "PROMPERU", "SENASA", "INIA", "INCAGRO", "CITES"]
    for row in ROWS:
        assert row["activities"] and row["roles_and_skills"], row["organisation"]
        # only the two rows whose first column the extraction lost have no mission
        assert bool(row["type_and_mission"]) == (row["organisation"] not in RECONSTRUCTED_LABELS), row["organisation"]


@pytest.mark.parametrize("organisation, column, words", [
    ("APEM", "activities", "Coordinated 18 month certification project with 180 SMEs and producers with Inter-American bank"),
    ("APEM", "activities", "American National Mango Board"),
    ("APEM", "activities", "hot water treatment technology from Mexico"),
    ("APEM", "roles_and_skills", "Establishment of boundary objects: codification of norms, routines, plans of action"),
    ("PROMANGO", "activities", "Established Community of Practice amongst producers"),
    ("PROMANGO", "activities", "table grape using a demonstration area with participation of 75% of members"),
    ("PROMANGO", "roles_and_skills", "Broker: Negotiates with APEM, SENASA and other organisations"),
    ("PROMPERU", "type_and_mission", "Promote exports within Peruvian SMEs"),
    ("PROMPERU", "activities", 'trade fairs such as "Fruit Logistics"'),
    ("SENASA", "activities", "Leads campaign with producers against fruit fly"),
    ("SENASA", "activities", "Coordinated technical requirements to begin exports to Japan"),
    ("SENASA", "activities", "food safety control of plagues and diseases and other phytosanitary regulations"),
    ("INIA", "type_and_mission", "Research and diffusion of new technologies in the agricultural sector amongst small farmers"),
    ("INIA", "activities", '"Fruits for exporting" project involving collection of genebanks'),
    ("INCAGRO", "activities", "Allocated funds for 580 projects"),
    ("INCAGRO", "activities", '"Strengthening the Mango Production Chain" in Piura from 2004-2006'),
    ("INCAGRO", "activities", "Instituto de Gestión de Cuencas Hidrográficas"),
    ("CITES", "type_and_mission", "Research Body; Network of organisations that support small and medium businesses (SMEs)."),
    ("CITES", "activities", "small producers associations Agravida and Apromalpi"),
    ("CITES", "activities", "laboratories for grape production for wine and Pisco for 100 SMEs"),
])
def test_table5_cells_carry_the_papers_facts(organisation, column, words):
    assert words in BY_NAME[organisation][column]


def test_table5_keeps_each_cell_once_and_none_of_the_extractions_debris():
    """The extraction repeats a paragraph, a word or a line ("diversification.", "regulation.", "services",
    "Translate external knowledge for use in cluster"), prints a run of stray capitals and gives one sentence twice, once
    misread ("food sefety … plagacs and discuses … phytosumary"). The transcription keeps each entry once."""
    for row in ROWS:
        for column in COLUMNS[1:]:
            entries = items(row[column])
            assert len(entries) == len(set(entries)), (row["organisation"], column)
            assert not re.search(r"\b(\w+)[.,]? \1\b", row[column].replace("food safety, food safety", "")), (row["organisation"], column)
        text = " ".join(row.values())
        for debris in ("S E O O", "sefety", "plagacs", "discuses", "phytosumary", "snare", "1 st", "•", "\t"):
            assert debris not in text, (row["organisation"], debris)


def test_table5_names_the_codebooks_roles():
    """The roles column names the codebook's role codes (compared on stems). The paper labels APEM, PROMANGO, INCAGRO
    and CITES with roles ("Change agent: …", "Broker: …"); PROMPERU's "networks of buyers and brokers" matches the stem
    although the brokers are the people it cultivates; SENASA and INIA are given skills only — no role is named in their
    cells, and the transcription does not add one."""
    found = {row["organisation"].upper(): named_roles(row["roles_and_skills"]) for row in ROWS}
    assert found == {
        "APEM": {"change agent", "broker", "translator of external knowledge", "boundary object"},
        "PROMANGO": {"change agent", "broker", "translator of external knowledge"},
        "PROMPERU": {"broker"},
        "SENASA": set(),
        "INIA": set(),
        "INCAGRO": {"change agent"},
        "CITES": {"change agent"},
    }
    # every label the table puts before a role's description is a codebook role
    labels = [entry.split(":", 1)[0] for row in ROWS for entry in items(row["roles_and_skills"]) if ":" in entry]
    assert labels and all(named_roles(label) for label in labels), labels
    # and every role of the codebook is somewhere in the table (the community of practice in PROMANGO's activities)
    assert set().union(*found.values(), named_roles(BY_NAME["PROMANGO"]["activities"])) == set(ROLES)


def test_table5_cells_are_the_papers_words():
    """Every entry of every cell occurs in the paper's extracted Table 5, word for word and in order (the extraction
    interleaves the columns line by line, so an entry's words are a subsequence of the table's words, not a run)."""
    if PAPER is None:
        pytest.skip(f"../shared/paper is absent: {PAPER_NAME} (the paper's text) is not beside this checkout")
    paper = PAPER.read_text(encoding="utf-8")
    assert CAPTION in paper
    table = paper.split(CAPTION, 1)[1].split("\n¹", 1)[0]
    words = table.split()
    for row in ROWS:
        if row["organisation"] in RECONSTRUCTED_LABELS:
            assert re.search(rf"\b{row['organisation']}\b", paper)
        else:
            assert row["organisation"] in words
        for column in COLUMNS[1:]:
            for entry in items(row[column]):
                for ours, extracted in EXTRACTION_FIXES.items():
                    entry = entry.replace(ours, extracted)
                remaining = iter(words)
                missing = [word for word in entry.split() if word not in remaining]
                assert not missing, f"{row['organisation']} {column}: {entry!r} — not in the paper's order from {missing[0]!r}"
