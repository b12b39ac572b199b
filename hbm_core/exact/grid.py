"""Exact posterior of the normal hierarchical model with known standard errors (BDA3 5.4).

Model (all quantities on the outcome's scale, or the logit scale for binomial data)::

    y_j     ~ Normal(theta_j, se_j)        j = 1..J, se_j known
    theta_j ~ Normal(mu, tau)
    mu      ~ Normal(mu_loc, mu_scale)     (flat when mu_scale is inf)
    tau     ~ priors.tau_family            (see :func:`hbm_core.priors.tau_log_prior`)

Given tau everything is Gaussian, so the posterior is computed exactly (up to a
one-dimensional quadrature) on a grid over tau:

- ``mu | tau, y ~ Normal(mu_hat, V)`` with ``1/V = sum_j 1/(se_j^2 + tau^2) [+ 1/mu_scale^2]``;
- ``p(tau | y) ∝ p(tau) V^(1/2) prod_j (se_j^2 + tau^2)^(-1/2)``
  ``× exp(-1/2 sum_j (y_j - mu_hat)^2 / (se_j^2 + tau^2))``
  (times ``exp(-1/2 (mu_loc - mu_hat)^2 / mu_scale^2)`` for a normal prior on mu);
- ``theta_j | tau, y ~ Normal((1 - B_j) y_j + B_j mu_hat, (1 - B_j) se_j^2 + B_j^2 V)`` with the
  pooling factor ``B_j = se_j^2 / (se_j^2 + tau^2)``.

Marginal posteriors of mu and theta are mixtures of these normals weighted by the posterior
mass of each grid point. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.integrate import cumulative_simpson
from scipy.special import ndtr

from hbm_core.data.groups import DataError, GroupedData, group_labels
from hbm_core.priors import Priors, tau_log_prior, tau_prior

__all__ = ["ExactPosterior", "exact_from_data", "exact_posterior", "tau_tail_exponent"]

DEFAULT_GRID_SIZE = 1000
DEFAULT_PRIORS = Priors()
_TAIL_DROP = 14.0  # the grid ends where log(tau * p(tau|y)) is this far below its maximum
_PROBE_POINTS = 400  # log-spaced points used to locate the posterior of tau before gridding
_MAX_COMPONENTS = 100  # mixture components kept (adjacent grid points merged) for quantiles
_X_POINTS = 256  # points of the parameter grid on which mixture CDFs are evaluated
_ALPHA_POINTS = 2001  # candidate lower-tail probabilities scanned for the shortest interval
_MIN_BULK_SHARE = 0.2  # least share of the tau grid inside the central 80 % of the posterior


# --------------------------------------------------------------------------- helpers


def tau_tail_exponent(n_groups: int, priors: Priors) -> float:
    """Exponent ``a`` with ``p(tau | y) ~ tau^(-a)`` as tau -> inf (``inf``: lighter than any power).

    The marginal likelihood of tau decays like ``tau^-J`` (``tau^-(J-1)`` when mu is flat,
    because integrating mu out gains a factor ``V^(1/2) ~ tau``); a flat prior on tau adds
    nothing, a half-Cauchy prior adds 2, light-tailed or bounded priors make it infinite.
    The posterior is proper iff ``a > 1``; ``E(tau^k)`` is finite iff ``a > k + 1``.
    """
    prior = tau_prior(priors.tau_family).tail_exponent
    likelihood = n_groups - (0 if np.isfinite(priors.mu_scale) else 1)
    return float(prior + likelihood)


def _mu_precision(priors: Priors) -> float:
    """Prior precision of mu, 1/mu_scale^2 (0 for a flat prior)."""
    return 0.0 if not np.isfinite(priors.mu_scale) else 1.0 / priors.mu_scale**2


def _conditional(tau: np.ndarray, y: np.ndarray, se: np.ndarray, priors: Priors):
    """Everything that is Gaussian given tau, vectorised over tau.

    Parameters: ``tau`` shape (G,), ``y`` and ``se`` shape (J,).
    Returns ``(log_lik, V, mu_hat, B, one_minus_B)`` with shapes (G,), (G,), (G,), (G, J), (G, J):
    ``log_lik`` is ``log p(y | tau)`` up to a constant (prior of tau not included).
    """
    se2 = se**2
    t2 = np.asarray(tau, dtype=float)[:, None] ** 2
    w = 1.0 / (se2 + t2)
    mu_prec = _mu_precision(priors)
    V = 1.0 / (w.sum(axis=1) + mu_prec)
    mu_hat = V * (w @ y + (priors.mu_loc * mu_prec if mu_prec > 0 else 0.0))
    resid = y - mu_hat[:, None]
    log_lik = 0.5 * np.log(V) + 0.5 * np.log(w).sum(axis=1) - 0.5 * (w * resid**2).sum(axis=1)
    if mu_prec > 0:
        log_lik = log_lik - 0.5 * mu_prec * (priors.mu_loc - mu_hat) ** 2
    B = se2 * w
    one_minus_B = t2 * w  # 1 - B computed without cancellation near tau = 0
    return log_lik, V, mu_hat, B, one_minus_B


def _theta_moments(y, se, V, mu_hat, B, one_minus_B):
    """E and sd of theta_j | tau, y, shapes (G, J)."""
    mean = one_minus_B * y + B * mu_hat[:, None]
    sd = np.sqrt(one_minus_B * se**2 + B**2 * V[:, None])
    return mean, sd


def _log_post(tau: np.ndarray, y: np.ndarray, se: np.ndarray, priors: Priors) -> np.ndarray:
    """Unnormalised log p(tau | y), shape of ``tau``; -inf outside the prior's support."""
    tau = np.asarray(tau, dtype=float)
    log_lik = _conditional(tau, y, se, priors)[0]
    return log_lik + tau_log_prior(tau, priors)


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Weights ``w`` with ``sum(w * f) == trapezoid(f, x)``; ``w_i`` is the width of x_i's cell."""
    d = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += d / 2
    w[1:] += d / 2
    return w


def _tau_grid(y: np.ndarray, se: np.ndarray, priors: Priors, grid_size: int) -> np.ndarray:
    """A grid over tau that covers the posterior mass, starting at exactly 0.

    1. Probe ``log p(tau | y)`` on 400 log-spaced points spanning ~14 decades around the
       scales of the data and the prior.
    2. The grid ends at ``T``: the first probe point beyond which ``log(tau p(tau | y))`` (the
       density per unit of log tau) stays more than 14 below its maximum, so the mass beyond
       ``T`` is below ``e^-14 / (a - 1)`` for a power tail ``tau^-a`` (and far smaller for light
       tails). For a bounded prior (uniform) ``T`` is at most its upper end.
    3. ``tau = c (exp(z) - 1)`` with ``z`` uniform on ``[0, log(1 + T / c)]`` and ``c`` the 2 %
       quantile of the probe: evenly spaced (and densest) below ``c``, geometric above it,
       so the relative resolution in the bulk and in a heavy tail is the same.
    4. If fewer than 20 % of the points fall in the central 80 % of the probe's mass (a
       narrow posterior far from 0), half of the points move to evenly spaced quantiles of
       the probe (duplicates dropped: at most ``grid_size`` points).
    """
    prior = tau_prior(priors.tau_family)
    prior_scale = priors.tau_scale if prior.proper else np.nan
    # The end of the prior's support: inf unless bounded (and a flat prior's scale means nothing).
    top = prior.upper * priors.tau_scale if np.isfinite(prior.upper) else np.inf
    small = np.nanmin([se.min(), prior_scale])
    lo = 1e-6 * small
    if np.isfinite(top):
        hi = float(top)
    else:
        hi = 1e8 * np.nanmax([se.max(), np.ptp(y), prior_scale])
    probe = np.geomspace(lo, hi, _PROBE_POINTS)
    lp = _log_post(probe, y, se, priors)
    h = lp + np.log(probe)  # log density per unit log(tau)
    above = np.nonzero(h >= np.max(h) - _TAIL_DROP)[0]
    upper = float(probe[min(above[-1] + 1, probe.size - 1)])
    upper = min(upper, float(top))
    # 2 % quantile of tau on the probe (including the piece [0, lo]) sets the linear scale c.
    t = np.concatenate([[0.0], probe])
    dens = np.exp(np.concatenate([[_log_post(np.zeros(1), y, se, priors)[0]], lp]) - np.max(lp))
    cdf = np.concatenate([[0.0], np.cumsum(np.diff(t) * (dens[1:] + dens[:-1]) / 2)])
    c = float(np.interp(0.02 * cdf[-1], cdf, t))
    c = min(max(c, lo), upper / 4)

    def transformed(n: int) -> np.ndarray:
        grid = c * np.expm1(np.linspace(0.0, np.log1p(upper / c), n))
        grid[0], grid[-1] = 0.0, upper
        return grid

    grid = transformed(grid_size)
    q10, q90 = np.interp([0.1 * cdf[-1], 0.9 * cdf[-1]], cdf, t)
    if np.sum((grid >= q10) & (grid <= q90)) >= grid_size * _MIN_BULK_SHARE:
        return grid
    # A posterior that is narrow and far from 0 (many groups, or piled against a uniform
    # prior's bound) got too few points: put half of them at evenly spaced quantiles of the
    # probe instead.
    n_quantile = grid_size // 2
    probs = np.linspace(0.0, 1.0, n_quantile + 2)[1:-1] * cdf[-1]
    extra = np.interp(probs, cdf, t)
    grid = transformed(grid_size - n_quantile)
    return np.unique(np.concatenate([grid, extra[(extra > 0) & (extra < upper)]]))


def _hdi(cdf: np.ndarray, dens: np.ndarray, x: np.ndarray, prob: float) -> tuple[float, float]:
    """Highest-density interval of probability ``prob`` from tables on increasing ``x``.

    ``cdf`` and ``dens`` are the CDF and density at ``x``. Scans lower-tail probabilities
    ``alpha`` and solves ``f(Q(alpha)) = f(Q(alpha + prob))`` (equal density at both ends, the
    optimality condition of the shortest interval) by linear interpolation between the scan
    points: far better conditioned than minimising the width, which is flat at its minimum.
    If the density is highest at the lower end (e.g. tau with its mode at 0) the interval
    starts at ``x[0]``. With several candidate solutions the shortest one wins.
    """
    top = cdf[-1] - prob
    if top <= cdf[0]:  # table too short to hold the interval: use what there is
        return float(x[0]), float(x[-1])
    alphas = np.linspace(cdf[0], top, _ALPHA_POINTS)
    lows = np.interp(alphas, cdf, x)
    highs = np.interp(alphas + prob, cdf, x)
    g = np.interp(lows, x, dens) - np.interp(highs, x, dens)
    cands = []
    if g[0] >= 0:
        cands.append(alphas[0])
    if g[-1] <= 0:
        cands.append(alphas[-1])
    i = np.nonzero((g[:-1] < 0) & (g[1:] >= 0))[0]
    frac = -g[i] / (g[i + 1] - g[i])
    cands.extend(alphas[i] + frac * (alphas[i + 1] - alphas[i]))
    if not cands:  # cannot happen for a proper density; fall back to the narrowest scan point
        cands.append(alphas[int(np.argmin(highs - lows))])
    a = np.asarray(cands)
    lo, hi = np.interp(a, cdf, x), np.interp(a + prob, cdf, x)
    k = int(np.argmin(hi - lo))
    return float(lo[k]), float(hi[k])


def _merge_components(mass: np.ndarray, means: np.ndarray, sds: np.ndarray):
    """Merge runs of adjacent grid points into one moment-matched normal each.

    ``mass`` (G,), ``means`` and ``sds`` (G, K). Adjacent grid points differ by ~1 % in tau,
    so their normals are nearly equal and merging changes quantiles negligibly.
    Returns weights (M,), means (M, K), sds (M, K) with M <= _MAX_COMPONENTS.
    """
    G = mass.size
    size = max(1, int(np.ceil(G / _MAX_COMPONENTS)))
    starts = np.arange(0, G, size)
    wb = np.add.reduceat(mass, starts)
    ref = means[starts]  # deviations from the first member avoid cancellation
    block = np.repeat(np.arange(starts.size), np.diff(np.append(starts, G)))
    d = means - ref[block]
    wm = mass[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        md = np.add.reduceat(wm * d, starts) / wb[:, None]
        var = np.add.reduceat(wm * (sds**2 + d**2), starts) / wb[:, None] - md**2
    keep = wb > 1e-14
    var = np.maximum(var, np.minimum.reduceat(sds**2, starts))
    return wb[keep], (ref + md)[keep], np.sqrt(var)[keep]


def _mixture_summary(mass: np.ndarray, means: np.ndarray, sds: np.ndarray, hdi_prob: float) -> dict:
    """Mean, sd, median and HDI of K normal mixtures sharing the weights ``mass`` (G,).

    ``means`` and ``sds`` have shape (G, K); every column is one parameter's mixture. Mean and
    sd are exact. For quantiles the mixture density is evaluated on 256 points per column
    spaced as ``center + width * sinh(u)`` with ``u`` uniform (fine in the bulk, geometric in
    heavy tails), integrated to the CDF with cumulative Simpson in ``u`` (starting from the
    exact CDF at the first point), and inverted by interpolation. Returns arrays of shape (K,).
    """
    mean = mass @ means
    sd = np.sqrt(np.maximum(mass @ (sds**2 + (means - mean) ** 2), 0.0))
    w, m, s = _merge_components(mass, means, sds)
    w = w / w.sum()
    cw = np.cumsum(w)
    mid = min(int(np.searchsorted(cw, 0.5)), w.size - 1)
    center, width = m[mid], s[mid]
    central = (cw >= 1e-6) & (cw - w <= 1 - 1e-6)
    central[mid] = True
    lo = np.min((m - 7 * s)[central], axis=0)
    hi = np.max((m + 7 * s)[central], axis=0)
    u_lo, u_hi = np.arcsinh((lo - center) / width), np.arcsinh((hi - center) / width)
    t = np.linspace(0.0, 1.0, _X_POINTS)
    u = u_lo[:, None] + (u_hi - u_lo)[:, None] * t  # (K, X)
    x = center[:, None] + width[:, None] * np.sinh(u)
    dx_dt = width[:, None] * np.cosh(u) * (u_hi - u_lo)[:, None]
    # Density on the grid, layout (K, X, M) with the components contiguous, in place.
    mt, inv = np.ascontiguousarray(m.T), np.ascontiguousarray(1.0 / s.T)
    ws = w * inv / np.sqrt(2 * np.pi)
    K = means.shape[1]
    dens = np.empty_like(x)
    chunk = max(1, 200_000 // (_X_POINTS * w.size))
    for j0 in range(0, K, chunk):
        sl = slice(j0, j0 + chunk)
        z = x[sl, :, None] - mt[sl, None, :]
        z *= inv[sl, None, :]
        z *= z
        z *= -0.5
        np.exp(z, out=z)
        dens[sl] = np.einsum("kxm,km->kx", z, ws[sl])
    cdf0 = np.einsum("m,mk->k", w, ndtr((x[:, 0] - m) / s))
    cdf = cumulative_simpson(dens * dx_dt, dx=t[1] - t[0], axis=1, initial=0.0) + cdf0[:, None]
    cdf = np.maximum.accumulate(cdf, axis=1)
    median = np.empty(K)
    hdi_low = np.empty(K)
    hdi_high = np.empty(K)
    for k in range(K):
        median[k] = np.interp(0.5, cdf[k], x[k])
        hdi_low[k], hdi_high[k] = _hdi(cdf[k], dens[k], x[k], hdi_prob)
    return {"mean": mean, "sd": sd, "median": median, "hdi_low": hdi_low, "hdi_high": hdi_high}


def _as_floats(d: dict) -> dict:
    return {k: float(np.asarray(v).squeeze()) for k, v in d.items()}


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class ExactPosterior:
    """Exact posterior of the normal hierarchical model on a grid of G values of tau.

    All values are on the scale of ``y`` (outcome units; logits for binomial data).

    Attributes
    ----------
    groups : tuple of str, length J
    y, se : float arrays, shape (J,)
        Group estimates and their (known or plug-in) standard errors.
    tau_grid : float array, shape (G,)
        Increasing grid over tau, ``tau_grid[0] == 0`` (denser near 0, geometric in the tail).
    tau_mass : float array, shape (G,)
        Posterior probability of each grid point's cell (trapezoid weights); sums to 1.
    tau_density : float array, shape (G,)
        ``p(tau | y)`` at the grid points, per unit of tau; ``trapezoid(tau_density, tau_grid) == 1``.
    mu_mean, mu_sd : float arrays, shape (G,)
        ``E(mu | tau, y)`` and ``sd(mu | tau, y)``.
    theta_mean, theta_sd : float arrays, shape (G, J)
        ``E(theta_j | tau, y)`` and ``sd(theta_j | tau, y)``.
    pooling : float array, shape (G, J)
        Pooling factor ``B_j(tau) = se_j^2 / (se_j^2 + tau^2)`` in [0, 1]: 1 = complete pooling.
    hdi_prob : float
        Probability of the highest-density intervals reported by the summaries.
    approximate : bool
        True when ``se`` are plug-in estimates or a normal approximation (not known exactly).
    priors : Priors
        The priors used (needed to recompute conditionals at any tau).
    tau_tail : float
        ``a`` with ``p(tau | y) ~ tau^-a`` for large tau (``inf`` for light/bounded tails).
        Posterior means/sds that do not exist for this tail are reported as ``inf``/``nan``.
    """

    groups: tuple[str, ...]
    y: np.ndarray
    se: np.ndarray
    tau_grid: np.ndarray
    tau_mass: np.ndarray
    tau_density: np.ndarray
    mu_mean: np.ndarray
    mu_sd: np.ndarray
    theta_mean: np.ndarray
    theta_sd: np.ndarray
    pooling: np.ndarray
    hdi_prob: float = 0.94
    approximate: bool = False
    priors: Priors = field(default_factory=Priors)
    tau_tail: float = np.inf

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    # ----------------------------------------------------------------- conditionals

    def _frame_at(self, taus: np.ndarray) -> pd.DataFrame:
        _, V, mu_hat, B, omb = _conditional(taus, self.y, self.se, self.priors)
        mean, sd = _theta_moments(self.y, self.se, V, mu_hat, B, omb)
        J = self.n_groups
        return pd.DataFrame(
            {
                "tau": np.repeat(taus, J),
                "group": np.tile(np.asarray(self.groups, dtype=object), taus.size),
                "mean": mean.ravel(),
                "sd": sd.ravel(),
                "pooling": B.ravel(),
            }
        )

    def at_tau(self, tau: float) -> pd.DataFrame:
        """Posterior of each theta_j conditional on one value of tau (computed exactly at it).

        Returns J rows with columns group, tau, mean, sd, pooling, y, se (``mean``/``sd`` of
        ``theta_j | tau, y``; ``pooling`` is B_j(tau)). ``at_tau(0)`` is complete pooling.
        """
        tau = float(tau)
        if not np.isfinite(tau) or tau < 0:
            raise ValueError(f"tau must be a finite number >= 0, got {tau!r}.")
        frame = self._frame_at(np.array([tau]))
        frame = frame[["group", "tau", "mean", "sd", "pooling"]].copy()
        frame["y"] = self.y
        frame["se"] = self.se
        return frame

    def curves(self, n_points: int = 200) -> pd.DataFrame:
        """Conditional posteriors of every theta_j along tau, for charting shrinkage.

        ``n_points`` evenly spaced tau values from 0 to the posterior 99th percentile of tau
        (computed exactly there, not interpolated). Tidy: ``n_points * J`` rows with columns
        tau, group, mean, sd, pooling.
        """
        upper = self.tau_quantile(0.99)
        return self._frame_at(np.linspace(0.0, upper, int(n_points)))

    # ----------------------------------------------------------------- tau

    @cached_property
    def _tau_cdf(self) -> np.ndarray:
        t, p = self.tau_grid, self.tau_density
        cdf = np.concatenate([[0.0], np.cumsum(np.diff(t) * (p[1:] + p[:-1]) / 2)])
        return cdf / cdf[-1]

    @cached_property
    def _log_norm(self) -> float:
        k = int(np.argmax(self.tau_density))
        lp = _log_post(self.tau_grid[k : k + 1], self.y, self.se, self.priors)[0]
        return float(lp - np.log(self.tau_density[k]))

    def tau_quantile(self, q: float | np.ndarray) -> float | np.ndarray:
        """Posterior quantile(s) of tau (q in [0, 1])."""
        out = np.interp(q, self._tau_cdf, self.tau_grid)
        return float(out) if np.ndim(out) == 0 else out

    def tau_pdf(self, tau: float | np.ndarray) -> np.ndarray:
        """Normalised ``p(tau | y)`` at any tau >= 0 (computed exactly, not interpolated)."""
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        out = np.zeros_like(tau)
        ok = (tau >= 0) & np.isfinite(tau)
        out[ok] = np.exp(_log_post(tau[ok], self.y, self.se, self.priors) - self._log_norm)
        return out

    def tau_frame(self, n_points: int = 200, upper_quantile: float = 0.995) -> pd.DataFrame:
        """``p(tau | y)`` for plotting: columns tau, density (per unit of tau).

        ``n_points`` evenly spaced values from 0 to the ``upper_quantile`` posterior quantile of
        tau (the full grid, which may reach far into a heavy tail, is in ``tau_grid``).
        """
        taus = np.linspace(0.0, self.tau_quantile(upper_quantile), int(n_points))
        return pd.DataFrame({"tau": taus, "density": self.tau_pdf(taus)})

    def tau_summary(self) -> dict:
        """Posterior of tau: dict of floats mean, sd, median, hdi_low, hdi_high.

        ``mean`` is ``inf`` when ``tau_tail <= 2`` and ``sd`` when ``tau_tail <= 3`` (they diverge).
        """
        mean = float(self.tau_mass @ self.tau_grid)
        sd = float(np.sqrt(max(self.tau_mass @ (self.tau_grid - mean) ** 2, 0.0)))
        lo, hi = _hdi(self._tau_cdf, self.tau_density, self.tau_grid, self.hdi_prob)
        return {
            "mean": mean if self.tau_tail > 2 else np.inf,
            "sd": sd if self.tau_tail > 3 else np.inf,
            "median": self.tau_quantile(0.5),
            "hdi_low": lo,
            "hdi_high": hi,
        }

    # ----------------------------------------------------------------- mu and theta

    @cached_property
    def _mu_summary(self) -> dict:
        out = _as_floats(
            _mixture_summary(self.tau_mass, self.mu_mean[:, None], self.mu_sd[:, None], self.hdi_prob)
        )
        if not np.isfinite(self.priors.mu_scale):  # mu | tau has sd ~ tau / sqrt(J)
            if self.tau_tail <= 2:
                out["mean"] = np.nan
            if self.tau_tail <= 3:
                out["sd"] = np.inf
        return out

    def mu_summary(self) -> dict:
        """Posterior of mu: dict of floats mean, sd, median, hdi_low, hdi_high.

        With a flat prior on mu, ``mean`` is ``nan`` when ``tau_tail <= 2`` and ``sd`` is ``inf``
        when ``tau_tail <= 3`` (the moments do not exist).
        """
        return dict(self._mu_summary)

    @cached_property
    def _group_summary(self) -> pd.DataFrame:
        s = _mixture_summary(self.tau_mass, self.theta_mean, self.theta_sd, self.hdi_prob)
        return pd.DataFrame(
            {
                "group": list(self.groups),
                "mean": s["mean"],
                "sd": s["sd"],
                "median": s["median"],
                "hdi_low": s["hdi_low"],
                "hdi_high": s["hdi_high"],
                "pooling": self.tau_mass @ self.pooling,
            }
        )

    def group_summary(self) -> pd.DataFrame:
        """Marginal posterior of each theta_j (a normal mixture over tau): J rows.

        Columns: group, mean, sd, median, hdi_low, hdi_high (``hdi_prob`` highest-density
        interval), pooling (posterior mean of B_j).
        """
        return self._group_summary.copy()

    # ----------------------------------------------------------------- simulation

    def draws(self, n: int, seed: int) -> dict[str, np.ndarray]:
        """Independent exact posterior draws: ``tau`` (n,), ``mu`` (n,), ``theta`` (n, J).

        tau is drawn from the grid mass, uniformly within the chosen grid point's cell; then
        ``mu | tau, y`` and ``theta_j | mu, tau, y ~ Normal((1-B_j) y_j + B_j mu, (1-B_j) se_j^2)``
        (the precision-weighted mean of y_j and mu; at tau = 0, theta_j = mu).
        """
        n = int(n)
        rng = np.random.default_rng(seed)
        t = self.tau_grid
        edges = np.concatenate([[t[0]], (t[1:] + t[:-1]) / 2, [t[-1]]])
        idx = rng.choice(t.size, size=n, p=self.tau_mass / self.tau_mass.sum())
        tau = edges[idx] + rng.random(n) * (edges[idx + 1] - edges[idx])
        _, V, mu_hat, B, omb = _conditional(tau, self.y, self.se, self.priors)
        mu = mu_hat + np.sqrt(V) * rng.standard_normal(n)
        theta = (
            omb * self.y + B * mu[:, None] + np.sqrt(omb) * self.se * rng.standard_normal((n, self.n_groups))
        )
        return {"tau": tau, "mu": mu, "theta": theta}


# --------------------------------------------------------------------------- builders


def exact_posterior(
    y: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray,
    groups: Sequence[str] | None = None,
    priors: Priors = DEFAULT_PRIORS,
    hdi_prob: float = 0.94,
    grid_size: int = DEFAULT_GRID_SIZE,
) -> ExactPosterior:
    """Exact posterior of the normal hierarchical model with known standard errors.

    Parameters
    ----------
    y, se : array-like, shape (J,)
        Group estimates and their standard errors (se > 0), same units.
    groups : sequence of str, length J, optional
        Labels (default A, B, ...).
    priors : Priors
        ``mu_loc``/``mu_scale`` (``mu_scale = inf``: flat) and ``tau_family``/``tau_scale``.
    hdi_prob : float in (0, 1)
    grid_size : int
        Number of tau grid points (>= 50); G can be a few less (duplicates are dropped).

    Raises
    ------
    DataError (a ValueError)
        Bad inputs, or an improper posterior: a flat prior on tau needs J >= 3 groups when
        mu is flat (J >= 2 when mu has a normal prior).
    """
    y = np.asarray(y, dtype=float).ravel()
    se = np.asarray(se, dtype=float).ravel()
    J = y.size
    if J < 1 or se.size != J:
        raise DataError("y and se must be non-empty and of the same length.")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(se))):
        raise DataError("Every estimate and standard error must be a finite number.")
    if np.any(se <= 0):
        raise DataError("Every standard error must be positive.")
    groups = group_labels(J) if groups is None else tuple(str(g) for g in groups)
    if len(groups) != J:
        raise DataError(f"{len(groups)} group labels for {J} groups.")
    if not 0 < hdi_prob < 1:
        raise ValueError(f"hdi_prob must be in (0, 1), got {hdi_prob!r}.")
    if int(grid_size) < 50:
        raise ValueError(f"grid_size must be at least 50, got {grid_size!r}.")
    if not (priors.mu_scale > 0) or not np.isfinite(priors.mu_loc):
        raise ValueError("mu_scale must be positive (inf for flat) and mu_loc finite.")
    if tau_prior(priors.tau_family).proper and not (0 < priors.tau_scale < np.inf):
        raise ValueError("tau_scale must be a positive finite number.")
    a = tau_tail_exponent(J, priors)
    if a <= 1:
        mu_txt = "flat prior on mu" if not np.isfinite(priors.mu_scale) else "normal prior on mu"
        need = 3 if not np.isfinite(priors.mu_scale) else 2
        raise DataError(
            f"With a flat prior on tau and a {mu_txt}, the posterior of tau is improper for "
            f"{J} group{'s' if J != 1 else ''}: p(tau | y) decays like tau^-{a:g}, which is not "
            f"integrable. Use at least {need} groups or a proper prior on tau "
            "(e.g. half-normal or half-Cauchy)."
        )
    tau = _tau_grid(y, se, priors, int(grid_size))
    log_lik, V, mu_hat, B, omb = _conditional(tau, y, se, priors)
    lp = log_lik + tau_log_prior(tau, priors)
    dens = np.exp(lp - np.max(lp))
    weights = _trapezoid_weights(tau)
    total = float(weights @ dens)
    theta_mean, theta_sd = _theta_moments(y, se, V, mu_hat, B, omb)
    mass = weights * dens / total
    return ExactPosterior(
        groups=groups,
        y=_readonly(y),
        se=_readonly(se),
        tau_grid=_readonly(tau),
        tau_mass=_readonly(mass / mass.sum()),
        tau_density=_readonly(dens / total),
        mu_mean=_readonly(mu_hat),
        mu_sd=_readonly(np.sqrt(V)),
        theta_mean=_readonly(theta_mean),
        theta_sd=_readonly(theta_sd),
        pooling=_readonly(B),
        hdi_prob=float(hdi_prob),
        priors=priors,
        tau_tail=a,
    )


def _normal_estimates(data: GroupedData) -> tuple[np.ndarray, np.ndarray]:
    """Group sample means and plug-in standard errors sd_j / sqrt(n_j).

    Groups with fewer than 2 rows or zero sample sd use the pooled within-group sd.
    """
    summary = data.group_summary()
    n = summary["n"].to_numpy(dtype=float)
    mean = summary["mean"].to_numpy(dtype=float)
    sd = summary["sd"].to_numpy(dtype=float)
    if np.any(n < 1):
        empty = [g for g, k in zip(data.groups, n, strict=False) if k < 1]
        raise DataError(f"Every group needs at least one observation; empty: {', '.join(empty)}.")
    has_sd = n >= 2
    if not np.any(has_sd):
        raise DataError(
            "The exact engine needs a within-group standard deviation, but no group has two or "
            "more observations."
        )
    pooled = float(np.sqrt(np.sum((n[has_sd] - 1) * sd[has_sd] ** 2) / np.sum(n[has_sd] - 1)))
    if not (pooled > 0):
        raise DataError("The observations do not vary within groups, so their standard errors are zero.")
    use = np.where(has_sd & (sd > 0), sd, pooled)
    return mean, use / np.sqrt(n)


def _binomial_estimates(data: GroupedData) -> tuple[np.ndarray, np.ndarray]:
    """Empirical logits log((s + 0.5) / (n - s + 0.5)) and their normal-approximation se."""
    J = data.n_groups
    s = np.bincount(data.group_idx, weights=data.y, minlength=J)
    n = np.bincount(data.group_idx, weights=data.trials, minlength=J)
    if np.any(n <= 0):
        empty = [g for g, k in zip(data.groups, n, strict=False) if k <= 0]
        raise DataError(f"Every group needs at least one trial; none in: {', '.join(empty)}.")
    if np.any(s < 0) or np.any(s > n):
        raise DataError("Successes must be between 0 and the number of trials.")
    y = np.log((s + 0.5) / (n - s + 0.5))
    se = np.sqrt(1.0 / (s + 0.5) + 1.0 / (n - s + 0.5))
    return y, se


def exact_from_data(
    data: GroupedData,
    priors: Priors,
    hdi_prob: float = 0.94,
    grid_size: int = DEFAULT_GRID_SIZE,
) -> ExactPosterior:
    """Exact (or normal-approximation) posterior for a :class:`GroupedData`.

    - ``known_se``: the given estimates and standard errors (exact, ``approximate=False``);
    - ``normal``: group sample means with plug-in se ``sd_j / sqrt(n_j)`` (groups with one row
      or zero sd use the pooled within-group sd); ``approximate=True``;
    - ``binomial``: empirical logits ``log((s+0.5)/(n-s+0.5))`` with se
      ``sqrt(1/(s+0.5) + 1/(n-s+0.5))``, i.e. a normal approximation on the logit scale
      (priors on the logit scale); ``approximate=True``.

    Raises DataError for normal data with a predictor (``data.x``), which this engine does
    not handle, and for data it cannot summarise.
    """
    if data.family == "known_se":
        if (
            data.se is None
            or data.n_obs != data.n_groups
            or not np.array_equal(np.sort(data.group_idx), np.arange(data.n_groups))
        ):
            raise DataError("known_se data need exactly one estimate and one se per group.")
        y = np.empty(data.n_groups)
        y[data.group_idx] = data.y
        se = np.asarray(data.se, dtype=float)
        approximate = False
    elif data.family == "normal":
        if data.x is not None:
            raise DataError("exact engine does not handle a predictor")
        y, se = _normal_estimates(data)
        approximate = True
    elif data.family == "binomial":
        if data.trials is None:
            raise DataError("binomial data need the number of trials.")
        y, se = _binomial_estimates(data)
        approximate = True
    else:
        raise DataError(f"unknown data family {data.family!r}")
    post = exact_posterior(y, se, data.groups, priors, hdi_prob=hdi_prob, grid_size=grid_size)
    return replace(post, approximate=approximate) if approximate else post
