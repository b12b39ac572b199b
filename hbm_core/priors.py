"""Prior settings shared by the PyMC models and the exact engine.

Every model uses the same names so the pages can show one prior panel:

- population mean  ``mu ~ Normal(mu_loc, mu_scale)`` (``mu_scale = inf`` means flat, exact engine only)
- between-group sd ``tau ~ tau_family(tau_scale)``
- observation sd   ``sigma ~ HalfNormal(sigma_scale)`` (normal outcomes)
- common slope     ``beta ~ Normal(0, beta_scale)`` (models with a predictor)

For binomial models these priors live on the logit scale.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

TauFamily = Literal["half_normal", "half_cauchy", "exponential", "uniform", "flat"]
TAU_FAMILIES: tuple[str, ...] = ("half_normal", "half_cauchy", "exponential", "uniform")


@dataclass(frozen=True)
class Priors:
    """Prior hyperparameters (all on the outcome's scale, or the logit scale for binomial).

    ``tau_family``:
      - ``half_normal``: HalfNormal(sigma=tau_scale)
      - ``half_cauchy``: HalfCauchy(beta=tau_scale)
      - ``exponential``: Exponential with mean tau_scale (rate 1/tau_scale)
      - ``uniform``: Uniform(0, tau_scale)
      - ``flat``: improper p(tau) ∝ 1 on (0, ∞) (BDA3 section 5.4; exact engine only)
    """

    mu_loc: float = 0.0
    mu_scale: float = 10.0
    tau_family: TauFamily = "half_normal"
    tau_scale: float = 10.0
    sigma_scale: float = 10.0
    beta_scale: float = 10.0

    def with_(self, **changes) -> Priors:
        return replace(self, **changes)

    def describe(self) -> str:
        """One line of math for the page, e.g. ``mu ~ Normal(0, 10), tau ~ HalfNormal(10)``."""
        tau = {
            "half_normal": f"HalfNormal({self.tau_scale:g})",
            "half_cauchy": f"HalfCauchy({self.tau_scale:g})",
            "exponential": f"Exponential(mean {self.tau_scale:g})",
            "uniform": f"Uniform(0, {self.tau_scale:g})",
            "flat": "flat on (0, ∞)",
        }[self.tau_family]
        mu = "flat" if not np.isfinite(self.mu_scale) else f"Normal({self.mu_loc:g}, {self.mu_scale:g})"
        return f"mu ~ {mu}, tau ~ {tau}, sigma ~ HalfNormal({self.sigma_scale:g})"


def tau_log_prior(tau: np.ndarray, priors: Priors) -> np.ndarray:
    """Log prior density of tau (up to a constant), elementwise; -inf outside the support."""
    tau = np.asarray(tau, dtype=float)
    s = priors.tau_scale
    with np.errstate(divide="ignore"):
        if priors.tau_family == "half_normal":
            out = -0.5 * (tau / s) ** 2
        elif priors.tau_family == "half_cauchy":
            out = -np.log1p((tau / s) ** 2)
        elif priors.tau_family == "exponential":
            out = -tau / s
        elif priors.tau_family == "uniform":
            out = np.where(tau <= s, 0.0, -np.inf)
        elif priors.tau_family == "flat":
            out = np.zeros_like(tau)
        else:
            raise ValueError(f"unknown tau prior family {priors.tau_family!r}")
    return np.where(tau >= 0, out, -np.inf)


def default_priors(y: np.ndarray, family: str = "normal") -> Priors:
    """Weakly informative defaults scaled to the data.

    Normal outcomes: centred on 0 with scales of ``max(10, 2.5 * (|mean| + sd))`` for mu, and
    ``max(1, 2 * sd)``-ish for tau and sigma, so that any slider setting stays in the prior's bulk.
    Binomial (logit scale): mu ~ Normal(0, 1.5), tau ~ HalfNormal(1) (McElreath-style).
    """
    if family == "binomial":
        return Priors(mu_loc=0.0, mu_scale=1.5, tau_family="half_normal", tau_scale=1.0)
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    center = float(np.mean(y)) if y.size else 0.0
    spread = float(np.std(y)) if y.size > 1 else 1.0
    spread = spread if spread > 0 else 1.0
    mu_scale = float(max(10.0, 2.5 * (abs(center) + spread)))
    scale = float(max(1.0, 2.0 * spread))
    return Priors(mu_loc=0.0, mu_scale=mu_scale, tau_scale=scale, sigma_scale=scale, beta_scale=mu_scale)
