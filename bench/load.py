"""Load test: N sessions moving sliders on one ``streamlit run`` server, over Streamlit's websocket.

Starts ``streamlit run app.py`` on 127.0.0.1, opens the Explore page once and waits for its fits (the
teacher's visit: the models compile once), then opens N sessions at once. Each session is a client
of Streamlit's own websocket protocol (the messages a browser sends: a rerun with the new widget
values; the server answers with the page's elements and "script finished"), so the load is the
server's alone: no browser draws charts on the server's two cores. Each session has its own seed
(no two users share a fit: the worst case; ``--same-link`` gives everyone the teacher's link),
and for ``--seconds`` it moves group A's size slider one step up (every move asks for three fits
nobody has run), waits for the page's run to finish (the final MCMC charts sent), looks at it for
``--think`` seconds, and moves again.

Reports errors (exceptions, error boxes, failed or timed-out runs, dropped connections: must be 0),
the median and 95th percentile of the time from slider change to the end of the page's run
(final charts sent) and to the first results chart (the exact preview, or the MCMC result when it
comes first), how many runs were lightened under load, and the server's peak memory (the largest
replica's).

``--replicas 2`` starts two servers and HAProxy with the project's configuration
(``deploy/haproxy/haproxy.cfg``) in front of them, warms each replica, and sends every user through
HAProxy (one websocket per user, kept on one replica). On one 2-core machine the replicas share the
same two cores: this checks the proxy path under load and what it costs, not the capacity two
machines would give.

Last line: ``sessions=N replicas=R moves=<n> errors=<n> median_s=<s> p95_s=<s> first_median_s=<s>
first_p95_s=<s> open_p95_s=<s> lighter=<n> peak_mb=<MB> think_s=<s>``.

Usage: ``python bench/load.py --sessions 10 --seconds 60``. Traffic goes to 127.0.0.1 only and
every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "deploy" / "haproxy"))
from _server import free_port, peak_rss_mb, start_server, stop_server  # noqa: E402

MAX_MOVES_PER_SESSION = 400
RUN_TIMEOUT_S = 180.0  # a run that takes longer counts as an error (the page "hangs")
SHRINKAGE_TITLE = "pulls groups toward"  # in the shrinkage chart's spec: the first results chart
BUSY_NOTE = "The server was busy"  # the page's note when it asked for lighter fits
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass
class Run:
    """What one run of the page sent: its duration, first results chart, errors, load note."""

    seconds: float
    first_chart_s: float | None
    errors: list[str]
    lighter: bool


@dataclass
class Session:
    """One simulated user: a websocket, the page's widget ids and its current link."""

    ws: object
    query: str
    page: str = "explore"  # the page's URL path, for the first run (later runs name its hash)
    page_hash: str = ""
    widget_ids: dict[str, str] = field(default_factory=dict)  # user key -> Streamlit's widget id
    fragments: dict[str, str] = field(default_factory=dict)  # user key -> id of the fragment drawing it

    async def send_rerun(self, widgets: dict[str, float] | None = None) -> None:
        await self.ws.send(self.rerun_message(widgets).SerializeToString())

    def rerun_message(self, widgets: dict[str, float] | None = None) -> BackMsg:
        """The message a browser sends to run the page again, with new slider values (by user key)."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if self.page_hash:
            state.page_script_hash = self.page_hash
        else:
            state.page_name = self.page
        for key, value in (widgets or {}).items():
            if self.fragments.get(key):  # a browser reruns only the fragment that drew the widget
                state.fragment_id = self.fragments[key]
            widget = state.widget_states.widgets.add()
            widget.id = self.widget_ids[key]
            widget.double_array_value.data.append(value)  # what a browser sends for st.slider
        return msg

    async def finish_run(self) -> Run:
        """Read messages until the page's run is over; note errors and the first results chart."""
        start = time.perf_counter()
        first, errors, lighter = None, [], False
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT_S)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string  # the page writes its settings there
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                what = element.WhichOneof("type")
                if what == "slider" and "-" in element.slider.id:
                    key = element.slider.id.rsplit("-", 1)[-1]
                    self.widget_ids[key] = element.slider.id
                    self.fragments[key] = msg.delta.fragment_id
                elif what == "exception":
                    errors.append(f"exception: {element.exception.type}: {element.exception.message}")
                elif what == "alert" and element.alert.format == Alert.ERROR:
                    errors.append(f"error box: {element.alert.body[:120]}")
                elif what == "alert" and BUSY_NOTE in element.alert.body:
                    lighter = True
                elif what == "vega_lite_chart" and SHRINKAGE_TITLE in element.vega_lite_chart.spec:
                    first = first or time.perf_counter() - start
            elif kind == "script_finished":
                if msg.script_finished in FINISHED:
                    return Run(time.perf_counter() - start, first, errors, lighter)
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    return Run(time.perf_counter() - start, first, [*errors, "script error"], lighter)
                # FINISHED_EARLY_FOR_RERUN: the page reran itself (first visit); keep reading


@dataclass
class Results:
    moves: list[Run] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def user(url: str, query: str, seconds: float, think: float, results: Results) -> str:
    """Open the Explore page with link ``query``, then move group A's size slider for ``seconds``.

    Returns the page's link (query string) at the end, e.g. to check that it is still this user's.
    """
    session = None
    try:
        async with connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
            session = Session(ws, query)
            await session.send_rerun()
            opened = await session.finish_run()
            results.opens.append(opened.seconds)
            results.errors += opened.errors
            size = int(dict(p.split("=") for p in session.query.split("&"))["n"].split("%2C")[0])
            end = time.monotonic() + seconds
            for _ in range(MAX_MOVES_PER_SESSION):
                if time.monotonic() > end:
                    break
                size = size + 1 if size < 500 else 2
                await session.send_rerun({"size_0": size})
                run = await session.finish_run()
                results.moves.append(run)
                results.errors += run.errors
                await asyncio.sleep(think)
    except Exception as exc:  # a broken session (timeout, dropped connection) is an error, not a crash
        results.errors.append(f"{type(exc).__name__}: {exc}")
    return session.query if session is not None else ""


def start_haproxy(replica_ports: list[int], work: Path) -> tuple[subprocess.Popen, int]:
    """HAProxy on a free loopback port in front of ``replica_ports``, with the project's own
    configuration (deploy/haproxy/haproxy.cfg, ports moved by two_replicas.render_config)."""
    from two_replicas import render_config, wait_healthy  # deploy/haproxy/

    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        raise RuntimeError("haproxy is not installed (bash tests/setup.sh installs it)")
    frontend = free_port()
    cfg = work / "haproxy.cfg"
    cfg.write_text(render_config(replica_ports, frontend))
    log = (work / "haproxy.log").open("w")
    proc = subprocess.Popen([haproxy, "-f", str(cfg), "-db"], stdout=log, stderr=subprocess.STDOUT)
    wait_healthy(frontend, [proc], timeout=30)
    time.sleep(0.5)  # HAProxy's first health checks mark the replicas up
    return proc, frontend


async def run(args) -> tuple[Results, float]:
    work = Path(tempfile.mkdtemp())
    ports = [free_port() for _ in range(args.replicas)]
    procs = [start_server(port, work / f"server{i}.log") for i, port in enumerate(ports)]
    haproxy = None
    results = Results()
    try:
        for port in ports:  # warm every replica: each compiles its own models once (the teacher's visit)
            teacher = Results()
            await user(f"ws://127.0.0.1:{port}/_stcore/stream", "seed=999", 0.0, 0.0, teacher)
            if teacher.errors:
                raise RuntimeError(f"the first visit failed: {teacher.errors}")
        url = f"ws://127.0.0.1:{ports[0]}/_stcore/stream"
        if args.replicas > 1:  # each user's websocket is one connection: HAProxy keeps it on one replica
            haproxy, frontend = start_haproxy(ports, work)
            url = f"ws://127.0.0.1:{frontend}/_stcore/stream"
        queries = ["seed=999" if args.same_link else f"seed={1000 + i}" for i in range(args.sessions)]
        await asyncio.gather(*(user(url, q, args.seconds, args.think, results) for q in queries))
        peak = max(peak_rss_mb(proc.pid) for proc in procs)
    finally:
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(timeout=10)
        for proc in procs:
            stop_server(proc)
    return results, peak


def quantiles(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank), NaN when empty."""
    if not values:
        return float("nan"), float("nan")
    v = sorted(values)
    return statistics.median(v), v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a user looks before moving")
    parser.add_argument("--same-link", action="store_true", help="every session opens the same link")
    parser.add_argument(
        "--replicas", type=int, default=1, help="servers behind HAProxy (deploy/haproxy/); 1: no proxy"
    )
    args = parser.parse_args()
    results, peak = asyncio.run(run(args))
    for e in sorted(set(results.errors)):
        print("error:", e)
    median, p95 = quantiles([r.seconds for r in results.moves])
    first_median, first_p95 = quantiles([r.first_chart_s for r in results.moves if r.first_chart_s])
    _, open_p95 = quantiles(results.opens)
    print(
        f"sessions={args.sessions} replicas={args.replicas} moves={len(results.moves)} "
        f"errors={len(results.errors)} "
        f"median_s={median:.2f} p95_s={p95:.2f} first_median_s={first_median:.2f} "
        f"first_p95_s={first_p95:.2f} open_p95_s={open_p95:.2f} "
        f"lighter={sum(r.lighter for r in results.moves)} peak_mb={peak:.0f} think_s={args.think:g}"
    )


if __name__ == "__main__":
    main()
