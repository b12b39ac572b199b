"""Layouts at a phone's, a laptop's and a projector's width (issue #20): every page at 390, 1024 and
1920 px, screenshotted (tests/artifacts/layout-<page>-<width>.png, kept by CI), and checked in the
DOM for what does not fit: a chart wider than its column, a chart's text (legend, axis or chart
title) outside its chart or shortened by Vega with an ellipsis, a metric cut with an ellipsis, a
table whose columns need scrolling.

The pages and widths where #20's layout work is still open are marked xfail with what is left
(not strict: a fix shows up as XPASS).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = ["explore", "eight_schools", "baseball", "radon", "reedfrogs", "sampling", "upload"]
WIDTHS = [390, 1024, 1920]

# Measured in the browser; the tolerance absorbs rotated axis titles' bounding boxes (2 px).
_OVERFLOWS_JS = """
() => {
  const TOL = 3;
  const out = [];
  const name = (e) => (e.getAttribute('aria-label') || '').slice(0, 60);
  for (const chart of document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')) {
    if (chart.offsetParent === null) continue;
    const column = chart.closest('[data-testid="stElementContainer"]').getBoundingClientRect();
    const drawing = chart.querySelector('svg, canvas');
    if (!drawing) continue;
    const r = drawing.getBoundingClientRect();
    if (r.right > column.right + TOL) {
      out.push(`chart "${name(chart)}" ${Math.round(r.right - column.right)} px wider than its column`);
    }
    for (const t of chart.querySelectorAll('svg text')) {
      const tr = t.getBoundingClientRect();
      const cut = Math.max(tr.right - r.right, r.left - tr.left, tr.bottom - r.bottom, r.top - tr.top);
      if (tr.width && cut > TOL) {
        out.push(`chart "${name(chart)}": text "${t.textContent.slice(0, 40)}" cut by ${Math.round(cut)} px`);
      } else if (t.textContent.endsWith('\u2026')) {  /* Vega shortened it to fit: "Estimated eff..." */
        out.push(`chart "${name(chart)}": text shortened to "${t.textContent}"`);
      }
    }
  }
  for (const metric of document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"]')) {
    for (const el of metric.querySelectorAll('*')) {
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
          && getComputedStyle(el).textOverflow === 'ellipsis') {
        out.push(`metric "${metric.innerText.split('\\n')[0]}": "${el.textContent.slice(0, 30)}" cut`);
      }
    }
  }
  for (const table of document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')) {
    const scroller = table.querySelector('.dvn-scroller');
    if (scroller && scroller.scrollWidth > scroller.clientWidth + TOL) {
      const header = table.getAttribute('aria-label') || '';
      out.push(`table ${header}: ${scroller.scrollWidth - scroller.clientWidth} px of columns hidden`);
    }
  }
  return out;
}
"""

# What is left of #20's layout work, from this test's run of 2026-12-07 (run it with --runxfail to see
# every item). At 1920 px every page passes.
_PHONE = "chart titles shortened, legends and long axis titles run past the chart, tables scroll sideways"
_TABLES = "estimates and diagnostics tables hide columns"
KNOWN = {
    ("explore", 390): _PHONE,
    ("eight_schools", 390): _PHONE,
    ("baseball", 390): _PHONE,
    ("radon", 390): _PHONE,
    ("reedfrogs", 390): _PHONE,
    ("sampling", 390): "the funnel and rank charts have fixed widths wider than a phone",
    ("explore", 1024): f"legends of the τ and scoring charts run past half-page charts; {_TABLES}",
    ("eight_schools", 1024): f"given-τ chart titles shortened; the shrinkage legend cut; {_TABLES}",
    ("baseball", 1024): f"the predictive checks' titles and axis titles are cut; {_TABLES}",
    ("radon", 1024): f"a chart title shortened; a metric's value cut; {_TABLES}",
    ("reedfrogs", 1024): f"metric labels and values cut; {_TABLES}",
    ("sampling", 1024): "the funnel and rank charts have fixed widths wider than half a 1024 px page",
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_nothing_overflows_its_container(page, goto_app, screenshot, request, path, width):
    if (path, width) in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[path, width], strict=False))
    page.set_viewport_size({"width": width, "height": 900})
    goto_app(path, timeout=240)
    screenshot(page, f"layout-{path}-{width}")
    overflows = page.evaluate(_OVERFLOWS_JS)
    assert not overflows, f"/{path} at {width} px:\n" + "\n".join(overflows)
