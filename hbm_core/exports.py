"""Files to download: posterior draws (NetCDF), estimates (CSV) and charts (PNG, SVG).

Pure functions from the app's objects to bytes; no Streamlit here. The pages call them lazily
(only when a download button is clicked), see ``ui/views.py``.

- :func:`trace_netcdf_bytes`: a fit's ``xarray.DataTree`` (ArviZ 1.x) as a NetCDF-4 file, one
  group per node (open it with ``xarray.open_datatree`` or ``arviz.from_netcdf``);
- :func:`estimates_csv_bytes`: a table as UTF-8 CSV without the index;
- :func:`chart_png_bytes`, :func:`chart_svg_bytes`: an Altair chart rendered by vl-convert
  (the same Vega-Lite the browser runs, no browser needed). Charts sized to their container on
  the page get a fixed :data:`EXPORT_WIDTH` for the file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

if TYPE_CHECKING:
    import xarray as xr

#: Width in pixels given to charts whose width is "container" (the page's column) when exported.
EXPORT_WIDTH = 800


def trace_netcdf_bytes(idata: xr.DataTree) -> bytes:
    """The draws in ``idata`` (an ``xarray.DataTree``) as the bytes of a NetCDF-4 file.

    Written with ``DataTree.to_netcdf`` and the h5netcdf engine to a temporary file (it needs a
    path), read back and deleted.
    """
    fd, path = tempfile.mkstemp(suffix=".nc", prefix="trace-")
    os.close(fd)
    try:
        idata.to_netcdf(path, engine="h5netcdf")
        with open(path, "rb") as f:
            return f.read()
    finally:
        try:
            os.remove(path)
        except OSError:
            pass


def estimates_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes (header row, no index column, full precision)."""
    return frame.to_csv(index=False).encode("utf-8")


def _fixed_width(node, width: int):
    """Replace every ``"width": "container"`` (and height) in a Vega-Lite spec by a number."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("width", "height") and value == "container":
                out[key] = width if key == "width" else 300
            else:
                out[key] = _fixed_width(value, width)
        return out
    if isinstance(node, list):
        return [_fixed_width(v, width) for v in node]
    return node


def export_spec(chart: alt.TopLevelMixin, width: int = EXPORT_WIDTH) -> str:
    """The chart's Vega-Lite JSON with container widths replaced by ``width`` pixels."""
    spec = chart.to_dict()
    if "container" in json.dumps(spec):
        spec = _fixed_width(spec, width)
    return json.dumps(spec)


def _vl_version() -> str | None:
    """The Vega-Lite version of Altair's schema (e.g. "6.4") if vl-convert bundles it."""
    import vl_convert as vlc

    match = re.match(r"v?(\d+)\.(\d+)", alt.SCHEMA_VERSION)
    if match is None:
        return None
    version = f"{match.group(1)}.{match.group(2)}"
    return version if version in vlc.get_vegalite_versions() else None


def chart_png_bytes(chart: alt.TopLevelMixin, scale: float = 2) -> bytes:
    """The chart as a PNG image; ``scale=2`` gives a sharp picture for slides and print."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(export_spec(chart), scale=scale, vl_version=_vl_version())


def chart_svg_bytes(chart: alt.TopLevelMixin) -> bytes:
    """The chart as an SVG image (UTF-8 bytes), scalable and editable."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(export_spec(chart), vl_version=_vl_version()).encode("utf-8")
