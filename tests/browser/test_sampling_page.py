"""The sampling lesson in a real browser: weak data, then strong data, without errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Both models compile on first use (10-40 s each on a cold server), and each view samples twice.
TIMEOUT = 300


def test_sampling_lesson_weak_and_strong(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = goto_app("/sampling", timeout=TIMEOUT)
    assert page.get_by_role("heading", name="Sampling lesson").first.is_visible()
    main = page.locator('[data-testid="stMain"]')
    assert "non-centered form wins" in main.inner_text()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 4  # two funnels, two rank plots
    screenshot(page, "sampling-weak")

    page.get_by_text("Strong data: 3 large groups").click()
    wait_for_app_idle(page, timeout=TIMEOUT)
    assert_no_errors(page)
    text = main.inner_text()
    assert "centered form wins" in text and "non-centered form wins" not in text
    assert "The data pin θ_A down" in text  # the strong-data caption of the funnel

    page.get_by_text("Trace plots").click()
    wait_for_app_idle(page)
    page.get_by_text("Compare θ from both fits").click()
    wait_for_app_idle(page)
    assert_no_errors(page)
    page.get_by_role("button", name="Run the sweep").click()
    wait_for_app_idle(page, timeout=TIMEOUT)
    assert_no_errors(page)
    assert charts.count() == 6  # two funnels, the extra funnel, two trace plots, the sweep chart
    screenshot(page, "sampling")

    page.get_by_text("Weak data: eight schools").click()
    wait_for_app_idle(page, timeout=TIMEOUT)
    assert_no_errors(page)
    assert "non-centered form wins" in main.inner_text()
