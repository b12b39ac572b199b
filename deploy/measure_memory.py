"""Resident memory of one app server: idle, after the first Explore visit, and while one user fits.

Starts ``streamlit run app.py`` on a free loopback port (or, with ``--port`` and ``--pid``, measures a
server already running there, e.g. a container's: ``podman inspect --format '{{.State.Pid}}' NAME``),
then reads ``/proc/PID/status``:

- ``idle``: after the server answers ``/_stcore/health`` (nothing loaded yet);
- ``warm``: after one visit to the Explore page and its fits (PyMC, nutpie and the three compiled
  models loaded: what every later user shares);
- ``one user``: the highest VmRSS sampled every 0.25 s while one user moves group A's size slider
  for ``--seconds`` (three new fits per move; bench/load.py's client), and the process's VmHWM.

Prints ``idle_mb=.. warm_mb=.. one_user_max_mb=.. hwm_mb=.. moves=.. errors=..``. Loopback only.

    python3 deploy/measure_memory.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _server import free_port, start_server, stop_server  # noqa: E402
from load import Results, user  # noqa: E402


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def sample_rss(pid: int, stop: asyncio.Event, peaks: list[float]) -> None:
    while not stop.is_set():
        peaks.append(status_mb(pid, "VmRSS"))
        await asyncio.sleep(0.25)


async def measure(port: int, pid: int, seconds: float) -> dict[str, float]:
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    figures = {"idle_mb": status_mb(pid, "VmRSS")}
    teacher = Results()
    t0 = time.perf_counter()
    await user(url, "seed=999", 0.0, 0.0, teacher)  # opens Explore and waits for its fits
    figures["first_visit_s"] = time.perf_counter() - t0
    figures["warm_mb"] = status_mb(pid, "VmRSS")
    one, peaks, stop = Results(), [], asyncio.Event()
    sampler = asyncio.create_task(sample_rss(pid, stop, peaks))
    await user(url, "seed=1000", seconds, 1.0, one)
    stop.set()
    await sampler
    figures["one_user_max_mb"] = max(peaks)
    figures["hwm_mb"] = status_mb(pid, "VmHWM")
    figures["moves"] = len(one.moves)
    figures["errors"] = len(teacher.errors) + len(one.errors)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, help="measure the server on this loopback port ...")
    parser.add_argument("--pid", type=int, help="... whose process id this is")
    args = parser.parse_args(argv)
    proc = None
    if args.port and args.pid:
        port, pid = args.port, args.pid
    else:
        port = free_port()
        proc = start_server(port, Path(tempfile.mkdtemp()) / "server.log")
        port, pid = port, proc.pid
    try:
        figures = asyncio.run(measure(port, pid, args.seconds))
    finally:
        if proc is not None:
            stop_server(proc)
    print(
        " ".join(
            f"{k}={v:.0f}" if k.endswith("_mb") or k in ("moves", "errors") else f"{k}={v:.1f}"
            for k, v in figures.items()
        )
    )
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
