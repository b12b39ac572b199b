"""Benchmark: the first complete result of a page on a freshly started server (issue #19, item 1).

Hosted containers sleep and restart, and a class that opens the app on a cold container waits for
everything a fresh process does once: importing PyMC, building and compiling each model structure
(or loading it from numba's disk cache), and the first fits. For each page in ``--pages``
this starts a new ``streamlit run app.py`` on 127.0.0.1, opens the page at once over Streamlit's
websocket (the client of ``bench/load.py``, no browser) and times, from the moment the server
process is started:

- ``health_s``: until ``/_stcore/health`` answers (the server is up; polled every 0.2 s),
- ``opened_s``: until the page was asked for (right after health, or after Home with ``--home``),
- ``first_chart_s``: until the first results chart arrives (Explore: the exact preview),
- ``result_s``: until the page's run has finished, i.e. its MCMC results are drawn (the pages
  wait for their fits within the run, with a progress bar),
- ``server_cpu_s``: the server's CPU seconds by then (all threads): the work itself, which depends
  less than the wall times on what else runs on the machine.

``--home S`` opens Home first and stays there S seconds before opening the page (the times still
count from the server's start): Home starts compiling Explore's models in the background.

``--caches warm`` (default) keeps the disk caches (numba and PyTensor, as a restarted server on the
same machine or the container image has them); ``--caches empty`` gives every server new, empty
cache folders (``NUMBA_CACHE_DIR``, ``PYTENSOR_FLAGS=base_compiledir=...``), like a new host.
The operating system's file cache stays warm either way. ``--baseline REV`` also runs the code of a
git revision (exported with ``git archive``), alternating with this checkout page by page, so the
two are compared on the same machine in the same minutes.

One line per server: ``code=<old|new> page=<p> caches=<warm|empty> home_s=.. health_s=..
opened_s=.. first_chart_s=.. result_s=.. server_cpu_s=.. errors=<n>``. Usage: ``python
bench/cold_start.py [--pages explore,radon] [--caches empty] [--home 10] [--baseline 1e4b9a6]
[--repeat 2]``. Loopback only; bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ROOT, free_port, start_server, stop_server  # noqa: E402
from cpu_per_move import cpu_seconds, export  # noqa: E402
from load import Session  # noqa: E402

#: The data-set pages and Explore: each shows MCMC results without any input (Your data needs a file).
PAGES = ("explore", "eight_schools", "baseball", "radon", "reedfrogs")
#: Targets of issue #19 (seconds from server start to the first complete result).
TARGETS = {("explore", "warm"): 10.0, ("explore", "empty"): 20.0}
OTHER_PAGE_TARGET = 15.0  # every other page, warm caches


async def _open(
    port: int, page: str, started: float, home_s: float | None = None
) -> tuple[float, float | None, float, list[str]]:
    """Open ``page``; (page opened, first results chart, end of the run) in seconds from ``started``,
    errors.
    ``home_s``: open Home first and read it for that many seconds (a class's usual way in)."""
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    async with connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
        if home_s is not None:
            home = Session(ws, "", page="")
            await home.send_rerun()
            await home.finish_run()
            await asyncio.sleep(home_s)
        session = Session(ws, "", page=page)
        sent = time.perf_counter()
        await session.send_rerun()
        run = await session.finish_run()
    first = None if run.first_chart_s is None else sent - started + run.first_chart_s
    return sent - started, first, sent - started + run.seconds, run.errors


def one_server(root: Path, page: str, caches: str, work: Path, home_s: float | None = None) -> dict:
    """Start a server from ``root``, open ``page`` right away, and time it (see the module's doc)."""
    env = {}
    if caches == "empty":
        fresh = Path(tempfile.mkdtemp(prefix="caches-", dir=work))
        env = {
            "NUMBA_CACHE_DIR": str(fresh / "numba"),
            "PYTENSOR_FLAGS": f"base_compiledir={fresh / 'pytensor'}",
        }
    port = free_port()
    started = time.perf_counter()
    proc = start_server(port, work / f"{page}-{port}.log", env=env, root=root)
    try:
        health = time.perf_counter() - started  # start_server polls the health check every 0.2 s
        opened, first, result, errors = asyncio.run(_open(port, page, started, home_s))
        cpu = cpu_seconds(proc.pid)
    finally:
        stop_server(proc)
    return {
        "health_s": health,
        "opened_s": opened,
        "first_chart_s": first,
        "result_s": result,
        "cpu_s": cpu,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated URL paths")
    parser.add_argument("--caches", choices=("warm", "empty"), default="warm")
    parser.add_argument("--baseline", help="git revision to compare with (old code), alternating")
    parser.add_argument("--repeat", type=int, default=1, help="servers per page and code")
    parser.add_argument("--home", type=float, help="open Home first and stay this many seconds")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cold-start-"))
    sides = [("new", ROOT)]
    if args.baseline:
        sides = [("old", export(args.baseline, work / "old")), ("new", ROOT)]
    failed = 0
    for page in args.pages.split(","):
        for i in range(args.repeat):
            for code, root in sides if i % 2 == 0 else sides[::-1]:
                r = one_server(root, page, args.caches, work, args.home)
                first = "nan" if r["first_chart_s"] is None else f"{r['first_chart_s']:.1f}"
                failed += bool(r["errors"])
                for e in r["errors"]:
                    print(f"  error: {e}")
                print(
                    f"code={code} page={page} caches={args.caches} home_s={args.home} "
                    f"health_s={r['health_s']:.1f} opened_s={r['opened_s']:.1f} "
                    f"first_chart_s={first} result_s={r['result_s']:.1f} server_cpu_s={r['cpu_s']:.1f} "
                    f"errors={len(r['errors'])}",
                    flush=True,
                )
    target = ", ".join(f"{p} {c} <= {t:.0f} s" for (p, c), t in TARGETS.items())
    print(f"targets (issue #19): {target}; every other page, warm caches <= {OTHER_PAGE_TARGET:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
