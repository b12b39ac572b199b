"""Predict first, then reveal, on the Explore page and in classroom mode.

- Explore's "Predict first" switch (:func:`predict_first_toggle`, :func:`predict_first`): the
  partial-pooling results stay hidden until the student predicts (which group moves most, where a
  chosen group lands, whether τ's posterior sits near 0, whether partial pooling beats no pooling
  on total error) and presses Reveal; then each prediction is shown beside the answer with feedback.
- Classroom mode's vote (:func:`class_vote` on the complete-pooling step, :func:`class_reveal` on
  the partial-pooling step): the teacher enters the class's show of hands, or the most common
  guess, on which group partial pooling will move most; Next reveals the answer beside it.

The answers and the feedback come from :mod:`hbm_core.lessons.predictions` (the exact engine, so a
reveal never waits for MCMC); this module only lays them out. A prediction belongs to one data set:
change the data (a slider, the seed, the prior) and the questions are asked afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from hbm_core.lessons.exercises import Answer, Feedback, Solution, judge
from hbm_core.lessons.predictions import (
    ClassVote,
    beats_question,
    beats_solution,
    class_feedback,
    lands_question,
    lands_solution,
    moved_most_question,
    moved_most_solution,
    tau_solution,
    tau_zero_question,
)
from hbm_core.lessons.shrinkage_reading import own_estimate_for, population_center

if TYPE_CHECKING:
    from hbm_core.data.groups import GroupedData
    from hbm_core.exact.preview import Preview

ss = st.session_state
_ALERT = {"right": st.success, "close": st.warning, "wrong": st.error}
#: A verdict's icon: Material icons, drawn by the app's own font (emoji need a font the system may lack).
VERDICT_ICONS = {
    "right": ":material/check_circle:",
    "close": ":material/adjust:",
    "wrong": ":material/cancel:",
}
NO_EXACT = (
    "Predict first needs the exact engine, which needs a within-group spread: give at least one group "
    "two observations. The results follow without predictions."
)


def data_tag(data: GroupedData, extra: object = "") -> str:
    """A short fingerprint of ``data`` (and of ``extra``, e.g. the priors): predictions and reveals
    are kept per data set, so new data ask the questions afresh."""
    digest = hashlib.sha1(repr((data.groups, repr(extra))).encode())
    digest.update(data.y.tobytes())
    digest.update(data.group_idx.tobytes())
    return digest.hexdigest()[:12]


def moved_most(data: GroupedData, quick: Preview, unit: str = "") -> Solution:
    """Which group partial pooling moves most, measured as the page's shrinkage chart draws it."""
    center = population_center(float(quick.exact.mu_summary()["mean"]), data.family)
    return moved_most_solution(quick.estimates, center, own=own_estimate_for(data.family), unit=unit)


def _show(spec: Answer, value: float | str | None) -> str:
    return "no prediction" if value is None else spec.show(value)


def _feedback_box(question: str, spec: Answer, guess: float | str, solution: Solution, feedback: Feedback):
    """One revealed question: the prediction beside the answer, then the feedback in words."""
    _ALERT[feedback.verdict](
        f"**{question}** You: **{_show(spec, guess)}** · answer (exact engine): "
        f"**{spec.show(solution.answer)}**. {feedback.message}",
        icon=VERDICT_ICONS[feedback.verdict],
    )


# ---------------------------------------------------------------------------------------------
# Explore: Predict first


TOGGLE = "predict_first"


def predict_first_toggle() -> bool:
    """The sidebar switch (kept for the session, across visits to other pages)."""
    return st.toggle(
        "Predict first",
        key=TOGGLE,
        persist_state="session",
        help="Hide the partial-pooling results until you have predicted them: which group moves most, "
        "where a group lands, whether τ sits near 0, whether partial pooling beats no pooling. Then "
        "reveal, and see how far off you were and why.",
    )


def _reveal(tag: str) -> None:
    ss[f"pf_revealed_{tag}"] = True


def predict_first(data: GroupedData, quick: Preview | None, extra: object, unit: str = "units") -> bool:
    """The Predict-first section; returns whether the page may show its partial-pooling results.

    ``extra``: whatever else the answers depend on besides the data (the priors, the σ model), so a
    change asks afresh. Off (the switch), or without an exact preview: True at once.
    """
    if not ss.get(TOGGLE):
        return True
    st.header("Predict first")
    if quick is None:
        st.info(NO_EXACT, icon=":material/info:")
        return True
    tag = data_tag(data, extra)
    revealed = bool(ss.get(f"pf_revealed_{tag}"))
    st.markdown(
        "Before partial pooling is shown, predict what it will do with these data. Answer any of the four "
        "questions, then press **Reveal**: the exact engine answers at once, and the results follow."
    )
    groups = [str(g) for g in data.groups]
    # (question, how it is answered, the guess or None, how to compute the answer)
    asked: list[tuple[str, Answer, float | str | None, Callable[[], Solution]]] = []

    q = "Which group will partial pooling move most?"
    guess = st.radio(q, groups, index=None, horizontal=True, key=f"pf_most_{tag}", disabled=revealed)
    asked.append((q, moved_most_question(groups), guess, lambda: moved_most(data, quick, unit)))

    pick = st.selectbox(
        "Where will a group's partial-pooling estimate land?",
        groups,
        index=None,
        placeholder="Choose a group",
        key=f"pf_group_{tag}",
        disabled=revealed,
        help="Then set the slider where you expect its estimate; it starts at the group's own mean.",
    )
    if pick is not None:
        spec = lands_question(quick, pick, unit)
        value = st.slider(
            spec.label,
            float(spec.lo),
            float(spec.hi),
            float(spec.start),
            step=float(spec.step),
            format=f"%{spec.fmt}",
            key=f"pf_lands_{tag}_{pick}",
            disabled=revealed,
        )
        asked.append(
            (f"Where will group {pick}'s estimate land?", spec, value, lambda: lands_solution(quick, pick))
        )

    spec = tau_zero_question()
    q = "Will τ's posterior sit near 0? (Its median below the typical group's standard error.)"
    guess = st.radio(
        q, list(spec.options), index=None, horizontal=True, key=f"pf_tau_{tag}", disabled=revealed
    )
    asked.append((q, spec, guess, lambda: tau_solution(quick)))

    spec = beats_question()
    q = "Will partial pooling beat no pooling on total squared error against the true means?"
    guess = st.radio(
        q, list(spec.options), index=None, horizontal=True, key=f"pf_beats_{tag}", disabled=revealed
    )
    asked.append((q, spec, guess, lambda: beats_solution(quick.estimates)))

    answered = [item for item in asked if item[2] is not None]
    st.button(
        "Reveal",
        key="pf_reveal",
        type="primary",
        icon=":material/visibility:",
        disabled=revealed or not answered,
        on_click=_reveal,
        args=(tag,),
        help="Make at least one prediction first." if not answered else None,
    )
    if not revealed:
        st.caption("The partial-pooling results appear here after you reveal.")
        return False

    right = 0
    for question, spec, guess, solve in answered:
        solution = solve()
        feedback = judge(spec, solution, guess)
        right += feedback.correct
        _feedback_box(question, spec, guess, solution, feedback)
    st.markdown(
        f"**{right} of {len(answered)} prediction{'s' if len(answered) != 1 else ''} right.** The answers "
        "come from the exact engine; the sampler's estimates below should agree with them up to Monte Carlo "
        "error. Change the data to predict again."
    )
    return True


# ---------------------------------------------------------------------------------------------
# Classroom mode: the class votes on the complete-pooling step, Next reveals


VOTE_MODES = ("Show of hands", "Most common guess")
_VOTE = "classroom_vote"  # the vote as last entered: {"tag", "mode", "counts", "pick", "land"}


def class_vote(data: GroupedData, quick: Preview | None, extra: object = "") -> None:
    """The class predicts which group partial pooling will move most, before Next shows it: the
    teacher enters the hands raised for each group, or picks the most common guess. Optionally (in
    a box, closed at first) the class also guesses where a chosen group will land (needs ``quick``,
    the exact preview, for the slider's range)."""
    tag = data_tag(data, extra)
    groups = [str(g) for g in data.groups]
    st.markdown(
        "**Before Next: the class predicts.** Which group will partial pooling move most? "
        "Enter the show of hands, or pick the most common guess."
    )
    mode = st.segmented_control(
        "How the class answers",
        VOTE_MODES,
        default=VOTE_MODES[0],
        required=True,
        key="vote_mode",
        persist_state="page",
    )
    if mode == VOTE_MODES[0]:
        with st.container(horizontal=True, key="classroom_hands"):
            counts = {
                g: int(
                    st.number_input(
                        f"Hands for {g}",
                        min_value=0,
                        max_value=999,
                        step=1,
                        key=f"vote_hands_{tag}_{g}",
                        persist_state="page",
                        width=110,
                    )
                    or 0
                )
                for g in groups
            }
        vote = {"tag": tag, "mode": mode, "counts": counts, "pick": None}
    else:
        pick = st.radio(
            "The most common guess",
            groups,
            index=None,
            horizontal=True,
            key=f"vote_pick_{tag}",
            persist_state="page",
        )
        vote = {"tag": tag, "mode": mode, "counts": {}, "pick": pick}
    vote["land"] = _class_landing(data, quick, tag) if quick is not None else None
    ss[_VOTE] = vote


def _class_landing(data: GroupedData, quick: Preview, tag: str) -> tuple[str, float] | None:
    """The class's guess of where a chosen group lands: (group, value), or None when not asked."""
    with st.expander("Also: where will a group land?", key="classroom_land_box"):
        group = st.selectbox(
            "Group",
            [str(g) for g in data.groups],
            index=None,
            placeholder="Choose a group",
            key=f"vote_land_group_{tag}",
            persist_state="page",
        )
        if group is None:
            return None
        spec = lands_question(quick, group, "units")
        value = st.slider(
            f"The class's guess: group {group}'s estimate",
            float(spec.lo),
            float(spec.hi),
            float(spec.start),
            step=float(spec.step),
            format=f"%{spec.fmt}",
            key=f"vote_land_{tag}_{group}",
            persist_state="page",
            help="It starts at the group's own mean, where no pooling puts it.",
        )
    return group, float(value)


def class_reveal(data: GroupedData, quick: Preview | None, extra: object = "") -> None:
    """The class's prediction beside the answer, with feedback (nothing when the class did not vote on
    these data)."""
    vote = ss.get(_VOTE)
    if not vote or vote["tag"] != data_tag(data, extra):
        return
    entered: ClassVote | str | None = vote["pick"]
    if vote["mode"] == VOTE_MODES[0]:
        entered = ClassVote(vote["counts"]) if ClassVote(vote["counts"]).total else None
    if quick is None:
        if entered is not None:
            st.info(NO_EXACT.replace("Predict first", "The class's prediction"), icon=":material/info:")
        return
    if entered is not None:
        _reveal_most(data, quick, entered)
    if vote.get("land"):
        group, value = vote["land"]
        spec = lands_question(quick, group, "units")
        solution = lands_solution(quick, group)
        feedback = judge(spec, solution, value)
        _ALERT[feedback.verdict](
            f"The class said group {group} lands at **{spec.show(value)}**; partial pooling (exact engine): "
            f"**{spec.show(solution.answer)}**. {feedback.message}",
            icon=VERDICT_ICONS[feedback.verdict],
        )


def _reveal_most(data: GroupedData, quick: Preview, entered: ClassVote | str) -> None:
    """The class's answer on which group moves most, beside the exact engine's, with feedback."""
    spec = moved_most_question([str(g) for g in data.groups])
    solution = moved_most(data, quick, "units")
    feedback = class_feedback(spec, solution, entered)
    if isinstance(entered, str):
        said = f"**{entered}** (most common guess)"
    else:
        said = " · ".join(f"{g}: {c}" for g, c in entered.counts.items() if c)
        said = f"**{' or '.join(entered.top)}** (hands: {said})"
    _ALERT[feedback.verdict](
        f"The class said {said}; moved most (exact engine): **{solution.answer}**. {feedback.message}",
        icon=VERDICT_ICONS[feedback.verdict],
    )
