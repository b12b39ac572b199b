"""Why some groups shrink more: the pooling factor as a function of a group's standard error.

In the normal hierarchical model with known standard errors (:mod:`hbm_core.exact.grid`), a group
whose estimate has standard error ``se`` is pulled toward the population mean by the pooling factor

    B(se | tau) = se^2 / (se^2 + tau^2)        (0: kept as is, 1: pulled all the way).

Averaged over the exact posterior of tau, ``E[B(se) | y] = sum_g mass_g se^2 / (se^2 + tau_g^2)``
(the grid's own quadrature, so a group's value here equals ``ExactPosterior.group_summary()``'s
``pooling``). The curve depends on ``se`` alone, not on the group size: a small group with a
small spread can be pulled less than a large group with a large spread. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hbm_core.exact.grid import ExactPosterior

__all__ = ["expected_pooling", "group_pooling_points", "pooling_curve"]

#: The curve runs from near 0 to this multiple of the largest group's standard error.
SE_RANGE_FACTOR = 1.5


def expected_pooling(post: ExactPosterior, se: float | np.ndarray) -> np.ndarray:
    """``E[se^2 / (se^2 + tau^2) | y]`` for each standard error in ``se`` (shape of ``se``, in [0, 1]).

    ``se`` is in the outcome's units (the units of ``post.y``); it must be > 0. At the grid point
    tau = 0 the factor is 1 (complete pooling) for every se > 0.
    """
    s = np.asarray(se, dtype=float)
    if np.any(~np.isfinite(s)) or np.any(s <= 0):
        raise ValueError("standard errors must be finite and positive")
    s2 = s.reshape(-1, 1) ** 2
    t2 = post.tau_grid.reshape(1, -1) ** 2
    factor = s2 / (s2 + t2)  # (S, G), 1 at tau = 0
    return (factor @ post.tau_mass / post.tau_mass.sum()).reshape(s.shape)


def pooling_curve(post: ExactPosterior, n_points: int = 200, se_max: float | None = None) -> pd.DataFrame:
    """The posterior-mean pooling factor along a range of standard errors, for a chart.

    ``n_points`` evenly spaced values of se in ``(0, se_max]`` (default ``se_max``: 1.5 times the
    largest group's se; the first point is ``se_max / n_points``, since se = 0 means no pooling at
    all). Returns ``n_points`` rows with columns ``se`` (outcome units) and ``pooling`` (in [0, 1]).
    """
    n_points = int(n_points)
    if n_points < 2:
        raise ValueError(f"n_points must be at least 2, got {n_points}")
    top = float(SE_RANGE_FACTOR * np.max(post.se)) if se_max is None else float(se_max)
    if not (np.isfinite(top) and top > 0):
        raise ValueError(f"se_max must be a positive number, got {se_max!r}")
    se = np.linspace(top / n_points, top, n_points)
    return pd.DataFrame({"se": se, "pooling": expected_pooling(post, se)})


def group_pooling_points(post: ExactPosterior, n: Sequence[int] | None = None) -> pd.DataFrame:
    """The current groups on the curve: J rows with columns group, se, pooling (and n when given).

    ``pooling`` is ``E[B_j | y]`` computed exactly as :func:`expected_pooling` at the group's se,
    i.e. the ``pooling`` column of ``post.group_summary()``.
    """
    frame = pd.DataFrame(
        {
            "group": list(post.groups),
            "se": np.asarray(post.se, dtype=float),
            "pooling": expected_pooling(post, post.se),
        }
    )
    if n is not None:
        counts = np.asarray(n, dtype=int)
        if counts.shape != (post.n_groups,):
            raise ValueError(f"{counts.size} group sizes for {post.n_groups} groups")
        frame["n"] = counts
    return frame
