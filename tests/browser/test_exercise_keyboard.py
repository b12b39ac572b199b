"""One exercise completed by keyboard alone at 1024x768 (issue #18): Tab to the answer, arrow keys to
choose, Tab / Shift-Tab between the answer and Reveal, Enter to reveal; the feedback computed from the
exercise's data appears. No mouse event is sent."""

from __future__ import annotations

import pytest

from hbm_core.lessons.exercises import exercise, score

pytestmark = pytest.mark.browser

NUMBER, SEED = 3, 4242  # "All groups alike?": a yes/no radio, then Reveal

# What has the keyboard focus: its kind, its text or label, and the radio group it belongs to.
_FOCUS_JS = """
() => {
  const e = document.activeElement;
  const group = e.closest('[role="radiogroup"]');
  const label = e.closest('label');
  return {
    tag: e.tagName.toLowerCase(),
    type: e.getAttribute('type') || '',
    text: ((label && label.innerText) || e.innerText || e.getAttribute('aria-label') || '').trim(),
    group: group ? group.getAttribute('aria-label') : null,
    checked: !!e.checked,
    in_main: !!e.closest('[data-testid="stMain"]'),
  };
}
"""


def focus(page) -> dict:
    return page.evaluate(_FOCUS_JS)


def tab_until(page, wanted, limit: int = 80, key: str = "Tab") -> dict:
    """Press ``key`` until ``wanted(focus)`` holds; fail after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focus(page)
        if wanted(now):
            return now
    raise AssertionError(f"{key} never reached the element; last focus {focus(page)}")


def test_an_exercise_by_keyboard_alone(page, app_server, wait_for_app_idle, assert_no_errors, screenshot):
    scenario = exercise(NUMBER).scenario(SEED)
    solution = exercise(NUMBER).solve(scenario)
    label = scenario.answer.label
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{app_server}/exercises?ex={NUMBER}&seed={SEED}")
    wait_for_app_idle(page, timeout=180)
    assert_no_errors(page)
    main = page.locator('[data-testid="stMain"]')
    assert scenario.question in main.inner_text()
    assert main.get_by_role("button", name="Reveal").is_disabled()  # nothing predicted yet

    # Tab from the top of the page to the answer's first option, Space to choose it, an arrow to the
    # other option: the choice is the second one ("no").
    first = tab_until(page, lambda f: f["type"] == "radio" and f["group"] == label)
    assert first["in_main"] and first["text"] == scenario.answer.options[0], first
    page.keyboard.press("Space")
    wait_for_app_idle(page)
    page.keyboard.press("ArrowRight")
    wait_for_app_idle(page)
    chosen = focus(page)
    assert chosen["group"] == label and chosen["checked"], chosen
    guess = chosen["text"]
    assert guess == scenario.answer.options[1]

    # Tab to Reveal, Shift-Tab back to the answer, Tab to Reveal again, Enter.
    reveal = tab_until(page, lambda f: f["tag"] == "button", limit=5)
    assert reveal["text"].endswith("Reveal"), reveal
    back = tab_until(page, lambda f: f["type"] == "radio", limit=5, key="Shift+Tab")
    assert back["group"] == label and back["text"] == guess, back
    again = tab_until(page, lambda f: f["tag"] == "button", limit=5)
    assert again["text"].endswith("Reveal"), again
    page.keyboard.press("Enter")
    wait_for_app_idle(page, timeout=120)
    assert_no_errors(page)

    feedback = score(scenario, solution, guess)
    text = main.inner_text()
    assert "Answer (exact engine)" in text and "Your prediction" in text
    alert = main.locator('[data-testid="stAlertContainer"]').filter(has_text=solution.reason)
    assert alert.count() == 1, text[:2000]
    said = alert.locator('[data-testid="stMarkdownContainer"]').inner_text()  # without the icon
    assert " ".join(said.split()) == " ".join(feedback.message.split())
    assert main.get_by_role("button", name="Reveal").is_disabled()  # revealed once
    assert "done=3" in page.url
    path = screenshot(page, "exercise-keyboard-1024x768", full_page=False)
    assert path.stat().st_size > 10_000
