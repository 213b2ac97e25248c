"""Selection positions counted in UTF-16 units or with CRLF as one are recognised and converted to code points."""

from __future__ import annotations

from coder.refi import import_refi
from tests.export_study import quotes
from tests.refi.builders import fresh, nvivo_like


def test_qdpx_utf16_positions_emoji_crlf_and_nfd_are_detected_and_converted(tmp_path, make_study):
    study, db = fresh(make_study)
    report = import_refi(db, study, nvivo_like(tmp_path))
    assert quotes(db) == ["We sell mangos", "abroad", "owners too", "End of notes"]
    text = db.execute("SELECT text FROM documents").fetchone()[0]
    assert "\r" not in text and "café owners" in text  # NFC, \n line ends
    assert any("UTF-16 units (an emoji is 2) with CRLF as 2" in w for w in report.warnings)
    assert any("the sources folder is named 'Sources/'" in w for w in report.warnings)
    db.close()


def test_qdpx_quoted_selection_names_decide_the_unit(tmp_path, make_study):
    study, db = fresh(make_study)
    import_refi(db, study, nvivo_like(tmp_path, folder="sources", qde_name="Interviews 2024.qde", named=True))
    assert quotes(db) == ["We sell mangos", "abroad", "owners too", "End of notes"]
    db.close()
