"""Two local replicas of the app behind HAProxy (deploy/haproxy/haproxy.cfg), tried as a class would.

Starts two ``streamlit run app.py`` servers (``r1``, ``r2``) on free loopback ports and HAProxy in
front of them (the committed configuration, with the ports and the frontend's port replaced). Every
request below goes through HAProxy unless said otherwise; "answered by" is HAProxy's
``X-PPL-Replica`` response header. The websocket clients speak Streamlit's own protocol (the
messages a browser sends; bench/load.py's ``Session``, driven by deploy/haproxy/classroom.py).

1. **Sticky** (one line per browser): ``--browsers`` new browsers, one after another. Each loads
   ``/`` without a cookie (HAProxy picks a replica and sets ``ppl_replica``), then with that cookie
   runs the Home page over the websocket (``/_stcore/stream``) to its end, twice (a reconnect; each
   time after ``GET /_stcore/health``, as the frontend does), and
   fetches ``/_stcore/health`` and ``/_stcore/host-config``. Every answer must come from the
   replica the cookie names, every run must finish without an exception, and the browsers must be
   spread over both replicas; as a control, six requests without the cookie reach both replicas.
2. **Load** (one line per tab): each of those browsers opens Explore in a tab (its cookie, its own
   seed; first ``GET /_stcore/health``, which sets Streamlit's XSRF cookie, then the websocket) and
   moves group A's size slider ``--moves`` times (``size_0``, one step up: fits nobody has run),
   all tabs at once. Every run must finish without an exception or error box, and every answer
   (ping, websocket) must come from the tab's replica.
3. **Upload**: the first browser opens "Your data" (``upload``) in a new tab and uploads a small
   CSV file as Streamlit's frontend does: a ``file_urls_request`` on the websocket, the server's
   ``file_urls_response`` (upload URL and file id), a multipart ``PUT`` of the file to
   ``/_stcore/upload_file/<session>/<file>`` with the cookies and the ``X-Xsrftoken`` header, then
   a rerun whose widget state for the uploader (``upload_file``) names the file. The ``PUT`` must
   get 204 from the tab's replica, and the run after it must finish without error and show the
   page's caption for the file's columns ("3 groups, 8 rows"). Control: the same ``PUT`` sent to the
   *other* replica directly must be refused (400, no such session there): what stickiness prevents.
4. **Kill**: with the Explore tabs open on both replicas and a move of each ``r1`` tab under way,
   ``r2`` is killed (SIGKILL to its process group). The ``r1`` tabs must finish that move and one
   more on their websockets, without error. The ``r2`` tabs must see their websocket drop, then do
   what the frontend does: ping ``/_stcore/health`` with their old cookie (answered at once by
   ``r1``, which sets ``ppl_replica=r1``: HAProxy's retry and redispatch, long before its health
   checks would mark ``r2`` down), reconnect the websocket with the new cookie and rerun Explore
   with the link (query string) their page had written before the kill. The page must come back
   from the link: the run finishes without error, group A's slider shows the link's size (not the
   page's default), the link the page keeps has the same group sizes (``n=``), a further move
   works, and every later answer comes from ``r1`` without a new cookie.

Last line: ``sticky=ok browsers=4 replicas_used=2 load=ok tabs=4 moves=12 errors=0 upload=ok
kill=ok survivors_unaffected=2/2 recovered_from_url=2/2 problems=0 seconds=S``, then one line per
problem; exit status 1 on any problem. Loopback only; every wait has a timeout, all checks together
at most 200 s (about 30 s on two cores with warm disk caches); every process is stopped at the end.

    python3 deploy/haproxy/two_replicas.py [--browsers 4] [--moves 3] [--keep-logs DIR]
        [--running PORT,PORT]   (replicas already running, e.g. two containers: no kill)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import classroom

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).resolve().parent / "haproxy.cfg"
START_TIMEOUT_S = 120.0
CHECKS_TIMEOUT_S = 200.0  # every check, from the first browser to the last recovered tab


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_config(replica_ports: list[int], frontend_port: int) -> str:
    """The committed configuration with its frontend and replicas moved to the given ports."""
    text = CONFIG.read_text()
    text, n = re.subn(r"bind 127\.0\.0\.1:\d+", f"bind 127.0.0.1:{frontend_port}", text)
    assert n == 1, "haproxy.cfg: expected one `bind 127.0.0.1:PORT` line"
    servers = re.findall(r"^ *server (r\d+) 127\.0\.0\.1:\d+.*$", text, flags=re.M)
    assert len(servers) >= len(replica_ports), "haproxy.cfg: fewer server lines than replicas"
    for i, name in enumerate(servers):
        if i < len(replica_ports):
            text = re.sub(rf"(server {name} 127\.0\.0\.1:)\d+", rf"\g<1>{replica_ports[i]}", text)
        else:  # more servers in the file than replicas here: leave them out
            text = re.sub(rf"^ *server {name} .*\n", "", text, flags=re.M)
    return text


def start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_healthy(port: int, procs: list[subprocess.Popen], timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a process exited while starting")
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing healthy on port {port} after {timeout:.0f} s")


def _classroom():
    """deploy/haproxy/classroom.py, imported when first needed: it imports bench/load.py, which
    imports this file."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import classroom

    return classroom


async def browser(port: int, index: int) -> tuple[str, list[str], dict[str, str]]:
    """One new browser; returns (its replica, problems, its cookies)."""
    room = _classroom()
    first = await asyncio.to_thread(room.http, f"http://127.0.0.1:{port}/", {})
    if room.STICKY not in first.cookies:
        return first.replica, [f"no {room.STICKY} cookie on the first response"], {}
    sticky = {room.STICKY: first.cookies[room.STICKY]}
    tab = room.Tab(f"browser {index}", port, dict(sticky))
    tab.answers.append(first.replica)
    problems: list[str] = []
    for _ in range(2):  # the page's WebSocket, then a reconnect
        problems += await tab.open("", "")  # Home
        await tab.close()
    for path in ("/_stcore/health", "/_stcore/host-config"):
        answer = await asyncio.to_thread(room.http, f"http://127.0.0.1:{port}{path}", tab.cookies)
        tab.answers.append(answer.replica)
    if len(set(tab.answers)) != 1:
        problems.append(f"answered by {tab.answers}")
    cookie = "; ".join(f"{k}={v}" for k, v in sticky.items())
    print(
        f"browser {index}: cookie {cookie}, answers from {tab.answers}, problems {problems or 'none'}",
        flush=True,
    )
    return first.replica, problems, sticky


async def browsers(port: int, n: int) -> list[tuple[str, list[str], dict[str, str]]]:
    results = []
    for i in range(n):  # one after another, as students arrive: leastconn alternates the replicas
        results.append(await browser(port, i + 1))
    # Control: without the cookie, requests are spread over both replicas (so the cookie is what
    # kept each browser's requests together above).
    health = f"http://127.0.0.1:{port}/_stcore/health"
    spread = {(await asyncio.to_thread(_classroom().http, health, {})).replica for _ in range(6)}
    print(f"control: six requests without the cookie went to {sorted(spread)}", flush=True)
    if len(spread) < 2:
        results.append(("?", [f"without the cookie every request went to {sorted(spread)}"], {}))
    return results


@dataclass
class Outcome:
    """What the checks found, for the summary line."""

    sticky: list[str] = field(default_factory=list)  # problems
    used: list[str] = field(default_factory=list)  # replicas the new browsers went to
    load: list[str] = field(default_factory=list)
    tabs: int = 0
    moves: int = 0
    upload: list[str] = field(default_factory=list)
    kill: classroom.KillReport | None = None  # None: not run


async def check_all(
    frontend: int,
    n_browsers: int,
    moves: int,
    replica_ports: dict[str, int],
    kill: Callable[[str], None] | None,
) -> Outcome:
    """Stickiness (new browsers on Home), a class on Explore, an upload, and, with ``kill``, a replica
    killed mid-class, all through HAProxy on ``frontend``."""
    classroom = _classroom()  # browser tabs speaking Streamlit's protocol
    out = Outcome()
    results = await browsers(frontend, n_browsers)
    out.sticky = [p for _, ps, _ in results for p in ps]
    out.used = sorted({r for r, _, c in results if c})
    if len(out.used) < min(2, n_browsers):
        out.sticky.append(f"new browsers all went to {out.used}")
    # The same browsers open Explore in a tab (their cookies, so each tab's replica is known).
    cookies = [c for _, _, c in results if c]
    t0 = time.monotonic()
    tabs, out.load, out.moves = await classroom.explore_class(frontend, cookies, moves)
    out.tabs = len(tabs)
    print(
        f"load: {out.tabs} tabs, {out.moves} moves, {len(out.load)} problems ({time.monotonic() - t0:.1f} s)",
        flush=True,
    )
    try:
        t0 = time.monotonic()
        if cookies:
            out.upload = await classroom.upload_csv(frontend, cookies[0], replica_ports)
        else:
            out.upload = ["upload: not run, no browser got a cookie"]
        print(f"upload: {len(out.upload)} problems ({time.monotonic() - t0:.1f} s)", flush=True)
        names = list(replica_ports)
        if kill is None or len(names) < 2:
            print("kill: skipped (replicas not started here)", flush=True)
        elif any(tab.session is None for tab in tabs):
            out.kill = classroom.KillReport(problems=["kill: not run, an Explore tab did not open"])
        else:
            victim, survivor = names[1], names[0]
            t0 = time.monotonic()
            out.kill = await classroom.kill_mid_class(tabs, victim, survivor, lambda: kill(victim))
            print(f"kill: {len(out.kill.problems)} problems ({time.monotonic() - t0:.1f} s)", flush=True)
    finally:
        for tab in tabs:
            try:
                await tab.close()
            except Exception:  # a tab of the killed replica: already closed
                pass
    return out


def summary(out: Outcome, n_browsers: int, moves: int, seconds: float) -> tuple[str, list[str]]:
    """The last line and every problem."""
    problems = out.sticky + out.load + out.upload
    sticky = "ok" if not out.sticky else "FAILED"
    load = "ok" if not out.load and out.tabs and out.moves == out.tabs * moves else "FAILED"
    upload = "ok" if not out.upload else "FAILED"
    line = (
        f"sticky={sticky} browsers={n_browsers} replicas_used={len(out.used)} "
        f"load={load} tabs={out.tabs} moves={out.moves} errors={len(out.load)} upload={upload} "
    )
    k = out.kill
    if k is None:
        line += "kill=skipped"
    else:
        problems += k.problems
        if not k.survivors or not k.killed:
            problems.append(
                f"kill: tabs on the surviving replica {k.survivors}, on the killed one {k.killed}"
            )
        ok = not k.problems and k.survivors_ok == k.survivors > 0 and k.recovered == k.killed > 0
        line += (
            f"kill={'ok' if ok else 'FAILED'} survivors_unaffected={k.survivors_ok}/{k.survivors} "
            f"recovered_from_url={k.recovered}/{k.killed}"
        )
    return f"{line} problems={len(problems)} seconds={seconds:.0f}", problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--browsers", type=int, default=4, help="new browsers, then Explore tabs")
    parser.add_argument("--moves", type=int, default=3, help="slider moves per Explore tab")
    parser.add_argument("--keep-logs", type=Path, help="copy the replicas' and HAProxy's logs here")
    parser.add_argument(
        "--running",
        help="use replicas already listening on these loopback ports (e.g. two containers: 18511,18512); "
        "no replica is killed then",
    )
    args = parser.parse_args(argv)
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        print("two_replicas: haproxy is not installed (apt-get install haproxy)", file=sys.stderr)
        return 2

    if args.running:
        ports = [int(p) for p in args.running.split(",")]
    else:
        ports = [free_port(), free_port()]
    frontend = free_port()
    procs: list[subprocess.Popen] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ppl-haproxy-") as tmp:
        tmp = Path(tmp)
        try:
            for i, port in enumerate([] if args.running else ports, start=1):
                cmd = [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    "app.py",
                    "--server.headless",
                    "true",
                    "--server.address",
                    "127.0.0.1",
                    "--server.port",
                    str(port),
                ]
                env = {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
                procs.append(start(cmd, tmp / f"replica{i}.log", env))
            cfg = tmp / "haproxy.cfg"
            cfg.write_text(render_config(ports, frontend))
            names = re.findall(r"^ *server (r\d+) ", cfg.read_text(), flags=re.M)
            replica_ports = dict(zip(names, ports, strict=True))
            replica_procs = dict(zip(names, procs, strict=False))
            t0 = time.monotonic()
            for port in ports:
                wait_healthy(port, procs)
            haproxy_proc = start([haproxy, "-f", str(cfg), "-db"], tmp / "haproxy.log")
            wait_healthy(frontend, [*procs, haproxy_proc], timeout=30)
            procs.append(haproxy_proc)
            time.sleep(0.5)  # HAProxy's first health checks mark both replicas up
            print(
                f"two_replicas: replicas {replica_ports}, HAProxy on {frontend} "
                f"({time.monotonic() - t0:.1f} s to start)",
                flush=True,
            )

            def kill(name: str) -> None:  # the replica and everything it started, at once
                os.killpg(replica_procs[name].pid, signal.SIGKILL)
                replica_procs[name].wait(timeout=10)

            checks = check_all(
                frontend, args.browsers, args.moves, replica_ports, None if args.running else kill
            )
            try:
                out = asyncio.run(asyncio.wait_for(checks, CHECKS_TIMEOUT_S))
            except TimeoutError:
                print(f"two_replicas: FAILED, the checks took over {CHECKS_TIMEOUT_S:.0f} s", flush=True)
                return 1
        finally:
            for proc in reversed(procs):
                stop(proc)
            if args.keep_logs:
                args.keep_logs.mkdir(parents=True, exist_ok=True)
                for log in tmp.glob("*.log"):
                    shutil.copy(log, args.keep_logs / log.name)
    line, problems = summary(out, args.browsers, args.moves, time.monotonic() - started)
    print(line, flush=True)
    for p in problems:
        print(f"  problem: {p}", flush=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
