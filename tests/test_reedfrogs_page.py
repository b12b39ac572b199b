"""AppTest of the reed-frogs page: renders, McElreath's numbers beside the app's, priors and seed
change what is shown."""

from __future__ import annotations

import pytest

FROGS = "app_pages/reedfrogs.py"
QUICK = {"frogs_draws": 250, "frogs_tune": 500, "frogs_chains": 2}


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def frame(at, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


@pytest.fixture
def frogs(open_page):
    at = open_page(FROGS, state=QUICK)
    assert not at.error, [e.value for e in at.error]
    return at


def test_page_reproduces_mcelreath(frogs):
    table = frame(frogs, "published").set_index("quantity")
    a_bar = table.loc["a_bar (mean logit survival)"]
    sigma = table.loc["sigma (between-tank sd, logit)"]
    assert (a_bar.published, a_bar["published sd"]) == (1.35, 0.26)
    assert a_bar["this app"] == pytest.approx(1.35, abs=0.12)
    assert sigma["this app"] == pytest.approx(1.62, abs=0.12)
    assert metric(frogs, "Median tank survival") in {"77%", "78%", "79%", "80%", "81%"}
    summary = frame(frogs, "mean |shift|")
    shifts = summary["mean |shift|"].tolist()
    assert shifts[0] > shifts[1] > shifts[2]  # small tanks shrink most
    tanks = frame(frogs, "observed share")
    assert len(tanks) == 48
    full = tanks[tanks["observed share"] == 1.0]
    assert (full["Partial pooling"] < 1.0).all()  # all survived, still estimated below 100%
    assert not any("changed the priors" in w.value for w in frogs.warning)


def test_prior_slider_and_reset(frogs):
    before = frame(frogs, "published").set_index("quantity")["this app"]
    frogs.slider(key="frogs_tau_scale").set_value(0.25).run()
    assert not frogs.exception
    after = frame(frogs, "published").set_index("quantity")["this app"]
    assert after["sigma (between-tank sd, logit)"] < before["sigma (between-tank sd, logit)"]
    assert any("changed the priors" in w.value for w in frogs.warning)
    frogs.button[0].click().run()  # "McElreath's priors"
    assert frogs.session_state["frogs_tau_scale"] == 1.0
    assert not any("changed the priors" in w.value for w in frogs.warning)


def test_seed_changes_the_draws(frogs):
    before = metric(frogs, "ā (logit)")
    frogs.number_input(key="frogs_seed").set_value(2).run()
    assert not frogs.exception
    assert metric(frogs, "ā (logit)") != before or frame(frogs, "published")["this app"].iloc[0] != 0


def caption_with(at, start: str) -> str:
    return next(c.value for c in at.caption if c.value.startswith(start))


def test_captions_are_computed_from_the_fits(frogs):
    """The tank chart's caption names the tank whose partial-pooling estimate is furthest from its
    observed share; the size chart's caption gives the mean shift of each tank size."""
    tanks = frame(frogs, "observed share").set_index("tank")
    moved = tanks["partial − observed"].abs()
    top = moved.idxmax()
    caption = caption_with(frogs, "Blue: each tank on its own")
    assert f"Tank {top} (n = {int(tanks.loc[top, 'density'])}) moved most" in caption
    full = tanks[tanks["observed share"] == 1.0]
    assert f"The {len(full)} tanks where every tadpole survived" in caption
    summary = frame(frogs, "mean |shift|")
    sizes = caption_with(frogs, "The average distance, in percentage points")
    for _, row in summary.iterrows():
        assert f"{row['mean |shift|']:.1f} pp for the {int(row['tanks'])} {row['tank size']}" in sizes
    assert "Small tanks shrink the most" not in [h.value for h in frogs.header]
