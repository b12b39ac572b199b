"""hbm_core.lessons.real_data and the real-data charts on hand-made fit results (no sampling)."""

from __future__ import annotations

from types import SimpleNamespace

import arviz as az
import numpy as np
import pandas as pd
import pytest

from hbm_core import viz
from hbm_core.data.datasets import load_dataset
from hbm_core.lessons.real_data import (
    RADON_PUBLISHED,
    REEDFROGS_PUBLISHED,
    compare_published,
    county_detail,
    county_sizes,
    county_subset,
    density_summary,
    population_survival,
    radon_published,
    tank_frame,
)


def fake_result(groups, theta_means=None, sd=0.1, estimates=None, **scalars):
    """A stand-in for FitResult: posterior draws around given means, and an estimates table."""
    rng = np.random.default_rng(0)
    post = {k: v + sd * rng.standard_normal((2, 500)) for k, v in scalars.items()}
    dims = {}
    if theta_means is not None:
        post["theta"] = np.asarray(theta_means)[None, None, :] + sd * rng.standard_normal(
            (2, 500, len(groups))
        )
        dims["theta"] = ["group"]
    idata = az.from_dict({"posterior": post}, coords={"group": list(groups)}, dims=dims)
    return SimpleNamespace(idata=idata, estimates=estimates)


def test_compare_published_lines_up_app_and_published_numbers():
    groups = ["AITKIN", "KOOCHICHING", "LAC QUI PARLE"]
    results = {
        "pooled": fake_result(groups, mu=1.33, beta=-0.61, sigma=0.82),
        "unpooled": fake_result(groups, [0.84, 0.82, 2.96], beta=-0.72, sigma=0.76),
        # no hierarchical fit: its rows stay empty
    }
    table = compare_published(results, RADON_PUBLISHED)
    assert len(table) == len(RADON_PUBLISHED)
    row = table.set_index(["model", "quantity"]).loc[("No pooling", "intercept: LAC QUI PARLE (n = 2)")]
    assert row["published"] == 2.959
    assert row["this app"] == pytest.approx(2.96, abs=0.02)
    assert row["difference"] == pytest.approx(row["this app"] - 2.959)
    assert table[table.model == "Partial pooling"]["this app"].isna().all()
    assert table[table.model != "Partial pooling"]["this app"].notna().all()


def test_reedfrogs_published_numbers():
    values = {(p.parameter, p.value, p.sd) for p in REEDFROGS_PUBLISHED}
    assert values == {("mu", 1.35, 0.26), ("tau", 1.62, 0.21)}


def test_radon_published_adds_the_chosen_county_once():
    assert radon_published("LAC QUI PARLE") == RADON_PUBLISHED
    extra = radon_published("ST LOUIS")
    assert len(extra) == len(RADON_PUBLISHED) + 1
    added = [p for p in extra if p.parameter == "theta:ST LOUIS"][0]
    assert added.fit == "unpooled" and "n = 116" in added.quantity
    assert radon_published("NOWHERE") == RADON_PUBLISHED


def test_county_subset_is_chosen_then_smallest_and_largest():
    data = load_dataset("radon")
    sizes = county_sizes(data)
    assert sizes["LAC QUI PARLE"] == 2 and sizes["ST LOUIS"] == 116 and sizes.sum() == 919
    subset = county_subset(sizes, "AITKIN", k=5)
    assert subset[0] == "AITKIN" and len(subset) == 11 and len(set(subset)) == 11
    rest = sizes[subset[1:]]
    assert list(rest) == sorted(rest)  # small to large
    assert rest.iloc[-1] == 116 and rest.iloc[0] == 1
    # the chosen county already among the smallest is not repeated
    smallest = county_subset(sizes, None, k=5)[0]
    assert county_subset(sizes, smallest, k=5).count(smallest) == 1


def test_county_detail_puts_gelman_hill_beside_the_app():
    est = pd.DataFrame(
        {
            "group": ["LAC QUI PARLE"],
            "mean": [2.9],
            "sd": [0.5],
            "hdi_low": [2.0],
            "hdi_high": [3.9],
            "n": [2],
        }
    )
    results = {f: SimpleNamespace(estimates=est) for f in ("pooled", "unpooled", "hierarchical")}
    detail = county_detail(results, "LAC QUI PARLE").set_index("fit")
    assert detail.loc["No pooling", "Gelman & Hill"] == pytest.approx(2.959, abs=5e-4)
    assert detail.loc["Complete pooling", "Gelman & Hill"] == 1.327
    assert np.isnan(detail.loc["Partial pooling", "Gelman & Hill"])


@pytest.fixture
def frogs():
    data = load_dataset("reedfrogs")
    observed = data.y / data.trials
    groups = list(data.groups)
    # partial pooling pulls each tank halfway to 0.8 for small tanks, a quarter for large ones
    weight = np.where(data.meta["density"] == 10, 0.5, 0.25)
    partial = observed + weight * (0.8 - observed)

    def est(values):
        return pd.DataFrame({"group": groups, "mean": values, "pooling": weight})

    results = {
        "pooled": SimpleNamespace(estimates=est(np.full(48, 0.7))),
        "unpooled": SimpleNamespace(estimates=est(observed)),
        "hierarchical": fake_result(groups, mu=1.386, estimates=est(partial)),
    }
    return data, results


def test_tank_frame_and_density_summary(frogs):
    data, results = frogs
    tanks = tank_frame(results, data)
    assert len(tanks) == 48 and tanks["tank"].tolist() == list(range(1, 49))
    np.testing.assert_allclose(tanks["observed"], data.y / data.trials)
    summary = density_summary(tanks)
    assert summary["density"].tolist() == [10, 25, 35]
    assert summary["tanks"].tolist() == [16, 16, 16]
    assert summary["mean_shift"].iloc[0] > summary["mean_shift"].iloc[2]  # small tanks shrink most
    small = tanks[tanks.density == 10]
    assert summary["mean_shift"].iloc[0] == pytest.approx(
        100 * (small.hierarchical - small.observed).abs().mean()
    )
    assert population_survival(results["hierarchical"])["mean"] == pytest.approx(0.8, abs=0.01)


def test_charts_build_valid_specs(frogs):
    data, results = frogs
    tanks = tank_frame(results, data)
    spec = viz.tank_survival(tanks, 0.8, classroom=True).to_dict()
    assert spec["layer"] and "title" in spec
    text = str(spec)
    assert "proportion surviving" in text and "#D55E00" in text and "#0072B2" in text
    viz.density_shrinkage(density_summary(tanks)).to_dict()
    draws = pd.DataFrame({"value": np.r_[np.random.default_rng(0).normal(1, 1, 500), np.full(500, 1.0)]})
    draws["fit"] = ["hierarchical"] * 500 + ["pooled"] * 500
    spec = viz.predictive_density(
        draws, "log radon (log pCi/L)", marker=1.39, marker_label="4 pCi/L"
    ).to_dict()
    assert "log radon (log pCi/L)" in str(spec) and "predictive density" in str(spec)
    with pytest.raises(ValueError, match="needs column"):
        viz.predictive_density(draws.drop(columns="fit"), "x")


def test_bounded_density_integrates_to_one_inside_the_bounds():
    v = np.random.default_rng(1).beta(8, 1, 4000)  # piled up against 1
    grid = np.linspace(0, 1, 2001)
    dens = viz.density.kde(v, grid, (0.0, 1.0))
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("bounds", [None, (0.0, 1.0)])
def test_predictive_density_is_the_sum_of_kernels(bounds):
    v = np.random.default_rng(2).beta(8, 1, 4000)
    grid = np.linspace(0, 1, 240)
    iqr = np.subtract(*np.percentile(v, [75, 25]))
    bw = 0.9 * min(v.std(ddof=1), iqr / 1.34) * v.size**-0.2  # Silverman
    centres = v if bounds is None else np.r_[v, -v, 2 - v]  # mirrored at 0 and at 1
    exact = np.exp(-0.5 * ((grid[:, None] - centres[None, :]) / bw) ** 2).sum(axis=1)
    exact /= v.size * bw * np.sqrt(2 * np.pi)
    assert np.max(np.abs(viz.density.kde(v, grid, bounds or ()) - exact)) < 2e-3 * exact.max()
