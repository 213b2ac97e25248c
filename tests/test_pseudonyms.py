"""Pseudonymised exports: no hidden name in any file written, a key that reverses every pseudonym, the study untouched."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from coder import coding
from coder.cli import main
from coder.memos import set_memo
from coder.pseudonyms import KEY_FILE, Shifts, is_people_field, is_role, load_pseudonyms, read_key, reveal
from coder.study import Study, connect_study, refresh_study
from coder.text import fold
from tests.conftest import write

INTERVIEW = """\
---
id: ana-garcia
title: Interview with Ana García
kind: interview
interviewee: Ana García
interviewer: LUCÍA
interviewee_organisation: APEM
---

LUCÍA: How did you start, Ana García? Tell me about APEM.

ANA GARCÍA: My neighbour Pedro Ruiz told me about the buyers. Pedro knew SENASA well.

NARRATOR: The tape stops here.

RESPONDENT: Nobody else is named; Sunshine buys the fruit, sunshine ripens it.
"""
NAMES = """\
people:
  - name: Pedro Ruiz
    also: [Pedro]
keep: [NARRATOR]
"""
PEOPLE = ["Ana García", "LUCÍA", "Pedro Ruiz", "Pedro"]
EXPORTS = [
    *(["export", "excerpts", "--format", f] for f in ("md", "docx", "xlsx", "csv", "jsonl")),
    *(["export", "excerpts", "--context", "--each-coding", "--format", f] for f in ("md", "jsonl")),
    *(["export", "memos", "--format", f] for f in ("md", "csv", "docx")),
    ["export", "qdpx"],
    ["matrix"], ["matrix", "--unit", "document"], ["matrix", "--output", "exports/matrix.xlsx"],
]


def invoke(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--study", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def contents(path: Path) -> str:
    """Every text a file holds: zip archives (docx, xlsx, qdpx) entry by entry, XML markup removed."""
    if not zipfile.is_zipfile(path):
        return path.read_text(encoding="utf-8-sig")
    with zipfile.ZipFile(path) as archive:
        texts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    if path.suffix == ".docx":  # a name split over two runs is whole in its paragraph
        import docx

        texts += [p.text for p in docx.Document(str(path)).paragraphs]
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", " ", text)) for text in texts)


def found(text: str, name: str, *, match_case: bool = False) -> bool:
    """Whether `name` stands as a word in `text` (any case and accents unless `match_case`)."""
    return bool(leaks(text, [name], set([name] if match_case else [])))


def leaks(text: str, names: list[str], exact: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """The names that stand as words in `text`: those in `exact` as written, the others in any case and accents."""
    folded = re.sub(r"[\u0300-\u036f]", "", unicodedata.normalize("NFD", text.lower()))
    wanted = {name: re.findall(r"\w+", name if name in exact else fold(name)) for name in names}
    indexes: dict[bool, dict[str, list[int]]] = {}
    tokens: dict[bool, list[str]] = {}
    for as_written, haystack in ((True, text), (False, folded)):
        firsts = {parts[0] for name, parts in wanted.items() if parts and (name in exact) == as_written}
        tokens[as_written] = re.findall(r"\w+", haystack)
        indexes[as_written] = {}
        for number, token in enumerate(tokens[as_written]):
            if token in firsts:  # where a name could begin
                indexes[as_written].setdefault(token, []).append(number)
    out = []
    for name, parts in wanted.items():
        words = tokens[name in exact]
        if parts and any(words[i : i + len(parts)] == parts for i in indexes[name in exact].get(parts[0], [])):
            out.append(name)
    return out


def case_matched(root: Path) -> set[str]:
    """The spellings of organisations matched as written (`match_case`)."""
    study = Study(root)
    db = connect_study(study)
    try:
        rows = db.execute("SELECT name, full_name, aliases FROM organisations WHERE match_case").fetchall()
    finally:
        db.close()
    return {s for name, full, aliases in rows for s in [name, full or name, *json.loads(aliases)]}


def export_everything(root: Path, *flags: str) -> list[Path]:
    shutil.rmtree(root / "exports", ignore_errors=True)
    for args in EXPORTS:
        invoke(root, *(str(root / a) if a.startswith("exports/") else a for a in args), *flags)
    return sorted((root / "exports").iterdir())


def fingerprint(study: Study) -> dict[str, str]:
    """What the study is: its files and its database's rows."""
    files = {str(p.relative_to(study.root)): hashlib.sha256(p.read_bytes()).hexdigest()
             for folder in (study.codebook_dir, study.transcripts_dir) for p in folder.rglob("*") if p.is_file()}
    db = connect_study(study)
    try:
        for table in ("documents", "segments", "codings", "memos", "codes", "organisations", "coders"):
            files[table] = hashlib.sha256(repr(db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()).encode()).hexdigest()
    finally:
        db.close()
    return files


@pytest.fixture
def named(make_study) -> Study:
    """A small study whose transcript names people as speakers, in its header and in a names.yaml, coded and memoed."""
    study = make_study(documents={"ana-garcia.md": INTERVIEW})
    write(study.root / "names.yaml", NAMES)
    db = connect_study(study)
    refresh_study(study, db)
    kim = coding.add_coder(db, "kim")
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    for code in ("Accessing", "APEM", "SENASA"):
        coding.apply_code(db, 1, coding.find_code(db, code), kim, 0, len(text), memo="Pedro Ruiz again")
    for start, end, _ in db.execute("SELECT start, end, ordinal FROM segments ORDER BY ordinal").fetchall():
        coding.apply_code(db, 1, coding.find_code(db, "Diffusing"), kim, start + 3, end - 2)  # boundaries inside names
    set_memo(db, kim, "Ana García trusts Pedro more than APEM.", document_id=1)
    set_memo(db, kim, "Ask LUCÍA about APEM.", code_id=coding.find_code(db, "APEM").id)
    db.close()
    return study


def test_people_and_roles() -> None:
    assert not is_role("ANA GARCÍA") and not is_role("Don Tomás") and not is_role("LUCÍA (2)")
    for label in ("INTERVIEWER", "RESPONDENT", "ENTREVISTADO", "SPEAKER (SENASA PIURA)", "PRESIDENT OF APEM", "Q", "P1",
                  "QUESTION FROM THE FLOOR", "REPRESENTATIVE OF AN EXPORTER"):
        assert is_role(label), label
    assert is_role("NARRATOR", ["narrator"])
    assert [k for k in ("interviewee", "interviewers", "speakers", "participant_names", "mother_name", "interviewee_role",
                        "interviewee_organisation", "organisation_name", "informant") if is_people_field(k)] == [
        "interviewee", "interviewers", "speakers", "participant_names", "mother_name", "informant"]


def test_shifts_move_offsets_to_the_replaced_text() -> None:
    shifts = Shifts()
    shifts.add(4, 8, 4, 12)  # a 4-letter name became 8 letters
    assert [shifts.start(o) for o in (0, 4, 6, 8, 10)] == [0, 4, 4, 12, 14]
    assert [shifts.end(o) for o in (3, 4, 6, 8, 10)] == [3, 4, 12, 12, 14]


def test_no_listed_name_in_any_pseudonymised_export_of_a_study_with_names(named: Study) -> None:
    before = fingerprint(named)
    plain = export_everything(named.root)
    assert [p.name for p in plain if not any(found(contents(p), n) for n in PEOPLE)] == [], "the plain exports name the people"
    written = export_everything(named.root, "--pseudonymise-organisations")
    assert len(written) == len(plain) and all("pseudonymised" in p.name or p.name == "matrix.xlsx" for p in written)
    key = read_key(named.root / KEY_FILE)
    people = {e["name"] for e in key if e["kind"] == "person"}
    assert people == {"Ana García", "LUCÍA", "Pedro Ruiz"}  # ANA GARCÍA (speaker) is Ana García; NARRATOR is kept
    organisations = [s for e in key if e["kind"] == "organisation" for s in e["spellings"]]
    assert {"APEM", "SENASA", "PROMPERU", "Sunshine"} <= set(organisations)
    for path in written:
        text = contents(path)
        leaked = leaks(text, PEOPLE + organisations, case_matched(named.root))
        assert not leaked, f"{path.name}: {leaked}"
        used = {e["pseudonym"] for e in key if e["pseudonym"] in text}
        assert used, path.name
    assert "sunshine ripens" in contents(written[0]) or any("sunshine ripens" in contents(p) for p in written)  # match_case kept
    assert fingerprint(named) == before
    assert not list((named.root / "exports").glob("*key*"))
    assert (named.root / KEY_FILE).stat().st_mode & 0o777 == 0o600  # the key reverses them: its owner's only


def test_the_key_reverses_every_pseudonym_and_the_selections_follow_the_text(named: Study) -> None:
    plain = Path(invoke(named.root, "export", "qdpx").split("wrote ")[-1].strip())
    hidden = Path(invoke(named.root, "export", "qdpx", "--pseudonymise").split("wrote ")[-1].strip())
    assert hidden.name.endswith(".qdpx") and "pseudonymised" in hidden.name and hidden != plain
    key = read_key(named.root / KEY_FILE)
    assert len({e["pseudonym"] for e in key}) == len(key)
    original, replaced = _source(plain), _source(hidden)
    canonical = original.replace("ANA GARCÍA", "Ana García").replace("Pedro knew", "Pedro Ruiz knew")  # each name as the key has it
    assert reveal(replaced, key) == canonical
    db = connect_study(named)
    try:
        pseudonyms = load_pseudonyms(db, named.root)
    finally:
        db.close()
    for (start, end), (new_start, new_end) in zip(_selections(plain), _selections(hidden)):
        old, new = original[start:end], replaced[new_start:new_end]
        assert not any(found(new, n) for n in PEOPLE)
        inside = [m for m in re.finditer(r"\w+", original) if m.start() < start < m.end() or m.start() < end < m.end()]
        if not inside:
            assert new == pseudonyms.replace(old)


def test_pseudonyms_are_stable_and_the_names_file_chooses_them(named: Study) -> None:
    invoke(named.root, "export", "memos", "--pseudonymise")
    first = {e["name"]: e["pseudonym"] for e in read_key(named.root / KEY_FILE)}
    write(named.root / "names.yaml", NAMES.replace("keep:", "  - name: Rosa Díaz\n    pseudonym: Mercedes\nkeep:"))
    invoke(named.root, "export", "memos", "--pseudonymise")
    second = {e["name"]: e["pseudonym"] for e in read_key(named.root / KEY_FILE)}
    assert second == {**first, "Rosa Díaz": "Mercedes"}
    assert set(first.values()) == {"Person 1", "Person 2", "Person 3"}


def test_a_names_file_that_cannot_be_read_is_one_line(named: Study) -> None:
    write(named.root / "names.yaml", "people:\n  - {also: [Pedro]}\n")
    result = CliRunner().invoke(main, ["--study", str(named.root), "export", "memos", "--pseudonymise"])
    assert result.exit_code == 1 and "names.yaml" in result.output and "Traceback" not in result.output
    assert not (named.root / KEY_FILE).exists() and not list((named.root / "exports").glob("memos*"))


def test_the_bundled_study_pseudonymised_in_every_format(bundled_coded: Path, tmp_path: Path) -> None:
    root = tmp_path / "piura"
    shutil.copytree(bundled_coded, root)
    write(root / "names.yaml", "people:\n  - name: Tomás\n    also: [Don Tomás]\n")
    study = Study(root)
    db = connect_study(study)
    document = db.execute("SELECT id, text FROM documents WHERE name LIKE 'int07%'").fetchone()
    at = document[1].index("Don Tomás")
    coding.apply_code(db, document[0], coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), at, at + 60,
                      memo="Don Tomás shows everybody the way")
    db.close()
    before = fingerprint(study)
    written = export_everything(root, "--pseudonymise-organisations")
    exact = case_matched(root)
    key = read_key(root / KEY_FILE)
    assert {e["name"] for e in key if e["kind"] == "person"} == {"Tomás"}
    organisations = [s for e in key if e["kind"] == "organisation" for s in e["spellings"]]
    assert len({e["name"] for e in key}) > 40
    for path in written:
        text = contents(path)
        leaked = leaks(text, ["Tomás", *organisations], exact)
        assert not leaked, f"{path.name}: {leaked[:5]}"
    excerpts = next(p for p in written if p.suffix == ".md" and p.name.startswith("excerpts-all"))
    assert "Person 1, he shows everybody" in contents(excerpts)
    assert fingerprint(study) == before


def _source(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return next(archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("sources/"))


def _selections(path: Path) -> list[tuple[int, int]]:
    with zipfile.ZipFile(path) as archive:
        project = archive.read("project.qde").decode("utf-8")
    return [(int(a), int(b)) for a, b in re.findall(r'startPosition="(\d+)" endPosition="(\d+)"', project)]
