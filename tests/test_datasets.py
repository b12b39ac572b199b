"""Built-in data sets: shapes, labels and the published numbers in data_files/SOURCES.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hbm_core.data import datasets
from hbm_core.data.csv_input import load_csv
from hbm_core.data.datasets import DATASETS, DatasetInfo, load_dataset, reference_table
from hbm_core.data.groups import DataError, GroupedData

DATA_DIR = Path(datasets.__file__).parent / "files"


def test_registry_and_files_ship_with_package():
    assert set(DATASETS) == {"eight_schools", "efron_morris", "radon", "reedfrogs"}
    for key, info in DATASETS.items():
        assert isinstance(info, DatasetInfo)
        assert info.name == key
        assert info.title and info.source and info.notice
        data = load_dataset(key)
        assert isinstance(data, GroupedData)
        assert data.family == info.family
        assert data.name == key
        assert data.source == info.source
    for name in (
        "eight_schools.csv",
        "efron_morris_1975.csv",
        "radon_mn.csv",
        "radon_mn_counties.csv",
        "reedfrogs.csv",
        "SOURCES.md",
    ):
        assert (DATA_DIR / name).is_file()
    sources = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert "Published numbers" in sources
    assert "/work/shared" not in Path(datasets.__file__).read_text(encoding="utf-8")


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown data set"):
        load_dataset("nope")
    with pytest.raises(ValueError, match="unknown reference table"):
        reference_table("nope")


def test_reference_tables_are_fresh_copies():
    t = reference_table("efron_morris")
    assert t.shape == (18, 16)
    t.loc[0, "hits_45"] = -1
    assert reference_table("efron_morris").loc[0, "hits_45"] == 18
    assert reference_table("radon").shape[0] == 919
    assert reference_table("radon_counties").shape[0] == 85
    assert reference_table("eight_schools").shape[0] == 8
    assert reference_table("reedfrogs").shape[0] == 48


def test_eight_schools():
    d = load_dataset("eight_schools")
    assert d.groups == tuple("ABCDEFGH")
    np.testing.assert_array_equal(d.y, [28, 8, -3, 7, -1, 1, 18, 12])
    np.testing.assert_array_equal(d.se, [15, 10, 16, 11, 9, 11, 10, 18])
    np.testing.assert_array_equal(d.group_idx, np.arange(8))
    assert d.y_label == "SAT coaching effect (points)"
    assert d.meta["n_treat"][0] == 28
    # complete pooling (precision-weighted mean) 7.7, sd 4.1
    w = 1 / d.se**2
    assert round(float(np.sum(w * d.y) / np.sum(w)), 1) == 7.7
    assert round(float(np.sqrt(1 / np.sum(w))), 1) == 4.1


def test_efron_morris_published_numbers():
    d = load_dataset("efron_morris")
    assert d.family == "binomial" and d.n_groups == 18 and d.n_obs == 18
    assert d.groups[0] == "Roberto Clemente" and len(set(d.groups)) == 18
    assert np.all(d.trials == 45)
    assert d.y_label == "batting average (hits per at-bat)"
    assert d.y.sum() == 215 and d.trials.sum() == 810
    raw = d.y / d.trials
    grand = raw.mean()
    assert round(grand, 3) == 0.265
    # James-Stein shrinkage factor c = 0.212
    var = grand * (1 - grand) / 45
    c = 1 - (d.n_groups - 3) * var / np.sum((raw - grand) ** 2)
    assert round(c, 3) == 0.212
    js = grand + c * (raw - grand)
    np.testing.assert_allclose(js, d.meta["js_estimate"], atol=1.5e-3)
    truth = d.meta["remaining_avg"]
    assert round(float(np.sum((raw - truth) ** 2)), 3) == 0.075
    assert round(float(np.sum((js - truth) ** 2)), 3) == 0.021
    assert d.meta["remaining_at_bats"][d.groups.index("Billy Williams")] == 270


def test_radon():
    d = load_dataset("radon")
    assert d.family == "normal" and d.n_obs == 919 and d.n_groups == 85
    assert d.groups[0] == "AITKIN"
    assert d.x_label == "floor (0 = basement, 1 = first floor)"
    assert d.y_label == "log radon (log pCi/L)"
    assert set(np.unique(d.x)) == {0.0, 1.0}
    houses = reference_table("radon")
    np.testing.assert_array_equal(np.asarray(d.groups, dtype=object)[d.group_idx], houses["county"])
    np.testing.assert_array_equal(d.y, houses["log_radon_gh"])
    counts = dict(zip(d.groups, d.counts(), strict=False))
    assert counts["LAC QUI PARLE"] == 2 and counts["HENNEPIN"] == 105 and counts["ST LOUIS"] == 116
    uranium = d.meta["uranium"]
    assert uranium.shape == (85,)
    np.testing.assert_allclose(uranium[d.group_idx], houses["log_uppm"])

    # complete pooling: intercept 1.327, slope -0.613, sigma 0.823
    X = np.column_stack([np.ones(d.n_obs), d.x])
    coef, rss, *_ = np.linalg.lstsq(X, d.y, rcond=None)
    assert np.round(coef, 3).tolist() == [1.327, -0.613]
    assert round(float(np.sqrt(rss[0] / (d.n_obs - 2))), 3) == 0.823
    # no pooling: common slope -0.721, sigma 0.756, county intercepts
    X = np.column_stack([np.eye(85)[d.group_idx], d.x])
    coef, rss, *_ = np.linalg.lstsq(X, d.y, rcond=None)
    assert round(float(coef[-1]), 3) == -0.721
    assert round(float(np.sqrt(rss[0] / (d.n_obs - 86))), 3) == 0.756
    alpha = dict(zip(d.groups, coef[:-1], strict=False))
    assert round(alpha["LAC QUI PARLE"], 3) == 2.959
    assert round(alpha["AITKIN"], 3) == 0.841
    assert round(alpha["KOOCHICHING"], 3) == 0.819
    np.testing.assert_allclose(coef[:-1], reference_table("radon_counties")["nopool_ols_alpha_gh"], atol=1e-5)


def test_reedfrogs():
    d = load_dataset("reedfrogs")
    assert d.family == "binomial" and d.n_groups == 48
    assert d.groups == tuple(str(i) for i in range(1, 49))
    assert d.y_label == "survival proportion"
    assert set(np.unique(d.trials)) == {10.0, 25.0, 35.0}
    np.testing.assert_array_equal(d.meta["density"], d.trials)
    assert set(d.meta["pred"]) == {"no", "pred"} and set(d.meta["size"]) == {"big", "small"}
    assert d.y[0] == 9 and d.trials[0] == 10
    np.testing.assert_allclose(d.y / d.trials, reference_table("reedfrogs")["propsurv"], atol=1e-6)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("efron_morris", {"trials_col": "trials"}),
        ("reedfrogs", {"trials_col": "trials"}),
        ("radon", {"x_col": "x"}),
    ],
)
def test_to_frame_round_trip_through_csv(name, kwargs):
    d = load_dataset(name)
    text = d.to_frame().to_csv(index=False)
    back = load_csv(text.encode("utf-8"), "group", "y", **kwargs)
    assert back.groups == d.groups
    np.testing.assert_array_equal(back.group_idx, d.group_idx)
    np.testing.assert_array_equal(back.y, d.y)
    for field in ("trials", "x"):
        if getattr(d, field) is not None:
            np.testing.assert_array_equal(getattr(back, field), getattr(d, field))


def test_eight_schools_round_trip_explains_one_row_per_group():
    text = load_dataset("eight_schools").to_frame().to_csv(index=False)
    with pytest.raises(DataError, match="only one row"):
        load_csv(text, "group", "y")
