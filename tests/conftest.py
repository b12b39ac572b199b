"""Shared test setup.

Environment variables are set at import time, before any test module imports numba, pytensor or
matplotlib, so that the tests only write to tmp directories and ~/.cache. Subprocesses (the CLI, the
Streamlit server of the browser tests) inherit them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path.home() / ".cache" / "partial-pooling-lab"

# Same default as hbm_core/__init__.py, so tests, CLI and app share one numba disk cache.
os.environ.setdefault("NUMBA_CACHE_DIR", str(CACHE / "numba"))
# pytensor's compile cache (default ~/.pytensor) under the cache directory as well.
if "PYTENSOR_FLAGS" not in os.environ:
    os.environ["PYTENSOR_FLAGS"] = f"base_compiledir={CACHE / 'pytensor'}"
os.environ.setdefault("MPLBACKEND", "Agg")
# Streamlit (AppTest and the server): never collect usage statistics, never prompt.
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
os.environ.setdefault("STREAMLIT_SERVER_HEADLESS", "true")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where app.py lives)."""
    return ROOT


@pytest.fixture
def app_test():
    """A fresh, not yet run, AppTest of the whole app (``app.py`` with its st.navigation).

    Use ``app_test.run()``, then ``app_test.switch_page("app_pages/x.py").run()`` for other pages.
    (``AppTest.from_file("app.py")`` would look for app.py next to the *test* file.)
    """
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


@pytest.fixture
def open_lazy_boxes():
    """A function ``open_(at)``: open the expanders a page draws only while they are open (the chart
    images and "Show the code") and run the page again."""
    from ui import views

    def open_(at):
        at.session_state[views.CHART_IMAGES_KEY] = True
        for box in at.expander:
            at.session_state[views.code_box_key(box.label)] = True
        return at.run()

    return open_


@pytest.fixture
def open_page(app_test):
    """A function ``open_(page, state=None, query=None)``: run the app with these query parameters,
    set these session-state values (e.g. a small, quick sampler), switch to ``page`` (``"app_pages/x.py"``)
    and run it; the page must not raise. Returns the AppTest."""

    def open_(page: str, state: dict | None = None, query: dict | None = None):
        if query:
            app_test.query_params.update(query)
        app_test.run()
        for key, value in (state or {}).items():
            app_test.session_state[key] = value
        app_test.switch_page(page).run()
        assert not app_test.exception, [e.value for e in app_test.exception]
        return app_test

    return open_


@pytest.fixture
def frame_with():
    """A function ``frame_with(at, column)``: the value of the first dataframe on the page with this
    column; fails the test if there is none."""

    def frame_with_(at, column: str):
        for df in at.dataframe:
            if column in df.value.columns:
                return df.value
        raise AssertionError(f"no dataframe with column {column!r}")

    return frame_with_
