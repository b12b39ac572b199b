"""Streamlit glue shared by the pages: page setup, sections, charts with their explanations and
diagnostics panels. Running fits is :mod:`ui.fitting`. Pages stay thin: widgets in, ``hbm_core``
calls, charts out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from hbm_core.inference.settings import POOLINGS
from hbm_core.viz.chart_spec import named_spec
from hbm_core.viz.fit import fit_to_container
from hbm_core.viz.palette import FIT_LABELS, on_dark
from hbm_core.viz.theme import for_streamlit_theme
from ui import tables

if TYPE_CHECKING:
    from ui.fitting import FitOutcome

SAMPLING_PAGE = "app_pages/sampling.py"


# ---------------------------------------------------------------------------------------------
# Page setup


def start_page() -> None:
    """Call first on every page: a new run of a page has drawn no charts yet (see :func:`charts_on_page`),
    and the page gets the script that ties each chart to its caption for assistive technology
    (:data:`_A11Y_HTML`)."""
    st.session_state[_CHARTS_KEY] = {}
    tables.reset()
    with st.container(key="ppl_a11y"):
        st.html(_A11Y_HTML, unsafe_allow_javascript=True)


_CHARTS_KEY = "_charts_on_page"

# Accessibility of the charts drawn by :func:`chart`, done in the browser because Streamlit offers no
# parameter for it. The script (run once per browser tab; it watches the page for charts drawn later):
# - makes the caption drawn right after a chart (by :func:`chart`) the chart's accessible description
#   (aria-describedby): the name (``alt``) stays short and stable, the numbers live in the caption's
#   DOM, never in the spec (see chart_spec.py). No container around chart and caption to find them:
#   a container whose key changed would make the browser build its chart anew;
# - takes the chart toolbar's buttons (show data, PNG, spec, fullscreen) out of the Tab order: four
#   stops per chart otherwise. They stay for the mouse; the page's own downloads serve the keyboard;
# - names each slider once (Streamlit labels its input twice with the same words).
# The container of the script itself takes no room on the page. Keep "<" and "//" out of the script:
# Streamlit then drops it (found by trial: the script never ran).
_A11Y_HTML = """
<style>
.st-key-ppl_a11y { display: none; }
/* A metric's label and value wrap in a narrow column instead of ending in "..." (issue #20). */
[data-testid="stMetric"] .stMarkdownEllipsis, [data-testid="stMetric"] .stMarkdownEllipsis p {
  white-space: normal; overflow-wrap: break-word;
}
</style>
<script>
(() => {
  if (window.__pplChartA11y) return;
  window.__pplChartA11y = true;
  let next = 0, queued = false;
  const tie = () => {
    queued = false;
    for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
      const box = chart.closest('[data-testid="stElementContainer"]');
      if (!box) continue;
      for (const b of box.querySelectorAll('[data-testid="stElementToolbar"] button')) {
        if (b.getAttribute('tabindex') !== '-1') b.setAttribute('tabindex', '-1');
      }
      const after = box.nextElementSibling;
      const caption = after && after.querySelector('[data-testid="stCaptionContainer"]');
      if (caption) {
        if (!caption.id) caption.id = 'ppl-chart-description-' + (++next);
        if (chart.getAttribute('aria-describedby') !== caption.id) {
          chart.setAttribute('aria-describedby', caption.id);
        }
      } else if (chart.hasAttribute('aria-describedby')) {
        chart.removeAttribute('aria-describedby');
      }
    }
    /* A slider's input is labelled by its own aria-label and by its group's, the same words:
       screen readers said "Chains Chains". The input's own label suffices. */
    for (const input of document.querySelectorAll('input[type="range"][aria-labelledby]')) {
      const group = input.closest('[role="group"][aria-label]');
      if (group && group.getAttribute('aria-label') === input.getAttribute('aria-label')) {
        input.removeAttribute('aria-labelledby');
      }
    }
  };
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(tie); }
  }).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['aria-labelledby'],
  });
  tie();
})();
</script>
"""


def charts_on_page() -> dict[str, object]:
    """The charts this run of the page has drawn with ``chart(..., name=...)``, by name (for downloads)."""
    return st.session_state.setdefault(_CHARTS_KEY, {})


# ---------------------------------------------------------------------------------------------
# Showing results


class Section:
    """A place on the page for content drawn once per run, or twice (a preview, then the result).

    ``redrawn=False``: the content goes into a container. The browser keeps the previous run's
    elements in a container until the new ones arrive in their place, so a chart that comes back
    with new numbers only has its data swapped. ``redrawn=True``: the content goes through a
    placeholder (``st.empty``) whose next drawing replaces the last; the placeholder first clears
    the previous run's elements, so their charts are built anew (the price of a preview).
    """

    def __init__(self, redrawn: bool) -> None:
        self._box = st.container()
        self._placeholder = self._box.empty() if redrawn else None
        self._drawn = False

    def container(self):
        """Where to draw the section's content (with ``redrawn=True``, replacing what was drawn)."""
        if self._placeholder is not None:
            return self._placeholder.container()
        if self._drawn:
            raise RuntimeError("a Section made with redrawn=False is drawn once per run")
        self._drawn = True
        return self._box.container()


def chart(
    figure,
    caption: str | None = None,
    key: str | None = None,
    name: str | None = None,
    alt: str | None = None,
) -> None:
    """An Altair chart across the column, with a sentence saying what to look at.

    ``name``: offer the chart for download under this name (see :func:`charts_on_page`).
    ``alt``: the chart's accessible name (default: its title, else ``name``); keep it short and free
    of numbers that change. Screen readers read ``caption`` as the chart's description.
    """
    # Datasets named by position (not content): the browser swaps the data of the chart on screen
    # when only the numbers changed, instead of building it anew (see hbm_core/viz/chart_spec.py).
    spec = named_spec(figure)
    # No ARIA role for each mark (a point, a bar): a reader would step through hundreds of unnamed
    # shapes. The chart is one graphic with a name and a description (the caption); its title, axes
    # and legends keep the descriptions Vega-Lite gives them ("X-axis titled ... with values from").
    config = spec.get("config", {})
    spec["config"] = {**config, "mark": {**config.get("mark", {}), "aria": False}}
    alt = alt or chart_name(spec) or name or "Chart"
    # Titles, long axis titles and legends wrap to the width the chart gets (a phone, half a page).
    spec = fit_to_container(spec)
    # Background, text and grid colours from Streamlit's light or dark theme; on the dark theme the
    # palette's too-dark colours (black means, dark-grey complete pooling, dark text marks) get light
    # variants. Streamlit reruns a page with the browser's theme (not on the switch itself, #11920).
    spec = for_streamlit_theme(spec)
    if st.context.theme.type == "dark":
        spec = on_dark(spec)
    st.vega_lite_chart(spec, width="stretch", theme=None, key=key, alt=alt)
    if caption:  # right after the chart: the browser script makes it the chart's description
        st.caption(caption)
    if name:
        charts_on_page()[name] = figure


def chart_name(spec: Mapping) -> str | None:
    """The title of a Vega-Lite spec as plain text (its sub-charts' titles if it has none)."""
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    if title:
        return str(title)
    for attr in ("hconcat", "vconcat", "concat", "layer"):
        names = [n for child in spec.get(attr, []) if (n := chart_name(child))]
        if names:
            return "; ".join(names)
    return None


def table(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    config: Mapping[str, object] | None = None,
    **kwargs,
) -> None:
    """A table across the column, without its index.

    ``formats``: printf-style formats of number columns (e.g. ``{"mean": "%.3f"}``); ``config``:
    further ``st.column_config`` entries by column; ``kwargs`` go to ``st.dataframe`` (e.g. height).
    """
    column_config = {c: st.column_config.NumberColumn(format=f) for c, f in (formats or {}).items()}
    # stacked rows instead where the columns would not fit (a phone, half a page): see ui/tables.py
    tables.fitted_table(frame, column_config | dict(config or {}), **kwargs)


def radio(label: str, options: Mapping[str, str], key: str, where=st, **kwargs) -> None:
    """Radio buttons for the keys of ``options``, each shown as its value (``where``: a column)."""
    where.radio(label, list(options), format_func=options.get, key=key, **kwargs)


def source_and_notice(info) -> None:
    """A built-in data set's source, and what to notice in it (``info``: its ``DATASETS`` entry)."""
    st.caption(f"Source: {info.source}")
    st.info(f"**What to notice.** {info.notice}", icon=":material/visibility:")


def lesson_link() -> None:
    """A link to the sampling lesson (plain text when the page is not in the navigation)."""
    label = "Why does this happen and what to do about it? See the sampling lesson."
    try:
        st.page_link(SAMPLING_PAGE, label=label, icon=":material/school:")
    except st.errors.StreamlitAPIException:
        st.markdown(f"🎓 {label}")


def diagnostics_table(outcome: FitOutcome) -> pd.DataFrame:
    """One row per fit: status, divergences, R-hat, ESS, parameterization, sampler, time.

    The verdict and the numbers behind it come first: on a narrow page the last columns scroll.
    """
    rows = []
    for pooling in POOLINGS:
        if pooling in outcome.results:
            d = outcome.results[pooling].diagnostics
            rows.append(
                {
                    "fit": FIT_LABELS[pooling],
                    "status": "ok" if d.ok else "check warnings",
                    "divergences": d.divergences,
                    "max R-hat": d.max_rhat,
                    "min bulk ESS": d.min_ess_bulk,
                    "min tail ESS": d.min_ess_tail,
                    "parameterization": d.parameterization,
                    "sampler": d.sampler,
                    "seconds": d.seconds,
                }
            )
        elif pooling in outcome.errors:
            rows.append({"fit": FIT_LABELS[pooling], "status": "failed"})
    return pd.DataFrame(rows)


def diagnostics_panel(outcome: FitOutcome) -> None:
    """The diagnostics of every fit, with plain-language warnings and a link to the lesson."""
    table = diagnostics_table(outcome)
    if not table.empty:
        tables.fitted_table(
            table,
            {
                "max R-hat": st.column_config.NumberColumn(format="%.3f", help="Should be at most 1.01."),
                "min bulk ESS": st.column_config.NumberColumn(
                    format="%d", help="Effective draws for means; want 400+."
                ),
                "min tail ESS": st.column_config.NumberColumn(
                    format="%d", help="Effective draws for interval ends; want 400+."
                ),
                "divergences": st.column_config.NumberColumn(
                    help="Should be 0: any divergence means the sampler missed part of the posterior."
                ),
                "seconds": st.column_config.NumberColumn(format="%.2f", help="Sampling wall time."),
            },
        )
    warned = False
    for pooling, result in outcome.results.items():
        for note in result.diagnostics.warnings:
            st.warning(f"**{FIT_LABELS[pooling]}:** {note}", icon=":material/warning:")
            warned = True
    for pooling, message in outcome.errors.items():
        if "cancelled" not in message:
            st.error(f"**{FIT_LABELS[pooling]}:** {message}", icon=":material/error:")
            warned = True
    if warned:
        lesson_link()
    elif outcome.results:
        st.success(
            "All fits converged: no divergences, R-hat at most 1.01, at least 100 effective draws per chain.",
            icon=":material/check_circle:",
        )


def estimates_frame(outcome: FitOutcome, fallback: pd.DataFrame | None) -> pd.DataFrame | None:
    """The MCMC estimates of all fits; fits without a result keep the fallback's (preview) rows."""
    frames = []
    for pooling in POOLINGS:
        if pooling in outcome.results:
            frames.append(outcome.results[pooling].estimates)
        elif fallback is not None:
            frames.append(fallback[fallback.fit == pooling])
    return pd.concat(frames, ignore_index=True) if frames else None
