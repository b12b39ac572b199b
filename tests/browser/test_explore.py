"""The Explore page in a real browser: move a slider, the shrinkage chart changes, no errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def shrinkage_chart(page):
    """The shrinkage chart: the second chart on the page (after the data strip)."""
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    return charts.nth(1)


def test_slider_moves_update_the_shrinkage_chart(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = goto_app("/explore", timeout=300)
    assert "Explore partial pooling" in page.locator('[data-testid="stMain"]').inner_text()
    assert page.get_by_text("All fits converged").is_visible()
    before = shrinkage_chart(page).screenshot()
    screenshot(page, "explore")

    # "Number of groups" is the first slider in the sidebar: 3 -> 4 groups.
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    assert "Group D" in page.locator('[data-testid="stSidebar"]').inner_text()
    assert "g=4" in page.url
    after = shrinkage_chart(page).screenshot()
    assert after != before
    screenshot(page, "explore-4-groups")


def test_projector_size_and_copied_link(page, app_server, wait_for_app_idle, assert_no_errors, screenshot):
    """A teacher's link opens the same example in the app's own menu; the page fits a 1024x768 projector."""
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{app_server}/explore?n=5,60,60&m=9,4,5&s=2,2,2&seed=7&sd=shared")
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Group A: n = 5, mean 9" in sidebar
    assert "seed=7" in page.url
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Explore" in nav and "explore state" not in nav.lower()  # app.py's menu, not a folder listing
    screenshot(page, "explore-1024x768", full_page=False)
