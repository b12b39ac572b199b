"""Radon in Minnesota homes (Gelman & Hill ch. 12): county intercepts three ways, a county up close,
predictions for a new house, and Gelman & Hill's published numbers beside the app's.

Settings live in ``st.session_state`` under ``radon_*`` keys (tests may preset them before the first
run, e.g. fewer draws). A link can name the county and floor: ``/radon?county=AITKIN&floor=first``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from hbm_core import viz
from hbm_core.data.datasets import DATASETS, load_dataset
from hbm_core.inference.settings import POOLINGS
from hbm_core.lessons.radon import county_table, predictions, size_reading
from hbm_core.lessons.radon_uranium import URANIUM_FIT, URANIUM_LABEL
from hbm_core.lessons.real_data import (
    RADON_URANIUM_PUBLISHED,
    compare_published,
    county_detail,
    county_sizes,
    county_subset,
    radon_published,
)
from hbm_core.lessons.shrinkage_reading import shrinkage_reading
from hbm_core.posterior.predict import EPA_ACTION_LEVEL, PredictionError, predictive_moments
from hbm_core.priors import default_priors
from hbm_core.viz.palette import FIT_LABELS
from hbm_core.viz.real_data import with_population_mean
from ui import common, controls, fitting, radon_state, radon_uranium, views
from ui.glossary_links import define
from ui.predictive_accuracy import predictive_accuracy_section
from ui.prior_check import prior_check
from ui.radon_state import FLOORS
from ui.results import require_fits, shared_fits_section

common.start_page()  # a deep link on a fresh server must still run inside app.py

Y_LABEL = "log radon (log pCi/L)"
INTERCEPT_LABEL = "county intercept: log radon in a basement (log pCi/L)"
SUBSET = 8  # the forest shows the chosen county, the SUBSET smallest and the SUBSET largest

data = load_dataset("radon")
# Compile in the background while the page draws (once per server): the graph with county uranium
# (section 4), which with u = 0 also fits the page's three models, so a fresh server compiles once.
fitting.warm_up(data, group_predictor=True)
info = DATASETS["radon"]
sizes = county_sizes(data)
counties = list(data.groups)

# ---------------------------------------------------------------------------------------------
# State: defaults, or the county / floor named in the link on the first run

notes = radon_state.ensure_state(counties)

with st.sidebar:
    st.header("County")
    st.selectbox(
        "County",
        counties,
        key="radon_county",
        format_func=lambda c: f"{c}  (n = {sizes[c]})",
        help="Pick a county to see its three estimates and a prediction for a new house there. "
        "n is the number of houses measured in the county.",
    )
    settings = controls.sampler_controls(
        "radon_",
        seed_help="Random seed of the sampler and of the predictions: same seed, same numbers.",
        note="Defaults: 4 chains × 1000 draws after 500 tuning steps keep every R-hat below 1.01 for all "
        "85 counties; with 500 draws the largest of the 85 R-hats often lands just above it.",
    )

county = st.session_state["radon_county"]
radon_state.write_query_params()

# Weakly informative priors scaled to the data (rounded, so the page can print them).
_auto = default_priors(data.y, data.family)
priors = _auto.with_(tau_scale=round(_auto.tau_scale, 1), sigma_scale=round(_auto.sigma_scale, 1))

# ---------------------------------------------------------------------------------------------
# Introduction and fits

st.title("Radon in Minnesota homes: 85 counties")
for note in notes:
    st.warning(note, icon="🔧")
st.markdown(
    f"The EPA measured radon, a radioactive gas that causes lung cancer, in **{data.n_obs} houses** "
    f"in **{data.n_groups} Minnesota counties**; some counties have one or two houses, ST LOUIS has 116. "
    "Radon comes from the ground, so basements read higher than first floors. Following Gelman & Hill, "
    "every model is a regression of log radon on the floor of the measurement, with one **intercept "
    "per county** (the county's log radon in a basement) and one common floor slope β:"
)
st.latex(
    r"y_i = \alpha_{\text{county}[i]} + \beta\,\text{floor}_i + \varepsilon_i,"
    r"\qquad \varepsilon_i \sim N(0, \sigma_y)"
)
st.markdown(
    f"**{FIT_LABELS['pooled']}** uses one α for the whole state, **{FIT_LABELS['unpooled']}** "
    f"estimates each county's α from its own houses, and **{FIT_LABELS['hierarchical']}** draws the "
    "county intercepts from a common distribution, α_j ~ N(μ_α, σ_α), and learns μ_α and σ_α from all "
    "85 counties."
)
st.caption(f"Data: {info.source} Priors: {priors.describe()}, β ~ Normal(0, {priors.beta_scale:g}).")

outcome = fitting.run_fits(data, priors, settings, label=f"Fitting the three models to {data.n_obs} houses")
results = outcome.results
require_fits(outcome, POOLINGS)
# Section 4's model with county uranium: asked for now, after the page's own fits, and awaited there.
uranium_request = radon_uranium.request(data, priors, settings)

estimates = common.estimates_frame(outcome, None)
pop = results["hierarchical"].population.set_index("parameter")["mean"]

# ---------------------------------------------------------------------------------------------
# 1 Shrinkage against county size

st.header("1 · Shrinkage against county size")
mu_alpha = float(pop["mu"])
pooled_line = float(estimates.loc[estimates["fit"] == "pooled", "mean"].iloc[0])
common.chart(
    with_population_mean(
        viz.shrinkage(
            estimates,
            INTERCEPT_LABEL,
            style="by_n",
            group_label="county",
            title="County intercepts against the number of houses measured",
        ),
        float(pop["mu"]),
        INTERCEPT_LABEL,
    ),
    "Each blue dot is a county's own (no-pooling) estimate, each vermillion arrowhead its partial-pooling "
    "estimate. The arrows head for the dotted vermillion line, the population mean of the county intercepts "
    f"μ_α = {pop['mu']:.2f} (the average county); the grey dashed line is complete pooling, "
    f"{pooled_line:.2f} (the average house, which the big counties dominate). Hover a mark for the "
    f"county's name. {shrinkage_reading(estimates, unit='log pCi/L', group_word='county', center=mu_alpha)} "
    f"{size_reading(estimates)}",
    name="Shrinkage by county size",
)

# ---------------------------------------------------------------------------------------------
# 2 One county up close

st.header(f"2 · One county up close: {county}", help=define("hdi"))
detail = county_detail(results, county).set_index("fit")
nopool = detail.loc[FIT_LABELS["unpooled"]]
partial = detail.loc[FIT_LABELS["hierarchical"]]
moved = (nopool["posterior mean"] - partial["posterior mean"]) / (nopool["posterior mean"] - pop["mu"])
pooled_mean = detail.loc[FIT_LABELS["pooled"], "posterior mean"]
# (label, value, note below it, help): the note is plain text, not a change (no colour, no arrow)
metrics = (
    ("Houses measured", f"{int(nopool['n'])}", None, None),
    (
        FIT_LABELS["unpooled"],
        f"{nopool['posterior mean']:.3f}",
        f"Gelman & Hill: {nopool['Gelman & Hill']:.3f}",
        "This app: posterior mean of the county's intercept estimated from its own houses only. "
        "Gelman & Hill: their least-squares intercept (lm with county indicators and a common floor slope).",
    ),
    (
        FIT_LABELS["hierarchical"],
        f"{partial['posterior mean']:.3f}",
        f"{100 * moved:.0f}% of the way to μ_α" if np.isfinite(moved) else None,
        "Posterior mean of the county's intercept under partial pooling, and how far it moved from the "
        "no-pooling estimate toward the state-wide mean μ_α.",
    ),
    (
        FIT_LABELS["pooled"],
        f"{pooled_mean:.3f}",
        "Gelman & Hill: 1.327",
        "One intercept for the whole state, the same for every county.",
    ),
)
for col, (label, value, note, help_text) in zip(st.columns(4), metrics, strict=True):
    col.metric(label, value, delta=note, delta_color="off", delta_arrow="off", help=help_text)

left, right = st.columns([3, 2], gap="large")
with left:
    compact = detail.reset_index()
    compact["94% HDI"] = [
        f"{lo:.2f} – {hi:.2f}" for lo, hi in zip(compact["94% HDI low"], compact["94% HDI high"], strict=True)
    ]
    compact["Gelman & Hill"] = [f"{v:.3f}" if np.isfinite(v) else "—" for v in compact["Gelman & Hill"]]
    common.table(
        compact[["fit", "posterior mean", "sd", "94% HDI", "Gelman & Hill"]],
        config={c: st.column_config.NumberColumn(format="%.3f") for c in ("posterior mean", "sd")},
    )
    st.caption(
        "Intercepts: log radon in a basement (log pCi/L). Gelman & Hill print no per-county partial-pooling "
        "value (their lmer fit is summarised by μ_α and σ_α, see section 5)."
    )
with right:
    direction = "down" if nopool["posterior mean"] > pop["mu"] else "up"
    houses = f"{int(nopool['n'])} house{'s' if nopool['n'] != 1 else ''}"
    if np.isfinite(moved) and moved < 0.2:
        verdict = (
            f"Partial pooling barely moves it ({partial['posterior mean']:.2f} ± {partial['sd']:.2f}): "
            f"{houses} pin the county down, so it needs little from the others."
        )
    else:
        verdict = (
            f"Partial pooling moves it {direction} to **{partial['posterior mean']:.2f} ± "
            f"{partial['sd']:.2f}**, {100 * moved:.0f}% of the way to the state-wide mean μ_α = "
            f"{pop['mu']:.2f}, with a narrower interval: the county borrows strength from the other 84."
        )
    st.markdown(
        f"With **{houses}**, {county}'s own estimate is {nopool['posterior mean']:.2f} ± "
        f"{nopool['sd']:.2f} (Gelman & Hill: {nopool['Gelman & Hill']:.2f}). {verdict}"
    )

subset = county_subset(sizes, county, k=SUBSET)
sub = estimates[estimates["group"].isin(subset)].copy()
sub["group"] = pd.Categorical(sub["group"], categories=subset, ordered=True)
sub = sub.sort_values(["group", "fit"]).assign(group=lambda d: d["group"].astype(str))
common.chart(
    viz.forest(
        sub,
        INTERCEPT_LABEL,
        group_label="county",
        title=f"{county} (top), then the {SUBSET} smallest and the {SUBSET} largest counties",
    ),
    "Posterior means with 94% intervals. For small counties the no-pooling interval (blue) is wide and the "
    "partial-pooling one (vermillion) is narrower and nearer the state mean; for large counties the two "
    "agree. Complete pooling (grey square) gives every county the same, overconfident, estimate.",
    name="Forest plot",
)

# ---------------------------------------------------------------------------------------------
# 3 Predictions

st.header("3 · Predicting radon in a new house")
st.radio(
    "Where in the house is the new measurement?",
    list(FLOORS),
    key="radon_floor",
    horizontal=True,
    help="Basement measurements read higher: the floor slope β is about −0.7 on the log scale, i.e. a "
    "first-floor reading is about half a basement reading.",
)
floor_name = st.session_state["radon_floor"]
x = FLOORS[floor_name]
try:
    pred, rows = predictions(results, county, x, settings.seed)
    here = predictive_moments(results["hierarchical"].idata, county, x=x)
    new = {fit: predictive_moments(results[fit].idata, None, x=x) for fit in ("pooled", "hierarchical")}
except (PredictionError, KeyError) as err:
    st.error(f"The prediction could not be made: {err}")
    st.stop()
lo, hi = np.quantile(pred["value"], [0.002, 0.998])
domain = (float(min(lo, np.log(EPA_ACTION_LEVEL)) - 0.1), float(hi) + 0.1)
marker = {"marker": float(np.log(EPA_ACTION_LEVEL)), "marker_label": "4 pCi/L: EPA action level"}
common.chart(
    viz.predictive_density(
        pred[pred["where"] == county],
        Y_LABEL,
        domain=domain,
        title=f"A new house in {county}",
        subtitle=f"{floor_name} measurement",
        height=230,
        **marker,
    ),
    f"Each curve is the radon level we would expect in one more house in {county}. No pooling trusts "
    "the county's own houses; partial pooling is pulled toward the state. Most of the spread is "
    f"house-to-house: under partial pooling the county's level is uncertain by ±{here.sd_location:.2f}, "
    f"one house varies by ±{here.sd_noise:.2f} (log pCi/L).",
    name=f"New house in {county}",
)
common.chart(
    viz.predictive_density(
        pred[pred["where"] == "a new county"],
        Y_LABEL,
        domain=domain,
        title="A new house in a new county",
        subtitle=f"{floor_name} measurement, a county with no data yet",
        height=230,
        **marker,
    ),
    "Partial pooling draws the new county's intercept from N(μ_α, σ_α), then the house from "
    f"N(α + β·floor, σ_y): sd {new['hierarchical'].sd:.2f}. Complete pooling has a similar spread "
    f"({new['pooled'].sd:.2f}) because its one σ_y soaks up the differences between counties, but it is "
    f"centred on the average house ({new['pooled'].mean:.2f}), which big low-radon counties dominate, "
    f"not on the average county ({new['hierarchical'].mean:.2f}). No pooling says nothing about a county "
    "it has not seen.",
    name="New house in a new county",
)
common.table(
    rows,
    config={
        "median pCi/L": st.column_config.NumberColumn(format="%.2f"),
        "mean pCi/L": st.column_config.NumberColumn(format="%.2f"),
        "P(> 4 pCi/L)": st.column_config.NumberColumn(
            format="%.2f", help="Chance that the new house is above the EPA's action level of 4 pCi/L."
        ),
        "mean log pCi/L": st.column_config.NumberColumn(format="%.3f"),
        "sd log pCi/L": st.column_config.NumberColumn(format="%.3f"),
    },
)
st.caption(
    "pCi/L = picocuries per litre; the models work on log pCi/L, so medians and intervals convert back with "
    "exp(·) and the mean in pCi/L is the mean of exp(draws). P(> 4 pCi/L): the chance that the new house "
    "exceeds the EPA's action level."
)

# ---------------------------------------------------------------------------------------------
# 4 County uranium, a group-level predictor

uranium = radon_uranium.section(4, uranium_request, results, data, priors, settings)
with_uranium = radon_uranium.download_results(results, uranium)

# ---------------------------------------------------------------------------------------------
# 5 Published numbers

st.header("5 · Gelman & Hill vs this app")
published = radon_published(county) + (RADON_URANIUM_PUBLISHED if uranium is not None else ())
comparison = compare_published(with_uranium, published)
views.published_table(comparison, ["published sd", "source"], height=35 * (len(comparison) + 1) + 3)
st.caption(
    "Published: Gelman & Hill (2007), ch. 12 (12.6 for the model with uranium). They fit these models by "
    "least squares (lm) and restricted maximum likelihood (lmer); this "
    "app samples the posterior under weak priors, so its posterior means should agree to about ±0.02 "
    "(Monte Carlo error and rounding of the printed numbers). log radon uses their transform: log(pCi/L), "
    "with 0.1 pCi/L for readings of zero."
)
prior_check(data, priors, key="radon", y_label=Y_LABEL, unit="log pCi/L", group_word="county")

# ---------------------------------------------------------------------------------------------
# 6 Diagnostics

shared_fits_section(outcome, settings, 6)

with st.expander("All 85 counties as a table"):
    common.table(county_table(estimates, sizes), {FIT_LABELS[f]: "%.3f" for f in POOLINGS})

predictive_accuracy_section(results, data, key="radon", row_word="house", group_word="county", stem="radon")

st.header("7 · Take it with you")
views.take_it_with_you(
    with_uranium,
    radon_uranium.download_estimates(estimates, uranium),
    common.charts_on_page(),
    data,
    priors,
    settings,
    stem="radon",
    labels={URANIUM_FIT: URANIUM_LABEL},
)
