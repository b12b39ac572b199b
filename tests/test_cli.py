"""``python -m hbm_core fit``: JSON shape, readable table, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hbm_core", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_json_output_for_a_dataset():
    proc = run(
        "fit", "--dataset", "eight_schools", "--draws", "300", "--tune", "300", "--chains", "2", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out["fits"]) == {"pooled", "unpooled", "hierarchical"}
    for fit in out["fits"].values():
        assert [g["group"] for g in fit["groups"]] == list("ABCDEFGH")
        for g in fit["groups"]:
            assert set(g) == {"group", "mean", "sd", "hdi_low", "hdi_high"}
            assert g["hdi_low"] < g["mean"] < g["hdi_high"]
        d = fit["diagnostics"]
        for key in (
            "divergences",
            "max_rhat",
            "min_ess_bulk",
            "min_ess_tail",
            "sampler",
            "parameterization",
            "seconds",
        ):
            assert key in d
    assert out["fits"]["hierarchical"]["diagnostics"]["parameterization"] == "non-centered"


def test_csv_binomial_table(tmp_path):
    csv = tmp_path / "shots.csv"
    csv.write_text("player,made,tries\nA,5,10\nB,9,12\nC,2,9\nD,7,8\n")
    proc = run(
        "fit",
        "--csv",
        str(csv),
        "--group",
        "player",
        "--y",
        "made",
        "--trials",
        "tries",
        "--model",
        "hierarchical",
        "--draws",
        "200",
        "--tune",
        "200",
        "--chains",
        "2",
    )
    assert proc.returncode == 0, proc.stderr
    assert "hierarchical" in proc.stdout and "94% HDI" in proc.stdout
    # Estimates on the probability scale.
    rows = [line.split() for line in proc.stdout.splitlines() if line.strip().startswith(("A ", "B "))]
    assert rows and all(0 < float(r[1]) < 1 for r in rows)


def test_errors_are_one_line_without_traceback(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("g,y\nA,1\nB,oops\n")
    proc = run("fit", "--csv", str(csv), "--group", "g", "--y", "y")
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "text in row 3" in proc.stderr
    proc = run("fit", "--csv", str(tmp_path / "missing.csv"), "--group", "g", "--y", "y")
    assert proc.returncode == 1 and "Cannot read" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("fit", "--dataset", "eight_schools", "--chains", "0")
    assert proc.returncode == 1 and "--chains" in proc.stderr
