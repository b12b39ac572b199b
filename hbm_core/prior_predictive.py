"""Prior predictive draws of the partial-pooling model: what data the priors alone imply.

Draws μ, τ, the group means θ_j and simulated data from the priors of the hierarchical model of
:mod:`hbm_core.models.build`, in numpy (milliseconds, no MCMC, no PyMC import), with the same
priors the fits use (:class:`hbm_core.priors.Priors`; τ from its family's ``draw`` in
:data:`hbm_core.priors.TAU_PRIORS`). Everything comes back on the user's outcome scale, never in
the sampler's model units: outcome units for normal data and known standard errors, and for
binomial data θ on the logit scale with the simulated group means as proportions.

The simulated data have the shape of the observed data (the same groups, group sizes, trials,
standard errors and predictor values), and each is summarised by the statistic the pages show for
the observed data: each group's mean (normal), its estimate (known SE) or its proportion of
successes (binomial). A group mean is drawn from its exact distribution given the parameters
(for normal data ȳ_j = θ_j + β x̄_j + ε̄_j with ε̄_j ~ N(0, σ_j / √n_j)), which is the mean of
simulated rows without simulating every row.

``tests/test_prior_predictive.py`` checks these draws against ``pm.sample_prior_predictive`` on
the app's own PyMC model (:func:`hbm_core.models.build.build_model` filled in model units, as the fit
service fills it), for every family of the prior on τ and every outcome family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.priors import Priors, tau_prior

#: Draws per prior predictive check: enough for stable 5% and 95% quantiles, a few ms to draw.
DRAWS = 4000
#: The classic trap on the logit scale: every group's θ_j ~ Normal(0, WIDE_LOGIT_SD).
WIDE_LOGIT_SD = 10.0
#: Implied probabilities below this or above 1 minus this count as "near 0 or 1".
EXTREME = 0.05

Sigma = Literal["group", "shared"]


@dataclass(frozen=True)
class PriorDraws:
    """Draws from the prior predictive distribution, S draws of J groups, on the outcome's scale.

    Attributes
    ----------
    family : the data's outcome family ("normal", "known_se", "binomial")
    mu : (S,) population mean (outcome units; logit scale for binomial)
    tau : (S,) between-group sd, same units as ``mu``
    theta : (S, J) the groups' true means, same units as ``mu``
    group_means : (S, J) each simulated data set's group means (normal), estimates (known SE) or
        proportions of successes (binomial): the statistic the observed data are summarised by
    observation : (S, J) one simulated observation of each group (normal data only, else None)
    sigma : (S,) shared or (S, J) per-group observation sd (normal data only, else None)
    beta : (S,) the common slope of the predictor (when the data have one, else None); with
        varying slopes the population's mean slope μ_β
    slope : (S, J) each group's own slope b_j (varying slopes only, else None), outcome units per
        unit of x; ``theta`` then holds the intercepts α_j and ``tau`` their sd σ_α
    tau_slope : (S,) the sd of the slopes σ_β (varying slopes only, else None)
    rho : (S,) the correlation of intercepts and slopes (varying slopes only, else None)
    """

    family: str
    mu: np.ndarray
    tau: np.ndarray
    theta: np.ndarray
    group_means: np.ndarray
    observation: np.ndarray | None = None
    sigma: np.ndarray | None = None
    beta: np.ndarray | None = None
    slope: np.ndarray | None = None
    tau_slope: np.ndarray | None = None
    rho: np.ndarray | None = None

    @property
    def n_draws(self) -> int:
        return int(self.mu.shape[0])

    @property
    def group_probabilities(self) -> np.ndarray:
        """(S, J) the groups' true success probabilities expit(θ_j) (binomial data only)."""
        if self.family != "binomial":
            raise ValueError("group probabilities exist for binomial data only")
        return expit(self.theta)

    def spread(self) -> np.ndarray:
        """(S,) the sd (ddof 0) of the J simulated group means of each draw: the spread between groups."""
        return self.group_means.std(axis=1)


def expit(x: np.ndarray) -> np.ndarray:
    """The inverse logit 1 / (1 + exp(-x)), elementwise, without overflow warnings."""
    x = np.asarray(x, dtype=float)
    return np.exp(-np.logaddexp(0.0, -x))


def draw_prior_predictive(
    data: GroupedData,
    priors: Priors,
    *,
    sigma: Sigma = "group",
    draws: int = DRAWS,
    seed: int = 0,
) -> PriorDraws:
    """``draws`` draws of the partial-pooling model's parameters and data from its priors alone.

    ``priors`` as the fits use them (outcome units; logit scale for binomial); ``sigma``: one
    observation sd per group or one shared (normal data; data with a predictor always share one,
    as the fits do). Raises :class:`DataError` for an improper prior (the flat prior on τ or an
    infinite scale for μ: they imply no data) or a scale that is not positive.

    Data that ask for varying slopes (``data.varying_slope`` with a predictor, normal outcomes) are
    drawn from that model's priors as :func:`hbm_core.models.build._varying_slope` builds it: μ_α and
    μ_β, both sds ~ HalfNormal(``tau_scale``), ρ from LKJ(η = 2) ((ρ + 1) / 2 ~ Beta(2, 2) for 2×2),
    (α_j, b_j) = (μ_α, μ_β) + L z_j with L the Cholesky factor, one shared σ; ``theta`` holds α_j.
    """
    spec = tau_prior(priors.tau_family)
    if spec.draw is None or not np.isfinite(priors.mu_scale):
        raise DataError(
            "An improper prior implies no data: the prior predictive check needs a proper prior "
            "on μ and on τ (not the flat one)."
        )
    for name in ("mu_scale", "tau_scale", "sigma_scale", "beta_scale"):
        if not (getattr(priors, name) > 0 and np.isfinite(getattr(priors, name))):
            raise DataError(f"The prior scale {name} must be a positive number.")
    if draws < 1:
        raise ValueError("draws must be at least 1")
    if data.varying_slope and data.x is not None:
        return _draw_varying_slopes(data, priors, int(draws), seed)
    rng = np.random.default_rng(seed)
    S, J = int(draws), data.n_groups
    mu = rng.normal(priors.mu_loc, priors.mu_scale, S)
    tau = spec.draw(rng, priors.tau_scale, S)
    theta = mu[:, None] + tau[:, None] * rng.standard_normal((S, J))

    beta = rng.normal(0.0, priors.beta_scale, S) if data.x is not None else None
    if data.family == "binomial":
        trials = np.bincount(data.group_idx, weights=data.trials, minlength=J)
        successes = rng.binomial(trials.astype(np.int64), expit(theta))
        with np.errstate(invalid="ignore", divide="ignore"):
            proportions = successes / trials
        return PriorDraws("binomial", mu, tau, theta, proportions, beta=beta)
    if data.family == "known_se":
        estimates = theta + np.asarray(data.se, dtype=float) * rng.standard_normal((S, J))
        return PriorDraws("known_se", mu, tau, theta, estimates, beta=beta)

    shared = sigma == "shared" or data.x is not None  # the fits share one sd when there is a predictor
    sd = np.abs(rng.normal(0.0, priors.sigma_scale, S if shared else (S, J)))
    sd_j = np.broadcast_to(sd[:, None], (S, J)) if shared else sd
    n = np.bincount(data.group_idx, minlength=J).astype(float)
    location = theta
    row_location = theta
    if beta is not None:
        x = np.asarray(data.x, dtype=float)
        x_bar = np.bincount(data.group_idx, weights=x, minlength=J) / n
        location = theta + beta[:, None] * x_bar
        row_location = theta + beta[:, None] * _random_row_x(rng, data, S)
    means = location + sd_j / np.sqrt(n) * rng.standard_normal((S, J))
    observation = row_location + sd_j * rng.standard_normal((S, J))
    return PriorDraws("normal", mu, tau, theta, means, observation, sd, beta)


#: The LKJ prior's shape η on the 2×2 correlation of the varying-slopes model (as build.py sets it).
LKJ_ETA = 2.0


def _draw_varying_slopes(data: GroupedData, priors: Priors, draws: int, seed: int) -> PriorDraws:
    """(S = ``draws``) draws of the varying-intercepts-and-slopes model and its simulated group means.

    Order of the random numbers (the script repeats it): μ_α, μ_β, the two sds (S, 2), ρ, z (S, J, 2),
    σ, the group means' noise, a random row per group, one observation's noise.
    """
    if data.family != "normal":
        raise DataError("The prior predictive check of varying slopes needs a normal outcome.")
    if priors.tau_family != "half_normal":
        raise DataError(
            "The varying-slopes model puts a half-normal prior on both sds (σ_α and σ_β): the check "
            "draws from that family only."
        )
    rng = np.random.default_rng(seed)
    S, J = draws, data.n_groups
    mu = rng.normal(priors.mu_loc, priors.mu_scale, S)
    beta = rng.normal(0.0, priors.beta_scale, S)
    sds = np.abs(rng.normal(0.0, priors.tau_scale, (S, 2)))  # σ_α, σ_β: one HalfNormal scale for both
    rho = 2.0 * rng.beta(LKJ_ETA, LKJ_ETA, S) - 1.0  # LKJ(η) on a 2×2 correlation: (ρ + 1) / 2 ~ Beta(η, η)
    z = rng.standard_normal((S, J, 2))
    # L z with L = [[σ_α, 0], [ρ σ_β, √(1 − ρ²) σ_β]], the Cholesky factor of the covariance
    theta = mu[:, None] + sds[:, :1] * z[..., 0]
    slope = beta[:, None] + sds[:, 1:] * (
        rho[:, None] * z[..., 0] + np.sqrt(1.0 - rho[:, None] ** 2) * z[..., 1]
    )
    sigma = np.abs(rng.normal(0.0, priors.sigma_scale, S))  # one shared σ_y, as the fit has
    n = np.bincount(data.group_idx, minlength=J).astype(float)
    x_bar = np.bincount(data.group_idx, weights=np.asarray(data.x, dtype=float), minlength=J) / n
    means = theta + slope * x_bar + sigma[:, None] / np.sqrt(n) * rng.standard_normal((S, J))
    x_row = _random_row_x(rng, data, S)
    observation = theta + slope * x_row + sigma[:, None] * rng.standard_normal((S, J))
    return PriorDraws("normal", mu, sds[:, 0], theta, means, observation, sigma, beta, slope, sds[:, 1], rho)


def _random_row_x(rng: np.random.Generator, data: GroupedData, draws: int) -> np.ndarray:
    """(draws, J) the predictor of a random row of each group: where one simulated observation sits."""
    order = np.argsort(data.group_idx, kind="stable")
    n = np.bincount(data.group_idx, minlength=data.n_groups)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    pick = start + np.floor(rng.random((draws, data.n_groups)) * n).astype(int)
    return np.asarray(data.x, dtype=float)[order][pick]


def wide_logit_probabilities(draws: int = DRAWS, sd: float = WIDE_LOGIT_SD, seed: int = 0) -> np.ndarray:
    """(draws,) success probabilities expit(θ) implied by the wide prior θ ~ Normal(0, ``sd``)."""
    return expit(np.random.default_rng(seed).normal(0.0, sd, int(draws)))


def extreme_share(probabilities: np.ndarray, edge: float = EXTREME) -> float:
    """The share of ``probabilities`` below ``edge`` or above 1 − ``edge`` (NaN for none)."""
    p = np.asarray(probabilities, dtype=float).ravel()
    return float(np.mean((p < edge) | (p > 1 - edge))) if p.size else float("nan")


# ------------------------------------------------------------------------ the observed side


@dataclass(frozen=True)
class Observed:
    """The observed data summarised as the prior predictive draws are: one value per group.

    ``group_means`` (J,) the groups' means, estimates or proportions (outcome scale); ``label`` what
    they are, e.g. "group mean"; ``spread`` their sd (ddof 0), comparable with :meth:`PriorDraws.spread`.
    """

    group_means: np.ndarray
    label: str

    @property
    def spread(self) -> float:
        return float(np.std(self.group_means))

    @property
    def low(self) -> float:
        return float(np.min(self.group_means))

    @property
    def high(self) -> float:
        return float(np.max(self.group_means))


def observed_summary(data: GroupedData) -> Observed:
    """The observed group means (normal), estimates (known SE) or proportions (binomial)."""
    if data.family == "binomial":
        successes = np.bincount(data.group_idx, weights=data.y, minlength=data.n_groups)
        trials = np.bincount(data.group_idx, weights=data.trials, minlength=data.n_groups)
        return Observed(successes / trials, "proportion")
    if data.family == "known_se":
        return Observed(np.asarray(data.y, dtype=float), "estimate")
    return Observed(data.normal_summaries()[1], "group mean")


# ------------------------------------------------------------------------ tidy frames for charts

#: The quantiles each row of :func:`interval_frame` reports: 90% and 50% central intervals, median.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def interval_frame(draws: PriorDraws, observed: Observed) -> pd.DataFrame:
    """Where the priors put each quantity, on the outcome's scale: one row per quantity.

    Columns: ``quantity`` (a short label), ``order`` (0, 1, ...), ``q05``, ``q25``, ``q50``, ``q75``,
    ``q95``. Rows: the population mean μ, a group's true mean θ_j, a simulated group mean (or
    estimate, or proportion) and, for normal data, one simulated observation (with varying slopes
    θ_j is a group's intercept, its line at x = 0). Binomial data: μ and
    θ_j as probabilities expit(·), the scale of the observed proportions.
    """
    binomial = draws.family == "binomial"
    rows: list[tuple[str, np.ndarray]] = [
        ("population expit(μ)", expit(draws.mu)) if binomial else ("population mean μ", draws.mu),
        ("true expit(θ_j)", expit(draws.theta)) if binomial else (_theta_label(draws), draws.theta),
        (f"simulated {observed.label}", draws.group_means),
    ]
    if draws.observation is not None:
        rows.append(("one observation", draws.observation))
    out = []
    for order, (label, values) in enumerate(rows):
        v = np.asarray(values, dtype=float).ravel()
        q = np.quantile(v[np.isfinite(v)], QUANTILES)
        out.append(
            {
                "quantity": label,
                "order": order,
                **{_qname(p): float(x) for p, x in zip(QUANTILES, q, strict=True)},
            }
        )
    return pd.DataFrame(out)


def _theta_label(draws: PriorDraws) -> str:
    """θ_j's row label: a group's true mean, or with varying slopes its intercept (its line at x = 0)."""
    return "true mean θ_j" if draws.slope is None else "intercept θ_j (x = 0)"


def _qname(p: float) -> str:
    return f"q{round(100 * p):02d}"


def histogram_frame(values: dict[str, np.ndarray], bins: np.ndarray) -> pd.DataFrame:
    """Shares of each series' finite values in ``bins`` (edges, ascending): a tidy histogram.

    Values beyond the last edge go into the last bin and below the first into the first, so every
    draw counts (the chart says so). Columns: ``series``, ``start``, ``end``, ``share`` (of the
    series' draws, summing to 1), ``density`` (share per unit of the value).
    """
    edges = np.asarray(bins, dtype=float)
    frames = []
    for series, raw in values.items():
        v = np.asarray(raw, dtype=float).ravel()
        v = np.clip(v[np.isfinite(v)], edges[0], edges[-1])
        counts, _ = np.histogram(v, edges)
        share = counts / max(v.size, 1)
        frames.append(
            pd.DataFrame(
                {
                    "series": series,
                    "start": edges[:-1],
                    "end": edges[1:],
                    "share": share,
                    "density": share / np.diff(edges),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def spread_bins(spreads: np.ndarray, observed: float, bins: int = 40) -> np.ndarray:
    """Histogram edges for the spread between groups: from 0 to past the observed spread and to the
    prior's 95th percentile (a heavy tail beyond it goes into the last bin)."""
    s = np.asarray(spreads, dtype=float)
    s = s[np.isfinite(s)]
    top = max(float(np.quantile(s, 0.95)) if s.size else 0.0, 1.5 * observed)
    top = top if top > 0 else 1.0
    return np.linspace(0.0, top, bins + 1)


# ------------------------------------------------------------------------ "show the code"

#: numpy source of each proper family's draw of tau (the table's ``draw``), ``{s}`` the scale.
_TAU_CODE = {
    "half_normal": "np.abs(rng.normal(0.0, {s}, S))",
    "half_cauchy": "np.abs({s} * rng.standard_cauchy(S))",
    "exponential": "rng.exponential({s}, S)",
    "uniform": "rng.uniform(0.0, {s}, S)",
}


def _array(values: np.ndarray) -> str:
    """``values`` as the source of a numpy array, every number written so it reads back exactly."""
    return "np.array([" + ", ".join(repr(float(v)) for v in np.asarray(values).ravel()) + "])"


def script(
    data: GroupedData, priors: Priors, *, sigma: Sigma = "group", draws: int = DRAWS, seed: int = 0
) -> str:
    """A standalone numpy script that makes the same draws as :func:`draw_prior_predictive` (same
    seed, same numbers) and prints what the priors imply beside the observed data.

    The data enter as what the draws need of them (per group: sizes, trials, standard errors, the
    predictor's values) and the observed group statistic.
    """
    draw_prior_predictive(data, priors, sigma=sigma, draws=1, seed=seed)  # raises for what cannot be drawn
    J = data.n_groups
    observed = observed_summary(data)
    if data.varying_slope and data.x is not None:
        return _varying_slopes_script(data, priors, draws, seed) + _script_summary(observed.label)
    lines = [
        '"""Prior predictive check: what the priors alone imply (partial pooling).',
        "",
        f"mu ~ Normal({priors.mu_loc!r}, {priors.mu_scale!r}), tau ~ "
        f"{tau_prior(priors.tau_family).math_text(priors.tau_scale)}, theta_j ~ Normal(mu, tau)",
        '"""',
        "",
        "import numpy as np",
        "",
        f"S, J = {int(draws)}, {J}  # draws, groups",
        f"groups = {list(data.groups)!r}",
        f"observed = {_array(observed.group_means)}  # each group's {observed.label}",
        f"rng = np.random.default_rng({int(seed)})",
        f"mu = rng.normal({priors.mu_loc!r}, {priors.mu_scale!r}, S)",
        f"tau = {_TAU_CODE[priors.tau_family].format(s=repr(float(priors.tau_scale)))}",
        "theta = mu[:, None] + tau[:, None] * rng.standard_normal((S, J))  # the groups' true means",
    ]
    if data.x is not None:
        lines.append(f"beta = rng.normal(0.0, {priors.beta_scale!r}, S)  # the predictor's slope")
    if data.family == "binomial":
        trials = np.bincount(data.group_idx, weights=data.trials, minlength=J)
        lines += [
            f"trials = {_array(trials)}",
            "p = 1 / (1 + np.exp(-theta))  # logit scale -> probability",
            "simulated = rng.binomial(trials.astype(np.int64), p) / trials  # each group's proportion",
        ]
    elif data.family == "known_se":
        lines += [
            f"se = {_array(data.se)}",
            "simulated = theta + se * rng.standard_normal((S, J))  # each group's estimate",
        ]
    else:
        shared = sigma == "shared" or data.x is not None
        n = np.bincount(data.group_idx, minlength=J)
        lines += [
            f"n = {_array(n)}",
            f"sigma = np.abs(rng.normal(0.0, {priors.sigma_scale!r}, {'S' if shared else '(S, J)'}))",
        ]
        lines.append("sigma_j = np.broadcast_to(sigma[:, None], (S, J))" if shared else "sigma_j = sigma")
        location, row_location = "theta", "theta"
        if data.x is not None:
            order = np.argsort(data.group_idx, kind="stable")
            lines += [
                f"x = {_array(np.asarray(data.x)[order])}  # the predictor, rows sorted by group",
                "start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(int)",
                "x_bar = np.add.reduceat(x, start) / n",
                "x_row = x[start + np.floor(rng.random((S, J)) * n).astype(int)]  # a random row per group",
            ]
            location, row_location = "(theta + beta[:, None] * x_bar)", "(theta + beta[:, None] * x_row)"
        lines += [
            f"simulated = {location} + sigma_j / np.sqrt(n) * rng.standard_normal((S, J))  # group means",
            f"observation = {row_location} + sigma_j * rng.standard_normal((S, J))  # one observation each",
        ]
    return "\n".join(lines) + "\n" + _script_summary(observed.label)


def _script_summary(label: str) -> str:
    """The script's closing lines: where the draws lie, beside the observed ``label``s."""
    lines = [
        "",
        "q = lambda v: np.quantile(v, [0.05, 0.5, 0.95])",
        'print("90% interval and median of the prior draws")',
        'print("  mu        ", q(mu))',
        'print("  tau       ", q(tau))',
        'print("  theta_j   ", q(theta))',
        f'print("  simulated {label}", q(simulated))',
        f'print("observed {label}s from", observed.min(), "to", observed.max())',
        "spread = simulated.std(axis=1)  # each draw's spread between the groups",
        'print("share of draws spread further apart than observed:", np.mean(spread > observed.std()))',
    ]
    return "\n".join(lines) + "\n"


def _varying_slopes_script(data: GroupedData, priors: Priors, draws: int, seed: int) -> str:
    """The draws of :func:`_draw_varying_slopes` as numpy source, in the same order (same numbers)."""
    J = data.n_groups
    order = np.argsort(data.group_idx, kind="stable")
    lines = [
        '"""Prior predictive check: what the priors alone imply (varying intercepts and slopes).',
        "",
        f"mu ~ Normal({priors.mu_loc!r}, {priors.mu_scale!r}), beta ~ Normal(0, {priors.beta_scale!r}), "
        f"sd_intercept and sd_slope ~ HalfNormal({priors.tau_scale!r}) each,",
        f"rho from LKJ(eta = {LKJ_ETA:g}), (theta_j, slope_j) = (mu, beta) + L z_j, "
        f"sigma ~ HalfNormal({priors.sigma_scale!r})",
        '"""',
        "",
        "import numpy as np",
        "",
        f"S, J = {int(draws)}, {J}  # draws, groups",
        f"groups = {list(data.groups)!r}",
        f"observed = {_array(observed_summary(data).group_means)}  # each group's group mean",
        f"n = {_array(np.bincount(data.group_idx, minlength=J))}",
        f"x = {_array(np.asarray(data.x)[order])}  # the predictor, rows sorted by group",
        "start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(int)",
        "x_bar = np.add.reduceat(x, start) / n",
        f"rng = np.random.default_rng({int(seed)})",
        f"mu = rng.normal({priors.mu_loc!r}, {priors.mu_scale!r}, S)  # mean intercept",
        f"beta = rng.normal(0.0, {priors.beta_scale!r}, S)  # mean slope",
        f"sds = np.abs(rng.normal(0.0, {priors.tau_scale!r}, (S, 2)))  # sd of intercepts, sd of slopes",
        "# LKJ(eta) on a 2x2 correlation matrix: (rho + 1) / 2 ~ Beta(eta, eta)",
        f"rho = 2.0 * rng.beta({LKJ_ETA!r}, {LKJ_ETA!r}, S) - 1.0",
        "z = rng.standard_normal((S, J, 2))",
        "tau = sds[:, 0]",
        "# L z with L = [[sd_i, 0], [rho sd_s, sqrt(1 - rho^2) sd_s]], the Cholesky factor of the covariance",
        "theta = mu[:, None] + sds[:, :1] * z[..., 0]  # the groups' intercepts",
        "r = rho[:, None]",
        "slope = beta[:, None] + sds[:, 1:] * (r * z[..., 0] + np.sqrt(1.0 - r**2) * z[..., 1])",
        f"sigma = np.abs(rng.normal(0.0, {priors.sigma_scale!r}, S))  # one residual sd shared by all groups",
        "# each group's mean: its line at the mean of its own x, plus the noise of n_j rows' mean",
        "simulated = theta + slope * x_bar + sigma[:, None] / np.sqrt(n) * rng.standard_normal((S, J))",
        "x_row = x[start + np.floor(rng.random((S, J)) * n).astype(int)]  # a random row per group",
        "observation = theta + slope * x_row + sigma[:, None] * rng.standard_normal((S, J))  # one row each",
    ]
    return "\n".join(lines) + "\n"
