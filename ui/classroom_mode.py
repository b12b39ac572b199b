"""Classroom mode of the Explore page: projector styling and the story told one step per click.

The story: the data -> no pooling -> complete pooling -> partial pooling -> shrinkage. Every step
has one or two plain sentences for the teacher to read aloud and one chart drawn for a projector
(``classroom=True``). Like the normal page (:mod:`ui.results`), a step shows the exact engine's
preview at once and the MCMC estimates when they are ready (fits about to finish skip the preview),
and the sampler's diagnostics stay on screen as one line, under the controls beside the chart.
Before partial pooling is shown, the class predicts which group it will move most (under step 3's
chart; :mod:`ui.prediction`), and step 4 shows the class's answer beside the exact engine's, with
feedback.

Functions only: ``app_pages/explore.py`` calls :func:`step_through`. The current step lives in
``st.session_state["step"]`` (1..len(STEPS)) and in the page's URL (``ui/explore_state.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from hbm_core import viz
from hbm_core.inference.settings import POOLINGS
from hbm_core.lessons.shrinkage_reading import (
    interval_reading,
    narrowing_reading,
    population_center,
    shrinkage_reading,
)
from hbm_core.viz.palette import FIT_LABELS
from ui import common, fitting, prediction, results, views

if TYPE_CHECKING:
    from hbm_core.data.groups import GroupedData
    from hbm_core.exact.preview import Preview
    from hbm_core.inference.settings import FitSettings
    from hbm_core.priors import Priors


@dataclass(frozen=True)
class Step:
    """One step of the story: its title, the sentences the teacher reads aloud, the fits it shows."""

    title: str
    say: str
    fits: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step(
        "The data",
        "Each dot is one measurement; the tick is its group's average and the green diamond the "
        "true mean we are trying to find. A group with only a few dots can have an average far "
        "from the truth.",
    ),
    Step(
        "No pooling",
        "No pooling estimates every group from its own data only: a dot and its 94% interval. "
        "A group's interval is wide when its mean rests on few or widely spread measurements.",
        ("unpooled",),
    ),
    Step(
        "Complete pooling",
        "Complete pooling ignores the groups: one estimate for everybody, the dashed line. It is "
        "precise, but wrong for every group whose data sit far from the line.",
        ("pooled",),
    ),
    Step(
        "Partial pooling",
        "Partial pooling estimates each group from its own data and from what the other groups "
        "say about groups like it. Compare with no pooling: each group moves toward the others, "
        "by how much depends on how precise its own data are.",
        ("unpooled", "hierarchical"),
    ),
    Step(
        "Shrinkage",
        "Each arrow runs from a group's own estimate to its partial-pooling estimate. A group moves "
        "further the less precise its own estimate is (its pooling factor) and the further it sits "
        "from the others.",
        ("unpooled", "hierarchical"),
    ),
)

# Larger text in the main area only (the charts get their sizes from classroom=True), and the
# read-aloud sentences larger still. Injected only in classroom mode, so the normal page is untouched.
_CSS = """
<style>
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] [data-testid="stCaptionContainer"] p,
[data-testid="stMain"] [data-testid="stButton"] p,
[data-testid="stMain"] [data-testid="stProgress"] p {
  font-size: 1.25rem;
}
/* a slider's value and ends (the group sliders beside the chart) keep Streamlit's size: larger, the
   value runs into the slider's track */
[data-testid="stMain"] [data-testid="stSliderThumbValue"] p,
[data-testid="stMain"] [data-testid="stSliderTickBar"] p {
  font-size: inherit;
}
/* the sampler's line stays compact */
[data-testid="stMain"] [data-testid="stAlertContainer"] p {
  font-size: 1.1rem;
}
[data-testid="stMain"] .st-key-classroom_say p {
  font-size: 1.5rem;
  line-height: 1.4;
  color: #111;
}
/* the PageUp / PageDown hints on the buttons: Streamlit draws them at 60% opacity, 2.9:1 on the
   blue Next button; full strength passes WCAG AA */
.st-key-classroom_nav button kbd {
  color: inherit;
  opacity: 1;
}
/* less empty space above the first row: a projector has few pixels to spare */
[data-testid="stMainBlockContainer"] {
  padding-top: 4rem;
}
</style>
"""

#: The step on which the class predicts (which group partial pooling will move most); the next step
#: reveals partial pooling and the class's answer beside it (ui/prediction.py).
PREDICT_STEP = 3

MCMC_NOTE = "Estimates from the sampler (MCMC)."


def style() -> None:
    """Raise the main area's text size for a projector (classroom mode only)."""
    st.html(_CSS)


def _go(delta: int) -> None:
    """Button callback: move ``delta`` steps, never past the first or the last."""
    st.session_state["step"] = min(max(int(st.session_state["step"]) + delta, 1), len(STEPS))


def navigation(step: int) -> None:
    """Back, "Step k of 5" and Next in one row that never moves (the teacher clicks Next again and
    again), then the step's title. PageUp / PageDown, which presentation clickers send, work too."""
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="classroom_nav"):
        st.button(
            "Back",
            key="classroom_back",
            icon=":material/arrow_back:",
            on_click=_go,
            args=(-1,),
            disabled=step <= 1,
            shortcut="PageUp",
        )
        st.markdown(f"**Step {step} of {len(STEPS)}**", width="content")
        st.button(
            "Next",
            key="classroom_next",
            icon=":material/arrow_forward:",
            icon_position="right",
            type="primary",
            on_click=_go,
            args=(1,),
            disabled=step >= len(STEPS),
            shortcut="PageDown",
        )
    st.subheader(STEPS[step - 1].title, anchor=False)


def draw_step(
    step: int,
    data: GroupedData,
    estimates: pd.DataFrame | None,
    y_label: str,
    note: str = "",
    mu: float | None = None,
) -> None:
    """Draw step ``step``'s chart in the current container from the long estimates table.

    Each step filters ``estimates`` to the fits it is about; step 1 needs only the data.
    ``note`` says where the estimates come from (preview or MCMC), under the chart; ``mu`` is the
    population mean's estimate (model scale) the shrinkage reading measures moves toward.
    """
    obs = data.to_frame()
    if step == 1:
        truth = pd.DataFrame({"group": data.groups, "true_mean": data.true_means})
        common.chart(
            viz.data_strip(obs, y_label, truth, title=None, classroom=True), alt="The data, group by group"
        )
        return
    if estimates is None:
        return
    missing = [FIT_LABELS[f] for f in STEPS[step - 1].fits if f not in set(estimates["fit"])]
    if missing:
        st.info(
            f"This step needs the {' and '.join(missing)} fit, which has no result.", icon=":material/info:"
        )
        return
    if step == 2:
        views.forest_view(
            estimates[estimates["fit"] == "unpooled"],
            y_label,
            title="",
            caption=f"{interval_reading(estimates)} {note}".strip(),
            classroom=True,
        )
    elif step == 3:
        figure = viz.complete_pooling_strip(obs, estimates, y_label, title=None, classroom=True)
        common.chart(
            figure,
            f"Dashed line: the one common estimate; shaded band: its 94% interval. {note}",
            alt="Complete pooling: one estimate for all groups",
        )
    elif step == 4:
        views.forest_view(
            estimates[estimates["fit"].isin(["unpooled", "hierarchical"])],
            y_label,
            title="",
            caption=f"{narrowing_reading(estimates)} {note}".strip(),
            classroom=True,
        )
    else:
        # the read-aloud sentences explain the arrows: the caption reads this chart, and says where
        # its numbers come from
        center = population_center(mu, data.family)
        caption = f"{shrinkage_reading(estimates, center=center)} {note}".strip()
        views.shrinkage_view(estimates, y_label, title="", caption=caption, classroom=True)


def _divergences(n: int) -> str:
    return f"{n} divergence{'' if n == 1 else 's'}"


def diagnostics_line(outcome: fitting.FitOutcome) -> tuple[str, bool]:
    """The fits' health in one line (divergences and R-hat), and whether all is well."""
    # hbm_core.posterior.results loads SciPy: imported here, where fits exist, not before the preview is drawn
    from hbm_core.posterior.results import MIN_ESS_PER_CHAIN

    done = [p for p in POOLINGS if p in outcome.results]
    rhat_name = "R\u2011hat"  # a non-breaking hyphen: the narrow column broke "R-" / "hat" at 1024 px
    diags = [outcome.results[p].diagnostics for p in done]
    failed = [p for p in POOLINGS if p in outcome.errors]
    ok = bool(done) and not failed and all(d.ok for d in diags)
    if ok:
        divergences, rhat = sum(d.divergences for d in diags), max(d.max_rhat for d in diags)
        return (
            f"Sampler check: {len(done)} fits converged, {_divergences(divergences)}, "
            f"{rhat_name} ≤ {rhat:.3f}.",
            True,
        )
    parts = []
    for pooling, d in zip(done, diags, strict=True):
        part = f"{FIT_LABELS[pooling]}: {_divergences(d.divergences)}, {rhat_name} {d.max_rhat:.3f}"
        ess = min(d.min_ess_bulk, d.min_ess_tail)
        if not ess >= MIN_ESS_PER_CHAIN * d.chains:  # named only when it is the problem (NaN too)
            part += f", only {ess:.0f} effective draws"
        parts.append(part)
    parts += [
        f"{FIT_LABELS[p]}: {'cancelled' if 'cancelled' in outcome.errors[p] else 'failed'}" for p in failed
    ]
    if not parts:
        return "Sampler check: no finished fits yet.", False
    return "Sampler check: " + " · ".join(parts) + ".", False


def diagnostics(outcome: fitting.FitOutcome) -> None:
    """The compact diagnostics line: green when every fit converged, else a warning and the lesson."""
    line, ok = diagnostics_line(outcome)
    if ok:
        st.success(line, icon=":material/check_circle:")
        return
    st.warning(line, icon=":material/warning:")
    for pooling, message in outcome.errors.items():
        if "cancelled" not in message:  # a cancelled fit is a stale one, not a problem
            st.error(f"**{FIT_LABELS[pooling]}:** {message}", icon=":material/error:")
    if outcome.results or outcome.errors:
        # common.lesson_link's sentence is too long for one line at classroom sizes
        try:
            st.page_link(common.SAMPLING_PAGE, label="Why? See the sampling lesson", icon=":material/school:")
        except st.errors.StreamlitAPIException:  # the page is not in the navigation (a bare AppTest)
            st.markdown("🎓 Why? See the sampling lesson.")


def step_through(
    data: GroupedData,
    priors: Priors,
    fit_settings: FitSettings,
    quick: Preview | None,
    *,
    step: int,
    sigma: str,
    y_label: str,
    controls: Callable[[], None] | None = None,
) -> None:
    """The classroom page: navigation, the step's sentences and chart, and the sampler's line.

    The three fits are requested on every step (the first included), so the next step's MCMC
    estimates are usually ready by the time the teacher clicks Next; a step shows the exact
    preview until then. ``controls``: draws the controls that drive every step's chart (the
    groups' sliders), beside it (:func:`ui.results.beside`), so the class sees a change land.
    """
    style()
    navigation(step)
    with st.container(key="classroom_say"):
        st.markdown(STEPS[step - 1].say)
    if step == PREDICT_STEP + 1:  # Next after the vote: the class's prediction beside the answer
        prediction.class_reveal(data, quick, (priors, sigma))
    fits = results.Fits(data, priors, fit_settings, quick, sigma=sigma)  # on a warm server: sampling now
    # Step 1 shows only the data: drawn once. A later step shows the exact preview until the MCMC
    # estimates replace it, unless the fits are about to finish (see results.Fits.ready).
    ready = step == 1 or fits.ready()
    # The sampler's line goes under the controls, in the narrow column's blank space, so the chart and
    # its reading (a sentence longer or shorter with each fit's numbers) keep the projector's height.
    status: list = []

    def controls_and_status() -> None:
        controls()
        status.append(st.container())

    with results.beside(controls_and_status if controls is not None else None):
        slot = common.Section(redrawn=not ready)
    if step == 1:
        with slot.container():
            draw_step(step, data, None, y_label)
    elif not ready and quick is not None:
        with slot.container():
            note = results.preview_note(quick, data.family)
            draw_step(step, data, quick.estimates, y_label, note, results.population_mu(None, quick))
    elif not ready:
        slot.container().info(results.NO_PREVIEW, icon=":material/hourglass:")
    if step == PREDICT_STEP:  # before partial pooling is shown, the class predicts
        prediction.class_vote(data, quick, (priors, sigma))
    outcome = fits.wait(label="Fitting the three models for the next steps" if step == 1 else "Sampling")
    estimates = fits.estimates(outcome)
    if step > 1 and estimates is not None:
        with slot.container():
            note = MCMC_NOTE if outcome.complete else results.FAILED_NOTE
            draw_step(step, data, estimates, y_label, note, results.population_mu(outcome, quick))
    with status[0] if status else st.container():
        diagnostics(outcome)
    if busy := fits.busy_note():
        st.info(busy, icon=":material/group:")
