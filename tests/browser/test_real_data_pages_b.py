"""The radon and reed-frog pages in a real browser: change a widget, the page updates, no errors."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

FIRST_VISIT = 400  # s: the first visit compiles three models (10-40 s each on a busy 2-core machine)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def metric_text(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).first.inner_text()


def test_radon_county_picker(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    started = time.perf_counter()
    page = goto_app("/radon", timeout=FIRST_VISIT)
    print(f"radon: first visit {time.perf_counter() - started:.1f} s (includes compiling)")
    text = main_text(page)
    assert "Radon in Minnesota homes" in text
    assert "Gelman & Hill vs this app" in text
    assert "Gelman & Hill: 2.959" in metric_text(page, "No pooling")
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 4

    # Pick another county: type into the select box and press Enter.
    page.locator('[data-testid="stSelectbox"]').filter(has_text="County").first.click()
    page.keyboard.type("AITKIN")
    page.keyboard.press("Enter")
    started = time.perf_counter()
    wait_for_app_idle(page, timeout=120)
    print(f"radon: county change {time.perf_counter() - started:.1f} s (fits cached)")
    assert_no_errors(page)
    assert "One county up close: AITKIN" in main_text(page)
    assert "Gelman & Hill: 0.841" in metric_text(page, "No pooling")
    houses = metric_text(page, "Houses measured")
    assert houses.splitlines()[-1].strip() == "4", houses
    assert "county=AITKIN" in page.url
    screenshot(page, "radon")


def test_reedfrogs_seed(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
    started = time.perf_counter()
    page = goto_app("/reedfrogs", timeout=FIRST_VISIT)
    print(f"reedfrogs: first visit {time.perf_counter() - started:.1f} s (includes compiling)")
    text = main_text(page)
    assert "Reed frogs" in text and "Statistical Rethinking vs this app" in text
    assert "All fits converged" in text

    seed = page.get_by_label("Seed", exact=True).and_(page.get_by_test_id("stNumberInputField"))
    seed.fill("2")
    seed.press("Enter")
    started = time.perf_counter()
    wait_for_app_idle(page, timeout=300)
    print(f"reedfrogs: new seed {time.perf_counter() - started:.1f} s (three new fits, models compiled)")
    assert_no_errors(page)
    assert seed.input_value() == "2"
    text = main_text(page)
    assert "Shrinkage by tank size" in text and "moved most" in text  # the readings, for seed 2
    screenshot(page, "reedfrogs")
