"""What goes into a model: its structure for a data set, and the values of its ``pm.Data`` containers.

:func:`spec_for` picks the :class:`~hbm_core.models.build.ModelSpec` a data set needs (family,
predictor, observation sd and a group capacity from :func:`capacity_for`, so similar data sets
share one compiled model). :func:`model_inputs` gives a value for every ``pm.Data`` container of
that model, padded to its capacity; :func:`check_inputs` refuses what MCMC cannot fit.
"""

from __future__ import annotations

import numpy as np

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.models.build import MAX_GROUPS, ModelSpec, Pooling, uses_group_summaries
from hbm_core.priors import Priors


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
    ``sigma`` says otherwise.
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
    )


def model_inputs(
    data: GroupedData, spec: ModelSpec, priors: Priors, centered: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Values for every ``pm.Data`` container of ``spec``'s model, padded to its group capacity."""
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
    if spec.pooling == "hierarchical":
        weights = np.zeros(spec.n_groups)  # padding groups: non-centered, i.e. independent N(0, 1)
        if centered is not None:
            weights[: data.n_groups] = centered
        inputs["centered"] = weights
        inputs["tau_scale"] = np.asarray(priors.tau_scale, dtype=float)
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
