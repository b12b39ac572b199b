"""Readings of the prior predictive check, computed from its draws and the observed data.

Every sentence that describes what the priors imply (where they put the group means, how far apart
they let the groups be, how much probability they put near 0 and 1) is computed here from
:class:`hbm_core.prior_predictive.PriorDraws` and :class:`~hbm_core.prior_predictive.Observed`;
the page's fixed prose only explains what a prior predictive check is for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hbm_core.lessons.wording import capital, named, plural
from hbm_core.prior_predictive import EXTREME, Observed, PriorDraws

__all__ = [
    "EXPLANATION",
    "number",
    "range_reading",
    "spread_reading",
    "surprising_groups",
    "surprising_reading",
    "tau_reading",
    "trap_reading",
]

#: What a prior predictive check is for (fixed prose: explains the idea, describes no result).
EXPLANATION = (
    "A **prior predictive check** asks what the model believes *before* it sees the data: draw μ and τ "
    "from their priors, then each group's true mean θ_j ~ Normal(μ, τ), then a data set of the same "
    "shape as yours. If the simulated data look absurd (means no one could measure, groups far more or "
    "far less different than is plausible), the priors say something you do not believe. Weak priors "
    "should allow the observed data comfortably without piling up on the impossible; the check uses "
    "no information from the fit, only the data's shape."
)


def number(value: float, proportion: bool = False) -> str:
    """``value`` for a reading: a percentage with up to one decimal for proportions, else 3
    significant digits (``12.3``, ``0.0123``, ``1.23e+04``)."""
    if proportion:
        text = f"{100 * value:.1f}".rstrip("0").rstrip(".")
        return f"{text}%"
    return f"{value:.3g}"


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit else text


def range_reading(draws: PriorDraws, observed: Observed, *, unit: str = "", group_word: str = "group") -> str:
    """Where the priors put the groups' simulated means (90% interval) against the observed range.

    ``unit`` follows the numbers (empty for proportions, which are shown as percentages).
    """
    proportion = draws.family == "binomial"
    lo, hi = np.quantile(draws.group_means[np.isfinite(draws.group_means)], [0.05, 0.95])
    what = plural(observed.label)
    fmt = lambda v: number(v, proportion)  # noqa: E731
    text = (
        f"The priors put 90% of simulated {what} between {fmt(lo)} and {_with_unit(fmt(hi), unit)}; "
        f"the observed {what} run from {fmt(observed.low)} to {_with_unit(fmt(observed.high), unit)}."
    )
    prior_width, observed_width = hi - lo, observed.high - observed.low
    if observed.low < lo or observed.high > hi:
        text += " Some observed values lie outside that interval: the priors find them surprising."
    elif not proportion and observed_width > 0 and prior_width > 5 * observed_width:
        ratio = prior_width / observed_width
        text += (
            f" That interval is {ratio:.0f} times as wide as the observed range: the priors are weak, "
            "and the data will decide."
        )
    else:
        text += " The observed values sit inside it."
    return text


def surprising_groups(
    draws: PriorDraws, observed: Observed, groups: Sequence[str], level: float = 0.99
) -> list[str]:
    """The groups whose observed value lies outside the central ``level`` interval of the simulated
    values of that same group (its own sample size, trials or standard error)."""
    tail = (1 - level) / 2
    lo = np.nanquantile(draws.group_means, tail, axis=0)
    hi = np.nanquantile(draws.group_means, 1 - tail, axis=0)
    out = (observed.group_means < lo) | (observed.group_means > hi)
    return [str(g) for g, flag in zip(groups, out, strict=True) if flag]


def spread_reading(
    draws: PriorDraws, observed: Observed, *, unit: str = "", group_word: str = "group"
) -> str:
    """The share of prior draws whose simulated groups are further apart (sd of the group means)
    than the observed groups, with what that share means."""
    proportion = draws.family == "binomial"
    spreads = draws.spread()
    spreads = spreads[np.isfinite(spreads)]
    share = float(np.mean(spreads > observed.spread))
    seen = _with_unit(number(observed.spread, proportion), unit)
    words = plural(group_word)
    text = (
        f"{number(share, True)} of the prior draws spread the {words} further apart than the observed "
        f"{words} (sd of the {plural(observed.label)}: {seen}); the prior's median spread is "
        f"{_with_unit(number(float(np.median(spreads)), proportion), unit)}."
    )
    if share < 0.05:
        text += (
            f" The priors rarely allow {words} as different as these: the prior on τ may be too tight "
            f"(the fit would pull the {words} together more than the data warrant)."
        )
    elif share > 0.95:
        text += (
            f" Almost every prior draw makes the {words} more different than observed: the prior on τ "
            "allows large differences and leaves it to the data to say how large they are."
        )
    else:
        text += " The observed spread sits comfortably inside what the priors allow."
    return text


def tau_reading(draws: PriorDraws, *, unit: str = "", scale_name: str = "") -> str:
    """The prior's median and 90th percentile of τ, the spread of the true group means."""
    med, q90 = np.quantile(draws.tau, [0.5, 0.9])
    on = f" ({scale_name})" if scale_name else ""
    return (
        f"Under this prior τ{on} has median {_with_unit(number(float(med)), unit)} and is below "
        f"{_with_unit(number(float(q90)), unit)} nine times in ten."
    )


def trap_reading(app_share: float, wide_share: float, wide_sd: float, group_word: str = "group") -> str:
    """The share of implied probabilities near 0 or 1 under the app's prior and under the wide one."""
    edge = number(EXTREME, True)
    text = (
        f"Below {edge} or above {number(1 - EXTREME, True)}: {number(app_share, True)} of the "
        f"{plural(group_word)}' implied probabilities under this page's priors, {number(wide_share, True)} "
        f"under θ_j ~ Normal(0, {wide_sd:g})."
    )
    if wide_share > 2 * app_share and wide_share > 0.5:
        text += (
            " The 'flat-looking' wide prior is far from flat on the probability scale: it says most "
            f"{plural(group_word)} almost always or almost never succeed."
        )
    return text


def surprising_reading(names: Sequence[str], group_word: str = "group") -> str:
    """A sentence naming the groups that lie outside 99% of their own simulated values ('' for none)."""
    if not names:
        return ""
    shown = [*names[:5], f"{len(names) - 5} more"] if len(names) > 5 else list(names)
    one = len(names) == 1
    return (
        f"{capital(named(shown, group_word))} {'lies' if one else 'lie'} outside 99% of what the priors "
        f"simulate for {'it' if one else 'them'}."
    )
