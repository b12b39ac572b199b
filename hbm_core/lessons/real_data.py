"""Tables for the real-data pages: published numbers beside the app's, radon counties, reed-frog tanks.

Pure pandas/numpy on fitted results (anything with ``.idata.posterior`` and ``.estimates``, i.e.
:class:`hbm_core.inference.jobs.FitResult`); no Streamlit. The published numbers are the ones in
``SOURCES.md`` (Gelman & Hill 2007, ch. 12; McElreath, Statistical Rethinking 2nd ed., m13.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from hbm_core.data.datasets import reference_table
from hbm_core.data.groups import GroupedData
from hbm_core.lessons.radon_uranium import URANIUM_FIT, URANIUM_LABEL
from hbm_core.posterior.predict import stacked
from hbm_core.priors import Priors
from hbm_core.viz.palette import FIT_LABELS

#: McElreath's priors for m13.2 (logit scale): a_bar ~ Normal(0, 1.5), sigma ~ Exponential(1).
REEDFROGS_PRIORS = Priors(mu_loc=0.0, mu_scale=1.5, tau_family="exponential", tau_scale=1.0)

#: The county every radon example starts with: 2 houses, the most extreme no-pooling estimate.
RADON_DEFAULT_COUNTY = "LAC QUI PARLE"


@dataclass(frozen=True)
class Published:
    """One published number and the app parameter it corresponds to.

    ``fit``: the app's fit it is compared with ("pooled", "unpooled", "hierarchical", or another
    key of the results, e.g. radon's "uranium").
    ``parameter``: "mu", "beta", "sigma", "tau", "gamma", or "theta:<group>" for one group's intercept.
    ``sd``: the published posterior sd / standard error, when the source gives one.
    ``label``: the model's name in the table (default: the fit's label in ``FIT_LABELS``).
    """

    fit: str
    quantity: str
    parameter: str
    value: float
    sd: float | None = None
    source: str = ""
    label: str = ""


GH = "Gelman & Hill (2007), ch. 12"
SR = "McElreath (2020), m13.2"

RADON_PUBLISHED: tuple[Published, ...] = (
    Published("pooled", "intercept α (basement)", "mu", 1.327, source=GH),
    Published("pooled", "floor slope β", "beta", -0.613, source=GH),
    Published("pooled", "residual sd σ_y", "sigma", 0.823, source=GH),
    Published("unpooled", "floor slope β", "beta", -0.721, source=GH),
    Published("unpooled", "residual sd σ_y", "sigma", 0.756, source=GH),
    Published("unpooled", "intercept: LAC QUI PARLE (n = 2)", "theta:LAC QUI PARLE", 2.959, source=GH),
    Published("unpooled", "intercept: AITKIN (n = 4)", "theta:AITKIN", 0.841, source=GH),
    Published("unpooled", "intercept: KOOCHICHING (n = 7)", "theta:KOOCHICHING", 0.819, source=GH),
    Published("hierarchical", "mean intercept μ_α", "mu", 1.46, source=GH + " (lmer)"),
    Published("hierarchical", "floor slope β", "beta", -0.69, source=GH + " (lmer)"),
    Published("hierarchical", "between-county sd σ_α", "tau", 0.33, source=GH + " (lmer)"),
    Published("hierarchical", "residual sd σ_y", "sigma", 0.76, source=GH + " (lmer)"),
)

#: Gelman & Hill's lmer fit with county log uranium as a group-level predictor (ch. 12.6, model M2:
#: y ~ x + u.full + (1 | county)); coefficient standard errors as printed. The app's "uranium" fit.
GH_URANIUM = GH + ".6 (lmer with uranium)"
RADON_URANIUM_PUBLISHED: tuple[Published, ...] = tuple(
    Published(URANIUM_FIT, quantity, parameter, value, sd, GH_URANIUM, URANIUM_LABEL)
    for quantity, parameter, value, sd in (
        ("intercept γ0 (basement, log uranium 0)", "mu", 1.47, 0.04),
        ("uranium coefficient γ1", "gamma", 0.72, 0.09),
        ("floor slope β", "beta", -0.67, 0.07),
        ("between-county sd σ_α", "tau", 0.16, None),
        ("residual sd σ_y", "sigma", 0.76, None),
    )
)

REEDFROGS_PUBLISHED: tuple[Published, ...] = (
    Published("hierarchical", "a_bar (mean logit survival)", "mu", 1.35, sd=0.26, source=SR),
    Published("hierarchical", "sigma (between-tank sd, logit)", "tau", 1.62, sd=0.21, source=SR),
)

COMPARISON_COLUMNS = [
    "model",
    "quantity",
    "published",
    "published sd",
    "this app",
    "app sd",
    "difference",
    "source",
]


# ---------------------------------------------------------------------------------------------
# Published numbers beside the app's


def _draws(result, parameter: str) -> np.ndarray | None:
    """Posterior draws (S,) of ``parameter`` in ``result``, or None when the fit lacks it."""
    posterior = result.idata.posterior
    if parameter.startswith("theta:"):
        group = parameter.split(":", 1)[1]
        if "theta" not in posterior or group not in [str(g) for g in posterior["group"].values]:
            return None
        return stacked(posterior.sel(group=group), "theta")
    if parameter not in posterior or posterior[parameter].ndim != 2:
        return None
    return stacked(posterior, parameter)


def compare_published(results: Mapping[str, object], published: Sequence[Published]) -> pd.DataFrame:
    """Published numbers beside the app's posterior means, one row per published number.

    ``results``: fit name -> FitResult (missing fits give NaN in the app's columns).
    Columns :data:`COMPARISON_COLUMNS`; ``difference`` = this app - published.
    """
    rows = []
    for item in published:
        result = results.get(item.fit)
        draws = _draws(result, item.parameter) if result is not None else None
        mean = float(np.mean(draws)) if draws is not None else np.nan
        sd = float(np.std(draws, ddof=1)) if draws is not None else np.nan
        rows.append(
            {
                "model": item.label or FIT_LABELS[item.fit],
                "quantity": item.quantity,
                "published": item.value,
                "published sd": np.nan if item.sd is None else item.sd,
                "this app": mean,
                "app sd": sd,
                "difference": mean - item.value,
                "source": item.source,
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def radon_published(county: str | None = None) -> tuple[Published, ...]:
    """:data:`RADON_PUBLISHED`, plus the no-pooling intercept of ``county`` if it is not listed.

    The extra value is Gelman & Hill's least-squares intercept for that county (lm with county
    indicators and a common floor slope), from the shipped county table.
    """
    listed = {p.parameter for p in RADON_PUBLISHED}
    if county is None or f"theta:{county}" in listed:
        return RADON_PUBLISHED
    table = reference_table("radon_counties").set_index("county")
    if county not in table.index:
        return RADON_PUBLISHED
    row = table.loc[county]
    extra = Published(
        "unpooled",
        f"intercept: {county} (n = {int(row['n_houses'])})",
        f"theta:{county}",
        round(float(row["nopool_ols_alpha_gh"]), 3),
        source=GH + " (same lm, recomputed)",
    )
    items = list(RADON_PUBLISHED)
    last_unpooled = max(i for i, p in enumerate(items) if p.fit == "unpooled")
    items.insert(last_unpooled + 1, extra)
    return tuple(items)


# ---------------------------------------------------------------------------------------------
# Radon counties


def county_sizes(data: GroupedData) -> pd.Series:
    """Houses per county, indexed by county name (data order)."""
    return pd.Series(data.counts().astype(int), index=list(data.groups), name="n")


def county_subset(sizes: pd.Series, chosen: str | None = None, k: int = 8) -> list[str]:
    """A readable handful of counties: ``chosen`` first, then the ``k`` smallest and ``k`` largest.

    ``sizes``: houses per county, indexed by name. Ties in size are broken by name, so the
    subset is the same on every run; the smallest and largest are listed from small to large.
    """
    order = sizes.rename_axis("county").reset_index().sort_values(["n", "county"], kind="stable")
    names = list(order["county"])
    picked = names[:k] + [c for c in names[-k:] if c not in names[:k]]
    head = [chosen] if chosen is not None and chosen in sizes.index else []
    return head + [c for c in picked if c not in head]


def county_detail(results: Mapping[str, object], county: str) -> pd.DataFrame:
    """One row per fit for ``county``'s intercept (log radon in a basement).

    Columns: fit, posterior mean, sd, 94% HDI low, 94% HDI high, n, Gelman & Hill, difference.
    Gelman & Hill's value is their no-pooling least-squares intercept for the county (no pooling
    row) and their complete-pooling intercept 1.327 (complete pooling row); they print no
    per-county partial-pooling value, so that cell is empty.
    """
    table = reference_table("radon_counties").set_index("county")
    published = {
        "pooled": 1.327,
        "unpooled": float(table.loc[county, "nopool_ols_alpha_gh"]) if county in table.index else np.nan,
        "hierarchical": np.nan,
    }
    rows = []
    for fit in ("pooled", "unpooled", "hierarchical"):
        result = results.get(fit)
        if result is None:
            continue
        est = result.estimates.set_index("group").loc[county]
        gh = published[fit]
        rows.append(
            {
                "fit": FIT_LABELS[fit],
                "posterior mean": float(est["mean"]),
                "sd": float(est["sd"]),
                "94% HDI low": float(est["hdi_low"]),
                "94% HDI high": float(est["hdi_high"]),
                "n": int(est["n"]),
                "Gelman & Hill": gh,
                "difference": float(est["mean"]) - gh,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Reed-frog tanks

DENSITY_NAMES = {
    10: "small tanks (10 tadpoles)",
    25: "medium tanks (25 tadpoles)",
    35: "large tanks (35 tadpoles)",
}


def tank_frame(results: Mapping[str, object], data: GroupedData) -> pd.DataFrame:
    """One row per tank with its data and the three fits' survival estimates (probabilities).

    Columns: tank (int), density, predator, size, survivors, observed (proportion: the no-pooling
    maximum-likelihood estimate), and per fit ``pooled``, ``unpooled``, ``hierarchical``
    (posterior mean survival probability; NaN for a fit not in ``results``); ``shift`` = partial
    pooling - observed proportion (Statistical Rethinking's Figure 13.1 compares these two);
    ``pooling`` (partial pooling's pooling factor).

    The no-pooling *model* keeps its own weak prior per tank (McElreath's m13.1: N(0, 1.5) on the
    logit), which pulls tanks where every tadpole survived toward 50%; the observed proportion is
    the estimate a tank gets from its own data alone.
    """
    frame = pd.DataFrame(
        {
            "tank": [int(g) for g in data.groups],
            "density": np.asarray(data.meta["density"], dtype=int),
            "predator": np.asarray(data.meta["pred"], dtype=str),
            "size": np.asarray(data.meta["size"], dtype=str),
            "survivors": np.asarray(data.y, dtype=int),
            "observed": np.asarray(data.y, dtype=float) / np.asarray(data.trials, dtype=float),
        }
    )
    for fit in ("pooled", "unpooled", "hierarchical"):
        result = results.get(fit)
        frame[fit] = (
            result.estimates.set_index("group")["mean"].reindex(list(data.groups)).to_numpy()
            if result is not None
            else np.nan
        )
    frame["shift"] = frame["hierarchical"] - frame["observed"]
    hier = results.get("hierarchical")
    frame["pooling"] = (
        hier.estimates.set_index("group")["pooling"].reindex(list(data.groups)).to_numpy()
        if hier is not None
        else np.nan
    )
    return frame


def density_summary(tanks: pd.DataFrame) -> pd.DataFrame:
    """Shrinkage by tank density: one row per density (10, 25, 35).

    Columns: density, tank size (a label), tanks, ``mean_shift`` and ``max_shift``: mean and largest
    |partial pooling - observed proportion| in percentage points of survival, ``pooling``: mean
    pooling factor.
    """
    absolute = tanks.assign(abs_shift=100 * tanks["shift"].abs())
    out = (
        absolute.groupby("density", sort=True)
        .agg(
            tanks=("tank", "size"),
            mean_shift=("abs_shift", "mean"),
            max_shift=("abs_shift", "max"),
            pooling=("pooling", "mean"),
        )
        .reset_index()
    )
    out.insert(1, "tank size", out["density"].map(DENSITY_NAMES).fillna(out["density"].astype(str)))
    return out


def population_survival(result) -> dict[str, float]:
    """The partial-pooling fit's population median survival ``expit(mu)``: mean and 94% interval.

    ``result``: the hierarchical FitResult of a binomial fit (mu on the logit scale). The median
    tank's survival is ``expit(mu)`` because expit is monotone.
    """
    p = expit(stacked(result.idata.posterior, "mu"))
    lo, hi = np.quantile(p, [0.03, 0.97])
    return {"mean": float(np.mean(p)), "low": float(lo), "high": float(hi)}


def density_reading(summary: pd.DataFrame) -> str:
    """What the shrinkage-by-tank-size chart shows, computed from :func:`density_summary`: each
    size's mean |shift| and mean pooling factor, and whether the shift falls with size on these fits.

    More tadpoles give a tank a smaller standard error, hence a lower pooling factor; whether its
    estimate also *moves* less depends on how far its observed share sits from the others, so the
    verdict is read off the numbers.
    """
    if summary.empty:
        return ""
    rows = summary.sort_values("density")
    parts = [
        f"{r['mean_shift']:.1f} pp for the {int(r['tanks'])} {r['tank size']}, "
        f"mean pooling factor {r['pooling']:.2f}"
        for _, r in rows.iterrows()
    ]
    if len(parts) == 1:
        return f"Every tank has the same size: the mean shift is {parts[0]}."
    shifts, pooling = rows["mean_shift"].to_numpy(), rows["pooling"].to_numpy()
    listed = "; ".join(parts[:-1]) + f"; and {parts[-1]}"
    if np.all(np.diff(shifts) < 0):
        verdict = (
            "On these fits the shift falls as tanks get bigger: more tadpoles, more evidence, less borrowing."
        )
    else:
        verdict = (
            "On these fits the shift does not fall steadily with tank size: a shift is the pooling factor "
            "times the tank's distance from the others, and some tanks sit closer to them than others."
        )
    if not np.all(np.diff(pooling) < 0):
        verdict += " (The mean pooling factor does not fall steadily with size either.)"
    return f"Mean |shift| by tank size: {listed}. {verdict}"


def full_survival_reading(tanks: pd.DataFrame) -> str:
    """The tanks where every tadpole survived (observed share 1) and what partial pooling makes of
    them, from :func:`tank_frame`; "" when there are none."""
    full = tanks[tanks["observed"] >= 1.0]
    if full.empty:
        return ""
    low, high = full["hierarchical"].min(), full["hierarchical"].max()
    where = f"{low:.0%}" if round(low, 2) == round(high, 2) else f"{low:.0%} to {high:.0%}"
    count = "The tank" if len(full) == 1 else f"The {len(full)} tanks"
    verb = "gets" if len(full) == 1 else "get"
    return (
        f"{count} where every tadpole survived {verb} {where} under partial pooling: a perfect record "
        "is pulled toward the others, not taken as certainty."
    )


def sigma_reading(sigma: float, tanks: pd.DataFrame) -> str:
    """What the between-tank sd σ means for these tanks, read off their pooling factors (from
    :func:`tank_frame`) rather than called "large" or "small" by fiat."""
    pooling = tanks["pooling"].dropna()
    if pooling.empty:
        return f"The estimated between-tank sd is σ ≈ {sigma:.2f} on the log-odds scale."
    mean = float(pooling.mean())
    if mean < 0.5:
        verdict = "each tank keeps most of its own estimate: the model pools only partially"
    else:
        verdict = "most tanks are pulled more than halfway toward the median"
    return (
        f"The estimated between-tank sd is σ ≈ {sigma:.2f} on the log-odds scale. Next to the tanks' own "
        f"standard errors that gives pooling factors of {pooling.min():.2f} to {pooling.max():.2f} "
        f"(mean {mean:.2f}), so {verdict}."
    )
