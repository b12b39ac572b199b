"""The Eight schools page's computed readings (hbm_core.lessons.eight_schools) on crafted posteriors at τ."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hbm_core.data.datasets import load_dataset
from hbm_core.exact.grid import exact_from_data
from hbm_core.lessons.eight_schools import (
    complete_pooling_text,
    mu_given_tau,
    pooling_range_text,
    priors_for,
    tau_reading,
    uncertainty_reading,
)


def at_tau(y, se, tau: float, mu: float, groups: str = "ABCDEFGH") -> pd.DataFrame:
    """A posterior at τ as ExactPosterior.at_tau gives it, built from the normal formulas."""
    y, se = np.asarray(y, float), np.asarray(se, float)
    b = se**2 / (se**2 + tau**2)
    return pd.DataFrame(
        {
            "group": list(groups[: len(y)]),
            "tau": tau,
            "mean": (1 - b) * y + b * mu,
            "sd": np.sqrt(1 / (1 / se**2 + 1 / tau**2)) if tau > 0 else np.full(len(y), 4.0),
            "pooling": b,
            "y": y,
            "se": se,
        }
    )


def test_mu_given_tau_is_recovered():
    assert mu_given_tau(at_tau([10, 0, 5], [5, 10, 20], 7.0, 3.3)) == pytest.approx(3.3)


def test_the_largest_pooling_factor_moves_most_when_distances_are_equal():
    at = at_tau([20, -20, 0], [20, 5, 10], 10.0, 0.0)  # A and B equally far from mu, A less precise
    text = tau_reading(at)
    assert "**school A** moves most" in text
    assert "σ = 20 is large next to τ = 10" in text and "pooling factor 0.80 is the largest" in text
    assert "School C moves least (0.0 points)" in text  # sits on mu


def test_a_distant_precise_school_can_move_most():
    # B has the larger pooling factor but sits next to mu; A is far away: distance wins.
    at = at_tau([30, 2, 1], [10, 20, 5], 10.0, 0.0)
    text = tau_reading(at)
    assert "**school A** moves most" in text
    assert "is not the largest (school B: 0.80" in text
    assert "school A sits 30.0 points from μ̂, school B only 2.0" in text


def test_a_tie_names_both_schools():
    at = at_tau([10, -10, 0, 1], [10, 10, 10, 10], 10.0, 0.0)
    text = tau_reading(at)
    assert "**schools A and B** move most, by 5.0 points each" in text
    assert "same pooling factor (0.50)" in text  # equal sigmas: only the distance differs


def test_at_tau_zero_every_school_is_pooled_completely():
    at = at_tau([28, 8, -3], [15, 10, 16], 0.0, 7.7)
    assert pooling_range_text(at) == "At τ = 0 every school is pooled completely (pooling factor **1.00**)."
    text = tau_reading(at)
    assert "run from" not in pooling_range_text(at)
    assert "**school A** moves most" in text and "20.3 points" in text
    assert "same pooling factor (1.00)" in text


def test_pooling_range_names_ties_at_either_end():
    at = at_tau([28, 8, -3, 7, -1, 1, 18, 12], [15, 10, 16, 11, 9, 11, 10, 18], 10.0, 8.0)
    text = pooling_range_text(at)
    assert "from **0.45** (school E, σ = 9) to **0.76** (school H, σ = 18)" in text
    tied = at_tau([1, 2, 3], [10, 10, 20], 10.0, 0.0)
    expected = "from **0.50** (schools A and B, σ = 10) to **0.80** (school C, σ = 20)"
    assert expected in pooling_range_text(tied)


def test_nothing_moves_when_every_school_sits_on_mu():
    assert "no school moves visibly" in tau_reading(at_tau([5, 5, 5], [10, 12, 14], 3.0, 5.0))


def test_complete_pooling_is_named_with_its_prior():
    assert complete_pooling_text(7.69, 7.69, "flat").startswith("complete pooling (τ = 0) gives **7.7**")
    text = complete_pooling_text(7.63, 7.69, "half_cauchy")
    assert "**7.6** under μ ~ Normal(0, 50)" in text
    assert "flat prior on μ it is the precision-weighted mean 7.7" in text


def test_complete_pooling_on_the_real_data_depends_only_on_the_prior_on_mu():
    data = load_dataset("eight_schools")
    flat = exact_from_data(data, priors_for("flat", 0.0)).at_tau(0.0)["mean"].iloc[0]
    assert flat == pytest.approx(np.sum(data.y / data.se**2) / np.sum(1 / data.se**2))  # BDA3's 7.7
    hc = exact_from_data(data, priors_for("half_cauchy", 25)).at_tau(0.0)["mean"].iloc[0]
    hn = exact_from_data(data, priors_for("half_normal", 3)).at_tau(0.0)["mean"].iloc[0]
    assert round(flat, 1) == 7.7 and round(hc, 1) == 7.6 and hn == pytest.approx(hc)


def test_uncertainty_reading_names_the_largest_gain():
    at = at_tau([1, 2, 3], [10, 20, 5], 10.0, 0.0)
    text = uncertainty_reading(at)
    assert "school B most, from σ = 20 to 8.9 points" in text and "largest σ_j (20)" in text
    tie = at_tau([1, 2, 3], [20, 20, 5], 10.0, 0.0)
    assert "schools A and B most" in uncertainty_reading(tie)


def test_tau_posterior_and_forest_readings_follow_the_prior():
    from hbm_core.lessons.eight_schools import forest_reading, tau_posterior_reading

    data = load_dataset("eight_schools")
    wide = exact_from_data(data, priors_for("flat", 0.0))
    tight = exact_from_data(data, priors_for("uniform", 1.0))  # tau <= 1: every school pooled
    assert "median at 5.2 SAT points" in tau_posterior_reading(wide)  # BDA3's posterior median of tau
    assert "density at τ = 5 is 0.00 times" in tau_posterior_reading(tight)  # outside Uniform(0, 1)
    assert "every school sits nearer complete pooling" in forest_reading(wide)
    assert "every pooling factor is about 1.00" in forest_reading(tight)  # one value, not "from 1.00 to 1.00"
    # Standard errors far below the spread of the effects: every school keeps most of its own y_j.
    sharp = exact_from_data(data.with_(se=np.full(8, 1.0)), priors_for("flat", 0.0))
    assert "every school sits nearer its own y_j" in forest_reading(sharp)


def test_sensitivity_reading_says_whether_the_prior_matters():
    from hbm_core.lessons.eight_schools import sensitivity_reading

    table = pd.DataFrame({"prior": ["p1", "p2", "p3"], "median τ": [5.2, 4.0, 1.9], "A": [11.4, 10.0, 8.3]})
    text = sensitivity_reading(table)
    assert "from 1.9 (p3) to 5.2 (p1)" in text and "θ_A from 8.3 to 11.4" in text
    assert text.endswith("the prior on τ matters.")
    close = table.assign(**{"median τ": [5.2, 5.0, 4.9]})
    assert sensitivity_reading(close).endswith("the prior on τ matters little here.")
