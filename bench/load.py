"""Load test: N browser sessions moving sliders on one ``streamlit run`` server on loopback.

Starts ``streamlit run app.py`` on 127.0.0.1, opens N sessions of the Explore page in headless
Chromium (each its own browser context and seed, so no two users share a fit — the worst case;
``--same-link`` gives everyone the teacher's link instead), and for ``--seconds`` each session
keeps moving group A's size slider, waiting for the final (MCMC) charts after each move.
Reports errors seen (error boxes, exceptions, timeouts), the median and 95th percentile of the
time from slider change to final chart, and the server's peak resident memory.

Last line: ``sessions=N moves=<n> errors=<n> median_s=<s> p95_s=<s> peak_mb=<MB>``.

Usage: ``python bench/load.py --sessions 10 --seconds 60``. Traffic goes to 127.0.0.1 only and
every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_latency import CHROMIUM_ARGS, IDLE_JS, RUNNING_JS, free_port, start_server  # noqa: E402

ERROR_JS = """() => document.querySelectorAll(
  '[data-testid="stException"], [data-testid="stAlertContentError"]').length"""
MAX_MOVES_PER_SESSION = 200


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait(page, js: str, timeout: float, settle: float = 0.0) -> float:
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        if await page.evaluate(js):
            since = since or time.perf_counter()
            if time.perf_counter() - since >= settle:
                return since
        else:
            since = None
        await asyncio.sleep(0.03)
    raise TimeoutError(js)


async def session(browser, url: str, seconds: float, latencies: list[float], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"javascript: {exc}"))
    try:
        await page.goto(url)
        await wait(page, IDLE_JS, 600, settle=0.5)
        await page.get_by_text("Group A:").first.click()
        await wait(page, IDLE_JS, 120, settle=0.3)
        slider = page.get_by_role("slider", name="Group size").first
        end = time.monotonic() + seconds
        for i in range(MAX_MOVES_PER_SESSION):
            if time.monotonic() > end:
                break
            await slider.focus()
            start = time.perf_counter()
            await slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            try:
                await wait(page, RUNNING_JS, 10)
                done = await wait(page, IDLE_JS, 180, settle=0.2)
            except TimeoutError:
                errors.append("timeout waiting for the final chart")
                continue
            latencies.append(done - start)
            if n := await page.evaluate(ERROR_JS):
                errors.append(f"{n} error element(s) on the page")
    except Exception as exc:  # a broken session is an error to report, not a crash of the bench
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await context.close()


async def run(args) -> tuple[list[float], list[str], float]:
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "server.log"
    proc = start_server(port, log)
    latencies: list[float] = []
    errors: list[str] = []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            # Warm the server first (compile once), as a class would find it after the teacher's visit.
            warm = await browser.new_context()
            page = await warm.new_page()
            await page.goto(f"http://127.0.0.1:{port}/explore")
            await wait(page, IDLE_JS, 600, settle=0.5)
            await warm.close()
            urls = [
                f"http://127.0.0.1:{port}/explore"
                + ("" if args.same_link else f"?n=20,40,60&m=3,5,7&s=1,2,3&seed={1000 + i}")
                for i in range(args.sessions)
            ]
            await asyncio.gather(*(session(browser, u, args.seconds, latencies, errors) for u in urls))
            await browser.close()
        peak = peak_rss_mb(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return latencies, errors, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--same-link", action="store_true", help="every session opens the same link")
    args = parser.parse_args()
    latencies, errors, peak = asyncio.run(run(args))
    for e in sorted(set(errors)):
        print("error:", e)
    lat = sorted(latencies)
    median = statistics.median(lat) if lat else float("nan")
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else float("nan")
    print(
        f"sessions={args.sessions} moves={len(lat)} errors={len(errors)} "
        f"median_s={median:.2f} p95_s={p95:.2f} peak_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()
