"""Layouts at a phone's, a laptop's and a projector's width (issue #20): every page at 390, 1024 and
1920 px, screenshotted (tests/artifacts/layout-<page>-<width>.png, kept by CI), and checked in the
DOM for what does not fit: a chart wider than its column, a chart's text (legend, axis or chart
title) outside its chart, a metric cut with an ellipsis, a table whose columns need scrolling.

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

# What is left of #20's layout work (from this test's first run, 2026-12-07).
_LEGENDS = "legends of three or more entries and long axis titles run past a phone-wide chart"
_TABLES = "wide tables (estimates, diagnostics) scroll sideways"
KNOWN = {
    **{(page, 390): f"{_LEGENDS}; {_TABLES}" for page in PAGES if page != "upload"},
    ("sampling", 1024): "the funnel and rank charts have fixed widths wider than half a 1024 px page",
    ("sampling", 390): "the funnel and rank charts have fixed widths wider than a phone",
    ("eight_schools", 1024): "the diagnostics and estimates tables hide columns",
    ("explore", 1024): "the diagnostics table hides columns",
    ("baseball", 1024): "the diagnostics and estimates tables hide columns",
    ("radon", 1024): "the diagnostics and estimates tables hide columns",
    ("reedfrogs", 1024): "the diagnostics and estimates tables hide columns",
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
