"""Predict first, on any data: the questions the Explore page and classroom mode ask before partial
pooling is shown, their answers from the exact engine, and a class's show of hands.

The exercises (:mod:`hbm_core.lessons.exercises`) ask one question about a crafted scenario; here the
data are whatever the student or the teacher set up, so the questions are the same four every time:

- ``moved_most``: which group will partial pooling move most? (a choice among the groups)
- ``lands``: where will a chosen group's partial-pooling estimate land? (a number, outcome units)
- ``tau_zero``: will τ's posterior sit near 0? (yes/no)
- ``beats``: will partial pooling beat no pooling on total squared error against the true means?
  (yes/no; simulated data only, where the true means are known)

Each answer is a :class:`~hbm_core.lessons.exercises.Solution` and each guess is judged by
:func:`~hbm_core.lessons.exercises.judge`, so the tolerances, the "close" verdicts and the feedback's
wording are the exercises' own. The answers are computed from the exact preview (milliseconds): a
reveal never waits for MCMC. No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hbm_core.exact.preview import Preview
from hbm_core.lessons.exercises import (
    NEAR_TIE,
    NO,
    YES,
    Answer,
    Feedback,
    Solution,
    judge,
    landing_solution,
    largest_choice,
    tau_zero_solution,
)
from hbm_core.lessons.shrinkage_reading import Own, shrinkage_facts, shrinkage_reading
from hbm_core.lessons.truth_scores import errors_reading, total_errors, truth_errors
from hbm_core.lessons.wording import join_names
from hbm_core.viz.palette import FIT_LABELS

__all__ = [
    "BEATS_BORDERLINE",
    "ClassVote",
    "beats_question",
    "beats_solution",
    "class_feedback",
    "lands_question",
    "lands_solution",
    "moved_most_question",
    "moved_most_solution",
    "tau_solution",
    "tau_zero_question",
]

#: Total squared errors within this factor of each other make the "beats no pooling" question
#: borderline: one more data set could turn it.
BEATS_BORDERLINE = 1.1


# ---------------------------------------------------------------------------------------------
# Which group moves most


def moved_most_question(groups: Sequence[str], group_word: str = "group") -> Answer:
    """The choice among ``groups``: which one partial pooling moves most."""
    return Answer("choice", f"The {group_word} partial pooling moves most", options=tuple(map(str, groups)))


def moved_most_solution(
    estimates: pd.DataFrame, center: float | None, own: Own = "unpooled", unit: str = ""
) -> Solution:
    """Which group partial pooling moved most, from the long estimates table of the three fits
    (the exact preview's or MCMC's), measured from each group's own estimate (``own``) as the page's
    shrinkage chart draws it; ``center``: the population mean μ the moves go toward (outcome scale).

    The reason is the shrinkage chart's own reading (:func:`shrinkage_reading`): the same words the
    page shows once the chart is drawn. Groups whose move is at least :data:`NEAR_TIE` of the
    winner's count as close.
    """
    facts = shrinkage_facts(estimates, own=own, center=center)
    sizes = facts.moves.set_index("group")["size"]
    winner, near = largest_choice(sizes.to_dict())
    return Solution(
        answer=winner,
        reason=shrinkage_reading(estimates, own=own, center=center, unit=unit),
        rule=(
            "Right only for the group that moved most (the longest arrow on the shrinkage chart); a group "
            f"that moved at least {NEAR_TIE:.0%} as far counts as close."
        ),
        values={str(g): float(v) for g, v in sizes.items()},
        value_text="moved",
        value_fmt=f".{facts.decimals}f",
        near=near,
        estimates=estimates,
    )


# ---------------------------------------------------------------------------------------------
# Where a chosen group lands


def _nice_step(span: float) -> float:
    """A slider step of about 1/100 of ``span``: 1, 2 or 5 times a power of ten."""
    raw = max(span, 1e-9) / 100
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def lands_question(quick: Preview, group: str, unit: str = "") -> Answer:
    """A slider for ``group``'s partial-pooling estimate: it spans every group's own mean and μ (with
    a margin), and starts at the group's own mean (where no pooling puts it; never the answer)."""
    hier = quick.estimates[quick.estimates["fit"] == "hierarchical"].set_index("group")
    if group not in hier.index:
        raise ValueError(f"no group {group!r}; choose one of {', '.join(map(str, hier.index))}")
    own = hier["raw_mean"].to_numpy(float)
    mu = float(quick.exact.mu_summary()["mean"])
    low, high = min(own.min(), mu), max(own.max(), mu)
    span = max(high - low, 1e-6)
    step = _nice_step(span)
    lo = math.floor((low - 0.1 * span) / step) * step
    hi = math.ceil((high + 0.1 * span) / step) * step
    decimals = max(0, -math.floor(math.log10(step)))
    start = float(np.clip(round(float(hier.loc[group, "raw_mean"]) / step) * step, lo, hi))
    return Answer(
        "number",
        f"Group {group}'s partial-pooling estimate",
        round(lo, decimals),
        round(hi, decimals),
        step,
        round(start, decimals),
        f".{decimals}f",
        unit,
    )


def lands_solution(quick: Preview, group: str) -> Solution:
    """Where ``group``'s partial-pooling estimate lands (the exercises' :func:`landing_solution`)."""
    return landing_solution(quick, group)


# ---------------------------------------------------------------------------------------------
# Is tau near 0?


def tau_zero_question() -> Answer:
    """Yes or no: τ's posterior near 0 (its median below the typical group's standard error)."""
    return Answer("yes_no", "τ's posterior near 0?", options=(YES, NO))


def tau_solution(quick: Preview) -> Solution:
    """Whether τ's posterior sits near 0 (the exercises' :func:`tau_zero_solution`)."""
    return tau_zero_solution(quick)


# ---------------------------------------------------------------------------------------------
# Does partial pooling beat no pooling on total error?


def beats_question() -> Answer:
    """Yes or no: partial pooling's total squared error against the true means below no pooling's."""
    return Answer("yes_no", "Partial pooling beats no pooling?", options=(YES, NO))


def beats_solution(estimates: pd.DataFrame, true_means: Sequence[float] | None = None) -> Solution:
    """Whether partial pooling's total squared error against the true means (units²) is below no
    pooling's on these data, and where it lost (:func:`errors_reading`). ``estimates``: the long
    table of the fits, with a ``true_mean`` column unless ``true_means`` (one per group) is given.

    Borderline when the two totals are within a factor :data:`BEATS_BORDERLINE` of each other.
    """
    errors = truth_errors(estimates, true_means)
    totals = total_errors(errors)
    partial, alone = totals["hierarchical"], totals["unpooled"]
    ratio = alone / partial if partial > 0 else math.inf
    borderline = 1 / BEATS_BORDERLINE <= ratio <= BEATS_BORDERLINE
    reason = errors_reading(errors, FIT_LABELS)
    if borderline:
        reason += " The two totals are close: another data set from the same settings could turn it."
    return Solution(
        answer=YES if partial < alone else NO,
        reason=reason,
        rule=(
            "Yes when partial pooling's total squared error against the true means is below no pooling's "
            f"on the data shown. Totals within a factor {BEATS_BORDERLINE:g} of each other are borderline."
        ),
        values={"partial pooling": partial, "no pooling": alone},
        borderline=borderline,
        estimates=estimates,
    )


# ---------------------------------------------------------------------------------------------
# A class's show of hands


@dataclass(frozen=True)
class ClassVote:
    """A class's show of hands on a choice: hands per option (options nobody chose may be absent)."""

    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        """Hands raised in all."""
        return int(sum(max(int(c), 0) for c in self.counts.values()))

    @property
    def top(self) -> tuple[str, ...]:
        """The most common guess (several on a tie; none when no hand was raised)."""
        if self.total == 0:
            return ()
        most = max(int(c) for c in self.counts.values())
        return tuple(str(o) for o, c in self.counts.items() if int(c) == most)

    def share(self, option: str) -> float:
        """The share of the hands raised for ``option`` (0 when no hand was raised)."""
        return int(self.counts.get(option, 0)) / self.total if self.total else 0.0


def class_feedback(spec: Answer, solution: Solution, vote: ClassVote | str) -> Feedback:
    """How the class did: ``vote`` is its show of hands, or the most common guess the teacher picked.

    A single most common guess is judged as a student's would be (:func:`judge`), with the hands for
    the answer added in front; a tie between several guesses counts as close when the answer is one of
    them, else wrong. ``ValueError`` when no hand was raised.
    """
    if isinstance(vote, str):
        return judge(spec, solution, vote)
    if not vote.top:
        raise ValueError("no hands were raised: nothing to judge")
    answer = str(solution.answer)
    hands = int(vote.counts.get(answer, 0))
    front = (
        f"{hands} of {vote.total} hands ({vote.share(answer):.0%}) chose {answer}, the answer."
        if hands
        else f"None of the {vote.total} hands chose {answer}, the answer."
    )
    if len(vote.top) == 1:
        feedback = judge(spec, solution, vote.top[0])
        return Feedback(feedback.verdict, feedback.correct, feedback.error, f"{front} {feedback.message}")
    split = f"The class split between {join_names(list(vote.top))}."
    if answer in vote.top:
        return Feedback("close", False, None, f"{front} {split} {solution.reason}")
    return Feedback("wrong", False, None, f"{front} {split} {solution.reason}")
