"""AppTest of the prior predictive check on the pages: the box opens, its charts and computed
readings render, and its τ slider (and family, where the page offers one) changes them without
touching the page's fits."""

from __future__ import annotations

import re

import pytest

from tests.prior_check_helpers import caption, open_check, spread_share


def test_baseball_prior_check_shows_the_logit_trap(open_page) -> None:
    at = open_check(open_page("app_pages/baseball.py", state={"bb_draws": 250, "bb_chains": 2}), "bb")
    trap = caption(at, "Below 5% or above 95%")
    shares = [float(v) for v in re.findall(r"([\d.]+)% (?:of the players'|under θ)", trap)]
    assert len(shares) == 2 and shares[0] < 20 and shares[1] == pytest.approx(76.8, abs=2.5)
    assert "far from flat" in trap
    assert "simulated proportions between" in caption(at, "Bars: where the priors")
    assert not any(s.label.startswith("Family") for s in at.radio)  # the page offers one family only


def test_eight_schools_prior_check_family_and_flat_prior(open_page) -> None:
    at = open_check(open_page("app_pages/eight_schools.py", state={"es_draws": 250, "es_chains": 2}), "es")
    family = at.radio(key="es_pp_family")
    assert family.value == "half_cauchy" and "flat" not in family.options
    cauchy = spread_share(at)
    family.set_value("half_normal").run()
    assert "τ ~ HalfNormal(25), tried here only" in caption(at, "tried here only")
    assert spread_share(at) != cauchy
    # the page's flat prior implies no data: the check says so and starts from a proper prior
    at.radio(key="es_prior").set_value("flat").run()
    assert not at.exception
    assert any("is improper: it implies no data at all" in c.value for c in at.caption)
    assert at.radio(key="es_pp_family").value == "half_cauchy"


@pytest.mark.parametrize("data", ["radon", "synthetic"])
def test_varying_slopes_prior_check_draws_that_model(open_page, data: str) -> None:
    """The Varying slopes page's check: its own model's draws (intercepts and slopes), the box's
    captions with computed readings, and a note that the τ slider scales both sds."""
    state = {"vs_draws": 250, "vs_tune": 250, "vs_chains": 2, "vs_data": data}
    if data == "synthetic":
        state |= {"vs_groups": 8, "vs_per_group": 6}
    at = open_check(open_page("app_pages/varying_slopes.py", state=state), "vs")
    word = "county" if data == "radon" else "group"
    note = caption(at, "τ slider below scales both")
    assert f"θ_j a {word}'s intercept α_j" in note and "σ_α and σ_β" in note
    bars = caption(at, "Bars: where the priors")
    assert f"one {word}'s intercept, a simulated group mean" in bars
    assert re.search(r"90% of simulated group means between -?[\d.]+ and -?[\d.]+", bars), bars
    assert 0 <= spread_share(at) <= 100
    assert "τ ~ HalfNormal(" in caption(at, "the prior the fits on this page use")
    # moving the check's scale changes its readings and keeps the page's fits
    share = spread_share(at)
    at.slider(key="vs_pp_scale").set_value(at.slider(key="vs_pp_scale").max).run()
    assert not at.exception and spread_share(at) != share
    assert "tried here only" in caption(at, "tried here only")
