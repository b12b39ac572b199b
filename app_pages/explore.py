"""Explore: set the groups with sliders and watch complete, no and partial pooling respond."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hbm_core import codegen, viz
from hbm_core.data.groups import DataError, group_labels, synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.inference.settings import LIVE_TUNE, MAX_GROUPS
from hbm_core.priors import Priors
from hbm_core.viz.palette import FIT_LABELS
from ui import classroom_mode, common, controls, prediction, results, truth_views, views
from ui.explore_state import (
    CUSTOM,
    DRAWS,
    PRESET_NOTES,
    PRESETS,
    SIGMA_MODES,
    TARGET_ACCEPT,
    Settings,
    apply_preset,
    ensure_state,
    settings_from_state,
    write_query_params,
)
from ui.glossary_links import define

Y_LABEL = "outcome (units)"
#: Glossary terms Explore defines where they first appear (intro, sidebar, section 6), so the shared
#: sections do not define them again.
DEFINED_ABOVE = ("tau", "pooling_factor", "divergences", "parameterization")
NO_EXACT = "The exact engine needs a within-group spread: give at least one group two observations."

common.start_page()
ensure_state()  # defaults, or the settings in the page's link on first load

# ---------------------------------------------------------------------------------------------
# Sidebar: the secondary settings (the groups' own sliders sit in the main column, beside their chart)


def _new_sample() -> None:
    st.session_state["seed"] = int(st.session_state["seed"]) + 1


with st.sidebar:
    classroom = st.toggle(
        "Classroom mode",  # no icon in the label: screen readers would read its code
        key="classroom",
        help="For a projector: larger text and charts, fewer controls, and the story one step per "
        "click (Back / Next, or PageUp / PageDown). The hidden settings keep their values.",
    )
    if not classroom:  # classroom mode has its own prediction step (the class votes)
        prediction.predict_first_toggle()
    st.header("Groups")
    st.selectbox(
        "Preset",
        [*PRESETS, CUSTOM],
        key="preset",
        on_change=apply_preset,
        help="Classic examples; you can change every slider afterwards.",
    )
    if st.session_state["preset"] in PRESET_NOTES:
        st.caption(PRESET_NOTES[st.session_state["preset"]])
    st.slider("Number of groups", 2, MAX_GROUPS, key="n_groups")
    controls.seed_input(
        "seed", "The random seed of the simulated data and of the sampler: same seed, same results."
    )
    st.button(
        "New sample",
        on_click=_new_sample,
        icon=":material/casino:",
        width="stretch",
        help="Draw a fresh data set with the same settings (next seed).",
    )
    # Each group's sliders are not here: they sit beside the chart they drive (group_editor below).

# Classroom mode hides the model and sampler settings; ensure_state keeps their values meanwhile.
if not classroom:
    with st.sidebar:
        st.header("Model")
        st.slider(
            "Prior scale of τ",
            0.5,
            20.0,
            step=0.5,
            key="tau_scale",
            help="τ ~ HalfNormal(scale): how different the groups may be a priori.",
        )
        common.radio(
            "Observation sd σ",
            SIGMA_MODES,
            "sigma",
            help="One sd per group matches groups with different spreads; one shared sd is the better "
            "model when the groups' spreads are alike, and copes with tiny groups.",
        )
        with st.expander("Sampler"):
            controls.draws_slider("draws", DRAWS)
            controls.chains_slider("chains")
            st.select_slider(
                "target_accept",
                TARGET_ACCEPT,
                key="target_accept",
                help=define(
                    "divergences",
                    lead="Higher values take smaller steps: fewer divergences, slower sampling. "
                    "auto: 0.95 for partial pooling and 0.9 for the other fits, or 0.99 when a group has "
                    "fewer than 10 observations.",
                ),
            )
            st.radio(
                "Partial-pooling parameterization",
                ["auto", "centered", "non-centered"],
                key="param",
                horizontal=True,
                help=define("parameterization", lead="auto centers the groups whose data are informative."),
            )

if not classroom:  # classroom mode has its own headings and fewer words
    st.title("Explore partial pooling")
    # Where the groups' sliders are (group_editor): beside the chart they drive.
    where = (
        "the data (section 1)"
        if st.session_state.get(prediction.TOGGLE)
        else "the shrinkage chart (section 2)"
    )
    st.markdown(
        "Each group's data are simulated from its own **true mean**. Three models estimate the group "
        f"means: **{FIT_LABELS['pooled']}** (one mean for everybody), **{FIT_LABELS['unpooled']}** (each "
        f"group on its own) and **{FIT_LABELS['hierarchical']}** (a hierarchical model: the group means "
        "come from a common population with mean μ and spread τ, which the model estimates). Move the "
        f"groups' sliders beside {where} and watch the groups whose own data say little borrow strength "
        "from the others.",
        help=define("tau"),
    )


# ---------------------------------------------------------------------------------------------
# The groups' sliders, the data, the exact preview and the MCMC fits: one fragment, so that moving
# a group's slider redraws only these (not the sidebar, the title and the text above).


def group_editor() -> None:
    """Each group's size, true mean and true sd: one tab per group, three sliders in each.

    Drawn in the main column beside the chart the sliders drive (results.beside), not in the
    sidebar, which on a phone is an overlay over the charts. Every tab is rendered (only one is
    shown), so every group's slider keys (``size_j``, ``mean_j``, ``sd_j``) exist on every run.
    """
    labels = group_labels(int(st.session_state["n_groups"]))
    st.markdown("**Groups**: size, true mean and spread")
    # Fixed tab labels (the group's letter): the open tab stays open while its sliders move.
    for j, tab in enumerate(st.tabs(labels, key="group_tabs")):
        with tab:
            st.slider("Group size", 1, 500, key=f"size_{j}", help=f"Observations in group {labels[j]}.")
            st.slider(
                "True mean",
                -10.0,
                20.0,
                step=0.5,
                key=f"mean_{j}",
                help=f"The mean group {labels[j]}'s data are simulated from (units).",
            )
            st.slider(
                "True standard deviation",
                0.1,
                10.0,
                step=0.1,
                key=f"sd_{j}",
                help=f"Spread of group {labels[j]}'s observations around its mean (units).",
            )


@st.fragment
def groups_and_results() -> None:
    """The group sliders and everything that follows from them (main area).

    The sliders sit beside the chart they drive: the shrinkage chart (section 2), the step's chart in
    classroom mode, or the data (section 1) while Predict first is on, whose results wait for the
    reveal (the sliders stay in one place while the student predicts, moves a slider, predicts again).
    """
    settings: Settings = settings_from_state()
    write_query_params(settings)

    try:
        data = synthetic_groups(
            settings.sizes, settings.means, settings.sds, seed=settings.seed, y_label=Y_LABEL
        )
    except DataError as err:
        st.error(f"These settings cannot be simulated: {err}")
        group_editor()  # still there: the way out is another slider value
        return

    priors = Priors(
        mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=settings.tau_scale, sigma_scale=10.0
    )
    fit_settings = controls.settings_from_state(
        "",
        tune=LIVE_TUNE,
        lighter_simple_fits=True,
        target_accept=settings.target_accept,
        parameterization=settings.param,
    )
    sigma_note = (
        "one observation sd per group" if settings.sigma == "group" else "one observation sd for all groups"
    )
    if not settings.classroom:
        st.caption(f"Priors: {priors.describe()} (σ: {sigma_note}).")

    quick = preview(data, priors, sigma=settings.sigma)

    singletons = [g for g, n in zip(data.groups, settings.sizes, strict=False) if n == 1]
    if singletons and settings.sigma == "group":
        st.info(
            f"Group{'s' if len(singletons) > 1 else ''} {', '.join(singletons)} "
            f"{'have' if len(singletons) > 1 else 'has'} a single observation: its own standard deviation "
            "cannot be estimated from the data, so its uncertainty comes mostly from the prior on σ.",
            icon=":material/info:",
        )

    if settings.classroom:  # the story one step per click, for a projector (ui/classroom_mode.py)
        classroom_mode.step_through(
            data,
            priors,
            fit_settings,
            quick,
            step=settings.step,
            sigma=settings.sigma,
            y_label=Y_LABEL,
            controls=group_editor,
        )
        return

    # On a warm server the fits start here, before anything is drawn: they sample while the page draws.
    fits = results.Fits(data, priors, fit_settings, quick, sigma=settings.sigma)

    st.header("1 · The data")
    shown = {
        "data": viz.data_strip(
            data.to_frame(), Y_LABEL, pd.DataFrame({"group": data.groups, "true_mean": data.true_means})
        )
    }
    predicting = bool(st.session_state.get(prediction.TOGGLE))
    with results.beside(group_editor if predicting else None):
        common.chart(
            shown["data"],
            "Each dot is one observation; the tick is the group's sample mean and the diamond its true "
            "mean. Small groups have sample means that can land far from the truth.",
        )
    if not prediction.predict_first(data, quick, (priors, settings.sigma)):  # results after the reveal
        return
    drawn = results.result_sections(
        fits,
        Y_LABEL,
        "units",
        charts=shown,
        defined=DEFINED_ABOVE,
        controls=None if predicting else group_editor,
    )
    charts = dict(drawn.charts)
    exact = quick.exact if quick is not None else None

    st.header("6 · Why some groups shrink more")
    st.markdown(
        "How far partial pooling pulls a group depends on how **precise** the group's own sample mean is: "
        "its standard error, the spread of its observations divided by √n. A large group with widely "
        "spread data can be pulled more than a small group with tight data.",
        help=define("pooling_factor"),
    )

    def pooling_curve_box() -> dict[str, object]:
        if exact is None:
            st.info(NO_EXACT, icon=":material/info:")
            return {}
        return truth_views.pooling_curve_view(exact, settings.sizes, "units")

    charts |= views.on_demand("Show the pooling curve", "open_pooling_curve", pooling_curve_box) or {}

    st.header("7 · Fix τ: from complete pooling to no pooling")
    st.markdown(
        "Given the spread τ of the true group means, every estimate is a weighted average of the group's "
        "own sample mean and the population mean, computed exactly. Drag τ from 0 (all groups the same) "
        "to large (each group on its own) and watch every estimate move."
    )

    def tau_slider_box() -> None:
        if exact is None:
            st.info(NO_EXACT, icon=":material/info:")
        else:
            truth_views.tau_slider_view(exact, settings.sizes, data.true_means, priors, Y_LABEL, "units")

    views.on_demand("Show the τ slider", "open_tau_slider", tau_slider_box)

    st.header("8 · Scoring against the truth")
    st.markdown(
        "Simulated data know their true means, so each method can be scored: how far is each estimate "
        "from the truth? One data set can be lucky; the same settings simulated many times show how often "
        "and by how much partial pooling wins (Efron and Morris, 1975), and for which groups it loses."
    )
    scored = (
        drawn.estimates if drawn.estimates is not None else (quick.estimates if quick is not None else None)
    )

    def scores_box() -> dict[str, object]:
        if scored is None:
            st.info("No estimates to score for these settings.", icon=":material/info:")
            return {}
        return truth_views.truth_view(
            scored,
            settings.sizes,
            settings.means,
            settings.sds,
            priors,
            settings.sigma,
            settings.seed,
            "units",
        )

    charts |= views.on_demand("Show the scores", "open_truth_scores", scores_box) or {}

    st.header("9 · Take it with you")
    views.downloads(drawn.outcome.results, drawn.estimates, charts, stem=f"explore-seed{settings.seed}")
    views.show_code(
        codegen.pymc_script(
            codegen.SyntheticSpec(settings.sizes, settings.means, settings.sds, settings.seed, Y_LABEL),
            priors,
            fits.used,
            sigma=settings.sigma,
        ),
        file_name=f"explore_seed{settings.seed}.py",
    )


groups_and_results()
