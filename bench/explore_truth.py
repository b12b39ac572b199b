"""How long Explore's exact-engine sections (issue #16) take to compute, per preset.

Run: ``python3 bench/explore_truth.py [repeats]``. For each preset of the Explore page, the median
wall time (ms) of what each section computes on a slider move, from the preview's exact posterior
(which the page computes anyway) to the chart specs the page sends (``named_spec``, as
``ui.common.chart`` does):

- curve: the pooling-factor curve, the groups' points, the reading and the chart;
- tau: the slider's range, the estimates given τ, P(τ <= t | y), the reading and both charts;
- truth: the errors on this data set (reading and chart) and the 200 simulated data sets (readings
  and both charts); ``many`` is the simulation alone.

Not run by the tests.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from hbm_core import viz  # noqa: E402
from hbm_core.data.groups import synthetic_groups  # noqa: E402
from hbm_core.exact.pooling_curve import group_pooling_points, pooling_curve  # noqa: E402
from hbm_core.exact.preview import preview  # noqa: E402
from hbm_core.lessons.checks import tau_prior_density, tau_probability_below  # noqa: E402
from hbm_core.lessons.given_tau import (  # noqa: E402
    estimates_at_tau,
    pooling_reading,
    tau_reading,
    tau_slider_range,
)
from hbm_core.lessons.truth_scores import errors_reading, many_data_sets, many_reading, truth_errors  # noqa: E402
from hbm_core.priors import Priors  # noqa: E402
from hbm_core.viz.chart_spec import named_spec  # noqa: E402
from hbm_core.viz.palette import FIT_LABELS  # noqa: E402
from ui.explore_state import PRESETS  # noqa: E402

PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=10.0, sigma_scale=10.0)


def _ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def _sections(sizes, means, sds, sigma: str) -> dict:
    """The work of each section for one preset, as functions of no arguments."""
    data = synthetic_groups(sizes, means, sds, seed=1)
    quick = preview(data, PRIORS, sigma=sigma)
    post = quick.exact

    def curve():
        points = group_pooling_points(post, sizes)
        pooling_reading(points)
        named_spec(viz.pooling_curve_chart(pooling_curve(post), points))

    def tau():
        top, step = tau_slider_range(post)
        t = round(post.tau_quantile(0.5) / step) * step
        at = post.at_tau(t)
        tau_reading(at, t, tau_probability_below(post, t))
        named_spec(viz.shrinkage(estimates_at_tau(at, post.at_tau(0.0), sizes, means), "outcome"))
        frame = post.tau_frame()
        prior = pd.DataFrame({"tau": frame["tau"], "density": tau_prior_density(PRIORS, frame["tau"])})
        named_spec(viz.tau_prior_posterior(frame, prior, t))

    def truth():
        errors = truth_errors(quick.estimates)
        errors_reading(errors, FIT_LABELS)
        named_spec(viz.truth_errors_chart(errors))
        result = many_data_sets(sizes, means, sds, PRIORS, sigma=sigma, k=200, seed=1)
        many_reading(result, FIT_LABELS)
        named_spec(viz.many_totals_chart(result.totals))
        named_spec(viz.group_risk_chart(result.per_group))

    def many():
        many_data_sets(sizes, means, sds, PRIORS, sigma=sigma, k=200, seed=1)

    return {"curve": curve, "tau": tau, "truth": truth, "many": many}


def main(repeats: int = 7) -> None:
    print(f"{'preset':30s} {'curve':>7s} {'tau':>7s} {'truth':>7s} {'many':>7s}  (ms, median of {repeats})")
    for name, (sizes, means, sds, sigma) in PRESETS.items():
        row = [_ms(f, repeats) for f in _sections(sizes, means, sds, sigma).values()]
        print(f"{name:30s} " + " ".join(f"{v:7.1f}" for v in row))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
