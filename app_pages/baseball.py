"""Baseball (Efron & Morris 1975): 45 at-bats predict the rest of the season; pooling wins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from scipy.special import expit, logit

from hbm_core import viz
from hbm_core.data.datasets import DATASETS, load_dataset
from hbm_core.exact.preview import preview
from hbm_core.inference.settings import POOLINGS
from hbm_core.lessons import checks
from hbm_core.lessons.baseball import (
    TRUTH_LABEL,
    coverage_verdicts,
    data_table,
    error_reading,
    error_table,
    player_table,
    prediction_errors,
    prediction_reading,
)
from hbm_core.lessons.shrinkage_reading import shrinkage_reading
from hbm_core.priors import default_priors
from hbm_core.viz.palette import FIT_LABELS
from hbm_core.viz.real_data import relabel
from hbm_core.viz.theme import TRUE_LABEL
from ui import common, controls, fitting, results, views
from ui.glossary_links import define
from ui.predictive_accuracy import predictive_accuracy_section
from ui.prior_check import prior_check

INFO = DATASETS["efron_morris"]
SCALES = {"probability": "batting average", "logit": "logit (the model's scale)"}
AXIS = {"probability": "batting average (hits per at-bat)", "logit": "logit of the batting average"}
TARGETS = {
    "rest": "the rest of the season (new at-bats)",
    "first": "the first 45 at-bats (the data the model saw)",
}
# The shared charts call their truth "True mean"; here it is an observed average over new at-bats.
TRUTH_NAMES = {TRUE_LABEL: TRUTH_LABEL.capitalize(), TRUE_LABEL.lower(): TRUTH_LABEL}
DEFAULTS = {
    "bb_scale": "probability",
    "bb_tau_scale": 1.0,
    "bb_draws": 1000,
    "bb_chains": 4,
    "bb_seed": 1,
    "bb_target": "rest",
    "bb_stat": "sd",
}

common.start_page()

# Widget values live in session_state; a copy under "_keep_*" survives visits to other pages.
controls.init_state(DEFAULTS, across_pages=True)

# ---------------------------------------------------------------------------------------------
# Sidebar

with st.sidebar:
    st.header("Model")
    st.slider(
        "Prior scale of τ (logit scale)",
        0.1,
        2.0,
        step=0.1,
        key="bb_tau_scale",
        help=define(
            "tau",
            lead="τ ~ HalfNormal(scale): how different the players' true abilities may be a priori, on the "
            "logit scale (τ = 0.5 lets true averages range roughly from .17 to .39).",
        ),
    )
    st.header("Show")
    common.radio("Scale", SCALES, "bb_scale", horizontal=True)
    settings = controls.sampler_controls(
        "bb_",
        seed_help="The sampler's and the predictive simulations' random seed: same seed, same results.",
        tune=1000,
    )

ss = st.session_state
scale_name = str(ss["bb_scale"])
on_logit = scale_name == "logit"
x_label = AXIS[scale_name]

# ---------------------------------------------------------------------------------------------
# Data, priors, fits

data = load_dataset("efron_morris")
truth = data.meta["remaining_avg"]
rest_at_bats = data.meta["remaining_at_bats"]
raw = data.y / data.trials
js = checks.james_stein(data.y, data.trials)
players = list(data.groups)
priors = default_priors(data.y, "binomial").with_(tau_scale=float(ss["bb_tau_scale"]))
quick = preview(data, priors, seed=settings.seed)


def on_scale(values) -> np.ndarray:
    """Probabilities on the chosen scale."""
    values = np.asarray(values, dtype=float)
    return logit(values) if on_logit else values


st.title("Baseball: predicting the rest of the season")
st.markdown(
    "In 1970, 18 major-league batters each had **45 at-bats** early in the season. How well does each "
    "player's batting average after those 45 at-bats predict his average over the **rest of the season**? "
    "Efron and Morris showed that pulling every average toward the overall .265 (the James–Stein "
    "estimator) predicts far better. A hierarchical model does the same pulling, learning how far from "
    "the data: hits_j ~ Binomial(45, p_j), logit p_j = θ_j, θ_j ~ Normal(μ, τ)."
)
common.source_and_notice(INFO)
st.caption(
    f"Priors (logit scale): μ ~ Normal({priors.mu_loc:g}, {priors.mu_scale:g}), "
    f"τ ~ HalfNormal({priors.tau_scale:g}); no pooling gives each θ_j the Normal({priors.mu_loc:g}, "
    f"{priors.mu_scale:g}) prior. Showing the {SCALES[scale_name]} scale."
)

status_slot = st.container()

st.header("1 · The data")
num = st.column_config.NumberColumn(format="%.3f")
with st.expander("The 18 players (table)", expanded=False):
    players_table = data_table(data, on_scale)
    scaled = [c for c in players_table.columns if "average" in c or "Stein" in c]
    common.table(players_table, config=dict.fromkeys(scaled, num))
    if on_logit:
        st.caption("Averages shown as logits, log(p / (1 − p)).")

st.header("2 · Shrinkage toward the league average")
# Drawn from the preview first (when there is one), then again from the MCMC fits.
shrink_slot = common.Section(redrawn=quick is not None)
st.header("3 · Each player's estimate with its 94% interval", help=define("hdi"))
forest_slot = common.Section(redrawn=quick is not None)
table_slot = common.Section(redrawn=quick is not None)
st.header("4 · Who predicted the rest of the season best?")
error_slot = common.Section(redrawn=quick is not None)
st.header("5 · Posterior predictive check: could the model have produced these data?")
prior_check(
    data,
    priors,
    key="bb",
    y_label="batting average (hits per at-bat)",
    tau_unit="logit scale",
    group_word="player",
    scale_range=(0.1, 2.0, 0.1),
)
ppc_controls = st.container()
ppc_slot = common.Section(redrawn=True)
st.header("6 · Did the sampler work?", help=define("rhat", "ess", "divergences"))
diagnostics_slot = st.container()


# ---------------------------------------------------------------------------------------------
# Drawing


def preview_on_scale(estimates: pd.DataFrame) -> pd.DataFrame:
    """The preview's probability-scale table with the truth, on the chosen scale (logit: interval
    ends and means mapped through the logit, sd left out)."""
    est = estimates.assign(true_mean=np.tile(truth, len(estimates) // len(truth)))
    if not on_logit:
        return est
    cols = ["mean", "hdi_low", "hdi_high", "raw_mean", "true_mean"]
    return est.assign(**{c: logit(est[c].to_numpy(dtype=float)) for c in cols}, sd=np.nan)


def mcmc_on_scale(outcome, fallback: pd.DataFrame | None) -> pd.DataFrame | None:
    """The MCMC estimates of every fit on the chosen scale with the rest-of-season truth; fits without
    a result keep the fallback's rows."""
    from hbm_core.posterior.results import logit_estimates_table  # loads SciPy: only once fits exist

    frames = []
    truth_data = data.with_(true_means=truth)
    for pooling in POOLINGS:
        if pooling in outcome.results:
            result = outcome.results[pooling]
            if on_logit:
                frames.append(logit_estimates_table(result.idata.posterior, truth_data, pooling))
            else:
                frames.append(result.estimates.assign(true_mean=truth))
        elif fallback is not None:
            frames.append(fallback[fallback.fit == pooling])
    return pd.concat(frames, ignore_index=True) if frames else None


def draw_estimates(estimates: pd.DataFrame, note: str) -> None:
    table, pooled = player_table(estimates, data, on_scale)
    # The reading leaves the truth out: it is the rest of the season, read in section 4.
    reading = shrinkage_reading(estimates.drop(columns="true_mean", errors="ignore"), group_word="player")
    with shrink_slot.container():
        common.chart(
            relabel(viz.shrinkage(estimates, x_label, group_label="player", title=None), TRUTH_NAMES),
            "Each arrow runs from a player's own estimate (no pooling, close to his 45-at-bat "
            "average) to his partial-pooling estimate; the dashed line is complete pooling, and the "
            f"green diamond is his {TRUTH_LABEL}, what he actually hit over the rest of the season. "
            f"{reading} {note}",
            name="Shrinkage",
        )
    with forest_slot.container():
        common.chart(
            relabel(viz.forest(estimates, x_label, group_label="player", title=None), TRUTH_NAMES),
            f"Posterior means with 94% intervals, and the {TRUTH_LABEL} as a diamond. Complete pooling "
            f"gives everyone {pooled:.3f} with a narrow interval; no pooling's intervals are wide; partial "
            "pooling is in between.",
            name="Forest plot",
        )
    with table_slot.container():
        common.table(table, config={c: num for c in table.columns if c not in ("player", "94% interval")})
        st.caption(
            f"Estimates on the {SCALES[scale_name]} scale; the 94% interval is partial pooling's. "
            f"Complete pooling gives every player {pooled:.3f}."
        )


def draw_errors(prob_estimates: pd.DataFrame, source: str) -> None:
    """Total squared error against the rest-of-season averages (always on the probability scale)."""
    errors = prediction_errors(prob_estimates, data, source)
    with error_slot.container():
        left, right = st.columns(2)
        with left:
            common.chart(
                viz.error_bars(
                    errors.rename(columns={"total squared error": "error"}),
                    x_label="total squared error",
                ),
                f"Total squared error = sum over the 18 players of (estimate − {TRUTH_LABEL})². Shorter is "
                "better. The ticks across the bars mark the published values (Efron & Morris: "
                f"{checks.EFRON_MORRIS['sse_raw']} and {checks.EFRON_MORRIS['sse_js']}). "
                f"{error_reading(errors)} {prediction_reading(prob_estimates, data)}",
                name="Prediction errors",
            )
        with right:
            common.table(
                error_table(errors),
                config={
                    "total squared error": st.column_config.NumberColumn("this app", format="%.4f"),
                    "published": st.column_config.TextColumn(
                        help="Efron & Morris (1975); — where they print no value."
                    ),
                },
            )
            st.caption(
                f"James–Stein computed here: shrinkage factor c = {js.c:.3f} toward {js.grand_mean:.3f} "
                f"(Efron & Morris: c = {checks.EFRON_MORRIS['js_c']}, toward "
                f"{checks.EFRON_MORRIS['grand_mean']}); its error is "
                f"{checks.squared_error(js.estimates, truth):.4f}. Errors are on the batting-average scale."
            )


def draw_ppc(outcome) -> None:
    from hbm_core.posterior.results import model_scale_draws  # loads SciPy: only once fits exist

    target = str(ss["bb_target"])
    if target == "rest":
        trials, observed = rest_at_bats, truth
        what = "rest-of-season average"
    else:
        trials, observed = data.trials, raw
        what = "average in the first 45 at-bats"
    frames, stats = [], {}
    for pooling in POOLINGS:
        if pooling not in outcome.results:
            continue
        logits = model_scale_draws(outcome.results[pooling].idata, pooling, data.n_groups)
        rates = checks.replicate_successes(logits, trials, seed=int(ss["bb_seed"])) / trials
        frames.append(checks.predictive_intervals(rates, observed, players).assign(fit=pooling))
        stats[pooling] = checks.statistic_check(rates, observed, str(ss["bb_stat"]))
    with ppc_slot.container():
        if not frames:
            st.info("The posterior predictive check needs the MCMC fits; none finished.")
            return
        intervals = pd.concat(frames, ignore_index=True)
        common.chart(
            viz.predictive_intervals(
                intervals, "batting average (hits per at-bat)", group_label="player", title=None
            ),
            f"Bars: where each fit expects the {what} to fall (94% of simulated seasons), ticks their "
            "middle; diamonds: what happened. The bars hold both the uncertainty about each player's "
            "ability and the luck of the at-bats. Observed inside the interval: "
            f"{coverage_verdicts(intervals)}.",
            name="Posterior predictive intervals",
        )
        # Stacked on one x range: the three fits are read against the same dashed line, and each
        # chart has the page's width (side by side, a 1024-px page left them ~160 px wide).
        domain = checks.common_range(list(stats.values()))
        for pooling, check in stats.items():
            common.chart(
                viz.statistic_histogram(
                    check.replicated,
                    check.observed,
                    check.label,
                    fit=pooling,
                    title=f"{FIT_LABELS[pooling]}: p = {check.p_value:.2f}",
                    height=110,
                    domain=domain,
                ),
                name=f"Predictive check {pooling}",
            )
        st.caption(
            f"Each histogram: the {check.label} of the 18 players in every replicated data set, all three "
            f"on one scale; dashed: the observed value ({check.observed:.3f}). p = the share of replicated "
            "data sets with a value at least as large as observed; near 0 or 1, the fit rarely produces "
            "data like these."
        )


# ---------------------------------------------------------------------------------------------
# The preview first (milliseconds), then the MCMC fits replace it.

if quick is not None:
    draw_estimates(
        preview_on_scale(quick.estimates), "Showing the quick normal approximation while sampling."
    )
    draw_errors(quick.estimates, "approximation")
with ppc_controls:
    c1, c2 = st.columns(2)
    common.radio("Simulate", TARGETS, "bb_target", c1)
    c2.selectbox(
        "Test statistic",
        list(checks.STATISTICS),
        format_func=lambda k: checks.STATISTICS[k][0],
        key="bb_stat",
        help="Computed on the 18 simulated averages of each replicated data set.",
    )
    st.markdown(
        "For every posterior draw the model simulates a new set of hits for all 18 players, either for the "
        "same 45 at-bats or for each player's rest-of-season at-bats. If the model is right, the observed "
        "values look like one more simulation."
    )
ppc_slot.container().info("The check appears when sampling ends.")

with status_slot:
    outcome = fitting.run_fits(data, priors, settings, label="Sampling the three models")

estimates = mcmc_on_scale(outcome, preview_on_scale(quick.estimates) if quick is not None else None)
if estimates is not None:
    draw_estimates(
        estimates, "MCMC draws." if outcome.complete else "Fits that failed show the approximation instead."
    )
prob_frames = [outcome.results[p].estimates for p in POOLINGS if p in outcome.results]
if len(prob_frames) == len(POOLINGS):
    draw_errors(pd.concat(prob_frames, ignore_index=True), "MCMC")
draw_ppc(outcome)
with diagnostics_slot:
    hier = outcome.results.get("hierarchical")
    if hier is not None:
        pop = hier.population.set_index("parameter")
        mu, tau = pop.loc["mu"], pop.loc["tau"]
        st.markdown(
            f"Population (logit scale, posterior mean and 94% HDI): μ = {mu['mean']:.2f} "
            f"[{mu['hdi_low']:.2f}, {mu['hdi_high']:.2f}], i.e. a league average of {expit(mu['mean']):.3f}; "
            f"τ = {tau['mean']:.2f} [{tau['hdi_low']:.2f}, {tau['hdi_high']:.2f}]."
        )
    results.sampler_report(
        outcome,
        f"Each fit ran {settings.chains} chain(s) of {settings.draws} draws after {settings.tune} tuning "
        f"steps with NUTS (nutpie), seed {settings.seed}.",
        seconds_format=None,
    )

predictive_accuracy_section(
    outcome.results, data, key="baseball", row_word="player", group_word="player", stem="baseball"
)

st.header("7 · Take it with you")
views.take_it_with_you(
    outcome.results,
    pd.concat(prob_frames, ignore_index=True) if prob_frames else None,
    common.charts_on_page(),
    data,
    priors,
    settings,
    stem="baseball",
)
