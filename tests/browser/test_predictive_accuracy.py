"""The "Which pooling predicts best?" box in a real browser (eight schools): opening it computes the
comparison, new fits (another prior on τ) bring the button back instead, and the button computes again."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

FIRST_VISIT = 400  # s: the first visit compiles three models on a busy 2-core machine
LABEL = "Which pooling predicts best?"
BUTTON = "Compare predictive accuracy"


def box(page):
    return page.locator('[data-testid="stExpander"]').filter(has_text=LABEL).first


def test_eight_schools_comparison_on_demand(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = goto_app("/eight_schools", timeout=FIRST_VISIT)
    wait_for_app_idle(page, timeout=300)
    assert "predicts left-out schools best" not in box(page).inner_text()  # closed: nothing computed

    box(page).locator("summary").click()
    wait_for_app_idle(page, timeout=120)
    assert_no_errors(page)
    text = box(page).inner_text()
    assert "predicts left-out schools best" in text
    assert "elpd_loo" in text and "Pareto k" in text
    assert box(page).locator('[data-testid="stVegaLiteChart"]').count() == 1
    screenshot(page, "predictive-accuracy-eight-schools")

    # Another prior on tau: three new fits.
    page.locator('[data-testid="stSidebar"]').get_by_text("half-normal", exact=True).click()
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    button = box(page).get_by_role("button", name=BUTTON)
    assert button.is_visible()  # new fits: asked again, not computed on the move
    assert "predicts left-out schools best" not in box(page).inner_text()

    button.click()
    wait_for_app_idle(page, timeout=120)
    assert_no_errors(page)
    assert "predicts left-out schools best" in box(page).inner_text()
