"""The process-wide pandas and Altair settings of hbm_core.library_settings (#22: a busy server)."""

from __future__ import annotations

import io

import altair as alt
import pandas as pd
import pytest
from altair.utils import schemapi

import hbm_core  # noqa: F401  (applies the pandas setting)
import hbm_core.viz  # noqa: F401  (applies the Altair setting)
from hbm_core import library_settings
from hbm_core.data.groups import synthetic_groups


def test_importing_hbm_core_stores_text_as_python_objects():
    assert pd.Series(["A", "B"]).dtype == object  # set by the import above
    assert pd.DataFrame({"fit": ["pooled", "unpooled"]})["fit"].dtype == object
    frame = synthetic_groups([3, 5], [1.0, 2.0], [1.0, 1.0], seed=1).to_frame()
    assert frame["group"].cat.categories.dtype == object  # the group names
    assert pd.read_csv(io.StringIO("group,y\nA,1.0\nB,2.0"))["group"].dtype == object
    assert library_settings.use_object_strings()  # fails on a pandas without the setting (pandas 4)


def test_charts_are_built_without_the_piecewise_schema_check_but_whole_specs_are_still_checked():
    assert schemapi.DEBUG_MODE is False  # importing hbm_core.viz turned it off
    assert library_settings.build_charts_unchecked()
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    # A bad axis setting: made without complaint (no check per piece) ...
    chart = alt.Chart(frame).mark_point().encode(x=alt.X("x:Q", axis=alt.Axis(labelAngle="steep")))
    # ... and caught where the chart tests look, the whole spec's validation.
    with pytest.raises(schemapi.SchemaValidationError):
        chart.to_dict()
