"""The section "Which pooling predicts best?": the fits compared by PSIS-LOO, on every results page.

:func:`predictive_accuracy_section` draws it for a page's finished fits, in a box. Nothing is
computed until the user asks (opening the box, or its button): PSIS-LOO costs a few tenths of a
second per fit, which a slider move must not pay. The answer is kept with the fits
(:func:`hbm_core.posterior.loo.fit_loo`) and shown again on later runs as long as the fits on screen
are the ones it was asked for; new fits (a slider moved) bring the button back instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from hbm_core import exports
from hbm_core.lessons.loo_reading import convergence_note, diagnostics_line, loo_reading, page_table
from hbm_core.posterior.loo import SCRIPT, compare_poolings
from hbm_core.viz.loo import elpd_differences
from hbm_core.viz.palette import FIT_LABELS
from ui import common, views

if TYPE_CHECKING:
    import altair as alt

    from hbm_core.data.groups import GroupedData
    from hbm_core.inference.jobs import FitResult

LABEL = "Which pooling predicts best? Compare predictive accuracy (PSIS-LOO)"
BUTTON = "Compare predictive accuracy"

INTRO = (
    "A model that has learnt something true about the groups predicts data it has not seen. "
    "**Leave-one-out cross-validation** asks it to: leave out one {row}, fit the model to the rest, "
    "and score how probable the left-out {row} was under the fit's predictions (its log predictive "
    "density). Summed over all {rows} this is **elpd_loo**, the expected log predictive density: "
    "higher is better. Refitting once per {row} would take long; PSIS-LOO (ArviZ's `az.loo`) "
    "estimates every left-out fit from the one fit's draws by reweighting them."
)

EXPLAIN = """
- **elpd_loo** is a sum over the data of log probabilities, in nats: its absolute value depends on
  the data (how many rows, their units), so only differences between fits of the *same* data mean
  something. Its **SE** comes from the spread of the rows' contributions.
- **Difference to best** is each fit's elpd_loo minus the best one's, and **SE of difference** its
  standard error, computed row by row (the fits predict the same rows, so their errors are shared):
  a difference within about two of its SEs is one the data cannot resolve.
- **p_loo** is the *effective number of parameters*: how much the fit's prediction of a row relies on
  that row itself. Partial pooling's is below its count of parameters (the groups borrow from each
  other). A p_loo far above the count of parameters, as complete pooling can show on groups that
  really differ, says the model does not describe the data well.
- **Pareto k** says how far the fit without a row is from the fit with it: PSIS reweights the draws,
  and when one row moves the posterior a lot, a few draws get huge weights. Above 0.7 the estimate
  for that row is unreliable. It happens where a row carries most of what its own parameter is
  fitted to: a group with one or two rows (or one row per group, like a tank or a school), or an
  outlier. Then refitting without the row (exact leave-one-out, or K-fold cross-validation) gives
  trustworthy numbers.
- Predictive accuracy is one criterion. A fit can predict almost as well and still answer the
  question better (the group means with honest uncertainty), and elpd says nothing about the truth
  of the priors.
"""


#: Opening the box computes at once for data up to this many rows; larger data wait for the button.
#: (ArviZ's PSIS runs observation by observation: about 1 ms per row and fit on a free core.)
OPEN_COMPUTES_UP_TO = 2000


def _seconds(rows: int) -> str:
    """A rough duration of PSIS-LOO for three fits of ``rows`` rows on a free core."""
    seconds = 1 + 3 * rows / 1000
    return "a second or two" if seconds < 3 else f"{seconds:.0f} seconds"


def box_key(key: str) -> str:
    """Session-state key of the section's box (True while open)."""
    return f"loo_box_{key}"


def _asked_key(key: str) -> str:
    return f"loo_asked_{key}"


def _pending_key(key: str) -> str:
    return f"loo_pending_{key}"


def _on_toggle(key: str) -> None:
    """Opening the box asks for the comparison of the fits on screen (recorded by the run it starts)."""
    st.session_state[_pending_key(key)] = bool(st.session_state.get(box_key(key)))


def _token(results: Mapping[str, FitResult]) -> tuple:
    """The identity of the fits on screen: the finished results, shared with the fit service."""
    return tuple(sorted((str(p), id(r)) for p, r in results.items()))


def predictive_accuracy_section(
    results: Mapping[str, FitResult],
    data: GroupedData,
    *,
    key: str,
    row_word: str | None = None,
    group_word: str = "group",
    stem: str = "results",
) -> dict[str, alt.TopLevelMixin]:
    """The section, in a box: opening it asks for the comparison of the fits on screen (the
    comparison table, the chart of the differences, the computed reading, downloads); when the fits
    change while it is open (a slider moved), a button asks again. ``results``: the page's finished
    fits by pooling; ``data``: the data they were fitted to; ``key``: unique on the page;
    ``row_word`` / ``group_word``: what a data row and a group are ("tank", "county"; by default
    "observation", a "row" of counts, or the group itself for estimates with known standard errors).
    Returns the chart drawn (by name, for the page's downloads), or nothing.
    """
    if row_word is None:
        row_word = {"binomial": "row", "known_se": group_word}.get(data.family, "observation")
    shown = views.on_demand(
        LABEL,
        box_key(key),
        lambda: _view(results, data, key=key, row_word=row_word, group_word=group_word, stem=stem),
        icon=":material/leaderboard:",
        on_toggle=lambda: _on_toggle(key),
    )
    return shown or {}


def _view(
    results: Mapping[str, FitResult],
    data: GroupedData,
    *,
    key: str,
    row_word: str,
    group_word: str,
    stem: str,
) -> dict[str, alt.TopLevelMixin]:
    rows = row_word if row_word.endswith("s") else f"{row_word}s"
    st.markdown(INTRO.format(row=row_word, rows=rows))
    fits = {p: results[p] for p in FIT_LABELS if p in results}
    if len(fits) < 2:
        st.info(
            "Two finished fits are needed to compare; the reasons are under *Did the sampler work?*",
            icon=":material/info:",
        )
        return {}
    token = _token(fits)
    if st.session_state.pop(_pending_key(key), False) and data.n_obs <= OPEN_COMPUTES_UP_TO:
        st.session_state[_asked_key(key)] = token
    if st.session_state.get(_asked_key(key)) != token:
        if not st.button(BUTTON, key=f"loo_button_{key}", icon=":material/leaderboard:"):
            st.caption(
                f"Computed when you ask, for the fits on screen: about {_seconds(data.n_obs)} for "
                f"{data.n_obs:,} {rows}."
            )
            return {}
        st.session_state[_asked_key(key)] = token
    try:
        with st.spinner("PSIS-LOO for each fit…"):
            comparison = compare_poolings(fits, data)
    except (ValueError, MemoryError) as err:
        st.warning(f"PSIS-LOO could not be computed for these fits: {err}", icon=":material/warning:")
        return {}
    table = comparison.table
    note = convergence_note({p: len(r.diagnostics.warnings) for p, r in fits.items()})
    if note:
        st.warning(note, icon=":material/warning:")
    st.caption(diagnostics_line({p: r.diagnostics for p, r in fits.items()}))
    common.table(
        page_table(table, data.n_obs),
        formats={c: "%.1f" for c in ("elpd_loo", "SE", "difference to best", "SE of difference", "p_loo")},
        config={
            "elpd_loo": st.column_config.NumberColumn(
                format="%.1f",
                help="Expected log predictive density of a left-out row, summed (higher: better).",
            ),
            "p_loo": st.column_config.NumberColumn(format="%.1f", help="Effective number of parameters."),
        },
    )
    figure = elpd_differences(table, title="Difference to the best fit, ±1 SE")
    best = FIT_LABELS.get(table["fit"].iloc[0], table["fit"].iloc[0])
    common.chart(
        figure,
        f"Each dot is a fit's elpd_loo minus that of {best} (the dashed line at 0); the bar spans one "
        "standard error of the difference either way. A dot whose bar reaches far toward 0 is not "
        "clearly worse.",
        name="loo",
        alt="Difference in elpd_loo to the best fit",
    )
    sizes = np.bincount(np.asarray(data.group_idx), minlength=data.n_groups)
    rows_per_group = dict(zip(data.groups, (int(n) for n in sizes), strict=True))
    st.markdown(
        "\n".join(
            f"- {s}" for s in loo_reading(table, comparison.pointwise, rows_per_group, row_word, group_word)
        )
    )
    thinned = {p: t for p, t in comparison.thinning.items() if t.step > 1}
    if thinned:
        t = next(iter(thinned.values()))
        st.caption(
            f"{data.n_obs:,} rows × all draws would be too much to hold at once: PSIS-LOO used every "
            f"{t.step}th draw ({t.used} per chain)."
        )
    with st.expander("What elpd_loo, p_loo and Pareto k mean", icon=":material/help:"):
        st.markdown(EXPLAIN)
    row = st.container(horizontal=True)
    stem = f"{stem}-loo"
    views.download(
        row,
        ("Comparison (CSV)", f"{stem}-comparison.csv", "text/csv", ":material/table:"),
        lambda: exports.estimates_csv_bytes(table),
        key=f"loo_dl_table_{key}",
        help="One row per fit: elpd_loo, SE, difference to the best and its SE, p_loo, Pareto k summary.",
    )
    pointwise = comparison.pointwise
    views.download(
        row,
        ("Each row's elpd and k (CSV)", f"{stem}-pointwise.csv", "text/csv", ":material/table:"),
        lambda: exports.estimates_csv_bytes(pointwise),
        key=f"loo_dl_pointwise_{key}",
        help="One row per fit and data row: its group, elpd_loo contribution and Pareto k.",
    )
    st.markdown(
        "**The code.** The same comparison in plain PyMC and ArviZ: append these lines to the page's "
        "script (*Show the code*, further down) and run it. PyMC computes the log-likelihood from its "
        "own models, so its numbers check the app's (equal within Monte Carlo error)."
    )
    st.code(SCRIPT.strip("\n"), language="python", wrap_lines=True)
    return {"loo": figure}
