"""Classroom mode in a real browser at projector size: switch it on, click through the five steps,
go back and forth with the presentation clicker's keys, no errors, a screenshot of the last step."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

STEPS = ["The data", "No pooling", "Complete pooling", "Partial pooling", "Shrinkage"]


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def assert_step(page, k: int) -> None:
    text = main_text(page)
    assert f"Step {k} of 5" in text and STEPS[k - 1] in text, text[:300]
    assert re.search(rf"[?&]step={k}(&|$)", page.url), page.url
    assert page.locator('[data-testid="stMain"] [data-testid="stVegaLiteChart"]').count() == 1
    assert "Sampler check:" in text


def test_classroom_mode_steps_through_the_story(
    page, app_server, wait_for_app_idle, assert_no_errors, screenshot
):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{app_server}/explore?seed=7301")  # its own seed: fits of its own
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "Sampler" in sidebar.inner_text()

    sidebar.get_by_text("Classroom mode").click()
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    assert_step(page, 1)
    assert "classroom=1" in page.url
    assert "Prior scale of τ" not in sidebar.inner_text() and "Sampler" not in sidebar.inner_text()
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    # the page's text is larger than the normal 16 px
    size = page.locator(".st-key-classroom_say p").first.evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 20, size

    main = page.locator('[data-testid="stMain"]')
    for k in range(2, 6):
        main.get_by_role("button", name="Next").click()
        wait_for_app_idle(page, timeout=300)
        assert_no_errors(page)
        assert_step(page, k)
    assert main.get_by_role("button", name="Next").is_disabled()
    path = screenshot(page, "classroom-step5-1024x768", full_page=False)
    assert path.stat().st_size > 10_000

    # A presentation clicker sends PageUp / PageDown.
    page.keyboard.press("PageUp")
    wait_for_app_idle(page, timeout=300)
    assert_step(page, 4)
    page.keyboard.press("PageDown")
    wait_for_app_idle(page, timeout=300)
    assert_step(page, 5)

    sidebar.get_by_text("Classroom mode").click()
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    assert "Explore partial pooling" in main_text(page)
    assert "classroom" not in page.url and "Sampler" in sidebar.inner_text()
