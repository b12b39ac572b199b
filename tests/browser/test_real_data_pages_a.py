"""The real-data pages in a real browser: Eight schools and Baseball open, react to their τ slider,
and show no errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

TIMEOUT = 300  # seconds: the first visit compiles the models (10-40 s each on a shared machine)


def slider_labelled(page, label: str):
    """The thumb of the slider whose label contains ``label``."""
    return page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def open_page(goto_app, path: str):
    """Open ``path`` after the home page.

    On a freshly started server, until one session has run ``st.navigation``, Streamlit resolves a
    deep link against the files in ``pages/`` (``eight_schools``, not ``eight-schools``) and shows a
    "Page not found" dialog that takes the keyboard focus. Visiting the app once first avoids that.
    """
    goto_app("", timeout=TIMEOUT)
    page = goto_app(path, timeout=TIMEOUT)
    assert not page.locator('[role="dialog"]').filter(has_text="Page not found").count()
    return page


def test_eight_schools(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = open_page(goto_app, "/eight_schools")
    assert page.get_by_role("heading", name="Eight schools: coaching for the SAT").is_visible()
    text = main_text(page)
    assert "At τ = 10," in text and "BDA3 vs this app" in text
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 6
    tau = slider_labelled(page, "how much the schools' true effects differ")
    tau.focus()
    tau.press("ArrowRight")
    wait_for_app_idle(page, timeout=TIMEOUT)
    assert_no_errors(page)
    assert "At τ = 10.5," in main_text(page)
    screenshot(page, "eight_schools")


def test_baseball(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = open_page(goto_app, "/baseball")
    assert page.get_by_role("heading", name="Baseball: predicting the rest of the season").is_visible()
    assert "τ ~ HalfNormal(1)" in main_text(page)
    tau = slider_labelled(page, "Prior scale of τ")
    tau.focus()
    tau.press("ArrowRight")
    wait_for_app_idle(page, timeout=TIMEOUT)
    assert_no_errors(page)
    text = main_text(page)
    assert "τ ~ HalfNormal(1.1)" in text
    assert "Observed inside the interval" in text  # the predictive check is drawn
    screenshot(page, "baseball")
