"""Eight schools (BDA3 chapter 5): a τ slider drives the exact posterior; MCMC and BDA3 beside it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from hbm_core import viz
from hbm_core.data.datasets import DATASETS, load_dataset
from hbm_core.data.groups import DataError
from hbm_core.exact.grid import ExactPosterior, exact_from_data
from hbm_core.exact.preview import preview
from hbm_core.lessons import checks
from hbm_core.lessons.eight_schools import (
    PRIOR_NAMES,
    complete_pooling_text,
    data_table,
    describe,
    exact_vs_mcmc_table,
    forest_reading,
    pooling_range_text,
    priors_for,
    sensitivity_priors,
    sensitivity_reading,
    sensitivity_summary,
    shrinkage_at_tau,
    tau_posterior_reading,
    tau_reading,
    uncertainty_reading,
    with_students,
)
from hbm_core.viz.palette import FIT_LABELS
from ui import common, controls, fitting, results, views
from ui.glossary_links import define
from ui.predictive_accuracy import predictive_accuracy_section
from ui.prior_check import prior_check

INFO = DATASETS["eight_schools"]
Y_LABEL = "coaching effect (SAT points)"
TAU_LABEL = "τ, sd of the true effects (SAT points)"
TAU_MAX = 30.0
DEFAULTS = {
    "es_tau": 10.0,
    "es_prior": "half_cauchy",
    "es_prior_scale": 25,
    "es_draws": 1000,
    "es_chains": 4,
    "es_seed": 1,
}
common.start_page()

# Widget values live in session_state; a copy under "_keep_*" survives visits to other pages.
controls.init_state(DEFAULTS, across_pages=True)


@st.cache_resource(show_spinner=False)
def exact_for(family: str, scale: float) -> ExactPosterior:
    """The exact posterior under one prior (immutable, so shared by all sessions)."""
    return exact_from_data(load_dataset("eight_schools"), priors_for(family, scale))


@st.cache_data(show_spinner=False)
def curves_for(family: str, scale: float) -> pd.DataFrame:
    return checks.conditional_curves(exact_for(family, scale), np.linspace(0.0, TAU_MAX, 121))


@st.cache_data(show_spinner=False)
def sensitivity_for(family: str, scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = load_dataset("eight_schools")
    priors = sensitivity_priors(family, scale)
    return checks.prior_sensitivity(data.y, data.se, data.groups, priors, np.linspace(0.0, TAU_MAX, 241))


# ---------------------------------------------------------------------------------------------
# Sidebar: the prior on tau and the sampler

with st.sidebar:
    st.header("Prior on τ")
    common.radio(
        "Family",
        PRIOR_NAMES,
        "es_prior",
        help="How plausible each spread τ of the true effects is before seeing the data. BDA3 uses a "
        "flat prior, which is improper: only the exact engine can use it.",
    )
    flat = st.session_state["es_prior"] == "flat"
    st.slider(
        "Scale (SAT points)",
        1,
        50,
        step=1,
        key="es_prior_scale",
        disabled=flat,
        help="Half-normal and half-Cauchy: the prior's scale; uniform: the largest τ allowed.",
    )
    family = str(st.session_state["es_prior"])
    scale = 0.0 if flat else float(st.session_state["es_prior_scale"])
    st.caption(f"Prior: {describe(family, scale)}.")
    settings = controls.sampler_controls(
        "es_", seed_help="The sampler's random seed: the same seed gives the same draws.", tune=1000
    )

# ---------------------------------------------------------------------------------------------
# The data

st.title("Eight schools: coaching for the SAT")
st.markdown(
    "Eight high schools each ran an experiment on a coaching programme for the SAT and reported the "
    "estimated effect **y_j** with its standard error **σ_j** (BDA3 section 5.5). The hierarchical model "
    "says each school has its own true effect θ_j, drawn from a population with mean μ and spread τ: "
    "y_j ~ Normal(θ_j, σ_j), θ_j ~ Normal(μ, τ). Given τ everything else is a normal calculation, so this "
    "page computes the posterior **exactly** (in milliseconds) and checks it against MCMC and against "
    "the numbers printed in the book.",
    help=define("tau"),
)
common.source_and_notice(INFO)

data = load_dataset("eight_schools")
try:
    priors = priors_for(family, scale)
    post = exact_for(family, scale)
    flat_post = exact_for("flat", 0.0)
except (DataError, ValueError) as err:
    st.error(f"This prior cannot be used: {err}")
    st.stop()

st.header("1 · The data")
left, right = st.columns([3, 2])
with left:
    sat_points = st.column_config.NumberColumn(format="%.0f", help="SAT points")
    common.table(
        data_table(data),
        config={
            "estimated effect y_j": sat_points,
            "standard error σ_j": sat_points,
            "students": st.column_config.NumberColumn(help="Coached plus uncoached students."),
        },
    )
with right:
    st.markdown(
        "School A's coaching seemed to add **28 points**, school C's to *lose* 3, but every standard error "
        "is 9 to 18 points: most of the spread between the y_j could be noise. How far should each "
        "school's estimate be pulled toward the others? That depends on **τ**, the spread of the *true* "
        "effects, which the data only loosely pin down."
    )

# ---------------------------------------------------------------------------------------------
# Conditional on tau: the slider drives everything

st.header("2 · Fix τ, and everything else follows")
st.slider(
    "τ: how much the schools' true effects differ (SAT points)",
    0.0,
    TAU_MAX,
    step=0.5,
    key="es_tau",
    help="τ = 0: all schools share one effect (complete pooling). Large τ: each school stands alone.",
)
tau_now = float(st.session_state["es_tau"])
at_table = post.at_tau(tau_now)
at = at_table.set_index("group")
pooled_here = float(post.at_tau(0.0)["mean"].iloc[0])
pooled_flat = float(flat_post.at_tau(0.0)["mean"].iloc[0])
prob_below = checks.tau_probability_below(post, tau_now)
st.markdown(
    f"At τ = **{tau_now:g}**, school A's estimate is **{at.loc['A', 'mean']:.1f}** points (its own "
    f"estimate {at.loc['A', 'y']:g}); {complete_pooling_text(pooled_here, pooled_flat, family)}. "
    f"{pooling_range_text(at_table)} Given the data, P(τ ≤ {tau_now:g} | y) = **{prob_below:.2f}** under "
    f"the {PRIOR_NAMES[family]} prior."
)
curves = curves_for(family, scale)
# One chart per statistic (BDA3 Figs. 5.6 and 5.7): its y axis, title, download name and caption.
GIVEN_TAU = {
    "mean": (
        "E(θ_j | τ, y), SAT points",
        "Estimated effects given τ (BDA3 Fig. 5.6)",
        "Estimates given tau (BDA3 Fig. 5.6)",
        f"At τ = 0 every school gets the complete-pooling {pooled_here:.1f} (your prior on μ); as τ grows "
        "the lines fan out toward each school's own y_j. The dashed line is your τ: read each school's "
        "estimate where it crosses the lines.",
    ),
    "sd": (
        "sd(θ_j | τ, y), SAT points",
        "Uncertainty given τ (BDA3 Fig. 5.7)",
        "Uncertainty given tau (BDA3 Fig. 5.7)",
        "Larger τ means less borrowing, so every school's uncertainty grows toward its own σ_j. "
        + uncertainty_reading(at_table),
    ),
}
for column, (stat, (y_label, title, name, caption)) in zip(st.columns(2), GIVEN_TAU.items(), strict=True):
    with column:
        figure = viz.tau_curves(curves, stat, tau_now, y_label, x_label=TAU_LABEL, title=title, height=340)
        common.chart(figure, caption, name=name)
c3, c4 = st.columns(2)
with c3:
    taus = np.linspace(0.0, TAU_MAX, 241)
    prior_density = checks.tau_prior_density(priors, taus)
    common.chart(
        viz.tau_prior_posterior(
            pd.DataFrame({"tau": taus, "density": post.tau_pdf(taus)}),
            None if prior_density is None else pd.DataFrame({"tau": taus, "density": prior_density}),
            tau_now,
            x_label=TAU_LABEL,
            title="p(τ | y) and the prior (BDA3 Fig. 5.5)",
        ),
        f"The filled curve is p(τ | y); the dashed curve the prior. {tau_posterior_reading(post)}"
        + (" (The flat prior is improper, so it has no curve to draw.)" if prior_density is None else ""),
        name="Posterior of tau (BDA3 Fig. 5.5)",
    )
with c4:
    st.markdown(f"**Shrinkage at τ = {tau_now:g}**")
    common.chart(
        viz.shrinkage(shrinkage_at_tau(data, at, pooled_here), Y_LABEL, group_label="school", title=None),
        "Arrows run from each school's own estimate y_j to E(θ_j | τ, y); the dashed line is complete "
        f"pooling. Circle size: students (n). {tau_reading(at_table)}",
        name=f"Shrinkage at tau = {tau_now:g}",
    )

# ---------------------------------------------------------------------------------------------
# The full posterior (sections: filled by the exact engine now, by MCMC when it is done)

st.header("3 · Averaging over τ: the full posterior")
st.markdown(
    "The full posterior averages the conditional answers above over p(τ | y). Here it is computed twice, "
    "exactly and by MCMC (NUTS), next to the two extremes: no pooling (each school alone) and complete "
    "pooling (one effect for all)."
)
fit_status = st.container()
forest_slot = common.Section(redrawn=not flat)
table_slot = common.Section(redrawn=not flat)
st.subheader("Did the sampler work?", help=define("rhat", "ess", "divergences"))
diagnostics_slot = st.container()


def draw_forest(estimates: pd.DataFrame, note: str) -> None:
    with forest_slot.container():
        common.chart(
            viz.forest(with_students(estimates, data), Y_LABEL, group_label="school"),
            "Posterior means with 94% intervals. No pooling gives each school its own wide interval around "
            "y_j; complete pooling one narrow interval for all; partial pooling sits in between. "
            f"{forest_reading(post)} {note}",
            name="Forest plot",
        )


def draw_table(exact: ExactPosterior, hier=None) -> None:
    table, worst = exact_vs_mcmc_table(exact, hier, flat)
    with table_slot.container():
        common.table(table, {c: "%.2f" for c in table.columns if c != "parameter"})
        if worst is not None:
            st.caption(
                "Partial pooling, exact engine beside MCMC: the two agree up to Monte Carlo error "
                f"(the largest gap between the means is {worst:.2f} posterior sds)."
            )
        elif flat:
            st.caption("Partial pooling from the exact engine (no MCMC for the flat prior).")
        else:
            st.caption("Partial pooling from the exact engine; the MCMC columns fill in when sampling ends.")


quick = preview(data, priors)
if quick is not None:
    draw_forest(quick.estimates, "Exact calculation.")
draw_table(post)

# ---------------------------------------------------------------------------------------------
# BDA3 against the app

st.header("4 · BDA3 vs this app")
st.markdown(
    "With BDA3's flat prior p(μ, τ) ∝ 1 the exact engine reproduces the book's numbers, computed live "
    "here (whatever prior you chose in the sidebar)."
)
b1, b2 = st.container(), st.container()
fmt1 = st.column_config.NumberColumn(format="%.1f", width="small")
fmt2 = st.column_config.NumberColumn(format="%.2f", width="small")
agrees = st.column_config.CheckboxColumn("✓", width="small", help="The app's value rounds to BDA3's.")
with b1:
    common.table(checks.bda3_scalars(flat_post), config={"BDA3": fmt1, "this app": fmt2, "agrees": agrees})
with b2:
    common.table(
        checks.bda3_schools(flat_post),
        config={
            "school": st.column_config.TextColumn(width="small"),
            "E(θ | τ=10) BDA3": st.column_config.NumberColumn("E(θ|τ=10) BDA3", format="%.1f"),
            "E(θ | τ=10) app": st.column_config.NumberColumn("app", format="%.2f", width="small"),
            "median θ BDA3": st.column_config.NumberColumn("median θ BDA3", format="%.1f"),
            "median θ app": st.column_config.NumberColumn("app", format="%.2f", width="small"),
            "agrees": agrees,
        },
    )
st.caption(
    "BDA3 prints one decimal; its posterior medians come from 200 simulation draws, so they may differ "
    "from the exact medians by about 0.1."
)

# ---------------------------------------------------------------------------------------------
# Prior sensitivity

st.header("5 · How much does the prior on τ matter?")
table, sens_curves = sensitivity_for(family, scale)
s1, s2 = st.container(), st.container()
with s1:
    common.chart(
        viz.tau_posteriors(sens_curves, x_label=TAU_LABEL, title="p(τ | y) under several priors"),
        "Each curve is p(τ | y) under one prior; a prior that favours small τ pulls every school toward μ. "
        + sensitivity_reading(table),
        name="Prior sensitivity of tau",
    )
with s2:
    common.table(sensitivity_summary(table), config={c: fmt1 for c in ("median τ", "mean μ", "mean θ_A")})
    st.caption(
        "Posterior summaries from the exact engine under each prior: the median and 94% highest-density "
        "interval of τ, the mean of μ and of school A's true effect θ_A."
    )
prior_check(
    data,
    priors_for("half_cauchy", 25.0).with_(tau_family="flat") if flat else priors,
    key="es",
    y_label=Y_LABEL,
    unit="SAT points",
    group_word="school",
    tau_families=list(PRIOR_NAMES),
    scale_range=(1.0, 50.0, 1.0),
)


# ---------------------------------------------------------------------------------------------
# MCMC (last, so everything above is already on the page while it samples)

if flat:
    fit_status.info(
        "MCMC needs a proper prior, and the flat prior p(τ) ∝ 1 is improper (it does not integrate to 1), "
        "so the sampler is skipped: this section shows the exact posterior only, as BDA3 computes it. "
        "Choose half-Cauchy, half-normal or uniform in the sidebar to compare with MCMC.",
        icon=":material/info:",
    )
    diagnostics_slot.caption("No MCMC fits for the flat prior.")
    outcome, estimates = None, None
else:
    with fit_status:
        outcome = fitting.run_fits(data, priors, settings, label="Sampling the three models")
    estimates = common.estimates_frame(outcome, quick.estimates if quick is not None else None)
    if estimates is not None:
        draw_forest(
            estimates,
            "MCMC draws." if outcome.complete else "Fits that failed show the exact calculation instead.",
        )
    draw_table(post, outcome.results.get("hierarchical"))
    with diagnostics_slot:
        results.sampler_report(
            outcome,
            f"Each fit ran {settings.chains} chain(s) of {settings.draws} draws after {settings.tune} tuning "
            f"steps, seed {settings.seed}. {FIT_LABELS['hierarchical']}: {describe(family, scale)}.",
            seconds_format=None,
        )
    predictive_accuracy_section(
        outcome.results, data, key="schools", row_word="school", group_word="school", stem="eight-schools"
    )

st.header("6 · Take it with you")
views.take_it_with_you(
    outcome.results if outcome is not None else {},
    estimates,
    common.charts_on_page(),
    data,
    priors,
    settings,
    stem=f"eight-schools-{family}",
    what="the MCMC fits on this page",
)
