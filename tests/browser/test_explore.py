"""The Explore page in a real browser: move a slider, the shrinkage chart changes, no errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def shrinkage_chart(page):
    """The shrinkage chart: the second chart on the page (after the data strip)."""
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    return charts.nth(1)


def group_tab(page, label: str):
    """Group ``label``'s tab in the main column's group editor (the groups' sliders)."""
    return page.locator('[data-testid="stMain"]').get_by_role("tab", name=label, exact=True)


def group_a_slider(page, name: str):
    """One of group A's sliders: the shown tab's (A is shown first); hidden tabs are not in the
    accessibility tree, so the name finds the shown one."""
    return page.locator('[data-testid="stMain"]').get_by_role("slider", name=name, exact=True).first


def test_slider_moves_update_the_shrinkage_chart(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    page = goto_app("/explore", timeout=300)
    assert "Explore partial pooling" in page.locator('[data-testid="stMain"]').inner_text()
    assert page.get_by_text("All fits converged").is_visible()
    before = shrinkage_chart(page).screenshot()
    screenshot(page, "explore")

    # "Number of groups" is the first slider in the sidebar: 6 -> 7 groups.
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    assert group_tab(page, "G").count() == 1  # the new group's sliders, in the main column
    assert "g=7" in page.url
    after = shrinkage_chart(page).screenshot()
    assert after != before
    screenshot(page, "explore-4-groups")


def test_projector_size_and_copied_link(page, app_server, wait_for_app_idle, assert_no_errors, screenshot):
    """A teacher's link opens the same example in the app's own menu; the page fits a 1024x768 projector."""
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{app_server}/explore?n=5,60,60&m=9,4,5&s=2,2,2&seed=7&sd=shared")
    wait_for_app_idle(page, timeout=300)
    assert_no_errors(page)
    assert group_a_slider(page, "Group size").input_value() == "5"
    assert group_a_slider(page, "True mean").input_value() == "9"
    assert "seed=7" in page.url
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Explore" in nav and "explore state" not in nav.lower()  # app.py's menu, not a folder listing
    screenshot(page, "explore-1024x768", full_page=False)


MARK_CHARTS = """() => {
  const svgs = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')];
  svgs.forEach(svg => { svg.__beforeTheMove = true; });
  window.__previewShown = false;
  window.__previewWatch?.disconnect();
  window.__previewWatch = new MutationObserver(() => {
    if (document.body.innerText.includes('Showing the instant preview')) window.__previewShown = true;
  });
  window.__previewWatch.observe(document.body, {childList: true, subtree: true, characterData: true});
  return svgs.length;
}"""
KEPT_CHARTS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')]
    .map(svg => ({kept: !!svg.__beforeTheMove, text: svg.textContent}))"""


def test_a_slider_move_swaps_the_numbers_in_the_charts(goto_app, wait_for_app_idle, assert_no_errors):
    """The browser keeps each chart and swaps its data (hbm_core/viz/chart_spec.py, common.Section).

    Building the five charts anew took the browser about a quarter of a move's time. A move whose
    fits were not ready in time shows the exact preview first, and that redraws the sections by
    design: only the data strip is kept then, so the test looks for a move without a preview.
    """
    page = goto_app("/explore", timeout=300)
    size = group_a_slider(page, "Group size")
    kept_all = 0
    for n in (4, 5, 6, 7):
        assert page.evaluate(MARK_CHARTS) >= 5
        size.focus()
        size.press("ArrowRight")
        page.wait_for_function(f"() => location.search.includes('n={n}%2C')", timeout=60_000)
        wait_for_app_idle(page, timeout=120)
        assert_no_errors(page)
        # The first five charts: data strip, shrinkage, forest, population, pooling factors.
        charts = page.evaluate(KEPT_CHARTS)[:5]
        assert f"A  (n={n})" in charts[0]["text"] and charts[0]["kept"]  # the data strip, always
        assert f"A  (n={n})" in charts[1]["text"]  # the shrinkage chart shows the new group size
        if not page.evaluate("() => window.__previewShown"):
            # No preview in between: every chart was kept and only its numbers changed.
            assert all(c["kept"] for c in charts), [c["kept"] for c in charts]
            kept_all += 1
    print(f"{kept_all} of 4 moves without the preview (a preview redraws the sections by design)")


SHRINKAGE_MARKS = """() => {
  // The chart's marks carry no ARIA labels (ui/common.py: the chart is one image, described by its
  // caption), so rows are matched by position: each arrow and circle to the y-axis label beside it.
  const svg = document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')[1];
  const mid = el => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; };
  const box = el => el.getBoundingClientRect();
  const labels = [...svg.querySelectorAll('g.role-axis-label text')]
    .filter(t => t.textContent.includes('(n='))
    .map(t => ({text: t.textContent.trim(), y: mid(t)}));
  const arrows = [...svg.querySelectorAll('g.role-mark line')]
    .map(l => ({width: box(l).width, height: box(l).height, y: mid(l)}))
    .filter(l => l.height < 6 && l.width > 0);  // horizontal: the arrows, not the dashed rule
  const circles = [...svg.querySelectorAll('g.role-mark path')]
    .filter(p => /[Aa]/.test(p.getAttribute('d') || ''))  // arcs: the no-pooling circles
    .map(p => ({width: box(p).width, y: mid(p)}));
  return {labels, arrows, circles};
}"""


def _row(labels: list[dict], y: float) -> str:
    """The group of the y-axis label nearest to ``y`` ("A  (n=3)" -> "A")."""
    return min(labels, key=lambda label: abs(label["y"] - y))["text"].split()[0]


def test_default_explore_arrows_are_visible_and_the_text_agrees_with_them(
    goto_app, wait_for_app_idle, assert_no_errors, screenshot
):
    """1280x800, default settings: the arrows are longer than their circles, and the sentence beside
    the chart names the group whose arrow is longest (read from the chart's own marks)."""
    page = goto_app("/explore", timeout=300)
    screenshot(page, "explore-default-1280")
    marks = page.evaluate(SHRINKAGE_MARKS)
    labels, arrows, circles = marks["labels"], marks["arrows"], marks["circles"]
    assert len(labels) == 6 and len(circles) == 6 and arrows, marks
    longest = max(arrows, key=lambda m: m["width"])
    top = _row(labels, longest["y"])
    circle = next(c for c in circles if _row(labels, c["y"]) == top)
    assert longest["width"] > circle["width"], (longest, circle)  # the arrow shows outside its circle
    captions = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    reading = next(c for c in captions if "moved most" in c)
    assert f"Group {top} (n = " in reading.split("moved most")[0], reading
