"""The surveys the network tests read: a five-node graph worked out by hand, and the bundled survey
with the paper's published tables."""

from __future__ import annotations

import csv
import functools
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from coder.codebook import load_codebook
from coder.study import connect_study, refresh_study
from coder.text import fold
from tests.conftest import REPO, write

# A five-node graph worked out by hand (names with spaces and accents). Source → target = knowledge flows.
NODES = {"A": "Viñas Varona", "B": "Universidad de Piura", "C": "Señor Año", "D": "D", "E": "Ñandú Export"}
TIES = [("A", "B", 5, 1), ("A", "C", 3, 0), ("B", "C", 2, 4), ("C", "D", 4, 2), ("D", "E", 1, 0), ("E", "A", 0, 3)]
ORGANISATIONS_CSV = "name,type,member_of,based_in,employees\n" + "\n".join(
    f"{NODES[k]},{'producer firm' if k in 'DE' else 'university'},{'Señor Año' if k == 'E' else ''},"
    f"{'Piura' if k in 'ABC' else 'Lima'},{10 * (i + 1)}" for i, k in enumerate(NODES)) + "\n"
TIES_CSV = "source,target,technological,commercial,origin\n" + "\n".join(
    f"{NODES[s]},{NODES[t]},{tech},{comm},hand" for s, t, tech, comm in TIES) + "\n"

BUNDLED_SURVEY = REPO / "transcripts" / "survey"
PUBLISHED = BUNDLED_SURVEY / "published"


def survey_study(make_study, organisations: str = ORGANISATIONS_CSV, ties: str = TIES_CSV, **kwargs):
    study = make_study(documents={}, **kwargs)
    write(study.transcripts_dir / "survey" / "organisations.csv", organisations)
    write(study.transcripts_dir / "survey" / "ties.csv", ties)
    db = connect_study(study)
    report = refresh_study(study, db)
    return study, db, report


def by_name(frame) -> dict[str, dict]:
    return {row["organisation"]: row for row in frame.to_dict("records")}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@functools.lru_cache(maxsize=1)
def codebook_names() -> dict[str, str]:
    """Folded name or alias → organisation name, from the repository's organisations.yaml."""
    names = {}
    for org in load_codebook(REPO / "codebook").organisations:
        for spelling in org.spellings():
            names[fold(spelling)] = org.name
    return names


def published_name(label: str) -> str:
    """A name as printed in the paper ("UDEP (University)") → the codebook's organisation (firms are anonymous)."""
    if label.startswith("Agro "):
        return label
    plain = label.split(" (")[0].strip()
    found = codebook_names().get(fold(plain))
    assert found, f"'{label}' of a published table is not in codebook/organisations.yaml"
    return found


def half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)
