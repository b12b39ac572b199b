"""Choosing centered or non-centered partial pooling from the data.

A group whose data pin its parameter down tightly (standard error well below the
between-group sd tau) samples best *centered*; a weakly informed group sits in the
funnel of the centered form and samples best *non-centered*. We estimate both
quantities from the data before sampling and choose per group.
"""

from __future__ import annotations

import numpy as np

from hbm_core.data.groups import GroupedData
from hbm_core.inference.settings import Parameterization


def group_standard_errors(data: GroupedData, pooled_sd: bool = False) -> np.ndarray:
    """Standard error of each group's raw estimate on the model's scale, shape (J,).

    Normal data: sd_j / sqrt(n_j), using the pooled within-group sd for groups with fewer
    than two rows (or for every group with ``pooled_sd``: small groups' own sds are noisy).
    Known-SE data: the given se. Binomial: the se of the empirical logit.
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
        common = np.sqrt(np.sum((n[usable] - 1) * sd[usable] ** 2) / np.sum(n[usable] - 1))
    else:
        common = float(np.std(data.y)) or 1.0
    sd = np.where(usable & (not pooled_sd), sd, common)
    return sd / np.sqrt(n)


def raw_estimates(data: GroupedData) -> np.ndarray:
    """Each group's raw estimate on the model's scale (mean, given estimate or empirical logit)."""
    summary = data.group_summary()
    if data.family == "binomial":
        s, n = summary["successes"].to_numpy(float), summary["n"].to_numpy(float)
        return np.log((s + 0.5) / (n - s + 0.5))
    return summary["mean"].to_numpy(float)


def tau_moment_estimate(data: GroupedData) -> float:
    """Method-of-moments estimate of the between-group sd: var(raw estimates) - mean(se^2), floored at 0.

    With a group-level predictor (``data.u``) tau is the spread around the line in u, so the
    variance is that of the residuals of a least-squares line through the raw estimates (ddof 2).
    """
    est, se = raw_estimates(data), group_standard_errors(data)
    if data.u is not None and data.n_groups > 2:
        design = np.column_stack([np.ones(data.n_groups), np.asarray(data.u, dtype=float)])
        coef, *_ = np.linalg.lstsq(design, est, rcond=None)
        spread = float(np.sum((est - design @ coef) ** 2) / (data.n_groups - 2))
    else:
        spread = float(np.var(est, ddof=1))
    return float(np.sqrt(max(0.0, spread - np.mean(se**2))))


def centered_weights(data: GroupedData, choice: Parameterization = "auto") -> np.ndarray:
    """Per-group weights, shape (J,): 1 = centered, 0 = non-centered.

    ``auto`` centers the groups whose standard error is below half the estimated tau, i.e. whose
    pooling factor se^2 / (se^2 + tau^2) is under 0.2: the data clearly dominate the prior.
    The margin matters because tau is only estimated: centering a group whose tau may well be
    near zero puts it in the funnel.
    """
    J = data.n_groups
    if choice == "centered":
        return np.ones(J)
    if choice == "non-centered":
        return np.zeros(J)
    tau_hat = tau_moment_estimate(data)
    return (group_standard_errors(data, pooled_sd=True) < 0.5 * tau_hat).astype(float)


def default_target_accept(data: GroupedData, pooling: str) -> float:
    """0.99 when a group has fewer than 10 observations of a normal outcome; else 0.95 for partial
    pooling and 0.9 for the other two fits.

    A tiny group's own sd is barely identified, which bends the posterior into a funnel between
    that sd and the group's mean; smaller steps (higher target_accept) get through it. With the
    parameterization chosen per group (:func:`centered_weights`), 0.95 suffices otherwise for
    partial pooling, whose tau can still come near zero. Complete and no pooling have no tau, so
    no funnel: 0.9 keeps them free of divergences with larger, cheaper steps.
    """
    if data.family == "normal" and data.counts().min() < 10:
        return 0.99
    return 0.95 if pooling == "hierarchical" else 0.9


def describe(weights: np.ndarray) -> str:
    """Name of a per-group parameterization: centered, non-centered, or mixed (k of J centered)."""
    k, J = int(np.sum(weights > 0.5)), len(weights)
    if k == J:
        return "centered"
    if k == 0:
        return "non-centered"
    return f"mixed ({k} of {J} groups centered)"
