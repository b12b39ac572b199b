"""Several users at once on one server: each sees only their own settings and results, no errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

USERS = {  # seed -> group sizes
    101: "4,30,60",
    202: "25,25,25",
    303: "2,50,50",
}


def test_concurrent_sessions_are_isolated(browser, app_server, wait_for_app_idle, assert_no_errors):
    contexts, pages = [], {}
    try:
        for seed, sizes in USERS.items():
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            contexts.append(context)
            page = context.new_page()
            # Navigate all before waiting on any: the server runs the sessions concurrently.
            page.goto(f"{app_server}/explore?n={sizes}&m=3,5,7&s=2,2,2&seed={seed}", wait_until="commit")
            pages[seed] = page
        for page in pages.values():
            wait_for_app_idle(page, timeout=300)
            assert_no_errors(page)

        # One user moves a slider; the others' pages and URLs stay as they were.
        mover = pages[101]
        slider = mover.get_by_role("slider").first  # number of groups
        slider.focus()
        slider.press("ArrowRight")
        wait_for_app_idle(mover, timeout=300)
        assert_no_errors(mover)
        assert "g=4" in mover.url

        for seed, sizes in USERS.items():
            page = pages[seed]
            main = page.locator('[data-testid="stMain"]')  # the groups' sliders: one tab per group
            first = sizes.split(",")[0]
            shown = main.get_by_role("slider", name="Group size", exact=True).first.input_value()
            assert shown == first, (seed, shown)
            assert f"seed={seed}" in page.url
            if seed != 101:
                assert main.get_by_role("tab", name="D", exact=True).count() == 0
                assert "g=3" in page.url
            assert (
                page.get_by_text("All fits converged").count()
                + page.locator('[data-testid="stAlertContentWarning"]').count()
                >= 1
            )
            assert_no_errors(page)
    finally:
        for context in contexts:
            context.close()
