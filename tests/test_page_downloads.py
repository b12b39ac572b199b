"""Every page with results offers downloads (estimates, traces, charts) and the PyMC script behind it,
and the script reads the page's data set from a CSV file offered beside it."""

from __future__ import annotations

import pytest

# page file -> (quick sampler settings, expected trace buttons, the data file(s) the script(s) read)
PAGES = {
    "app_pages/eight_schools.py": ({"es_draws": 250, "es_chains": 2, "es_seed": 21}, 3, "eight_schools.csv"),
    "app_pages/baseball.py": ({"bb_draws": 250, "bb_chains": 2, "bb_seed": 21}, 3, "efron_morris.csv"),
    # radon: the page's three fits, and section 4's model with county uranium (its own script and file)
    "app_pages/radon.py": (
        {"radon_draws": 250, "radon_tune": 500, "radon_chains": 2},
        3,
        ("radon.csv", "radon_uranium.csv"),
    ),
    "app_pages/reedfrogs.py": (
        {"frogs_draws": 250, "frogs_tune": 500, "frogs_chains": 2},
        3,
        "reedfrogs.csv",
    ),
    "app_pages/sampling.py": ({"sl_draws": 250, "sl_seed": 21}, 2, "eight_schools.csv"),
}


def _buttons(at) -> list[dict]:
    """Download buttons on the page: their labels and file names (AppTest has no typed accessor)."""
    out = []
    for element in at.get("download_button"):
        proto = element.proto
        out.append({"label": proto.label, "id": proto.id})
    return out


@pytest.mark.parametrize("page", list(PAGES))
def test_page_offers_downloads_and_its_code(app_test, page, open_lazy_boxes):
    settings, n_traces, data_file = PAGES[page]
    for key, value in settings.items():
        app_test.session_state[key] = value
    app_test.run()
    app_test.switch_page(page).run()
    assert not app_test.exception, [e.value for e in app_test.exception]
    # Chart images and the script are drawn only once their boxes are opened.
    assert not [b for b in _buttons(app_test) if b["label"] in ("PNG", "SVG")]
    assert not [c for c in app_test.code if "import pymc as pm" in c.value]
    open_lazy_boxes(app_test)
    assert not app_test.exception, [e.value for e in app_test.exception]
    labels = [b["label"] for b in _buttons(app_test)]
    assert "Estimates table" in labels
    assert labels.count("PNG") == labels.count("SVG") >= 2, labels  # every named chart, both formats
    trace_labels = {"Complete pooling", "No pooling", "Partial pooling", "Centered", "Non-centered"}
    assert sum(label in trace_labels for label in labels) == n_traces, labels
    files = (data_file,) if isinstance(data_file, str) else data_file
    assert all(f"Download {f}" in labels for f in files), labels
    scripts = [c.value for c in app_test.code if "import pymc as pm" in c.value]
    assert scripts, "no PyMC script on the page"
    read = [next((f for f in files if f'CSV_FILE = "{f}"' in s), None) for s in scripts]
    # every script reads one of the page's data files, and every file is read (the sampling lesson has
    # a script per parameterization, both reading its one file)
    assert None not in read and set(read) == set(files), read
    assert all("def partial_pooling():" in s for s in scripts)
    if page == "app_pages/radon.py":
        assert "Partial pooling + uranium" in labels  # the uranium fit's draws
        assert any("center = mu + gamma * u" in s for s in scripts)


def test_flat_prior_page_says_why_there_is_no_script(app_test, open_lazy_boxes):
    app_test.session_state["es_prior"] = "flat"
    app_test.run()
    app_test.switch_page("app_pages/eight_schools.py").run()
    open_lazy_boxes(app_test)
    assert not app_test.exception
    assert not [c for c in app_test.code if "import pymc as pm" in c.value]
    assert any("No script for these settings" in i.value for i in app_test.info)
    labels = [b["label"] for b in _buttons(app_test)]
    assert labels.count("PNG") >= 2  # the exact engine's charts can still be downloaded
