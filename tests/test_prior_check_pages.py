"""AppTest of the prior predictive check on the pages: the box opens, its charts and computed
readings render, and its τ slider (and family, where the page offers one) changes them without
touching the page's fits."""

from __future__ import annotations

import re

import pytest

from ui.prior_check import box_key


def _open(at, key: str):
    at.session_state[box_key(key)] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _caption(at, text: str) -> str:
    return next(c.value for c in at.caption if text in c.value)


def _spread_share(at) -> float:
    """The share of prior draws spread further apart than observed, from the spread chart's caption."""
    text = _caption(at, "of the prior draws spread the")
    return float(re.search(r"([\d.]+)% of the prior draws spread", text).group(1))


def test_baseball_prior_check_shows_the_logit_trap(open_page) -> None:
    at = _open(open_page("app_pages/baseball.py", state={"bb_draws": 250, "bb_chains": 2}), "bb")
    trap = _caption(at, "Below 5% or above 95%")
    shares = [float(v) for v in re.findall(r"([\d.]+)% (?:of the players'|under θ)", trap)]
    assert len(shares) == 2 and shares[0] < 20 and shares[1] == pytest.approx(76.8, abs=2.5)
    assert "far from flat" in trap
    assert "simulated proportions between" in _caption(at, "Bars: where the priors")
    assert not any(s.label.startswith("Family") for s in at.radio)  # the page offers one family only


def test_eight_schools_prior_check_family_and_flat_prior(open_page) -> None:
    at = _open(open_page("app_pages/eight_schools.py", state={"es_draws": 250, "es_chains": 2}), "es")
    family = at.radio(key="es_pp_family")
    assert family.value == "half_cauchy" and "flat" not in family.options
    cauchy = _spread_share(at)
    family.set_value("half_normal").run()
    assert "τ ~ HalfNormal(25), tried here only" in _caption(at, "tried here only")
    assert _spread_share(at) != cauchy
    # the page's flat prior implies no data: the check says so and starts from a proper prior
    at.radio(key="es_prior").set_value("flat").run()
    assert not at.exception
    assert any("is improper: it implies no data at all" in c.value for c in at.caption)
    assert at.radio(key="es_pp_family").value == "half_cauchy"
