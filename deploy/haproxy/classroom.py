"""A class behind HAProxy, for two_replicas.py: browser tabs that speak Streamlit's websocket protocol
through the proxy with their cookies, move Explore's sliders, upload a CSV file, and outlive a replica.

A :class:`Tab` is one browser tab: its cookies (HAProxy's ``ppl_replica`` and Streamlit's
``_streamlit_xsrf``), and its page, driven by bench/load.py's :class:`Session` (the messages a
browser sends) over a :class:`Tap`, the websocket with a note of what ``Session`` does not keep (the
session's id, the file uploader's widget id, the page's texts, answers to upload requests). It
connects the way Streamlit's frontend does: ``GET /_stcore/health`` first (which sets the XSRF
cookie), then the websocket with the subprotocols ``streamlit``, the XSRF token and, on a
reconnect, the previous session's id. Every answer's ``X-PPL-Replica`` header (set by HAProxy) is
kept in ``Tab.answers``.

The three checks (each returns lines to print and problems):

* :func:`explore_class`: tabs open Explore and move group A's size slider a few times, at once;
* :func:`upload_csv`: a tab uploads a CSV file on "Your data" as the browser does (ask the session
  for upload URLs, ``PUT`` the file, rerun with the uploader's state naming it), plus the control:
  the same ``PUT`` sent straight to the other replica is refused;
* :func:`kill_mid_class`: one replica is killed while the class is on Explore; the other's tabs go
  on over their websockets, the killed one's reconnect through HAProxy with their old cookie and
  reopen their page from its link.
"""

from __future__ import annotations

import asyncio
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from load import Session  # noqa: E402  bench/load.py: Streamlit's websocket protocol, as a browser speaks it

STICKY = "ppl_replica"  # HAProxy's cookie (haproxy.cfg)
XSRF = "_streamlit_xsrf"  # Streamlit's cookie; uploads send it back as the X-Xsrftoken header
RUN_TIMEOUT_S = 90.0  # one run of a page, a replica's first compile included
DROP_TIMEOUT_S = 10.0  # a killed replica's websockets must drop within this
HTTP_TIMEOUT_S = 10.0

# The file the upload sends: three classes, two columns, so its model is Explore's (compiled already).
CSV_NAME = "class_scores.csv"
CSV = b"class,score\n7A,69\n7A,63\n7A,77\n7B,73\n7B,75\n7B,81\n7C,68\n7C,55\n"
CSV_READ = "3 groups, 8 rows"  # app_pages/upload.py's caption once it has read the file's columns
UPLOADER_KEY = "upload_file"  # the file uploader's key on "Your data" (URL path "upload")


@dataclass
class Answer:
    """An HTTP answer: status, replica (X-PPL-Replica), cookies it set, body."""

    status: int
    replica: str
    cookies: dict[str, str]
    body: bytes


def http(
    url: str, cookies: dict[str, str], method: str = "GET", data: bytes | None = None, headers=None
) -> Answer:
    """One request with ``cookies``; an HTTP error status is an answer too."""
    headers = {**(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S)
    except urllib.error.HTTPError as err:
        response = err
    with response:
        body = response.read()
        set_cookies = response.headers.get_all("Set-Cookie") or []
        return Answer(
            response.status, response.headers.get("X-PPL-Replica", "?"), _cookies(set_cookies), body
        )


def _cookies(set_cookie_headers: list[str]) -> dict[str, str]:
    return dict(h.split(";", 1)[0].strip().split("=", 1) for h in set_cookie_headers if "=" in h)


def query_sizes(query: str) -> str | None:
    """The group sizes (``n=``) in an Explore link."""
    return urllib.parse.parse_qs(query).get("n", [None])[0]


class Tap:
    """The websocket as :class:`Session` uses it (``send``, ``recv``), noting on the way what Session
    does not keep: the session's id, file uploaders' widget ids, texts drawn, upload URL answers."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.session_id = ""
        self.uploaders: dict[str, str] = {}  # user key -> widget id
        self.sliders: dict[str, float] = {}  # user key -> the value the slider shows (last drawn)
        self.texts: list[str] = []  # Markdown and captions, since the tab's last rerun
        self.file_urls: dict[str, FileURLs] = {}  # request id -> the server's upload URLs

    async def send(self, data: bytes) -> None:
        await self.ws.send(data)

    async def recv(self) -> bytes:
        raw = await self.ws.recv()
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id
        elif kind == "file_urls_response":
            response = msg.file_urls_response
            if response.file_urls:
                self.file_urls[response.response_id] = response.file_urls[0]
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            what = element.WhichOneof("type")
            if what == "slider" and "-" in element.slider.id:
                slider = element.slider
                shown = slider.value if slider.set_value else slider.default
                self.sliders[slider.id.rsplit("-", 1)[-1]] = shown[0] if shown else float("nan")
            elif what == "file_uploader":
                self.uploaders[element.file_uploader.id.rsplit("-", 1)[-1]] = element.file_uploader.id
            elif what == "markdown":
                self.texts.append(element.markdown.body)
        return raw


@dataclass
class Tab:
    """One browser tab behind HAProxy (``frontend`` port) with its cookies."""

    name: str
    frontend: int
    cookies: dict[str, str]
    answers: list[str] = field(default_factory=list)  # X-PPL-Replica of every answer, in order
    session: Session | None = None
    tap: Tap | None = None
    size: int = 0  # group A's size, as the tab last set it
    first_sizes: str | None = None  # the group sizes (n=) in Explore's link when the tab opened it

    @property
    def replica(self) -> str:
        return self.cookies.get(STICKY, "?")

    @property
    def sliders(self) -> dict[str, float]:
        return self.tap.sliders if self.tap else {}

    async def ping(self) -> Answer:
        """``GET /_stcore/health``, as the frontend does before it (re)connects; keeps the cookies set."""
        answer = await asyncio.to_thread(
            http, f"http://127.0.0.1:{self.frontend}/_stcore/health", self.cookies
        )
        self.cookies.update(answer.cookies)
        self.answers.append(answer.replica)
        return answer

    async def open(self, page: str, query: str) -> list[str]:
        """Connect the websocket (after a ping) and run ``page`` with link ``query``; the run's errors."""
        await self.ping()
        last = [self.tap.session_id] if self.tap and self.tap.session_id else []
        ws = await connect(
            f"ws://127.0.0.1:{self.frontend}/_stcore/stream",
            subprotocols=["streamlit", self.cookies.get(XSRF, "PLACEHOLDER_AUTH_TOKEN"), *last],
            additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())},
            max_size=None,
            open_timeout=30,
        )
        self.answers.append(ws.response.headers.get("X-PPL-Replica", "?"))
        self.cookies.update(_cookies(ws.response.headers.get_all("Set-Cookie")))
        self.tap = Tap(ws)
        self.session = Session(self.tap, query, page=page)
        return await self.rerun()

    async def rerun(self, widgets: dict[str, float] | None = None) -> list[str]:
        """Send a rerun (with new slider values) and read the run to its end; its errors."""
        await self.send(widgets)
        return await self.finish()

    async def send(self, widgets: dict[str, float] | None = None) -> None:
        self.tap.texts.clear()
        await self.session.send_rerun(widgets)

    async def finish(self) -> list[str]:
        run = await asyncio.wait_for(self.session.finish_run(), RUN_TIMEOUT_S)
        return run.errors

    async def move(self) -> list[str]:
        """Move group A's size slider one step up (a run with fits nobody has asked for)."""
        self.size += 1
        return await self.rerun({"size_0": self.size})

    async def close(self) -> None:
        if self.tap is not None:
            await self.tap.ws.close()


def _off_replica(tab: Tab) -> list[str]:
    """Problems if any answer so far came from another replica than the tab's cookie names."""
    strays = [r for r in tab.answers if r != tab.replica]
    return [f"{tab.name}: answers from {tab.answers}, cookie names {tab.replica}"] if strays else []


async def explore_class(
    frontend: int, cookies: list[dict[str, str]], moves: int
) -> tuple[list[Tab], list[str], int]:
    """One tab per cookie opens Explore (its own seed) and moves group A's size ``moves`` times, all
    tabs at once. Returns the tabs (still connected), the problems and the moves finished."""
    done = 0
    tabs = [Tab(f"explore tab {i + 1}", frontend, dict(c)) for i, c in enumerate(cookies)]

    async def play(i: int, tab: Tab) -> list[str]:
        nonlocal done
        t0 = time.monotonic()
        try:
            errors = await tab.open("explore", f"seed={1000 + i}")
            opened = time.monotonic() - t0
            tab.first_sizes = query_sizes(tab.session.query)
            tab.size = int(tab.first_sizes.split(",")[0])
            times = []
            for _ in range(moves):
                t1 = time.monotonic()
                errors += await tab.move()
                done += 1
                times.append(time.monotonic() - t1)
        except Exception as exc:  # a timeout or a dropped connection is a problem, not a crash
            return [f"{tab.name}: {type(exc).__name__}: {exc}"]
        problems = [f"{tab.name}: {e}" for e in errors] + _off_replica(tab)
        print(
            f"{tab.name}: cookie {STICKY}={tab.replica}, Explore opened in {opened:.1f} s, {moves} moves "
            f"({', '.join(f'{t:.1f}' for t in times)} s), answers from {sorted(set(tab.answers))}, "
            f"errors {len(errors)}",
            flush=True,
        )
        return problems

    found = await asyncio.gather(*(play(i, tab) for i, tab in enumerate(tabs)))
    return tabs, [p for ps in found for p in ps], done


async def upload_csv(frontend: int, cookies: dict[str, str], replica_ports: dict[str, int]) -> list[str]:
    """A tab opens "Your data" and uploads :data:`CSV` through HAProxy as Streamlit's frontend does;
    then the same upload sent straight to the other replica, which must refuse it. Problems."""
    tab = Tab("upload tab", frontend, dict(cookies))
    problems: list[str] = []
    try:
        problems += [f"upload, opening the page: {e}" for e in await tab.open("upload", "")]
        tap, session = tab.tap, tab.session
        if UPLOADER_KEY not in tap.uploaders or not tap.session_id:
            return [f"upload: no file uploader {UPLOADER_KEY!r} or no session id on the page"]
        # 1. Ask the session for an upload URL (BackMsg file_urls_request).
        request_id = uuid.uuid4().hex
        ask = BackMsg()
        ask.file_urls_request.request_id = request_id
        ask.file_urls_request.file_names.append(CSV_NAME)
        ask.file_urls_request.session_id = tap.session_id
        await tap.send(ask.SerializeToString())
        deadline = time.monotonic() + HTTP_TIMEOUT_S
        while request_id not in tap.file_urls:
            await asyncio.wait_for(tap.recv(), max(0.1, deadline - time.monotonic()))
        urls = tap.file_urls[request_id]
        # 2. PUT the file there as multipart/form-data (field and file name: the file's name), with
        #    the cookies and the XSRF token in its header.
        boundary = uuid.uuid4().hex
        part = f'form-data; name="{CSV_NAME}"; filename="{CSV_NAME}"'
        head = f"--{boundary}\r\nContent-Disposition: {part}\r\nContent-Type: text/csv\r\n\r\n"
        body = head.encode() + CSV + f"\r\n--{boundary}--\r\n".encode()
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": tab.cookies.get(XSRF, ""),
        }
        put = await asyncio.to_thread(
            http, f"http://127.0.0.1:{frontend}{urls.upload_url}", tab.cookies, "PUT", body, headers
        )
        tab.answers.append(put.replica)
        print(f"upload: PUT {urls.upload_url} through HAProxy -> {put.status} from {put.replica}", flush=True)
        if put.status != 204:
            problems.append(f"upload: PUT through HAProxy answered {put.status}: {put.body[:200]!r}")
        # 3. Rerun with the uploader's state naming the file, as the browser does once it is up.
        msg = session.rerun_message()
        widget = msg.rerun_script.widget_states.widgets.add()
        widget.id = tap.uploaders[UPLOADER_KEY]
        info = widget.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, CSV_NAME, len(CSV)
        info.file_urls.CopyFrom(urls)
        tap.texts.clear()
        t0 = time.monotonic()
        await tap.send(msg.SerializeToString())
        errors = await tab.finish()
        read = any(CSV_READ in text for text in tap.texts)
        print(
            f"upload: the page's run after the upload took {time.monotonic() - t0:.1f} s, "
            f"errors {len(errors)}, {'shows' if read else 'does NOT show'} {CSV_READ!r}",
            flush=True,
        )
        problems += [f"upload: {e}" for e in errors]
        if not read:
            problems.append(f"upload: the page did not show {CSV_READ!r} after the upload")
        # 4. Control: the same PUT straight to the other replica, which has no such session.
        others = [port for name, port in replica_ports.items() if name != tab.replica]
        if others:
            stray = await asyncio.to_thread(
                http, f"http://127.0.0.1:{others[0]}{urls.upload_url}", tab.cookies, "PUT", body, headers
            )
            refused = stray.status == 400 and b"Invalid session_id" in stray.body
            print(
                f"upload control: the same PUT sent to the other replica directly -> {stray.status} "
                f"({'refused: no such session there' if refused else stray.body[:80]!r})",
                flush=True,
            )
            if not refused:
                problems.append(f"upload control: the other replica answered {stray.status}, not 400")
    except Exception as exc:
        problems.append(f"upload: {type(exc).__name__}: {exc}")
    finally:
        await tab.close()
    return problems + _off_replica(tab)


@dataclass
class KillReport:
    survivors: int = 0  # tabs on the surviving replica
    survivors_ok: int = 0
    killed: int = 0  # tabs on the killed replica
    recovered: int = 0
    problems: list[str] = field(default_factory=list)


async def kill_mid_class(tabs: list[Tab], victim: str, survivor: str, kill: Callable[[], None]) -> KillReport:
    """Kill replica ``victim`` while ``tabs`` are on Explore, a move of each survivor's under way.

    Survivors must finish that move and one more over their websocket, without error. The killed
    replica's tabs must see their websocket drop, ping through HAProxy with their old cookie (answered
    by ``survivor``, which sets its cookie), reconnect, rerun Explore with the link their page had
    written before the kill and get the same group sizes back, then move once more without error.
    """
    report = KillReport()
    survivors = [t for t in tabs if t.replica == survivor]
    victims = [t for t in tabs if t.replica == victim]
    report.survivors, report.killed = len(survivors), len(victims)
    for tab in survivors:  # a move under way on the surviving replica when the other one dies
        tab.size += 1
        await tab.send({"size_0": tab.size})
    links = {id(t): t.session.query for t in victims}
    kill()
    killed_at = time.monotonic()
    print(f"kill: replica {victim} killed (SIGKILL) with {len(victims)} tabs on it", flush=True)

    async def go_on(tab: Tab) -> None:
        ws = tab.tap.ws
        try:
            errors = await tab.finish()  # the move under way
            errors += await tab.move()
            await tab.ping()
        except Exception as exc:
            errors = [f"{type(exc).__name__}: {exc}"]
        problems = errors + ([] if tab.tap.ws is ws else ["a new websocket"]) + _off_replica(tab)
        report.survivors_ok += not problems
        report.problems += [f"kill, {tab.name} on {survivor}: {p}" for p in problems]
        print(
            f"kill: {tab.name} on {survivor}: the move under way and one more finished on its websocket, "
            f"answers from {sorted(set(tab.answers))}, problems {problems or 'none'}",
            flush=True,
        )

    async def come_back(tab: Tab) -> None:
        link, old = links[id(tab)], tab.replica
        problems: list[str] = []
        dropped, sizes, first_answer = float("nan"), None, "?"
        try:
            try:  # idle on its page: the next thing it hears is the connection dropping
                while True:
                    await asyncio.wait_for(tab.tap.ws.recv(), DROP_TIMEOUT_S)
            except ConnectionClosed:
                dropped = time.monotonic() - killed_at
            ping = await tab.ping()  # with the old cookie, as the frontend does before reconnecting
            first_answer = ping.replica
            if ping.status != 200 or ping.replica != survivor or ping.cookies.get(STICKY) != survivor:
                problems.append(
                    f"the ping with cookie {STICKY}={old} got {ping.status} from {ping.replica}, "
                    f"cookie set: {ping.cookies.get(STICKY)}"
                )
            before = len(tab.answers)
            problems += await tab.open("explore", link)  # the page's URL: what a reload sends
            sizes = query_sizes(tab.session.query)
            if sizes != query_sizes(link) or query_sizes(link) == tab.first_sizes:
                problems.append(
                    f"link n={query_sizes(link)} reopened as n={sizes} (first n={tab.first_sizes})"
                )
            if tab.sliders.get("size_0") != int(query_sizes(link).split(",")[0]):
                problems.append(
                    f"group A's size slider shows {tab.sliders.get('size_0')} after the reconnect"
                )
            tab.size = int(sizes.split(",")[0])
            problems += await tab.move()
            ping = await tab.ping()  # the new cookie from now on: no new one set
            if STICKY in ping.cookies:
                problems.append(f"a further request set {STICKY}={ping.cookies[STICKY]} again")
            if tab.answers[before:] != [survivor] * (len(tab.answers) - before):
                problems.append(f"after the reconnect: answers from {tab.answers[before:]}")
        except Exception as exc:
            problems.append(f"{type(exc).__name__}: {exc}")
        report.recovered += not problems
        report.problems += [f"kill, {tab.name} from {old}: {p}" for p in problems]
        outcome = (
            f"ping with cookie {STICKY}={old} answered by {first_answer}, new cookie {STICKY}={tab.replica}; "
            f"reopened its link (n={sizes}) and moved once more"
            if not problems
            else "recovery FAILED"
        )
        print(
            f"kill: {tab.name} from {old}: websocket dropped {dropped:.1f} s after the kill; {outcome}, "
            f"{time.monotonic() - killed_at:.1f} s after the kill; problems {problems or 'none'}",
            flush=True,
        )

    await asyncio.gather(*(go_on(t) for t in survivors), *(come_back(t) for t in victims))
    return report
