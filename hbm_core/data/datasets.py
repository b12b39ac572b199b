"""Built-in data sets: eight schools, Efron–Morris baseball, Minnesota radon, reed frogs.

The CSV files ship inside the package (``hbm_core/data/files/``, sources in ``SOURCES.md``
there) and are read with :mod:`importlib.resources`, so nothing outside the package is
needed at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from hbm_core.data.groups import GroupedData


@dataclass(frozen=True)
class DatasetInfo:
    """What the app shows about a built-in data set."""

    name: str
    title: str
    family: str
    source: str  # one-sentence citation
    notice: str  # what to notice, 1-2 sentences


DATASETS: dict[str, DatasetInfo] = {
    "eight_schools": DatasetInfo(
        name="eight_schools",
        title="Eight schools: SAT coaching",
        family="known_se",
        source=(
            "Rubin (1981), Estimation in parallel randomized experiments, J. Educ. Stat. 6:377–401; "
            "rounded values as in Gelman et al., Bayesian Data Analysis (3rd ed.), section 5.5."
        ),
        notice=(
            "Every school's estimate is noisy (standard errors of 9 to 18 points), so school A's "
            "28 points is pulled a long way toward the overall 7.7; the data cannot rule out that "
            "coaching works equally well everywhere."
        ),
    ),
    "efron_morris": DatasetInfo(
        name="efron_morris",
        title="Baseball: batting averages after 45 at-bats (1970)",
        family="binomial",
        source=(
            "Efron & Morris (1975), Data analysis using Stein's estimator and its generalizations, "
            "J. Amer. Statist. Assoc. 70:311–319."
        ),
        notice=(
            "Shrinking each player's early average toward the grand mean 0.265 predicts the rest of "
            "the season far better than the raw averages (total squared error 0.021 instead of 0.075); "
            "Clemente's 0.400 is pulled down to about 0.29."
        ),
    ),
    "radon": DatasetInfo(
        name="radon",
        title="Radon in Minnesota homes (85 counties)",
        family="normal",
        source=(
            "EPA radon survey as analysed in Gelman & Hill (2007), Data Analysis Using Regression "
            "and Multilevel/Hierarchical Models, chapter 12."
        ),
        notice=(
            "Counties with a handful of houses (LAC QUI PARLE has 2) get extreme no-pooling estimates "
            "that partial pooling pulls toward the state average, while ST LOUIS (116 houses) barely moves."
        ),
    ),
    "reedfrogs": DatasetInfo(
        name="reedfrogs",
        title="Reed frog tadpoles: survival in 48 tanks",
        family="binomial",
        source=(
            "Vonesh & Bolker (2005), Ecology 86:1580–1591, as used in McElreath, "
            "Statistical Rethinking (2nd ed.), chapter 13."
        ),
        notice=(
            "Tanks of 10 tadpoles are shrunk toward the average more than tanks of 35, and tanks "
            "where every tadpole survived still get survival estimates below 100%."
        ),
    ),
}

# reference_table names -> shipped CSV files
_FILES: dict[str, str] = {
    "eight_schools": "eight_schools.csv",
    "efron_morris": "efron_morris_1975.csv",
    "radon": "radon_mn.csv",
    "radon_counties": "radon_mn_counties.csv",
    "reedfrogs": "reedfrogs.csv",
}


@cache
def _read(file_name: str) -> pd.DataFrame:
    path = resources.files("hbm_core.data") / "files" / file_name
    with path.open("rb") as fh:
        return pd.read_csv(fh)


def reference_table(name: str) -> pd.DataFrame:
    """The raw CSV as shipped, as a fresh DataFrame.

    ``name`` is one of ``"eight_schools"``, ``"efron_morris"``, ``"radon"``,
    ``"radon_counties"`` (per-county table with no-pooling OLS intercepts) or ``"reedfrogs"``.
    """
    if name not in _FILES:
        raise ValueError(f"unknown reference table {name!r}; choose one of {', '.join(_FILES)}")
    return _read(_FILES[name]).copy()


def load_dataset(name: str) -> GroupedData:
    """A built-in data set as :class:`GroupedData` (fresh arrays on every call)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    return _LOADERS[name](DATASETS[name])


def _f(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).copy()


def _one_row_per_group(info: DatasetInfo, groups: pd.Series, **fields) -> GroupedData:
    """:class:`GroupedData` of a table with one row per group: row j is group j (labels ``groups``)."""
    return GroupedData(
        groups=tuple(groups.astype(str)),
        group_idx=np.arange(len(groups), dtype=np.int64),
        name=info.name,
        source=info.source,
        **fields,
    )


def _eight_schools(info: DatasetInfo) -> GroupedData:
    df = reference_table("eight_schools")
    return _one_row_per_group(
        info,
        df["school"],
        family="known_se",
        y=_f(df["y"]),
        se=_f(df["sigma"]),
        y_label="SAT coaching effect (points)",
        meta={
            "n_treat": df["n_treat"].to_numpy(dtype=np.int64),
            "n_control": df["n_control"].to_numpy(dtype=np.int64),
            "y_rubin1981": _f(df["y_rubin1981"]),
            "se_rubin1981": _f(df["se_rubin1981"]),
        },
    )


def _efron_morris(info: DatasetInfo) -> GroupedData:
    df = reference_table("efron_morris")
    return _one_row_per_group(
        info,
        df["first_name"].astype(str) + " " + df["last_name"].astype(str),
        family="binomial",
        y=_f(df["hits_45"]),
        trials=_f(df["at_bats_45"]),
        y_label="batting average (hits per at-bat)",
        meta={
            "remaining_avg": _f(df["remaining_avg_EM75_pscl"]),
            "remaining_at_bats": _f(df["remaining_at_bats_EM75_pscl"]),
            "js_estimate": _f(df["js_EM77_formula"]),
        },
    )


def _radon(info: DatasetInfo) -> GroupedData:
    houses = reference_table("radon")
    counties = reference_table("radon_counties").sort_values("county_code")
    return GroupedData(
        family="normal",
        groups=tuple(counties["county"].astype(str)),
        group_idx=houses["county_code"].to_numpy(dtype=np.int64),
        y=_f(houses["log_radon_gh"]),
        x=_f(houses["floor"]),
        name=info.name,
        y_label="log radon (log pCi/L)",
        x_label="floor (0 = basement, 1 = first floor)",
        source=info.source,
        meta={"uranium": _f(counties["log_uppm"])},
    )


def _reedfrogs(info: DatasetInfo) -> GroupedData:
    df = reference_table("reedfrogs")
    return _one_row_per_group(
        info,
        df["tank"],
        family="binomial",
        y=_f(df["surv"]),
        trials=_f(df["density"]),
        y_label="survival proportion",
        meta={
            "density": df["density"].to_numpy(dtype=np.int64),
            "pred": df["pred"].to_numpy(dtype=object),
            "size": df["size"].to_numpy(dtype=object),
        },
    )


_LOADERS = {
    "eight_schools": _eight_schools,
    "efron_morris": _efron_morris,
    "radon": _radon,
    "reedfrogs": _reedfrogs,
}
