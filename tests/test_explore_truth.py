"""AppTest of Explore's exact-engine sections (issue #16): the pooling curve, the τ slider, the truth."""

from __future__ import annotations

import numpy as np
import pytest

from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.lessons.given_tau import tau_slider_range
from hbm_core.priors import Priors
from ui.explore_state import PRESETS

EXPLORE = "app_pages/explore.py"
QUICK = {"draws": 250, "chains": 2}
#: The session-state keys of the boxes sections 6-8 draw in, only while open (#22).
BOXES = ("open_pooling_curve", "open_tau_slider", "open_truth_scores")


def _texts(at) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


@pytest.fixture
def explore(open_page):
    return open_page(EXPLORE, state=QUICK | dict.fromkeys(BOXES, True))


def test_sections_and_the_tau_slider_follow_the_exact_engine(explore):
    headers = [h.value for h in explore.main.header]
    assert headers[5:] == [
        "6 · Why some groups shrink more",
        "7 · Fix τ: from complete pooling to no pooling",
        "8 · Scoring against the truth",
        "9 · Take it with you",
    ]
    sizes, means, sds, sigma = PRESETS[explore.session_state["preset"]]
    data = synthetic_groups(sizes, means, sds, seed=1)
    post = preview(data, Priors(mu_loc=0, mu_scale=20, tau_scale=10.0), sigma=sigma).exact
    top, step = tau_slider_range(post)
    slider = explore.slider(key="tau_given")
    assert slider.max == pytest.approx(top) and slider.min == 0.0
    assert slider.value == pytest.approx(round(post.tau_quantile(0.5) / step) * step)
    curve = next(t for t in _texts(explore) if t.startswith("The curve is the pooling factor"))
    assert "Group A (n = 3," in curve and "is pulled the most" in curve  # the smallest group here

    slider.set_value(0.0).run()
    assert not explore.exception
    pooled = post.at_tau(0.0)["mean"].iloc[0]
    assert any(f"At τ = 0 every group sits at the same estimate, {pooled:.2f}" in t for t in _texts(explore))
    slider = explore.slider(key="tau_given")
    slider.set_value(top).run()
    at = post.at_tau(top)
    assert np.all(at["pooling"] <= 0.1)
    assert any(t.startswith(f"At τ = {top:g} ") for t in _texts(explore))


def test_one_tiny_group_is_named_in_the_many_data_sets_panel(explore):
    explore.selectbox(key="preset").set_value("One tiny group").run()
    assert not explore.exception
    texts = _texts(explore)
    many = next(t for t in texts if "data sets; it beat no pooling in" in t)
    assert "It lost most often for group D (n = 2), whose true mean 9 is the furthest" in many
    errors = next(t for t in texts if t.startswith("Each point is a method's estimate minus"))
    assert "total squared error" in errors


def test_closed_boxes_build_nothing(open_page):
    """Sections 6-8 keep their headings and ideas, but build their charts only once opened."""
    at = open_page(EXPLORE, state=QUICK)
    assert [e.label for e in at.expander if e.label.startswith("Show the ")][:3] == [
        "Show the pooling curve",
        "Show the τ slider",
        "Show the scores",
    ]
    assert not [s for s in at.slider if s.key == "tau_given"]
    assert not any(t.startswith("The curve is the pooling factor") for t in _texts(at))
    at.session_state["open_tau_slider"] = True
    at.run()
    assert not at.exception and at.slider(key="tau_given").value > 0
    assert not any(t.startswith("The curve is the pooling factor") for t in _texts(at))
