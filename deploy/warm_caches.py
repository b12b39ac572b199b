"""Fill the disk compile caches (numba, PyTensor) with every model structure the pages use by default.

Run from the repository root, as the user and with the environment that will serve the app (same
``HOME``, ``NUMBA_CACHE_DIR`` and ``PYTENSOR_FLAGS``, same Python and CPU type): the container image
runs it at build time, so a container's first visitor gets fits without waiting for compilation.

    python3 deploy/warm_caches.py            # every structure below, one short fit each
    python3 deploy/warm_caches.py --quick    # Explore's structures only (a test uses this)

It asks for fits through the fit service (``hbm_core.inference.service.fit_all``, the same path as
the CLI and the pages), so whatever a fit compiles on first use is cached as well. Structures it does
not cover (another prior family on tau, an upload of more than 12 groups in another size band)
compile on first use as before. Prints one line per data set and the cache sizes; exit status 1 if
a fit failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: import hbm_core

import hbm_core  # noqa: E402,F401  (sets NUMBA_CACHE_DIR before numba loads)


def _explore_data(n_groups: int = 3):
    from hbm_core.data.groups import synthetic_groups

    sizes = [20, 40, 60, 10, 30, 50, 15, 25, 35, 45, 55, 5][:n_groups]
    return synthetic_groups(sizes, ([0.0, 1.0, 2.0] * 4)[:n_groups], ([1.0, 1.5, 2.0] * 4)[:n_groups])


def _targets(quick: bool):
    """(label, data, sigma) for each structure to warm."""
    from hbm_core.data.datasets import load_dataset

    targets = [
        ("explore (one sd per group)", _explore_data(), None),
        ("explore (one shared sd)", _explore_data(), "shared"),
    ]
    if quick:
        return targets
    for name in ("eight_schools", "efron_morris", "radon", "reedfrogs"):
        targets.append((name, load_dataset(name), None))
    from hbm_core.lessons.radon_uranium import with_uranium

    # The Radon page's section 4: partial pooling with county uranium (its other fits share radon's models).
    targets.append(("radon with county uranium", with_uranium(load_dataset("radon")), None))
    return targets


def _size_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="Explore's structures only")
    args = parser.parse_args(argv)

    from hbm_core.inference.compile import DEFAULT_CACHE
    from hbm_core.inference.jobs import FitError
    from hbm_core.inference.service import fit_all
    from hbm_core.inference.settings import POOLINGS, FitSettings
    from hbm_core.models.inputs import spec_for

    # Short fits: enough to run every compiled function once; the draws are thrown away.
    settings = FitSettings(draws=100, tune=100, chains=2, max_seconds=600)
    start, failed = time.perf_counter(), 0
    for label, data, sigma in _targets(args.quick):
        t0 = time.perf_counter()
        try:
            fit_all(data, settings=settings, sigma=sigma)  # on the graph the three poolings share
            for pooling in POOLINGS:  # and each pooling's own graph, which a server compiles later
                DEFAULT_CACHE(spec_for(data, pooling, sigma=sigma))
        except FitError as err:
            failed += 1
            print(f"warm-up: {label}: FAILED: {err}", flush=True)
            continue
        print(f"warm-up: {label}: {time.perf_counter() - t0:.1f} s", flush=True)

    import pytensor

    numba_dir = Path(os.environ["NUMBA_CACHE_DIR"])
    pytensor_dir = Path(str(pytensor.config.base_compiledir))
    print(
        f"warm-up: done in {time.perf_counter() - start:.1f} s; "
        f"numba cache {numba_dir} {_size_mb(numba_dir):.1f} MB, "
        f"pytensor cache {pytensor_dir} {_size_mb(pytensor_dir):.1f} MB",
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
