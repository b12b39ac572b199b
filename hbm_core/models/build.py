"""PyMC models for the three poolings, written to read like the math.

Every model is built from a :class:`ModelSpec` (its *structure*: what needs a recompile)
and takes all data and prior scales as named data fields (packed into two ``pm.Data``
containers by :mod:`hbm_core.models.data_block`, which halves nutpie's compile time), so one
compiled model serves any data set of that structure. Group-level vectors have ``spec.n_groups`` entries,
a capacity that may exceed the groups in use: unused groups get no observations, only
see their prior, and are sliced off before summaries. The fit service fills the containers in
*model units* (a normal outcome and its priors centred and scaled by
:class:`hbm_core.models.inputs.Units`, the draws turned back after sampling), so the placeholder
point where nutpie starts every chain is near the posterior whatever the outcome's units.

Notation (J groups, observation i in group g[i]):

complete pooling   y_i ~ Normal(mu + beta x_i, sigma)            one mean for everyone
no pooling         y_i ~ Normal(theta_g + beta x_i, sigma)       theta_j ~ Normal(mu_loc, mu_scale)
partial pooling    y_i ~ Normal(theta_g + beta x_i, sigma)       theta_j ~ Normal(mu, tau)
 + group predictor y_i ~ Normal(theta_g + beta x_i, sigma)       theta_j ~ Normal(mu + gamma u_j, tau)
 + varying slope   y_i ~ Normal(theta_g + b_g x_i, sigma)        (theta_j, b_j) ~ MvNormal((mu, beta), Sigma)

With a group-level predictor u (radon: the county's log uranium; partial pooling only) ``mu`` is the
line's intercept at u = 0 (Gelman & Hill's gamma0), ``gamma`` its slope (gamma1), and ``tau`` the sd of
the groups around the line rather than around one mean.

With a varying slope (partial pooling with a predictor x only) every group has its own slope
``theta_slope`` b_j, and the pairs (theta_j, b_j) come from a bivariate normal with mean (mu, beta)
and covariance Sigma = diag(s) R diag(s), s = (tau, tau_slope), R an LKJ(eta = 2) correlation matrix
with off-diagonal ``rho``. It is always non-centered through the Cholesky factor L of Sigma
(``pm.LKJCholeskyCov``, PyMC's documented idiom): z_j ~ Normal(0, I_2), (theta_j, b_j) = (mu, beta) +
L z_j. Both sds get the half-normal prior with scale ``tau_scale`` (the tau family does not apply).

``sigma`` is one sd per group (``sigma="group"``) or shared; the known-SE family replaces it by
the given standard errors; the binomial family uses ``y_i ~ Binomial(n_i, logit^-1(theta_g))``.

Normal data without a predictor enter through each group's summary statistics (count n_j, mean
ybar_j, within-group sum of squares ss_j), using the exact identity

    sum_i log Normal(y_i | theta_j, sigma_j)
        = log Normal(ybar_j | theta_j, sigma_j / sqrt(n_j))
          - (n_j - 1) log sigma_j - ss_j / (2 sigma_j^2) + const,

so the posterior is the same as with one term per observation while the cost no longer grows with
the group sizes. Unused groups with their own sigma get a stand-in sum of squares (never a mean):
it keeps their discarded sigma well shaped for the sampler and touches nothing else.

Partial pooling can be *centered* (sample theta_j directly) or *non-centered*
(theta_j = mu + tau z_j with z_j ~ Normal(0, 1)). Which is better depends on how well each
group's data pin down theta_j, so the choice is a per-group data vector ``centered`` (0 or 1)
rather than a different model: with weight w_j,

    theta_raw_j ~ Normal(w_j mu, tau^w_j),    theta_j = mu + tau^(1 - w_j) (theta_raw_j - w_j mu)

(with a group predictor, mu + gamma u_j in place of mu)

which is the centered form for w_j = 1 and the non-centered form for w_j = 0 and the same
posterior for theta either way (Papaspiliopoulos, Roberts & Sköld 2007, partially non-centred
parameterisations). Switching parameterization therefore never recompiles. The graph selects
tau^w_j and tau^(1 - w_j) with a switch on w_j > 1/2 (tau or 1) rather than computing the powers:
the same numbers for weights 0 and 1, and the log density with its gradient took half the time
(1.8 against 0.9 microseconds per evaluation for Explore's graph, which nutpie evaluates once per
leapfrog step of about 3 microseconds; #22).

The models are built with ``check_bounds=False``: every parameter of a distribution is valid by
construction (positive sds come from log-transformed variables, positive data checked by
:func:`hbm_core.models.inputs.check_inputs` before a fit), so PyMC's run-time checks of them only
cost time: about a fifth of what remained of the log density's.

**One graph for the three poolings.** Complete and no pooling are the same graph with two more
data scalars, ``population`` p and ``spread`` s (0 or 1):

    c_j = p (mu + gamma u_j) + (1 - p) mu_loc,      t = p tau + (1 - p) mu_scale,
    theta_raw_j ~ Normal(w_j c_j, t^w_j),            theta_j = c_j + s t^(1 - w_j) (theta_raw_j - w_j c_j)

partial pooling   p = 1, s = 1, w from the data      theta_j ~ Normal(mu + gamma u_j, tau)
no pooling        p = 0, s = 1, w = 1                theta_j ~ Normal(mu_loc, mu_scale), independent
complete pooling  p = 1, s = 0, w = 0                theta_j = mu for every group

Each pooling's likelihood and prior for the parameters it uses are exactly those of its own model,
and the parameters it does not use (no pooling: mu, tau, gamma; complete pooling: tau, gamma and
theta_raw) appear in no other term, so they are independent of the rest and are drawn from their
own priors: the posterior of the parameters it uses is its own model's. The fit service drops the
unused ones (:func:`pooling_variables`). Why: nutpie compiles each structure in 1-3 s of one core
with warm disk caches and 10-20 s on empty ones (numba), which a freshly started server pays before
its first result; one graph for the three fits
saves two of three compiles there (#19). It is built for ``ModelSpec.shared`` (partial pooling's
spec). The cost: the unused dimensions double or triple the two simple fits' sampling work (Explore's
default data at target_accept 0.99: 0.04 and 0.07 s become 0.13 and 0.17 s of CPU), so complete and
no pooling also keep their own, smaller graphs (``ModelSpec.own``), which the fit service compiles in
the background once no fit is running (:class:`hbm_core.inference.compile.ModelCache`).

The same holds one step further for a page that also fits a group-level predictor (Radon's county
uranium, theta_j ~ Normal(mu + gamma u_j, tau)): with u = 0 the predictor's slope gamma touches
nothing else and is drawn from its prior, so that graph (``ModelSpec.widest``) fits the page's three
poolings too, and a fresh server compiles one graph for the page's four fits instead of two.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from hbm_core.data.groups import Family
from hbm_core.inference.settings import MAX_GROUPS, POOLINGS, Pooling  # noqa: F401  (re-exported)
from hbm_core.models.data_block import DataBlock, Field, pack
from hbm_core.priors import tau_prior


@dataclass(frozen=True)
class ModelSpec:
    """The structure of a model: two specs that compare equal share one compiled model.

    Attributes
    ----------
    family : "normal" | "known_se" | "binomial"
    pooling : "pooled" | "unpooled" | "hierarchical"
    n_groups : group capacity (>= groups in use)
    sigma : "group" (one observation sd per group) or "shared"; normal family only
    predictor : whether an individual-level predictor x with a common slope is included
    tau_family : prior family of tau (hierarchical only), see :class:`hbm_core.priors.Priors`
    group_predictor : whether a group-level predictor u shifts each group's prior mean,
        theta_j ~ Normal(mu + gamma u_j, tau) (hierarchical only)
    varying_slope : whether each group has its own slope on x, (theta_j, b_j) ~ MvNormal
        (hierarchical with a predictor only; see the module's notes)
    """

    family: Family
    pooling: Pooling
    n_groups: int
    sigma: Literal["group", "shared"] = "group"
    predictor: bool = False
    tau_family: str = "half_normal"
    group_predictor: bool = False
    varying_slope: bool = False

    def __post_init__(self) -> None:
        # Normalise fields that do not affect the structure, so equal models share a cache entry.
        if self.family != "normal":
            object.__setattr__(self, "sigma", "shared")
        if self.pooling != "hierarchical":
            # u only enters through the population of the groups: the other fits ignore it.
            object.__setattr__(self, "group_predictor", False)
        if self.pooling != "hierarchical" or not self.predictor:
            object.__setattr__(self, "varying_slope", False)
        if self.varying_slope:  # its two sds have their own prior (LKJCholeskyCov's sd_dist)
            object.__setattr__(self, "tau_family", "half_normal")

    @property
    def own(self) -> ModelSpec:
        """The spec of this pooling's own graph, the smallest: the key to compile and cache it by
        (complete and no pooling have no tau, so their tau prior does not matter)."""
        return self if self.pooling == "hierarchical" else replace(self, tau_family="none")

    @property
    def shared(self) -> ModelSpec:
        """The spec of the graph the three poolings share (partial pooling's; see the module's
        notes): one compile serves all three fits of a page."""
        return replace(self, pooling="hierarchical")

    @property
    def widest(self) -> ModelSpec:
        """The shared graph with a group-level predictor (with u = 0 it fits the poolings without
        one; see the module's notes). A varying slope's graph has none: its own shared one."""
        if self.varying_slope:
            return self.shared
        return replace(self, pooling="hierarchical", group_predictor=True)

    @property
    def graphs(self) -> tuple[ModelSpec, ...]:
        """The graphs that can fit this spec, smallest (cheapest to sample) first: its own, the
        shared one, the widest."""
        return tuple(dict.fromkeys((self.own, self.shared, self.widest)))


#: The posterior variables of each pooling's own model; the shared graph's others are dropped.
POOLING_VARIABLES: dict[Pooling, frozenset[str]] = {
    "pooled": frozenset({"mu", "sigma", "beta"}),
    "unpooled": frozenset({"theta", "sigma", "beta"}),
    "hierarchical": frozenset(
        {"mu", "tau", "theta_raw", "theta", "sigma", "beta", "gamma"}
        | {"chol_cov", "z", "theta_slope", "tau_slope", "rho"}  # varying slope
    ),
}


def pooling_variables(spec: ModelSpec) -> frozenset[str]:
    """Names of the posterior variables of ``spec``'s pooling in its own model (a superset of those
    the shared graph has for it): what a fit keeps. A fit without a group-level predictor drops the
    widest graph's gamma (with u = 0 a draw from its prior)."""
    names = POOLING_VARIABLES[spec.pooling]
    return names if spec.group_predictor else names - {"gamma"}


def build_model(spec: ModelSpec) -> pm.Model:
    """Build the PyMC model for ``spec`` with placeholder data (set real data before sampling).

    Data fields (n = observations, K = ``spec.n_groups``, J = groups in use; slices of the two
    ``pm.Data`` containers, see :func:`pack_inputs`):
    ``group_idx`` (n,) int, ``y`` (n,), ``trials`` (n,) binomial, ``se`` (n,) known_se,
    or, for normal data without a predictor (:func:`uses_group_summaries`), ``group_idx`` (J,) int
    ``n`` (J,), ``ybar`` (J,) and ``ss_group`` (m,) int, ``ss_df`` (m,), ``ss`` (m,);
    ``x`` (n,) with a predictor, ``centered`` (K,) hierarchical, ``u`` (K,) with a group predictor; scalars
    ``mu_loc``, ``mu_scale``, ``tau_scale``, ``population`` and ``spread`` (which pooling, see the
    module's notes; hierarchical), ``sigma_scale``, ``beta_scale``, ``gamma_scale`` (group
    predictor). The own graphs of complete and no pooling have no ``tau_scale``, ``population``,
    ``spread`` or ``centered``.
    Free variables: ``mu`` (pooled, hierarchical), ``tau``, ``theta_raw`` (hierarchical),
    ``theta`` (unpooled; a deterministic of ``theta_raw`` when hierarchical), ``sigma``, ``beta``,
    ``gamma`` (group predictor). The partial-pooling graph also fits the other two poolings, set
    by the data (:func:`hbm_core.models.inputs.pooling_inputs`); their own variables are
    :func:`pooling_variables`. A varying slope (:func:`_varying_slope`) has no ``centered``
    container and no ``theta_raw``: instead ``chol_cov`` (3,), ``z`` (K, 2) and the deterministics
    ``theta``, ``theta_slope`` (K,), ``tau``, ``tau_slope`` and ``rho``.
    """
    K = spec.n_groups
    coords = {"group": [f"g{j}" for j in range(K)]}
    placeholder = np.zeros(2)
    summarised = uses_group_summaries(spec)
    with pm.Model(coords=coords, check_bounds=False) as model:  # valid by construction: see above
        data = DataBlock()  # every container below is a field of its two vectors (data_block.py)
        if summarised:  # one row per group in use: its size, mean and group index
            group_idx = data.index("group_idx", np.arange(2))
            n = data.vector("n", np.full(2, 2.0))
            y = data.vector("ybar", placeholder)
        else:  # one row per observation
            group_idx = data.index("group_idx", np.zeros(2))
            y = data.vector("y", placeholder)
        mu_loc = data.scalar("mu_loc", 0.0)
        mu_scale = data.scalar("mu_scale", 10.0)

        # Group (or common) location on the model's scale: the mean, or the logit of p.
        if spec.pooling == "pooled":
            mu = pm.Normal("mu", mu=mu_loc, sigma=mu_scale)
            location = mu * pm.math.ones_like(y)
        elif spec.pooling == "unpooled":
            theta = pm.Normal("theta", mu=mu_loc, sigma=mu_scale, dims="group")
            location = theta[group_idx]
        elif spec.varying_slope:
            x = data.vector("x", placeholder)
            location = _varying_slope(data, group_idx, x, mu_loc, mu_scale)
        else:  # partial pooling, and the other two chosen by data (see the module's notes)
            tau_scale = data.scalar("tau_scale", 10.0)
            centered = data.vector("centered", np.zeros(K))
            population = data.scalar("population", 1.0)
            spread = data.scalar("spread", 1.0)
            mu = pm.Normal("mu", mu=mu_loc, sigma=mu_scale)
            tau = tau_prior(spec.tau_family).build(tau_scale)
            center = mu  # each group's prior mean
            if spec.group_predictor:
                u = data.vector("u", np.zeros(K))
                gamma_scale = data.scalar("gamma_scale", 10.0)
                gamma = pm.Normal("gamma", mu=0.0, sigma=gamma_scale)
                center = mu + gamma * u
            # Selections rather than arithmetic (p c + (1 - p) mu_loc): partial pooling then computes
            # what its graph did before the other two poolings joined it (its draws agree to 1e-4 on
            # the same seed), and no 0 * inf or 0 ** -1 can reach a gradient.
            from_population = pt.gt(population, 0.5)
            center = pt.switch(from_population, center, mu_loc)
            scale = pt.switch(from_population, tau, mu_scale)
            is_centered = pt.gt(centered, 0.5)  # scale**w and scale**(1 - w) for w in {0, 1}: see above
            theta_raw = pm.Normal(
                "theta_raw", mu=centered * center, sigma=pt.switch(is_centered, scale, 1.0), dims="group"
            )
            departure = pt.switch(is_centered, 1.0, scale) * (theta_raw - centered * center)
            theta = pm.Deterministic(
                "theta", center + pt.switch(pt.gt(spread, 0.5), departure, 0.0), dims="group"
            )
            location = theta[group_idx]

        if spec.predictor and not spec.varying_slope:  # a varying slope built its own above
            x = data.vector("x", placeholder)
            beta_scale = data.scalar("beta_scale", 10.0)
            beta = pm.Normal("beta", mu=0.0, sigma=beta_scale)
            location = location + beta * x

        if spec.family == "binomial":
            # Whole numbers kept in the float container: cast, since a float n reaches NumPy's
            # binomial, which refuses it, wherever PyTensor runs the Op in Python (its fallback when
            # a Numba compile fails: the prior predictive tests failed so in one full test run).
            trials = pt.cast(pt.round(data.vector("trials", placeholder)), "int64")
            pm.Binomial("y_obs", n=trials, logit_p=location, observed=y, shape=group_idx.shape)
        elif spec.family == "known_se":
            se = data.vector("se", np.ones(2))
            pm.Normal("y_obs", mu=location, sigma=se, observed=y, shape=group_idx.shape)
        else:
            sigma_scale = data.scalar("sigma_scale", 10.0)
            if spec.sigma == "group":
                sigma = pm.HalfNormal("sigma", sigma=sigma_scale, dims="group")
            else:
                sigma = pm.HalfNormal("sigma", sigma=sigma_scale)

            def sigma_of(index):  # the sd of the rows of groups ``index``: their own, or the shared one
                return sigma[index] if spec.sigma == "group" else sigma

            sigma_y = sigma_of(group_idx)
            if summarised:
                # The within-group sums of squares (groups with n_j >= 2, plus stand-ins for unused
                # groups that have their own sigma), then the group means with sd sigma_j / sqrt(n_j).
                ss_group = data.index("ss_group", np.arange(2))
                ss_df = data.vector("ss_df", np.ones(2))  # n_j - 1
                ss = data.vector("ss", np.ones(2))
                sigma_ss = sigma_of(ss_group)
                pm.Potential("ss_obs", -ss_df * pm.math.log(sigma_ss) - ss / (2 * sigma_ss**2))
                sigma_y = sigma_y / pm.math.sqrt(n)
            pm.Normal("y_obs", mu=location, sigma=sigma_y, observed=y, shape=group_idx.shape)
        data.finish()
    _LAYOUTS[spec] = _MODEL_LAYOUTS[model] = data.layout
    return model


_LAYOUTS: dict[ModelSpec, tuple[Field, ...]] = {}
_MODEL_LAYOUTS: weakref.WeakKeyDictionary[pm.Model, tuple[Field, ...]] = weakref.WeakKeyDictionary()


def data_layout(spec: ModelSpec) -> tuple[Field, ...]:
    """The data fields of ``spec``'s model, in order (see :mod:`hbm_core.models.data_block`)."""
    if spec not in _LAYOUTS:
        build_model(spec)
    return _LAYOUTS[spec]


def pack_inputs(spec: ModelSpec, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The values of ``spec``'s two data containers for the named ``inputs`` (one per field, as
    :func:`hbm_core.models.inputs.model_inputs` gives them). Raises ValueError on a missing or
    unknown name."""
    return pack(data_layout(spec), inputs)


def model_fields(model: pm.Model) -> tuple[Field, ...]:
    """The data fields of ``model`` (built by :func:`build_model`), in order."""
    return _MODEL_LAYOUTS[model]


def set_inputs(model: pm.Model, inputs: Mapping[str, np.ndarray]) -> None:
    """Put the named ``inputs`` into ``model`` (built by :func:`build_model`) for PyMC's own
    functions (``pm.sample``, ``compile_logp``). Raises ValueError on a missing or unknown name."""
    with model:
        pm.set_data(pack(model_fields(model), inputs))


def _varying_slope(data: DataBlock, group_idx, x, mu_loc, mu_scale):
    """Varying intercepts and slopes inside the model being built: each row's location
    theta_g + b_g x_i, with (theta_j, b_j) = (mu, beta) + L z_j, L the Cholesky factor of Sigma.

    The correlation and both sds are deterministics of L (R = D^-1 L L^T D^-1), named for the pages:
    ``tau`` and ``tau_slope`` (sds of intercepts and slopes), ``rho`` (their correlation).
    """
    tau_scale = data.scalar("tau_scale", 10.0)
    beta_scale = data.scalar("beta_scale", 10.0)
    mu = pm.Normal("mu", mu=mu_loc, sigma=mu_scale)
    beta = pm.Normal("beta", mu=0.0, sigma=beta_scale)
    packed = pm.LKJCholeskyCov(
        "chol_cov", n=2, eta=2.0, sd_dist=pm.HalfNormal.dist(sigma=tau_scale, shape=2), compute_corr=False
    )
    chol = pm.math.expand_packed_triangular(2, packed, lower=True)
    pm.Deterministic("tau", chol[0, 0])  # the diagonal of a Cholesky factor is positive
    tau_slope = pm.Deterministic("tau_slope", pm.math.sqrt(chol[1, 0] ** 2 + chol[1, 1] ** 2))
    pm.Deterministic("rho", chol[1, 0] / tau_slope)
    pm.modelcontext(None).add_coord("coef", ["intercept", "slope"])
    z = pm.Normal("z", mu=0.0, sigma=1.0, dims=("group", "coef"))
    effects = pm.math.dot(z, chol.T)  # (K, 2): each group's departure from (mu, beta)
    theta = pm.Deterministic("theta", mu + effects[:, 0], dims="group")
    slope = pm.Deterministic("theta_slope", beta + effects[:, 1], dims="group")
    return theta[group_idx] + slope[group_idx] * x


def uses_group_summaries(spec: ModelSpec) -> bool:
    """Whether ``spec``'s model takes each group's summary statistics instead of observations."""
    return spec.family == "normal" and not spec.predictor
