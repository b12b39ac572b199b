"""Benchmark: refreshing all three fits after a slider change, against the seed's approach.

The seed's approach builds a fresh ``pm.Model`` and calls plain ``pm.sample(2000, tune=1000)``
for each of the three fits. The fit service compiles each model structure once and refits on new
data. Both run in this process on the seed's data (3 groups of 20/40/60, means 3/5/7, sds 1/2/3);
each refresh changes one slider (group A's size). Last line:

    refresh_s=<median> seed_s=<median> ratio=<seed/refresh> compile_s=<s> exact_ms=<median> peak_mb=<MB>

Usage: ``python bench/refit.py [--seed-reps 3] [--refresh-reps 10]``
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pymc as pm  # noqa: E402

from hbm_core.data.groups import synthetic_groups  # noqa: E402
from hbm_core.exact.grid import exact_from_data  # noqa: E402
from hbm_core.inference.service import fit_all  # noqa: E402
from hbm_core.inference.settings import FitSettings  # noqa: E402
from hbm_core.priors import Priors  # noqa: E402

SIZES, MEANS, SDS = [20, 40, 60], [3.0, 5.0, 7.0], [1.0, 2.0, 3.0]
SEED_PRIORS = Priors(mu_loc=0.0, mu_scale=10.0, tau_scale=10.0, sigma_scale=10.0)


def slider_data(step: int):
    """The seed data after the ``step``-th slider move (group A's size wiggles)."""
    sizes = [SIZES[0] + (step % 5) - 2, *SIZES[1:]]
    return synthetic_groups(sizes, MEANS, SDS, seed=1)


def seed_fits(data) -> None:
    """The seed's way: a fresh model and plain pm.sample for each of the three fits."""
    g, y, J = data.group_idx, data.y, data.n_groups
    with pm.Model():
        mu = pm.Normal("mu", 0, 10)
        sigma = pm.HalfNormal("sigma", 10, shape=J)
        pm.Normal("y", mu, sigma[g], observed=y)
        pm.sample(2000, tune=1000, progressbar=False, compute_convergence_checks=False)
    with pm.Model():
        theta = pm.Normal("theta", 0, 10, shape=J)
        sigma = pm.HalfNormal("sigma", 10, shape=J)
        pm.Normal("y", theta[g], sigma[g], observed=y)
        pm.sample(2000, tune=1000, progressbar=False, compute_convergence_checks=False)
    with pm.Model():
        mu = pm.Normal("mu", 0, 10)
        tau = pm.HalfNormal("tau", 10)
        theta = pm.Normal("theta", mu, tau, shape=J)
        sigma = pm.HalfNormal("sigma", 10, shape=J)
        pm.Normal("y", theta[g], sigma[g], observed=y)
        pm.sample(2000, tune=1000, progressbar=False, compute_convergence_checks=False)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed-reps", type=int, default=3)
    parser.add_argument("--refresh-reps", type=int, default=10)
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)

    settings = FitSettings()
    compile_s = timed(fit_all, slider_data(0), SEED_PRIORS, settings)  # compiles 3 structures
    refresh = []
    for step in range(1, args.refresh_reps + 1):
        refresh.append(timed(fit_all, slider_data(step), SEED_PRIORS, settings.with_(seed=step)))
        print(f"refresh {step}: {refresh[-1]:.3f} s", flush=True)

    exact = []
    for step in range(50):
        exact.append(timed(exact_from_data, slider_data(step), SEED_PRIORS))

    seed = []
    for step in range(args.seed_reps):
        seed.append(timed(seed_fits, slider_data(step)))
        print(f"seed approach {step}: {seed[-1]:.2f} s", flush=True)

    refresh_s, seed_s = statistics.median(refresh), statistics.median(seed)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"refresh_s={refresh_s:.3f} seed_s={seed_s:.2f} ratio={seed_s / refresh_s:.1f} "
        f"compile_s={compile_s - refresh_s:.1f} exact_ms={1000 * statistics.median(exact):.1f} "
        f"peak_mb={peak_mb:.0f}"
    )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
