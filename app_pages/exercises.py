"""Predict, then reveal: eight exercises, each a small scenario to predict before the exact engine
answers (instantly, no MCMC), with feedback computed from the data; a teacher view and a glossary.

The exercise, the seed of its numbers and the exercises done are kept in the session and in the link
(``?ex=3&seed=12&done=1,2``, read by :func:`hbm_core.url_params.parse`), so a reload or a shared link
keeps them; nothing is stored on the server. The answer is computed only when the student presses
Reveal (or a teacher opens the teacher view): before that it exists nowhere, not even in the session.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from hbm_core import url_params, viz
from hbm_core.lessons.exercises import EXERCISES, Scenario, Solution, exercise, own_estimates, score
from hbm_core.lessons.glossary import GLOSSARY
from ui import common, progress
from ui.prediction import VERDICT_ICONS

common.start_page()  # a deep link on a fresh server must still run inside app.py

N = len(EXERCISES)
MAX_SEED = 99_999
SPEC = {
    "ex": url_params.Number("Exercise", 1, N, integer=True),
    "seed": url_params.Number("Seed", 0, MAX_SEED, integer=True),
    progress.DONE_PARAM: progress.DONE_SPEC,
}
ss = st.session_state
# copies no widget owns: a visit to another page drops the widgets' state, not these
_NUMBER_KEPT, _SEED_KEPT = "_ex_number_kept", "_ex_seed_kept"

# ---------------------------------------------------------------------------------------------
# State: from the link on the session's first run, then the session's own


if "ex_number" not in ss:
    values, notes = url_params.parse(st.query_params.to_dict(), SPEC)
    ss["ex_number"] = values.get("ex", ss.get(_NUMBER_KEPT, 1))
    ss["ex_seed"] = values.get(
        "seed", ss.get(_SEED_KEPT, int(np.random.default_rng().integers(1, MAX_SEED + 1)))
    )
    progress.merge(values.get(progress.DONE_PARAM, []))  # the link adds to the session's progress
    ss.setdefault("ex_revealed", [])  # "key:seed" of the scenarios revealed in this session
    ss["ex_link_notes"] = notes
    ss["ex_link_opened"] = (ss["ex_number"], ss["ex_seed"])  # the link's notes stay while it is shown


def _reveal(tag: str, number: int) -> None:
    ss["ex_revealed"] = [*ss["ex_revealed"], tag]
    ss["ex_done"] = sorted({*ss["ex_done"], number})


def _go(number: int) -> None:
    ss["ex_number"] = number


def _new_numbers() -> None:
    ss["ex_seed"] = int(np.random.default_rng().integers(1, MAX_SEED + 1))


# ---------------------------------------------------------------------------------------------
# Sidebar: the exercise, its numbers, the teacher view

with st.sidebar:
    st.selectbox(
        "Exercise",
        list(range(1, N + 1)),
        format_func=lambda k: f"{k}. {EXERCISES[k - 1].title}",
        key="ex_number",
    )
    st.number_input(
        "Seed of the numbers",
        min_value=0,
        max_value=MAX_SEED,
        step=1,
        key="ex_seed",
        help="The same seed gives every student the same scenario; another seed draws new numbers.",
    )
    st.button("New numbers", on_click=_new_numbers, icon=":material/casino:", width="stretch")
    teacher = st.toggle(
        "Teacher view", key="ex_teacher", help="Shows the answer and the reasoning of every exercise."
    )

number, seed = int(ss["ex_number"]), int(ss["ex_seed"])
ss[_NUMBER_KEPT], ss[_SEED_KEPT] = number, seed
st.query_params["ex"] = str(number)
st.query_params["seed"] = str(seed)
progress.write_link(ss["ex_done"])

# ---------------------------------------------------------------------------------------------
# Introduction and progress

st.title("Predict, then reveal")
st.markdown(
    "Each exercise is a small scenario. **Predict first**, then press **Reveal**: the exact engine "
    "computes the answer from the scenario's data at once, and the feedback says how far off you were "
    "and why. The numbers come from a seed, so a class with the same link sees the same scenario."
)
for note in ss["ex_link_notes"] if ss["ex_link_opened"] == (number, seed) else []:
    st.warning(f"The link: {note}", icon=":material/link:")
done = [k for k in ss["ex_done"] if 1 <= k <= N]
st.progress(len(done) / N, text=f"Progress: {len(done)} of {N} exercises revealed")
if done:
    st.caption("Revealed: " + ", ".join(f"{k}. {EXERCISES[k - 1].title}" for k in done) + ".")

# ---------------------------------------------------------------------------------------------
# The exercise


def _guess_widget(scenario: Scenario, key: str, disabled: bool) -> float | str | None:
    """The answer widget of ``scenario``; returns the guess (``None`` before a choice is made)."""
    spec = scenario.answer
    if spec.kind != "number":
        return st.radio(
            spec.label,
            list(spec.options),
            index=None,
            key=key,
            persist_state="session",
            horizontal=True,
            disabled=disabled,
        )
    if "%" in spec.fmt:  # a share, shown in percent
        value = st.slider(
            spec.label,
            int(round(spec.lo * 100)),
            int(round(spec.hi * 100)),
            int(round(spec.start * 100)),
            step=int(round(spec.step * 100)),
            format="%d%%",
            key=key,
            persist_state="session",
            disabled=disabled,
        )
        return value / 100
    return st.slider(
        spec.label,
        float(spec.lo),
        float(spec.hi),
        float(spec.start),
        step=float(spec.step),
        format=f"%{spec.fmt}",
        key=key,
        persist_state="session",
        disabled=disabled,
    )


def _chart_before(scenario: Scenario) -> None:
    if scenario.chart == "strip":
        common.chart(
            viz.data_strip(scenario.data.to_frame()[["group", "y"]], scenario.y_label),
            "Each dot is one observation; the tick is the group's sample mean.",
        )
    elif scenario.chart == "own":
        common.chart(
            viz.forest(
                own_estimates(scenario),
                scenario.y_label,
                group_label=scenario.group_word,
                title=f"Each {scenario.group_word}'s own estimate",
            ),
            "Each estimate from its own data alone, with its 94% interval: no pooling.",
        )


def _chart_after(scenario: Scenario, solution: Solution) -> None:
    if solution.curves is not None:
        common.chart(
            viz.tau_curves(solution.curves, "mean", tau_now=solution.tau_now, y_label=scenario.y_label),
            "Every estimate given τ, from τ = 0 (complete pooling) upward; the rule marks the τ of the "
            "question.",
        )
    if solution.tau_density is not None:
        common.chart(
            viz.tau_prior_posterior(solution.tau_density, title="Posterior of τ"),
            "How plausible each between-group sd τ is, given these data (exact).",
        )
    if solution.estimates is not None:
        many = solution.estimates["group"].nunique() > 20
        common.chart(
            viz.shrinkage(
                solution.estimates,
                scenario.y_label,
                own="raw",
                style="by_n" if many else "arrows",
                group_label=scenario.group_word,
            ),
            "Each arrow runs from the group's own data to its partial-pooling estimate (exact engine).",
        )


ex = exercise(number)
scenario = ex.scenario(seed)
tag = f"{scenario.key}:{seed}"
revealed = tag in ss["ex_revealed"]

st.header(f"{number}. {scenario.title}")
st.markdown(scenario.story)
_chart_before(scenario)
st.markdown(f"**{scenario.question}**")
guess = _guess_widget(scenario, f"ex_guess_{tag}", disabled=revealed)
st.button(
    "Reveal",
    type="primary",
    icon=":material/visibility:",
    disabled=revealed or guess is None,
    on_click=_reveal,
    args=(tag, number),
    help="Make your prediction first." if guess is None else None,
)

if revealed and guess is not None:
    solution = ex.solve(scenario)
    feedback = score(scenario, solution, guess)
    left, right = st.columns(2)
    left.metric("Your prediction", scenario.answer.show(guess))
    right.metric("Answer (exact engine)", scenario.answer.show(solution.answer))
    show = {"right": st.success, "close": st.warning, "wrong": st.error}[feedback.verdict]
    show(feedback.message, icon=VERDICT_ICONS[feedback.verdict])
    st.caption(f"What counts as right: {solution.rule}")
    _chart_after(scenario, solution)
    if number < N:
        st.button(
            f"Next: {EXERCISES[number].title}",
            on_click=_go,
            args=(number + 1,),
            icon=":material/arrow_forward:",
        )

# ---------------------------------------------------------------------------------------------
# Teacher view and glossary

if teacher:
    st.header("Teacher view: every answer, with seed " + str(seed))
    for item in EXERCISES:
        case = item.scenario(seed)
        answer = item.solve(case)
        with st.expander(f"{item.number}. {item.title}: {case.answer.show(answer.answer)}"):
            st.markdown(f"**{case.question}**")
            st.markdown(answer.reason)
            st.caption(f"What counts as right: {answer.rule}")

st.header("Glossary")
for entry in GLOSSARY:
    with st.expander(entry.name):
        st.markdown(entry.definition)
