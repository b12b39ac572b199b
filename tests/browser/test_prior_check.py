"""The prior predictive check in a real browser on Baseball (counts): the box opens, draws its charts
with their readings, and its τ slider changes them without errors (Explore: test_prior_check_results.py)."""

from __future__ import annotations

import pytest

from tests.prior_check_helpers import TIMEOUT, move_scale, open_check_in_browser

pytestmark = pytest.mark.browser


def test_baseball_check_and_its_slider(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page, box = open_check_in_browser(goto_app, wait_for_app_idle, "/baseball")
    assert_no_errors(page)
    assert box.locator('[data-testid="stVegaLiteChart"]').count() == 3  # intervals, spread, the trap
    text = box.inner_text()
    assert "τ ~ HalfNormal(1): the prior the fits on this page use." in text
    assert "Below 5% or above 95%" in text and "under θ_j ~ Normal(0, 10)" in text
    move_scale(page, box, wait_for_app_idle, "ArrowRight")
    assert_no_errors(page)
    text = box.inner_text()
    assert "τ ~ HalfNormal(1.1), tried here only: the fits use HalfNormal(1)." in text
    assert "Observed inside the interval" in page.locator('[data-testid="stMain"]').inner_text()
    box.get_by_role("button", name="Back to the page's prior").click()
    wait_for_app_idle(page, timeout=TIMEOUT)
    assert "the prior the fits on this page use" in box.inner_text()
    screenshot(page, "prior_check_baseball")
