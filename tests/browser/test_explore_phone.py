"""Explore on a 390x844 phone (issue #20): without opening the sidebar (an overlay over the charts on a
phone), a group's slider is on the page, moves by keyboard, and the shrinkage chart it drives sits right
below it, so that one scroll position shows the slider and the whole chart.

Streamlit stacks columns on a narrow screen: the group editor's column (ui/results.beside) comes first,
so it sits directly above its chart. Measured from the DOM.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# The group editor (its tabs and the shown tab's sliders), the shrinkage chart (the first chart after it)
# and the sidebar, as boxes in CSS pixels.
_GEOMETRY_JS = """
() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,
                                                                 left: r.left, right: r.right}; };
  const tabs = document.querySelector('[data-testid="stMain"] .st-key-group_tabs');
  const editor = tabs.closest('[data-testid="stColumn"]');
  const shown = [...editor.querySelectorAll('input[type="range"]')].filter((s) => s.offsetParent !== null);
  const charts = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')];
  const chart = charts.find((c) => editor.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING);
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const header = document.querySelector('[data-testid="stHeader"]');
  return {
    viewport: {width: window.innerWidth, height: window.innerHeight},
    editor: box(editor),
    tabs: box(tabs),
    header: header ? header.getBoundingClientRect().bottom : 0,
    sliders: shown.map(box),
    chart: box(chart),
    chartTitle: chart.getAttribute('aria-label') || '',
    sidebarWidth: sidebar ? sidebar.getBoundingClientRect().width : 0,
  };
}
"""


def test_on_a_phone_a_group_slider_sits_right_above_the_chart_it_drives(
    page, app_server, wait_for_app_idle, assert_no_errors, screenshot
):
    page.set_viewport_size(PHONE)
    page.goto(f"{app_server}/explore?seed=7501")  # its own seed: fits of its own
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert not sidebar.is_visible()  # closed on a phone, and never opened below

    main = page.locator('[data-testid="stMain"]')
    size = main.get_by_role("slider", name="Group size", exact=True).first  # group A's (the shown tab)
    size.scroll_into_view_if_needed()
    assert size.is_visible() and size.input_value() == "3"
    top = size.bounding_box()
    assert 0 <= top["y"] and top["y"] + top["height"] <= PHONE["height"], top

    g = page.evaluate(_GEOMETRY_JS)
    assert g["sidebarWidth"] == 0, g
    assert "Partial pooling pulls" in g["chartTitle"], g  # the chart below the editor: shrinkage
    # Stacked: the editor spans the phone's width, the chart starts right below it (no other element
    # between them) ...
    assert g["editor"]["right"] - g["editor"]["left"] >= 0.8 * PHONE["width"], g
    assert 0 <= g["chart"]["top"] - g["editor"]["bottom"] <= 40, g
    # ... so that one scroll position shows the group tabs, the group's sliders and the whole chart
    # below the page's header bar.
    assert g["chart"]["bottom"] - g["tabs"]["top"] <= PHONE["height"] - g["header"], g

    # Move it by keyboard: group A gets one more observation, the chart beside it follows.
    size.focus()
    size.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('n=4%2C')", timeout=60_000)
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    assert size.input_value() == "4"
    chart = main.locator('[data-testid="stVegaLiteChart"]').nth(1)
    assert "A  (n=4)" in chart.locator("svg.marks").text_content()
    assert not sidebar.is_visible()

    # Scrolled so that the tabs sit just below the header bar: the sliders and the whole chart are on screen.
    page.evaluate(
        """() => {
          const tabs = document.querySelector('[data-testid="stMain"] .st-key-group_tabs');
          const header = document.querySelector('[data-testid="stHeader"]').getBoundingClientRect();
          const below = tabs.getBoundingClientRect().top - header.bottom - 4;
          document.querySelector('[data-testid="stMain"]').scrollBy(0, below);
        }"""
    )
    page.wait_for_timeout(300)
    g = page.evaluate(_GEOMETRY_JS)
    assert g["tabs"]["top"] >= g["header"] and g["chart"]["bottom"] <= PHONE["height"] + 1, g
    assert all(g["header"] <= s["top"] and s["bottom"] <= PHONE["height"] for s in g["sliders"]), g
    screenshot(page, "explore-phone-390x844", full_page=False)
