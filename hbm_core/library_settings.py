"""Two process-wide settings of pandas and Altair that keep a busy server's page runs short (#22).

A Streamlit server runs each session's page in a thread of its own, beside the samplers' threads,
and all of them share one GIL. A thread that lets go of the GIL inside a library call must win it
back afterwards, and while other threads are busy that takes up to the interpreter's switch
interval (5 ms) each time. Work that lets go of the GIL many times in short calls therefore gets
slower the more users there are, though the processors are not full: with ten users moving sliders
on one server, the GIL was held only about 60 % of the time and the two cores were 65 % busy, yet
each move took 6 s.

- :func:`use_object_strings`: text columns as Python objects instead of pandas 3's pyarrow-backed
  strings, whose every operation lets go of the GIL.
- :func:`build_charts_unchecked`: Altair checks each piece of a chart against the Vega-Lite schema
  as it is made, and again when the chart becomes a spec; the pages' charts skip both (the chart
  tests check every chart's whole spec against the schema instead).

:mod:`hbm_core` applies the first when it is imported and :mod:`hbm_core.viz` the second, so the app
and the tests run with the same settings. The measured effect is in the README's section "Speed:
compile once, refit fast".
"""

from __future__ import annotations

import warnings

import pandas as pd


def use_object_strings() -> bool:
    """Make pandas store text columns as NumPy object arrays (pandas 2's way) rather than as
    pyarrow-backed ``str`` columns (pandas 3's default). Returns whether text is now stored so.

    A page run builds, sorts and looks up many small columns of group names and fit labels. On a
    pyarrow column each of these operations (building it, ``to_numpy``, ``factorize``, ``take``)
    runs in pyarrow without the GIL and then waits for it: with ten users, about a fifth of the
    page threads' profile samples were in those operations. Object columns do the same work in
    NumPy while holding the GIL.

    pandas 3.x: the option ``future.infer_string`` (deprecated there, so its warning is silenced
    here); pandas 2 stores text as objects already; pandas 4 removes the option, so this returns
    False there and ``tests/test_library_settings.py`` fails until this is rethought.
    """
    major = int(pd.__version__.split(".")[0])
    if major == 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the option's deprecation warning (pandas 3.x)
            pd.set_option("future.infer_string", False)
    return pd.Series(["a"]).dtype == object


def build_charts_unchecked() -> bool:
    """Turn off Altair's check of every chart piece against the Vega-Lite schema as it is made
    (its "debug mode"). Returns whether it is off.

    The check turns each axis, scale and encoding into a dict and validates it with jsonschema
    when it is created: about a fifth of the time a page spends building its charts (Explore's
    five charts: 125 ms with it, 102 ms without). Pages turn charts into specs without validation
    too (:func:`hbm_core.viz.chart_spec.named_spec`); the chart tests validate every chart's whole
    spec, which finds what the piecewise check would. Altair 5 and 6 have
    ``altair.utils.schemapi.disable_debug_mode``; without it nothing changes and this returns False.
    """
    from altair.utils import schemapi

    disable = getattr(schemapi, "disable_debug_mode", None)
    if disable is None:
        return False
    disable()
    return not schemapi.DEBUG_MODE
