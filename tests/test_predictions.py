"""Predict first on any data (Explore, classroom mode): the four questions' answers from the exact
engine, the verdicts on crafted guesses (right, wrong, on the boundary), and a class's show of hands."""

from __future__ import annotations

import pandas as pd
import pytest

from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.lessons import predictions as pr
from hbm_core.lessons.exercises import NO, YES, judge
from hbm_core.priors import Priors

PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)


@pytest.fixture(scope="module")
def small_and_large():
    """Explore's default preset: sizes 3 to 100, one shared sd."""
    data = synthetic_groups([3, 6, 12, 25, 50, 100], [6, 4, 5, 3, 7, 5], [3] * 6, seed=1)
    return data, preview(data, PRIORS, sigma="shared")


@pytest.fixture(scope="module")
def alike():
    """Equal true means: the spread between sample means is noise."""
    data = synthetic_groups([20] * 5, [5] * 5, [2] * 5, seed=1)
    return data, preview(data, PRIORS, sigma="shared")


def _mu(quick) -> float:
    return float(quick.exact.mu_summary()["mean"])


def test_moved_most_names_the_longest_arrow_and_judges_guesses(small_and_large):
    data, quick = small_and_large
    solution = pr.moved_most_solution(quick.estimates, _mu(quick), unit="units")
    est = quick.estimates.set_index(["fit", "group"])["mean"]
    moves = {g: abs(est["hierarchical", g] - est["unpooled", g]) for g in data.groups}
    assert solution.answer == max(moves, key=moves.get) == "A"  # the group of 3
    assert solution.values == pytest.approx(moves)
    spec = pr.moved_most_question(data.groups)
    assert spec.options == tuple(data.groups)
    right = judge(spec, solution, "A")
    assert right.correct and right.message.startswith("Right: A.")
    wrong = judge(spec, solution, "F")
    assert wrong.verdict == "wrong" and "Not F: it moved 0.02; A moved 1.08." in wrong.message
    assert "Group A (n = 3) moved most" in solution.reason  # the page's own reading


def _crafted(moves: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """A long estimates table: group -> (own estimate, partial-pooling estimate); n = 10 each."""
    rows = []
    for g, (own, partial) in moves.items():
        rows.append({"group": g, "fit": "unpooled", "mean": own, "sd": 1.0, "n": 10})
        rows.append({"group": g, "fit": "hierarchical", "mean": partial, "sd": 0.8, "n": 10, "pooling": 0.4})
    return pd.DataFrame(rows)


def test_moved_most_near_tie_is_close_and_a_clear_loser_wrong():
    # A moves 2.0, B 1.9 (95% of A's move: a near tie), C 0.
    estimates = _crafted({"A": (10.0, 8.0), "B": (0.0, 1.9), "C": (5.0, 5.0)})
    solution = pr.moved_most_solution(estimates, center=5.0)
    assert solution.answer == "A" and solution.near == ("B",)
    spec = pr.moved_most_question(["A", "B", "C"])
    close = judge(spec, solution, "B")
    assert close.verdict == "close" and not close.correct
    assert close.message.startswith("Close, but not it: B moved 1.9, almost as much as A (2.0).")
    assert judge(spec, solution, "C").verdict == "wrong"
    # just below the near-tie line (1.79 < 0.9 * 2.0): wrong, not close
    below = pr.moved_most_solution(_crafted({"A": (10.0, 8.0), "B": (0.0, 1.79)}), center=5.0)
    assert below.near == () and judge(pr.moved_most_question(["A", "B"]), below, "B").verdict == "wrong"


def test_lands_slider_spans_the_data_starts_at_the_own_mean_and_scores(small_and_large):
    _, quick = small_and_large
    spec = pr.lands_question(quick, "A", "units")
    hier = quick.estimates[quick.estimates["fit"] == "hierarchical"].set_index("group")
    own, partial = float(hier.loc["A", "raw_mean"]), float(hier.loc["A", "mean"])
    assert spec.lo <= min(hier["raw_mean"].min(), _mu(quick)) and spec.hi >= hier["raw_mean"].max()
    assert spec.start == pytest.approx(own, abs=spec.step / 2 + 1e-9) and spec.start != pytest.approx(partial)
    solution = pr.lands_solution(quick, "A")
    assert solution.answer == pytest.approx(partial)
    assert judge(spec, solution, partial).correct
    edge = partial + solution.tolerance  # exactly on the boundary: still right
    assert judge(spec, solution, edge).verdict == "right"
    assert judge(spec, solution, partial + 1.5 * solution.tolerance).verdict == "close"
    far = judge(spec, solution, own)
    assert far.verdict == "wrong" and "(not pulled far enough)" in far.message
    with pytest.raises(ValueError, match="no group 'Z'"):
        pr.lands_question(quick, "Z")


def test_tau_near_zero_differs_between_alike_and_different_groups(small_and_large, alike):
    _, alike_quick = alike
    _, mixed_quick = small_and_large
    yes, no = pr.tau_solution(alike_quick), pr.tau_solution(mixed_quick)
    assert yes.answer == YES and no.answer == NO
    assert alike_quick.exact.tau_quantile(0.5) < yes.values["typical se"]
    spec = pr.tau_zero_question()
    assert judge(spec, yes, YES).correct and not judge(spec, yes, NO).correct


def test_beats_no_pooling_from_the_total_squared_errors(small_and_large):
    data, quick = small_and_large
    solution = pr.beats_solution(quick.estimates)
    est = quick.estimates.set_index(["fit", "group"])["mean"]
    truth = dict(zip(data.groups, data.true_means, strict=True))
    total = {f: sum((est[f, g] - truth[g]) ** 2 for g in data.groups) for f in ("hierarchical", "unpooled")}
    assert solution.values["partial pooling"] == pytest.approx(total["hierarchical"])
    assert solution.answer == (YES if total["hierarchical"] < total["unpooled"] else NO)
    assert solution.borderline == (
        1 / pr.BEATS_BORDERLINE <= total["unpooled"] / total["hierarchical"] <= 1.1
    )
    spec = pr.beats_question()
    other = NO if solution.answer == YES else YES
    assert judge(spec, solution, solution.answer).correct
    assert not judge(spec, solution, other).correct


def test_class_vote_counts_hands_and_judges_the_most_common_guess(small_and_large):
    data, quick = small_and_large
    spec = pr.moved_most_question(data.groups)
    solution = pr.moved_most_solution(quick.estimates, _mu(quick))
    vote = pr.ClassVote({"A": 12, "B": 3, "C": 0})
    assert vote.total == 15 and vote.top == ("A",) and vote.share("A") == pytest.approx(0.8)
    right = pr.class_feedback(spec, solution, vote)
    assert right.correct and right.message.startswith("12 of 15 hands (80%) chose A, the answer. Right: A.")
    wrong = pr.class_feedback(spec, solution, pr.ClassVote({"A": 1, "D": 9}))
    assert wrong.verdict == "wrong" and wrong.message.startswith("1 of 10 hands (10%) chose A, the answer.")
    tie = pr.class_feedback(spec, solution, pr.ClassVote({"A": 4, "D": 4}))
    assert tie.verdict == "close" and "The class split between A and D." in tie.message
    missed = pr.class_feedback(spec, solution, pr.ClassVote({"B": 4, "D": 4}))
    assert missed.verdict == "wrong" and missed.message.startswith("None of the 8 hands chose A")
    assert pr.class_feedback(spec, solution, "A").correct  # the teacher picked the most common guess
    with pytest.raises(ValueError, match="no hands"):
        pr.class_feedback(spec, solution, pr.ClassVote({"A": 0}))
