"""Predict, then reveal: each exercise's scenarios, answers, scoring and feedback, and the glossary."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hbm_core.exact.grid import exact_posterior
from hbm_core.exact.preview import preview
from hbm_core.lessons import exercises as ex
from hbm_core.lessons.glossary import GLOSSARY, term
from hbm_core.posterior.thresholds import MAX_RHAT, MIN_ESS_PER_CHAIN

SEED = 7
NUMBER_KEYS = [e.key for e in ex.EXERCISES if e.scenario(SEED).answer.kind == "number"]
CHOICE_KEYS = [e.key for e in ex.EXERCISES if e.scenario(SEED).answer.kind == "choice"]
YES_NO_KEYS = [e.key for e in ex.EXERCISES if e.scenario(SEED).answer.kind == "yes_no"]


def _by_key(key: str) -> ex.Exercise:
    return next(e for e in ex.EXERCISES if e.key == key)


@pytest.fixture(scope="module")
def solved() -> dict[str, tuple[ex.Scenario, ex.Solution]]:
    out = {}
    for item in ex.EXERCISES:
        scenario = item.scenario(SEED)
        out[item.key] = (scenario, item.solve(scenario))
    return out


def test_at_least_eight_exercises_numbered_in_order_with_every_answer_kind():
    assert len(ex.EXERCISES) >= 8
    assert [e.number for e in ex.EXERCISES] == list(range(1, len(ex.EXERCISES) + 1))
    assert len({e.key for e in ex.EXERCISES}) == len(ex.EXERCISES)
    assert NUMBER_KEYS and CHOICE_KEYS and YES_NO_KEYS
    assert ex.exercise(3).key == ex.EXERCISES[2].key
    with pytest.raises(ValueError):
        ex.exercise(0)
    with pytest.raises(ValueError):
        ex.exercise(len(ex.EXERCISES) + 1)


@pytest.mark.parametrize("item", ex.EXERCISES, ids=lambda e: e.key)
def test_same_seed_same_scenario_and_answer(item):
    a, b = item.scenario(SEED), item.scenario(SEED)
    assert a.story == b.story and a.question == b.question and a.params == b.params
    np.testing.assert_array_equal(a.data.y, b.data.y)
    assert item.solve(a).answer == item.solve(b).answer


@pytest.mark.parametrize("item", ex.EXERCISES, ids=lambda e: e.key)
def test_other_seeds_draw_other_numbers(item):
    def fingerprint(seed: int) -> tuple:
        scenario = item.scenario(seed)
        return (scenario.story, scenario.question, scenario.data.groups, tuple(scenario.data.y))

    assert len({fingerprint(seed) for seed in range(1, 9)}) > 1


@pytest.mark.parametrize("item", ex.EXERCISES, ids=lambda e: e.key)
def test_the_slider_never_starts_on_the_answer_and_the_answer_fits_the_widget(item, solved):
    scenario, solution = solved[item.key]
    spec = scenario.answer
    if spec.kind == "number":
        assert spec.lo <= float(solution.answer) <= spec.hi
        assert abs(spec.start - float(solution.answer)) > solution.tolerance
    else:
        assert solution.answer in spec.options


# ---------------------------------------------------------------------------------------------
# Answers come from the exact engine on the scenario's data


def test_shrinkage_answers_lie_between_own_estimate_and_the_centre(solved):
    for key in ("far_group", "eight_schools", "baseball"):
        scenario, solution = solved[key]
        assert solution.own is not None
        if scenario.params.get("tau") == 0:
            continue
        move = float(solution.answer) - solution.own
        assert move != 0
        # pulled toward the middle of the data: the answer is nearer the mean of the raw estimates
        raw = scenario.data.group_summary()["mean"].mean()
        assert abs(float(solution.answer) - raw) < abs(solution.own - raw)
    scenario, solution = solved["radon"]
    assert 0 < float(solution.answer) < 1


def test_eight_schools_answer_is_the_conditional_posterior_mean_at_tau():
    item = _by_key("eight_schools")
    for seed in range(1, 30):
        scenario = item.scenario(seed)
        tau, school = scenario.params["tau"], scenario.params["group"]
        data = scenario.data
        se = float(data.se[data.groups.index(school)])
        y = float(data.y[data.groups.index(school)])
        w = 1 / (data.se**2 + tau**2)
        mu = float(np.sum(w * data.y) / np.sum(w))
        B = se**2 / (se**2 + tau**2)
        assert float(item.solve(scenario).answer) == pytest.approx((1 - B) * y + B * mu, abs=1e-9)
    at = exact_posterior(data.y, data.se, data.groups, scenario.priors).at_tau(0.0)
    assert at["mean"].nunique() == 1  # tau = 0: every school on one value


def test_far_group_answer_is_the_exact_partial_pooling_estimate(solved):
    scenario, solution = solved["far_group"]
    quick = preview(scenario.data, scenario.priors, sigma="shared")
    hier = quick.estimates[quick.estimates["fit"] == "hierarchical"].set_index("group")
    assert float(solution.answer) == pytest.approx(float(hier.loc["E", "mean"]))
    assert f"{float(hier.loc['E', 'pooling']):.2f}" in solution.reason


def test_choice_answers_are_the_largest_moves(solved):
    for key in CHOICE_KEYS:
        _, solution = solved[key]
        assert solution.answer == max(solution.values, key=solution.values.get)
        assert set(solution.near) <= set(solution.values) - {solution.answer}


def test_largest_choice_names_the_first_largest_and_the_near_ties():
    # 0.9 of the winner's 2.0 is 1.8: C (1.8) is close, B (1.7) is not; D ties A exactly and is close.
    winner, near = ex.largest_choice({"A": 2.0, "B": 1.7, "C": 1.8, "D": 2.0})
    assert winner == "A" and near == ("C", "D")
    assert ex.largest_choice({"only": 0.5}) == ("only", ())


def test_funnel_answer_follows_the_stated_rule_and_both_answers_occur():
    item = _by_key("funnel")
    answers = set()
    for seed in range(1, 13):
        scenario = item.scenario(seed)
        solution = item.solve(scenario)
        pooling = solution.values["typical pooling factor"]
        assert solution.answer == (ex.YES if pooling >= ex.FUNNEL_POOLING else ex.NO)
        answers.add(solution.answer)
    assert answers == {ex.YES, ex.NO}


def test_alike_answer_compares_median_tau_with_the_typical_standard_error_and_both_occur():
    item = _by_key("alike")
    answers = set()
    for seed in range(1, 13):
        solution = item.solve(item.scenario(seed))
        v = solution.values
        assert solution.answer == (ex.YES if v["median τ"] < v["typical se"] else ex.NO)
        answers.add(solution.answer)
    assert answers == {ex.YES, ex.NO}


def test_reedfrogs_small_tanks_shrink_most_and_radon_county_has_two_houses(solved):
    scenario, solution = solved["reedfrogs"]
    assert solution.answer == "10 tadpoles"
    assert len(scenario.data.groups) == 18
    scenario, solution = solved["radon"]
    counts = dict(zip(scenario.data.groups, scenario.data.counts(), strict=True))
    assert counts[scenario.params["group"]] == 2


# ---------------------------------------------------------------------------------------------
# Scoring and feedback on crafted answers


@pytest.mark.parametrize("key", NUMBER_KEYS)
def test_number_scoring_right_close_wrong(key, solved):
    scenario, solution = solved[key]
    answer, tol = float(solution.answer), solution.tolerance
    assert tol > 0
    toward_own = np.sign(solution.own - answer) or 1.0
    right = ex.score(scenario, solution, answer + 0.5 * tol * toward_own)
    assert (right.verdict, right.correct) == ("right", True)
    assert right.error == pytest.approx(0.5 * tol)
    close = ex.score(scenario, solution, answer + 1.5 * tol * toward_own)
    assert (close.verdict, close.correct) == ("close", False)
    assert "not pulled far enough" in close.message
    wrong = ex.score(scenario, solution, answer - 3 * tol * toward_own)
    assert (wrong.verdict, wrong.correct) == ("wrong", False)
    assert "pulled too far" in wrong.message
    # the feedback names the guess and the answer as the page shows them, and gives the reason
    assert scenario.answer.show(answer) in wrong.message and solution.reason in wrong.message
    # the boundary itself counts as right
    assert ex.score(scenario, solution, answer + tol).verdict == "right"


@pytest.mark.parametrize("key", CHOICE_KEYS)
def test_choice_scoring_is_exact_with_near_ties_called_close(key, solved):
    scenario, solution = solved[key]
    right = ex.score(scenario, solution, solution.answer)
    assert (right.verdict, right.correct) == ("right", True)
    others = [o for o in scenario.answer.options if o != solution.answer]
    far = [o for o in others if o not in solution.near]
    wrong = ex.score(scenario, solution, far[0])
    assert (wrong.verdict, wrong.correct) == ("wrong", False)
    assert far[0] in wrong.message and format(solution.values[far[0]], solution.value_fmt) in wrong.message
    tie = replace(solution, near=(others[0],))
    close = ex.score(scenario, tie, others[0])
    assert (close.verdict, close.correct) == ("close", False)
    assert "almost as much" in close.message
    with pytest.raises(ValueError):
        ex.score(scenario, solution, "no such option")


@pytest.mark.parametrize("key", YES_NO_KEYS)
def test_yes_no_scoring_right_wrong_and_borderline(key, solved):
    scenario, solution = solved[key]
    other = ex.NO if solution.answer == ex.YES else ex.YES
    assert ex.score(scenario, solution, solution.answer).correct
    clear = replace(solution, borderline=False)
    wrong = ex.score(scenario, clear, other)
    assert (wrong.verdict, wrong.correct) == ("wrong", False)
    assert solution.reason in wrong.message
    near = replace(solution, borderline=True)
    close = ex.score(scenario, near, other)
    assert (close.verdict, close.correct) == ("close", False)
    assert "only just" in close.message
    assert ex.score(scenario, near, solution.answer).verdict == "right"


def test_every_solution_states_its_rule_and_a_reason_with_numbers(solved):
    for scenario, solution in solved.values():
        assert solution.rule and solution.reason
        assert any(ch.isdigit() for ch in solution.reason)
        if scenario.answer.kind == "number":
            assert "Right within" in solution.rule


def test_own_estimates_carry_no_partial_pooling(solved):
    scenario, _ = solved["eight_schools"]
    frame = ex.own_estimates(scenario)
    assert set(frame["fit"]) == {"unpooled"}
    np.testing.assert_allclose(frame["mean"], scenario.data.y)
    assert (frame["hdi_low"] < frame["mean"]).all() and (frame["mean"] < frame["hdi_high"]).all()


# ---------------------------------------------------------------------------------------------
# Glossary


def test_glossary_has_the_terms_and_correct_key_facts():
    keys = [t.key for t in GLOSSARY]
    for needed in ("tau", "pooling_factor", "hdi", "rhat", "ess", "divergences", "parameterization"):
        assert needed in keys
    assert len(set(keys)) == len(keys)
    assert "se_j² / (se_j² + τ²)" in term("pooling_factor").definition
    assert "narrowest interval" in term("hdi").definition
    assert f"{MAX_RHAT:g}" in term("rhat").definition
    assert f"{MIN_ESS_PER_CHAIN}" in term("ess").definition
    assert "θ_j = μ + τ·z_j" in term("parameterization").definition
    with pytest.raises(KeyError):
        term("nope")
