""" "Show the code": a complete, runnable PyMC script that reproduces what a page shows.

:func:`pymc_script` writes the script for either kind of data:

- :class:`SyntheticSpec`: the Explore page's simulated groups. The script draws them with the same
  random streams as :func:`hbm_core.data.groups.synthetic_groups` (group j: ``mean + sd * z`` with ``z``
  from ``np.random.default_rng([seed, j])``), so it sees exactly the app's numbers;
- :class:`CsvSpec`: a CSV file the user uploaded (or pasted), read by its file name with pandas;
  :func:`data_file` writes a built-in data set (or any :class:`GroupedData`) as such a file, which is
  how the real-data pages hand their data to the script.

The models are the app's (:mod:`hbm_core.models.build`) written out plainly for the groups in use: the
same priors, one observation sd per group or one shared sd, an optional predictor with a common
slope, a group-level predictor u (radon's county uranium: partial pooling's groups then come from
Normal(mu + gamma u_j, tau)), binomial outcomes on the logit scale, and partial pooling in the
centered or non-centered form the app chose for these data (or, when it centered only some
groups, its partially non-centered form with the app's per-group weights). Sampling uses nutpie
when it is installed, else PyMC's own NUTS, with the app's draws, chains, seed and target_accept;
the script prints ``az.summary`` of each fit and every group's posterior mean under each fit.

The numbers agree with the app's within Monte Carlo error, not to the last digit: the padded,
compiled models of the app take other random paths than a plain ``pm.sample``.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hbm_core.data.groups import GroupedData, group_labels, synthetic_groups
from hbm_core.inference.settings import POOLINGS, FitSettings, Pooling
from hbm_core.models import parameterization as param
from hbm_core.priors import Priors, tau_prior
from hbm_core.viz.palette import FIT_LABELS

__all__ = ["CsvSpec", "SyntheticSpec", "csv_format", "data_file", "pymc_script", "varying_slopes_script"]


@dataclass(frozen=True)
class SyntheticSpec:
    """Simulated groups as on the Explore page: ``sizes[j]`` draws from Normal(means[j], sds[j])."""

    sizes: tuple[int, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    seed: int = 1
    y_label: str = "outcome (units)"

    def data(self) -> GroupedData:
        return synthetic_groups(list(self.sizes), list(self.means), list(self.sds), self.seed, self.y_label)


@dataclass(frozen=True)
class CsvSpec:
    """A CSV file and the columns chosen for the groups, the outcome, trials and a predictor.

    ``u_col``: a group-level predictor (one value per group, repeated on each of its rows), which
    shifts each group's mean under partial pooling.
    ``se_col`` makes it known-standard-error data (one row per group: its estimate in ``y_col`` and
    that estimate's standard error). ``sep``, ``decimal`` and ``encoding`` say how to read the file
    (see :func:`csv_format`).
    """

    file_name: str
    group_col: str
    y_col: str
    trials_col: str | None = None
    x_col: str | None = None
    se_col: str | None = None
    u_col: str | None = None
    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8-sig"


def data_file(data: GroupedData, file_name: str | None = None) -> tuple[CsvSpec, bytes]:
    """``data`` as a CSV file (one row per observation, or per group for known standard errors) and
    the :class:`CsvSpec` that reads it back. Columns: ``group``, ``y`` and, as the data have them,
    ``se``, ``trials``, ``x``, ``u`` (a group-level predictor, its group's value on every row).
    """
    frame = data.to_frame()
    frame["group"] = frame["group"].astype(str)
    if data.u is not None:
        frame["u"] = np.asarray(data.u, dtype=float)[data.group_idx]
    spec = CsvSpec(
        file_name=file_name or f"{data.name}.csv",
        group_col="group",
        y_col="y",
        trials_col="trials" if data.trials is not None else None,
        x_col="x" if data.x is not None else None,
        se_col="se" if data.family == "known_se" else None,
        u_col="u" if data.u is not None else None,
        encoding="utf-8",
    )
    return spec, frame.to_csv(index=False, float_format="%.17g").encode("utf-8")


def csv_format(raw: bytes | str) -> dict[str, str]:
    """How :func:`hbm_core.data.csv_input.read_table` reads ``raw``: ``{"sep", "decimal", "encoding"}``.

    The same rules: the first non-blank line is split on commas if that gives several columns,
    else on the more frequent of semicolon and tab; a semicolon file has decimal commas; the text
    is UTF-8 (with or without BOM) or else Windows-1252.
    """
    if isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            try:
                data.decode("utf-8-sig")
                encoding = "utf-8-sig"
            except UnicodeDecodeError:
                encoding = "cp1252"
        text = data.decode(encoding, errors="replace")
    else:
        text, encoding = str(raw), "utf-8-sig"
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    header = lines[0] if lines else ""
    if len(next(csv.reader([header]), [])) > 1:
        sep = ","
    else:
        counts = {s: header.count(s) for s in (";", "\t")}
        best = max(counts, key=counts.get)
        sep = best if counts[best] > 0 else ","
    return {"sep": sep, "decimal": "," if sep == ";" else ".", "encoding": encoding}


# ---------------------------------------------------------------------------------------------
# Pieces of the script


def _num(v: float) -> str:
    """A float literal that reads back as the same number (``repr`` of a Python float)."""
    return repr(float(v))


def _str(text: str) -> str:
    """A Python string literal, in double quotes where possible (as ruff format writes them)."""
    literal = repr(str(text))
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1] + '"'
    return literal


def _list(values, fmt=_num) -> str:
    return "[" + ", ".join(fmt(v) for v in values) + "]"


#: What the script's header tells the student to install: the current releases (PyMC 6 needs
#: Python >= 3.12). matplotlib is left out on purpose: the script turns PyMC's progress bar off.
INSTALL = 'pip install "pymc>=6" "arviz>=1" nutpie pandas'

#: The interval the app shows, which the script asks az.summary for (ArviZ 1.x defaults to a 89% ETI).
HDI_PROB = 0.94

#: Lines around the estimates the script prints as CSV (for copying into a spreadsheet, or a test).
CSV_BEGIN = "----- estimates.csv -----"
CSV_END = "----- end of estimates.csv -----"


def _header(title: str, how_to_run: str) -> str:
    # title and how_to_run are the app's own words: user strings never reach the docstring.
    return f'''"""{title}

Generated by Partial Pooling Lab. Install the current releases (Python 3.12 or later) with
    {INSTALL}
then {how_to_run}
nutpie samples when it is installed (faster), else PyMC's own NUTS. The numbers match the app's within
Monte Carlo error (the app's sampler takes another random path).
"""

import importlib.util

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
'''


def _synthetic_data(spec: SyntheticSpec) -> str:
    groups = group_labels(len(spec.sizes))
    return f"""
# --------------------------------------------------------------------
# The data: {len(spec.sizes)} groups simulated as on the Explore page.
# Group j's observations are true_mean_j + true_sd_j * z, where z are standard normal draws from a
# random stream of the group's own, seeded with (SEED, j): the very numbers the app shows.

SEED = {int(spec.seed)}
GROUPS = {_list(groups, _str)}
SIZES = {_list(spec.sizes, lambda v: str(int(v)))}
TRUE_MEANS = {_list(spec.means)}
TRUE_SDS = {_list(spec.sds)}

y = np.concatenate(
    [
        mean + sd * np.random.default_rng([SEED, j]).standard_normal(n)
        for j, (n, mean, sd) in enumerate(zip(SIZES, TRUE_MEANS, TRUE_SDS, strict=True))
    ]
)
group_idx = np.repeat(np.arange(len(GROUPS)), SIZES)  # the group (0, 1, ...) of each observation
"""


def _csv_data(spec: CsvSpec, seed: int) -> str:
    # The file and column names are the user's: they go in as string literals (repr), never into
    # comments or code, so no name can end a string or a line early.
    options = [f"sep={_str(spec.sep)}"]
    if spec.decimal != ".":
        options.append(f"decimal={_str(spec.decimal)}")
    # Group labels are the text as written ("0101" and "101" are two groups, "NA" is a group), as in the app.
    options += [
        "skipinitialspace=True",
        f"encoding={_str(spec.encoding)}",
        "dtype={GROUP_COLUMN: str}",
        "keep_default_na=False",
        'na_values=[""]',
    ]
    lines = [
        "",
        "# " + "-" * 68,
        "# The data: one row per observation in the file CSV_FILE (keep it next to this script).",
        "",
        f"SEED = {int(seed)}",
        f"CSV_FILE = {_str(spec.file_name)}",
        f"GROUP_COLUMN = {_str(spec.group_col)}",
        f"Y_COLUMN = {_str(spec.y_col)}" + ("  # successes" if spec.trials_col is not None else ""),
    ]
    for name, column, note in (
        ("TRIALS_COLUMN", spec.trials_col, "  # numbers of trials"),
        ("SE_COLUMN", spec.se_col, "  # known standard errors"),
        ("X_COLUMN", spec.x_col, "  # predictor with a common slope"),
        ("U_COLUMN", spec.u_col, "  # group-level predictor: one value per group"),
    ):
        if column is not None:
            lines.append(f"{name} = {_str(column)}{note}")
    lines += [
        "",
        f"table = pd.read_csv(CSV_FILE, {', '.join(options)})",
        'table = table.dropna(how="all")  # rows without any value',
        "table.columns = table.columns.str.strip()",
        "labels = table[GROUP_COLUMN].astype(str).str.strip()",
        "group_idx, GROUPS = pd.factorize(labels)  # groups numbered in order of first appearance",
        "GROUPS = list(GROUPS)",
        "y = table[Y_COLUMN].to_numpy(dtype=float)",
    ]
    if spec.trials_col is not None:
        lines.append("trials = table[TRIALS_COLUMN].to_numpy(dtype=float)")
    if spec.se_col is not None:
        lines.append("se = table[SE_COLUMN].to_numpy(dtype=float)")
    if spec.x_col is not None:
        lines.append("x = table[X_COLUMN].to_numpy(dtype=float)")
    if spec.u_col is not None:
        lines += [
            "# the group-level predictor: each group's value (the first of its rows), in the order of GROUPS",
            "u = table[U_COLUMN].groupby(group_idx).first().to_numpy(dtype=float)",
        ]
    return "\n".join(lines) + "\n"


def _likelihood(family: str, sigma: str, predictor: bool, location: str, priors: Priors) -> list[str]:
    """Lines of a model's body after its group locations: predictor, observation sd, likelihood."""
    lines = []
    if predictor:
        lines.append(f'beta = pm.Normal("beta", mu=0.0, sigma={_num(priors.beta_scale)})  # common slope')
        location = f"{location} + beta * x"
    if family == "binomial":
        lines.append(f'pm.Binomial("y_obs", n=trials, logit_p={location}, observed=y)')
        return lines
    if family == "known_se":
        lines.append(f'pm.Normal("y_obs", mu={location}, sigma=se, observed=y)  # se known, not estimated')
        return lines
    if sigma == "group":
        lines.append(
            f'sigma = pm.HalfNormal("sigma", sigma={_num(priors.sigma_scale)}, dims="group")  # one per group'
        )
        lines.append(f'pm.Normal("y_obs", mu={location}, sigma=sigma[group_idx], observed=y)')
    else:
        lines.append(
            f'sigma = pm.HalfNormal("sigma", sigma={_num(priors.sigma_scale)})  # one for all groups'
        )
        lines.append(f'pm.Normal("y_obs", mu={location}, sigma=sigma, observed=y)')
    return lines


def _model_function(
    pooling: Pooling,
    family: str,
    sigma: str,
    predictor: bool,
    priors: Priors,
    centered: np.ndarray | None,
    group_predictor: bool = False,
) -> str:
    mu_prior = f"mu={_num(priors.mu_loc)}, sigma={_num(priors.mu_scale)}"
    scale = "logit " if family == "binomial" else ""
    if pooling == "pooled":
        doc = f"Complete pooling: one {scale}mean mu for every group."
        body = [f'mu = pm.Normal("mu", {mu_prior})']
        location = "mu"
    elif pooling == "unpooled":
        doc = f"No pooling: each group's {scale}mean theta_j on its own, with a wide prior."
        body = [f'theta = pm.Normal("theta", {mu_prior}, dims="group")']
        location = "theta[group_idx]"
    else:
        doc = f"Partial pooling: the groups' {scale}means theta_j come from Normal(mu, tau)."
        tau = tau_prior(priors.tau_family).code(priors.tau_scale)
        body = [f'mu = pm.Normal("mu", {mu_prior})  # population mean', f"tau = {tau}"]
        center = "mu"
        if group_predictor:
            doc = (
                f"Partial pooling with a group-level predictor: theta_j ~ Normal(mu + gamma * u_j, tau), "
                f"the groups' {scale}means scatter around a line in u."
            )
            body = [
                f'mu = pm.Normal("mu", {mu_prior})  # the line\'s intercept at u = 0 (gamma0)',
                f'gamma = pm.Normal("gamma", mu=0.0, sigma={_num(priors.beta_scale)})  # its slope (gamma1)',
                f"tau = {tau}  # sd of the groups around the line",
                "center = mu + gamma * u  # each group's prior mean",
            ]
            center = "center"
        weights = np.asarray(centered if centered is not None else [], dtype=float)
        if weights.size and np.all(weights > 0.5):
            body += [
                "# Centered form (the app's choice: every group's data pin its mean down well).",
                f'theta = pm.Normal("theta", mu={center}, sigma=tau, dims="group")',
            ]
        elif not weights.size or np.all(weights < 0.5):
            body += [
                f"# Non-centered form theta_j = {center} + tau * z_j: the same model, easier to sample when",
                "# the groups' data say little (the app's choice for these data).",
                'z = pm.Normal("z", mu=0.0, sigma=1.0, dims="group")',
                f'theta = pm.Deterministic("theta", {center} + tau * z, dims="group")',
            ]
        else:
            w = ", ".join(str(int(v > 0.5)) for v in weights)
            m = "mu" if center == "mu" else "m_j"  # m_j = mu + gamma u_j with a group-level predictor
            body += [
                "# The app's mix: well-informed groups centered (w = 1), the others non-centered (w = 0).",
                f"# theta_raw_j ~ Normal(w_j {m}, tau^w_j), "
                f"theta_j = {m} + tau^(1-w_j) (theta_raw_j - w_j {m}):",
                f"# theta_j ~ Normal({m}, tau) either way, the same model as the centered form.",
                f"w = np.array([{w}], dtype=float)",
                f'theta_raw = pm.Normal("theta_raw", mu=w * {center}, sigma=tau**w, dims="group")',
                f'theta = pm.Deterministic("theta", {center} + tau ** (1 - w) * (theta_raw - w * {center}), '
                'dims="group")',
            ]
        location = "theta[group_idx]"
    body += _likelihood(family, sigma, predictor, location, priors)
    inner = "\n".join(f"        {line}" for line in body)
    return f'''

def {_FUNCTION[pooling]}():
    """{doc}"""
    with pm.Model(coords={{"group": GROUPS}}) as model:
{inner}
    return model
'''


_FUNCTION = {"pooled": "complete_pooling", "unpooled": "no_pooling", "hierarchical": "partial_pooling"}


def _summary_vars(pooling: Pooling, family: str, predictor: bool, group_predictor: bool = False) -> list[str]:
    names = {"pooled": ["mu"], "unpooled": ["theta"], "hierarchical": ["mu", "tau", "theta"]}[pooling]
    if group_predictor and pooling == "hierarchical":
        names.insert(1, "gamma")
    if predictor:
        names.append("beta")
    if family == "normal":
        names.append("sigma")
    return names


def _sampling(
    poolings: Sequence[Pooling],
    target_accepts: dict[Pooling, float],
    family: str,
    predictor: bool,
    settings: FitSettings,
    group_predictor: bool = False,
) -> str:
    labels = dict(FIT_LABELS)
    if group_predictor:
        labels["hierarchical"] = f"{FIT_LABELS['hierarchical']} + group-level predictor u"
    fits = "\n".join(
        f"    {_str(p)}: ({_str(labels[p])}, {_FUNCTION[p]}, {target_accepts[p]!r})," for p in poolings
    )
    summaries = "\n".join(
        f"    {_str(p)}: {_list(_summary_vars(p, family, predictor, group_predictor), _str)},"
        for p in poolings
    )
    lighter = {
        p: settings.for_pooling(p).draws for p in poolings if settings.for_pooling(p).draws != settings.draws
    }
    draws_of = (
        "{" + ", ".join(f"{_str(p)}: {d}" for p, d in lighter.items()) + "}"
        "  # fewer for these fits: their draws are nearly independent"
        if lighter
        else "{}  # a fit named here keeps fewer draws than DRAWS"
    )
    if family == "binomial":
        transform = (
            "    draws = 1 / (1 + np.exp(-draws))  # logit -> probability\n"
            '    return draws.mean(dim=("chain", "draw")).to_numpy()'
        )
        what = "probability of success" if not predictor else "probability of success at x = 0"
    else:
        transform = '    return draws.mean(dim=("chain", "draw")).to_numpy()'
        what = "mean" if not predictor else "intercept (mean at x = 0)"
    return f'''

# --------------------------------------------------------------------
# Sampling: the app's settings

DRAWS = {int(settings.draws)}  # per chain, kept after TUNE tuning steps
DRAWS_OF = {draws_of}
TUNE = {int(settings.tune)}
CHAINS = {int(settings.chains)}
SAMPLER = "nutpie" if importlib.util.find_spec("nutpie") else "pymc"
HDI_PROB = {HDI_PROB!r}  # the app's intervals: 94% highest density intervals

# pooling: (name, model, target_accept -- higher takes smaller steps: fewer divergences, slower)
FITS = {{
{fits}
}}
SUMMARY_VARS = {{
{summaries}
}}


def sample(model, target_accept, draws=DRAWS):
    """Posterior draws (an xarray DataTree in PyMC 6: its posterior group holds the draws)."""
    with model:
        return pm.sample(
            draws=draws,
            tune=TUNE,
            chains=CHAINS,
            random_seed=SEED,
            target_accept=target_accept,
            nuts_sampler=SAMPLER,
            progressbar=False,  # PyMC's progress bar needs matplotlib, which pymc does not install
        )


def summary(pooling, idata):
    """az.summary, unrounded, with the app's interval (ArviZ 1.x defaults to a 89% equal-tailed one)."""
    return az.summary(
        idata, var_names=SUMMARY_VARS[pooling], ci_kind="hdi", ci_prob=HDI_PROB, round_to="none"
    )


def group_means(pooling, idata):
    """Posterior mean of each group's {what}."""
    post = idata.posterior
    draws = post["mu"].expand_dims(group=GROUPS, axis=-1) if pooling == "pooled" else post["theta"]
{transform}


if __name__ == "__main__":
    traces, summaries = {{}}, {{}}
    for pooling, (label, build, target_accept) in FITS.items():
        print(f"\\n=== {{label}} ===", flush=True)
        traces[pooling] = sample(build(), target_accept, DRAWS_OF.get(pooling, DRAWS))
        summaries[pooling] = summary(pooling, traces[pooling])
        print(summaries[pooling].round(3).to_string())

    means = pd.DataFrame(
        {{label: group_means(pooling, traces[pooling]) for pooling, (label, _, _) in FITS.items()}},
        index=pd.Index(GROUPS, name="group"),
    )
    print("\\nPosterior mean of each group's {what}:")
    print(means.round(3).to_string())

    # Every summary in one table, unrounded: to paste into a spreadsheet, or to check by a program.
    estimates = pd.concat(summaries, names=["fit", "parameter"]).reset_index()
    print("\\n{CSV_BEGIN}")
    print(estimates.to_csv(index=False, float_format="%.6g"), end="")
    print("{CSV_END}")
'''


# ---------------------------------------------------------------------------------------------
# The script


def pymc_script(
    data_spec: SyntheticSpec | CsvSpec,
    priors: Priors,
    settings: FitSettings,
    sigma: str | None = None,
    poolings: Sequence[Pooling] = POOLINGS,
    *,
    data: GroupedData | None = None,
    script_name: str = "partial_pooling.py",
) -> str:
    """A complete PyMC script (Python source) that refits ``poolings`` as the app does.

    ``sigma``: "group" or "shared" observation sd for normal outcomes (default as the engine's:
    shared with a predictor, else one per group). ``data``: the app's :class:`GroupedData` for a
    :class:`CsvSpec` (the script still reads the file); it is needed to write the app's choices of
    ``target_accept`` and parameterization when ``settings`` leave them on auto. For a
    :class:`SyntheticSpec` the data are simulated here. ``script_name``: the file name the script's
    docstring tells the user to run. A :class:`CsvSpec` with ``u_col`` writes partial pooling with
    the group-level predictor u (complete and no pooling do not use it, as in the engine).
    """
    poolings = tuple(p for p in POOLINGS if p in poolings)
    # The script name may come from an uploaded file's name: keep only characters safe in a docstring.
    script_name = re.sub(r"[^A-Za-z0-9_.-]", "_", script_name) or "partial_pooling.py"
    if not poolings:
        raise ValueError("pymc_script needs at least one pooling")
    if isinstance(data_spec, SyntheticSpec):
        data = data_spec.data()
        family, predictor, group_predictor = "normal", False, False
        title = "Complete, no and partial pooling of simulated groups (Partial Pooling Lab, Explore page)."
        how = f"run:  python {script_name}"
        data_code = _synthetic_data(data_spec)
    elif isinstance(data_spec, CsvSpec):
        family = (
            "binomial"
            if data_spec.trials_col is not None
            else "known_se"
            if data_spec.se_col is not None
            else "normal"
        )
        predictor = data_spec.x_col is not None
        group_predictor = data_spec.u_col is not None
        if data is not None and (
            data.family != family
            or (data.x is not None) != predictor
            or (data.u is not None) != group_predictor
        ):
            raise ValueError("data do not match the CSV columns chosen in data_spec")
        what = {"binomial": "successes out of trials", "known_se": "estimates with known standard errors"}
        title = (
            f"Complete, no and partial pooling of {what.get(family, 'observations')} in groups, read from "
            "the CSV file CSV_FILE below (Partial Pooling Lab)."
        )
        how = f"put the data file (CSV_FILE below) next to this script and run:  python {script_name}"
        data_code = _csv_data(data_spec, settings.seed)
    else:
        raise TypeError(f"data_spec must be a SyntheticSpec or a CsvSpec, not {type(data_spec).__name__}")
    if sigma is None:
        sigma = "shared" if predictor else "group"
    if sigma not in ("group", "shared"):
        raise ValueError(f"sigma must be 'group' or 'shared', not {sigma!r}")

    needs_data = settings.target_accept is None or (
        "hierarchical" in poolings and settings.parameterization == "auto"
    )
    if data is None and needs_data:
        raise ValueError("pass data= (the app's GroupedData) to write the app's automatic choices")
    target_accepts = {
        p: float(settings.target_accept)
        if settings.target_accept is not None
        else float(param.default_target_accept(data, p))
        for p in poolings
    }
    centered = None
    if "hierarchical" in poolings:
        if data is not None:
            centered = param.centered_weights(data, settings.parameterization)
        else:
            centered = np.full(1, 1.0 if settings.parameterization == "centered" else 0.0)

    parts = [_header(title, how), data_code]
    for pooling in poolings:
        parts.append(_model_function(pooling, family, sigma, predictor, priors, centered, group_predictor))
    parts.append(_sampling(poolings, target_accepts, family, predictor, settings, group_predictor))
    script = "".join(parts)
    return re.sub(r"\n{4,}", "\n\n\n", script)


# ---------------------------------------------------------------------------------------------
# Varying intercepts and slopes (the Varying slopes page)


def varying_slopes_script(
    data_spec: CsvSpec,
    priors: Priors,
    settings: FitSettings,
    target_accept: float,
    *,
    script_name: str = "varying_slopes.py",
) -> str:
    """A complete PyMC script of the varying intercepts and slopes model the Varying slopes page fits.

    ``data_spec``: the CSV (from :func:`data_file`) with a predictor column ``x_col``. The script reads
    it, fits each group's own least-squares line (no pooling, exact) and partial pooling
    y_i ~ N(alpha_g + b_g x_i, sigma), (alpha_j, b_j) ~ MvNormal((mu, beta), Sigma), written like the
    app's model: non-centered through the Cholesky factor of ``pm.LKJCholeskyCov`` (eta = 2, both sds
    HalfNormal(tau_scale)), with the page's priors, draws, chains, seed and ``target_accept``. It
    prints ``az.summary`` of the population (mu, beta, tau, tau_slope, rho, sigma) and each group's
    own and partial-pooling pair, then every number as CSV between :data:`CSV_BEGIN` and :data:`CSV_END`.
    """
    if data_spec.x_col is None or data_spec.trials_col is not None or data_spec.se_col is not None:
        raise ValueError("a varying-slopes script needs a normal outcome and a predictor column")
    script_name = re.sub(r"[^A-Za-z0-9_.-]", "_", script_name) or "varying_slopes.py"
    title = (
        "Varying intercepts and slopes, read from the CSV file CSV_FILE below (Partial Pooling Lab, "
        "Varying slopes page)."
    )
    how = f"put the data file (CSV_FILE below) next to this script and run:  python {script_name}"
    p = priors
    body = f'''

# --------------------------------------------------------------------
# No pooling: each group's own least-squares line of y on x. A group whose x takes one value has no
# own slope (NaN), and no own intercept either unless that value is 0.


def own_lines():
    rows = []
    for j, name in enumerate(GROUPS):
        xs, ys = x[group_idx == j], y[group_idx == j]
        if np.unique(xs).size >= 2:
            slope, intercept = np.polyfit(xs, ys, 1)
        elif np.all(xs == 0):
            intercept, slope = ys.mean(), np.nan
        else:
            intercept, slope = np.nan, np.nan
        rows.append((name, len(xs), intercept, slope))
    return pd.DataFrame(rows, columns=["group", "n", "own_intercept", "own_slope"]).set_index("group")


# --------------------------------------------------------------------
# Partial pooling: (alpha_j, b_j) ~ MvNormal((mu, beta), Sigma), Sigma = diag(s) R diag(s), R ~ LKJ(2);
# non-centered: (alpha_j, b_j) = (mu, beta) + L z_j with L the Cholesky factor of Sigma.


def varying_slopes():
    coords = {{"group": GROUPS, "coef": ["intercept", "slope"]}}
    with pm.Model(coords=coords) as model:
        mu = pm.Normal("mu", mu={_num(p.mu_loc)}, sigma={_num(p.mu_scale)})  # mean intercept
        beta = pm.Normal("beta", mu=0.0, sigma={_num(p.beta_scale)})  # mean slope
        chol, corr, stds = pm.LKJCholeskyCov(
            "chol_cov",
            n=2,
            eta=2.0,
            sd_dist=pm.HalfNormal.dist(sigma={_num(p.tau_scale)}, shape=2),
            compute_corr=True,
        )
        pm.Deterministic("tau", stds[0])  # sd of the intercepts
        pm.Deterministic("tau_slope", stds[1])  # sd of the slopes
        pm.Deterministic("rho", corr[0, 1])  # their correlation
        z = pm.Normal("z", 0.0, 1.0, dims=("group", "coef"))
        effects = pm.math.dot(z, chol.T)
        theta = pm.Deterministic("theta", mu + effects[:, 0], dims="group")
        theta_slope = pm.Deterministic("theta_slope", beta + effects[:, 1], dims="group")
        sigma = pm.HalfNormal("sigma", sigma={_num(p.sigma_scale)})
        pm.Normal("y_obs", mu=theta[group_idx] + theta_slope[group_idx] * x, sigma=sigma, observed=y)
    return model


# --------------------------------------------------------------------
# Sampling: the app's settings

DRAWS = {int(settings.draws)}  # per chain, kept after TUNE tuning steps
TUNE = {int(settings.tune)}
CHAINS = {int(settings.chains)}
TARGET_ACCEPT = {float(target_accept)!r}
SAMPLER = "nutpie" if importlib.util.find_spec("nutpie") else "pymc"
HDI_PROB = {HDI_PROB!r}  # the app's intervals: 94% highest density intervals
POPULATION = ["mu", "beta", "tau", "tau_slope", "rho", "sigma"]


def sample(model):
    """Posterior draws (an xarray DataTree in PyMC 6: its posterior group holds the draws)."""
    with model:
        return pm.sample(
            draws=DRAWS,
            tune=TUNE,
            chains=CHAINS,
            random_seed=SEED,
            target_accept=TARGET_ACCEPT,
            nuts_sampler=SAMPLER,
            progressbar=False,  # PyMC's progress bar needs matplotlib, which pymc does not install
        )


if __name__ == "__main__":
    own = own_lines()
    idata = sample(varying_slopes())
    post = idata.posterior
    summary = az.summary(idata, var_names=POPULATION, ci_kind="hdi", ci_prob=HDI_PROB, round_to="none")
    print(summary.round(3).to_string())
    divergences = int(idata.sample_stats["diverging"].sum())
    print(f"\\nDivergent transitions: {{divergences}}")

    pairs = own.assign(
        partial_intercept=post["theta"].mean(dim=("chain", "draw")).to_numpy(),
        partial_slope=post["theta_slope"].mean(dim=("chain", "draw")).to_numpy(),
    )
    print("\\nEach group's own line and its partial-pooling pair (posterior means):")
    print(pairs.round(3).to_string())

    print("\\n{CSV_BEGIN}")
    print(pairs.reset_index().to_csv(index=False, float_format="%.6g"), end="")
    print("{CSV_END}")
'''
    script = _header(title, how) + _csv_data(data_spec, settings.seed) + body
    return re.sub(r"\n{4,}", "\n\n\n", script)
