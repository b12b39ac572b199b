"""Predict, then reveal: exercises whose answers the exact engine computes from each scenario's data.

An :class:`Exercise` turns a seed into a :class:`Scenario` (the data, the story and the question,
with randomised numbers so that a class cannot copy answers; the same seed gives the same scenario)
and a scenario into a :class:`Solution` (the answer, computed with the exact engine of
:mod:`hbm_core.exact`, so it is instant and needs no MCMC, and the reason in one or two sentences,
computed from the same numbers). :func:`score` compares a student's answer with the solution:

- numbers count as right within a tolerance that each solution states (a share of the distance the
  question is about, e.g. 15 % of the gap between a group's own estimate and the population mean),
  close within twice that, wrong beyond;
- choices and yes/no answers are right only when they match exactly; a wrong pick that nearly tied
  with the answer (or a yes/no question whose deciding number sits near its threshold) is called
  close, with feedback saying why, but it still does not count as right.

Building a scenario computes no answer: a page can show the question without the answer existing
anywhere until the student asks for it. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import expit

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import GroupedData, synthetic_groups
from hbm_core.exact.grid import ExactPosterior, exact_posterior
from hbm_core.exact.preview import Preview, preview
from hbm_core.lessons.eight_schools import priors_for
from hbm_core.lessons.real_data import REEDFROGS_PRIORS
from hbm_core.lessons.shrinkage_reading import moved_most, shrinkage_facts
from hbm_core.models.parameterization import centered_weights, describe
from hbm_core.priors import Priors, default_priors

__all__ = [
    "EXERCISES",
    "Answer",
    "Exercise",
    "Feedback",
    "Scenario",
    "Solution",
    "exercise",
    "judge",
    "landing_solution",
    "own_estimates",
    "score",
    "tau_zero_solution",
]

Kind = Literal["number", "choice", "yes_no"]
Verdict = Literal["right", "close", "wrong"]

#: A number counts as right within this share of the distance the question is about (the gap
#: between a group's own estimate and where complete pooling would put it): a guess that right gets
#: the pooling factor right to about ±0.15. Within twice the tolerance it is close.
TOLERANCE_SHARE = 0.15
CLOSE_FACTOR = 2.0
#: A wrong choice whose value is at least this share of the answer's is a near tie ("close").
NEAR_TIE = 0.9
#: Yes/no questions decided by a ratio to a threshold: within this factor either side is borderline.
BORDERLINE_RATIO = 1.25
#: The funnel rule: the centered fit is expected to diverge when the typical group's pooling factor
#: is at least this (its standard error is at least about τ, so τ can approach 0 in the posterior).
FUNNEL_POOLING = 0.5
#: Typical pooling factors in this range make the funnel question borderline.
FUNNEL_BORDERLINE = (0.35, 0.65)
YES, NO = "yes", "no"
_Z94 = 1.8807936081512509  # half-width of a central 94 % normal interval, in sds


# ---------------------------------------------------------------------------------------------
# What a scenario, a solution and feedback are


@dataclass(frozen=True)
class Answer:
    """How the student answers: a number on a slider, one of ``options``, or yes/no.

    Numbers: ``lo``, ``hi``, ``step``, ``start`` (where the slider starts; never the answer) and
    ``fmt`` (a format spec, e.g. ``".1f"``, ``".3f"`` or ``".0%"``), ``unit`` (words after the number).
    """

    kind: Kind
    label: str
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.1
    start: float = 0.0
    fmt: str = ".2f"
    unit: str = ""
    options: tuple[str, ...] = ()

    def show(self, value: float | str) -> str:
        """A value as the page writes it (a number formatted with its unit; a choice as is)."""
        if self.kind != "number":
            return str(value)
        text = format(float(value), self.fmt)
        return f"{text} {self.unit}".strip()


@dataclass(frozen=True)
class Scenario:
    """One exercise drawn with one seed: everything the student sees before the reveal.

    ``chart``: the chart that fits the data before the reveal (``"strip"``: the observations,
    ``"own"``: each group's own estimate with its 94 % interval, ``""``: none). ``params``: the
    inputs the solution needs (the chosen group, τ, ...), not the answer. ``y_label`` and
    ``group_word`` name the axis and the groups.
    """

    key: str
    number: int
    title: str
    seed: int
    story: str
    question: str
    answer: Answer
    data: GroupedData
    priors: Priors
    chart: Literal["strip", "own", ""]
    y_label: str
    group_word: str = "group"
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Solution:
    """The answer to a scenario and why, computed from its data with the exact engine.

    ``answer``: a number or an option; ``reason``: one or two sentences; ``rule``: what counts as
    right and why. Numbers: ``tolerance`` (right within it), ``own`` (the group's own estimate: a
    guess on its side of the answer pulled too little). Choices: ``values`` (the quantity each option
    is judged by) and ``value_text`` (what it is, e.g. "moved"), ``near`` (options that nearly tied).
    Yes/no: ``borderline`` when the deciding number sits near its threshold. For the chart after the
    reveal: ``estimates`` (the long table of the three fits, as :func:`hbm_core.viz.shrinkage`
    reads it, or ``None``), ``curves`` (estimates along τ, with ``tau_now``) and ``tau_density``
    (``p(τ | y)``).
    """

    answer: float | str
    reason: str
    rule: str
    tolerance: float | None = None
    own: float | None = None
    values: dict[str, float] = field(default_factory=dict)
    value_text: str = ""
    value_fmt: str = ".2f"
    near: tuple[str, ...] = ()
    borderline: bool = False
    estimates: pd.DataFrame | None = None
    curves: pd.DataFrame | None = None
    tau_now: float | None = None
    tau_density: pd.DataFrame | None = None


@dataclass(frozen=True)
class Feedback:
    """How a guess compares with the answer: ``verdict``, ``correct`` (counts as right) and
    ``message`` (how far off, in words); ``error`` is |guess − answer| for numbers, else ``None``."""

    verdict: Verdict
    correct: bool
    error: float | None
    message: str


@dataclass(frozen=True)
class Exercise:
    """An exercise: its place in the list, key, title, and how a seed becomes a scenario and a
    scenario a solution."""

    number: int
    key: str
    title: str
    setup: Callable[[int], Scenario]
    solve: Callable[[Scenario], Solution]

    def scenario(self, seed: int) -> Scenario:
        """The scenario for ``seed`` (the same seed, the same numbers)."""
        return self.setup(int(seed))


# ---------------------------------------------------------------------------------------------
# Shared helpers


def own_estimates(scenario: Scenario) -> pd.DataFrame:
    """Each group's own estimate from its data alone, with a 94 % normal interval (no answer in it).

    Columns as :func:`hbm_core.viz.forest` reads them: group, fit (``"unpooled"``), mean, sd,
    hdi_low, hdi_high, n. Proportions (binomial data) are clipped to [0, 1].
    """
    raw = scenario.data.group_summary()
    se = raw["se"].to_numpy(float)
    mean = raw["mean"].to_numpy(float)
    low, high = mean - _Z94 * se, mean + _Z94 * se
    if scenario.data.family == "binomial":
        low, high = np.clip(low, 0, 1), np.clip(high, 0, 1)
    return pd.DataFrame(
        {
            "group": raw["group"].astype(str),
            "fit": "unpooled",
            "mean": mean,
            "sd": se,
            "hdi_low": low,
            "hdi_high": high,
            "n": raw["n"].to_numpy(int),
        }
    )


def _start(value: float, lo: float, hi: float, step: float) -> float:
    """``value`` on the slider's grid and inside its range."""
    return float(min(max(lo + round((value - lo) / step) * step, lo), hi))


def _share_rule(span: float, tolerance: float, fmt: str, what: str) -> str:
    return (
        f"Right within ±{format(tolerance, fmt)} ({TOLERANCE_SHARE:.0%} of the "
        f"{format(span, fmt)} between {what}), close within ±{format(CLOSE_FACTOR * tolerance, fmt)}: "
        "a guess that near gets the pooling factor right to about "
        f"±{TOLERANCE_SHARE:.2f}."
    )


def largest_choice(values: Mapping[str, float]) -> tuple[str, tuple[str, ...]]:
    """The answer to a "which moved most" choice and its near ties: the option with the largest
    value (the first on an exact tie; :func:`moved_most`) and the other options whose value is at
    least :data:`NEAR_TIE` of it (a guess of one of those is "close")."""
    series = pd.Series(values, dtype=float)
    winner = moved_most(series)[0]
    near = tuple(str(k) for k, v in series.items() if k != winner and v >= NEAR_TIE * series[winner])
    return winner, near


def _hier_rows(estimates: pd.DataFrame, fit: str = "hierarchical") -> pd.DataFrame:
    return estimates[estimates["fit"] == fit].set_index("group")


def _tau_text(post: ExactPosterior, fmt: str = ".2f") -> str:
    return f"τ ≈ {format(post.tau_quantile(0.5), fmt)} (posterior median)"


#: The synthetic scenarios' priors (Explore's): mu ~ Normal(0, 20), tau ~ HalfNormal(5).
SYNTHETIC_PRIORS = Priors(
    mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=5.0, sigma_scale=10.0
)


# ---------------------------------------------------------------------------------------------
# 1 A tiny group far from the rest


def _far_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 1])
    base = float(rng.integers(3, 9))
    far = float(np.round(rng.uniform(4.0, 6.0), 1)) * (1 if rng.random() < 0.5 else -1)
    tiny = int(rng.integers(2, 4))
    sizes = [int(n) for n in rng.integers(20, 41, size=4)] + [tiny]
    means = [float(np.round(base + rng.uniform(-1.0, 1.0), 1)) for _ in range(4)] + [base + far]
    sd = float(np.round(rng.uniform(3.0, 4.0), 1))
    data = synthetic_groups(sizes, means, [sd] * 5, seed=seed)
    sample_means = data.group_summary()["mean"].to_numpy(float)
    own = float(sample_means[4])
    lo, hi = float(np.floor(min(data.y.min(), base - 2))), float(np.ceil(max(data.y.max(), base + 2)))
    return Scenario(
        key="far_group",
        number=1,
        title="A tiny group far from the rest",
        seed=seed,
        story=(
            f"Four groups of {min(sizes[:4])} to {max(sizes[:4])} observations have sample means between "
            f"{sample_means[:4].min():.1f} and {sample_means[:4].max():.1f}; group E, drawn from a true mean "
            f"{abs(far):g} units from the centre of theirs, has only {tiny} observations, with mean "
            f"{own:.1f}. Every group has the same true sd ({sd:g}); the model uses one shared σ."
        ),
        question="Where will group E's partial-pooling estimate land?",
        answer=Answer(
            "number", "Group E's partial-pooling estimate", lo, hi, 0.1, _start(own, lo, hi, 0.1), ".1f"
        ),
        data=data,
        priors=SYNTHETIC_PRIORS,
        chart="strip",
        y_label="outcome (units)",
        params={"group": "E", "sigma": "shared"},
    )


def _shrink_solution(scenario: Scenario, noun: str) -> Solution:
    """Where a normal-data group's partial-pooling estimate lands, and why (shared or own σ)."""
    quick = preview(scenario.data, scenario.priors, sigma=scenario.params.get("sigma", "group"))
    return landing_solution(quick, scenario.params["group"], noun)


def landing_solution(quick: Preview, group: str, noun: str = "Group") -> Solution:
    """Where ``group``'s partial-pooling estimate lands (outcome units), and why, from the exact
    preview ``quick`` of normal data (any data: an exercise's or the Explore page's).

    Right within :data:`TOLERANCE_SHARE` of the distance between the group's own mean and μ.
    """
    post = quick.exact
    j = list(post.groups).index(group)
    hier = _hier_rows(quick.estimates)
    partial = float(hier.loc[group, "mean"])
    own = float(hier.loc[group, "raw_mean"])
    mu = float(post.mu_summary()["mean"])
    pooling = float(hier.loc[group, "pooling"])
    span = abs(own - mu)
    tolerance = TOLERANCE_SHARE * span
    n = int(hier.loc[group, "n"])
    share = (own - partial) / (own - mu) if span > 0 else float("nan")
    reason = (
        f"{noun} {group} has n = {n}, so its standard error ({post.se[j]:.2f}) is large against "
        f"{_tau_text(post)}: its pooling factor is {pooling:.2f}, and partial pooling moved it "
        f"{share:.0%} of the way from its own mean {own:.2f} toward μ ≈ {mu:.2f}, to {partial:.2f}."
        if post.se[j] >= post.tau_quantile(0.5)
        else f"{noun} {group} has n = {n}, and its standard error ({post.se[j]:.2f}) is small against "
        f"{_tau_text(post)}: its pooling factor is only {pooling:.2f}, so partial pooling moved it "
        f"{share:.0%} of the way from its own mean {own:.2f} toward μ ≈ {mu:.2f}, to {partial:.2f}."
    )
    return Solution(
        answer=partial,
        reason=reason,
        rule=_share_rule(span, tolerance, ".2f", f"its own mean and μ ≈ {mu:.2f}"),
        tolerance=tolerance,
        own=own,
        estimates=quick.estimates,
    )


def _far_solve(scenario: Scenario) -> Solution:
    return _shrink_solution(scenario, "Group")


# ---------------------------------------------------------------------------------------------
# 2 Equal sizes, very different sds


def _sds_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 2])
    n = int(rng.integers(8, 16))
    sds = [float(s) for s in rng.permutation([1.0, 2.0, 4.0, 8.0])]
    base = float(rng.integers(4, 9))
    gap = float(np.round(rng.uniform(2.0, 3.0), 1))
    means = [base + gap * s for s in rng.permutation([-1.0, -1.0, 1.0, 1.0])]
    data = synthetic_groups([n] * 4, means, sds, seed=seed)
    return Scenario(
        key="equal_sizes",
        number=2,
        title="Equal sizes, very different sds",
        seed=seed,
        story=(
            f"Four groups of exactly {n} observations each, with true means {gap:g} units either side of "
            f"{base:g}, but very different spreads: true sds of "
            + ", ".join(f"{g} {s:g}" for g, s in zip(data.groups, sds, strict=True))
            + ". Each group has its own σ."
        ),
        question="Which group will partial pooling move most?",
        answer=Answer("choice", "The group that moves most", options=tuple(data.groups)),
        data=data,
        priors=SYNTHETIC_PRIORS,
        chart="strip",
        y_label="outcome (units)",
        params={"sigma": "group"},
    )


def _sds_solve(scenario: Scenario) -> Solution:
    quick = preview(scenario.data, scenario.priors, sigma="group")
    post = quick.exact
    mu = float(post.mu_summary()["mean"])
    facts = shrinkage_facts(quick.estimates, own="raw", center=mu)
    moves = facts.moves.set_index("group")
    sizes = moves["size"]
    winner, near = largest_choice(sizes.to_dict())
    raw = scenario.data.group_summary().set_index("group")
    j = list(post.groups).index(winner)
    top_pool = str(moves["pooling"].idxmax())
    first = (
        f"All groups have n = {int(raw['n'].iloc[0])}, so their standard errors differ only through their "
        f"sds: group {winner}'s sd {raw.loc[winner, 'sd']:.1f} gives a standard error of {post.se[j]:.2f} "
        f"against {_tau_text(post)}, a pooling factor of {moves.loc[winner, 'pooling']:.2f}, "
        f"and it moved {sizes[winner]:.2f} units."
    )
    if top_pool == winner:
        second = (
            f"The group with the smallest sd ({raw['sd'].idxmin()}, sd {raw['sd'].min():.1f}) has a pooling "
            f"factor of {moves.loc[raw['sd'].idxmin(), 'pooling']:.2f} and keeps almost its own mean."
        )
    else:
        second = (
            f"Group {top_pool} has the larger pooling factor ({moves.loc[top_pool, 'pooling']:.2f}) but sat "
            f"only {moves.loc[top_pool, 'distance']:.2f} from μ ≈ {mu:.2f}, against "
            f"{moves.loc[winner, 'distance']:.2f} for {winner}: a move is the pooling factor times the "
            "distance."
        )
    return Solution(
        answer=winner,
        reason=f"{first} {second}",
        rule=(
            "Right only for the group that moved most; a group that moved at least "
            f"{NEAR_TIE:.0%} as far counts as close."
        ),
        values={str(g): float(v) for g, v in sizes.items()},
        value_text="moved",
        near=near,
        estimates=quick.estimates,
    )


# ---------------------------------------------------------------------------------------------
# 3 All groups alike: is tau near 0?


def _alike_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 3])
    alike = bool(rng.random() < 0.5)
    n, sd = int(rng.integers(12, 21)), float(np.round(rng.uniform(1.5, 2.5), 1))
    base = float(rng.integers(3, 9))
    spread = 0.0 if alike else float(np.round(rng.uniform(1.5, 3.0), 1))
    means = base + spread * rng.standard_normal(6)
    data = synthetic_groups([n] * 6, list(means), [sd] * 6, seed=seed)
    return Scenario(
        key="alike",
        number=3,
        title="All groups alike?",
        seed=seed,
        story=(
            f"Six groups of {n} observations, each with true sd {sd:g}. Look at how far apart their sample "
            "means are compared with how precisely each one is measured."
        ),
        question=(
            "Will τ's posterior sit near 0? (Near 0 here: its median below the typical group's standard "
            "error, so partial pooling pulls the typical group at least halfway to μ.)"
        ),
        answer=Answer("yes_no", "τ's posterior near 0?", options=(YES, NO)),
        data=data,
        priors=SYNTHETIC_PRIORS,
        chart="strip",
        y_label="outcome (units)",
        params={"sigma": "shared"},
    )


def _alike_solve(scenario: Scenario) -> Solution:
    return tau_zero_solution(preview(scenario.data, scenario.priors, sigma="shared"))


def tau_zero_solution(quick: Preview) -> Solution:
    """Whether τ's posterior sits near 0 (its median below the typical group's standard error), and
    why, from the exact preview ``quick`` (any normal data). Answer :data:`YES` or :data:`NO`."""
    post = quick.exact
    median_tau = float(post.tau_quantile(0.5))
    typical_se = float(np.median(post.se))
    near_zero = median_tau < typical_se
    spread = float(np.std(post.y, ddof=1))
    ratio = median_tau / typical_se
    # With no real differences (tau = 0) the sample means would spread with an sd of about their se.
    noise = spread / typical_se
    spread_text = (
        f"The {post.n_groups} sample means spread with sd {spread:.2f}, {noise:.1f} times the standard error "
        f"(≈ {typical_se:.2f}) with which each is measured; with no real differences between the groups the "
        "ratio would be about 1."
    )
    borderline = 1 / BORDERLINE_RATIO <= ratio <= BORDERLINE_RATIO
    side = "below" if near_zero else "above"
    if borderline:
        verdict = "These data sit near the line"
    elif near_zero:
        verdict = "The data leave little room for real differences"
    else:
        verdict = "The groups really differ"
    reason = (
        f"{spread_text} {verdict}: τ's posterior median is {median_tau:.2f}, {side} the typical standard "
        f"error {typical_se:.2f}."
    )
    return Solution(
        answer=YES if near_zero else NO,
        reason=reason,
        rule=(
            "Yes when τ's posterior median is below the median standard error of the groups' means. Within a "
            f"factor {BORDERLINE_RATIO:g} of that line the question is borderline."
        ),
        values={"median τ": median_tau, "typical se": typical_se},
        borderline=borderline,
        estimates=quick.estimates,
        tau_density=post.tau_frame(),
    )


# ---------------------------------------------------------------------------------------------
# 4 Eight schools at a given tau


_TAUS = (0.0, 10.0, 30.0)
_FAR_SCHOOL = 5.0  # schools this far (points) from complete pooling are asked about


def _schools_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 4])
    data = load_dataset("eight_schools")
    tau = float(_TAUS[int(rng.integers(len(_TAUS)))])
    # Schools far from the overall mean: the question has a clear scale (the raw data only, no fit).
    weights = 1.0 / data.se**2
    overall = float(np.sum(weights * data.y) / np.sum(weights))
    far = [g for g, y in zip(data.groups, data.y, strict=True) if abs(y - overall) >= _FAR_SCHOOL]
    school = str(far[int(rng.integers(len(far)))])
    j = data.groups.index(school)
    lo, hi = float(np.floor(data.y.min()) - 2), float(np.ceil(data.y.max()) + 2)
    return Scenario(
        key="eight_schools",
        number=4,
        title="Eight schools at a fixed τ",
        seed=seed,
        story=(
            f"Eight schools measured the effect of SAT coaching. School {school} estimated "
            f"{data.y[j]:g} points with a standard error of {data.se[j]:g}. Fix the between-school sd at "
            f"τ = {tau:g} points."
        ),
        question=f"Where is school {school}'s estimate given τ = {tau:g}?",
        answer=Answer(
            "number",
            f"School {school}'s estimate at τ = {tau:g}",
            lo,
            hi,
            0.5,
            _start(float(data.y[j]), lo, hi, 0.5),
            ".1f",
            "points",
        ),
        data=data,
        priors=priors_for("flat", 0.0),
        chart="own",
        y_label="SAT coaching effect (points)",
        group_word="school",
        params={"group": school, "tau": tau},
    )


def _schools_solve(scenario: Scenario) -> Solution:
    data, school, tau = scenario.data, scenario.params["group"], scenario.params["tau"]
    post = exact_posterior(data.y, data.se, data.groups, scenario.priors)
    at = post.at_tau(tau).set_index("group")
    at0 = post.at_tau(0.0).set_index("group")
    j = list(data.groups).index(school)
    y, se = float(data.y[j]), float(data.se[j])
    pooled = float(at0.loc[school, "mean"])
    answer = float(at.loc[school, "mean"])
    pooling = float(at.loc[school, "pooling"])
    # mu_hat given tau: the precision-weighted mean with weights 1 / (se^2 + tau^2).
    w = 1.0 / (data.se**2 + tau**2)
    mu_tau = float(np.sum(w * data.y) / np.sum(w))
    span = abs(y - pooled)
    tolerance = TOLERANCE_SHARE * span
    if tau == 0:
        reason = (
            f"At τ = 0 every school has the same true effect, so the pooling factor is 1 and school "
            f"{school} lands on the precision-weighted mean of all eight, {answer:.1f}, whatever its own "
            f"{y:g}."
        )
    else:
        reason = (
            f"At τ = {tau:g} school {school}'s standard error {se:g} gives the pooling factor "
            f"B = {se:g}² / ({se:g}² + {tau:g}²) = {pooling:.2f}: its estimate moves {pooling:.0%} of the "
            f"way from its own {y:g} toward μ̂(τ) = {mu_tau:.1f}, to {answer:.1f}."
        )
    estimates = pd.concat(
        [
            pd.DataFrame({"group": list(data.groups), "fit": fit, "mean": mean, "n": 1, "raw_mean": data.y})
            for fit, mean in (
                ("pooled", at0["mean"].to_numpy()),
                ("unpooled", data.y),
                ("hierarchical", at["mean"].to_numpy()),
            )
        ],
        ignore_index=True,
    )
    estimates["pooling"] = np.where(
        estimates["fit"] == "hierarchical", np.tile(at["pooling"].to_numpy(), 3), np.nan
    )
    return Solution(
        answer=answer,
        reason=reason,
        rule=_share_rule(span, tolerance, ".1f", f"its own {y:g} and complete pooling's {pooled:.1f} points"),
        tolerance=tolerance,
        own=y,
        estimates=estimates,
        curves=post.curves(),
        tau_now=tau,
    )


# ---------------------------------------------------------------------------------------------
# 5 A baseball player after 45 at-bats


_FAR_PLAYER = 0.03  # players at least this far from the overall average are asked about


def _baseball_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 5])
    data = load_dataset("efron_morris")
    raw = data.group_summary()
    overall = float(raw["successes"].sum() / raw["n"].sum())
    far = raw[(raw["mean"] - overall).abs() >= _FAR_PLAYER]
    row = far.iloc[int(rng.integers(len(far)))]
    player = str(row["group"])
    return Scenario(
        key="baseball",
        number=5,
        title="A baseball player after 45 at-bats",
        seed=seed,
        story=(
            f"1970: after his first 45 at-bats {player} had {int(row['successes'])} hits, a batting average "
            f"of {row['mean']:.3f}. The 18 players together hit {overall:.3f}."
        ),
        question=f"What is {player}'s partial-pooling batting average?",
        answer=Answer(
            "number",
            f"{player}'s partial-pooling average",
            0.150,
            0.450,
            0.005,
            _start(float(row["mean"]), 0.150, 0.450, 0.005),
            ".3f",
        ),
        data=data,
        priors=default_priors(data.y, "binomial"),
        chart="own",
        y_label="batting average (hits per at-bat)",
        group_word="player",
        params={"group": player},
    )


def _baseball_solve(scenario: Scenario) -> Solution:
    player = scenario.params["group"]
    quick = preview(scenario.data, scenario.priors)
    post = quick.exact
    hier = _hier_rows(quick.estimates)
    own = float(hier.loc[player, "raw_mean"])
    answer = float(hier.loc[player, "mean"])
    j = list(post.groups).index(player)
    center = float(expit(post.mu_summary()["median"]))  # the population's typical average, expit(mu)
    slope = center * (1 - center)  # d p / d logit near the average: turns logit sds into averages
    span = abs(own - center)
    tolerance = TOLERANCE_SHARE * span
    tau = float(post.tau_quantile(0.5))
    pooling = float(hier.loc[player, "pooling"])
    reason = (
        f"After 45 at-bats an average has a standard error of about {post.se[j] * slope:.3f} "
        f"({post.se[j]:.2f} on the log-odds scale the model uses), large against the spread of the players' "
        f"true abilities, τ ≈ {tau:.2f} on that scale (about {tau * slope:.3f} in average): the pooling "
        f"factor is {pooling:.2f}, so {player}'s {own:.3f} is pulled most of the way toward the "
        f"typical player's {center:.3f} (expit μ), to {answer:.3f}."
        if pooling >= 0.5
        else f"After 45 at-bats {player}'s standard error is {post.se[j]:.2f} on the log-odds scale, against "
        f"τ ≈ {tau:.2f}: the pooling factor is {pooling:.2f}, so his {own:.3f} moves toward the typical "
        f"player's {center:.3f} (expit μ) only to {answer:.3f}."
    )
    return Solution(
        answer=answer,
        reason=reason,
        rule=_share_rule(span, tolerance, ".3f", f"his {own:.3f} and the typical player's {center:.3f}"),
        tolerance=tolerance,
        own=own,
        estimates=quick.estimates,
    )


# ---------------------------------------------------------------------------------------------
# 6 The funnel: will the centered fit diverge?


def _funnel_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 6])
    weak = bool(rng.random() < 0.5)
    base = float(rng.integers(3, 9))
    if weak:
        J = int(rng.integers(5, 9))
        sizes = [int(n) for n in rng.integers(3, 7, size=J)]
        means = list(base + rng.normal(0.0, 1.0, J))
        sds = [float(np.round(rng.uniform(4.0, 6.0), 1))] * J
    else:
        J = int(rng.integers(3, 6))
        sizes = [int(n) for n in rng.integers(30, 61, size=J)]
        means = list(base + 2.0 * np.arange(J) - float(J - 1))
        sds = [float(np.round(rng.uniform(1.0, 2.0), 1))] * J
    data = synthetic_groups(sizes, means, sds, seed=seed)
    return Scenario(
        key="funnel",
        number=6,
        title="The funnel",
        seed=seed,
        story=(
            f"{J} groups of {min(sizes)} to {max(sizes)} observations (true sd {sds[0]:g}), fitted with the "
            "centered form θ_j ~ Normal(μ, τ): the sampler moves θ_j itself."
        ),
        question="Will the centered fit of partial pooling diverge on these data?",
        answer=Answer("yes_no", "Centered fit diverges?", options=(YES, NO)),
        data=data,
        priors=SYNTHETIC_PRIORS,
        chart="strip",
        y_label="outcome (units)",
        params={"sigma": "shared"},
    )


def _funnel_solve(scenario: Scenario) -> Solution:
    quick = preview(scenario.data, scenario.priors, sigma="shared")
    post = quick.exact
    pooling = float(np.median(_hier_rows(quick.estimates)["pooling"]))
    typical_se = float(np.median(post.se))
    diverges = pooling >= FUNNEL_POOLING
    auto = describe(centered_weights(scenario.data, "auto"))
    if diverges:
        reason = (
            f"The groups' standard errors (≈ {typical_se:.2f}) are large against {_tau_text(post)}: "
            f"the typical pooling factor is {pooling:.2f}, so the posterior reaches down to τ near 0, "
            "where every θ_j is squeezed toward μ: the funnel's neck, too narrow for the centered "
            f"sampler's steps, so expect divergences (the app's automatic choice here: {auto})."
        )
    else:
        reason = (
            f"Each group's standard error (≈ {typical_se:.2f}) is small against {_tau_text(post)}: "
            f"the typical pooling factor is {pooling:.2f}, so each θ_j is pinned by its own data "
            "whatever τ is; the posterior has no funnel neck and the centered form samples cleanly "
            f"(the app's automatic choice here: {auto})."
        )
    borderline = FUNNEL_BORDERLINE[0] <= pooling <= FUNNEL_BORDERLINE[1]
    if borderline:
        reason += " These data sit near the line: whether a run diverges depends on its seed and step size."
    return Solution(
        answer=YES if diverges else NO,
        reason=reason,
        rule=(
            "A rule, not a run: yes when the typical (median) group's pooling factor is at least "
            f"{FUNNEL_POOLING:g}, i.e. its standard error is at least about τ, so τ near 0 is plausible and "
            "the centered form meets the funnel's neck (as the sampling lesson's eight schools do). Pooling "
            f"factors from {FUNNEL_BORDERLINE[0]:g} to {FUNNEL_BORDERLINE[1]:g} are borderline: there it "
            "depends on the run."
        ),
        values={"typical pooling factor": pooling},
        borderline=borderline,
        estimates=quick.estimates,
        tau_density=post.tau_frame(),
    )


# ---------------------------------------------------------------------------------------------
# 7 Radon: a county with 2 houses


_FAR_COUNTY = 0.3  # log pCi/L from the statewide mean: counties asked about


def _radon_data() -> GroupedData:
    data = load_dataset("radon")
    return data.with_(x=None, x_label=None)


def _radon_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 7])
    data = _radon_data()
    raw = data.group_summary()
    overall = float(np.mean(data.y))
    pick = raw[(raw["n"] == 2) & ((raw["mean"] - overall).abs() >= _FAR_COUNTY)]
    row = pick.iloc[int(rng.integers(len(pick)))]
    county = str(row["group"])
    return Scenario(
        key="radon",
        number=7,
        title="A county with 2 houses",
        seed=seed,
        story=(
            f"Minnesota radon: {data.n_obs} houses in {data.n_groups} counties. {county} has 2 houses, with "
            f"a mean log radon of {row['mean']:.2f}; all houses together average {overall:.2f}. The model "
            "here has varying county intercepts around μ_α and one σ for houses within a county (no floor "
            "predictor; the Radon page adds it)."
        ),
        question=f"How far does partial pooling move {county} from its own mean toward μ_α?",
        answer=Answer("number", "Share of the way toward μ_α", 0.0, 1.0, 0.05, 0.5, ".0%", "of the way"),
        data=data,
        priors=default_priors(data.y, data.family),
        chart="",
        y_label="log radon (log pCi/L)",
        group_word="county",
        params={"group": county, "sigma": "shared"},
    )


def _radon_solve(scenario: Scenario) -> Solution:
    county = scenario.params["group"]
    data = scenario.data
    quick = preview(data, scenario.priors, sigma="shared")
    post = quick.exact
    hier = _hier_rows(quick.estimates)
    own = float(hier.loc[county, "raw_mean"])
    partial = float(hier.loc[county, "mean"])
    mu = float(post.mu_summary()["mean"])
    share = (own - partial) / (own - mu)
    j = list(post.groups).index(county)
    sigma = float(post.se[j] * np.sqrt(2.0))
    tolerance = TOLERANCE_SHARE
    reason = (
        f"With 2 houses {county}'s mean has a standard error of σ̂/√2 = {post.se[j]:.2f} (σ̂ = {sigma:.2f}, "
        f"the pooled within-county sd) against {_tau_text(post)} between counties: the pooling factor is "
        f"{hier.loc[county, 'pooling']:.2f}, so its estimate moves {share:.0%} of the way from {own:.2f} "
        f"toward μ_α ≈ {mu:.2f}, to {partial:.2f}."
    )
    return Solution(
        answer=share,
        reason=reason,
        rule=(
            f"Right within ±{TOLERANCE_SHARE:.0%} of the way (that is the pooling factor to about "
            f"±{TOLERANCE_SHARE:.2f}), close within ±{CLOSE_FACTOR * TOLERANCE_SHARE:.0%}."
        ),
        tolerance=tolerance,
        own=0.0,
        estimates=quick.estimates,
    )


# ---------------------------------------------------------------------------------------------
# 8 Reed frogs: which tank size shrinks most?


_TANKS_PER_SIZE = 6


def _frogs_setup(seed: int) -> Scenario:
    rng = np.random.default_rng([seed, 8])
    full = load_dataset("reedfrogs")
    density = full.meta["density"]
    rows = np.sort(
        np.concatenate(
            [
                rng.choice(np.nonzero(density == d)[0], size=_TANKS_PER_SIZE, replace=False)
                for d in np.unique(density)
            ]
        )
    )
    data = GroupedData(
        family="binomial",
        groups=tuple(full.groups[i] for i in rows),
        group_idx=np.arange(rows.size, dtype=np.int64),
        y=full.y[rows].copy(),
        trials=full.trials[rows].copy(),
        name=full.name,
        y_label=full.y_label,
        source=full.source,
        meta={"density": density[rows].copy()},
    )
    sizes = tuple(f"{d} tadpoles" for d in np.unique(density))
    return Scenario(
        key="reedfrogs",
        number=8,
        title="Reed-frog tanks by density",
        seed=seed,
        story=(
            f"{rows.size} tanks of reed-frog tadpoles, {_TANKS_PER_SIZE} each holding "
            + ", ".join(str(d) for d in np.unique(density))
            + " tadpoles; we count the survivors in each tank and estimate each tank's survival probability."
        ),
        question="Which size of tank does partial pooling shrink most (the largest average move)?",
        answer=Answer("choice", "Tank size that shrinks most", options=sizes),
        data=data,
        priors=REEDFROGS_PRIORS,
        chart="own",
        y_label="survival proportion",
        group_word="tank",
    )


def _frogs_solve(scenario: Scenario) -> Solution:
    quick = preview(scenario.data, scenario.priors)
    hier = _hier_rows(quick.estimates)
    density = pd.Series(scenario.data.meta["density"], index=hier.index)
    shift = (hier["mean"] - hier["raw_mean"]).abs() * 100
    by_size = shift.groupby(density).mean()
    pooling = hier["pooling"].groupby(density).mean()
    values = {f"{d} tadpoles": float(v) for d, v in by_size.items()}
    winner, near = largest_choice(values)
    small, large = int(by_size.index.min()), int(by_size.index.max())
    reason = (
        f"A tank of {small} gives a noisier survival share than a tank of {large}: the mean pooling factor "
        f"is {pooling[small]:.2f} for tanks of {small} against {pooling[large]:.2f} for tanks of {large}. "
        "Tanks of "
        f"{winner.split()[0]} moved most, {values[winner]:.1f} percentage points on average."
    )
    return Solution(
        answer=winner,
        reason=reason,
        rule=(
            "Right only for the size whose tanks moved most on average (percentage points of survival); a "
            f"size that moved at least {NEAR_TIE:.0%} as far counts as close."
        ),
        values=values,
        value_text="moved on average (percentage points)",
        value_fmt=".1f",
        near=near,
        estimates=quick.estimates,
    )


# ---------------------------------------------------------------------------------------------
# The list, and scoring


EXERCISES: tuple[Exercise, ...] = (
    Exercise(1, "far_group", "A tiny group far from the rest", _far_setup, _far_solve),
    Exercise(2, "equal_sizes", "Equal sizes, very different sds", _sds_setup, _sds_solve),
    Exercise(3, "alike", "All groups alike?", _alike_setup, _alike_solve),
    Exercise(4, "eight_schools", "Eight schools at a fixed τ", _schools_setup, _schools_solve),
    Exercise(5, "baseball", "A baseball player after 45 at-bats", _baseball_setup, _baseball_solve),
    Exercise(6, "funnel", "The funnel", _funnel_setup, _funnel_solve),
    Exercise(7, "radon", "A county with 2 houses", _radon_setup, _radon_solve),
    Exercise(8, "reedfrogs", "Reed-frog tanks by density", _frogs_setup, _frogs_solve),
)


def exercise(number: int) -> Exercise:
    """The exercise with this number (1-based); ValueError for any other."""
    if not 1 <= int(number) <= len(EXERCISES):
        raise ValueError(f"there is no exercise {number!r}; choose 1 to {len(EXERCISES)}")
    return EXERCISES[int(number) - 1]


def score(scenario: Scenario, solution: Solution, guess: float | str) -> Feedback:
    """How ``guess`` compares with ``solution``: verdict, whether it counts, and feedback in words."""
    return judge(scenario.answer, solution, guess)


def judge(spec: Answer, solution: Solution, guess: float | str) -> Feedback:
    """:func:`score` for a question asked outside an exercise: ``spec`` says how it is answered
    (a number, one of its options, yes/no), ``solution`` is the answer."""
    if spec.kind == "number":
        return _score_number(spec, solution, float(guess))
    guess = str(guess)
    if guess not in spec.options:
        raise ValueError(f"{guess!r} is not one of {', '.join(spec.options)}")
    if guess == solution.answer:
        return Feedback("right", True, None, f"Right: {solution.answer}. {solution.reason}")
    if spec.kind == "choice":
        if guess in solution.near:
            text = (
                f"Close, but not it: {guess} {solution.value_text} "
                f"{format(solution.values[guess], solution.value_fmt)}, almost as much as "
                f"{solution.answer} ({format(solution.values[solution.answer], solution.value_fmt)})."
            )
            return Feedback("close", False, None, f"{text} {solution.reason}")
        text = (
            f"Not {guess}: it {solution.value_text} {format(solution.values[guess], solution.value_fmt)}; "
            f"{solution.answer} {solution.value_text} "
            f"{format(solution.values[solution.answer], solution.value_fmt)}."
        )
        return Feedback("wrong", False, None, f"{text} {solution.reason}")
    if solution.borderline:
        return Feedback(
            "close",
            False,
            None,
            f"The answer is {solution.answer}, but only just: these data sit near the line. "
            f"{solution.reason}",
        )
    return Feedback("wrong", False, None, f"The answer is {solution.answer}. {solution.reason}")


def _score_number(spec: Answer, solution: Solution, guess: float) -> Feedback:
    answer = float(solution.answer)
    tol = float(solution.tolerance or 0.0)
    error = abs(guess - answer)
    gap = f"{error * 100:.0f} percentage points" if "%" in spec.fmt else spec.show(error)
    off = f"Your {spec.show(guess)} is {gap} off the answer {spec.show(answer)}"
    side = ""
    if solution.own is not None and error > tol:
        own_side = (guess - answer) * (solution.own - answer) > 0
        side = " (not pulled far enough)" if own_side else " (pulled too far)"
    slack = 1e-9 * max(tol, abs(answer), 1.0)  # a guess exactly on the boundary counts, despite rounding
    if error <= tol + slack:
        return Feedback("right", True, error, f"Right. {off}, within the tolerance. {solution.reason}")
    if error <= CLOSE_FACTOR * tol + slack:
        return Feedback("close", False, error, f"Close. {off}{side}. {solution.reason}")
    return Feedback("wrong", False, error, f"Not quite. {off}{side}. {solution.reason}")
