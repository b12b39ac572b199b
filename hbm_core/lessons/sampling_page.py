"""The sampling lesson's prose and tables (no Streamlit): what a divergence is, why reparameterizing
helps, what to do, the funnel's captions for each data set, and the tables the page shows."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from hbm_core.data.groups import GroupedData
from hbm_core.lessons import sampling as sst

FORM_TITLES = {"centered": "Centered", "non-centered": "Non-centered"}
SHORT = {"centered": "C", "non-centered": "NC"}

WHAT_IS_A_DIVERGENCE = (
    "Hamiltonian Monte Carlo (NUTS) moves by simulating a ball rolling over the posterior, with a "
    "numerical integrator (leapfrog) that takes steps of a fixed size. Where the posterior's "
    "**curvature changes faster than the step size can follow**, like the neck of **Neal's "
    "funnel** where θ is confined to within a tiny τ of μ, the simulation blows up: its energy "
    "error explodes and the trajectory is abandoned. That is a *divergent transition*. The sampler "
    "then rarely gets into the neck, so small values of τ are under-represented and the estimates "
    "are biased, not just noisy."
)
WHY_REPARAMETERIZING_HELPS = (
    "Non-centering makes the offsets z_j **independent of τ a priori**: the sampler explores a "
    "round Normal(0, 1) cloud and θ_j = μ + τ z_j is computed afterwards, so there is no neck to "
    "squeeze through. That helps when the **data are weak** and the posterior looks like the "
    "prior. When the **data are strong** the likelihood pins each θ_j down, so z_j = (θ_j − μ)/τ "
    "must change whenever τ changes: now the non-centered posterior is the narrow, curved one and "
    "the **centered form is the better-conditioned** one."
)
EXPLAINERS = {
    "What is a divergence?": WHAT_IS_A_DIVERGENCE,
    "Why reparameterizing fixes it": WHY_REPARAMETERIZING_HELPS,
}
WHAT_TO_DO = """
1. **Never ignore them.** Even a handful means part of the posterior was not explored; the
   estimates (of τ above all) can be biased while R-hat still looks fine.
2. **Look where they are.** Divergences bunched at small τ are the funnel: a parameterization problem.
3. **Reparameterize.** Weakly informed groups: non-centered. Strongly informed groups: centered.
   This app's other pages choose per group (*auto*), from each group's standard error and an estimate of τ.
4. **Then raise target_accept** (0.9, 0.95, 0.99) for the last few: smaller steps, slower sampling.
   It treats the symptom; the sweep above shows when it is not enough.
5. **More draws do not help:** the sampler still cannot enter the region it diverges in.
6. Still stuck? Stronger (more informative) priors on τ, or a simpler model, may be the honest answer.
"""

# The funnel charts' captions, by data set and form. Fields: {theta} and {z} (the plotted group's
# parameter and offset), {bottom} (the lowest log τ the sampler reached), {n_div} (divergences).
FUNNEL_CAPTIONS = {
    "weak": {
        "centered": "Look at the bottom: as τ shrinks, {theta} is squeezed towards μ, a narrow neck. The "
        "divergences pile up where the neck starts, and no draw gets below log τ = {bottom:.1f}.",
        "non-centered": "The offset {z} has a Normal(0, 1) prior whatever τ is, so the cloud stays round, "
        "and the sampler gets down to log τ = {bottom:.1f}, deep into the neck the centered sampler cannot "
        "enter. Mind the different vertical axes.",
    },
    "strong": {
        "centered": "The data pin {theta} down: whatever τ is, it stays in the same narrow band. No neck, "
        "so nothing to diverge in ({n_div} divergent).",
        "non-centered": "Now {z} = ({theta} − μ) / τ must shrink whenever τ grows, because the data fix "
        "{theta}, not {z}: a thin curved ridge, and {n_div} divergent transitions along it.",
    },
}


def data_table(data: GroupedData) -> pd.DataFrame:
    """The lesson's data as the page shows them: estimates with standard errors, or group summaries."""
    summary = data.group_summary()
    if data.family == "known_se":
        return pd.DataFrame(
            {"school": summary["group"], "estimated effect": summary["mean"], "standard error": data.se}
        )
    return pd.DataFrame(
        {
            "group": summary["group"],
            "n": summary["n"],
            "sample mean": summary["mean"].round(2),
            "sample sd": summary["sd"].round(2),
            "se of the mean": summary["se"].round(3),
        }
    )


def _cell(value: str, ok: bool | None) -> str:
    """A value with a tick (passes the usual threshold), a warning sign (does not) or nothing."""
    marks = {True: ":green[:material/check_circle:] ", False: ":orange[:material/warning:] ", None: ""}
    return marks[ok] + value


def readings_table(summaries: Mapping[str, sst.SamplerSummary]) -> pd.DataFrame:
    """Each diagnostic of both forms, its value (marked pass or fail) and what it says."""
    forms = sst.FORMS
    read = {
        form: sst.readings(summaries[form], summaries[forms[1 - forms.index(form)]]).set_index("quantity")
        for form in forms
    }
    table = pd.DataFrame({"quantity": read["centered"].index})
    for form in forms:
        table[form] = [_cell(v, ok) for v, ok in zip(read[form]["value"], read[form]["ok"], strict=True)]
        table[f"what it says ({form})"] = read[form]["reading"].to_numpy()
    return table


def sweep_frame(results: Mapping[tuple[str, float], object]) -> pd.DataFrame:
    """One row per fit of the target_accept sweep (``results``: FitResult by (form, target_accept))."""
    rows = []
    for (form, ta), result in results.items():
        s = sst.sampler_summary(result.idata)
        rows.append(
            {
                "target_accept": ta,
                "form": form,
                "divergences": s.divergences,
                "max R-hat": s.max_rhat,
                "min bulk ESS": s.min_ess_bulk,
                "leapfrog steps per draw": s.mean_leapfrog_steps,
                "seconds": result.diagnostics.seconds,
            }
        )
    return pd.DataFrame(rows).sort_values(["form", "target_accept"], ignore_index=True)


def sweep_compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The sweep in a few narrow columns: divergences and leapfrog steps per draw of each form."""
    wide = {
        name: frame.pivot(index="target_accept", columns="form", values=column).reindex(
            columns=list(sst.FORMS)
        )
        for name, column in (("div.", "divergences"), ("steps", "leapfrog steps per draw"))
    }
    compact = pd.DataFrame({"target accept": [f"{t:.2f}" for t in wide["div."].index]})
    for name, values in wide.items():
        for form in sst.FORMS:
            compact[f"{name} {SHORT[form]}"] = [
                "–" if pd.isna(v) else f"{v:.0f}" for v in values[form].to_numpy()
            ]
    return compact
