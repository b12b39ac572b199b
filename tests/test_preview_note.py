"""The notes on the instant preview and the exact engine's charts say whether they are exact (ui.results,
ui.truth_views), from the preview itself."""

from __future__ import annotations

import pytest

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.priors import Priors, default_priors
from ui.results import preview_note

EXPLORE_PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)


def test_known_standard_errors_give_an_exact_preview():
    data = load_dataset("eight_schools")
    quick = preview(data, default_priors(data.y, data.family))
    assert not quick.approximate
    note = preview_note(quick, data.family)
    assert "exact, since the standard errors are known" in note and "differ" not in note


@pytest.mark.parametrize("sigma", ["group", "shared"])
def test_raw_normal_data_say_the_standard_errors_come_from_the_data(sigma):
    data = synthetic_groups([5, 20, 40], [2.0, 5.0, 8.0], [2.0, 2.0, 2.0], seed=3)
    quick = preview(data, EXPLORE_PRIORS, sigma=sigma)
    note = preview_note(quick, data.family)
    assert quick.approximate
    assert "taken from its data" in note and "can differ a little" in note
    assert "exact, since" not in note


def test_binomial_data_say_it_is_a_normal_approximation():
    data = load_dataset("reedfrogs")
    quick = preview(data, default_priors(data.y, data.family))
    note = preview_note(quick, data.family)
    assert quick.approximate and "normal approximation on the logit scale" in note


def test_exact_engine_captions_say_when_the_standard_errors_come_from_the_data():
    from ui.truth_views import known_se_note

    schools = load_dataset("eight_schools")
    assert known_se_note(preview(schools, default_priors(schools.y, schools.family)).exact) == ""
    raw = synthetic_groups([5, 20, 40], [2.0, 5.0, 8.0], [2.0, 2.0, 2.0], seed=3)
    assert "taken as known from its data" in known_se_note(preview(raw, EXPLORE_PRIORS).exact)
