"""Learned suggestions in the workbench (issue 18, item 2): trained in a thread on opening, the `?` marks of a learned
code are the model's with its probability and the words that weighed most, `s` accepts one, `S` remembers a dismissal
(a negative example at the next training), `L` goes to the uncoded passage the model is least sure about."""

from __future__ import annotations

import re

from coder import learning
from coder.study import Study, connect_study
from coder.tui.dialogs.quick_pick import QuickPick
from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.suggesting import RETRAIN_AFTER
from coder.tui.widgets.status_line import StatusLine
from coder.tui.widgets.transcript import TranscriptView
from tests.tui.conftest import app_for
from tests.tui.waiting import press_to_open, running, settle, until

TRAINING = 90.0  # seconds a training may take on a busy test machine (about 4 s alone)


def learned_mark(mark: str) -> tuple[str, float, list[str]]:
    """A learned `?` mark: "Enabling 0.83 «credit, trust»" → ("Enabling", 0.83, ["credit", "trust"])."""
    found = re.fullmatch(r"(.+) (\d\.\d\d) «(.*)»", mark)
    assert found, mark
    return found[1], float(found[2]), [w for w in found[3].split(", ") if w]


async def test_learned_suggestions_show_probabilities_accept_dismiss_and_lead_to_the_least_sure_passage(coded_piura):
    app = app_for(coded_piura, "ben", learn=True)
    async with running(app, size=(160, 40)) as pilot:
        screen: CodingScreen = app.screen
        await until(pilot, lambda: screen.model is not None and bool(screen.learned), "the model and its suggestions",
                    timeout=TRAINING)
        model = screen.model
        assert model is not None and model.order
        marks = lambda: screen.query_one(TranscriptView).marks.suggestions  # read afresh after each key
        document = screen.document.info.id
        passages = {p.ordinal: p for p in screen.document.passages}
        ordinal = min(screen.learned)
        expected = model.suggest(screen.document.text[passages[ordinal].start:passages[ordinal].end])
        shown = [learned_mark(m) for m in marks()[ordinal - 1] if re.search(r" \d\.\d\d «", m)]
        assert shown and [(name, p) for name, p, _ in shown] == [
            (screen.code_styles[s.code_id].name, round(s.probability, 2)) for s in expected
            if s.code_id in {c.code_id for c in screen.learned[ordinal]}]
        assert all(p >= 0.5 for _, p, _ in shown) and any(words for _, _, words in shown)

        screen.go_to(document, ordinal)
        await pilot.pause()
        first = screen.learned[ordinal][0]
        assert f"suggested: {screen.named(first.code_id, ordinal)} (" in str(screen.query_one(StatusLine).render())
        await pilot.press("s")  # accepts the most probable one
        await until(pilot, lambda: any(c.code_id == first.code_id and c.coder_id == screen.coder_id
                                       for c in screen.codings.in_passage(ordinal - 1)), "the accepted suggestion")
        assert not any(learned_mark(m)[0] == screen.code_styles[first.code_id].name
                       for m in marks().get(ordinal - 1, []) if re.search(r" \d\.\d\d «", m))

        other = next((o, s) for o, items in sorted(screen.learned.items()) for s in items
                     if o != ordinal and s.code_id in screen.pending(o))
        screen.go_to(document, other[0])
        await pilot.pause()
        open_here = screen.pending(other[0])
        await pilot.press("S")
        if len(open_here) > 1:  # several: chosen from the list, the learned one first
            await pilot.press("enter")
        await until(pilot, lambda: other[1].code_id not in screen.pending(other[0]), "the dismissal")
        db = connect_study(coded_piura)
        try:
            stored = db.execute("SELECT code_id, start FROM suggestion_dismissals WHERE coder_id = ?", [screen.coder_id]).fetchall()
            assert (other[1].code_id, passages[other[0]].start) in stored
            negatives = learning.examples(db, "ben")
            taught = [n for u, n in zip(negatives.units, negatives.negative) if (u.document_id, u.ordinal) == (document, other[0])]
            assert len(taught) == 1 and other[1].code_id in taught[0]  # a negative example of ben's next model
            target = learning.least_sure(db, model, screen.coder_id)
        finally:
            db.close()

        assert target is not None
        screen.go_to(document, 2 if target == (document, 1) else 1)  # somewhere else first
        await pilot.pause()
        assert (screen.document.info.id, screen.passage().ordinal) != target
        await pilot.press("L")  # found in a thread
        await until(pilot, lambda: (screen.document.info.id, screen.passage().ordinal) == target, "the least-sure passage")


class Trainer:
    """The app's training process, stood in for: a model of nothing that says which source it learned from."""

    def __init__(self) -> None:
        self.sources: list[str] = []

    def __call__(self, root) -> learning.Model:
        db = connect_study(Study(root))
        try:
            source = learning.default_source(db)
            model = learning.Model(source, {}, {}, {}, taught=learning.example_count(db, source))
        finally:
            db.close()
        self.sources.append(source)
        return model

    def close(self) -> None:
        pass


async def test_m_chooses_whose_coding_is_learned_and_retraining_counts_that_sources_codings(coded_piura):
    app = app_for(coded_piura, "ben")
    app.learn = trainer = Trainer()
    async with running(app, size=(160, 40)) as pilot:
        screen: CodingScreen = app.screen
        await until(pilot, lambda: screen.model is not None, "the first model")
        assert trainer.sources == ["consensus"]  # the default when the consensus has codings
        await press_to_open(pilot, "M", QuickPick)
        await pilot.press(*"ben", "enter")
        await until(pilot, lambda: trainer.sources == ["consensus", "ben"], "training on ben's coding")
        await until(pilot, lambda: screen.model is not None and screen.model.source == "ben", "ben's model")
        assert learning.default_source(screen.db) == "ben"  # kept in the study

        screen.model.taught -= RETRAIN_AFTER - 1  # one coding short of training again
        screen.learned_from_write()  # a write that coded nothing: no training
        await settle(pilot)
        assert len(trainer.sources) == 2
        ordinal = screen.passage().ordinal
        await pilot.press("1")  # ben codes: the 20th new coding of the model's source
        await until(pilot, lambda: len(trainer.sources) == 3, "training again")
        assert any(c.coder_id == screen.coder_id for c in screen.codings.in_passage(ordinal - 1))
