"""The sampling lesson's Streamlit parts: the two forms' cards, and the target_accept sweep's chart and
results."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from hbm_core import codegen, viz
from hbm_core.lessons import sampling as sst
from hbm_core.lessons.sampling_page import FORM_TITLES, sweep_compact, sweep_frame
from ui import common, fitting, views

# The two forms on the sweep chart: black and orange differ for every kind of colour vision, and
# neither is a pooling colour (both forms are partial pooling); they differ in shape and dash too.
FORM_COLORS = {"centered": "#E69F00", "non-centered": "#1a1a1a"}
FORM_SHAPES = {"centered": "circle", "non-centered": "square"}
FORM_DASHES = {"centered": [1, 0], "non-centered": [6, 3]}


def form_cards(summaries: dict[str, sst.SamplerSummary], winner: str | None) -> None:
    """One card per form: divergences (and the difference to the other form), R-hat and ESS."""
    forms = sst.FORMS
    for col, form in zip(st.columns(2), forms, strict=True):
        s = summaries[form]
        other = summaries[forms[1 - forms.index(form)]]
        with col.container(border=True):
            st.markdown(
                f"### {FORM_TITLES[form]}"
                + (" :green[:material/emoji_events: wins]" if winner == form else "")
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


def sweep_chart(frame: pd.DataFrame, total: int) -> alt.LayerChart:
    """Divergences against target_accept, one line per form (colour, shape and dash differ)."""
    domain = list(sst.FORMS)
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
    return viz.apply_theme(chart)


def sweep_results(sweep: fitting.FitOutcome, total: int, titles: dict[str, str]) -> None:
    """The sweep's fits (by (form, target_accept)): warnings for failed fits, the chart, a compact
    table and every number (``total``: draws per fit; ``titles``: the forms' names)."""
    for (form, ta), message in sweep.errors.items():
        st.warning(f"{titles[form]} at target_accept {ta:g}: {message}", icon=":material/warning:")
    if not sweep.results:
        return
    frame = sweep_frame(sweep.results)
    left, right = st.columns([3, 2])
    with left:
        common.chart(
            sweep_chart(frame, total),
            "Read each line from left to right: does the count fall to 0, and how fast? A form that "
            "still diverges at 0.99 needs reparameterizing, not smaller steps.",
            key="sweep_chart",
            name="target_accept sweep",
        )
    with right:
        st.table(sweep_compact(frame), hide_index=True)
        st.caption(
            "div. = divergent transitions, steps = leapfrog steps per draw (the cost of smaller steps); "
            "C = centered, NC = non-centered."
        )
    with st.expander("All numbers of the sweep"):
        common.table(
            frame,
            {
                "target_accept": "%.2f",
                "max R-hat": "%.3f",
                "min bulk ESS": "%d",
                "leapfrog steps per draw": "%.0f",
            },
            config={"seconds": st.column_config.NumberColumn(format="%.2f", help="Sampling wall time.")},
        )


def same_theta_chart(fits: Mapping, j: int, theta: str, theta_axis: str, weak: bool) -> None:
    """θ of group ``j`` (named ``theta``, axis title ``theta_axis``) against log τ from both fits: one
    posterior, two samplers (``weak``: the weak data)."""
    forms = sst.FORMS
    frames = {form: sst.funnel_frame(fits[form].idata, j, form, variable="theta") for form in forms}
    low_tau = {form: float(np.quantile(np.exp(frames[form]["log_tau"]), 0.05)) for form in forms}
    common.chart(
        viz.funnel(
            pd.concat(frames.values(), ignore_index=True),
            theta_axis,
            title=f"{theta} against log τ, as estimated by each fit",
            width=330,
            height=260,
        ),
        "Both forms describe the same posterior, so both clouds should look alike. "
        + (
            "Where one sampler cannot get into the neck, its cloud stops short at the bottom. "
            if weak
            else "Here they do: the non-centered fit's divergences sit inside the cloud, because its "
            "trouble is the ridge in (z, log τ), not a region of θ. "
        )
        + f"5% quantile of τ: centered {low_tau['centered']:.2g}, "
        f"non-centered {low_tau['non-centered']:.2g}.",
        key="funnel_same",
        name="Funnel, both fits",
    )


def lesson_downloads(fits: Mapping, data, priors, settings: Mapping, regime: str) -> None:
    """Downloads of both fits, and the PyMC script of each (``settings``: FitSettings by form)."""
    forms = sst.FORMS
    estimates = pd.concat(
        [fits[form].estimates.assign(parameterization=form) for form in forms], ignore_index=True
    )
    views.downloads(fits, estimates, common.charts_on_page(), f"sampling-{regime}", labels=FORM_TITLES)
    spec, raw = codegen.data_file(data)
    for form in forms:
        title = FORM_TITLES[form].lower()
        script_name = f"sampling_{regime}_{form.replace('-', '_')}.py"
        views.show_code(
            codegen.pymc_script(
                spec, priors, settings[form], poolings=("hierarchical",), data=data, script_name=script_name
            ),
            file_name=script_name,
            data_files={spec.file_name: raw},
            label=f"Show the code: the {title} fit in plain PyMC",
            note=(
                f"The complete PyMC script for the {title} fit above: it reads `{spec.file_name}` "
                "(download it below and keep it next to the script), builds the same model with the same "
                f"priors, target_accept {settings[form].target_accept:g}, draws and seed, and prints the "
                "summary. Its divergence count differs from the page's (another random path), but the same "
                "form should struggle."
            ),
        )
