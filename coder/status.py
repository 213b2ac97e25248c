"""The study at a glance: what `coder status` prints and the TUI's progress bars are made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coder.assignments import work_by_coder
from coder.db import Database


@dataclass
class CoderProgress:
    name: str
    codings: int
    passages_coded: int
    documents_coded: int = 0  # documents with at least one of the coder's codings
    assigned: int = 0  # documents assigned to the coder (coder assign)
    done: int = 0  # ... of which the coder marked done


@dataclass
class StudyStatus:
    documents: int
    words: int
    passages: int
    sentences: int
    groups: list[tuple[str, int]]  # group name, number of codes
    mentions: int
    organisations: int
    coders: list[CoderProgress] = field(default_factory=list)

    def share(self, coder: CoderProgress) -> float:
        return coder.passages_coded / self.passages if self.passages else 0.0

    def rows(self) -> list[dict[str, Any]]:
        """One row per coder with the study's totals, for csv/json/md output."""
        base = {"documents": self.documents, "words": self.words, "passages": self.passages,
                "codes": sum(n for _, n in self.groups), "mentions": self.mentions}
        return [{**base, "coder": c.name, "codings": c.codings, "passages_coded": c.passages_coded,
                 "percent_coded": round(100 * self.share(c), 1), "documents_coded": c.documents_coded,
                 "assigned": c.assigned, "done": c.done}
                for c in self.coders] or [base]

    def describe(self, title: str) -> str:
        lines = [
            f"Study {title}",
            f"  {self.documents} documents, {self.words:,} words, {self.passages:,} passages, {self.sentences:,} sentences",
            f"  codes: {', '.join(f'{name} {count}' for name, count in self.groups) or 'none'}",
            f"  organisations: {self.organisations}, mentioned {self.mentions:,} times",
        ]
        if not self.coders:
            lines.append("  no codings yet")
        for coder in self.coders:
            work = f"; {coder.done} of {coder.assigned} assigned documents done" if coder.assigned else ""
            lines.append(f"  {coder.name}: {coder.codings:,} codings, {coder.passages_coded:,} passages coded"
                         f" ({100 * self.share(coder):.1f}%) in {coder.documents_coded} of {self.documents} documents{work}")
        return "\n".join(lines)


# Each coder's codings, and the passages they overlap, in one pass over the index of codings by document and
# coder: a passage is coded when a coding of the coder starts less than the coder's longest coding in that
# document before the passage's start (and ends after it), so each look is a short range of that index.
_CODERS = """
WITH spans AS (SELECT document_id, coder_id, count(*) AS codings, max(end - start) AS longest
               FROM codings GROUP BY document_id, coder_id),
coded AS (SELECT sp.coder_id, sp.codings, (SELECT count(*) FROM segments s WHERE s.document_id = sp.document_id
            AND EXISTS (SELECT 1 FROM codings c WHERE c.document_id = sp.document_id AND c.coder_id = sp.coder_id
                        AND c.start >= s.start - sp.longest AND c.start < s.end AND c.end > s.start)) AS passages
          FROM spans sp)
SELECT r.name, sum(coded.codings), sum(coded.passages), count(*) FROM coders r JOIN coded ON coded.coder_id = r.id
GROUP BY r.id ORDER BY r.name
"""


def study_status(db: Database) -> StudyStatus:
    counts = db.execute(
        "SELECT (SELECT count(*) FROM documents), (SELECT coalesce(sum(words), 0) FROM documents),"
        " (SELECT count(*) FROM segments), (SELECT count(*) FROM sentences), (SELECT count(*) FROM mentions),"
        " (SELECT count(*) FROM organisations WHERE in_codebook = 1)"
    ).fetchone()
    groups = db.execute(
        "SELECT g.name, count(c.id) FROM code_groups g LEFT JOIN codes c ON c.group_id = g.id AND c.active"
        " GROUP BY g.id ORDER BY g.ordinal"
    ).fetchall()
    coders = {row[0]: CoderProgress(*row) for row in db.execute(_CODERS)}
    for name, work in work_by_coder(db).items():  # a coder with documents assigned and no codings yet is shown too
        progress = coders.setdefault(name, CoderProgress(name, 0, 0))
        progress.assigned, progress.done = work.assigned, work.done
    documents, words, passages, sentences, mentions, organisations = counts
    return StudyStatus(documents, words, passages, sentences, groups=groups, mentions=mentions, organisations=organisations,
                       coders=sorted(coders.values(), key=lambda c: c.name))
