"""Posterior summaries from draws: mean, sd and the 94% highest-density interval (numpy only)."""

from __future__ import annotations

import numpy as np
import pandas as pd

HDI_PROB = 0.94

ESTIMATE_COLUMNS = [
    "group", "fit", "mean", "sd", "hdi_low", "hdi_high",
    "n", "raw_mean", "true_mean", "pooling", "source",
]  # fmt: skip


def hdi(draws: np.ndarray, prob: float = HDI_PROB) -> tuple[np.ndarray, np.ndarray]:
    """Shortest interval holding ``prob`` of the draws, per column of ``draws`` (shape (S,) or (S, J)).

    Returns (low, high), each of shape (J,) (or scalars' arrays of shape () for 1-D input).
    Like ArviZ's ``hdi`` for unimodal posteriors: among the windows of ``ceil(prob * S)``
    consecutive sorted draws, the narrowest.
    """
    x = np.sort(np.asarray(draws, dtype=float), axis=0)
    n = x.shape[0]
    k = int(np.floor(prob * n))
    widths = x[k:] - x[: n - k]
    start = np.argmin(widths, axis=0)
    low = np.take_along_axis(x, np.expand_dims(start, 0), axis=0)[0]
    high = np.take_along_axis(x, np.expand_dims(start + k, 0), axis=0)[0]
    return low, high


def summarize_draws(draws: np.ndarray) -> pd.DataFrame:
    """mean, sd, hdi_low, hdi_high for each column of ``draws`` (shape (S, J))."""
    low, high = hdi(draws)
    return pd.DataFrame(
        {"mean": draws.mean(axis=0), "sd": draws.std(axis=0, ddof=1), "hdi_low": low, "hdi_high": high}
    )
