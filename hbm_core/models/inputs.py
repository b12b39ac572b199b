"""What goes into a model: its structure for a data set, and the values of its ``pm.Data`` containers.

:func:`spec_for` picks the :class:`~hbm_core.models.build.ModelSpec` a data set needs (family,
predictor, observation sd and a group capacity from :func:`capacity_for`, so similar data sets
share one compiled model). :func:`model_inputs` gives a value for every ``pm.Data`` container of
that model, padded to its capacity; :func:`check_inputs` refuses what MCMC cannot fit.

**Model units.** The sampler never sees a normal-family outcome in its own units:
:func:`model_units` picks a location m and a scale s from the data, :func:`to_model_units` turns the
inputs into y' = (y - m) / s (with every prior parameter in the same units) and
:meth:`Units.to_outcome` turns the draws back (location m + s x, sd and slope s x) before anything
else sees them. See :class:`Units` for why and for the exactness of the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.models.build import MAX_GROUPS, ModelSpec, Pooling, uses_group_summaries
from hbm_core.priors import Priors

if TYPE_CHECKING:
    import xarray as xr


def capacity_for(n_groups: int) -> int:
    """Group capacity to compile for: 12 covers the Explore page's slider; larger data sets round up
    to a multiple of 8 so similar uploads share a compiled model."""
    if n_groups <= MAX_GROUPS:
        return MAX_GROUPS
    return int(np.ceil(n_groups / 8) * 8)


def spec_for(
    data: GroupedData,
    pooling: Pooling,
    *,
    tau_family: str = "half_normal",
    sigma: str | None = None,
    capacity: int | None = None,
) -> ModelSpec:
    """The model structure for ``data``: family, predictor and capacity follow the data.

    Normal data get one sd per group unless there is a predictor (radon: one shared sd) or
    ``sigma`` says otherwise. A group-level predictor (``data.u``) and a varying slope
    (``data.varying_slope``) enter partial pooling only.
    """
    if sigma is None:
        sigma = "shared" if data.x is not None else "group"
    return ModelSpec(
        family=data.family,
        pooling=pooling,
        n_groups=capacity or capacity_for(data.n_groups),
        sigma=sigma,
        predictor=data.x is not None,
        tau_family=tau_family,
        group_predictor=data.u is not None,
        varying_slope=data.varying_slope,
    )


def model_inputs(
    data: GroupedData,
    spec: ModelSpec,
    priors: Priors,
    centered: np.ndarray | None = None,
    graph: ModelSpec | None = None,
) -> dict[str, np.ndarray]:
    """Values for every data field of the model ``graph`` (default ``spec.own``: the pooling's own
    graph; or ``spec.shared``, the graph the three poolings share, or ``spec.widest``, which also has
    a group-level predictor: u = 0 for a fit without one), padded to its group capacity, to fit
    ``spec``'s pooling."""
    graph = spec.own if graph is None else graph
    if graph not in spec.graphs:
        raise ValueError(f"a {spec.pooling} fit cannot run on the model of {graph}")
    if data.n_groups > spec.n_groups:
        raise DataError(f"{data.n_groups} groups do not fit a model compiled for {spec.n_groups}.")
    if uses_group_summaries(spec):
        inputs = group_summary_inputs(data, spec)
    else:
        inputs = {
            "group_idx": np.asarray(data.group_idx, dtype="int64"),
            "y": np.asarray(data.y, dtype=float),
        }
    inputs["mu_loc"] = np.asarray(priors.mu_loc, dtype=float)
    inputs["mu_scale"] = np.asarray(priors.mu_scale, dtype=float)
    if graph.pooling == "hierarchical":
        inputs["tau_scale"] = np.asarray(priors.tau_scale, dtype=float)
        if not graph.varying_slope:  # that one is always non-centered (Cholesky): no centring weights
            inputs.update(pooling_inputs(spec, data.n_groups, centered))
    if graph.group_predictor:
        u = np.zeros(spec.n_groups)  # padding groups, and every group of a fit without a predictor
        if spec.group_predictor:
            if data.u is None:
                raise DataError("This model needs a group-level predictor (one value per group).")
            u[: data.n_groups] = np.asarray(data.u, dtype=float)
        inputs["u"] = u
        # The group-level slope shares the prior scale of the individual-level slope: both are
        # changes of the outcome per unit of a predictor.
        inputs["gamma_scale"] = np.asarray(priors.beta_scale, dtype=float)
    if spec.predictor:
        inputs["x"] = np.asarray(data.x, dtype=float)
        inputs["beta_scale"] = np.asarray(priors.beta_scale, dtype=float)
    if spec.family == "binomial":
        inputs["trials"] = np.asarray(data.trials, dtype=float)
    elif spec.family == "known_se":
        inputs["se"] = np.asarray(data.se, dtype=float)[data.group_idx]
    else:
        inputs["sigma_scale"] = np.asarray(priors.sigma_scale, dtype=float)
    return inputs


def pooling_inputs(
    spec: ModelSpec, n_groups: int, centered: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The data that choose ``spec.pooling`` in the graph the three poolings share (see
    :mod:`hbm_core.models.build`): ``population`` and ``spread`` (scalars, 0 or 1) and the centring
    weights ``centered`` (K,). Partial pooling takes the weights of its ``n_groups`` groups in use
    from ``centered`` (default: all non-centered); padding groups are non-centered, i.e. independent
    N(0, 1). No pooling is centred (theta_j ~ Normal(mu_loc, mu_scale) itself); complete pooling is
    non-centred with no spread, so every theta_j is mu and its theta_raw are unused N(0, 1)."""
    weights = np.zeros(spec.n_groups)
    if spec.pooling == "hierarchical":
        if centered is not None:
            weights[:n_groups] = centered
    elif spec.pooling == "unpooled":
        weights[:] = 1.0
    return {
        "centered": weights,
        "population": np.asarray(0.0 if spec.pooling == "unpooled" else 1.0),
        "spread": np.asarray(0.0 if spec.pooling == "pooled" else 1.0),
    }


#: Stand-in degrees of freedom for the sum of squares of an unused group (see ``hbm_core.models.build``).
PADDING_DF = 10.0


def group_summary_inputs(data: GroupedData, spec: ModelSpec) -> dict[str, np.ndarray]:
    """Each group's size, mean and within-group sum of squares, for normal data (shapes (J,), (m,)).

    Unused groups of a model with one sigma per group get a stand-in sum of squares of
    ``PADDING_DF`` observations with the data's overall sd, so their (discarded) sigma has a
    well-shaped posterior instead of its bare half-normal prior, which costs NUTS twice the steps.
    """
    J, K = data.n_groups, spec.n_groups
    n, ybar, ss = data.normal_summaries()  # every group has at least one observation
    n = n.astype(float)
    ss_group = np.flatnonzero(n >= 2)
    ss_df, ss_values = n[ss_group] - 1, ss[ss_group]
    if spec.sigma == "group" and K > J:
        spread = float(np.std(data.y)) or 1.0  # 0 for a single value or constant data
        ss_group = np.concatenate([ss_group, np.arange(J, K)])
        ss_df = np.concatenate([ss_df, np.full(K - J, PADDING_DF)])
        ss_values = np.concatenate([ss_values, np.full(K - J, PADDING_DF * spread**2)])
    return {
        "group_idx": np.arange(J, dtype="int64"),
        "n": n,
        "ybar": ybar,
        "ss_group": ss_group.astype("int64"),
        "ss_df": ss_df,
        "ss": ss_values,
    }


def check_inputs(data: GroupedData, priors: Priors) -> None:
    """Raise :class:`DataError` for what MCMC cannot fit: improper priors, bad scales, missing values."""
    if priors.tau_family == "flat" or not np.isfinite(priors.mu_scale):
        raise DataError(
            "MCMC needs proper priors: choose a finite prior scale for mu and a tau prior other than 'flat'."
        )
    for name in ("mu_scale", "tau_scale", "sigma_scale", "beta_scale"):
        if not getattr(priors, name) > 0:
            raise DataError(f"The prior scale {name} must be positive.")
    if not np.all(np.isfinite(data.y)):
        raise DataError("The outcome has missing or infinite values.")
    # The models skip PyMC's run-time parameter checks (build_model: check_bounds=False), so data
    # that are a distribution's parameters are checked here.
    if data.family == "known_se":
        se = np.asarray(data.se if data.se is not None else [], dtype=float)
        if se.shape != (data.n_groups,) or not np.all(np.isfinite(se) & (se > 0)):
            raise DataError("Every group needs a positive, finite standard error.")
    if data.family == "binomial":
        trials = np.asarray(data.trials if data.trials is not None else [], dtype=float)
        if trials.shape != np.shape(data.y) or not np.all(np.isfinite(trials) & (trials >= 0)):
            raise DataError("Every row needs a number of trials of 0 or more.")
        if np.any((data.y < 0) | (data.y > trials)):
            raise DataError("Successes must lie between 0 and the number of trials.")
    if data.varying_slope and data.x is None:
        raise DataError("A varying slope needs an individual-level predictor x.")
    if data.u is not None:
        u = np.asarray(data.u, dtype=float)
        if u.shape != (data.n_groups,):
            raise DataError(
                f"The group-level predictor needs one value per group: {u.size} values for "
                f"{data.n_groups} groups."
            )
        if not np.all(np.isfinite(u)):
            raise DataError("The group-level predictor has missing or infinite values.")


# ----------------------------------------------------------------------------- model units


#: Posterior variables that are locations on the outcome's scale (x -> m + s x).
LOCATION_VARIABLES = frozenset({"mu", "theta"})
#: Posterior variables in units of the outcome without its location: sds and the slopes (x -> s x).
SCALE_VARIABLES = frozenset({"tau", "sigma", "beta", "gamma", "theta_slope", "tau_slope", "chol_cov"})
#: Posterior variables without units, unchanged: a correlation, standard normal draws.
UNITLESS_VARIABLES = frozenset({"rho", "z"})
#: Inputs that are locations, and inputs that are sds or scales, on the outcome's scale.
_LOCATION_INPUTS = ("y", "ybar", "mu_loc")
_SCALE_INPUTS = ("se", "mu_scale", "tau_scale", "sigma_scale", "beta_scale", "gamma_scale")


@dataclass(frozen=True)
class Units:
    """The units the sampler works in: y' = (y - location) / scale, for normal-family outcomes.

    Why. One model is compiled per structure with placeholder data, and nutpie starts every chain
    at the initial point of the model *as compiled* (PyMC's initial point for the placeholder
    priors, mu near 0 and sds near 10, jittered by +-1 on the unconstrained scale): swapping in
    other data does not move it (nutpie's ``init_mean`` is ignored for PyMC models), and NUTS's
    step size and mass matrix adapt from there. Data around 1e6 (500 tuning steps do not walk from
    0 to 1e6: 1140 divergences, R-hat 3.5) or 1e-6 wide (a posterior a millionth of the initial
    step) failed. In model units every data set is centred near 0 with spread near 1, where the
    start and the adaptation work whatever the outcome's units, and every page (Explore, Your data,
    the CLI, real data) gets this from the engine. The other design considered, a per-fit initial
    point for the new data, fixes the start but leaves the adaptation at scales of 1e-6 or 1e6 to
    nutpie, and needs a second compiled function per structure; this one costs a few array
    operations per fit (0.1 ms for the inputs, 1-3 ms to turn radon's 2 x 1000 draws of 85 groups
    back, next to a fit's 0.3-1 s) and no more leapfrog steps on data that sampled well before.

    Exactness. The change of units is affine and fixed before sampling (m, s come from the data,
    not from the draws), and every prior is transformed with it: mu ~ Normal(mu_loc, mu_scale)
    becomes mu' ~ Normal((mu_loc - m) / s, mu_scale / s), the same for theta without pooling;
    every tau family is a scale family (half-normal, half-Cauchy, exponential, uniform on (0, u):
    the scale s_tau becomes s_tau / s); sigma ~ HalfNormal(sigma_scale / s); a slope on an
    unchanged predictor x, beta ~ Normal(0, beta_scale / s), and on an unchanged group-level
    predictor u, gamma ~ Normal(0, gamma_scale / s) (then theta_j' ~ Normal(mu' + gamma' u_j, tau'),
    the same line in model units); known standard errors se / s; the
    within-group sums of squares ss / s^2. So the posterior of (m + s mu', s tau', m + s theta',
    s sigma', s beta', s gamma') is exactly the posterior of (mu, tau, theta, sigma, beta) of the model in the
    outcome's units; only the sampler's coordinates differ. The log density differs by a constant
    (the Jacobian, -log s per observation and per location or scale parameter), which NUTS ignores.
    ``theta_raw`` of partial pooling is theta for centred groups and the unitless z for
    non-centred ones, and is turned back accordingly.

    Attributes: ``location`` m and ``scale`` s > 0, in the outcome's units. The default (0, 1)
    is the identity (binomial data, whose logit scale needs no change).
    """

    location: float = 0.0
    scale: float = 1.0

    @property
    def identity(self) -> bool:
        """Whether model units are the outcome's units."""
        return self.location == 0.0 and self.scale == 1.0

    def to_outcome(self, posterior: xr.Dataset, centered: np.ndarray | None = None) -> xr.Dataset:
        """``posterior`` (draws in model units, dims (chain, draw[, group])) in the outcome's units.

        mu and theta become m + s x; tau, sigma, beta and gamma s x (and a varying slope's
        theta_slope, tau_slope and Cholesky factor chol_cov; its rho and z stay); ``theta_raw``
        m + s x for centred groups (weight 1 in ``centered``, shape (K,) or (J,) matching its
        group dim; required when theta_raw is present) and stays for non-centred ones (weight 0).
        Raises ValueError for a variable whose units are not known here, so a new parameter cannot
        slip through in model units. Returns a new Dataset; ``posterior`` is untouched.
        """
        if self.identity:
            return posterior
        m, s = self.location, self.scale
        values = {}  # plain numpy: xarray's arithmetic costs ~20 ms here for radon's 85 groups
        for name, draws in posterior.data_vars.items():
            x = draws.values
            if name in LOCATION_VARIABLES:
                values[name] = m + s * x
            elif name in SCALE_VARIABLES:
                values[name] = s * x
            elif name in UNITLESS_VARIABLES:
                values[name] = x
            elif name == "theta_raw":
                if centered is None:
                    raise ValueError("theta_raw needs the centring weights to be turned back")
                w = np.asarray(centered, dtype=float)
                if w.shape != x.shape[-1:]:
                    raise ValueError(f"centered has shape {w.shape}, theta_raw groups {x.shape[-1:]}")
                values[name] = w * (m + s * x) + (1 - w) * x
            else:
                raise ValueError(f"no outcome units known for the posterior variable {name!r}")
        return posterior.copy(data=values)  # same dims, coords and attrs


def model_units(data: GroupedData) -> Units:
    """The units the sampler works in for ``data`` (see :class:`Units`).

    Normal outcomes: m the mean and s the sd of all rows (between- and within-group spread);
    known standard errors: m the mean of the estimates and s = sqrt(var(y) + mean(se^2)), the
    spread of one estimate; binomial: the identity. Where s is 0 (one row, constant data) it is
    |m|, or 1 for all-zero data; where m or s is not finite (values near 1e308) the identity.
    """
    if data.family == "binomial":
        return Units()
    y = np.asarray(data.y, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        location = float(np.mean(y))
        spread = float(np.var(y))
        if data.family == "known_se":
            spread += float(np.mean(np.asarray(data.se, dtype=float) ** 2))
        scale = float(np.sqrt(spread))
    if not (np.isfinite(location) and np.isfinite(scale)):
        return Units()
    if not scale > 0:
        scale = abs(location) or 1.0
    return Units(location, scale)


def to_model_units(inputs: Mapping[str, np.ndarray], units: Units) -> dict[str, np.ndarray]:
    """The inputs of :func:`model_inputs` in model units (see :class:`Units`): outcomes and
    ``mu_loc`` become (v - m) / s; standard errors and prior scales v / s; sums of squares ss / s^2;
    counts, indices, the predictors x and u and the centring weights stay. A new dict; ``inputs`` is
    untouched."""
    out = dict(inputs)
    if units.identity:
        return out
    m, s = units.location, units.scale
    for name in _LOCATION_INPUTS:
        if name in out:
            out[name] = (np.asarray(out[name], dtype=float) - m) / s
    for name in _SCALE_INPUTS:
        if name in out:
            out[name] = np.asarray(out[name], dtype=float) / s
    if "ss" in out:
        out["ss"] = np.asarray(out["ss"], dtype=float) / s**2
    return out
