"""Readings of the prior predictive check (hbm_core.lessons.prior_checks) on crafted draws."""

from __future__ import annotations

import numpy as np
import pytest

from hbm_core.lessons.prior_checks import (
    number,
    range_reading,
    spread_reading,
    surprising_groups,
    surprising_reading,
    tau_reading,
    trap_reading,
)
from hbm_core.prior_predictive import Observed, PriorDraws


def _draws(group_means: np.ndarray, family: str = "normal", tau: np.ndarray | None = None) -> PriorDraws:
    S, J = group_means.shape
    tau = np.linspace(0.0, 10.0, S) if tau is None else tau
    return PriorDraws(family, np.zeros(S), tau, group_means.copy(), group_means)


# 1001 draws of 2 groups: group means -50 .. 50 (equally spaced) and their mirror images
GRID = np.linspace(-50.0, 50.0, 1001)
WIDE = _draws(np.column_stack([GRID, -GRID]))


def test_number() -> None:
    assert number(12.345) == "12.3" and number(0.01234) == "0.0123"
    assert number(0.25, True) == "25%" and number(0.0512, True) == "5.1%" and number(0.0, True) == "0%"


def test_range_reading_weak_priors() -> None:
    observed = Observed(np.array([1.0, 2.0, 3.0]), "group mean")
    text = range_reading(WIDE, observed, unit="units")
    assert "90% of simulated group means between -45 and 45 units" in text
    assert "run from 1 to 3 units" in text
    assert "45 times as wide as the observed range" in text  # 90 / 2


def test_range_reading_observed_outside() -> None:
    text = range_reading(WIDE, Observed(np.array([0.0, 60.0]), "group mean"))
    assert "lie outside that interval: the priors find them surprising" in text


def test_range_reading_comfortable() -> None:
    text = range_reading(WIDE, Observed(np.array([-30.0, 30.0]), "group mean"))
    assert text.endswith("The observed values sit inside it.")


def test_range_reading_proportions_as_percentages() -> None:
    p = np.column_stack([np.linspace(0.0, 1.0, 101)] * 2)
    text = range_reading(_draws(p, "binomial"), Observed(np.array([0.2, 0.4]), "proportion"))
    assert "between 5% and 95%" in text and "run from 20% to 40%" in text


@pytest.mark.parametrize(
    ("observed_sd", "share", "verdict"),
    [
        (0.5, "98.9%", "Almost every prior draw"),  # spreads 0, 0.1, .. 50 twice: 11 of 1001 are <= 0.5
        (49.0, "2%", "rarely allow classes as different as these"),
        (25.0, "50%", "sits comfortably inside"),
    ],
)
def test_spread_reading(observed_sd: float, share: str, verdict: str) -> None:
    # group means -g and g: sd = |g|, uniform on 0..50 over the draws
    observed = Observed(np.array([-observed_sd, observed_sd]), "group mean")
    text = spread_reading(WIDE, observed, unit="units", group_word="class")
    assert text.startswith(f"{share} of the prior draws spread the classes further apart")
    assert verdict in text
    assert f"(sd of the group means: {observed_sd:g} units)" in text


def test_surprising_groups_each_against_its_own_draws() -> None:
    # group A's simulated values run 0..1, group B's 100..101
    means = np.column_stack([np.linspace(0, 1, 1001), np.linspace(100, 101, 1001)])
    observed = Observed(np.array([0.5, 50.0]), "group mean")
    assert surprising_groups(_draws(means), observed, ["A", "B"]) == ["B"]
    one = surprising_reading(["B"], "school")
    assert one == "School B lies outside 99% of what the priors simulate for it."
    many = surprising_reading([str(i) for i in range(7)], "tank")
    assert many.startswith("Tanks 0, 1, 2, 3, 4 and 2 more lie") and many.endswith("for them.")
    assert surprising_reading([]) == ""


def test_tau_reading() -> None:
    draws = _draws(np.zeros((1001, 2)), tau=np.linspace(0.0, 10.0, 1001))
    assert tau_reading(draws, unit="SAT points") == (
        "Under this prior τ has median 5 SAT points and is below 9 SAT points nine times in ten."
    )


def test_trap_reading() -> None:
    text = trap_reading(0.1, 0.768, 10.0, group_word="tank")
    assert text.startswith("Below 5% or above 95%: 10% of the tanks' implied probabilities")
    assert "76.8% under θ_j ~ Normal(0, 10)" in text and "far from flat" in text
    assert "far from flat" not in trap_reading(0.1, 0.15, 2.0)
