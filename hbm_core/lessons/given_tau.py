"""Readings of the exact engine for Explore: the pooling-factor curve and the estimates given τ.

Every sentence here is computed from the numbers it describes (which group, how much, why);
the page adds only fixed prose that explains ideas. No Streamlit here.

- :func:`pooling_reading`: which groups are pulled most and least, and whether a larger group is
  pulled more than a smaller one because its standard error is larger (precision, not size);
- :func:`tau_slider_range`: the range and step of the "fix τ" slider;
- :func:`tau_reading`: what the estimates do at the chosen τ;
- :func:`estimates_at_tau`: the shrinkage chart's table given τ.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hbm_core.exact.grid import ExactPosterior
from hbm_core.lessons.wording import capital, join_names, named

__all__ = [
    "estimates_at_tau",
    "factor_text",
    "groups_phrase",
    "join_names",
    "percent",
    "pooling_reading",
    "tau_reading",
    "tau_slider_range",
]

#: Pooling factors that print alike (2 decimals) count as ties.
_TIE = 0.005
#: Below this largest pooling factor the estimates are "nearly no pooling".
NEARLY_NONE = 0.02


def groups_phrase(names: Sequence[str]) -> str:
    """ "group A" or "groups A and B"."""
    return named(names, "group")


def percent(share: float) -> str:
    """A share as a whole percentage that never rounds a nonzero share to 0 % or a share below 1 to 100 %."""
    p = 100 * float(share)
    if 0 < p < 0.5:
        return "under 1%"
    if 99.5 <= p < 100:
        return "over 99%"
    return f"{p:.0f}%"


def factor_text(value: float) -> str:
    """A pooling factor with 2 decimals, or 1 significant digit below 0.01 (never a bare "0.00")."""
    v = float(value)
    return f"{v:.2f}" if v >= 0.01 or v == 0 else f"{v:.1g}"


def _tied(frame: pd.DataFrame, column: str, value: float) -> list[str]:
    return [str(g) for g in frame.loc[(frame[column] - value).abs() < _TIE, "group"]]


def pooling_reading(points: pd.DataFrame) -> str:
    """What the pooling-factor curve says about the current groups.

    ``points`` columns: group, se (outcome units), pooling (posterior mean of B_j, in [0, 1]) and,
    optionally, n. Names the groups pulled most and least (ties named together), and, when a group
    with more observations is pulled more than one with fewer, says so and why (its larger se).
    """
    df = points.reset_index(drop=True)
    has_n = "n" in df.columns

    def who(g: pd.Series) -> str:
        detail = f"n = {int(g['n'])}, " if has_n else ""
        return f"{detail}standard error {g['se']:.2g}"

    if len(df) == 1:
        g = df.iloc[0]
        return (
            f"The only group, {g['group']} ({who(g)}), has pooling factor {factor_text(g['pooling'])}: its "
            f"estimate moves {percent(g['pooling'])} of the way toward the population mean."
        )
    hi, lo = float(df["pooling"].max()), float(df["pooling"].min())
    if hi - lo < _TIE:
        low_se, high_se = f"{df['se'].min():.2g}", f"{df['se'].max():.2g}"
        ses = f"all {low_se}" if low_se == high_se else f"{low_se} to {high_se}"
        return (
            f"All {len(df)} groups have pooling factor {factor_text(hi)}: their standard errors are alike "
            f"({ses}), so every estimate moves {percent(hi)} of the way toward the population mean."
        )
    top, bottom = _tied(df, "pooling", hi), _tied(df, "pooling", lo)
    first = df.set_index("group").loc[top[0]]
    last = df.set_index("group").loc[bottom[0]]
    pulled = "are" if len(top) > 1 else "is"
    text = (
        f"{capital(groups_phrase(top))} ({who(first)}{' each' if len(top) > 1 else ''}) {pulled} pulled "
        f"the most: pooling factor {factor_text(hi)}, {percent(hi)} of the way toward the population mean. "
        f"{capital(groups_phrase(bottom))} ({who(last)}{' each' if len(bottom) > 1 else ''}) "
        f"{'are' if len(bottom) > 1 else 'is'} pulled the least ({factor_text(lo)})."
    )
    if has_n:
        text += " " + _size_versus_precision(df)
    return text


def _size_versus_precision(df: pd.DataFrame) -> str:
    """The pair of groups where a larger group is pulled more than a smaller one, if any."""
    n = df["n"].to_numpy(int)
    pool = df["pooling"].to_numpy(float)
    best, gap = None, _TIE
    for i in range(len(df)):
        for j in range(len(df)):
            if n[i] > n[j] and pool[i] - pool[j] > gap:
                best, gap = (i, j), pool[i] - pool[j]
    if best is None:
        return "Here the larger groups also have the smaller standard errors, so size and pull go together."
    i, j = best
    a, b = df.iloc[i], df.iloc[j]
    return (
        f"Group {a['group']} has more observations than group {b['group']} ({int(a['n'])} against "
        f"{int(b['n'])}) but a larger standard error ({a['se']:.2g} against {b['se']:.2g}: its data "
        f"spread more), so it is pulled more ({factor_text(a['pooling'])} against "
        f"{factor_text(b['pooling'])})."
    )


def _nice_step(span: float) -> float:
    """A 1-2-5 step giving about 100 slider positions over ``span``."""
    raw = span / 100
    power = 10 ** np.floor(np.log10(raw))
    return float(min((m * power for m in (1, 2, 5, 10) if m * power >= raw), default=10 * power))


def tau_slider_range(post: ExactPosterior, quantile: float = 0.995, no_pooling_se: float = 3.0) -> tuple:
    """``(top, step)`` of a slider over τ from 0 (outcome units).

    The slider reaches the larger of the posterior ``quantile`` of τ and ``no_pooling_se`` times the
    largest standard error (where every pooling factor is below 1 / (1 + 3^2) = 0.1, close to no
    pooling), rounded up to a multiple of a 1-2-5 step giving about 100 positions.
    """
    top = max(float(post.tau_quantile(quantile)), no_pooling_se * float(np.max(post.se)))
    step = _nice_step(top)
    return round(float(np.ceil(top / step - 1e-9) * step), 10), step


def tau_reading(at: pd.DataFrame, tau: float, prob_below: float | None = None) -> str:
    """What the estimates do at one τ.

    ``at``: ``ExactPosterior.at_tau(tau)`` (columns group, mean, pooling, y; J rows); ``prob_below``:
    ``P(τ <= tau | y)``, added when given. At τ = 0 every group sits at one estimate (complete
    pooling); when every pooling factor is below 0.02 the estimates are "within d of their own
    sample means"; otherwise the groups moved most and least are named with their shares of the way.
    """
    df = at.reset_index(drop=True)
    tau = float(tau)
    one = len(df) == 1
    if tau == 0:
        value = float(df["mean"].iloc[0])
        text = (
            f"At τ = 0 {'the group sits' if one else 'every group sits'} at the same estimate, {value:.2f}: "
            "the precision-weighted mean of the sample means (complete pooling)."
        )
    else:
        moved = (df["mean"] - df["y"]).abs()
        hi, lo = float(df["pooling"].max()), float(df["pooling"].min())
        if hi < NEARLY_NONE:
            far = _tied(df.assign(moved=moved), "moved", float(moved.max()))
            subject = "the estimate is" if one else "every estimate is"
            text = (
                f"At τ = {tau:g} {subject} within {float(moved.max()):.2g} of its own sample mean: nearly no "
                f"pooling (the largest pull is {hi:.1%} of the way, for {groups_phrase(far)})."
            )
        elif one or hi - lo < _TIE:
            subject = "the estimate moves" if one else "every estimate moves"
            text = (
                f"At τ = {tau:g} {subject} {percent(hi)} of the way from its own sample mean toward the "
                "population mean."
            )
        else:
            top, bottom = _tied(df, "pooling", hi), _tied(df, "pooling", lo)
            text = (
                f"At τ = {tau:g} the estimates move between {percent(lo)} ({groups_phrase(bottom)}) and "
                f"{percent(hi)} "
                f"({groups_phrase(top)}) of the way from their own sample means toward the population mean."
            )
    if prob_below is not None:
        text += f" Given the data, P(τ ≤ {tau:g} | y) = {prob_below:.2f}."
    return text


def estimates_at_tau(
    at: pd.DataFrame, at_zero: pd.DataFrame, n: Sequence[int], true_means: Sequence[float] | None = None
) -> pd.DataFrame:
    """The shrinkage chart's table given one τ (for :func:`hbm_core.viz.shrinkage`).

    ``at`` and ``at_zero``: ``ExactPosterior.at_tau(tau)`` and ``at_tau(0)`` (J rows each). Rows:
    each group's own sample mean ``y`` (fit "unpooled"), ``E(theta_j | tau, y)`` (fit "hierarchical",
    with its pooling factor) and the tau = 0 estimate (fit "pooled"); columns group, fit, mean, n,
    raw_mean, pooling and true_mean (NaN without ``true_means``). 3 J rows, outcome units.
    """
    k = len(at)
    y = at["y"].to_numpy(float)
    counts = np.asarray(n, dtype=int)
    if counts.shape != (k,) or len(at_zero) != k:
        raise ValueError(f"{counts.size} group sizes and {len(at_zero)} rows at tau = 0 for {k} groups")
    none = np.full(k, np.nan)
    truth = none if true_means is None else np.asarray(true_means, dtype=float)
    return pd.DataFrame(
        {
            "group": list(at["group"].astype(str)) * 3,
            "fit": ["unpooled"] * k + ["hierarchical"] * k + ["pooled"] * k,
            "mean": np.concatenate([y, at["mean"].to_numpy(float), at_zero["mean"].to_numpy(float)]),
            "n": np.tile(counts, 3),
            "raw_mean": np.tile(y, 3),
            "pooling": np.concatenate([none, at["pooling"].to_numpy(float), none]),
            "true_mean": np.tile(truth, 3),
        }
    )
