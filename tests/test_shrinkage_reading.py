"""The shrinkage readings say what the estimates show: crafted cases, the presets, ties, truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.lessons.shrinkage_reading import (
    group_moves,
    interval_reading,
    moved_least,
    moved_most,
    narrowing_reading,
    own_data_note,
    own_estimate_for,
    plural,
    population_center,
    shrinkage_facts,
    shrinkage_reading,
)
from hbm_core.priors import Priors
from ui.explore_state import PRESETS

PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)


def crafted(own, partial, pooling, *, n=None, se=None, pooled=5.0, truth=None, raw=None) -> pd.DataFrame:
    """A long estimates table for groups A, B, ... from per-group numbers."""
    J = len(own)
    groups = [chr(ord("A") + j) for j in range(J)]
    n = [10] * J if n is None else n
    se = [1.0] * J if se is None else se
    common = {
        "group": groups,
        "n": n,
        "raw_mean": own if raw is None else raw,
        "true_mean": [np.nan] * J if truth is None else truth,
    }

    def rows(fit, mean, sd, pool):
        mean, sd = np.asarray(mean, float), np.asarray(sd, float)
        return pd.DataFrame(
            {
                **common,
                "fit": fit,
                "mean": mean,
                "sd": sd,
                "hdi_low": mean - 2 * sd,
                "hdi_high": mean + 2 * sd,
            }
            | {"pooling": pool}
        )

    return pd.concat(
        [
            rows("pooled", [pooled] * J, [0.2] * J, [np.nan] * J),
            rows("unpooled", own, se, [np.nan] * J),
            rows("hierarchical", partial, np.asarray(se) * 0.7, pooling),
        ],
        ignore_index=True,
    )


def test_the_group_with_the_largest_pooling_factor_moves_most_and_the_reason_says_so():
    est = crafted([9.0, 4.0, 6.0], [7.0, 4.2, 5.9], [0.5, 0.2, 0.1], n=[3, 20, 50], se=[2.0, 0.9, 0.4])
    facts = shrinkage_facts(est)
    assert facts.most == ("A",) and facts.least == ("C",) and facts.cause == "precision"
    text = shrinkage_reading(est, unit="units")
    assert text.startswith("Group A (n = 3) moved most: from 9.00 to 7.00 (2.00 units, toward")
    assert "least precise" in text and "(0.50)" in text
    assert "Group C (n = 50) moved least (0.10 units)" in text
    assert "smallest group is not" not in text  # A is the smallest


def test_a_precise_group_far_from_the_others_can_move_most_and_the_reading_says_why():
    # B has the larger pooling factor but sits next to the mean; A is far away.
    est = crafted([15.0, 5.5, 5.0], [12.0, 5.2, 5.0], [0.2, 0.6, 0.0], n=[40, 5, 60])
    facts = shrinkage_facts(est)
    assert facts.most == ("A",) and facts.cause == "distance" and facts.largest_pooling == ("B",)
    text = shrinkage_reading(est)
    assert "Group B has the larger pooling factor (0.60 against 0.20)" in text
    assert "group A sits 10.0 from the complete-pooling estimate, group B only 0.5" in text


def test_the_smallest_group_is_named_when_it_is_not_the_one_pulled_hardest():
    # The classic example: n = 20/40/60 with sds 1/2/3, so C (n = 60) has the largest standard error.
    est = crafted([3.0, 5.6, 7.2], [3.01, 5.58, 7.1], [0.01, 0.02, 0.2], n=[20, 40, 60], se=[0.2, 0.3, 0.4])
    text = shrinkage_reading(est)
    assert shrinkage_facts(est).most == ("C",)
    assert "The smallest group is not the one pulled hardest" in text


def test_a_tie_names_both_groups():
    est = crafted([8.0, 2.0, 5.0], [7.0, 3.0, 5.0], [0.3, 0.3, 0.1], n=[5, 5, 50])
    facts = shrinkage_facts(est)
    assert facts.most == ("A", "B")
    assert shrinkage_reading(est).startswith("Groups A and B moved most, by 1.00 each.")


def test_a_single_group_moving():
    est = crafted([9.0, 5.0, 5.0, 5.0], [7.5, 5.0, 5.0, 5.0], [0.4, 0.01, 0.01, 0.01], n=[2, 30, 30, 30])
    facts = shrinkage_facts(est)
    assert facts.most == ("A",) and facts.least == ("B", "C", "D")
    assert "Groups B, C and D moved least (0.00 each)" in shrinkage_reading(est)


def test_equal_pooling_factors_leave_only_the_distance():
    est = crafted([8.0, 4.0, 5.5], [7.1, 4.3, 5.45], [0.3, 0.3, 0.3], n=[20, 20, 20])
    facts = shrinkage_facts(est)
    assert facts.cause == "equal_pooling"
    text = shrinkage_reading(est)
    assert "Every group has the same pooling factor (0.30)" in text and "group A sits furthest" in text
    assert "same size" not in text  # equal factors: nothing left for the spreads to explain


def test_equal_sizes_with_different_pooling_factors_point_to_the_spreads():
    est = crafted([8.0, 4.0, 5.5], [6.0, 4.3, 5.45], [0.6, 0.3, 0.1], n=[20, 20, 20], se=[2, 1, 0.5])
    text = shrinkage_reading(est)
    assert "All groups have the same size (n = 20)" in text and "different spreads" in text


def test_nothing_moved_and_everything_pooled():
    still = crafted([8.0, 4.0], [8.0, 4.0], [0.0, 0.0])
    assert shrinkage_facts(still).cause == "none_moved"
    assert shrinkage_reading(still).startswith("No group moved visibly")
    pooled = crafted([6.0, 4.0, 5.2], [5.1, 4.95, 5.0], [0.95, 0.92, 0.97])
    assert shrinkage_facts(pooled).regime == "all_pooled"
    assert "pooled almost completely (pooling factors 0.92 to 0.97)" in shrinkage_reading(pooled)


def test_groups_pulled_away_from_their_truth_are_named_and_rounding_noise_is_not():
    est = crafted([9.0, 3.0, 5.0], [8.0, 3.5, 5.001], [0.3, 0.2, 0.01], truth=[9.0, 4.0, 5.0])
    facts = shrinkage_facts(est)
    assert facts.away_from_truth == ("A",)  # B moved toward its truth; C's move is invisible
    assert "moved group A away from its true mean 9.00 (own estimate 9.00, partial pooling 8.00)" in (
        shrinkage_reading(est)
    )


@pytest.mark.parametrize("preset", list(PRESETS))
def test_each_preset_names_the_group_with_the_largest_move(preset):
    sizes, means, sds, sigma = PRESETS[preset]
    data = synthetic_groups(sizes, means, sds, seed=1, y_label="y")
    est = preview(data, PRIORS, sigma=sigma).estimates
    moves = group_moves(est)
    biggest = moves.loc[moves["size"].idxmax(), "group"]
    facts = shrinkage_facts(est)
    assert biggest in facts.most
    text = shrinkage_reading(est)
    assert f"{biggest}" in text.split("moved most")[0]
    assert "small groups" not in text.lower()


def test_the_default_preset_shows_a_visible_pull():
    """The first view: the smallest group moves by more than a tenth of the spread of the means."""
    sizes, means, sds, sigma = next(iter(PRESETS.values()))
    data = synthetic_groups(sizes, means, sds, seed=1, y_label="y")
    moves = group_moves(preview(data, PRIORS, sigma=sigma).estimates)
    assert moves["size"].max() > 0.1 * np.ptp(moves["own"])
    assert shrinkage_facts(preview(data, PRIORS, sigma=sigma).estimates).most == ("A",)


def test_counts_start_at_the_observed_proportion():
    assert own_estimate_for("binomial") == "raw" and own_estimate_for("normal") == "unpooled"
    # A player who made 2 of 2: observed 1.0, no-pooling posterior 0.73, partial pooling 0.72.
    est = crafted(
        [0.728, 0.70, 0.75], [0.72, 0.71, 0.74], [0.8, 0.3, 0.2], n=[2, 80, 60], raw=[1.0, 0.7, 0.75]
    )
    raw = shrinkage_facts(est, own="raw")
    assert raw.most == ("A",) and raw.moves.set_index("group").loc["A", "own"] == 1.0
    # From the no-pooling posterior, A's real move (1.00 -> 0.72) would look like the smallest.
    assert shrinkage_facts(est).least == ("A",)
    note = own_data_note(est)
    assert "group A" in note and "0.728 against the observed 1.000" in note
    assert own_data_note(crafted([0.5, 0.6], [0.5, 0.6], [0.1, 0.1], raw=[0.51, 0.6])) == ""


def test_interval_readings():
    est = crafted([9.0, 4.0, 6.0], [7.0, 4.2, 5.9], [0.5, 0.2, 0.1], n=[3, 20, 50], se=[2.0, 0.9, 0.4])
    assert interval_reading(est).startswith("Group A has the widest interval (8.00 wide)")
    assert "fewest observations" in interval_reading(est)
    spread = crafted([9.0, 4.0], [7.0, 4.2], [0.5, 0.2], n=[3, 50], se=[1.0, 2.0])
    assert "not the smallest group, but its observations are more spread out (sd about 14.1)" in (
        interval_reading(spread)
    )
    assert (
        narrowing_reading(est) == "Partial pooling narrowed group A's interval most: from 8.00 to 5.60 wide."
    )


def test_a_group_that_moved_least_because_it_sits_on_the_mean_is_told_so():
    est = crafted([9.0, 5.05, 6.0], [7.0, 5.04, 5.95], [0.5, 0.3, 0.05], n=[3, 6, 50])
    text = shrinkage_reading(est)
    assert "Group B (n = 6) moved least (0.01): it sits only 0.05 from the complete-pooling estimate." in text
    # The most precise group moving least needs no such reason.
    plain = crafted([9.0, 4.0, 6.0], [7.0, 4.2, 5.9], [0.5, 0.2, 0.1], n=[3, 20, 50])
    assert "Group C (n = 50) moved least (0.10)." in shrinkage_reading(plain)


def test_a_tiny_narrowing_is_not_called_one():
    est = crafted([9.0, 4.0], [8.0, 4.5], [0.4, 0.3], se=[2.0, 1.0])
    hier, unpooled = est.fit == "hierarchical", est.fit == "unpooled"
    est.loc[hier, "hdi_low"] = est.loc[unpooled, "hdi_low"].to_numpy() + 0.05
    est.loc[hier, "hdi_high"] = est.loc[unpooled, "hdi_high"].to_numpy()
    assert narrowing_reading(est) == (
        "Partial pooling left the intervals about as wide as no pooling (group A's narrowed most, by 0.05)."
    )


def test_moves_are_measured_toward_the_population_mean_when_it_is_given():
    # Complete pooling 5.0 but μ = 6.0: a group at 5.5 pulled up to 5.8 moves toward μ, away from 5.0.
    est = crafted([5.5, 9.0, 3.0], [5.8, 8.0, 3.9], [0.6, 0.3, 0.3], n=[3, 30, 30])
    assert "away from the complete-pooling estimate" not in shrinkage_reading(est, center=6.0)
    facts = shrinkage_facts(est, center=6.0)
    assert facts.center_name == "the population mean μ"
    assert facts.moves.set_index("group").loc["A", "distance"] == 0.5
    assert "toward the population mean μ 6.0" in shrinkage_reading(est, center=6.0)
    assert population_center(0.0, "binomial") == 0.5 and population_center(2.0, "normal") == 2.0
    assert population_center(None, "normal") is None


def test_plurals():
    words = ("group", "county", "class", "day")
    assert [plural(w) for w in words] == ["groups", "counties", "classes", "days"]
    est = crafted([8.0, 2.0, 5.0], [7.0, 3.0, 5.0], [0.3, 0.3, 0.1], n=[5, 5, 50])
    assert shrinkage_reading(est, group_word="county").startswith("Counties A and B moved most")


def test_moved_most_and_least_with_ties_within_the_tolerance():
    sizes = pd.Series([0.30, 1.25, 1.22, 0.31, 0.9], index=["A", "B", "C", "D", "E"])
    assert moved_most(sizes) == ("B",)
    assert moved_least(sizes) == ("A",)
    # Within 0.05 of the largest (1.25) and of the smallest (0.30): ties, in the groups' order.
    assert moved_most(sizes, 0.05) == ("B", "C")
    assert moved_least(sizes, 0.05) == ("A", "D")
    # An exact tie without a tolerance: both, the first being the one idxmax names.
    tied = pd.Series([2.0, 1.0, 2.0], index=["x", "y", "z"])
    assert moved_most(tied) == ("x", "z") and moved_most(tied)[0] == tied.idxmax()
