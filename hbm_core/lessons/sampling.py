"""What the sampler did: tidy frames and plain-language readings for the sampling lesson.

Pure functions from a fit's ``xarray.DataTree`` (ArviZ 1.x, as in
:attr:`hbm_core.inference.jobs.FitResult.idata`) to pandas frames for :mod:`hbm_core.viz.sampling`
and to numbers with a sentence each. No Streamlit.

The ``idata`` these functions read has

- ``posterior``: ``tau`` (chain, draw); ``theta`` and ``theta_raw`` (chain, draw, group), where
  ``theta_raw`` is what the sampler moves through: theta itself in the centered form, the
  offset ``z = (theta - mu) / tau`` in the non-centered form (see :mod:`hbm_core.models.build`);
- ``sample_stats`` from nutpie: ``diverging`` (chain, draw) bool, ``step_size``, ``depth``,
  ``n_steps`` (leapfrog steps), ``maxdepth_reached`` (chain, draw) bool.

It also holds the lesson's two data regimes (:data:`REGIMES`), so the page and the tests fit
exactly the same data with the same priors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hbm_core.data.datasets import load_dataset
from hbm_core.data.groups import GroupedData, synthetic_groups
from hbm_core.posterior.predict import group_index, posterior_dataset
from hbm_core.posterior.thresholds import MAX_RHAT, MIN_ESS_PER_CHAIN
from hbm_core.priors import Priors

# hbm_core.posterior.results (R-hat, ESS through arviz-stats) loads SciPy: imported inside the
# function that needs it, so a page can import this module and draw its first elements sooner.

Form = Literal["centered", "non-centered"]
FORMS: tuple[Form, ...] = ("centered", "non-centered")

#: nutpie's default maximum tree depth (a trajectory has at most 2**10 - 1 leapfrog steps).
MAX_TREE_DEPTH = 10

#: Variables whose R-hat and ESS are reported (as in :func:`hbm_core.inference.jobs.FitJob`'s diagnostics).
CONVERGENCE_VARS = ("mu", "tau", "theta", "sigma")


# ---------------------------------------------------------------------------------------------
# The lesson's data


@dataclass(frozen=True)
class Regime:
    """One data setting of the lesson: a data set, its priors and a short description."""

    key: str
    label: str
    description: str
    load: Callable[[], GroupedData]
    priors: Priors
    group_noun: str  # "school" / "group": names θ_j on the axes

    def data(self) -> GroupedData:
        return self.load()


def _strong_data() -> GroupedData:
    return synthetic_groups([20, 40, 60], [3, 5, 7], [1, 2, 3], seed=1, y_label="outcome (units)")


REGIMES: dict[str, Regime] = {
    "weak": Regime(
        key="weak",
        label="Weak data: eight schools",
        description=(
            "Eight schools (Rubin 1981): one noisy estimate per school, standard errors 9–18 points, "
            "and estimates that could all come from one common effect. The data say little about each "
            "θ_j or about τ, so the posterior reaches down to τ ≈ 0: the neck of the funnel."
        ),
        load=lambda: load_dataset("eight_schools"),
        priors=Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0),
        group_noun="school",
    ),
    "strong": Regime(
        key="strong",
        label="Strong data: 3 large groups",
        description=(
            "Three simulated groups of 20, 40 and 60 observations with true means 3, 5, 7 and sds "
            "1, 2, 3 (Explore's classic example). Each group's mean is pinned down to within a few "
            "tenths and τ is clearly above 0: no funnel neck to fall into."
        ),
        load=_strong_data,
        priors=Priors(mu_loc=0.0, mu_scale=10.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0),
        group_noun="group",
    ),
}

#: The page's default sampler settings (target_accept set explicitly: the engine would pick 0.99).
DEFAULT_TARGET_ACCEPT = 0.9
DEFAULT_DRAWS = 1000
DEFAULT_TUNE = 1000
DEFAULT_CHAINS = 4
DEFAULT_SEED = 1
SWEEP_TARGET_ACCEPTS = (0.8, 0.9, 0.95, 0.99)


# ---------------------------------------------------------------------------------------------
# Frames for the charts


def funnel_frame(
    idata,
    group: int | str,
    form: str,
    *,
    variable: Literal["theta", "theta_raw"] = "theta",
    max_points: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """log tau against one group's parameter, one row per draw, for :func:`hbm_core.viz.sampling.funnel`.

    ``idata.posterior[variable]`` has shape (chain, draw, group), ``tau`` and
    ``sample_stats.diverging`` shape (chain, draw). ``group`` is a label or a position.
    Returns columns ``chain``, ``draw``, ``log_tau``, ``theta`` (the chosen variable's value),
    ``diverging`` (bool) and ``form`` (the given label), chain-major: C * D rows. With
    ``max_points`` the non-divergent draws are thinned at random (reproducibly, ``seed``) so that
    at most ``max_points`` rows remain; divergent draws are always kept.
    """
    post = posterior_dataset(idata)
    if variable not in post:
        raise ValueError(f"the posterior has no {variable!r}; it has {list(post.data_vars)}")
    j = group_index(post, group)
    values = np.asarray(post[variable].values)[:, :, j]
    tau = np.asarray(post["tau"].values)
    diverging = np.asarray(idata["sample_stats"]["diverging"].values, dtype=bool)
    chains, draws = tau.shape
    with np.errstate(divide="ignore"):
        log_tau = np.log(tau)
    frame = pd.DataFrame(
        {
            "chain": np.repeat(np.arange(chains), draws),
            "draw": np.tile(np.arange(draws), chains),
            "log_tau": log_tau.ravel(),
            "theta": values.ravel(),
            "diverging": diverging.ravel(),
            "form": str(form),
        }
    )
    if max_points is not None and len(frame) > max_points:
        divergent = frame.index[frame["diverging"]]
        others = frame.index[~frame["diverging"]]
        keep = max(0, max_points - len(divergent))
        picked = np.random.default_rng(seed).choice(others, size=min(keep, len(others)), replace=False)
        frame = frame.loc[np.sort(np.concatenate([divergent, picked]))].reset_index(drop=True)
    return frame


def chain_frame(idata, parameters: dict[str, tuple[str, int | str | None]]) -> pd.DataFrame:
    """Draws per chain for :func:`hbm_core.viz.sampling.rank_plot` and
    :func:`~hbm_core.viz.sampling.trace_plot`.

    ``parameters`` maps a display label to ``(variable, group)``: ``group`` is ``None`` for a
    scalar such as ``tau`` (chain, draw) and a label or position for a vector such as ``theta``
    (chain, draw, group). Returns columns ``chain`` (1-based, as people count chains), ``draw``,
    ``value``, ``parameter`` (the label): C * D rows per parameter, in the order given.
    """
    post = posterior_dataset(idata)
    frames = []
    for label, (variable, group) in parameters.items():
        if variable not in post:
            raise ValueError(f"the posterior has no {variable!r}; it has {list(post.data_vars)}")
        values = np.asarray(post[variable].values)
        if group is not None:
            values = values[:, :, group_index(post, group)]
        elif values.ndim != 2:
            raise ValueError(f"{variable!r} has a group axis: say which group")
        chains, draws = values.shape
        frames.append(
            pd.DataFrame(
                {
                    "chain": np.repeat(np.arange(1, chains + 1), draws),
                    "draw": np.tile(np.arange(draws), chains),
                    "value": values.ravel(),
                    "parameter": label,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Sampler statistics and what they mean


@dataclass(frozen=True)
class SamplerSummary:
    """Convergence and sampler statistics of one fit.

    ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail`` over :data:`CONVERGENCE_VARS`;
    ``divergences`` counted over all chains and draws; ``mean_step_size`` (leapfrog step, in the
    sampler's unconstrained and mass-matrix-scaled space), ``mean_tree_depth`` and
    ``mean_leapfrog_steps`` averaged over draws; ``max_depth_share`` is the share of draws whose
    trajectory was cut at the maximum tree depth.
    """

    chains: int
    draws: int
    divergences: int
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    mean_step_size: float
    mean_tree_depth: float
    mean_leapfrog_steps: float
    max_depth_share: float

    @property
    def total_draws(self) -> int:
        return self.chains * self.draws

    @property
    def divergent_share(self) -> float:
        return self.divergences / self.total_draws if self.total_draws else math.nan


def _mean(stats, name: str) -> float:
    return float(np.mean(np.asarray(stats[name].values, dtype=float))) if name in stats else math.nan


def sampler_summary(idata, var_names: tuple[str, ...] = CONVERGENCE_VARS) -> SamplerSummary:
    """Summarise a fit: R-hat, ESS, divergences, step size, tree depth (see :class:`SamplerSummary`).

    Reads ``idata.posterior`` (chain, draw, ...) and ``idata.sample_stats`` (chain, draw).
    Statistics nutpie did not record come back as NaN.
    """
    from hbm_core.posterior.results import convergence

    stats = idata["sample_stats"].to_dataset()
    diverging = np.asarray(stats["diverging"].values, dtype=bool)
    chains, draws = diverging.shape
    max_rhat, min_bulk, min_tail = convergence(idata, list(var_names))
    if "maxdepth_reached" in stats:
        max_depth_share = float(np.mean(np.asarray(stats["maxdepth_reached"].values, dtype=bool)))
    elif "depth" in stats:
        max_depth_share = float(np.mean(np.asarray(stats["depth"].values) >= MAX_TREE_DEPTH))
    else:
        max_depth_share = math.nan
    return SamplerSummary(
        chains=int(chains),
        draws=int(draws),
        divergences=int(diverging.sum()),
        max_rhat=max_rhat,
        min_ess_bulk=min_bulk,
        min_ess_tail=min_tail,
        mean_step_size=_mean(stats, "step_size"),
        mean_tree_depth=_mean(stats, "depth"),
        mean_leapfrog_steps=_mean(stats, "n_steps"),
        max_depth_share=max_depth_share,
    )


READING_COLUMNS = ["quantity", "value", "ok", "reading"]


def _percent(share: float) -> str:
    """A share as a percentage with one decimal; tiny but non-zero shares as "<0.1%"."""
    return "<0.1%" if 0 < share < 0.001 else f"{100 * share:.1f}%"


def readings(summary: SamplerSummary, other: SamplerSummary | None = None) -> pd.DataFrame:
    """Each diagnostic with its value and one plain sentence on what it means.

    Returns one row per quantity (R-hat, bulk ESS, tail ESS, divergences, mean step size,
    mean tree depth, share of draws at maximum tree depth) with columns :data:`READING_COLUMNS`:
    ``value`` is formatted text, ``ok`` is True / False (or None where there is no threshold,
    e.g. step size) and ``reading`` the sentence. ``other`` (the other parameterization's
    summary) lets the step size and tree depth be read relative to it.
    """
    s = summary
    want = MIN_ESS_PER_CHAIN * s.chains
    rows: list[tuple[str, str, bool | None, str]] = []

    if not np.isfinite(s.max_rhat):
        rows.append(("R-hat (max)", "n/a", False, "Cannot be computed (one chain, or constant draws)."))
    elif s.max_rhat > MAX_RHAT:
        rows.append(
            (
                "R-hat (max)",
                f"{s.max_rhat:.3f}",
                False,
                f"{s.max_rhat:.3f} > {MAX_RHAT}: the chains disagree; they have not all explored the "
                "same distribution.",
            )
        )
    else:
        rows.append(
            ("R-hat (max)", f"{s.max_rhat:.3f}", True, f"{s.max_rhat:.3f} ≤ {MAX_RHAT}: the chains agree.")
        )

    for name, value, bad, good in (
        (
            "bulk ESS (min)",
            s.min_ess_bulk,
            "{v} < {want}: {n} draws are worth only {v} independent ones; means are noisy.",
            "{v} ≥ {want}: enough independent information for means.",
        ),
        (
            "tail ESS (min)",
            s.min_ess_tail,
            "{v} < {want}: the interval ends (5% and 95% quantiles) are unreliable.",
            "{v} ≥ {want}: the interval ends are reliable.",
        ),
    ):
        if not np.isfinite(value):
            rows.append((name, "n/a", False, "Cannot be computed."))
        else:
            text = (bad if value < want else good).format(v=f"{value:.0f}", want=want, n=s.total_draws)
            rows.append((name, f"{value:.0f}", bool(value >= want), text))

    if s.divergences:
        rows.append(
            (
                "divergences",
                f"{s.divergences}",
                False,
                f"{s.divergences} of {s.total_draws} draws ({_percent(s.divergent_share)}) diverged: "
                "part of the posterior is under-explored, so the results may be biased.",
            )
        )
    else:
        rows.append(("divergences", "0", True, "None: the sampler could follow the posterior everywhere."))

    step = "The leapfrog step tuning settled on."
    if other is not None and np.isfinite(other.mean_step_size) and other.mean_step_size > 0:
        ratio = s.mean_step_size / other.mean_step_size
        if ratio < 0.8:
            step += (
                f" Smaller than the other form's ({other.mean_step_size:.2g}): sharp curvature, it tiptoes."
            )
        elif ratio > 1.25:
            step += f" Larger than the other form's ({other.mean_step_size:.2g}): it can stride."
        else:
            step += f" About the other form's ({other.mean_step_size:.2g})."
    else:
        step += " Small steps mean sharp curvature somewhere."
    rows.append(("step size (mean)", f"{s.mean_step_size:.3g}", None, step))

    depth_note = ""
    if other is not None and np.isfinite(other.mean_leapfrog_steps) and other.mean_leapfrog_steps > 0:
        ratio = s.mean_leapfrog_steps / other.mean_leapfrog_steps
        depth_note = f" ({ratio:.1f}× the other form's)" if abs(ratio - 1) >= 0.2 else ""
    rows.append(
        (
            "tree depth (mean)",
            f"{s.mean_tree_depth:.1f}",
            None,
            f"About {s.mean_leapfrog_steps:.0f} leapfrog steps per draw{depth_note}: the cost of one draw.",
        )
    )

    if not np.isfinite(s.max_depth_share):
        rows.append(("draws at max depth", "n/a", None, "Not recorded by this sampler."))
    elif s.max_depth_share > 0:
        share = _percent(s.max_depth_share)
        rows.append(
            (
                "draws at max depth",
                share,
                False,
                f"{share} of trajectories were cut short at depth {MAX_TREE_DEPTH}: the sampler is "
                "inefficient (a warning about speed, not about bias).",
            )
        )
    else:
        rows.append(
            ("draws at max depth", "0%", True, f"No trajectory was cut short at depth {MAX_TREE_DEPTH}.")
        )
    return pd.DataFrame(rows, columns=READING_COLUMNS)


def verdict(regime: str, centered: SamplerSummary, non_centered: SamplerSummary) -> tuple[str, str]:
    """Which form sampled better, and one sentence why: ``(winner, sentence)``.

    ``winner`` is ``"centered"``, ``"non-centered"`` or ``"tie"``. Fewer divergences win; with
    equal divergences the larger minimum bulk ESS wins when it is at least 1.5 times the other.
    ``regime`` ("weak" / "strong" / anything else) only adds context to the sentence.
    """
    c, n = centered, non_centered
    if c.divergences != n.divergences:
        winner = "centered" if c.divergences < n.divergences else "non-centered"
        few, many = sorted((c.divergences, n.divergences))
        why = f"{few} divergence{'' if few == 1 else 's'} against {many}"
    elif (
        np.isfinite(c.min_ess_bulk)
        and np.isfinite(n.min_ess_bulk)
        and (max(c.min_ess_bulk, n.min_ess_bulk) >= 1.5 * min(c.min_ess_bulk, n.min_ess_bulk))
    ):
        winner = "centered" if c.min_ess_bulk > n.min_ess_bulk else "non-centered"
        why = (
            f"as many divergences ({c.divergences}) but a bulk ESS of "
            f"{max(c.min_ess_bulk, n.min_ess_bulk):.0f} against {min(c.min_ess_bulk, n.min_ess_bulk):.0f}"
        )
    else:
        return "tie", (
            f"Both forms did about equally well here ({c.divergences} vs {n.divergences} divergences, "
            f"bulk ESS {c.min_ess_bulk:.0f} vs {n.min_ess_bulk:.0f})."
        )
    context = {
        "weak": " With weak data the posterior has a funnel, which the non-centered form straightens out.",
        "strong": " With strong data the centered form is the better-conditioned one.",
    }.get(regime, "")
    expected = {"weak": "non-centered", "strong": "centered"}.get(regime)
    if expected is not None and winner != expected:
        context = " That is not the usual outcome for these data: try another seed, or more draws."
    return winner, f"The **{winner}** form wins: {why}.{context}"
