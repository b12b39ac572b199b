"""Rank-normalised split R-hat and bulk / tail ESS for many parameters at once.

The same numbers as ArviZ's ``az.rhat(method="rank")``, ``az.ess(method="bulk")`` and
``az.ess(method="tail", prob=(0.05, 0.95))`` (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021;
ArviZ 1.x, arviz-stats), computed on an array ``(chain, draw, parameter)`` in one pass instead of
parameter by parameter.

Why not ArviZ itself: it loops over parameters in Python with a few dozen NumPy calls each, and
every NumPy call on a long array lets go of Python's global lock. Next to other busy threads (a
server drawing charts for other users) taking the lock back costs a thread switch (5 ms) per
call, so ArviZ 0.23's 30 ms for one fit became 1.8 s. arviz-stats 1.3 is better (70 ms alone,
about 260 ms beside a busy thread, against 43 and 150 ms here), but on a busy server it still
costs: ten users moving sliders (``bench/load.py --sessions 10``, 2026-12-06) got p95 7.6-9.0 s per
move with arviz-stats and 5.6 s with this module. Here the work is a fixed number of array calls
whatever the number of parameters; Geyer's truncation, a short loop over autocorrelations, runs on
plain Python floats. ``tests/test_rank_diagnostics.py`` checks the results against ArviZ.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import next_fast_len
from scipy.special import ndtri
from scipy.stats import rankdata

#: Fewer draws per chain than this (or, for R-hat, fewer than two chains) give NaN, as in ArviZ.
MIN_DRAWS = 4
TAIL_PROBS = (0.05, 0.95)


def _split_chains(x: np.ndarray) -> np.ndarray:
    """(chain, draw, P) -> (2 chain, draw // 2, P): first halves of all chains, then second halves."""
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half :]], axis=0)


def _z_scale(x: np.ndarray) -> np.ndarray:
    """Normal scores of the pooled ranks of each parameter (Blom's offset 3/8); shape kept."""
    c, n, p = x.shape
    ranks = _average_ranks(x.reshape(c * n, p))
    return ndtri((ranks - 3 / 8) / (c * n - 2 * 3 / 8 + 1)).reshape(c, n, p)


def _average_ranks(flat: np.ndarray) -> np.ndarray:
    """Ranks 1..N of each column of (N, P) values, ties given their average rank: the numbers of
    ``scipy.stats.rankdata(method="average", axis=0)`` at a third less time. Continuous draws rarely
    tie, and without ties a plain sort's order is the rank; columns with ties go to SciPy."""
    n, p = flat.shape
    # One parameter per contiguous row: sorting, gathering and scattering along rows took 0.08 s
    # instead of 0.18 s for 180 parameters x 8000 draws (along the columns' strides).
    rows = np.ascontiguousarray(flat.T)
    order = np.argsort(rows, axis=1)
    ordered = np.take_along_axis(rows, order, axis=1)
    tied = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
    ranks = np.empty((p, n))
    ranks[np.arange(p)[:, None], order] = np.arange(1.0, n + 1)
    if tied.any():
        ranks[tied] = rankdata(rows[tied], method="average", axis=1)
    return ranks.T


def _quantile(ordered: np.ndarray, prob: float) -> np.ndarray:
    """Quantile ``prob`` of each column of sorted (n, P) values: type 7 (R's default), with the
    arithmetic of ``scipy.stats.mstats.mquantiles(alphap=1, betap=1)`` that ArviZ uses."""
    n = ordered.shape[0]
    aleph = n * prob + (1.0 - prob)
    k = int(np.floor(np.clip(aleph, 1, n - 1)))
    gamma = float(np.clip(aleph - k, 0, 1))
    return (1.0 - gamma) * ordered[k - 1] + gamma * ordered[k]


def _rhat(x: np.ndarray) -> np.ndarray:
    """Classic R-hat of each parameter of (chain, draw, P)."""
    n = x.shape[1]
    between = n * np.var(np.mean(x, axis=1), axis=0, ddof=1)
    within = np.mean(np.var(x, axis=1, ddof=1), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt((between / within + n - 1) / n)


def _autocov(x: np.ndarray) -> np.ndarray:
    """Autocovariance along the draw axis of (chain, draw, P), lags 0..draw-1 (FFT, biased)."""
    n = x.shape[1]
    m = next_fast_len(2 * n)
    centred = x - x.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=m, axis=1)
    spectrum *= np.conjugate(spectrum)
    return np.fft.irfft(spectrum, n=m, axis=1)[:, :n] / n


def _geyer_ess(rho: list[float], total: int) -> float:
    """ESS from one parameter's autocorrelations ``rho`` (lag 0..n-1) by Geyer's initial
    positive then monotone sequence, exactly as ArviZ truncates them."""
    n = len(rho)
    rho_t = [0.0] * n
    rho_t[0] = even = 1.0
    rho_t[1] = odd = rho[1]
    t = 1
    while t < n - 3 and even + odd > 0.0:
        even, odd = rho[t + 1], rho[t + 2]
        if even + odd >= 0:
            rho_t[t + 1], rho_t[t + 2] = even, odd
        t += 2
    max_t = t - 2
    if even > 0:
        rho_t[max_t + 1] = even
    t = 1
    while t <= max_t - 2:
        if rho_t[t + 1] + rho_t[t + 2] > rho_t[t - 1] + rho_t[t]:
            rho_t[t + 1] = rho_t[t + 2] = (rho_t[t - 1] + rho_t[t]) / 2.0
        t += 2
    if any(v != v for v in rho_t):  # NaN
        return float("nan")
    tau = -1.0 + 2.0 * sum(rho_t[: max_t + 1]) + sum(rho_t[max_t + 1 : max_t + 2])
    tau = max(tau, 1 / np.log10(total))
    return total / tau


def _ess(x: np.ndarray) -> np.ndarray:
    """ESS of each parameter of (chain, draw, P) (ArviZ's ``_ess``); NaN where undefined."""
    c, n, p = x.shape
    x = x.astype(float, copy=False)
    out = np.full(p, np.nan)
    constant = np.ptp(x, axis=(0, 1)) < np.finfo(float).resolution
    out[constant] = c * n
    varying = np.flatnonzero(~constant)
    if varying.size == 0:
        return out
    x = x[:, :, varying]
    acov = _autocov(x)
    mean_var = acov[:, 0].mean(axis=0) * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if c > 1:
        var_plus = var_plus + np.var(x.mean(axis=1), axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_var - acov.mean(axis=0)) / var_plus  # (draw, P)
    for k, column in zip(varying, rho.T.tolist(), strict=True):
        out[k] = _geyer_ess(column, c * n)
    return out


def rank_diagnostics(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R-hat, bulk ESS, tail ESS) of each parameter of ``draws`` (chain, draw, P).

    R-hat is the larger of the bulk and the folded (tail) rank-normalised split R-hat. Each is NaN
    for a parameter with a NaN draw or too few draws (R-hat also with a single chain), as in ArviZ.
    """
    x = np.asarray(draws, dtype=float)
    if x.ndim != 3:
        raise ValueError(f"draws must be (chain, draw, parameter), not shape {x.shape}")
    c, n, p = x.shape
    nan = np.full(p, np.nan)
    if n < MIN_DRAWS or p == 0:
        return nan, nan.copy(), nan.copy()
    bad = np.isnan(x).any(axis=(0, 1))
    x = np.where(bad, 0.0, x)  # placeholder values; their results are set to NaN below

    split = _split_chains(x)
    z_split = _z_scale(split)  # the bulk R-hat's and the bulk ESS's
    if c >= 2:
        bulk_rhat = _rhat(z_split)
        folded = np.abs(split - np.median(split.reshape(-1, p), axis=0))
        # ArviZ's max(bulk, tail): NaN when the bulk value is, the bulk value when only the tail is.
        rhat = np.where(np.isnan(bulk_rhat), np.nan, np.fmax(bulk_rhat, _rhat(_z_scale(folded))))
    else:
        rhat = nan.copy()
    ess_bulk = _ess(z_split)
    ordered = np.sort(x.reshape(-1, p).T, axis=1).T
    low, high = (_ess(_split_chains((x <= _quantile(ordered, q)).astype(float))) for q in TAIL_PROBS)
    # ArviZ's min(low, high): the low value when either is NaN.
    ess_tail = np.where(np.isnan(low) | np.isnan(high), low, np.minimum(low, high))
    for values in (rhat, ess_bulk, ess_tail):
        values[bad] = np.nan
    return rhat, ess_bulk, ess_tail
