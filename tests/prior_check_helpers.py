"""Helpers shared by the prior predictive check's tests: in AppTest (tests/test_prior_check_pages.py,
tests/test_prior_check_results_pages.py) and in a real browser (tests/browser/test_prior_check.py,
tests/browser/test_prior_check_results.py). Plain functions, imported as ``tests.prior_check_helpers``."""

from __future__ import annotations

import re

from ui.prior_check import LABEL, box_key

#: Seconds a browser step may take: the first visit compiles the models.
TIMEOUT = 300

# ---------------------------------------------------------------------------------------------
# AppTest


def open_check(at, key: str):
    """Open the check's box on the page ``key`` (as the browser does) and run the page again."""
    at.session_state[box_key(key)] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def caption(at, text: str) -> str:
    """The first caption on the page that contains ``text``."""
    return next(c.value for c in at.caption if text in c.value)


def spread_share(at) -> float:
    """The share of prior draws spread further apart than observed, from the spread chart's caption."""
    text = caption(at, "of the prior draws spread the")
    return float(re.search(r"([\d.]+)% of the prior draws spread", text).group(1))


# ---------------------------------------------------------------------------------------------
# A real browser (Playwright, with tests/browser/conftest.py's fixtures)


def open_check_in_browser(goto_app, wait_for_app_idle, path: str):
    """Go to the page at ``path``, click the check's box open; returns (page, box)."""
    goto_app("", timeout=TIMEOUT)  # a first visit, so the deep link resolves (see test_real_data_pages_a)
    page = goto_app(path, timeout=TIMEOUT)
    box = page.locator('[data-testid="stExpander"]').filter(has_text=LABEL)
    box.get_by_text(LABEL).click()
    wait_for_app_idle(page, timeout=TIMEOUT)
    return page, box


def move_scale(page, box, wait_for_app_idle, key: str) -> None:
    """Press ``key`` (e.g. "ArrowLeft") on the box's τ-scale slider and wait for the app."""
    slider = (
        box.locator('[data-testid="stSlider"]')
        .filter(has_text="Try a prior scale of τ")
        .get_by_role("slider")
    )
    slider.focus()
    slider.press(key)
    wait_for_app_idle(page, timeout=TIMEOUT)
