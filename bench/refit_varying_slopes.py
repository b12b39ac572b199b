"""Benchmark: a refit of the varying-slopes radon model with new data, against a fresh ``pm.sample``.

The Varying slopes page fits y_i ~ N(alpha_county + b_county x_i, sigma_y) with (alpha_j, b_j) from a
bivariate normal (LKJ Cholesky, non-centered) through the fit service: compiled once for its structure,
refit with new data (``with_data``). The fresh way builds the same model in plain PyMC for each new data
set and calls ``pm.sample`` (which compiles it again: nutpie when installed, as PyMC 6 picks it). Both
use the page's settings (2000 draws x 4 chains after 1000 tuning steps, target_accept 0.99) on the same
data: Minnesota radon with the houses resampled within each county (new data, same counties). Last line:

    refit_s=<median> fresh_s=<median> ratio=<fresh/refit> compile_s=<s> divergences=<refits' total>

Usage: ``python bench/refit_varying_slopes.py [--fresh-reps 3] [--refit-reps 5] [--draws 2000]``
(the lead runs it on a quiet machine; ``--draws 50 --tune 50 --fresh-reps 1 --refit-reps 1`` checks it runs).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pymc as pm  # noqa: E402

from hbm_core.data.datasets import load_dataset  # noqa: E402
from hbm_core.inference.service import fit  # noqa: E402
from hbm_core.inference.settings import FitSettings  # noqa: E402
from hbm_core.lessons.varying_slopes import with_varying_slope  # noqa: E402
from hbm_core.priors import default_priors  # noqa: E402

TARGET_ACCEPT = 0.99  # the page's (app_pages/varying_slopes.py)


def resampled(step: int):
    """Radon with every county's houses drawn with replacement (seeded by ``step``; step 0: the data)."""
    data = with_varying_slope(load_dataset("radon"))
    if step == 0:
        return data
    rng = np.random.default_rng(step)
    rows = np.concatenate(
        [rng.choice(np.flatnonzero(data.group_idx == j), size=n) for j, n in enumerate(data.counts())]
    )
    return data.with_(group_idx=data.group_idx[rows], y=data.y[rows], x=data.x[rows])


def fresh_fit(data, priors, settings: FitSettings) -> None:
    """The plain way: the same model built anew and sampled with pm.sample."""
    g, x, y = data.group_idx, data.x, data.y
    with pm.Model(coords={"county": list(data.groups), "coef": ["intercept", "slope"]}):
        mu = pm.Normal("mu", priors.mu_loc, priors.mu_scale)
        beta = pm.Normal("beta", 0.0, priors.beta_scale)
        chol, _, _ = pm.LKJCholeskyCov(
            "chol_cov", n=2, eta=2.0, sd_dist=pm.HalfNormal.dist(priors.tau_scale, shape=2), compute_corr=True
        )
        z = pm.Normal("z", 0.0, 1.0, dims=("county", "coef"))
        effects = pm.math.dot(z, chol.T)
        sigma = pm.HalfNormal("sigma", priors.sigma_scale)
        pm.Normal("y", mu + effects[g, 0] + (beta + effects[g, 1]) * x, sigma, observed=y)
        pm.sample(
            settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            target_accept=TARGET_ACCEPT,
            random_seed=settings.seed,
            progressbar=False,
            compute_convergence_checks=False,
        )


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fresh-reps", type=int, default=3)
    parser.add_argument("--refit-reps", type=int, default=5)
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--tune", type=int, default=1000)
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)

    settings = FitSettings(draws=args.draws, tune=args.tune, chains=4, target_accept=TARGET_ACCEPT)
    data = resampled(0)
    priors = default_priors(data.y, data.family)
    first, _ = timed(fit, data, "hierarchical", priors, settings)  # compiles the structure once
    refits, divergences = [], 0
    for step in range(1, args.refit_reps + 1):
        seconds, result = timed(fit, resampled(step), "hierarchical", priors, settings.with_(seed=step))
        refits.append(seconds)
        divergences += result.diagnostics.divergences
        print(f"refit {step}: {seconds:.2f} s ({result.diagnostics.divergences} divergences)", flush=True)

    fresh = []
    for step in range(1, args.fresh_reps + 1):
        seconds, _ = timed(fresh_fit, resampled(step), priors, settings.with_(seed=step))
        fresh.append(seconds)
        print(f"fresh pm.sample {step}: {seconds:.2f} s", flush=True)

    refit_s, fresh_s = statistics.median(refits), statistics.median(fresh)
    print(
        f"refit_s={refit_s:.2f} fresh_s={fresh_s:.2f} ratio={fresh_s / refit_s:.1f} "
        f"compile_s={first - refit_s:.1f} divergences={divergences}"
    )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
