"""Fit results shown in place: the exact preview while the sampler runs, then the MCMC estimates.

:class:`Fits` asks for a page's three fits and waits for them; :func:`result_sections` draws the
result sections of Explore and "Your data" (shrinkage, the fits side by side, the population, the
sampler's diagnostics) from it. Classroom mode (:mod:`ui.classroom_mode`) uses :class:`Fits` with
its own one-chart section.

Fits that finish within :data:`PREVIEW_AFTER_S` go straight to the screen; slower ones (large
groups, the first compile) get the instant preview in the meantime, and so do fits queued behind
other sessions' (a busy server), without that wait.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from hbm_core.lessons.page_tables import estimates_table, sampling_seconds
from hbm_core.lessons.shrinkage_reading import own_estimate_for, population_center
from ui import common, fitting, predictive_accuracy, prior_check, views
from ui.glossary_links import define

if TYPE_CHECKING:
    import altair as alt

    from hbm_core.data.groups import GroupedData
    from hbm_core.exact.preview import Preview
    from hbm_core.inference.settings import FitSettings
    from hbm_core.priors import Priors

#: Fits that finish within this many seconds skip the exact preview.
PREVIEW_AFTER_S = 0.75
FAILED_NOTE = "Fits that failed show the instant preview instead."
NO_PREVIEW = (
    "No instant preview for these settings (every group needs its own spread); the sampler's result follows."
)
#: Widths of the controls' column and the chart's column when a page puts controls beside a chart.
CONTROLS_BESIDE = (1, 2)


def preview_note(quick: Preview, family: str) -> str:
    """The note under the instant preview's chart: what it is, and whether it is exact.

    It is exact only for known standard errors (e.g. eight schools); for raw normal data it takes
    each group's standard error from its data (σ fixed), and for binomial data it is a normal
    approximation on the logit scale: the sampler's estimates, which integrate over σ or use the
    binomial likelihood, can then differ a little.
    """
    lead = "Showing the instant preview while the sampler runs: "
    if not quick.approximate:
        return lead + "exact, since the standard errors are known."
    if family == "binomial":
        return (
            lead
            + "a normal approximation on the logit scale, so the sampler's estimates can differ a little."
        )
    return (
        lead + "exact if each group's standard error were known (here taken from its data), so the sampler's "
        "estimates can differ a little."
    )


def beside(controls: Callable[[], None] | None) -> AbstractContextManager:
    """Where to draw a chart that ``controls`` drive: the controls go in a narrow column to its left,
    and the returned context is the chart's column (``with results.beside(draw_controls): chart()``).

    Streamlit cannot tell the screen's width on the server; it stacks columns on screens narrower than
    about 640 px, so on a phone the controls sit directly above their chart, and on a wider screen
    beside it: either way the chart is in view while a slider moves. ``controls=None``: no columns,
    the chart takes the whole width.
    """
    if controls is None:
        return nullcontext()
    left, right = st.columns(CONTROLS_BESIDE, gap="medium")
    with left:
        controls()
    return right


class Fits:
    """A page's three fits, with the exact preview (``quick``) standing in until they are done.

    On a warm server the fits start when this object is made, so they sample while the page
    draws; on a cold one :meth:`wait` loads the sampler first (seconds, once per server).
    """

    def __init__(
        self, data: GroupedData, priors: Priors, settings: FitSettings, quick: Preview | None, sigma: str
    ) -> None:
        self.data, self.priors, self.asked, self.quick, self.sigma = data, priors, settings, quick, sigma
        self.requests: fitting.FitRequests | None = None
        if fitting.sampler_loaded():
            self._start()

    def _start(self) -> None:
        self.requests = fitting.start_fits(self.data, self.priors, self.asked, sigma=self.sigma)

    @property
    def used(self) -> FitSettings:
        """The settings the fits use: fewer draws than asked for when the server is busy."""
        return self.asked if self.requests is None else self.requests.used

    def ready(self) -> bool:
        """Whether the fits are (about to be) done: then the sections skip the preview.

        Drawing the preview, then the same charts again, would only delay the results. When other
        sessions' fits are ahead in the queue (a busy server) the fits cannot be that soon: the
        preview is drawn at once instead of after :data:`PREVIEW_AFTER_S`.
        """
        if self.requests is None or fitting.behind_others(self.requests):
            return False
        return fitting.finished_within(self.requests, PREVIEW_AFTER_S)

    def busy_note(self) -> str:
        """Why the fits used fewer draws than asked for (a busy server), else ''."""
        return self.requests.note if self.requests is not None else ""

    def wait(self, label: str = "Sampling the three models") -> fitting.FitOutcome:
        """Wait for the fits with a progress bar (starting them first on a cold server)."""
        if self.requests is None:
            with st.spinner("Loading the sampler…", show_time=True):
                self._start()
        return fitting.wait_for_fits(self.requests, label=label)

    def estimates(self, outcome: fitting.FitOutcome) -> pd.DataFrame | None:
        """The MCMC estimates; a fit that failed keeps the preview's rows."""
        return common.estimates_frame(outcome, self.quick.estimates if self.quick is not None else None)


@dataclass
class Shown:
    """What :func:`result_sections` drew: the final estimates (None: none to show) and the charts."""

    outcome: fitting.FitOutcome
    estimates: pd.DataFrame | None
    charts: dict[str, alt.TopLevelMixin] = field(default_factory=dict)


def result_sections(
    fits: Fits,
    y_label: str,
    scale_label: str,
    *,
    no_preview: str = NO_PREVIEW,
    charts: dict[str, alt.TopLevelMixin] | None = None,
    defined: Collection[str] = (),
    controls: Callable[[], None] | None = None,
) -> Shown:
    """Sections 2 to 5 of a page with three fits: shrinkage (with the estimates as a table), the
    fits side by side, the population (μ, τ, pooling factors) and the sampler's diagnostics.

    Each section is a :class:`common.Section` drawn once per run from the MCMC results (the browser
    then only swaps the numbers of the charts on screen), except the shrinkage chart, which shows
    the exact preview first when the fits are not about to finish. The other sections keep the
    previous result on screen meanwhile rather than being built twice per move (#22: server work
    per move). ``charts``: the charts drawn so far (e.g. the data), to which the sections' charts
    are added by name. ``defined``: glossary terms the page has defined above (the sections' headings
    define the others where they first appear, see :mod:`ui.glossary_links`). ``controls``: draws the
    page's controls that drive the shrinkage chart, beside it (see :func:`beside`; None: none there).
    """

    def terms(*keys: str) -> str | None:
        left = [k for k in keys if k not in defined]
        return define(*left) if left else None

    data = fits.data
    unit = "" if data.family == "binomial" else scale_label  # proportions need no unit
    shown = charts if charts is not None else {}
    ready = fits.ready()
    st.header("2 · Shrinkage")
    with beside(controls):
        shrink_slot = common.Section(redrawn=not ready)
    st.header("3 · All three fits side by side", help=terms("hdi"))
    # The preview draws the shrinkage chart only: the other sections keep the last result on screen
    # (greyed while the page runs) until the fits arrive, and are built once per move (#22).
    forest_slot = common.Section(redrawn=False)
    st.header(
        "4 · The population: μ, τ and how much each group is pooled", help=terms("tau", "pooling_factor")
    )
    population_slot = common.Section(redrawn=False)
    prior_check_view(fits, y_label, scale_label)  # needs no fit: drawn at once, in a box opened on demand
    st.header("5 · Did the sampler work?", help=terms("rhat", "ess", "divergences"))
    status_slot = st.container()
    diagnostics_slot = st.container()

    def draw_estimates(
        estimates: pd.DataFrame, note: str, forest: bool = True, mu: float | None = None
    ) -> None:
        with shrink_slot.container():
            shown["shrinkage"] = views.shrinkage_view(
                estimates,
                y_label,
                note,
                unit=unit,
                own=own_estimate_for(data.family),
                center=population_center(mu, data.family),
            )
            with st.expander("Estimates as a table"):
                common.table(estimates_table(estimates, data))
        if forest:
            with forest_slot.container():
                shown["forest"] = views.forest_view(estimates, y_label, unit=unit)

    def draw_population(outcome: fitting.FitOutcome | None) -> None:
        hier = outcome.results.get("hierarchical") if outcome is not None else None
        with population_slot.container():
            shown.update(views.population_view(hier, fits.quick, scale_label))

    if not ready:
        if fits.quick is not None:
            mu = population_mu(None, fits.quick)
            draw_estimates(fits.quick.estimates, preview_note(fits.quick, data.family), forest=False, mu=mu)
        else:
            shrink_slot.container().info(no_preview, icon=":material/hourglass_top:")

    with status_slot:
        outcome = fits.wait()
    estimates = fits.estimates(outcome)
    if estimates is not None and {"unpooled", "hierarchical"} <= set(estimates.fit):
        draw_estimates(
            estimates, "" if outcome.complete else FAILED_NOTE, mu=population_mu(outcome, fits.quick)
        )
        draw_population(outcome)
    else:
        estimates = None
        shrink_slot.container().warning(
            "The fits did not finish, so there are no estimates to show. The reasons are under "
            "*Did the sampler work?*",
            icon=":material/warning:",
        )
        forest_slot.container()  # nothing: the preview's charts go
        population_slot.container()
    with diagnostics_slot:
        sampler_report(
            outcome,
            what_ran(fits.used) + " Problems are spelled out below.",
            busy_note=fits.busy_note(),
            hint=_sigma_hint(fits, outcome),
        )
    shown |= predictive_accuracy.predictive_accuracy_section(outcome.results, data, key="results")
    return Shown(outcome, estimates, {} if estimates is None else shown)


def prior_check_view(fits: Fits, y_label: str, scale_label: str, key: str = "results") -> None:
    """The prior predictive check of the fits' partial-pooling model (:mod:`ui.prior_check`): the
    same data, priors and observation sd; counts on the probability scale, τ on the logit scale."""
    counts = fits.data.family == "binomial"
    prior_check.prior_check(
        fits.data,
        fits.priors,
        key=key,
        y_label=y_label,
        unit="" if counts else scale_label,
        sigma=fits.sigma,
        tau_unit="logit scale" if counts else scale_label,
    )


def what_ran(used: FitSettings) -> str:
    """What the three fits ran: chains, draws (fewer for the two simple fits when the settings say
    so, see ``FitSettings.lighter_simple_fits``) and tuning steps."""
    simple = used.for_pooling("pooled").draws
    ran = f"Each fit ran {used.chains} chain(s)"
    tuned = f"with NUTS (nutpie) after {used.tune} tuning steps"
    if simple == used.draws:
        return f"{ran} of {used.draws} draws {tuned}."
    return (
        f"{ran} {tuned}: {used.draws} draws each for partial pooling, {simple} for complete and no "
        "pooling, whose draws are nearly independent (their ESS below)."
    )


def population_mu(outcome: fitting.FitOutcome | None, quick: Preview | None) -> float | None:
    """The population mean's posterior mean (model scale): from the MCMC fit when ``outcome`` has
    one, else from the exact preview (None without either)."""
    hier = outcome.results.get("hierarchical") if outcome is not None else None
    if hier is not None:
        pop = hier.population.set_index("parameter")
        if "mu" in pop.index:
            return float(pop.loc["mu", "mean"])
    return quick.exact.mu_summary()["mean"] if quick is not None else None


def _sigma_hint(fits: Fits, outcome: fitting.FitOutcome) -> str | None:
    """Advice when a small group with its own σ made a fit struggle."""
    if (
        fits.sigma == "group"
        and min(fits.data.counts()) < 10
        and not all(r.diagnostics.ok for r in outcome.results.values())
    ):
        return (
            "A group with only a few observations and its own σ is hard to fit: its σ is barely "
            "identified. If the groups' spreads are similar, choose **one shared by all groups** "
            "under *Observation sd σ* in the sidebar."
        )
    return None


def sampler_report(
    outcome: fitting.FitOutcome,
    what_ran: str,
    busy_note: str = "",
    hint: str | None = None,
    seconds_format: str | None = ".2f",
) -> None:
    """Section "Did the sampler work?": what ran, the diagnostics panel, and the sampling time.

    ``what_ran``: a caption on the settings; ``busy_note``: why the fits were lighter than asked
    for; ``hint``: advice shown below the diagnostics; ``seconds_format``: of the sampling time
    (None: not shown).
    """
    st.caption(what_ran)
    if busy_note:
        st.info(busy_note, icon=":material/group:")
    common.diagnostics_panel(outcome)
    if hint:
        st.info(hint, icon=":material/lightbulb:")
    if outcome.results and seconds_format:
        st.caption(f"Sampling time for all fits: {sampling_seconds(outcome.results):{seconds_format}} s.")


def shared_fits_section(outcome: fitting.FitOutcome, settings: FitSettings, number: int) -> None:
    """Section ``number``, "Did the sampler work?", of a page that fits a built-in data set: what each
    fit ran, that everyone shares the results, the diagnostics and the sampling time."""
    st.header(f"{number} · Did the sampler work?", help=define("rhat", "ess", "divergences"))
    what_ran = (
        f"Each fit ran {settings.chains} chain(s) of {settings.draws} draws after {settings.tune} tuning "
        "steps (NUTS, nutpie). Results are cached: the same settings show instantly for everyone."
    )
    sampler_report(outcome, what_ran, seconds_format=".1f")


def require_fits(outcome: fitting.FitOutcome, poolings) -> None:
    """Stop the page, with the reasons, unless every fit in ``poolings`` has a result."""
    if set(poolings) <= set(outcome.results):
        return
    st.error(
        "The fits did not finish, so there is nothing to show yet. The reasons are below; try another "
        "seed or more tuning steps.",
        icon="🛑",
    )
    common.diagnostics_panel(outcome)
    st.stop()
