"""The workbench re-anchors a transcript edited since it was coded, and says when codings need review."""

from __future__ import annotations

from coder import coding
from coder.study import connect_study, refresh_study
from coder.suggest import suggestions_in_study
from coder.tui.app import CoderApp
from tests.conftest import INTERVIEW, write
from tests.tui.waiting import running, until


async def test_review_notice_after_an_edited_transcript_is_reimported_on_open(make_study):
    study = make_study()
    db = connect_study(study)
    refresh_study(study, db)
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    start = text.index("Through APEM, really.")
    coding.apply_code(db, 1, coding.find_code(db, "Accessing"), coding.add_coder(db, "ana"), start, start + 21)
    db.close()
    write(study.transcripts_dir / "int01.md", INTERVIEW.replace("Through APEM, really.", "Through APEM, truly."))
    app = CoderApp(study, "ana", suggest=suggestions_in_study)
    notices: list[str] = []
    notify = app.notify
    app.notify = lambda message, **options: (notices.append(message), notify(message, **options))[1]
    async with running(app) as pilot:
        await until(pilot, lambda: bool(notices), "the refresh worker's notice")  # the refresh starts after the first screen
    assert any("1 codings or memos need review" in n and "coder doctor" in n for n in notices), notices
    db = connect_study(study)
    assert db.execute("SELECT status, quote FROM codings").fetchone() == ("changed", "Through APEM, really.")
    db.close()
