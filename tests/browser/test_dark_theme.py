"""The dark theme (issue #20): with the system (here the browser) set to dark, the app takes the dark
theme of .streamlit/config.toml, and its charts follow: dark background, light text, and marks that
stand out. Measured in the DOM of each chart's SVG against the chart's own background: every text at
least 4.5:1 (WCAG AA for text), every mark drawn at an opacity of 0.5 or more at least 3:1 (WCAG's
contrast for graphics); the axes' grid lines are decoration and not counted.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

_CONTRAST_JS = """
() => {
  const lum = (rgb) => {
    const c = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const parse = (s) => {
    const m = s && s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    return p.length === 4 && p[3] === 0 ? null : p.slice(0, 3);
  };
  const ratio = (a, b) => {
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const app = parse(getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor);
  const out = {app, charts: 0, problems: []};
  for (const chart of document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')) {
    if (chart.offsetParent === null) continue;
    const name = (chart.getAttribute('aria-label') || '').slice(0, 50);
    const svg = chart.querySelector('svg');
    if (!svg) { out.problems.push(`chart "${name}" is drawn on a canvas: not checked`); continue; }
    out.charts += 1;
    const back = svg.querySelector('.background');
    const bg = (back && parse(getComputedStyle(back).fill)) || app;
    const seen = new Set();
    const report = (what, colour, need) => {
      const r = ratio(colour, bg), key = what + colour;
      if (r < need && !seen.has(key)) {
        seen.add(key);
        out.problems.push(
          `chart "${name}": ${what} rgb(${colour}) on rgb(${bg}): ${r.toFixed(2)}:1 < ${need}:1`);
      }
    };
    for (const t of svg.querySelectorAll('text')) {
      const fill = parse(getComputedStyle(t).fill);
      if (fill && t.textContent.trim() && parseFloat(getComputedStyle(t).opacity) > 0) {
        report(`text "${t.textContent.slice(0, 25)}"`, fill, 4.5);
      }
    }
    for (const m of svg.querySelectorAll('.role-mark path, .role-mark line, .role-legend-symbol path')) {
      if (m.closest('[class*="role-axis"]')) continue;  /* grid lines, ticks: decoration */
      const cs = getComputedStyle(m);
      if (parseFloat(cs.opacity) < 0.5) continue;
      const fill = parse(cs.fill), stroke = parse(cs.stroke);
      if (fill && parseFloat(cs.fillOpacity) >= 0.5) report('mark', fill, 3);
      const drawn = parseFloat(cs.strokeOpacity) >= 0.5 && parseFloat(cs.strokeWidth) > 0.5;
      if (stroke && drawn) report('mark', stroke, 3);
    }
  }
  return out;
}
"""


@pytest.mark.parametrize("path", ["explore", "sampling"])
def test_dark_theme_charts_are_readable(page, goto_app, screenshot, path):
    page.emulate_media(color_scheme="dark")
    goto_app(path, timeout=240)
    screenshot(page, f"dark-{path}")
    m = page.evaluate(_CONTRAST_JS)
    r, g, b = m["app"]
    assert max(r, g, b) < 60, (
        f"/{path}: the app did not take the dark theme (background rgb{tuple(m['app'])})"
    )
    assert m["charts"] >= 3, m
    assert not m["problems"], f"/{path} in the dark theme:\n" + "\n".join(m["problems"])
