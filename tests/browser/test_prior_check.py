"""The prior predictive check in a real browser on Baseball (counts): the box opens, draws its charts
with their readings, and its τ slider changes them without errors (Explore: test_prior_check_results.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

TIMEOUT = 300  # seconds: the first visit compiles the models
LABEL = "Prior predictive check: what do the priors alone imply?"


def _open_check(goto_app, wait_for_app_idle, path: str):
    goto_app("", timeout=TIMEOUT)  # a first visit, so the deep link resolves (see test_real_data_pages_a)
    page = goto_app(path, timeout=TIMEOUT)
    box = page.locator('[data-testid="stExpander"]').filter(has_text=LABEL)
    box.get_by_text(LABEL).click()
    wait_for_app_idle(page, timeout=TIMEOUT)
    return page, box


def _move(page, box, wait_for_app_idle, key: str) -> None:
    slider = (
        box.locator('[data-testid="stSlider"]')
        .filter(has_text="Try a prior scale of τ")
        .get_by_role("slider")
    )
    slider.focus()
    slider.press(key)
    wait_for_app_idle(page, timeout=TIMEOUT)


def test_baseball_check_and_its_slider(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page, box = _open_check(goto_app, wait_for_app_idle, "/baseball")
    assert_no_errors(page)
    assert box.locator('[data-testid="stVegaLiteChart"]').count() == 3  # intervals, spread, the trap
    text = box.inner_text()
    assert "τ ~ HalfNormal(1): the prior the fits on this page use." in text
    assert "Below 5% or above 95%" in text and "under θ_j ~ Normal(0, 10)" in text
    _move(page, box, wait_for_app_idle, "ArrowRight")
    assert_no_errors(page)
    text = box.inner_text()
    assert "τ ~ HalfNormal(1.1), tried here only: the fits use HalfNormal(1)." in text
    assert "Observed inside the interval" in page.locator('[data-testid="stMain"]').inner_text()
    box.get_by_role("button", name="Back to the page's prior").click()
    wait_for_app_idle(page, timeout=TIMEOUT)
    assert "the prior the fits on this page use" in box.inner_text()
    screenshot(page, "prior_check_baseball")
