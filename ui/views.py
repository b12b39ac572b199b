"""Views shared by the pages with fit results: the shrinkage, forest and population views, download
buttons for traces, estimates and charts, "Show the code", and boxes built only while open
(:func:`on_demand`).

Every view draws into the current Streamlit container and returns the Altair charts it drew, so a
page can hand them to :func:`downloads`. The files are built only when a button is clicked
(``st.download_button`` with a callable ``data``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd
import streamlit as st

from hbm_core import exports, viz
from hbm_core.inference.settings import POOLINGS
from hbm_core.lessons.shrinkage_reading import (
    Own,
    interval_reading,
    narrowing_reading,
    own_data_note,
    shrinkage_reading,
)
from hbm_core.markdown_text import escape
from hbm_core.viz.palette import FIT_LABELS
from ui import common

if TYPE_CHECKING:
    from streamlit.runtime.state import WidgetCallback

    from hbm_core.data.groups import GroupedData
    from hbm_core.exact.preview import Preview
    from hbm_core.inference.jobs import FitResult
    from hbm_core.inference.settings import FitSettings
    from hbm_core.priors import Priors

# ---------------------------------------------------------------------------------------------
# Boxes built on demand


def on_demand[T](
    label: str,
    key: str,
    build: Callable[[], T],
    *,
    icon: str | None = None,
    expanded: bool = False,
    on_toggle: WidgetCallback | None = None,
) -> T | None:
    """An expander whose content is built only while it is open: Streamlit's lazy expander (opening
    or closing it reruns the page; its ``open`` says which). Sections far below the sliders, script
    listings and rows of download buttons cost server and browser time on every slider move when
    built closed (#22); once opened, a box stays open for the session and follows every move.

    ``key``: the box's session-state key (True while open), so a test or a page can open it;
    ``build``: draws the content (inside the box) and its return value is returned, None while the
    box is closed; ``on_toggle``: a callback run when the user opens or closes it, before the rerun.
    """
    box = st.expander(label, expanded=expanded, icon=icon, key=key, on_change=on_toggle or "rerun")
    if not box.open:
        return None
    with box:
        return build()


# ---------------------------------------------------------------------------------------------
# Result views


def shrinkage_view(
    estimates: pd.DataFrame,
    y_label: str,
    note: str = "",
    *,
    title: str | None = None,
    caption: str | None = None,
    classroom: bool = False,
    unit: str = "",
    group_word: str = "group",
    own: Own = "unpooled",
    center: float | None = None,
) -> alt.TopLevelMixin:
    """The shrinkage arrows (own estimate -> partial pooling), with what they show and ``note``.

    The caption explains the chart and then reads it: which group moved most and why, computed
    from ``estimates`` (:func:`shrinkage_reading`; ``unit`` and ``group_word`` phrase it, ``own``
    is where the arrows start, ``center`` the population mean μ they head for when known).
    ``title`` and ``caption`` replace the chart's title and the
    whole caption (``""``: none; a page that explains the chart itself). ``classroom=True``
    draws the chart for a projector (larger fonts and marks, darker colours).
    """
    extra = {} if title is None else {"title": title or None}  # "" -> None: no title
    figure = viz.shrinkage(estimates, y_label, classroom=classroom, own=own, **extra)
    if caption is None:
        start = "own data" if own == "raw" else "own estimate (no pooling)"
        caption = (
            f"Each arrow runs from a {group_word}'s {start}, the hollow circle, to its partial-pooling "
            "estimate; the dashed line is the complete-pooling estimate. A move is the pooling factor "
            "times the distance to the others: the less precise a group's own estimate, the larger its "
            "pooling factor. "
            # user data name the groups and the unit: shown as written, never as Markdown
            + escape(shrinkage_reading(estimates, unit=unit, group_word=group_word, own=own, center=center))
        )
        if own == "raw":
            caption = f"{caption} {escape(own_data_note(estimates, group_word=group_word))}"
    common.chart(
        figure,
        f"{caption} {note}".strip(),
        alt=title
        or (None if title is None else "Shrinkage: from each group's own estimate to partial pooling"),
    )
    return figure


_FOREST_CAPTION = (
    "Point estimates with 94% intervals. No pooling gives wide intervals to groups whose data are few "
    "or spread out; complete pooling gives one narrow interval for everybody, which ignores real "
    "differences; partial pooling sits in between."
)


def forest_view(
    estimates: pd.DataFrame,
    y_label: str,
    *,
    title: str | None = None,
    caption: str | None = None,
    classroom: bool = False,
    unit: str = "",
) -> alt.TopLevelMixin:
    """The fits' estimates with 94% intervals, group by group (every fit in ``estimates``).

    ``title`` and ``caption`` replace the chart's title and the explanation of all three fits
    (for a subset of the fits; ``""``: none). The default caption adds which interval is widest
    under no pooling and which one partial pooling narrowed most, computed from ``estimates``.
    ``classroom=True``: drawn for a projector.
    """
    extra = {} if title is None else {"title": title or None}  # "" -> None: no title
    figure = viz.forest(estimates, y_label, classroom=classroom, **extra)
    if caption is None:
        readings = [interval_reading(estimates, unit=unit), narrowing_reading(estimates, unit=unit)]
        caption = " ".join([_FOREST_CAPTION, *(escape(r) for r in readings if r)])
    common.chart(
        figure,
        caption,
        alt=title or (None if title is None else "Estimates with 94% intervals, group by group"),
    )
    return figure


def population_view(
    hier: FitResult | None, quick: Preview | None, scale_label: str, *, classroom: bool = False
) -> dict[str, alt.TopLevelMixin]:
    """The posterior of μ and τ (the exact τ density while sampling), and below it the pooling factors.

    One above the other, not side by side: half of a 1024-pixel projector's page is too narrow for
    either chart's legend and axis titles.

    ``scale_label`` names the scale of μ and τ, e.g. "units" or "logit scale". Returns the charts
    drawn, keyed "population" and "pooling". ``classroom=True``: drawn for a projector.
    """
    drawn: dict[str, alt.TopLevelMixin] = {}
    if hier is not None:
        post = hier.idata.posterior
        draws = pd.concat(
            [
                pd.DataFrame({"value": post["mu"].values.ravel(), "parameter": "μ (population mean)"}),
                pd.DataFrame({"value": post["tau"].values.ravel(), "parameter": "τ (between-group sd)"}),
            ]
        )
        drawn["population"] = viz.posterior_density(draws, f"value, {scale_label}", classroom=classroom)
        common.chart(
            drawn["population"],
            "Posterior of the population mean μ and of τ, the spread of the true group means. "
            "A τ near 0 means the groups look alike and are pooled strongly.",
            alt="Posterior of the population mean μ and of τ",
        )
        pop = hier.population.set_index("parameter")
        st.caption(
            " · ".join(
                f"{name} = {pop.loc[name, 'mean']:.2f} [{pop.loc[name, 'hdi_low']:.2f}, "
                f"{pop.loc[name, 'hdi_high']:.2f}]"
                for name in ("mu", "tau", "beta")
                if name in pop.index
            )
            + f" (posterior mean, 94% HDI; {escape(scale_label)})"
        )
    elif quick is not None:
        drawn["population"] = viz.grid_density(
            quick.exact.tau_frame(), f"τ (between-group sd), {scale_label}", classroom=classroom
        )
        common.chart(
            drawn["population"],
            "Exact posterior of τ (σ plugged in), while the sampler runs.",
            alt="Exact posterior of τ",
        )
    if hier is not None:
        estimates = hier.estimates
    elif quick is not None:
        estimates = quick.estimates[quick.estimates.fit == "hierarchical"]
    else:
        estimates = None
    if estimates is not None and estimates["pooling"].notna().any():
        drawn["pooling"] = viz.pooling_bars(estimates, classroom=classroom)
        common.chart(
            drawn["pooling"],
            "Pooling factor: 0 = the group keeps its own estimate, 1 = it is pulled all the way to μ. "
            "It grows as the group's standard error grows relative to τ.",
            alt="Pooling factor of each group",
        )
    return drawn


def published_table(comparison: pd.DataFrame, drop: list[str], number_format: str = "%.3f", **kwargs) -> None:
    """Published numbers beside the app's (``hbm_core.lessons.real_data.compare_published``), without
    the columns in ``drop``; ``kwargs`` go to ``st.dataframe`` (e.g. height)."""
    comparison = comparison.assign(difference=comparison["difference"].round(3) + 0.0)  # no "-0.000"
    number = {c: number_format for c in ("published", "published sd")}
    common.table(
        comparison.drop(columns=drop),
        number,
        config={
            "this app": st.column_config.NumberColumn(format=number_format, help="Posterior mean."),
            "app sd": st.column_config.NumberColumn(format=number_format, help="Posterior sd."),
            "difference": st.column_config.NumberColumn(format="%+.3f", help="This app minus published."),
        },
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------
# Downloads

#: Session-state key of the (lazily drawn) box of chart image downloads: True while it is open.
CHART_IMAGES_KEY = "open_chart_images"

_CHART_NAMES = {
    "data": "The data",
    "shrinkage": "Shrinkage",
    "forest": "Forest plot",
    "population": "μ and τ",
    "pooling": "Pooling factors",
    "loo": "Predictive accuracy (PSIS-LOO)",
}


#: Chart download formats: extension, MIME type, icon, description, and the bytes of a chart.
_IMAGE_FORMATS = (
    (
        "png",
        "image/png",
        ":material/image:",
        "a PNG image (twice the screen resolution)",
        lambda figure: exports.chart_png_bytes(figure, scale=2),
    ),
    ("svg", "image/svg+xml", ":material/draw:", "an SVG vector image", exports.chart_svg_bytes),
)


def download(where, button: tuple[str, str, str, str], data, key: str, **kwargs) -> None:
    """A download button in ``where`` (``button``: label, file name, MIME type, icon). A callable
    ``data`` is built only when clicked, and a click does not rerun the page."""
    label, file_name, mime, icon = button
    where.download_button(
        label, data=data, file_name=file_name, mime=mime, on_click="ignore", icon=icon, key=key, **kwargs
    )


def slug(text: str) -> str:
    """A file-name-safe version of ``text``: letters, digits, underscores and dashes, lower case."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-_").lower() or "results"


def downloads(
    results: Mapping[str, FitResult],
    estimates: pd.DataFrame | None,
    charts: Mapping[str, alt.TopLevelMixin],
    stem: str,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Download buttons: each fit's posterior draws (NetCDF), the estimates (CSV), each chart (PNG, SVG).

    ``results``: finished fits by pooling (or by any name, with its button text in ``labels``);
    ``charts``: the charts on the page by name (e.g. "shrinkage"); ``stem`` starts every file name
    (e.g. "explore" -> "explore-estimates.csv").
    Nothing is built until its button is clicked, and a click does not rerun the page.
    """
    stem = slug(stem)
    tables, traces, images = st.columns([1, 1, 1.3], gap="small")
    with tables:
        st.markdown("**Estimates** (CSV)")
        if estimates is not None and not estimates.empty:
            frame = estimates.copy()
            download(
                st,
                ("Estimates table", f"{stem}-estimates.csv", "text/csv", ":material/table:"),
                lambda: exports.estimates_csv_bytes(frame),
                key=f"{stem}_dl_estimates",
                help="One row per group and fit: posterior mean, sd and 94% HDI, group size, raw mean.",
            )
        else:
            st.caption("No estimates yet.")
    with traces:
        st.markdown("**Posterior draws** (NetCDF)")
        labels = {**FIT_LABELS, **(labels or {})}
        shown = [p for p in POOLINGS if p in results] + [k for k in results if k not in POOLINGS]
        for pooling in shown:
            idata = results[pooling].idata
            file_name = f"{stem}-{pooling}.nc"
            button = (labels.get(pooling, pooling), file_name, "application/x-netcdf", ":material/download:")
            download(
                st,
                button,
                lambda idata=idata: exports.trace_netcdf_bytes(idata),
                key=f"{stem}_dl_trace_{pooling}",
                help="All draws of this fit; open with xarray.open_datatree(path) or arviz.from_netcdf(path)",
            )
        if not shown:
            st.caption("No finished fits yet.")
    with images:
        st.markdown("**Charts** (PNG for slides, SVG to edit or print)")
        if not charts:
            st.caption("No charts yet.")
            return

        def image_buttons() -> None:
            for name, figure in charts.items():
                label = _CHART_NAMES.get(name, name.replace("_", " ").capitalize())
                name_slug = slug(name)
                st.markdown(label)
                row = st.container(horizontal=True)  # the two buttons side by side
                for ext, mime, icon, what, to_bytes in _IMAGE_FORMATS:
                    download(
                        row,
                        (ext.upper(), f"{stem}-{name_slug}.{ext}", mime, icon),
                        lambda figure=figure, to_bytes=to_bytes: to_bytes(figure),
                        key=f"{stem}_dl_{ext}_{name_slug}",
                        help=f"The chart '{label}' as {what}.",
                        width="content",
                    )

        # Drawn only when opened: two buttons per chart would be redrawn on every slider move.
        on_demand(
            f"{len(charts)} chart{'s' if len(charts) > 1 else ''} as images",
            CHART_IMAGES_KEY,
            image_buttons,
            icon=":material/image:",
        )


# ---------------------------------------------------------------------------------------------
# Show the code


def show_code(
    script: str,
    file_name: str = "partial_pooling.py",
    data_files: Mapping[str, bytes] | None = None,
    note: str | None = None,
    expanded: bool = False,
    label: str = "Show the code: this analysis in plain PyMC",
) -> None:
    """An expander with the complete PyMC script behind the page (copy button included), a download
    button for it, and download buttons for the data files it reads (``data_files``: name -> bytes).

    The contents are drawn only while the expander is open (its state is in session state under
    :func:`code_box_key`): a highlighted script redrawn on every slider move costs the browser
    a tenth of a second.
    """

    def listing() -> None:
        st.markdown(
            note
            or "The complete script that reproduces the fits on this page: the same data, priors, "
            "models and sampler settings. Copy it (button at the top right of the code) or download it, "
            "then run it with `python`. Its numbers match the page's within Monte Carlo error."
        )
        row = st.container(horizontal=True)
        button = (f"Download {file_name}", file_name, "text/x-python", ":material/code:")
        download(row, button, script, key=f"code_dl_{slug(file_name)}")
        for name, content in (data_files or {}).items():
            button = (f"Download {name}", name, "text/csv", ":material/table:")
            download(row, button, content, key=f"code_dl_{slug(file_name)}_{slug(name)}")
        st.code(script, language="python", line_numbers=True, wrap_lines=True)

    on_demand(label, code_box_key(label), listing, icon=":material/code:", expanded=expanded)


def code_box_key(label: str) -> str:
    """Session-state key of the "Show the code" expander labelled ``label`` (True while open)."""
    return f"open_code_{slug(label)}"


def take_it_with_you(
    results: Mapping[str, FitResult],
    estimates: pd.DataFrame | None,
    charts_shown: Mapping[str, alt.TopLevelMixin],
    data: GroupedData,
    priors: Priors,
    settings: FitSettings,
    stem: str,
    *,
    sigma: str | None = None,
    poolings: tuple[str, ...] = POOLINGS,
    what: str = "the three fits on this page",
    labels: Mapping[str, str] | None = None,
) -> None:
    """Downloads and "Show the code" for a page that fits a built-in data set.

    The script reads the data set from a CSV file (offered for download beside it) and refits
    ``poolings`` with ``priors`` and ``settings`` as the page did (``sigma`` as in the engine).
    ``labels``: button texts of fits in ``results`` other than the three poolings (see :func:`downloads`).
    """
    from hbm_core import codegen

    downloads(results, estimates, charts_shown, stem, labels)
    spec, raw = codegen.data_file(data)
    script_name = f"{slug(stem).replace('-', '_')}_pymc.py"
    try:
        script = codegen.pymc_script(
            spec, priors, settings, sigma=sigma, poolings=poolings, data=data, script_name=script_name
        )
    except ValueError as err:  # e.g. the flat prior, which MCMC cannot use
        st.info(f"No script for these settings: {err}.", icon=":material/info:")
        return
    show_code(
        script,
        file_name=script_name,
        data_files={spec.file_name: raw},
        note=(
            f"The complete PyMC script behind {what}: it reads `{spec.file_name}` (download it below "
            "and keep it next to the script), builds the same models with the same priors and sampler "
            "settings, and prints each fit's summary and group estimates. Its numbers match this "
            "page's within Monte Carlo error."
        ),
    )
