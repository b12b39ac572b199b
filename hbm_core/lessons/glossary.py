"""A short glossary of the lab's terms, as data: one entry per term, in the order a student meets them.

Definitions follow Gelman et al., *Bayesian Data Analysis* (3rd ed.), and Vehtari, Gelman, Simpson,
Carpenter & Bürkner (2021) for R-hat and ESS; the thresholds quoted are the app's own
(:mod:`hbm_core.posterior.thresholds`). No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

from hbm_core.posterior.summaries import HDI_PROB
from hbm_core.posterior.thresholds import MAX_RHAT, MIN_ESS_PER_CHAIN

__all__ = ["GLOSSARY", "Term", "term"]


@dataclass(frozen=True)
class Term:
    """A glossary entry: ``key`` (for links), ``name`` (as shown), ``definition`` (Markdown)."""

    key: str
    name: str
    definition: str


GLOSSARY: tuple[Term, ...] = (
    Term(
        "tau",
        "τ (tau), the between-group sd",
        "The standard deviation of the groups' true means θ_j around the population mean μ "
        "(θ_j ~ Normal(μ, τ)): how much the groups really differ, beyond the noise of each group's data. "
        "τ = 0 means every group has the same true mean (complete pooling); a very large τ means the "
        "groups tell us nothing about each other (no pooling). Partial pooling estimates τ from the data.",
    ),
    Term(
        "pooling_factor",
        "Pooling factor",
        "For group j with standard error se_j, B_j = se_j² / (se_j² + τ²): the share of the distance "
        "between its own estimate and μ by which partial pooling pulls it toward μ, given τ. "
        "0 = it keeps its own estimate (no pooling), 1 = it is pulled all the way to μ (complete pooling). "
        "A group's standard error that is large against τ gives a factor near 1. The app reports its "
        "posterior mean, averaging over τ.",
    ),
    Term(
        "hdi",
        "HDI (highest-density interval)",
        f"The narrowest interval that holds a given share of the posterior probability (the app uses "
        f"{HDI_PROB:.0%}): every value inside it is more probable (has a higher posterior density) than "
        "any value outside. For a symmetric, single-peaked posterior it equals the central interval; for a "
        "skewed one, such as τ's, it is shifted toward the peak.",
    ),
    Term(
        "rhat",
        "R-hat",
        "A convergence check that compares several Markov chains: the square root of the ratio of the "
        "posterior variance estimated from all chains together to the average variance within each chain "
        "(computed on rank-normalised draws, with each chain split in half). "
        f"Near 1 the chains agree; the app warns when any parameter's R-hat is above {MAX_RHAT:g}, a sign "
        "that the chains have not yet explored the same distribution.",
    ),
    Term(
        "ess",
        "ESS (effective sample size)",
        "Successive MCMC draws are correlated, so they carry less information than as many independent "
        "draws. The ESS is the number of independent draws that would estimate a quantity as precisely. "
        "Bulk ESS is for means and medians, tail ESS for the ends of intervals (the 5 % and 95 % "
        f"quantiles); the app asks for at least {MIN_ESS_PER_CHAIN} per chain "
        f"({4 * MIN_ESS_PER_CHAIN} for four chains).",
    ),
    Term(
        "divergences",
        "Divergences (divergent transitions)",
        "Hamiltonian Monte Carlo (NUTS) simulates a trajectory in small steps. Where the posterior curves "
        "more sharply than the step size can follow, such as the narrow neck of a funnel, the simulation's "
        "error blows up and the trajectory is abandoned: a divergent transition. The sampler then fails to "
        "explore that region, so the estimates can be biased; any divergence is a warning. Smaller steps "
        "(a higher target_accept) or a non-centered form remove them.",
    ),
    Term(
        "parameterization",
        "Centered and non-centered",
        "Two ways of writing the same hierarchical model for the sampler. Centered: sample θ_j ~ Normal(μ, "
        "τ) "
        "directly. Non-centered: sample z_j ~ Normal(0, 1) and set θ_j = μ + τ·z_j. The posterior is the "
        "same; its shape is not. When the data say little about each group (τ can come near 0), the "
        "centered form makes a funnel that causes divergences and the non-centered form avoids it; when "
        "the data pin each group down, the centered form samples better.",
    ),
)


def term(key: str) -> Term:
    """The glossary entry with this key; KeyError for an unknown key."""
    for entry in GLOSSARY:
        if entry.key == key:
            return entry
    raise KeyError(f"no glossary term {key!r}; known: {', '.join(t.key for t in GLOSSARY)}")
