"""The "Predict, then reveal" page: predict, reveal, feedback, next; progress in the link; bad links."""

from __future__ import annotations

import pytest

from hbm_core.lessons.exercises import EXERCISES, exercise, score
from hbm_core.lessons.glossary import GLOSSARY

PAGE = "app_pages/exercises.py"


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(e.value) for kind in (at.success, at.warning, at.error, at.info) for e in kind]
    parts += [m.value for m in at.metric] + [h.value for h in at.header]
    return "\n".join(parts)


def _button(at, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def _progress(at) -> str:
    return at.get("progress")[0].proto.text


def test_the_answer_exists_nowhere_before_reveal(open_page):
    at = open_page(PAGE, query={"ex": "4", "seed": "12"})
    scenario = exercise(4).scenario(12)
    solution = exercise(4).solve(scenario)
    assert [h.value for h in at.header][0] == f"4. {scenario.title}"
    text = _texts(at)
    assert scenario.story in text and scenario.question in text
    assert solution.reason not in text and "Answer (exact engine)" not in [m.label for m in at.metric]
    state = at.session_state.to_dict()
    assert not any(type(v).__name__ in ("Solution", "Feedback") for v in state.values())
    assert solution.answer not in [v for v in state.values() if isinstance(v, float)]
    assert _button(at, "Reveal").disabled is False  # a slider always holds a prediction


def test_predict_reveal_feedback_next_and_progress_in_the_link(open_page):
    at = open_page(PAGE, query={"ex": "4", "seed": "12", "done": "1,2"})
    assert "2 of 8" in _progress(at)
    scenario = exercise(4).scenario(12)
    solution = exercise(4).solve(scenario)
    guess = scenario.answer.start + 2.0
    at.slider[0].set_value(guess).run()
    _button(at, "Reveal").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Your prediction"] == scenario.answer.show(guess)
    assert metrics["Answer (exact engine)"] == scenario.answer.show(solution.answer)
    expected = score(scenario, solution, guess)
    shown = {"right": at.success, "close": at.warning, "wrong": at.error}[expected.verdict]
    assert expected.message in [e.value for e in shown]
    assert at.slider[0].disabled  # the prediction stays as it was made
    assert at.query_params["done"] == "1,2,4"
    assert "3 of 8" in _progress(at)
    _button(at, "Next").click().run()
    assert [h.value for h in at.header][0] == f"5. {EXERCISES[4].title}"
    assert at.query_params["ex"] == "5" and at.query_params["seed"] == "12"


def test_a_shared_link_keeps_the_progress_and_the_scenario(open_page):
    at = open_page(PAGE, query={"ex": "2", "seed": "31", "done": "1,2,4"})
    assert "3 of 8" in _progress(at)
    scenario = exercise(2).scenario(31)
    assert scenario.story in _texts(at)
    assert at.session_state["ex_seed"] == 31 and at.session_state["ex_done"] == [1, 2, 4]


def test_a_choice_needs_a_pick_before_reveal_then_is_scored_exactly(open_page):
    at = open_page(PAGE, query={"ex": "2", "seed": "5"})
    assert _button(at, "Reveal").disabled
    scenario = exercise(2).scenario(5)
    solution = exercise(2).solve(scenario)
    at.radio[0].set_value(solution.answer).run()
    _button(at, "Reveal").click().run()
    assert not at.exception
    assert any(e.value.startswith(f"Right: {solution.answer}.") for e in at.success)


@pytest.mark.parametrize(
    ("query", "header", "note"),
    [
        ({"ex": "abc"}, 1, "is not a number"),
        ({"ex": "99", "seed": "3"}, 8, "is outside"),
        ({"ex": "2.5", "seed": "x", "done": "9,,1"}, 3, None),
    ],
)
def test_bad_links_are_handled_without_an_exception(open_page, query, header, note):
    at = open_page(PAGE, query=query)
    assert [h.value for h in at.header][0].startswith(f"{header}. ")
    notes = [w.value for w in at.warning]
    if note:
        assert any(note in n for n in notes)
    else:
        assert notes  # every adjusted value is named
    at.selectbox[0].set_value(1 if header != 1 else 2).run()  # another exercise: the link's notes go
    assert not at.exception and not at.warning


def test_teacher_view_shows_every_answer_and_the_glossary_is_there(open_page):
    at = open_page(PAGE, query={"ex": "1", "seed": "12"})
    labels = [e.label for e in at.expander]
    assert [g.name for g in GLOSSARY] == [label for label in labels if label in {g.name for g in GLOSSARY}]
    assert not any(label.startswith("1. ") for label in labels)
    at.toggle[0].set_value(True).run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    for item in EXERCISES:
        case = item.scenario(12)
        answer = case.answer.show(item.solve(case).answer)
        assert f"{item.number}. {item.title}: {answer}" in labels
