"""The app opens in a real browser and shows its home page without errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_home_page(goto_app, assert_no_errors, screenshot):
    page = goto_app()
    assert page.title() == "Partial Pooling Lab"
    heading = page.get_by_role("heading", name="Partial Pooling Lab")
    assert heading.is_visible()
    main = page.locator('[data-testid="stMain"]').inner_text().lower()
    for idea in ("complete pooling", "no pooling", "partial pooling", "shrinkage"):
        assert idea in main
    assert_no_errors(page)
    screenshot(page, "home")
