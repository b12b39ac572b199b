"""What a keyboard and a screen reader get (issue #20): clean accessible names for widgets, a Tab order
without the charts' toolbars, and every chart named and described by its caption.

The charts' names, descriptions and toolbars are set up by the script of ui/common.py (``_A11Y_HTML``).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

# The accessible name and description of every chart, with the caption in its container.
_CHARTS_JS = """
() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart => {
  const after = chart.closest('[data-testid="stElementContainer"]').nextElementSibling;
  const caption = after && after.querySelector('[data-testid="stCaptionContainer"]');
  const ref = chart.getAttribute('aria-describedby');
  const described = ref ? document.getElementById(ref) : null;
  return {
    role: chart.getAttribute('role'),
    name: chart.getAttribute('aria-label'),
    caption: caption ? caption.innerText.trim() : null,
    description: described ? described.innerText.trim() : null,
    toolbar_tab_stops: [...chart.parentElement.querySelectorAll('[data-testid="stElementToolbar"] button')]
      .filter(b => b.tabIndex >= 0).length,
    unnamed_marks: [...chart.querySelectorAll('svg [role]')]
      .filter(e => e.getAttribute('role') === 'graphics-symbol' && !e.getAttribute('aria-label')).length,
  };
})
"""

_ACTIVE_JS = """
() => {
  const e = document.activeElement;
  const box = e.closest('[data-testid="stElementContainer"]');
  return {
    testid: e.getAttribute('data-testid') || '',
    label: e.getAttribute('aria-label') || (e.innerText || '').trim().slice(0, 40),
    in_main: !!e.closest('[data-testid="stMain"]'),
    in_chart: !!(box && box.querySelector('[data-testid="stVegaLiteChart"]')),
  };
}
"""

GENERIC_NAMES = {None, "", "Chart", "Vega visualization"}


def check_charts(page) -> list[dict]:
    charts = page.evaluate(_CHARTS_JS)
    assert charts, "no charts on the page"
    for c in charts:
        assert c["role"] == "graphics-document", c
        assert c["name"] not in GENERIC_NAMES, c
        assert c["caption"] is None or c["description"] == c["caption"], c
        assert c["toolbar_tab_stops"] == 0, c
        assert c["unnamed_marks"] == 0, c
    return charts


@pytest.mark.parametrize("path", ["explore", "eight_schools", "explore?classroom=1"])
def test_every_chart_is_named_and_described_by_its_caption(goto_app, path):
    page = goto_app(path, timeout=180)
    charts = check_charts(page)
    # most charts have a caption that reads them; those are their descriptions
    assert sum(c["description"] is not None for c in charts) >= len(charts) // 2, charts


def test_a_charts_description_follows_its_new_numbers(goto_app, wait_for_app_idle):
    page = goto_app("eight_schools", timeout=180)
    shrinkage = [c for c in check_charts(page) if "Arrows run from each school" in (c["caption"] or "")]
    assert len(shrinkage) == 1
    slider = page.get_by_role("slider", name="τ: how much the schools' true effects differ (SAT points)")
    slider.focus()
    for _ in range(4):  # τ + 2: a different reading
        slider.press("ArrowRight")
    wait_for_app_idle(page)
    after = [c for c in check_charts(page) if "Arrows run from each school" in (c["caption"] or "")]
    assert len(after) == 1 and after[0]["description"] == after[0]["caption"]
    assert after[0]["caption"] != shrinkage[0]["caption"]  # the reading changed with τ


def test_widgets_have_clean_names(goto_app):
    page = goto_app("explore", timeout=180)
    assert page.get_by_role("switch", name="Classroom mode", exact=True).count() == 1
    tree = page.locator("body").aria_snapshot()
    assert ":material/" not in tree, [line for line in tree.splitlines() if ":material/" in line]
    sliders = re.findall(r'- slider "([^"]*)"', tree)
    assert sliders, tree
    for name in sliders:  # Streamlit's slider said its label twice: "Chains Chains"
        words = name.split()
        half = len(words) // 2
        assert not (len(words) % 2 == 0 and words[:half] == words[half:]), f"slider named twice: {name!r}"
    assert page.get_by_role("slider", name="Number of groups", exact=True).count() == 1


def test_tab_walks_the_page_without_stopping_on_chart_toolbars(goto_app):
    page = goto_app("explore", timeout=180)
    page.locator('[data-testid="stMain"] h1').first.click()  # start in the main column, at the top
    stops = []
    for _ in range(60):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(_ACTIVE_JS))
    # tables keep their toolbars (search, download: useful from the keyboard); charts do not
    toolbar = [s for s in stops if s["testid"] == "stBaseButton-elementToolbar" and s["in_chart"]]
    assert not toolbar, toolbar
    main = [s for s in stops if s["in_main"]]
    assert len(main) >= 5, stops  # the main column's links, downloads and widgets are reached
    # the toolbars are still there for the mouse
    assert page.locator('[data-testid="stElementToolbar"] button').count() >= 4
