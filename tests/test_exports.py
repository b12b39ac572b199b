"""Download builders: NetCDF traces open with ArviZ, CSV parses back, PNG and SVG are real images."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from hbm_core import exports, viz
from hbm_core.data.groups import synthetic_groups
from hbm_core.exact.preview import preview
from hbm_core.priors import Priors

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def estimates() -> pd.DataFrame:
    data = synthetic_groups([20, 40, 5], [3, 5, 7], [1, 2, 3], seed=1)
    return preview(data, Priors(mu_scale=20.0)).estimates


def _idata_like_the_engine() -> xr.DataTree:
    """Posterior with object-dtype group labels (as FitResult.idata) and sample stats."""
    rng = np.random.default_rng(0)
    groups = np.array(["A", "B", "Группа ü"], dtype=object)
    idata = az.from_dict(
        {
            "posterior": {"mu": rng.normal(size=(2, 50)), "theta": rng.normal(size=(2, 50, 3))},
            "sample_stats": {"diverging": np.zeros((2, 50), dtype=bool)},
        },
        coords={"group": groups},
        dims={"theta": ["group"]},
    )
    return idata


def _roundtrip(content: bytes, tmp_path) -> xr.DataTree:
    """The file read back as the download says: ``xarray.open_datatree`` and ``arviz.from_netcdf``."""
    path = tmp_path / "trace.nc"
    path.write_bytes(content)
    with xr.open_datatree(path) as tree:
        assert set(tree.children) >= {"posterior", "sample_stats"}
    return az.from_netcdf(path)


def test_trace_netcdf_opens_with_arviz(tmp_path):
    idata = _idata_like_the_engine()
    content = exports.trace_netcdf_bytes(idata)
    assert content.startswith(b"\x89HDF")  # NetCDF-4 is HDF5
    back = _roundtrip(content, tmp_path)
    assert isinstance(back, xr.DataTree) and set(back.children) >= {"posterior", "sample_stats"}
    np.testing.assert_allclose(back.posterior["theta"].values, idata.posterior["theta"].values)
    assert [str(g) for g in back.posterior["group"].values] == ["A", "B", "Группа ü"]


@pytest.mark.slow
def test_trace_netcdf_of_a_real_fit(tmp_path):
    from hbm_core.inference.service import FitSettings, fit

    data = synthetic_groups([10, 12, 8], [1, 2, 3], [1, 1, 1], seed=3)
    result = fit(data, "hierarchical", settings=FitSettings(draws=100, tune=200, chains=2))
    back = _roundtrip(exports.trace_netcdf_bytes(result.idata), tmp_path)
    assert back.posterior["theta"].shape == (2, 100, 3)
    assert list(back.posterior["group"].values) == ["A", "B", "C"]
    assert az.summary(back, var_names=["mu", "tau"]).shape[0] == 2


def test_estimates_csv_parses_back(estimates):
    content = exports.estimates_csv_bytes(estimates)
    back = pd.read_csv(io.BytesIO(content))
    assert list(back.columns) == list(estimates.columns)
    assert len(back) == len(estimates)
    np.testing.assert_allclose(back["mean"], estimates["mean"], rtol=1e-12)
    assert list(back["group"]) == list(estimates["group"])


def test_export_spec_gives_container_charts_a_width(estimates):
    chart = viz.shrinkage(estimates, "outcome")
    assert chart.to_dict().get("width") == "container"
    spec = json.loads(exports.export_spec(chart))
    assert spec["width"] == exports.EXPORT_WIDTH
    assert "container" not in json.dumps(spec)
    fixed = viz.shrinkage(estimates, "outcome", width=500)
    assert json.loads(exports.export_spec(fixed))["width"] == 500  # numbers stay as they are


@pytest.mark.parametrize("which", ["shrinkage", "forest", "pooling_bars"])
def test_chart_png_and_svg(estimates, which):
    chart = {
        "shrinkage": lambda: viz.shrinkage(estimates, "outcome"),
        "forest": lambda: viz.forest(estimates, "outcome"),
        "pooling_bars": lambda: viz.pooling_bars(estimates),
    }[which]()
    png = exports.chart_png_bytes(chart, scale=2)
    assert png.startswith(PNG_MAGIC)
    width = int.from_bytes(png[16:20], "big")  # IHDR: width, height
    assert width >= 2 * exports.EXPORT_WIDTH * 0.9  # the export width, at scale 2
    svg = exports.chart_svg_bytes(chart)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]
    assert any("(n=20)" in t for t in texts)  # the axis labels are real text, editable
