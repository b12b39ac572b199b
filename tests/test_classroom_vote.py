"""Classroom mode's prediction step (AppTest): on the complete-pooling step the teacher enters the
class's show of hands (or the most common guess) on which group partial pooling will move most; Next
reveals partial pooling with the class's answer beside the exact engine's, and feedback computed from
the data. New data (another seed) ask afresh.

Every test uses its own seed: the fit broker is shared by all AppTests in this process.
"""

from __future__ import annotations

from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.lessons.exercises import judge
from hbm_core.lessons.predictions import (
    ClassVote,
    class_feedback,
    lands_question,
    lands_solution,
    moved_most_question,
    moved_most_solution,
)
from hbm_core.priors import Priors
from ui.explore_state import PRESETS

EXPLORE = "app_pages/explore.py"
QUICK = {"draws": "250", "chains": "2"}


def open_classroom(at, seed: int, step: int):
    at.query_params.update({**QUICK, "seed": str(seed), "classroom": "1", "step": str(step)})
    at.run()
    at.switch_page(EXPLORE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def exact(seed: int):
    """The default preset's data at ``seed`` and their exact preview (Explore's priors)."""
    sizes, means, sds, sigma = next(iter(PRESETS.values()))
    data = synthetic_groups(sizes, means, sds, seed=seed, y_label="outcome (units)")
    priors = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)
    return data, preview(data, priors, sigma=sigma)


def expected(seed: int):
    """The default preset's data at ``seed``, the moved-most question and its answer."""
    data, quick = exact(seed)
    solution = moved_most_solution(quick.estimates, float(quick.exact.mu_summary()["mean"]), unit="units")
    return data, moved_most_question(data.groups), solution


def alerts(at) -> list[str]:
    return [a.value for kind in (at.success, at.warning, at.error) for a in kind]


def test_show_of_hands_then_next_reveals_the_answer_beside_the_class(app_test):
    at = open_classroom(app_test, 7161, 3)
    data, spec, solution = expected(7161)
    assert any(m.value.startswith("**Before Next: the class predicts.**") for m in at.markdown)
    assert len(at.get("vega_lite_chart")) == 1  # the vote draws no chart: the answer is not on screen
    assert not [a for a in alerts(at) if "moved most (exact engine)" in a]
    wrong = next(g for g in data.groups if g != solution.answer)
    at.number_input(key=f"vote_hands_{_tag(at)}_{solution.answer}").set_value(4).run()
    at.number_input(key=f"vote_hands_{_tag(at)}_{wrong}").set_value(9).run()
    at.button(key="classroom_next").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["step"] in ("4", ["4"])
    feedback = class_feedback(spec, solution, ClassVote({solution.answer: 4, wrong: 9}))
    assert feedback.verdict in ("wrong", "close")
    shown = [a for a in alerts(at) if "moved most (exact engine)" in a]
    assert len(shown) == 1, alerts(at)
    assert f"The class said **{wrong}**" in shown[0]
    assert f"moved most (exact engine): **{solution.answer}**" in shown[0]
    assert feedback.message in shown[0]
    assert f"4 of 13 hands (31%) chose {solution.answer}, the answer." in shown[0]
    shown_in = {"wrong": at.error, "close": at.warning}[feedback.verdict]
    assert any(a.value == shown[0] for a in shown_in)
    assert len(at.get("vega_lite_chart")) == 1  # step 4's one chart, as before

    # Back to the vote: the hands are still entered; another seed (new data) asks afresh.
    at.button(key="classroom_back").click().run()
    assert at.number_input(key=f"vote_hands_{_tag(at)}_{wrong}").value == 9
    at.number_input(key="seed").set_value(7162).run()
    assert all(n.value == 0 for n in at.number_input if n.key and n.key.startswith("vote_hands_"))
    at.button(key="classroom_next").click().run()
    assert not [a for a in alerts(at) if "moved most (exact engine)" in a]  # no vote on these data


def test_the_most_common_guess_right_gets_right(app_test):
    at = open_classroom(app_test, 7171, 3)
    _, spec, solution = expected(7171)
    at.segmented_control(key="vote_mode").set_value("Most common guess").run()
    at.radio(key=f"vote_pick_{_tag(at)}").set_value(solution.answer).run()
    at.button(key="classroom_next").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [a.value for a in at.success if "moved most (exact engine)" in a.value]
    assert len(shown) == 1
    assert f"The class said **{solution.answer}** (most common guess)" in shown[0]
    assert f"Right: {solution.answer}." in shown[0]


def test_where_a_group_lands_is_revealed_beside_the_class_guess(app_test):
    at = open_classroom(app_test, 7191, 3)
    _, quick = exact(7191)
    tag = _tag(at)
    at.selectbox(key=f"vote_land_group_{tag}").set_value("A").run()
    spec = lands_question(quick, "A", "units")
    slider = at.slider(key=f"vote_land_{tag}_A")
    assert slider.value == spec.start and (slider.min, slider.max) == (spec.lo, spec.hi)
    slider.set_value(spec.start).run()  # the class keeps the group's own mean: no pooling
    at.button(key="classroom_next").click().run()
    assert not at.exception, [e.value for e in at.exception]
    solution = lands_solution(quick, "A")
    feedback = judge(spec, solution, spec.start)
    shown = [a for a in alerts(at) if a.startswith("The class said group A lands at")]
    assert len(shown) == 1, alerts(at)
    assert (
        f"**{spec.show(spec.start)}**; partial pooling (exact engine): **{spec.show(solution.answer)}**"
        in shown[0]
    )
    assert feedback.message in shown[0] and "(not pulled far enough)" in shown[0]
    assert not [a for a in alerts(at) if "moved most (exact engine)" in a]  # no hands: only this one


def test_no_vote_no_reveal_box(app_test):
    at = open_classroom(app_test, 7181, 3)
    at.button(key="classroom_next").click().run()
    assert not at.exception
    assert not [a for a in alerts(at) if "moved most (exact engine)" in a]


def _tag(at) -> str:
    """The data's tag in the vote widgets' keys (one data set on screen)."""
    keys = {
        w.key.split("_")[2]
        for kind in (at.number_input, at.radio)
        for w in kind
        if w.key and w.key.startswith(("vote_hands_", "vote_pick_"))
    }
    assert len(keys) == 1, keys
    return keys.pop()
