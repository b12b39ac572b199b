"""Two local replicas of the app behind HAProxy (deploy/haproxy/haproxy.cfg): does a session stay on one?

Starts two ``streamlit run app.py`` servers on free loopback ports and HAProxy in front of them (the
committed configuration, with the ports and the frontend's port replaced), then plays several new
browsers. Each one:

1. loads the page over HTTP without a cookie: HAProxy picks a replica and sets ``ppl_replica``;
2. with that cookie, opens Streamlit's WebSocket (``/_stcore/stream``), runs the Home page over it
   (the messages a browser sends) and reads until the run has finished;
3. reconnects the WebSocket and fetches ``/_stcore/health`` and ``/_stcore/host-config`` again.

Then, as a control, six requests without the cookie must reach both replicas.

Every answer must come from the replica named by the first cookie (HAProxy's ``X-PPL-Replica``
header) and every page run must finish without an error; the new browsers must be spread over both
replicas. Prints one line per browser and a last line ``sticky=ok browsers=N replicas_used=2``;
exit status 1 otherwise. Loopback only; bounded in time (about 20-40 s on two cores).

    python3 deploy/haproxy/two_replicas.py [--browsers 4] [--keep-logs DIR] [--running PORT,PORT]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).resolve().parent / "haproxy.cfg"
START_TIMEOUT_S = 120.0
RUN_TIMEOUT_S = 60.0


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


def http_get(url: str, cookie: str | None = None) -> tuple[str, str | None]:
    """(replica that answered, ppl_replica cookie set by the response or None)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        set_cookie = [c for c in response.headers.get_all("Set-Cookie") or [] if c.startswith("ppl_replica=")]
        return response.headers["X-PPL-Replica"], (set_cookie[0].split(";")[0] if set_cookie else None)


async def run_home_page(port: int, cookie: str) -> tuple[str, list[str]]:
    """Open the WebSocket with ``cookie``, run the Home page; (replica that answered, errors)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    errors: list[str] = []
    async with connect(
        url, subprotocols=["streamlit"], additional_headers={"Cookie": cookie}, max_size=None, open_timeout=30
    ) as ws:
        replica = ws.response.headers.get("X-PPL-Replica", "?")
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        await ws.send(msg.SerializeToString())
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while True:
            raw = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                if fwd.delta.new_element.WhichOneof("type") == "exception":
                    errors.append(f"exception: {fwd.delta.new_element.exception.message[:120]}")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    errors.append("script error")
                if fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return replica, errors


async def browser(port: int, index: int) -> tuple[str, list[str]]:
    """One new browser; returns (its replica, problems)."""
    base = f"http://127.0.0.1:{port}"
    replica, cookie = await asyncio.to_thread(http_get, f"{base}/")
    if cookie is None:
        return replica, ["no ppl_replica cookie on the first response"]
    seen, problems = [replica], []
    for _ in range(2):  # the page's WebSocket, then a reconnect
        ws_replica, errors = await run_home_page(port, cookie)
        seen.append(ws_replica)
        problems += errors
    for path in ("/_stcore/health", "/_stcore/host-config"):
        seen.append((await asyncio.to_thread(http_get, f"{base}{path}", cookie))[0])
    if len(set(seen)) != 1:
        problems.append(f"answered by {seen}")
    print(f"browser {index}: cookie {cookie}, answers from {seen}, problems {problems or 'none'}", flush=True)
    return replica, problems


async def browsers(port: int, n: int) -> list[tuple[str, list[str]]]:
    results = []
    for i in range(n):  # one after another, as students arrive: leastconn alternates the replicas
        results.append(await browser(port, i + 1))
    # Control: without the cookie, requests are spread over both replicas (so the cookie is what
    # kept each browser's requests together above).
    spread = {
        (await asyncio.to_thread(http_get, f"http://127.0.0.1:{port}/_stcore/health"))[0] for _ in range(6)
    }
    print(f"control: six requests without the cookie went to {sorted(spread)}", flush=True)
    if len(spread) < 2:
        results.append(("?", [f"without the cookie every request went to {sorted(spread)}"]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--browsers", type=int, default=4)
    parser.add_argument("--keep-logs", type=Path, help="copy the replicas' and HAProxy's logs here")
    parser.add_argument(
        "--running",
        help="use replicas already listening on these loopback ports (e.g. two containers: 18511,18512)",
    )
    args = parser.parse_args(argv)
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        print("two_replicas: haproxy is not installed (apt-get install haproxy)", file=sys.stderr)
        return 2

    if args.running:
        replica_ports = [int(p) for p in args.running.split(",")]
    else:
        replica_ports = [free_port(), free_port()]
    frontend = free_port()
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="ppl-haproxy-") as tmp:
        tmp = Path(tmp)
        try:
            for i, port in enumerate([] if args.running else replica_ports, start=1):
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
            cfg.write_text(render_config(replica_ports, frontend))
            t0 = time.monotonic()
            for port in replica_ports:
                wait_healthy(port, procs)
            procs.append(start([haproxy, "-f", str(cfg), "-db"], tmp / "haproxy.log"))
            wait_healthy(frontend, procs, timeout=30)
            time.sleep(0.5)  # HAProxy's first health checks mark both replicas up
            print(
                f"two_replicas: replicas on {replica_ports}, HAProxy on {frontend} "
                f"({time.monotonic() - t0:.1f} s to start)",
                flush=True,
            )
            results = asyncio.run(browsers(frontend, args.browsers))
        finally:
            for proc in reversed(procs):
                stop(proc)
            if args.keep_logs:
                args.keep_logs.mkdir(parents=True, exist_ok=True)
                for log in tmp.glob("*.log"):
                    shutil.copy(log, args.keep_logs / log.name)
    problems = [p for _, ps in results for p in ps]
    used = sorted({r for r, _ in results})
    if len(used) < min(2, args.browsers):
        problems.append(f"new browsers all went to {used}")
    status = "ok" if not problems else "FAILED"
    print(f"sticky={status} browsers={args.browsers} replicas_used={len(used)}", flush=True)
    for p in problems:
        print(f"  problem: {p}", flush=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
