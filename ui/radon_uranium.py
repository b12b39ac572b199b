"""The Radon page's section on county uranium, a group-level predictor (Gelman & Hill ch. 12.6).

:func:`request` asks the fit service for the model with uranium (after the page's own three fits,
under the section's own owner id, so neither request cancels the other); :func:`section` waits for
it and draws the section: the idea, how much of the between-county spread uranium explains, the
chart of county intercepts against uranium (with or without uranium), the counties that moved
most, the diagnostics line and the PyMC script. Every sentence about the results comes from
:mod:`hbm_core.lessons.radon_uranium`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from hbm_core.lessons.radon_uranium import (
    U_LABEL,
    URANIUM_FIT,
    URANIUM_LABEL,
    WITHOUT_LABEL,
    coefficient_reading,
    diagnostics_line,
    fit_shifts,
    largest_move,
    line_frame,
    move_reading,
    spread_explained,
    spread_reading,
    toward_line_reading,
    with_uranium,
)
from hbm_core.lessons.real_data import RADON_URANIUM_PUBLISHED, county_sizes
from hbm_core.posterior.predict import stacked
from hbm_core.viz.palette import FIT_LABELS
from hbm_core.viz.uranium import uranium_shrinkage
from ui import common, fitting, views

if TYPE_CHECKING:
    from hbm_core.data.groups import GroupedData
    from hbm_core.inference.jobs import FitResult
    from hbm_core.inference.settings import FitSettings
    from hbm_core.priors import Priors

SECTION = "uranium"  # the section's owner suffix at the fit service
VIEW_KEY = "radon_uranium_view"
VIEWS = {
    "with": "With uranium: toward each county's line",
    "without": "Without uranium: toward one mean",
}
INTERCEPT_LABEL = "county intercept: log radon in a basement (log pCi/L)"
TOP = 10  # counties listed in the table of the largest moves


def request(data: GroupedData, priors: Priors, settings: FitSettings) -> fitting.FitRequests:
    """Ask for partial pooling with county uranium (``data``: radon as the page fits it)."""
    return fitting.request_section_fits(with_uranium(data), priors, settings, ("hierarchical",), SECTION)


def _published(parameter: str) -> float:
    """Gelman & Hill's value of ``parameter`` in the model with uranium."""
    return next(p.value for p in RADON_URANIUM_PUBLISHED if p.parameter == parameter)


def _moves_table(shifts: pd.DataFrame, partial: str, toward: str) -> pd.DataFrame:
    """The ``TOP`` counties of :func:`fit_shifts` with the largest |move|, largest first, for the page."""
    top = shifts.assign(size=shifts["moved"].abs()).sort_values(
        ["size", "county"], ascending=[False, True], kind="stable"
    )
    return top.head(TOP).rename(
        columns={
            "n": "houses",
            "u": "log uranium",
            "no_pooling": FIT_LABELS["unpooled"],
            "partial": partial,
            "target": toward,
            "moved": "moved by",
        }
    )[["county", "houses", "log uranium", FIT_LABELS["unpooled"], partial, toward, "moved by"]]


def section(
    number: int,
    requests: fitting.FitRequests,
    results: Mapping[str, FitResult],
    data: GroupedData,
    priors: Priors,
    settings: FitSettings,
) -> FitResult | None:
    """Draw the section (``results``: the page's three fits of ``data``); the uranium fit, or None
    when it failed (the section then says why)."""
    st.header(f"{number} · County uranium: a group-level predictor")
    st.markdown(
        "Radon comes out of uranium in the soil, and the survey also measured uranium in each county. "
        "Gelman & Hill give the model a **group-level predictor**: the county's log uranium u_j predicts "
        "its intercept, and partial pooling now pulls each county toward its own value on that line "
        "instead of toward one state-wide mean:"
    )
    # Two lines, not one: side by side they run off a phone's screen.
    st.latex(r"y_i \sim N(\alpha_{\text{county}[i]} + \beta\,\text{floor}_i,\ \sigma_y)")
    st.latex(r"\alpha_j \sim N(\gamma_0 + \gamma_1 u_j,\ \sigma_\alpha)")
    st.caption(
        f"u_j: log of the county's uranium in parts per million. Priors as above; γ1 ~ Normal(0, "
        f"{priors.beta_scale:g}), the same scale as β. The fit uses the page's sampler settings."
    )
    outcome = fitting.wait_for_fits(requests, label="Fitting the model with uranium")
    result = outcome.results.get("hierarchical")
    if result is None:
        reason = outcome.errors.get("hierarchical", "the fit did not finish")
        st.error(f"The model with uranium could not be fitted: {reason}", icon=":material/error:")
        return None

    uranium = pd.Series(np.asarray(data.meta["uranium"], dtype=float), index=list(data.groups))
    sizes = county_sizes(data)
    with_u = fit_shifts(results["unpooled"], result, sizes, uranium)
    without = fit_shifts(results["unpooled"], results["hierarchical"], sizes, uranium)
    tau_without = stacked(results["hierarchical"].idata.posterior, "tau")
    tau_with = stacked(result.idata.posterior, "tau")
    gamma = stacked(result.idata.posterior, "gamma")
    spread = spread_explained(tau_without, tau_with)

    # (label, value, note below it, help)
    metrics = (
        (
            "σ_α without uranium",
            f"{spread.without:.2f}",
            None,
            "Between-county sd around one mean (log pCi/L).",
        ),
        (
            "σ_α with uranium",
            f"{spread.with_:.2f}",
            f"{-spread.sd_drop:+.0%} sd",
            "Between-county sd around the uranium line (log pCi/L).",
        ),
        (
            "Variance explained",
            f"{spread.variance_share:.0%}",
            None,
            "1 − (σ_α with / σ_α without)²: the share of the between-county variance that uranium "
            "accounts for.",
        ),
        (
            "Uranium coefficient γ1",
            f"{float(np.mean(gamma)):.2f}",
            f"Gelman & Hill: {_published('gamma'):.2f}",
            "Posterior mean; log pCi/L of basement radon per unit of log uranium.",
        ),
    )
    for col, (label, value, note, help_text) in zip(st.columns(4), metrics, strict=True):
        col.metric(label, value, delta=note, delta_color="off", delta_arrow="off", help=help_text)
    st.markdown(f"{spread_reading(spread)} {coefficient_reading(gamma)}")

    if st.session_state.get(VIEW_KEY) not in VIEWS:  # unset, or a value from an older version
        st.session_state[VIEW_KEY] = "with"
    choice = st.radio(
        "Partial pooling shown in the chart",
        list(VIEWS),
        format_func=VIEWS.get,
        key=VIEW_KEY,
        horizontal=True,
        help="The same no-pooling circles; the arrows go to partial pooling with or without uranium.",
    )
    use_uranium = choice != "without"
    shown, other = (with_u, without) if use_uranium else (without, with_u)
    grid = np.linspace(float(uranium.min()), float(uranium.max()), 41)
    line = line_frame(result if use_uranium else results["hierarchical"], grid)
    partial_label = URANIUM_LABEL if use_uranium else WITHOUT_LABEL
    line_label = "Fitted line γ0 + γ1·u" if use_uranium else "One mean μ_α"
    chart = uranium_shrinkage(
        shown,
        line,
        x_label=U_LABEL,
        y_label=INTERCEPT_LABEL,
        partial_label=partial_label,
        line_label=line_label,
        title="County intercepts against county uranium",
        subtitle="with uranium in the model" if use_uranium else "without uranium in the model",
    )
    what = (
        "the fitted line γ0 + γ1·u (posterior mean, grey band its 94% interval): counties shrink toward "
        "the line, not toward one mean"
        if use_uranium
        else "the one mean μ_α of the model without uranium (grey band its 94% interval)"
    )
    reading = move_reading(shown, other, uranium=use_uranium)
    if use_uranium:
        reading += " " + toward_line_reading(with_u, without)
    common.chart(
        chart,
        "Each hollow blue circle is a county's own (no-pooling) intercept at its log uranium; the vermillion "
        f"arrow goes to its partial-pooling intercept; the grey line is {what}. Hover a mark for the "
        f"county, its houses and how far it moved. {reading}",
        name="County intercepts against uranium",
    )
    toward = "line value" if use_uranium else "μ_α"
    moves = _moves_table(shown, partial_label, toward)
    common.table(
        moves,
        {c: "%.2f" for c in ("log uranium", FIT_LABELS["unpooled"], partial_label, toward)},
        config={"moved by": st.column_config.NumberColumn(format="%+.2f")},
    )
    st.caption(
        f"The {TOP} counties that moved most {'with' if use_uranium else 'without'} uranium, largest first: "
        f"{largest_move(shown)['county']} leads. Intercepts in log pCi/L; "
        f"{toward}: where partial pooling pulls the county."
    )

    line_text, ok = diagnostics_line(result.diagnostics)
    if ok:
        st.success(line_text, icon=":material/check_circle:")
    else:
        st.warning(line_text, icon=":material/warning:")
        for note in result.diagnostics.warnings:
            st.warning(f"**{URANIUM_LABEL}:** {note}", icon=":material/warning:")
        common.lesson_link()
    _show_code(data, priors, settings)
    return result


def _show_code(data: GroupedData, priors: Priors, settings: FitSettings) -> None:
    """The PyMC script of no pooling and partial pooling with uranium, reading the data with u."""
    from hbm_core import codegen

    uranium_data = with_uranium(data)
    spec, raw = codegen.data_file(uranium_data, "radon_uranium.csv")
    name = "radon_uranium_pymc.py"
    script = codegen.pymc_script(
        spec, priors, settings, poolings=("unpooled", "hierarchical"), data=uranium_data, script_name=name
    )
    views.show_code(
        script,
        file_name=name,
        data_files={spec.file_name: raw},
        label="Show the code: the uranium model in plain PyMC",
        note=(
            f"The complete PyMC script behind this section: it reads `{spec.file_name}` (every house with "
            "its county's log uranium in column `u`), fits no pooling and partial pooling with uranium "
            "with the page's priors and sampler settings, and prints each fit's summary (γ1 is `gamma`, "
            "γ0 is `mu`, σ_α is `tau`). Its numbers match this section's within Monte Carlo error."
        ),
    )


def download_results(results: Mapping[str, FitResult], uranium: FitResult | None) -> dict[str, FitResult]:
    """The page's fits plus the uranium fit (when there is one), for the page's downloads."""
    return {**results, URANIUM_FIT: uranium} if uranium is not None else dict(results)


def download_estimates(estimates: pd.DataFrame, uranium: FitResult | None) -> pd.DataFrame:
    """The page's estimates table plus the uranium fit's county intercepts (fit ``uranium``)."""
    if uranium is None:
        return estimates
    return pd.concat([estimates, uranium.estimates.assign(fit=URANIUM_FIT)], ignore_index=True)
