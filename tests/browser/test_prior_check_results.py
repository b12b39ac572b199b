"""The prior predictive check in a real browser on Explore (the shared result sections, normal data):
the box opens, draws its charts with their readings, and its τ slider changes them without errors."""

from __future__ import annotations

import pytest

from tests.prior_check_helpers import move_scale, open_check_in_browser

pytestmark = pytest.mark.browser


def test_explore_check_and_its_slider(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page, box = open_check_in_browser(goto_app, wait_for_app_idle, "/explore")
    assert_no_errors(page)
    assert box.locator('[data-testid="stVegaLiteChart"]').count() == 2  # intervals and spread
    before = box.inner_text()
    assert "The priors put 90% of simulated group means between" in before
    move_scale(page, box, wait_for_app_idle, "ArrowLeft")
    assert_no_errors(page)
    after = box.inner_text()
    assert "tried here only: the fits use HalfNormal(" in after and after != before
    screenshot(page, "prior_check_explore")
