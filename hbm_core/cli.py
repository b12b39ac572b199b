"""Command line: ``python -m hbm_core fit`` on a built-in data set or a CSV.

Examples::

    python -m hbm_core fit --dataset eight_schools --model all --json
    python -m hbm_core fit --csv scores.csv --group school --y score --model hierarchical

Errors exit with status 1 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hbm_core.data.groups import DataError, GroupedData
from hbm_core.inference.settings import POOLINGS, FitSettings
from hbm_core.priors import TAU_FAMILIES, default_priors


def _parser() -> argparse.ArgumentParser:
    from hbm_core.data.datasets import DATASETS

    parser = argparse.ArgumentParser(prog="python -m hbm_core", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit complete, no and partial pooling")
    source = fit.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", choices=sorted(DATASETS), help="a built-in data set")
    source.add_argument("--csv", type=Path, help="a CSV file with one row per observation")
    fit.add_argument("--group", help="CSV: the group column")
    fit.add_argument("--y", help="CSV: the outcome column (successes for counts)")
    fit.add_argument("--trials", help="CSV: the trials column (makes the outcome binomial)")
    fit.add_argument("--x", help="CSV: an individual-level predictor with a common slope")
    fit.add_argument("--model", choices=[*POOLINGS, "all"], default="all")
    fit.add_argument("--draws", type=int, default=1000)
    fit.add_argument("--tune", type=int, default=FitSettings.tune)
    fit.add_argument("--chains", type=int, default=4)
    fit.add_argument("--seed", type=int, default=1)
    fit.add_argument(
        "--target-accept",
        type=float,
        help="default: 0.95 for partial pooling, 0.9 for the others; 0.99 with groups under 10 rows",
    )
    fit.add_argument("--sampler", choices=["nutpie", "pymc"], default="nutpie")
    fit.add_argument("--parameterization", choices=["auto", "centered", "non-centered"], default="auto")
    fit.add_argument("--tau-prior", choices=TAU_FAMILIES, default="half_normal")
    fit.add_argument("--tau-scale", type=float, help="prior scale of tau (default: from the data)")
    fit.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _load(args: argparse.Namespace) -> GroupedData:
    if args.dataset:
        from hbm_core.data.datasets import load_dataset

        return load_dataset(args.dataset)
    from hbm_core.data.csv_input import load_csv

    if not args.group or not args.y:
        raise DataError("With --csv, name the group column (--group) and the outcome column (--y).")
    try:
        raw = args.csv.read_bytes()
    except OSError as err:
        raise DataError(f"Cannot read {args.csv}: {err.strerror or err}.") from None
    return load_csv(raw, args.group, args.y, trials_col=args.trials, x_col=args.x)


def _check_settings(args: argparse.Namespace) -> None:
    if not 1 <= args.chains <= 8:
        raise DataError("--chains must be between 1 and 8.")
    if not 10 <= args.draws <= 20000 or not 10 <= args.tune <= 20000:
        raise DataError("--draws and --tune must be between 10 and 20000.")
    if args.target_accept is not None and not 0.5 <= args.target_accept < 1:
        raise DataError("--target-accept must be in [0.5, 1).")
    if args.tau_scale is not None and not args.tau_scale > 0:
        raise DataError("--tau-scale must be positive.")


def run_fit(args: argparse.Namespace) -> dict:
    """Fit the requested poolings; return the JSON-ready result."""
    from hbm_core.inference.service import fit_all

    _check_settings(args)
    data = _load(args)
    priors = default_priors(data.y, data.family).with_(tau_family=args.tau_prior)
    if args.tau_scale is not None:
        priors = priors.with_(tau_scale=args.tau_scale)
    settings = FitSettings(
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        seed=args.seed,
        target_accept=args.target_accept,
        sampler=args.sampler,
        parameterization=args.parameterization,
        max_seconds=3600,
    )
    poolings = POOLINGS if args.model == "all" else (args.model,)
    results = fit_all(data, priors, settings, poolings)
    fits = {}
    for pooling, result in results.items():
        groups = result.estimates[["group", "mean", "sd", "hdi_low", "hdi_high"]].round(6)
        fits[pooling] = {
            "groups": groups.to_dict(orient="records"),
            "population": result.population.round(6).to_dict(orient="records"),
            "diagnostics": result.diagnostics.to_dict(),
        }
    scale = "probability" if data.family == "binomial" else "outcome"
    return {
        "data": {
            "name": data.name,
            "family": data.family,
            "groups": data.n_groups,
            "observations": data.n_obs,
            "estimate_scale": scale,
        },
        "priors": priors.describe(),
        "fits": fits,
    }


def _print_table(out: dict) -> None:
    data = out["data"]
    print(
        f"{data['name']}: {data['groups']} groups, {data['observations']} observations "
        f"({data['family']}); priors: {out['priors']}"
    )
    for pooling, fit in out["fits"].items():
        d = fit["diagnostics"]
        print(
            f"\n{pooling}  [{d['sampler']}, {d['parameterization']}, {d['seconds']:.2f} s, "
            f"divergences {d['divergences']}, max R-hat {d['max_rhat']:.3f}, "
            f"min ESS bulk {d['min_ess_bulk']:.0f} / tail {d['min_ess_tail']:.0f}]"
        )
        width = max(len(str(g["group"])) for g in fit["groups"])
        print(f"  {'group':<{width}}  {'mean':>9} {'sd':>9} {'94% HDI':>21}")
        for g in fit["groups"]:
            print(
                f"  {str(g['group']):<{width}}  {g['mean']:9.3f} {g['sd']:9.3f} "
                f"[{g['hdi_low']:9.3f}, {g['hdi_high']:9.3f}]"
            )
        for w in d["warnings"]:
            print(f"  warning: {w}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from hbm_core.inference.jobs import FitError

    try:
        out = run_fit(args)
    except (DataError, FitError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(out))
    else:
        _print_table(out)
    return 0
