"""The prior predictive check, one view shared by every page that fits a hierarchical model.

:func:`prior_check` draws a box "Prior predictive check: what the priors alone imply" in the
current container. Its contents are drawn only while it is open (its state is in session state
under :func:`box_key`), and inside it a fragment: moving its τ slider or choosing another family
reruns the view alone (a few ms of numpy, :mod:`hbm_core.prior_predictive`), never the page's fits.
The view's prior on τ starts at the page's and follows it when the page's changes; trying another
one here refits nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.lessons import prior_checks
from hbm_core.lessons.wording import plural
from hbm_core.markdown_text import escape
from hbm_core.prior_predictive import (
    WIDE_LOGIT_SD,
    PriorDraws,
    draw_prior_predictive,
    extreme_share,
    histogram_frame,
    interval_frame,
    observed_summary,
    script,
    spread_bins,
    wide_logit_probabilities,
)
from hbm_core.priors import TAU_FAMILIES, Priors, tau_prior
from hbm_core.viz import prior_predictive as charts
from ui import common, views

LABEL = "Prior predictive check: what do the priors alone imply?"
#: What the simulated data keep of the observed data's shape, by outcome family.
SHAPE = {"normal": "group sizes", "known_se": "standard errors", "binomial": "numbers of trials"}
FAMILY_NAMES = {
    "half_normal": "half-normal",
    "half_cauchy": "half-Cauchy",
    "exponential": "exponential",
    "uniform": "uniform(0, scale)",
}


def box_key(key: str) -> str:
    """Session-state key of the view's box on the page ``key`` (True while it is open)."""
    return f"open_prior_check_{key}"


def prior_check(
    data: GroupedData,
    priors: Priors,
    *,
    key: str,
    y_label: str,
    unit: str = "",
    sigma: str = "shared",
    group_word: str = "group",
    tau_families: Sequence[str] | None = None,
    scale_range: tuple[float, float, float] | None = None,
    tau_unit: str | None = None,
    seed: int = 0,
    expanded: bool = False,
    names_note: str = "",
) -> None:
    """The prior predictive check of the page's partial-pooling model, in a box opened on demand.

    ``data`` and ``priors``: as the page fits them (``sigma`` as the fits' observation sd); ``key``
    a name unique to the page; ``y_label`` the outcome's axis title with its unit ("proportion ..."
    for binomial data, drawn as percentages); ``unit`` follows numbers in the readings ("" for
    proportions); ``tau_families``: the families of the prior on τ the page offers (None: only the
    page's); ``scale_range``: (min, max, step) of the view's τ-scale slider (default: a tenth to
    five times the page's scale); ``tau_unit``: τ's unit (default ``unit``; "logit scale" for counts);
    ``names_note``: a caption for a page that names μ and τ otherwise (e.g. ā and σ).
    """

    def view() -> None:
        if names_note:
            st.caption(names_note)
        _view(
            data,
            priors,
            key=key,
            y_label=y_label,
            unit=unit,
            sigma=sigma,
            group_word=group_word,
            tau_families=tuple(tau_families or ()),
            scale_range=scale_range or default_range(priors.tau_scale),
            tau_unit=unit if tau_unit is None else tau_unit,
            seed=seed,
        )

    views.on_demand(LABEL, box_key(key), view, icon=":material/casino:", expanded=expanded)


def default_range(scale: float) -> tuple[float, float, float]:
    """(min, max, step) of the τ-scale slider around a page's ``scale``: a tenth to five times it,
    in steps of a round number near a fortieth of it."""
    scale = float(scale) if scale > 0 and np.isfinite(scale) else 1.0
    step = float(f"{10 ** np.floor(np.log10(scale / 4)):.3g}")
    low = max(step, round(scale / 10 / step) * step)
    high = round(5 * scale / step) * step
    return float(low), float(high), step


@st.fragment
def _view(
    data: GroupedData,
    priors: Priors,
    *,
    key: str,
    y_label: str,
    unit: str,
    sigma: str,
    group_word: str,
    tau_families: tuple[str, ...],
    scale_range: tuple[float, float, float],
    tau_unit: str,
    seed: int,
) -> None:
    st.markdown(prior_checks.EXPLANATION)
    family, scale = _controls(priors, key, tau_families, scale_range, tau_unit)
    try:
        draws = draw_prior_predictive(
            data, priors.with_(tau_family=family, tau_scale=scale), sigma=sigma, seed=seed
        )
    except DataError as err:
        st.info(escape(str(err)), icon=":material/info:")
        return
    observed = observed_summary(data)
    binomial = data.family == "binomial"
    fmt = ".0%" if binomial else None
    intervals = interval_frame(draws, observed)
    observed_rows = pd.DataFrame(
        {"quantity": intervals["quantity"].iloc[2], "group": list(data.groups), "value": observed.group_means}
    )
    common.chart(
        charts.prior_intervals(
            intervals, observed_rows, y_label, x_format=fmt, domain=(0.0, 1.0) if binomial else None
        ),
        f"Bars: where the priors alone put the population mean, one {group_word}'s "
        + ("intercept" if draws.slope is not None else "true mean")
        + ", a simulated "
        f"{observed.label} (with your data's {SHAPE[data.family]})"
        + (" and one simulated observation" if draws.observation is not None else "")
        + f"; diamonds: your {observed.label}s. "
        + escape(prior_checks.range_reading(draws, observed, unit=unit))
        + " "
        + escape(
            prior_checks.surprising_reading(
                prior_checks.surprising_groups(draws, observed, data.groups), group_word
            )
        ),
        key=f"{key}_prior_intervals",
        alt="Where the priors put the group means",
    )
    spreads = draws.spread()
    common.chart(
        charts.prior_spread(
            histogram_frame({charts.SPREAD_DRAWS: spreads}, spread_bins(spreads, observed.spread)),
            observed.spread,
            f"sd of the {observed.label}s across the {len(data.groups)} {plural(group_word)}"
            + (f" ({unit})" if unit else ""),
            x_format=fmt,
        ),
        "How different the priors let the groups be: each prior draw's sd of the simulated "
        f"{observed.label}s (the last bar holds the long tail); dashed: your data's. "
        + escape(prior_checks.spread_reading(draws, observed, unit=unit, group_word=group_word))
        + " "
        + escape(
            prior_checks.tau_reading(draws, scale_name=tau_unit)
            if binomial
            else prior_checks.tau_reading(draws, unit=tau_unit)
        ),
        key=f"{key}_prior_spread",
        alt="The spread between groups that the priors allow",
    )
    if binomial:
        _trap(draws, key, group_word, seed)
    _draws_download(draws, data, key)
    _code(data, priors.with_(tau_family=family, tau_scale=scale), sigma, seed, key)


def _controls(
    priors: Priors,
    key: str,
    families: tuple[str, ...],
    scale_range: tuple[float, float, float],
    tau_unit: str,
) -> tuple[str, float]:
    """The view's prior on τ: a family (where the page offers several) and a scale slider. Both
    start at, and follow, the page's prior; returns the chosen (family, scale)."""
    family_key, scale_key, from_key = f"{key}_pp_family", f"{key}_pp_scale", f"{key}_pp_from"
    proper = [f for f in families if f in TAU_FAMILIES] or [priors.tau_family]
    low, high, step = scale_range
    page = (priors.tau_family, float(priors.tau_scale))

    def page_values() -> None:
        family = priors.tau_family if priors.tau_family in proper else proper[0]
        scale = min(max(float(priors.tau_scale), low), high)
        st.session_state[family_key] = family
        st.session_state[scale_key] = float(round(round(scale / step) * step, 10))  # on the slider's grid
        st.session_state[from_key] = page

    if st.session_state.get(from_key) != page or family_key not in st.session_state:
        page_values()  # first visit, or the page's prior changed: start from it
    if not tau_prior(priors.tau_family).proper:
        st.caption(
            f"This page's prior on τ ({tau_prior(priors.tau_family).math_text(priors.tau_scale)}) is "
            "improper: it implies no data at all. Try a proper one here."
        )
    left, right = st.columns([3, 2]) if len(proper) > 1 else (st.container(), None)
    with left:
        st.slider(
            f"Try a prior scale of τ ({tau_unit})" if tau_unit else "Try a prior scale of τ",
            low,
            high,
            step=step,
            key=scale_key,
            help="Only this check uses it: the fits keep the page's prior.",
        )
    if right is not None:
        right.radio(
            "Family of the prior on τ", proper, format_func=FAMILY_NAMES.get, key=family_key, horizontal=True
        )
    family, scale = str(st.session_state[family_key]), float(st.session_state[scale_key])
    tried = tau_prior(family).math_text(scale)
    if family == page[0] and abs(scale - page[1]) < step / 2:  # the page's scale, snapped to a step
        scale = page[1]  # draw from the page's own prior, not its nearest step
        st.caption(f"τ ~ {tau_prior(family).math_text(scale)}: the prior the fits on this page use.")
    else:
        row = st.container(horizontal=True, vertical_alignment="center")
        row.caption(
            f"τ ~ {tried}, tried here only: the fits use "
            f"{tau_prior(priors.tau_family).math_text(priors.tau_scale)}."
        )
        row.button("Back to the page's prior", key=f"{key}_pp_reset", on_click=page_values, width="content")
    return family, scale


def _trap(draws: PriorDraws, key: str, group_word: str, seed: int) -> None:
    """The classic trap on the logit scale: a wide normal prior puts most probability near 0 and 1."""
    wide = wide_logit_probabilities(draws.n_draws, seed=seed + 1)
    app = draws.group_probabilities
    mine = "this page's priors on μ and τ"
    trap = f"wide: θ_j ~ Normal(0, {WIDE_LOGIT_SD:g})"
    st.markdown(
        "**A trap on the logit scale.** A prior that looks vague on the log-odds scale is not vague about "
        "probabilities: expit squeezes every log-odds beyond ±3 into the last few percent near 0 or 1."
    )
    common.chart(
        charts.probability_histogram(
            histogram_frame({mine: app, trap: wide}, np.linspace(0.0, 1.0, 21)),
            f"implied probability of a {group_word}'s success, expit(θ_j)",
        ),
        "Each histogram: the true success probabilities expit(θ_j) the prior implies, in bins of 5 "
        "percentage points; grey: below 5% and above 95%. "
        + escape(
            prior_checks.trap_reading(extreme_share(app), extreme_share(wide), WIDE_LOGIT_SD, group_word)
        ),
        key=f"{key}_prior_trap",
        alt="Implied probabilities under this page's prior and a wide prior",
    )


def _draws_download(draws: PriorDraws, data: GroupedData, key: str) -> None:
    """A CSV of the prior draws (built only when clicked): one row per draw and group."""

    def csv() -> bytes:
        S, J = draws.theta.shape
        frame = pd.DataFrame(
            {
                "draw": np.repeat(np.arange(S), J),
                "group": np.tile(np.asarray(data.groups, dtype=object), S),
                "mu": np.repeat(draws.mu, J),
                "tau": np.repeat(draws.tau, J),
                "theta": draws.theta.ravel(),
                "simulated_" + observed_summary(data).label.replace(" ", "_"): draws.group_means.ravel(),
            }
        )
        if draws.slope is not None:  # varying slopes: each group's own slope and the pair's population
            frame.insert(5, "slope", draws.slope.ravel())
            frame.insert(4, "rho", np.repeat(draws.rho, J))
            frame.insert(4, "tau_slope", np.repeat(draws.tau_slope, J))
            frame.insert(4, "beta", np.repeat(draws.beta, J))
        return frame.to_csv(index=False).encode("utf-8")

    views.download(
        st,
        ("Prior draws (CSV)", f"{key}-prior-predictive.csv", "text/csv", ":material/table:"),
        csv,
        key=f"{key}_pp_download",
        help="One row per prior draw and group: μ, τ, θ_j (the model's scale: logit for counts) and the "
        "simulated group statistic"
        + (
            "; with varying slopes also β, the slopes' sd, ρ and the group's slope."
            if draws.slope is not None
            else "."
        ),
    )


def _code(data: GroupedData, priors: Priors, sigma: str, seed: int, key: str) -> None:
    """A switch that shows the numpy script making these very draws (built only while it is on; an
    expander cannot sit inside the view's box), with a download button."""
    if not st.toggle("Show the code: these draws in plain numpy", key=f"{key}_pp_code"):
        return
    source = script(data, priors, sigma=sigma, seed=seed)
    st.caption(
        "A standalone script: the same priors, the same seed and so the same draws as this view; it "
        "prints where the priors put μ, τ, θ_j and the simulated data, and the share of draws that spread "
        "the groups further apart than yours."
    )
    views.download(
        st,
        ("Download the script", f"{key}_prior_predictive.py", "text/x-python", ":material/code:"),
        source,
        key=f"{key}_pp_script",
    )
    st.code(source, language="python", line_numbers=True, wrap_lines=True)
