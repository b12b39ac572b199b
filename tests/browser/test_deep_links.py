"""A teacher's link on a freshly started server opens the right page inside the app's own menu."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/eight_schools?", "Eight schools"), ("/explore?n=5,60,60&m=9,4,5&s=2,2,2&seed=7&", "Explore")],
)
def test_first_visit_is_a_deep_link(page, fresh_server, wait_for_app_idle, assert_no_errors, path, heading):
    page.goto(f"{fresh_server}{path}")
    wait_for_app_idle(page, timeout=300)
    assert not page.locator('[role="dialog"]').filter(has_text="Page not found").count()
    assert_no_errors(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    # The app's menu (titles from app.py), not a listing of the files in pages/.
    assert "Sampling lesson" in nav and "_ui" not in nav and "explore state" not in nav.lower()
    assert heading.lower() in page.locator("h1").first.inner_text().lower()
    if "seed=7" in path:
        assert "seed=7" in page.url
        # Group A's sliders (its tab is shown first, in the main column): the link's values.
        group_a = page.locator('[data-testid="stMain"] .st-key-group_tabs').get_by_role("tabpanel")
        assert group_a.get_by_role("slider", name="Group size", exact=True).input_value() == "5"
        assert group_a.get_by_role("slider", name="True mean", exact=True).input_value() == "9"
