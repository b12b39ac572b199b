"""Benchmark: the Explore page in a real browser — cold start to first chart, slider move to final chart.

Starts a fresh ``streamlit run app.py`` server (a cold start: no compiled model in memory; numba's
disk cache may be warm), opens the Explore page in headless Chromium, and measures

- ``first_chart_s``: page opened → first chart drawn (the exact preview needs no compile);
- ``first_final_s``: page opened → the MCMC fits shown (includes compiling on a cold server);
- ``move_median_s`` / ``move_p95_s``: slider key press → page idle with the final MCMC charts,
  over ``--moves`` moves of group A's size slider (default sizes), all one way (20, 21, 22, ...):
  each move's three fits are new to the server, none comes from the result cache;
- ``script_median_s``: key press → the server's run of the page is over (the rest of a move is
  the browser drawing).

Last line: ``first_chart_s=<s> first_final_s=<s> move_median_s=<s> move_p95_s=<s> moves=<n>
script_median_s=<s>``.

Usage: ``python bench/browser_latency.py [--moves 10]`` (needs /usr/bin/chromium and playwright).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import CHROMIUM_ARGS, free_port, start_server, stop_server  # noqa: E402

RUNNING_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && (app.getAttribute('data-test-script-state') === 'running'
                   || !!document.querySelector('[data-stale="true"]'));
}"""
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"], [data-stale="true"]')) return false;
  return !!document.querySelector(
    '[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas');
}"""
NOT_RUNNING_JS = """() => document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-script-state') === 'notRunning'"""
CHART_JS = """() => !!document.querySelector(
    '[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas')"""
FINAL_JS = "() => document.body.innerText.includes('Sampling time for all fits')"


def wait(page, js: str, timeout: float, settle: float = 0.0) -> float:
    """Poll ``js`` until true (for ``settle`` seconds); return the time it first became true."""
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        if page.evaluate(js):
            since = since or time.perf_counter()
            if time.perf_counter() - since >= settle:
                return since
        else:
            since = None
        page.wait_for_timeout(20)
    raise TimeoutError(js)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=10)
    args = parser.parse_args()
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "server.log"
    proc = start_server(port, log)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/explore")
            first_chart = wait(page, CHART_JS, 120) - t0
            first_final = wait(page, FINAL_JS, 300) - t0
            wait(page, IDLE_JS, 300, settle=0.5)
            print(f"first chart {first_chart:.2f} s, first final charts {first_final:.2f} s", flush=True)

            # Group A's sliders: its tab is the one shown first (hidden tabs' sliders have no role)
            slider = page.get_by_role("slider", name="Group size", exact=True).first
            moves, scripts = [], []
            for i in range(args.moves):
                slider.focus()
                start = time.perf_counter()
                slider.press("ArrowRight")  # one way: every move asks for fits nobody has run yet
                wait(page, RUNNING_JS, 10)
                script_done = wait(page, NOT_RUNNING_JS, 120)
                done = wait(page, IDLE_JS, 120, settle=0.3)
                moves.append(done - start)
                scripts.append(script_done - start)
                print(f"move {i + 1}: {moves[-1]:.2f} s (script over after {scripts[-1]:.2f} s)", flush=True)
            browser.close()
    finally:
        stop_server(proc)
    moves.sort()
    p95 = moves[min(len(moves) - 1, int(round(0.95 * (len(moves) - 1))))]
    print(
        f"first_chart_s={first_chart:.2f} first_final_s={first_final:.2f} "
        f"move_median_s={statistics.median(moves):.2f} move_p95_s={p95:.2f} moves={len(moves)} "
        f"script_median_s={statistics.median(scripts):.2f}"
    )


if __name__ == "__main__":
    main()
