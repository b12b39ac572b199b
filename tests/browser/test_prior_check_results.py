"""The prior predictive check in a real browser on Explore (the shared result sections, normal data):
the box opens, draws its charts with their readings, and its τ slider changes them without errors."""

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


def test_explore_check_and_its_slider(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page, box = _open_check(goto_app, wait_for_app_idle, "/explore")
    assert_no_errors(page)
    assert box.locator('[data-testid="stVegaLiteChart"]').count() == 2  # intervals and spread
    before = box.inner_text()
    assert "The priors put 90% of simulated group means between" in before
    _move(page, box, wait_for_app_idle, "ArrowLeft")
    assert_no_errors(page)
    after = box.inner_text()
    assert "tried here only: the fits use HalfNormal(" in after and after != before
    screenshot(page, "prior_check_explore")
