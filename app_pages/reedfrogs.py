"""Reed frogs (Statistical Rethinking ch. 13): tadpole survival in 48 tanks, no pooling vs partial
pooling, shrinkage by tank size; McElreath's published a_bar and sigma beside the app's.

Settings live in ``st.session_state`` under ``frogs_*`` keys (tests may preset them before the first
run, e.g. fewer draws).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from scipy.special import expit

from hbm_core import viz
from hbm_core.data.datasets import DATASETS, load_dataset
from hbm_core.lessons.real_data import (
    REEDFROGS_PRIORS,
    REEDFROGS_PUBLISHED,
    compare_published,
    density_reading,
    density_summary,
    full_survival_reading,
    population_survival,
    sigma_reading,
    tank_frame,
)
from hbm_core.lessons.shrinkage_reading import shrinkage_reading
from hbm_core.posterior.predict import PredictionError, location_draws
from hbm_core.viz.palette import FIT_LABELS
from ui import common, controls, fitting, views
from ui.glossary_links import define
from ui.predictive_accuracy import predictive_accuracy_section
from ui.prior_check import prior_check
from ui.results import require_fits, shared_fits_section

common.start_page()  # a deep link on a fresh server must still run inside app.py

NOPOOL_MODEL = f"{FIT_LABELS['unpooled']} (model m13.1)"
DEFAULTS = {
    "frogs_mu_scale": REEDFROGS_PRIORS.mu_scale,
    "frogs_tau_scale": REEDFROGS_PRIORS.tau_scale,
    "frogs_seed": 1,
    "frogs_draws": 1000,
    "frogs_tune": 500,
    "frogs_chains": 4,
}

data = load_dataset("reedfrogs")
fitting.warm_up(data, tau_family=REEDFROGS_PRIORS.tau_family)  # compile in the background (once per server)
info = DATASETS["reedfrogs"]

controls.init_state(DEFAULTS, across_pages=True)


def _mcelreath_priors() -> None:
    st.session_state["frogs_mu_scale"] = REEDFROGS_PRIORS.mu_scale
    st.session_state["frogs_tau_scale"] = REEDFROGS_PRIORS.tau_scale


with st.sidebar:
    st.header("Priors (logit scale)")
    st.slider(
        "Prior sd of ā (population mean)",
        0.5,
        5.0,
        step=0.25,
        key="frogs_mu_scale",
        help="ā ~ Normal(0, this): where the average tank's log-odds of survival may lie. McElreath: 1.5.",
    )
    st.slider(
        "Prior mean of σ (between-tank sd)",
        0.25,
        5.0,
        step=0.25,
        key="frogs_tau_scale",
        help="σ ~ Exponential with this mean: how different tanks may be a priori. McElreath: 1 (rate 1).",
    )
    st.button("McElreath's priors", on_click=_mcelreath_priors, icon="↩️", width="stretch")
    settings = controls.sampler_controls("frogs_")

priors = REEDFROGS_PRIORS.with_(
    mu_scale=float(st.session_state["frogs_mu_scale"]), tau_scale=float(st.session_state["frogs_tau_scale"])
)
mcelreath = priors == REEDFROGS_PRIORS

# ---------------------------------------------------------------------------------------------
# Introduction and fits

st.title("Reed frogs: tadpole survival in 48 tanks")
st.markdown(
    "Vonesh & Bolker raised reed-frog tadpoles in **48 tanks** holding **10, 25 or 35 tadpoles** "
    "(with or without predators) and counted the survivors. How likely is a tadpole to survive in each "
    "tank? Each tank's survival probability p is modelled on the log-odds scale:"
)
st.latex(
    r"\begin{gathered}\text{survivors}_j \sim \text{Binomial}(n_j, p_j),\qquad "
    r"\operatorname{logit} p_j = a_j,\qquad a_j \sim N(\bar a, \sigma)\\ "
    + rf"\bar a \sim N(0, {priors.mu_scale:g}),\qquad "
    + rf"\sigma \sim \text{{Exponential}}({1 / priors.tau_scale:.3g})"
    + r"\end{gathered}"
)
st.markdown(
    f"This is **{FIT_LABELS['hierarchical']}** (McElreath's model m13.2). **{FIT_LABELS['unpooled']}** "
    f"estimates each tank from its own tadpoles only: its observed share of survivors (the model m13.1 "
    f"adds a weak prior a_j ~ N(0, {priors.mu_scale:g}) per tank). **{FIT_LABELS['pooled']}** gives all "
    "tanks one survival probability."
)
st.caption(f"Data: {info.source}")

outcome = fitting.run_fits(data, priors, settings, label="Fitting the three models to 48 tanks")
results = outcome.results
require_fits(outcome, ("hierarchical",))

tanks = tank_frame(results, data).sort_values(["density", "tank"], kind="stable")
hier = results["hierarchical"]
median = population_survival(hier)
pop = hier.population.set_index("parameter")
estimates = common.estimates_frame(outcome, None)

# ---------------------------------------------------------------------------------------------
# 1 The tanks

st.header("1 · Every tank, two ways")
cols = st.columns(4)
cols[0].metric(
    "Median tank survival",
    f"{median['mean']:.0%}",
    help=define(
        "hdi",
        lead=f"expit(ā) under partial pooling; 94% interval {median['low']:.0%} – {median['high']:.0%}.",
    ),
)
if "pooled" in results:
    cols[1].metric(
        FIT_LABELS["pooled"],
        f"{expit(results['pooled'].population.set_index('parameter').loc['mu', 'mean']):.0%}",
        help="One survival probability for all tadpoles (about the overall share of survivors).",
    )
cols[2].metric("ā (logit)", f"{pop.loc['mu', 'mean']:.2f} ± {pop.loc['mu', 'sd']:.2f}")
cols[3].metric("σ (logit)", f"{pop.loc['tau', 'mean']:.2f} ± {pop.loc['tau', 'sd']:.2f}")
reading = shrinkage_reading(
    estimates, group_word="tank", own="raw", center=median["mean"], center_label="the population median"
)
common.chart(
    viz.tank_survival(tanks, median["mean"], groups={d: f"{d} tadpoles" for d in (10, 25, 35)}),
    "Blue: each tank on its own, the share of its tadpoles that survived. Vermillion: partial pooling, "
    "pointing the way each tank moved, toward the population median (vermillion dotted line). Hover a tank "
    f"for all three fits. {reading} "
    f"{full_survival_reading(tanks)}",
    name="Tank survival",
)

# ---------------------------------------------------------------------------------------------
# 2 Shrinkage by tank size

st.header("2 · Shrinkage by tank size")
summary = density_summary(tanks)
common.chart(
    viz.density_shrinkage(summary),
    "The average distance, in percentage points of survival, between a tank's observed proportion (no "
    f"pooling) and its partial-pooling estimate. {density_reading(summary)}",
    name="Shrinkage by tank size",
)
common.table(
    summary.drop(columns=["density"]).rename(
        columns={
            "mean_shift": "mean |shift|",
            "max_shift": "largest |shift|",
            "pooling": "mean pooling factor",
        }
    ),
    config={
        "mean |shift|": st.column_config.NumberColumn(format="%.1f pp"),
        "largest |shift|": st.column_config.NumberColumn(format="%.1f pp"),
        "mean pooling factor": st.column_config.NumberColumn(
            format="%.2f",
            help=define(
                "pooling_factor", lead="0 = the tank keeps its own estimate, 1 = pulled all the way to ā."
            ),
        ),
    },
)
st.caption(
    "|shift| = |partial pooling − observed proportion| in percentage points (pp) of survival. Pooling "
    "factor: 0 = the tank keeps its own estimate, 1 = pulled all the way to the population median."
)

# ---------------------------------------------------------------------------------------------
# 3 Published numbers and the population of tanks

st.header("3 · Statistical Rethinking vs this app")
comparison = compare_published(results, REEDFROGS_PUBLISHED)
views.published_table(comparison, ["model", "source"], number_format="%.2f")
if mcelreath:
    st.caption(
        "Published: McElreath, Statistical Rethinking (2nd ed., 2020), precis(m13.2), posterior mean and sd. "
        "The app fits the same model with the same priors, so it should agree to about ±0.03 (Monte Carlo "
        "error)."
    )
else:
    st.warning(
        "You changed the priors: the published numbers are for McElreath's priors "
        "(ā ~ N(0, 1.5), σ ~ Exponential(1)). Press **McElreath's priors** in the sidebar to compare.",
        icon="ℹ️",
    )

st.header("4 · How different are the tanks?")
left, right = st.columns([3, 2], gap="large")
try:
    new_tank = expit(location_draws(hier.idata, None, seed=settings.seed))
except PredictionError as err:
    st.error(f"Could not simulate new tanks: {err}")
else:
    with left:
        common.chart(
            viz.predictive_density(
                pd.DataFrame({"value": new_tank, "fit": "hierarchical"}),
                "survival probability in a new tank",
                domain=(0.0, 1.0),
                bounds=(0.0, 1.0),
                x_format=".0%",
                title="Survival in a new tank",
            ),
            "Partial pooling's population of tanks: draw a_new ~ N(ā, σ), then p = expit(a_new).",
            name="Survival in a new tank",
        )
    with right:
        q = np.quantile(new_tank, [0.1, 0.5, 0.9])
        st.markdown(
            f"{sigma_reading(float(pop.loc['tau', 'mean']), tanks)} A typical new tank keeps about "
            f"**{q[1]:.0%}** of its tadpoles, but one tank in ten keeps fewer than **{q[0]:.0%}** and one "
            f"in ten more than **{q[2]:.0%}**."
        )
        st.markdown(
            "A large σ (tanks that really differ: predators, density, tadpole size) lets each tank keep much "
            "of its own estimate; a small σ would pull every tank close to the median."
        )
prior_check(
    data,
    priors,
    key="frogs",
    y_label="survival probability",
    tau_unit="logit scale",
    group_word="tank",
    scale_range=(0.25, 5.0, 0.25),
    names_note="Below, μ is this page's ā (the average tank's log-odds) and τ its σ (the between-tank sd).",
)

# ---------------------------------------------------------------------------------------------
# 5 Diagnostics

shared_fits_section(outcome, settings, 5)

with st.expander("All 48 tanks as a table"):
    common.table(
        tanks.rename(
            columns={
                "observed": "observed share",
                "pooled": FIT_LABELS["pooled"],
                "unpooled": NOPOOL_MODEL,
                "hierarchical": FIT_LABELS["hierarchical"],
                "shift": "partial − observed",
                "pooling": "pooling factor",
            }
        ),
        config={
            c: st.column_config.NumberColumn(format="%.3f")
            for c in (
                "observed share",
                FIT_LABELS["pooled"],
                NOPOOL_MODEL,
                FIT_LABELS["hierarchical"],
                "partial − observed",
                "pooling factor",
            )
        },
    )

predictive_accuracy_section(results, data, key="frogs", row_word="tank", group_word="tank", stem="reedfrogs")

st.header("6 · Take it with you")
views.take_it_with_you(
    results,
    estimates,
    common.charts_on_page(),
    data,
    priors,
    settings,
    stem="reedfrogs",
)
