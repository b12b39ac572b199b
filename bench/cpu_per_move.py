"""Benchmark: server CPU seconds per slider move on the default Explore page, old code against new, same run.

Issue #22 asks for half the server work per slider move. Wall time depends on the machine and on
what else runs on it; CPU time of the server process (all its threads: the page's script, nutpie's
chains, the conversions) is the work itself. This benchmark starts two ``streamlit run app.py``
servers side by side on 127.0.0.1: one from a git revision (``--baseline``, exported with
``git archive`` into a temporary folder) and one from this checkout. Each gets one session over
Streamlit's websocket (the client of ``bench/load.py``), opens Explore with the default settings
(warm-up: models compile, caches fill, not measured), then makes ``--moves`` moves of group A's size
slider, one step up each (every move asks for fits nobody has run), waiting for the page's run to
finish and ``--think`` seconds after it. The two servers take turns move by move, so a busy machine
slows both alike.

CPU is read from ``/proc/<pid>/stat`` (utime + stime) just before a move and just before the next
one, so work a move leaves running in the background (fits finishing, garbage collection) counts
toward it.

Last line: ``baseline=<rev> moves=<n> old_cpu_s=<s> new_cpu_s=<s> ratio=<new/old> old_wall_s=<median>
new_wall_s=<median> errors=<n>``.

Usage: ``python bench/cpu_per_move.py [--baseline 4e73ef4] [--moves 20] [--think 1.0]``.
Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import ROOT, free_port, start_server, stop_server  # noqa: E402
from load import Session  # noqa: E402

#: The code as it stood when the work on #22 began (2026-12-07): the reference for the ratio.
BASELINE = "4e73ef4"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14 and 15 of stat(5)


def export(revision: str, into: Path) -> Path:
    """The tree of ``revision`` of this repository, written to ``into`` (``git archive``)."""
    tar = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into


class Side:
    """One server and its session: the code of one revision."""

    def __init__(self, name: str, root: Path, log: Path) -> None:
        self.name, self.root, self.log = name, root, log
        self.port = free_port()
        self.proc = start_server(self.port, log, root=root)
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.errors: list[str] = []

    async def open(self, ws) -> None:
        self.session = Session(ws, "")
        await self.session.send_rerun()
        run = await self.session.finish_run()
        self.errors += run.errors
        self.size = int(dict(p.split("=") for p in self.session.query.split("&"))["n"].split("%2C")[0])

    async def move(self) -> None:
        self.size = self.size + 1 if self.size < 500 else 2
        start = time.perf_counter()
        await self.session.send_rerun({"size_0": self.size})
        run = await self.session.finish_run()
        self.wall.append(time.perf_counter() - start)
        self.errors += run.errors


async def measure(old: Side, new: Side, moves: int, warm: int, think: float) -> None:
    url = "ws://127.0.0.1:{}/_stcore/stream"
    async with (
        connect(url.format(old.port), subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws_old,
        connect(url.format(new.port), subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws_new,
    ):
        await old.open(ws_old)
        await new.open(ws_new)
        for _ in range(warm):  # compiles, caches, first-use costs: not measured
            for side in (old, new):
                await side.move()
                await asyncio.sleep(think)
        for side in (old, new):
            side.wall.clear()
        for i in range(moves):
            order = (old, new) if i % 2 == 0 else (new, old)
            for side in order:
                before = cpu_seconds(side.proc.pid)
                await side.move()
                await asyncio.sleep(think)  # what the move leaves running finishes meanwhile
                side.cpu.append(cpu_seconds(side.proc.pid) - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old code")
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--warm", type=int, default=3, help="unmeasured moves first")
    parser.add_argument("--think", type=float, default=1.0, help="seconds after each move")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cpu-per-move-"))
    old_root = export(args.baseline, work / "old")
    old = new = None
    try:
        old = Side("old", old_root, work / "old.log")
        new = Side("new", ROOT, work / "new.log")
        asyncio.run(measure(old, new, args.moves, args.warm, args.think))
    finally:
        for side in (old, new):
            if side is not None:
                stop_server(side.proc)
    for side in (old, new):
        for e in sorted(set(side.errors)):
            print(f"{side.name} error:", e)
        print(
            f"{side.name}: cpu per move median {statistics.median(side.cpu):.3f} s, "
            f"mean {statistics.mean(side.cpu):.3f} s; wall median {statistics.median(side.wall):.2f} s"
        )
    old_cpu, new_cpu = statistics.median(old.cpu), statistics.median(new.cpu)
    print(
        f"baseline={args.baseline} moves={args.moves} old_cpu_s={old_cpu:.3f} new_cpu_s={new_cpu:.3f} "
        f"ratio={new_cpu / old_cpu:.2f} old_wall_s={statistics.median(old.wall):.2f} "
        f"new_wall_s={statistics.median(new.wall):.2f} errors={len(old.errors) + len(new.errors)}"
    )


if __name__ == "__main__":
    main()
