"""Sampling lesson: centered vs non-centered, the funnel, divergences and what to do about them.

The same hierarchical model is fitted twice to the same data, once centered and once non-centered,
on weak data (eight schools) or strong data (three large groups). The page shows where the sampler
diverges (Neal's funnel), how the chains mix, what each diagnostic means, and what raising
target_accept does, measured on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from hbm_core import codegen
from hbm_core.data.groups import GroupedData
from hbm_core.inference.settings import FitSettings
from hbm_core.lessons import sampling as sst
from hbm_core.priors import Priors
from hbm_core.viz import charts
from ui import common, fitting, views

if TYPE_CHECKING:
    from hbm_core.inference.jobs import FitResult

TARGET_ACCEPTS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99)
DRAWS = (250, 500, 1000, 2000)  # every draw is plotted: charts stay responsive up to 2000
FORMS = sst.FORMS
FORM_TITLES = {"centered": "Centered", "non-centered": "Non-centered"}
# The two forms on the sweep chart: black and orange differ for every kind of colour vision, and
# neither is a pooling colour (both forms are partial pooling); they differ in shape and dash too.
FORM_COLORS = {"centered": "#E69F00", "non-centered": "#1a1a1a"}
FORM_SHAPES = {"centered": "circle", "non-centered": "square"}
FORM_DASHES = {"centered": [1, 0], "non-centered": [6, 3]}
SHORT = {"centered": "C", "non-centered": "NC"}

CHAIN_PLOTS = ("Rank plots", "Trace plots")

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


CHOICES = {
    "sl_regime": tuple(sst.REGIMES),
    "sl_target_accept": TARGET_ACCEPTS,
    "sl_draws": DRAWS,
    "sl_chain_plot": CHAIN_PLOTS,
}


def _ensure_state() -> None:
    """Defaults on first visit; values no widget offers (stale state) are reset with a message.

    Re-assigning keeps the values of widgets not drawn in this run (Streamlit forgets them
    otherwise: the other data set's group choice, or everything after a visit to another page).
    """
    fixed = []
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value
        current = st.session_state[key]
        if key in CHOICES and current not in CHOICES[key]:
            fixed.append(key.removeprefix("sl_"))
            current = value
        elif key == "sl_seed":
            if isinstance(current, int | float) and 0 <= current <= 1_000_000:
                current = int(current)
            else:
                fixed.append("seed")
                current = value
        elif key == "sl_sweeps" and not isinstance(current, tuple):
            current = value
        st.session_state[key] = current
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
    "posterior, and we watch how the sampler copes with each."
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
    c_draws.select_slider(
        "Draws per chain",
        DRAWS,
        key="sl_draws",
        help="Draws kept per chain, after 1000 tuning steps. 4 chains.",
    )
    c_seed.number_input(
        "Seed",
        min_value=0,
        max_value=1_000_000,
        step=1,
        key="sl_seed",
        help="The sampler's random seed (the data stay the same): same seed, same draws.",
    )

regime = sst.REGIMES[st.session_state["sl_regime"]]
target_accept = float(st.session_state["sl_target_accept"])
draws = int(st.session_state["sl_draws"])
seed = int(st.session_state["sl_seed"])
data: GroupedData = regime.data()
priors: Priors = regime.priors
st.caption(f"{regime.description} Priors: {priors.describe()}.")


def _data_table(data: GroupedData) -> pd.DataFrame:
    summary = data.group_summary()
    if data.family == "known_se":
        return pd.DataFrame(
            {"school": summary["group"], "estimated effect": summary["mean"], "standard error": data.se}
        )
    return pd.DataFrame(
        {
            "group": summary["group"],
            "n": summary["n"],
            "sample mean": summary["mean"].round(2),
            "sample sd": summary["sd"].round(2),
            "se of the mean": summary["se"].round(3),
        }
    )


with st.expander("See the data"):
    st.dataframe(_data_table(data), hide_index=True, width="content")


def _settings(form: str, ta: float) -> FitSettings:
    return FitSettings(
        draws=draws,
        tune=sst.DEFAULT_TUNE,
        chains=sst.DEFAULT_CHAINS,
        seed=seed,
        target_accept=ta,
        parameterization=form,
    )


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

cols = st.columns(2)
for col, form in zip(cols, FORMS, strict=True):
    s = summaries[form]
    other = summaries[FORMS[1 - FORMS.index(form)]]
    with col.container(border=True):
        st.markdown(
            f"#### {FORM_TITLES[form]}" + (" :green[:material/emoji_events: wins]" if winner == form else "")
        )
        m1, m2, m3 = st.columns(3)
        m1.metric(
            "divergences",
            s.divergences,
            delta=s.divergences - other.divergences if s.divergences != other.divergences else None,
            delta_color="inverse",
            help="Divergent transitions over all chains; the difference to the other form below.",
        )
        m2.metric("max R-hat", f"{s.max_rhat:.3f}", help="Should be at most 1.01.")
        m3.metric(
            "min bulk ESS",
            f"{s.min_ess_bulk:.0f}",
            help=f"Want at least {100 * s.chains} for {s.chains} chains.",
        )
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
if regime.key == "weak":
    captions = {
        "centered": (
            f"Look at the bottom: as τ shrinks, {theta_name} is squeezed towards μ, a narrow neck. The "
            "divergences pile up where the neck starts, and no draw gets below "
            f"log τ = {bottom['centered']:.1f}."
        ),
        "non-centered": (
            f"The offset {z_name} has a Normal(0, 1) prior whatever τ is, so the cloud stays round, and the "
            f"sampler gets down to log τ = {bottom['non-centered']:.1f}, deep into the neck the centered "
            "sampler cannot enter. Mind the different vertical axes."
        ),
    }
else:
    captions = {
        "centered": (
            f"The data pin {theta_name} down: whatever τ is, it stays in the same narrow band. "
            f"No neck, so nothing to diverge in ({n_div['centered']} divergent)."
        ),
        "non-centered": (
            f"Now {z_name} = ({theta_name} − μ) / τ must shrink whenever τ grows, because the data fix "
            f"{theta_name}, not {z_name}: a thin curved ridge, and {n_div['non-centered']} divergent "
            "transitions along it."
        ),
    }
left, right = st.columns(2)
with left:
    common.chart(
        charts.funnel(
            funnels["centered"],
            f"{theta_name} ({noun} {g}'s parameter)",
            title=f"Centered: the sampler moves {theta_name}",
            width=330,
            height=300,
        ),
        captions["centered"],
        key="funnel_centered",
        name="Funnel, centered",
    )
with right:
    common.chart(
        charts.funnel(
            funnels["non-centered"],
            f"{z_name} = ({theta_name} − μ) / τ",
            title=f"Non-centered: the sampler moves {z_name}",
            width=330,
            height=300,
        ),
        captions["non-centered"],
        key="funnel_noncentered",
        name="Funnel, non-centered",
    )

left, right = st.columns(2)
with left.container(border=True):
    st.markdown("##### What is a divergence?")
    st.markdown(
        "Hamiltonian Monte Carlo (NUTS) moves by simulating a ball rolling over the posterior, with a "
        "numerical integrator (leapfrog) that takes steps of a fixed size. Where the posterior's "
        "**curvature changes faster than the step size can follow**, like the neck of **Neal's "
        "funnel** where θ is confined to within a tiny τ of μ, the simulation blows up: its energy "
        "error explodes and the trajectory is abandoned. That is a *divergent transition*. The sampler "
        "then rarely gets into the neck, so small values of τ are under-represented and the estimates "
        "are biased, not just noisy."
    )
with right.container(border=True):
    st.markdown("##### Why reparameterizing fixes it")
    st.markdown(
        "Non-centering makes the offsets z_j **independent of τ a priori**: the sampler explores a "
        "round Normal(0, 1) cloud and θ_j = μ + τ z_j is computed afterwards, so there is no neck to "
        "squeeze through. That helps when the **data are weak** and the posterior looks like the "
        "prior. When the **data are strong** the likelihood pins each θ_j down, so z_j = (θ_j − μ)/τ "
        "must change whenever τ changes: now the non-centered posterior is the narrow, curved one and "
        "the **centered form is the better-conditioned** one."
    )

# A toggle rather than an expander: the chart is only built (a second or so) when asked for.
if st.toggle(
    "Compare θ from both fits: one posterior, two samplers",
    key="sl_same_theta",
    help="Both forms target the same posterior for θ; see how far down the neck each sampler got.",
):
    same = pd.concat(
        [sst.funnel_frame(fits[form].idata, j, form, variable="theta") for form in FORMS], ignore_index=True
    )
    low_tau = {form: float(np.quantile(np.exp(funnels[form]["log_tau"]), 0.05)) for form in FORMS}
    common.chart(
        charts.funnel(
            same,
            f"{theta_name} ({noun} {g}'s parameter)",
            title=f"{theta_name} against log τ, as estimated by each fit",
            width=330,
            height=260,
        ),
        "Both forms describe the same posterior, so both clouds should look alike. "
        + (
            "Where one sampler cannot get into the neck, its cloud stops short at the bottom. "
            if regime.key == "weak"
            else "Here they do: the non-centered fit's divergences sit inside the cloud, because its "
            "trouble is the ridge in (z, log τ), not a region of θ. "
        )
        + f"5% quantile of τ: centered {low_tau['centered']:.2g}, "
        f"non-centered {low_tau['non-centered']:.2g}.",
        key="funnel_same",
        name="Funnel, both fits",
    )

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
if chain_plot == "Rank plots":
    cols = st.columns(2)
    for col, form in zip(cols, FORMS, strict=True):
        with col:
            st.markdown(f"**{FORM_TITLES[form]}**")
            common.chart(
                charts.rank_plot(chain_frames[form], title=None, width=68, height=80),
                key=f"rank_{form}",
                name=f"Rank plot, {form}",
            )
    st.caption(
        "Rank all draws of a parameter together, then count each chain's draws per rank bin. Flat bars "
        "near the dashed line: the chains mix. A chain piled up at one end spent its time in a different "
        "part of the posterior (look at τ in the form that diverges)."
    )
else:
    cols = st.columns(2)
    for col, form in zip(cols, FORMS, strict=True):
        with col:
            st.markdown(f"**{FORM_TITLES[form]}**")
            common.chart(
                charts.trace_plot(chain_frames[form], title=None, width=330, height=110),
                key=f"trace_{form}",
                name=f"Trace plot, {form}",
            )
    st.caption(
        "Each chain's draws in order. Good chains overlap like fuzzy caterpillars; flat stretches where a "
        "chain gets stuck (often at small τ, in the neck) are the time series of a divergence problem."
    )

# ---------------------------------------------------------------------------------------------
# 4. Diagnostics table


def _cell(value: str, ok: bool | None) -> str:
    return {True: ":green[:material/check_circle:] ", False: ":orange[:material/warning:] ", None: ""}[
        ok
    ] + value


st.header("4 · The diagnostics, read aloud")
read = {
    form: sst.readings(summaries[form], summaries[FORMS[1 - FORMS.index(form)]]).set_index("quantity")
    for form in FORMS
}
table = pd.DataFrame(
    {
        "quantity": read["centered"].index,
        "centered": [
            _cell(v, ok) for v, ok in zip(read["centered"]["value"], read["centered"]["ok"], strict=True)
        ],
        "what it says (centered)": read["centered"]["reading"].to_numpy(),
        "non-centered": [
            _cell(v, ok)
            for v, ok in zip(read["non-centered"]["value"], read["non-centered"]["ok"], strict=True)
        ],
        "what it says (non-centered)": read["non-centered"]["reading"].to_numpy(),
    }
)
st.table(table, hide_index=True)
st.caption(
    "R-hat and ESS (rank-normalised, Vehtari et al. 2021) are the worst over μ, τ, θ and σ. Step size and "
    "tree depth have no pass mark: compare the two forms. :material/check_circle: passes the usual "
    "threshold, :material/warning: does not."
)

# ---------------------------------------------------------------------------------------------
# 5. target_accept sweep


def _sweep_chart(frame: pd.DataFrame, total: int) -> alt.LayerChart:
    """Divergences against target_accept, one line per form (colour, shape and dash differ)."""
    domain = list(FORMS)
    x = alt.X(
        "target_accept:Q",
        title="target_accept",
        scale=alt.Scale(domain=[0.78, 1.0]),
        axis=alt.Axis(values=list(sst.SWEEP_TARGET_ACCEPTS), format=".2f"),
    )
    y = alt.Y("divergences:Q", title=f"divergent transitions (of {total} draws)")
    color = alt.Color(
        "form:N", title=None, scale=alt.Scale(domain=domain, range=[FORM_COLORS[f] for f in domain])
    )
    shape = alt.Shape(
        "form:N", title=None, scale=alt.Scale(domain=domain, range=[FORM_SHAPES[f] for f in domain])
    )
    tooltip = [
        alt.Tooltip("form:N"),
        alt.Tooltip("target_accept:Q", format=".2f"),
        alt.Tooltip("divergences:Q"),
        alt.Tooltip("leapfrog steps per draw:Q", format=".0f"),
    ]
    base = alt.Chart(frame).encode(x=x, y=y, color=color, tooltip=tooltip)
    lines = [
        base.transform_filter(alt.datum.form == f).mark_line(strokeWidth=2.5, strokeDash=FORM_DASHES[f])
        for f in domain
    ]
    layers = [
        *lines,
        base.mark_point(filled=True, size=120, opacity=1).encode(shape=shape),
        # count labels above the points, centered to the left and non-centered to the right, so that
        # equal counts (often 0 and 0) do not print on top of each other
        *[
            base.transform_filter(alt.datum.form == f)
            .mark_text(dy=-14, dx=dx, align=align, fontSize=14, fontWeight="bold")
            .encode(text="divergences:Q")
            for f, dx, align in (("centered", -4, "right"), ("non-centered", 4, "left"))
        ],
    ]
    chart = alt.layer(*layers, width="container", height=300, title="Divergences vs target_accept")
    return charts.apply_theme(chart)


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
    rows = []
    for (form, ta), result in sweep.results.items():
        s = sst.sampler_summary(result.idata)
        rows.append(
            {
                "target_accept": ta,
                "form": form,
                "divergences": s.divergences,
                "max R-hat": s.max_rhat,
                "min bulk ESS": s.min_ess_bulk,
                "leapfrog steps per draw": s.mean_leapfrog_steps,
                "seconds": result.diagnostics.seconds,
            }
        )
    for (form, ta), message in sweep.errors.items():
        st.warning(f"{FORM_TITLES[form]} at target_accept {ta:g}: {message}", icon=":material/warning:")
    if rows:
        frame = pd.DataFrame(rows).sort_values(["form", "target_accept"], ignore_index=True)
        left, right = st.columns([3, 2])
        with left:
            common.chart(
                _sweep_chart(frame, sst.DEFAULT_CHAINS * draws),
                "Read each line from left to right: does the count fall to 0, and how fast? A form that "
                "still diverges at 0.99 needs reparameterizing, not smaller steps.",
                key="sweep_chart",
                name="target_accept sweep",
            )
        with right:
            wide = {
                name: frame.pivot(index="target_accept", columns="form", values=column).reindex(
                    columns=list(FORMS)
                )
                for name, column in (
                    ("divergences", "divergences"),
                    ("steps/draw", "leapfrog steps per draw"),
                )
            }
            compact = pd.DataFrame({"target accept": [f"{t:.2f}" for t in wide["divergences"].index]})
            for name, short, fmt in (("divergences", "div.", "{:.0f}"), ("steps/draw", "steps", "{:.0f}")):
                for f in FORMS:
                    compact[f"{short} {SHORT[f]}"] = [
                        "–" if pd.isna(v) else fmt.format(v) for v in wide[name][f].to_numpy()
                    ]
            st.table(compact, hide_index=True)
            st.caption(
                "div. = divergent transitions, steps = leapfrog steps per draw (the cost of smaller steps); "
                "C = centered, NC = non-centered."
            )
        with st.expander("All numbers of the sweep"):
            st.dataframe(
                frame,
                hide_index=True,
                width="stretch",
                column_config={
                    "target_accept": st.column_config.NumberColumn(format="%.2f"),
                    "max R-hat": st.column_config.NumberColumn(format="%.3f"),
                    "min bulk ESS": st.column_config.NumberColumn(format="%d"),
                    "leapfrog steps per draw": st.column_config.NumberColumn(format="%.0f"),
                    "seconds": st.column_config.NumberColumn(format="%.2f", help="Sampling wall time."),
                },
            )

# ---------------------------------------------------------------------------------------------
# 6. What to do


st.header("6 · What to do about divergences")
st.markdown(
    """
1. **Never ignore them.** Even a handful means part of the posterior was not explored; the
   estimates (of τ above all) can be biased while R-hat still looks fine.
2. **Look where they are.** Divergences bunched at small τ are the funnel: a parameterization problem.
3. **Reparameterize.** Weakly informed groups: non-centered. Strongly informed groups: centered.
   This app's other pages choose per group (*auto*), from each group's standard error and an estimate of τ.
4. **Then raise target_accept** (0.9, 0.95, 0.99) for the last few: smaller steps, slower sampling.
   It treats the symptom; the sweep above shows when it is not enough.
5. **More draws do not help:** the sampler still cannot enter the region it diverges in.
6. Still stuck? Stronger (more informative) priors on τ, or a simpler model, may be the honest answer.
"""
)

# ---------------------------------------------------------------------------------------------
# 7. Take it with you

st.header("7 · Take it with you")
estimates_by_form = pd.concat(
    [fits[form].estimates.assign(parameterization=form) for form in FORMS], ignore_index=True
)
views.downloads(
    fits, estimates_by_form, common.charts_on_page(), f"sampling-{regime.key}", labels=FORM_TITLES
)
spec, raw = codegen.data_file(data)
for form in FORMS:
    script_name = f"sampling_{regime.key}_{form.replace('-', '_')}.py"
    views.show_code(
        codegen.pymc_script(
            spec, priors, main_settings[form], poolings=("hierarchical",), data=data, script_name=script_name
        ),
        file_name=script_name,
        data_files={spec.file_name: raw},
        label=f"Show the code: the {FORM_TITLES[form].lower()} fit in plain PyMC",
        note=(
            f"The complete PyMC script for the {FORM_TITLES[form].lower()} fit above: it reads "
            f"`{spec.file_name}` (download it below and keep it next to the script), builds the same "
            f"model with the same priors, target_accept {target_accept:g}, draws and seed, and prints "
            "the summary. Its divergence count differs from the page's (another random path), but the "
            "same form should struggle."
        ),
    )

# Compile the other data set's model in the background, so switching the data is quick.
other = sst.REGIMES["strong" if regime.key == "weak" else "weak"]
fitting.warm_up(other.data(), poolings=("hierarchical",), tau_family=other.priors.tau_family)
