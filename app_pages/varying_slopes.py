"""Varying intercepts and slopes (Gelman & Hill ch. 13.1): every county its own floor effect, the
intercepts and slopes drawn from one bivariate normal, and the two-dimensional shrinkage they show.

Data: Minnesota radon (the default) or synthetic data with a known truth. Settings live in
``st.session_state`` under ``vs_*`` keys (see ``ui/varying_slopes_state.py``); every sentence about a
result comes from :mod:`hbm_core.lessons.varying_slopes`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hbm_core import codegen
from hbm_core.data.groups import DataError
from hbm_core.lessons import varying_slopes as vs
from hbm_core.lessons.radon_uranium import diagnostics_line
from hbm_core.lessons.wording import plural
from hbm_core.posterior.predict import stacked
from hbm_core.priors import default_priors
from hbm_core.viz.varying_slopes import group_lines, slope_shrinkage
from ui import common, controls, fitting, views
from ui import varying_slopes_state as state
from ui.prior_check import prior_check

common.start_page()  # a deep link on a fresh server must still run inside app.py

TARGET_ACCEPT = state.TARGET_ACCEPT
PARTIAL = vs.PARTIAL_LABEL
FIT_NAME = "varying_slopes"

notes = state.ensure_state()

with st.sidebar:
    st.header("Data")
    st.radio(
        "Data",
        list(state.DATA_CHOICES),
        format_func=state.DATA_CHOICES.get,
        key="vs_data",
        label_visibility="collapsed",
        help="Minnesota radon: 919 houses in 85 counties. Synthetic: groups drawn from a population you set, "
        "so the chart can show the true pairs.",
    )
    if st.session_state["vs_data"] == "synthetic":
        with st.expander("The true population", expanded=True):
            labels = {
                "vs_true_mu_intercept": "Mean intercept μ_α",
                "vs_true_mu_slope": "Mean slope μ_β",
                "vs_true_sd_intercept": "sd of intercepts σ_α",
                "vs_true_sd_slope": "sd of slopes σ_β",
                "vs_true_rho": "Correlation ρ",
                "vs_true_sigma": "Residual sd σ_y",
                "vs_groups": "Groups",
                "vs_per_group": "Rows per group (half at x = 0, half at x = 1)",
            }
            for key, label in labels.items():
                low, high, step = state.RANGES[key]
                st.slider(label, low, high, step=step, key=key)
            controls.seed_input("vs_data_seed", "Seed of the simulated data: same seed, same data.")
    settings = controls.sampler_controls(
        "vs_",
        note="Defaults: 4 chains × 2000 draws after 1000 tuning steps, target_accept 0.99: no divergences "
        "on radon. The sd of the slopes σ_β mixes slowest (it can come near 0): on some seeds its R-hat "
        "lands just above 1.01, and with fewer draws more often.",
    )
settings = settings.with_(target_accept=TARGET_ACCEPT)
state.write_query_params()

radon = st.session_state["vs_data"] == "radon"
try:
    data = state.chosen_data()
except DataError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()
_auto = default_priors(data.y, data.family)
priors = _auto.with_(tau_scale=round(_auto.tau_scale, 1), sigma_scale=round(_auto.sigma_scale, 1))

if radon:
    X0, X1 = "in the basement", "on the first floor"
    GROUP, ROW = "county", "house"
    X_LABEL = "county intercept: log radon in a basement (log pCi/L)"
    Y_LABEL = "county slope: change in log radon, basement → first floor"
    UNIT = "log pCi/L"
else:
    X0, X1 = "at x = 0", "at x = 1"
    GROUP, ROW = "group", "row"
    X_LABEL = "group intercept: y at x = 0 (units of y)"
    Y_LABEL = "group slope: change in y from x = 0 to x = 1"
    UNIT = "units of y"

# ---------------------------------------------------------------------------------------------
# Introduction

st.title(
    "Varying slopes: every county its own floor effect"
    if radon
    else "Varying slopes: every group its own slope"
)
for note in notes:
    st.warning(note, icon="🔧")
st.markdown(
    "On the Radon page every county has its own intercept, but the floor effect β is the same "
    "everywhere. Here each county also gets its **own slope**: how much lower a first-floor reading is "
    "than a basement one in that county. Intercepts and slopes are partially pooled **together**: each "
    "county's pair comes from one bivariate normal population, so a county's intercept can tell us "
    "something about its slope through their correlation ρ:"
)
st.latex(r"y_i \sim N(\alpha_{j[i]} + \beta_{j[i]}\,x_i,\ \sigma_y)")
st.latex(
    r"\begin{pmatrix}\alpha_j\\ \beta_j\end{pmatrix} \sim N\!\left(\begin{pmatrix}\mu_\alpha\\ \mu_\beta"
    r"\end{pmatrix},\ \begin{pmatrix}\sigma_\alpha^2 & \rho\sigma_\alpha\sigma_\beta\\ "
    r"\rho\sigma_\alpha\sigma_\beta & \sigma_\beta^2\end{pmatrix}\right)"
)
st.caption(
    f"Priors: μ_α ~ Normal({priors.mu_loc:g}, {priors.mu_scale:g}), μ_β ~ Normal(0, {priors.beta_scale:g}), "
    f"σ_α and σ_β ~ HalfNormal({priors.tau_scale:g}), the correlation matrix ~ LKJ(η = 2) (which keeps ρ "
    f"away from ±1), σ_y ~ HalfNormal({priors.sigma_scale:g}). Sampled non-centered through the Cholesky "
    "factor of the covariance (pm.LKJCholeskyCov), which avoids the funnel of a small σ."
)
if radon:
    st.caption(f"Data: {data.source} x is the floor: 0 = basement, 1 = first floor.")
else:
    st.caption(
        f"Data: {data.n_groups} groups of {data.n_obs // data.n_groups} rows drawn from the population in "
        "the sidebar; x alternates 0, 1 within each group. The chart marks each group's true pair."
    )

outcome = fitting.run_fits(
    data, priors, settings, poolings=("hierarchical",), label=f"Fitting varying slopes to {data.n_obs} rows"
)
result = outcome.results.get("hierarchical")
if result is None:
    reason = outcome.errors.get("hierarchical", "the fit did not finish")
    st.error(f"The varying-slopes model could not be fitted: {reason}", icon=":material/error:")
    st.stop()

own = vs.own_lines(data)
shifts = vs.pair_shifts(own, vs.partial_pairs(result))
pop = vs.population(result)
rho_draws = stacked(result.idata.posterior, "rho")
truth_frame = None
if not radon:
    truth_frame = pd.DataFrame(
        {
            "group": list(data.groups),
            "true_intercept": data.meta["true_intercept"],
            "true_slope": data.meta["true_slope"],
        }
    )

# ---------------------------------------------------------------------------------------------
# 1 Two-dimensional shrinkage

st.header("1 · Shrinkage in two dimensions")
metrics = (
    ("Correlation ρ", f"{pop.rho:.2f}", "Posterior mean of the correlation between intercepts and slopes."),
    ("σ_α (intercepts)", f"{pop.sd_intercept:.2f}", f"sd of the {GROUP} intercepts ({UNIT})."),
    ("σ_β (slopes)", f"{pop.sd_slope:.2f}", f"sd of the {GROUP} slopes ({UNIT})."),
    ("Mean slope μ_β", f"{pop.mean[1]:.2f}", f"The population's mean slope ({UNIT})."),
)
for col, (label, value, help_text) in zip(st.columns(4), metrics, strict=True):
    col.metric(label, value, help=help_text)

ellipses = vs.ellipse_frame(pop.mean, pop.cov, group=GROUP)
chart = slope_shrinkage(
    shifts,
    ellipses,
    (float(pop.mean[0]), float(pop.mean[1])),
    x_label=X_LABEL,
    y_label=Y_LABEL,
    partial_label=PARTIAL,
    missing_label=f"{PARTIAL}: no own slope",
    group_word=GROUP,
    truth=truth_frame,
    title=f"Each {GROUP}'s intercept and slope: its own line → partial pooling",
    subtitle="ellipses: the population's 50% and 90% contours (posterior means)",
)
reading = vs.moved_most_reading(shifts, x0=X0, x_other=X1, row=ROW, group=GROUP)
missing = vs.missing_reading(shifts, x0=X0, other=X1, group=GROUP, row=ROW)
truth_text = ""
if truth_frame is not None:
    truth_text = " " + vs.truth_reading(shifts, truth_frame["true_intercept"], truth_frame["true_slope"])
common.chart(
    chart,
    f"Each hollow blue circle is a {GROUP}'s own least-squares line (intercept, slope); the vermillion arrow "
    f"goes to its partial-pooling pair. The grey ellipses hold 50% and 90% of the population of {GROUP} "
    f"pairs; the diamond is its mean. Hover a mark for the {GROUP}, its {ROW}s and both pairs. "
    f"{reading} {missing}{truth_text}",
    name="Two-dimensional shrinkage",
)
st.markdown(vs.correlation_reading(rho_draws, x0=X0, x1=X1, group=GROUP))
st.markdown(vs.spread_reading(shifts, pop, slope_unit=UNIT, group=GROUP, row=ROW))

# ---------------------------------------------------------------------------------------------
# 2 The lines

st.header(f"2 · {GROUP.capitalize()} lines: own and partially pooled")
chosen = vs.lines_selection(shifts)
lines = vs.line_points(shifts, chosen)
ticks = {0.0: "basement", 1.0: "first floor"} if radon else None
common.chart(
    group_lines(
        lines,
        x_label="floor" if radon else "x",
        y_label="log radon (log pCi/L)" if radon else "y (units of y)",
        x_ticks=ticks,
        partial_label=PARTIAL,
        group_word=GROUP,
        title=f"Six {plural(GROUP)}' lines",
        subtitle="the three whose pairs moved most and the three that moved least",
    ),
    f"Dashed: a {GROUP}'s own line; solid: its partial-pooling line, in the same colour. "
    + vs.lines_reading(shifts, chosen, float(pop.mean[1]), row=ROW, x_other=X1),
    name=f"{GROUP.capitalize()} lines",
)

# ---------------------------------------------------------------------------------------------
# 3 Population and diagnostics

st.header("3 · The population and the sampler")
population = result.population.assign(
    quantity=lambda f: f["parameter"].map(
        {
            "mu": f"mean intercept μ_α ({UNIT})",
            "beta": f"mean slope μ_β ({UNIT})",
            "tau": f"sd of intercepts σ_α ({UNIT})",
            "tau_slope": f"sd of slopes σ_β ({UNIT})",
            "rho": "correlation ρ",
            "sigma": f"residual sd σ_y ({UNIT})",
        }
    )
)[["quantity", "mean", "sd", "hdi_low", "hdi_high"]]
common.table(population, {c: "%.3f" for c in ("mean", "sd", "hdi_low", "hdi_high")})
st.caption("Posterior mean, sd and 94% highest-density interval of each population parameter.")
line_text, ok = diagnostics_line(result.diagnostics, PARTIAL)
if ok:
    st.success(line_text, icon=":material/check_circle:")
else:
    st.warning(line_text, icon=":material/warning:")
    for warning in result.diagnostics.warnings:
        st.warning(warning, icon=":material/warning:")
    common.lesson_link()

prior_check(
    data,
    priors,
    key="vs",
    y_label="log radon (log pCi/L)" if radon else "y (units of y)",
    unit=UNIT,
    sigma="shared",
    group_word=GROUP,
    names_note=(
        f"In this check μ is the mean intercept μ_α, θ_j a {GROUP}'s intercept α_j (its line {X0}) and "
        f"τ the sd of the intercepts σ_α. Each {GROUP} also draws its own slope, and its simulated mean "
        f"is its own line at the mean x of its {plural(ROW)}. One prior scale sets both sds, σ_α and σ_β "
        "(HalfNormal each), so the τ slider below scales both."
    ),
)

# ---------------------------------------------------------------------------------------------
# 4 Take it with you

st.header("4 · Take it with you")
spec, raw = codegen.data_file(data, "radon_varying_slopes.csv" if radon else "synthetic_varying_slopes.csv")
views.show_code(
    codegen.varying_slopes_script(
        spec, priors, settings, TARGET_ACCEPT, script_name="varying_slopes_pymc.py"
    ),
    file_name="varying_slopes_pymc.py",
    data_files={spec.file_name: raw},
    label="Show the code: varying slopes in plain PyMC",
    note=(
        f"The complete PyMC script behind this page: it reads `{spec.file_name}` (column `x`: "
        f"{'the floor' if radon else 'the predictor'}), fits each {GROUP}'s own line and the varying-slopes "
        "model with this page's priors and sampler settings, and prints the population and each "
        f"{GROUP}'s pairs. Its numbers match the page's within Monte Carlo error."
    ),
)
estimates = shifts.rename(columns={"group": GROUP})
views.downloads(
    {FIT_NAME: result},
    estimates,
    common.charts_on_page(),
    stem="varying-slopes",
    labels={FIT_NAME: PARTIAL},
)
st.caption(
    f"Estimates: one row per {GROUP} with its {ROW}s, its own line's intercept and slope (empty where the "
    f"data cannot give them) and its partial-pooling pair (posterior means)."
)
