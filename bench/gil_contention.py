"""Benchmark: how much a fit slows down next to busy Python threads (the GIL).

Compiles the complete-pooling model of the seed data once, then times a fit (4 chains x 500 tuning
+ 1000 draws, then the conversion of the draws and the diagnostics) alone and with ``--busy``
pure-Python threads spinning beside it, as the pages' chart code does under load.

nutpie's sampling itself runs in Rust without the GIL and barely slows down. What slowed down was
the Python work after it: every NumPy or Arrow call on a long array lets go of the GIL and has to
wait a thread switch (5 ms) to get it back from a busy thread. nutpie's own trace conversion and
ArviZ 0.23's per-parameter R-hat/ESS made hundreds of such calls, so a 0.09 s fit took 2.5 s (ratio
29); ``hbm_core.inference.nutpie_trace`` does the conversion in a few dozen calls. With arviz-stats
1.3 R-hat/ESS come from the library (0.13 s alone, 0.22 s busy, nutpie 0.16.11).

Last line: ``alone_s=<s> busy_s=<s> ratio=<x> busy_threads=<n>`` (medians of ``--repeat`` fits).

Usage: ``python bench/gil_contention.py [--busy 1] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hbm_core.data.groups import synthetic_groups  # noqa: E402
from hbm_core.inference.service import FitService  # noqa: E402
from hbm_core.inference.settings import FitSettings  # noqa: E402
from hbm_core.priors import Priors  # noqa: E402

PRIORS = Priors(mu_loc=0.0, mu_scale=20.0, tau_family="half_normal", tau_scale=5.0, sigma_scale=10.0)


def median_fit_seconds(data, service: FitService, repeat: int) -> float:
    """Median sampling wall time of ``repeat`` complete-pooling fits (new seeds, so no reuse)."""
    times = []
    for i in range(repeat):
        fits = service.fit_all(data, PRIORS, FitSettings(seed=100 + i), ("pooled",), sigma="group")
        times.append(fits["pooled"].diagnostics.seconds)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--busy", type=int, default=1, help="busy Python threads beside the sampler")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = synthetic_groups([20, 40, 60], [3.0, 5.0, 7.0], [1.0, 2.0, 3.0], seed=1)
    service = FitService()
    median_fit_seconds(data, service, 1)  # compile (and warm up) once
    alone = median_fit_seconds(data, service, args.repeat)

    stop = threading.Event()

    def spin() -> None:  # pure Python: holds the GIL except when Python hands it over
        while not stop.is_set():
            sum(i * i for i in range(1000))

    threads = [threading.Thread(target=spin, daemon=True) for _ in range(args.busy)]
    for t in threads:
        t.start()
    try:
        busy = median_fit_seconds(data, service, args.repeat)
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    print(f"alone_s={alone:.3f} busy_s={busy:.3f} ratio={busy / alone:.1f} busy_threads={args.busy}")


if __name__ == "__main__":
    main()
