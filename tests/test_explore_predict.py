"""Explore's "Predict first" switch (AppTest): the partial-pooling results stay hidden until the student
predicts and presses Reveal; then each prediction stands beside the exact engine's answer with feedback
computed from the data, and the results follow. New data hide them again; switching off shows them.

Every test uses its own seed: the fit broker is shared by all AppTests in this process.
"""

from __future__ import annotations

from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.lessons.exercises import NO, YES, judge
from hbm_core.lessons.predictions import (
    beats_question,
    beats_solution,
    lands_question,
    lands_solution,
    moved_most_question,
    tau_solution,
    tau_zero_question,
)
from hbm_core.priors import Priors
from ui import prediction
from ui.explore_state import PRESETS

EXPLORE = "app_pages/explore.py"
QUICK = {"draws": "250", "chains": "2"}


def open_explore(at, seed: int):
    at.query_params.update({**QUICK, "seed": str(seed)})
    at.run()
    at.switch_page(EXPLORE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def headers(at) -> list[str]:
    return [h.value for h in at.main.header]


def alerts(at) -> list[str]:
    return [a.value for kind in (at.success, at.warning, at.error) for a in kind]


def exact(seed: int):
    sizes, means, sds, sigma = next(iter(PRESETS.values()))
    data = synthetic_groups(sizes, means, sds, seed=seed, y_label="outcome (units)")
    priors = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)
    return data, preview(data, priors, sigma=sigma)


def test_predict_first_hides_partial_pooling_until_reveal_then_gives_feedback(app_test):
    seed = 7201
    at = open_explore(app_test, seed)
    assert "2 · Shrinkage" in headers(at)
    at.toggle(key="predict_first").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert headers(at) == ["1 · The data", "Predict first"]  # no shrinkage, no population, no scores
    assert len(at.get("vega_lite_chart")) == 1  # the data only
    reveal = at.button(key="pf_reveal")
    assert reveal.disabled  # nothing predicted yet

    data, quick = exact(seed)
    most = prediction.moved_most(data, quick, "units")  # the page's own answer: its center, its own estimates
    wrong_group = next(g for g in data.groups if g != most.answer and g not in most.near)
    radios = {r.label: r for r in at.radio}
    radios["Which group will partial pooling move most?"].set_value(wrong_group).run()
    at.selectbox(key=next(s.key for s in at.selectbox if s.key.startswith("pf_group_"))).set_value("A").run()
    slider = next(s for s in at.slider if s.key.startswith("pf_lands_"))
    spec = lands_question(quick, "A", "units")
    assert slider.value == spec.start and slider.min == spec.lo and slider.max == spec.hi
    land = lands_solution(quick, "A")
    guess = spec.lo + round((float(land.answer) - spec.lo) / spec.step) * spec.step  # on the grid
    slider.set_value(guess).run()
    tau = tau_solution(quick)
    tau_guess = NO if tau.answer == YES else YES
    radios = {r.label: r for r in at.radio}
    radios[next(k for k in radios if k.startswith("Will τ's posterior"))].set_value(tau_guess).run()
    assert headers(at) == ["1 · The data", "Predict first"]  # still hidden while predicting
    at.button(key="pf_reveal").click().run()
    assert not at.exception, [e.value for e in at.exception]

    shown = alerts(at)
    expect_most = judge(moved_most_question(data.groups), most, wrong_group)
    expect_land = judge(spec, land, guess)
    expect_tau = judge(tau_zero_question(), tau, tau_guess)
    assert expect_most.verdict == "wrong" and expect_land.verdict == "right" and not expect_tau.correct
    for feedback in (expect_most, expect_land, expect_tau):
        assert any(feedback.message in a for a in shown), feedback.message
    you = f"You: **{wrong_group}** · answer (exact engine): **{most.answer}**"
    assert any(you in a.value for a in at.error)
    assert any(f"answer (exact engine): **{spec.show(land.answer)}**" in a.value for a in at.success)
    assert not any(beats_solution(quick.estimates).rule in a for a in shown)  # not asked, not answered
    assert any(m.value.startswith("**1 of 3 predictions right.**") for m in at.markdown)
    assert "2 · Shrinkage" in headers(at) and "8 · Scoring against the truth" in headers(at)
    assert at.radio[0].disabled and slider.key in [s.key for s in at.slider if s.disabled]

    # New data (the next seed): hidden again, the questions unanswered.
    at.number_input(key="seed").set_value(seed + 1).run()
    assert headers(at) == ["1 · The data", "Predict first"]
    assert at.button(key="pf_reveal").disabled
    # Switching off shows the results at once.
    at.toggle(key="predict_first").set_value(False).run()
    assert "2 · Shrinkage" in headers(at) and "Predict first" not in headers(at)


def test_beats_no_pooling_prediction_is_judged_against_the_true_means(app_test):
    seed = 7211
    at = open_explore(app_test, seed)
    at.toggle(key="predict_first").set_value(True).run()
    _, quick = exact(seed)
    beats = beats_solution(quick.estimates)
    radios = {r.label: r for r in at.radio}
    radios[next(k for k in radios if k.startswith("Will partial pooling beat"))].set_value(beats.answer).run()
    at.button(key="pf_reveal").click().run()
    assert not at.exception
    expected = judge(beats_question(), beats, beats.answer)
    assert expected.correct
    assert any(expected.message in a.value for a in at.success)
    assert any(m.value.startswith("**1 of 1 prediction right.**") for m in at.markdown)
