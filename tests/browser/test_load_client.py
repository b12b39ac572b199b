"""Several users over Streamlit's websocket protocol (the client of ``bench/load.py``): every session
keeps its own link and gets no error while the others move their sliders at the same time."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import load  # noqa: E402

pytestmark = pytest.mark.slow

SEEDS = (611, 622, 633, 644)


def test_concurrent_websocket_users_get_their_own_results_and_no_errors(app_server):
    url = app_server.replace("http://", "ws://") + "/_stcore/stream"
    results = load.Results()

    async def everyone() -> list[str]:
        users = (load.user(url, f"seed={s}&draws=250&chains=2", 4.0, 0.0, results) for s in SEEDS)
        return await asyncio.gather(*users)

    # In a thread of its own: Playwright's sync API (other browser tests) may own this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        links = pool.submit(asyncio.run, everyone()).result(timeout=300)
    assert not results.errors, results.errors
    assert len(results.opens) == len(SEEDS)
    assert len(results.moves) >= len(SEEDS)  # everyone moved at least once in 4 s
    assert all(run.first_chart_s is not None for run in results.moves)  # results were drawn
    for seed, link in zip(SEEDS, links, strict=True):
        params = parse_qs(link)
        assert params["seed"] == [str(seed)]  # each session kept its own link...
        assert params["draws"] == ["250"] and params["chains"] == ["2"]
        assert int(params["n"][0].split(",")[0]) > 3  # ...and its own slider moves (default n = 3)
