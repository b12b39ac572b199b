"""Explore's exact-engine sections (issue #16): why groups shrink, a τ slider, scores against the truth.

Drawing only: the numbers and the sentences that read them come from :mod:`hbm_core.exact.pooling_curve`,
:mod:`hbm_core.lessons.given_tau` and :mod:`hbm_core.lessons.truth_scores`; the charts from
:mod:`hbm_core.viz.truth` (and the shared shrinkage and τ charts). Each view returns the charts it
drew, by name, for the page's downloads (except the τ slider's section: a fragment of its own). All
of it comes from the exact engine, no MCMC: tens to a few hundred milliseconds, mostly building the
charts (``bench/explore_truth.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from hbm_core import viz
from hbm_core.data.groups import DataError
from hbm_core.exact.pooling_curve import group_pooling_points, pooling_curve
from hbm_core.lessons.checks import tau_prior_density, tau_probability_below
from hbm_core.lessons.given_tau import estimates_at_tau, pooling_reading, tau_reading, tau_slider_range
from hbm_core.lessons.truth_scores import errors_reading, many_data_sets, many_reading, truth_errors
from hbm_core.viz.palette import FIT_LABELS
from ui import common

if TYPE_CHECKING:
    import altair as alt

    from hbm_core.exact.grid import ExactPosterior
    from hbm_core.priors import Priors

#: The slider's key (its value in session state, in outcome units).
TAU_KEY = "tau_given"
#: Simulated data sets of the "many data sets" panel.
MANY_K = 200


def known_se_note(post: ExactPosterior) -> str:
    """'' for an exact posterior; else what it fixes, for a caption (see ``ExactPosterior.approximate``)."""
    return ", each group's standard error taken as known from its data" if post.approximate else ""


def pooling_curve_view(post: ExactPosterior, n: Sequence[int], units: str) -> dict[str, alt.TopLevelMixin]:
    """The pooling factor against the standard error, the groups on it, and what it says."""
    points = group_pooling_points(post, n)
    figure = viz.pooling_curve_chart(
        pooling_curve(post),
        points,
        x_label=f"standard error of a group's sample mean ({units})",
        title="Pooling factor against standard error",
    )
    common.chart(
        figure,
        "The curve is the pooling factor se² / (se² + τ²) averaged over the posterior of τ (exact engine"
        f"{known_se_note(post)}): "
        "how far a group's estimate moves from its own sample mean toward the population mean, as a "
        "function of its standard error se = sd / √n alone. Dots: the groups here. "
        + pooling_reading(points),
        name="Pooling factor against standard error",
    )
    return {"pooling curve": figure}


def _clamped_tau(post: ExactPosterior, top: float, step: float) -> None:
    """Put the slider's value into its range (first visit: the posterior median of τ, on the step)."""
    value = st.session_state.get(TAU_KEY)
    if value is None:
        value = post.tau_quantile(0.5)
    value = min(max(float(value), 0.0), top)
    st.session_state[TAU_KEY] = round(round(value / step) * step, 10)


@st.fragment
def tau_slider_view(
    post: ExactPosterior,
    n: Sequence[int],
    true_means: Sequence[float] | None,
    priors: Priors,
    y_label: str,
    units: str,
) -> None:
    """A τ slider: the estimates given τ (shrinkage arrows) beside the posterior of τ, with a reading.

    A fragment of its own (inside the page's): moving τ redraws this section alone, from the exact
    posterior the page computed, without looking up the fits again. Its charts change with every move
    of τ, so they are not among the page's downloads.
    """
    top, step = tau_slider_range(post)
    _clamped_tau(post, top, step)
    st.slider(
        f"τ, the spread of the true group means ({units})",
        0.0,
        top,
        step=step,
        key=TAU_KEY,
        help="τ = 0: one mean for every group (complete pooling). Large τ: each group on its own (no "
        "pooling). Computed exactly for the τ you choose.",
    )
    tau = float(st.session_state[TAU_KEY])
    at = post.at_tau(tau)
    st.markdown(tau_reading(at, tau, tau_probability_below(post, tau)))
    left, right = st.columns(2)
    with left:
        shrink = viz.shrinkage(
            estimates_at_tau(at, post.at_tau(0.0), n, true_means),
            y_label,
            title=f"Estimates given τ = {tau:g}",
        )
        common.chart(
            shrink,
            "Arrows run from each group's sample mean to its estimate given this τ, E(θ_j | τ, y); the "
            "dashed line is the estimate at τ = 0. Drag τ toward 0 and every arrow reaches the dashed line; "
            "drag it up and the arrows shrink to nothing.",
        )
    with right:
        frame = post.tau_frame(upper_quantile=0.995)
        taus = pd.Series(sorted({*frame["tau"], tau}))
        prior = tau_prior_density(priors, taus.to_numpy())
        posterior_chart = viz.tau_prior_posterior(
            pd.DataFrame({"tau": taus, "density": post.tau_pdf(taus.to_numpy())}),
            None if prior is None else pd.DataFrame({"tau": taus, "density": prior}),
            tau,
            x_label=f"τ ({units})",
            title="What the data say about τ",
        )
        common.chart(
            posterior_chart,
            f"The filled curve is the posterior p(τ | y) from the exact engine{known_se_note(post)}, the "
            "dashed curve the prior; "
            "the dashed line is your τ. The partial-pooling estimates above average the estimates given τ "
            "over this curve.",
        )


def truth_view(
    estimates: pd.DataFrame,
    sizes: Sequence[int],
    means: Sequence[float],
    sds: Sequence[float],
    priors: Priors,
    sigma: str,
    seed: int,
    units: str,
) -> dict[str, alt.TopLevelMixin]:
    """Errors against the true means on this data set, then the same over many simulated data sets."""
    charts: dict[str, alt.TopLevelMixin] = {}
    errors = truth_errors(estimates)
    source = "MCMC fits" if (estimates["source"] != "exact").any() else "exact calculation"
    figure = viz.truth_errors_chart(
        errors, x_label=f"estimate − true mean ({units})", title="Errors on this data set"
    )
    common.chart(
        figure,
        f"Each point is a method's estimate minus the group's true mean (the {source} above); the dashed "
        "line at 0 is the truth. " + errors_reading(errors, FIT_LABELS),
        name="Errors against the truth",
    )
    charts["errors"] = figure
    try:
        result = many_data_sets(sizes, means, sds, priors, sigma=sigma, k=MANY_K, seed=seed)
    except DataError as err:
        st.info(f"No simulated data sets for these settings: {err}.", icon=":material/info:")
        return charts
    st.markdown(f"**{MANY_K} data sets from the same settings**")
    st.markdown(" ".join(many_reading(result, FIT_LABELS)))
    left, right = st.columns(2)
    with left:
        scatter = viz.many_totals_chart(
            result.totals, units=f"{units}²", title="Total squared error, data set by data set"
        )
        common.chart(
            scatter,
            "One point per simulated data set. Below the dashed diagonal, partial pooling's estimates were "
            "closer to the true means in total than the sample means were.",
            name="Many data sets: total squared error",
        )
    with right:
        risk = viz.group_risk_chart(
            result.per_group, units=f"{units}²", title="Average squared error, group by group"
        )
        common.chart(
            risk,
            "Each method's squared error for each group, averaged over the data sets. Pooling trades a "
            "little bias for less noise: it helps most groups, and costs a group whose true mean is far "
            "from the others'.",
            name="Many data sets: error by group",
        )
    st.caption(
        f"Simulated with the groups' sizes, true means and sds set above (seed {seed}, its own stream). "
        "Partial pooling: exact posterior means with plug-in standard errors, as in the preview; complete "
        "pooling: the app's estimate; no pooling: the sample means."
    )
    charts["many data sets"] = scatter
    charts["error by group"] = risk
    return charts
