"""Choosing centered or non-centered partial pooling from the data.

A group whose data pin its parameter down tightly (standard error well below the
between-group sd tau) samples best *centered*; a weakly informed group sits in the
funnel of the centered form and samples best *non-centered*. We estimate both
quantities from the data before sampling and choose per group.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from hbm_core.data import GroupedData

Parameterization = Literal["auto", "centered", "non-centered"]


def group_standard_errors(data: GroupedData) -> np.ndarray:
    """Standard error of each group's raw estimate on the model's scale, shape (J,).

    Normal data: sd_j / sqrt(n_j), using the pooled within-group sd for groups with fewer
    than two rows. Known-SE data: the given se. Binomial: the se of the empirical logit.
    """
    summary = data.group_summary()
    if data.family == "known_se":
        return np.asarray(data.se, dtype=float)
    if data.family == "binomial":
        s, n = summary["successes"].to_numpy(float), summary["n"].to_numpy(float)
        return np.sqrt(1.0 / (s + 0.5) + 1.0 / (n - s + 0.5))
    n = summary["n"].to_numpy(float)
    sd = summary["sd"].to_numpy(float)
    usable = np.isfinite(sd) & (sd > 0)
    if usable.any():
        pooled_sd = np.sqrt(np.sum((n[usable] - 1) * sd[usable] ** 2) / np.sum(n[usable] - 1))
    else:
        pooled_sd = float(np.std(data.y)) or 1.0
    sd = np.where(usable, sd, pooled_sd)
    return sd / np.sqrt(n)


def raw_estimates(data: GroupedData) -> np.ndarray:
    """Each group's raw estimate on the model's scale (mean, given estimate or empirical logit)."""
    summary = data.group_summary()
    if data.family == "binomial":
        s, n = summary["successes"].to_numpy(float), summary["n"].to_numpy(float)
        return np.log((s + 0.5) / (n - s + 0.5))
    return summary["mean"].to_numpy(float)


def tau_moment_estimate(data: GroupedData) -> float:
    """Method-of-moments estimate of the between-group sd: var(raw estimates) - mean(se^2), floored at 0."""
    est, se = raw_estimates(data), group_standard_errors(data)
    return float(np.sqrt(max(0.0, np.var(est, ddof=1) - np.mean(se**2))))


def centered_weights(data: GroupedData, choice: Parameterization = "auto") -> np.ndarray:
    """Per-group weights, shape (J,): 1 = centered, 0 = non-centered.

    ``auto`` centers the groups whose standard error is below the estimated tau, i.e. whose
    pooling factor se^2 / (se^2 + tau^2) is under one half: the data dominate the prior.
    """
    J = data.n_groups
    if choice == "centered":
        return np.ones(J)
    if choice == "non-centered":
        return np.zeros(J)
    tau_hat = tau_moment_estimate(data)
    return (group_standard_errors(data) < tau_hat).astype(float)


def describe(weights: np.ndarray) -> str:
    """Name of a per-group parameterization: centered, non-centered, or mixed (k of J centered)."""
    k, J = int(np.sum(weights > 0.5)), len(weights)
    if k == J:
        return "centered"
    if k == 0:
        return "non-centered"
    return f"mixed ({k} of {J} groups centered)"
