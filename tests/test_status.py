"""`coder status`: each coder's share of passages coded, counted set-based, as the plain definition says."""

from __future__ import annotations

import random

from coder import coding
from coder.status import study_status

# The definition, one passage at a time: a passage is coded by a coder when one of their codings overlaps it.
PLAIN = ("SELECT r.name, (SELECT count(*) FROM codings WHERE coder_id = r.id),"
         " (SELECT count(*) FROM segments s WHERE EXISTS (SELECT 1 FROM codings c WHERE c.coder_id = r.id"
         "  AND c.document_id = s.document_id AND c.start < s.end AND c.end > s.start))"
         " FROM coders r WHERE EXISTS (SELECT 1 FROM codings WHERE coder_id = r.id) ORDER BY r.name")


def test_status_counts_passages_coded_as_the_definition_does(db):
    """Short codings, codings across several passages, in the gaps between them, and one over the whole text."""
    passages = db.execute("SELECT document_id, start, end FROM segments ORDER BY start").fetchall()
    document, length = db.execute("SELECT id, length(text) FROM documents").fetchone()
    codes = [coding.find_code(db, name) for name in ("Accessing", "Diffusing", "Coordinating")]
    ana, ben, eve = (coding.add_coder(db, name) for name in ("ana", "ben", "eve"))
    pick = random.Random(15)
    spans = {(ana, passages[0][1], passages[0][1] + 5), (ana, passages[-1][2] - 3, passages[-1][2]),
             (ben, 0, length), (eve, passages[1][2], passages[2][1])}  # eve: only the gap between two passages
    for _ in range(40):
        start = pick.randrange(length - 1)
        spans.add((pick.choice((ana, ben)), start, min(length, start + pick.choice((1, 8, 40, 400)))))
    for number, (coder, start, end) in enumerate(sorted(spans)):
        coding.apply_code(db, document, codes[number % 3], coder, start, end)
    expected = db.execute(PLAIN).fetchall()
    assert [(c.name, c.codings, c.passages_coded) for c in study_status(db).coders] == expected
    assert dict((name, passages) for name, _, passages in expected) == {"ana": expected[0][2], "ben": len(passages), "eve": 0}
