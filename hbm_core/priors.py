"""Prior settings shared by the PyMC models and the exact engine.

Every model uses the same names so the pages can show one prior panel:

- population mean  ``mu ~ Normal(mu_loc, mu_scale)`` (``mu_scale = inf`` means flat, exact engine only)
- between-group sd ``tau ~ tau_family(tau_scale)`` (the families: :data:`TAU_PRIORS`)
- observation sd   ``sigma ~ HalfNormal(sigma_scale)`` (normal outcomes)
- common slope     ``beta ~ Normal(0, beta_scale)`` (models with a predictor)

For binomial models these priors live on the logit scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from pytensor.tensor import TensorVariable

TauFamily = Literal["half_normal", "half_cauchy", "exponential", "uniform", "flat"]


def _half_normal_pdf(tau: np.ndarray, s: float) -> np.ndarray:
    from scipy.stats import halfnorm  # scipy.stats takes half a second to import: only when drawn

    return halfnorm.pdf(tau, scale=s)


def _half_cauchy_pdf(tau: np.ndarray, s: float) -> np.ndarray:
    from scipy.stats import halfcauchy

    return halfcauchy.pdf(tau, scale=s)


@dataclass(frozen=True)
class TauPrior:
    """One family of prior on tau, as every part of the app uses it.

    All functions take ``tau`` (array, any shape, units of the outcome or the logit scale) and
    the family's scale ``s > 0`` in the same units, and work elementwise.

    - ``math``: the right-hand side of ``tau ~ ...`` for the pages, ``{scale:g}`` standing for s;
    - ``log_density``: ``log p(tau)`` up to a constant, for ``tau >= 0`` (the exact engine);
    - ``density``: the normalised ``p(tau)`` per unit of tau, 0 for ``tau < 0``; None if improper;
    - ``pymc`` and ``pymc_args``: the PyMC distribution and its keyword arguments (a value of
      None is the scale), from which both the app's model (:meth:`build`) and the generated
      script (:meth:`code`) are made, so the two cannot differ; ``pymc`` None: exact engine only;
    - ``code_comment``: a comment after that line in the script, ``{scale:g}`` standing for s;
    - ``tail_exponent``: ``a`` with ``p(tau) ~ tau^(-a)`` as tau -> inf (inf: lighter than any power);
    - ``upper``: the end of the support in units of s (inf: unbounded);
    - ``draw``: ``draw(rng, s, size)``, independent draws of tau from the prior (numpy, for the
      prior predictive check); None if improper.
    """

    family: TauFamily
    math: str
    log_density: Callable[[np.ndarray, float], np.ndarray]
    density: Callable[[np.ndarray, float], np.ndarray] | None
    pymc: str | None
    pymc_args: tuple[tuple[str, float | None], ...] = ()
    code_comment: str = ""
    tail_exponent: float = np.inf
    upper: float = np.inf
    draw: Callable[[np.random.Generator, float, int | tuple[int, ...]], np.ndarray] | None = None

    @property
    def proper(self) -> bool:
        """Whether the prior integrates to one (then it also has a scale); only ``flat`` does not."""
        return self.density is not None

    def math_text(self, scale: float) -> str:
        """E.g. ``HalfNormal(10)``: what follows ``tau ~`` on the pages."""
        return self.math.format(scale=scale)

    def _kwargs(self, scale: float | str | TensorVariable) -> dict[str, float | str | TensorVariable]:
        """Keyword arguments of the PyMC distribution, the scale put in where the table has None."""
        if self.pymc is None:
            raise ValueError(
                f"tau prior {self.family!r} cannot be sampled with MCMC; "
                f"choose one of {', '.join(TAU_FAMILIES)}"
            )
        return {name: scale if value is None else value for name, value in self.pymc_args}

    def build(self, scale: float | TensorVariable) -> TensorVariable:
        """The PyMC variable ``tau`` in the model being built (call inside ``with pm.Model()``).

        ``scale``: a number or a tensor (the model's ``pm.Data`` container ``tau_scale``).
        """
        import pymc as pm  # PyMC takes seconds to import: the pages' exact previews do not wait for it

        kwargs = self._kwargs(scale)  # raises first for a family MCMC cannot sample
        return getattr(pm, self.pymc)("tau", **kwargs)

    def code(self, scale: float) -> str:
        """The Python source of :meth:`build` for the generated script, e.g.
        ``pm.HalfNormal("tau", sigma=10.0)``; numbers are written with ``repr`` so they read back exactly."""
        kwargs = self._kwargs(repr(float(scale)))
        args = ", ".join(f"{name}={v if isinstance(v, str) else repr(v)}" for name, v in kwargs.items())
        comment = f"  # {self.code_comment.format(scale=scale)}" if self.code_comment else ""
        return f'pm.{self.pymc}("tau", {args}){comment}'


#: The priors on tau, one entry per family (the order of the pages' and the CLI's choices).
TAU_PRIORS: dict[str, TauPrior] = {
    p.family: p
    for p in (
        TauPrior(
            family="half_normal",
            math="HalfNormal({scale:g})",
            log_density=lambda t, s: -0.5 * (t / s) ** 2,
            density=_half_normal_pdf,
            pymc="HalfNormal",
            pymc_args=(("sigma", None),),
            draw=lambda rng, s, size: np.abs(rng.normal(0.0, s, size)),
        ),
        TauPrior(
            family="half_cauchy",
            math="HalfCauchy({scale:g})",
            log_density=lambda t, s: -np.log1p((t / s) ** 2),
            density=_half_cauchy_pdf,
            pymc="HalfCauchy",
            pymc_args=(("beta", None),),
            tail_exponent=2.0,
            draw=lambda rng, s, size: np.abs(s * rng.standard_cauchy(size)),
        ),
        TauPrior(
            family="exponential",
            math="Exponential(mean {scale:g})",
            log_density=lambda t, s: -t / s,
            density=lambda t, s: np.where(t >= 0, np.exp(-np.maximum(t, 0) / s) / s, 0.0),
            pymc="Exponential",
            pymc_args=(("scale", None),),
            code_comment="mean {scale:g}",
            draw=lambda rng, s, size: rng.exponential(s, size),
        ),
        TauPrior(
            family="uniform",
            math="Uniform(0, {scale:g})",
            log_density=lambda t, s: np.where(t <= s, 0.0, -np.inf),
            density=lambda t, s: np.where((t >= 0) & (t <= s), 1.0 / s, 0.0),
            pymc="Uniform",
            pymc_args=(("lower", 0.0), ("upper", None)),
            upper=1.0,
            draw=lambda rng, s, size: rng.uniform(0.0, s, size),
        ),
        # BDA3 section 5.4's p(tau) ∝ 1: improper, no scale, so the exact engine only.
        TauPrior(
            family="flat",
            math="flat on (0, ∞)",
            log_density=lambda t, s: np.zeros_like(t),
            density=None,
            pymc=None,
            tail_exponent=0.0,
        ),
    )
}

#: The families MCMC can sample (all but ``flat``).
TAU_FAMILIES: tuple[str, ...] = tuple(f for f, p in TAU_PRIORS.items() if p.pymc is not None)


def tau_prior(family: str) -> TauPrior:
    """The :data:`TAU_PRIORS` entry of ``family``; ValueError for an unknown family."""
    if family not in TAU_PRIORS:
        raise ValueError(f"unknown tau prior family {family!r}")
    return TAU_PRIORS[family]


@dataclass(frozen=True)
class Priors:
    """Prior hyperparameters (all on the outcome's scale, or the logit scale for binomial).

    ``tau_family`` is a key of :data:`TAU_PRIORS`: half-normal, half-Cauchy, exponential with mean
    ``tau_scale``, uniform on (0, ``tau_scale``), or BDA3's improper flat prior (exact engine only).
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
        tau = tau_prior(self.tau_family).math_text(self.tau_scale)
        loc = number_text(self.mu_loc)
        mu = "flat" if not np.isfinite(self.mu_scale) else f"Normal({loc}, {self.mu_scale:g})"
        return f"mu ~ {mu}, tau ~ {tau}, sigma ~ HalfNormal({self.sigma_scale:g})"


def number_text(value: float) -> str:
    """``value`` as short as ``:g`` writes it, with every digit it needs to read back the same
    (``1000003.3``, not ``1e+06``)."""
    text = f"{float(value):g}"
    return text if float(text) == float(value) else repr(float(value))


def tau_log_prior(tau: np.ndarray, priors: Priors) -> np.ndarray:
    """Log prior density of tau (up to a constant), elementwise; -inf outside the support."""
    tau = np.asarray(tau, dtype=float)
    log_density = tau_prior(priors.tau_family).log_density
    with np.errstate(divide="ignore"):
        out = log_density(tau, priors.tau_scale)
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


def outcome_priors(y: np.ndarray, x: np.ndarray | None = None) -> Priors:
    """Weakly informative priors for a normal outcome, centred and scaled on the data themselves.

    ``mu ~ Normal(mean(y), 2.5 sd(y))``, ``tau`` and ``sigma`` half-normal with scale ``2 sd(y)``,
    ``beta ~ Normal(0, 2.5 sd(y) / sd(x))``: the same priors in any units, so data around 1e6 or
    3e-6 get the priors that data around 0 in units of 1 get (no floors, no centre fixed at 0).
    """
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    center = float(np.mean(y)) if y.size else 0.0
    spread = float(np.std(y)) if y.size > 1 else 0.0
    if not spread > 0:
        spread = abs(center) if center != 0 else 1.0
    beta_scale = 2.5 * spread
    if x is not None:
        x = np.asarray(x, dtype=float)
        x_spread = float(np.std(x[np.isfinite(x)])) if x.size > 1 else 0.0
        if x_spread > 0:
            beta_scale = 2.5 * spread / x_spread
    return Priors(
        mu_loc=center,
        mu_scale=2.5 * spread,
        tau_scale=2.0 * spread,
        sigma_scale=2.0 * spread,
        beta_scale=beta_scale,
    )
