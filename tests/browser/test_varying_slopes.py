"""The Varying slopes page in a real browser, at a laptop's and a phone's width: it renders without
errors, the two-dimensional shrinkage chart is drawn (its marks in the SVG), and the synthetic data
choice shows the true pairs."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

FIRST_VISIT = 400  # s: the first visit compiles the model (30-90 s on a busy 2-core machine) and samples
CHART = '[data-testid="stVegaLiteChart"][aria-label^="Each county\'s intercept and slope"]'


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def marks(page, selector: str) -> int:
    """How many drawn marks (SVG paths) the chart has."""
    return page.locator(f"{selector} svg path").count()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_page_draws_its_two_dimensional_chart(page, goto_app, assert_no_errors, screenshot, width):
    page.set_viewport_size({"width": width, "height": 800})
    page = goto_app("/varying-slopes", timeout=FIRST_VISIT)
    text = main_text(page)
    assert "Varying slopes: every county its own floor effect" in text
    assert "Sampler check, Partial pooling (varying slopes)" in text
    assert "moved most: its own line has intercept" in text
    chart = page.locator(CHART)
    assert chart.count() == 1
    chart.scroll_into_view_if_needed()
    # 60 own pairs, 85 partial pairs, 60 arrows, two ellipses: far more than a blank chart's frame
    assert marks(page, CHART) > 100
    box = chart.bounding_box()
    assert box is not None and box["width"] <= width and box["height"] > 250
    assert_no_errors(page)
    screenshot(page, f"varying-slopes-{width}")


def test_synthetic_data_show_the_true_pairs(page, goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = goto_app("/varying-slopes", timeout=FIRST_VISIT)
    page.get_by_text("Synthetic, with a known truth").click()
    wait_for_app_idle(page, timeout=FIRST_VISIT)
    assert_no_errors(page)
    text = main_text(page)
    assert "Against the true pairs" in text and "20 groups of 16 rows" in text
    chart = page.locator('[data-testid="stVegaLiteChart"][aria-label^="Each group\'s intercept and slope"]')
    assert chart.count() == 1
    screenshot(page, "varying-slopes-synthetic")
