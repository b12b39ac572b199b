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
