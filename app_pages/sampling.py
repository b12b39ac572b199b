"""Sampling lesson: centered vs non-centered, the funnel, divergences and what to do about them.

The same hierarchical model is fitted twice to the same data, once centered and once non-centered,
on weak data (eight schools) or strong data (three large groups). The page shows where the sampler
diverges (Neal's funnel), how the chains mix, what each diagnostic means, and what raising
target_accept does, measured on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from hbm_core import viz
from hbm_core.data.groups import GroupedData
from hbm_core.inference.settings import FitSettings
from hbm_core.lessons import sampling as sst
from hbm_core.lessons.sampling_page import (
    EXPLAINERS,
    FORM_TITLES,
    FUNNEL_CAPTIONS,
    WHAT_TO_DO,
    data_table,
    readings_table,
)
from hbm_core.priors import Priors
from ui import common, controls, fitting
from ui.glossary_links import define
from ui.sampling_views import form_cards, lesson_downloads, same_theta_chart, sweep_results

if TYPE_CHECKING:
    from hbm_core.inference.jobs import FitResult

TARGET_ACCEPTS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99)
DRAWS = (250, 500, 1000, 2000)  # every draw is plotted: charts stay responsive up to 2000
FORMS = sst.FORMS
# Chain plots: the chart per form and its size (width, height), and what to look for.
CHAIN_PLOTS = {
    "Rank plots": (
        viz.rank_plot,
        (90, 64),  # two chains a row: fits half a 1024 px page and a phone
        "Rank all draws of a parameter together, then count each chain's draws per rank bin. Flat bars "
        "near the dashed line: the chains mix. A chain piled up at one end spent its time in a different "
        "part of the posterior (look at τ in the form that diverges).",
    ),
    "Trace plots": (
        viz.trace_plot,
        (330, 110),
        "Each chain's draws in order. Good chains overlap like fuzzy caterpillars; flat stretches where a "
        "chain gets stuck (often at small τ, in the neck) are the time series of a divergence problem.",
    ),
}

DEFAULTS = {
    "sl_regime": "weak",
    "sl_target_accept": sst.DEFAULT_TARGET_ACCEPT,
    "sl_draws": sst.DEFAULT_DRAWS,
    "sl_seed": sst.DEFAULT_SEED,
    "sl_group_weak": 0,
    "sl_group_strong": 0,
    "sl_same_theta": False,
    "sl_chain_plot": "Rank plots",
    "sl_sweeps": (),  # settings (regime, draws, seed) whose target_accept sweep was asked for
}
# The values the widgets offer: a value in session state that fails its test is reset to the default.
VALID = {
    "sl_regime": sst.REGIMES.__contains__,
    "sl_target_accept": TARGET_ACCEPTS.__contains__,
    "sl_draws": DRAWS.__contains__,
    "sl_chain_plot": CHAIN_PLOTS.__contains__,
    "sl_seed": controls.is_seed,
    "sl_sweeps": lambda value: isinstance(value, tuple),
}


def _ensure_state() -> None:
    """Defaults on first visit; values no widget offers (stale state) are reset with a message."""
    reset = controls.init_state(DEFAULTS, valid=VALID, across_pages=True)
    fixed = [key.removeprefix("sl_") for key in reset if key != "sl_sweeps"]
    st.session_state["sl_seed"] = int(st.session_state["sl_seed"])
    if fixed:
        st.toast(
            f"Reset to the default: {', '.join(fixed)} (the value was not one the page offers).",
            icon=":material/build:",
        )


common.start_page()
_ensure_state()

# ---------------------------------------------------------------------------------------------
# Header and the experiment's settings

st.title("Sampling lesson: why do I get divergences?")
st.markdown(
    "The most common question after fitting a first hierarchical model. We answer it by experiment: "
    "the **same model** is fitted to the **same data** in two ways that describe exactly the same "
    "posterior, and we watch how the sampler copes with each.",
    help=define("divergences", "parameterization", "tau"),
)
left, right = st.columns(2)
with left.container(border=True):
    st.markdown("**Centered**: sample each group's parameter directly")
    st.latex(r"\theta_j \sim \mathrm{Normal}(\mu,\ \tau)")
with right.container(border=True):
    st.markdown("**Non-centered**: sample a standardised offset, then scale it")
    st.latex(r"z_j \sim \mathrm{Normal}(0,\ 1), \qquad \theta_j = \mu + \tau\, z_j")

with st.container(border=True):
    c_data, c_ta, c_draws, c_seed = st.columns([3.2, 2.2, 2.2, 1.3])
    c_data.radio(
        "Data",
        list(sst.REGIMES),
        format_func=lambda k: sst.REGIMES[k].label,
        key="sl_regime",
        help="Weak data: every group's parameter is poorly determined. Strong data: well determined.",
    )
    c_ta.select_slider(
        "target_accept",
        TARGET_ACCEPTS,
        key="sl_target_accept",
        help="The acceptance rate step-size tuning aims for. Higher values give smaller steps: fewer "
        "divergences, slower sampling. 0.8 is PyMC's classic default; this app's own fits use 0.95–0.99.",
    )
    draws_help = "Draws kept per chain, after 1000 tuning steps. 4 chains."
    controls.draws_slider("sl_draws", DRAWS, draws_help, c_draws)
    seed_help = "The sampler's random seed (the data stay the same): same seed, same draws."
    controls.seed_input("sl_seed", seed_help, c_seed)

regime = sst.REGIMES[st.session_state["sl_regime"]]
target_accept = float(st.session_state["sl_target_accept"])
draws = int(st.session_state["sl_draws"])
seed = int(st.session_state["sl_seed"])
data: GroupedData = regime.data()
priors: Priors = regime.priors
st.caption(f"{regime.description} Priors: {priors.describe()}.")


with st.expander("See the data"):
    st.dataframe(data_table(data), hide_index=True, width="content")


def _settings(form: str, ta: float) -> FitSettings:
    fixed = {"tune": sst.DEFAULT_TUNE, "chains": sst.DEFAULT_CHAINS}
    return FitSettings(draws=draws, seed=seed, target_accept=ta, parameterization=form, **fixed)


def _key(settings: FitSettings) -> tuple:
    return fitting.fit_key(data, "hierarchical", priors, settings)


main_settings = {form: _settings(form, target_accept) for form in FORMS}
sweep_signature = (regime.key, draws, seed)
sweep_on = sweep_signature in st.session_state["sl_sweeps"]
sweep_settings = {(form, ta): _settings(form, ta) for ta in sst.SWEEP_TARGET_ACCEPTS for form in FORMS}


def _request(settings_by_label: dict, keep: list[tuple]) -> dict:
    """Ask the fit service for each fit (shared or cached result, or a job; run one after another);
    ``keep`` lists every fit this page still needs in this run, so the session's other fits (stale
    settings) are cancelled."""
    return fitting.fit_service().request_variants(
        data, priors, "hierarchical", settings_by_label, owner=fitting.owner_id(), keep=keep
    )


keep = [_key(s) for s in main_settings.values()]
if sweep_on:
    keep += [_key(s) for s in sweep_settings.values()]

# ---------------------------------------------------------------------------------------------
# 1. The two fits

st.header("1 · The same data, fitted both ways")
with st.spinner("Loading the sampler…", show_time=True):  # seconds on a cold server, then instant
    requests = _request(main_settings, keep)
outcome = fitting.wait_for_fits(requests, label="Sampling the centered and the non-centered model")
if outcome.errors:
    for form, message in outcome.errors.items():
        st.warning(f"**{FORM_TITLES[form]} fit:** {message}", icon=":material/warning:")
    st.info("The lesson needs both fits. Try fewer draws or another seed.", icon=":material/info:")
    st.stop()

fits: dict[str, FitResult] = outcome.results
summaries = {form: sst.sampler_summary(fits[form].idata) for form in FORMS}
winner, verdict = sst.verdict(regime.key, summaries["centered"], summaries["non-centered"])

form_cards(summaries, winner)
(st.success if winner == {"weak": "non-centered", "strong": "centered"}[regime.key] else st.info)(verdict)
st.caption(
    f"Both fits: {sst.DEFAULT_CHAINS} chains × {draws} draws after {sst.DEFAULT_TUNE} tuning steps, "
    f"target_accept {target_accept:g}, seed {seed}, NUTS (nutpie). Switch the data above and compare."
)

# ---------------------------------------------------------------------------------------------
# 2. The funnel

st.header("2 · The funnel: where the divergences are")
groups = list(data.groups)
noun = regime.group_noun


def _group_name(j: int) -> str:
    if data.family == "known_se":
        return f"{noun} {groups[j]} (estimate {data.y[j]:g} ± {data.se[j]:g})"
    return f"{noun} {groups[j]} (n = {int(data.counts()[j])})"


group_key = f"sl_group_{regime.key}"
if not 0 <= int(st.session_state[group_key]) < len(groups):
    st.session_state[group_key] = 0
pick, _ = st.columns([2, 3])
pick.selectbox(
    f"Which {noun}'s parameter to plot",
    list(range(len(groups))),
    format_func=_group_name,
    key=group_key,
    help="Every group's parameter shows the same story; weakly informed groups show it most clearly.",
)
j = int(st.session_state[group_key])
g = groups[j]
theta_name, z_name = f"θ_{g}", f"z_{g}"

# Every draw is shown (the panel headers count them): thinning would make "k divergent of n" wrong.
funnels = {
    "centered": sst.funnel_frame(fits["centered"].idata, j, "centered", variable="theta"),
    "non-centered": sst.funnel_frame(fits["non-centered"].idata, j, "non-centered", variable="theta_raw"),
}
st.markdown(
    "Each dot is one draw of the posterior: log τ (the between-group spread, on the log scale) against "
    f"the coordinate the sampler actually moves for {noun} {g}. **Divergent transitions are purple.**"
)
bottom = {form: round(float(np.nanmin(funnels[form]["log_tau"])), 1) + 0.0 for form in FORMS}  # no "-0.0"
n_div = {form: int(funnels[form]["diverging"].sum()) for form in FORMS}
captions = {
    form: caption.format(theta=theta_name, z=z_name, bottom=bottom[form], n_div=n_div[form])
    for form, caption in FUNNEL_CAPTIONS[regime.key].items()
}
moves = {  # the coordinate the sampler moves, and its axis title
    "centered": (theta_name, f"{theta_name} ({noun} {g}'s parameter)"),
    "non-centered": (z_name, f"{z_name} = ({theta_name} − μ) / τ"),
}
for col, form in zip(st.columns(2), FORMS, strict=True):
    coordinate, axis = moves[form]
    title = f"{FORM_TITLES[form]}: the sampler moves {coordinate}"
    with col:
        common.chart(
            viz.funnel(funnels[form], axis, title=title, height=300),
            captions[form],
            key=f"funnel_{form.replace('-', '')}",
            name=f"Funnel, {form}",
        )

for col, (question, answer) in zip(st.columns(2), EXPLAINERS.items(), strict=True):
    with col.container(border=True):
        st.subheader(question)
        st.markdown(answer)

# A toggle rather than an expander: the chart is only built (a second or so) when asked for.
if st.toggle(
    "Compare θ from both fits: one posterior, two samplers",
    key="sl_same_theta",
    help="Both forms target the same posterior for θ; see how far down the neck each sampler got.",
):
    same_theta_chart(fits, j, *moves["centered"], weak=regime.key == "weak")

# ---------------------------------------------------------------------------------------------
# 3. Chains

st.header("3 · Did the chains agree?")
st.markdown(
    f"Four chains started at different points. If they explore the same distribution, their draws of "
    f"τ and {theta_name} are interchangeable."
)
params = {"τ": ("tau", None), theta_name: ("theta", j)}
chain_frames = {form: sst.chain_frame(fits[form].idata, params) for form in FORMS}
# A radio rather than tabs: only the chosen plots are built (trace plots take a second or so).
chain_plot = st.radio("Show", CHAIN_PLOTS, key="sl_chain_plot", horizontal=True, label_visibility="collapsed")
plot, (width, height), caption = CHAIN_PLOTS[chain_plot]
kind = chain_plot.split()[0].lower()  # "rank" or "trace"
for col, form in zip(st.columns(2), FORMS, strict=True):
    with col:
        st.markdown(f"**{FORM_TITLES[form]}**")
        common.chart(
            plot(chain_frames[form], title=None, width=width, height=height),
            key=f"{kind}_{form}",
            name=f"{chain_plot[:-1]}, {form}",
        )
st.caption(caption)

# ---------------------------------------------------------------------------------------------
# 4. Diagnostics table


st.header("4 · The diagnostics, read aloud", help=define("rhat", "ess"))
table = readings_table(summaries)
st.table(table, hide_index=True)
st.caption(
    "R-hat and ESS (rank-normalised, Vehtari et al. 2021) are the worst over μ, τ, θ and σ. Step size and "
    "tree depth have no pass mark: compare the two forms. :material/check_circle: passes the usual "
    "threshold, :material/warning: does not."
)

# ---------------------------------------------------------------------------------------------
# 5. target_accept sweep


st.header("5 · Does raising target_accept help?")
st.markdown(
    "Raising target_accept makes step-size tuning aim for a higher acceptance rate, i.e. **smaller "
    "steps**. Small steps follow sharper curvature, so some divergences go away, at the price of longer "
    "trajectories. Measure it: the same data, seed and draws at four target_accept values, both forms."
)


def _start_sweep() -> None:
    st.session_state["sl_sweeps"] = (*st.session_state["sl_sweeps"], sweep_signature)


if not sweep_on:
    st.button(
        f"Run the sweep (8 fits: target_accept {', '.join(f'{t:g}' for t in sst.SWEEP_TARGET_ACCEPTS)})",
        on_click=_start_sweep,
        icon=":material/science:",
        key="sl_sweep_button",
        help="Results are kept: switching back to these settings shows them at once.",
    )
else:
    sweep = fitting.wait_for_fits(
        _request(sweep_settings, keep), label="Sweeping target_accept (8 fits, one after another)"
    )
    sweep_results(sweep, sst.DEFAULT_CHAINS * draws, FORM_TITLES)

# ---------------------------------------------------------------------------------------------
# 6. What to do


st.header("6 · What to do about divergences")
st.markdown(WHAT_TO_DO)

# ---------------------------------------------------------------------------------------------
# 7. Take it with you

st.header("7 · Take it with you")
lesson_downloads(fits, data, priors, main_settings, regime.key)

# Compile the other data set's model in the background, so switching the data is quick.
other = sst.REGIMES["strong" if regime.key == "weak" else "weak"]
fitting.warm_up(other.data(), poolings=("hierarchical",), tau_family=other.priors.tau_family)
