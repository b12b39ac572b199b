"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright against `streamlit run`.

Fixtures (all tests in tests/browser/ are marked ``browser`` automatically):

``app_server`` (session)
    Starts ``streamlit run app.py`` on a free port at 127.0.0.1 and yields its base URL, e.g.
    ``"http://127.0.0.1:41234"``. The server log is attached to the report of every failed test.
``browser`` (session)
    A Playwright ``Browser`` (``/usr/bin/chromium``, headless). Chromium missing: the tests are
    skipped locally, and FAIL when the environment variable CI is set (CI=true).
``page``
    A new ``Page`` in its own context, viewport 1280x800. A failed test leaves a screenshot in
    tests/artifacts/FAILED-<test>.png.
``goto_app``
    ``goto_app(path="", timeout=120) -> Page``: opens ``app_server + path`` in ``page``, waits until
    the app is idle and asserts that it shows no error.
``wait_for_app_idle``
    ``wait_for_app_idle(page, timeout=120, settle=0.3)``: waits until Streamlit finished running the
    script (connected, script state "notRunning", no stale or loading elements, visible charts
    drawn, at least one element on the page) and stayed so for ``settle`` seconds. Call it after
    every interaction (click, slider key press) before asserting on the page.
``assert_no_errors``
    ``assert_no_errors(page)``: fails listing the text of every exception box
    (``stException``, which also shows Streamlit's deprecation warnings), error alert
    (``stAlertContentError``: ``st.error`` and elements that failed to render), the
    "Connection error" dialog, and uncaught JavaScript exceptions.
``screenshot``
    ``screenshot(page, name, full_page=True) -> Path``: saves tests/artifacts/<name>.png.

Example::

    pytestmark = pytest.mark.browser

    def test_slider(goto_app, wait_for_app_idle, assert_no_errors, screenshot):
        page = goto_app("/some-page")
        page.get_by_role("slider").first.press("ArrowRight")
        wait_for_app_idle(page)
        assert_no_errors(page)
        screenshot(page, "some-page")
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
sys.path.insert(0, str(ROOT / "bench"))
from _server import CHROMIUM_ARGS  # noqa: E402  (the benchmarks launch Chromium the same way)

SERVER_START_TIMEOUT = 120.0  # seconds until /_stcore/health answers "ok"
VIEWPORT = {"width": 1280, "height": 800}

# Streamlit 1.67's data-testid names (from its built frontend in streamlit/static).
# An exception box holds an error alert itself, hence the :not(...) for plain errors.
ERROR_SELECTORS = {
    "exception": '[data-testid="stException"]',
    "error": '[data-testid="stAlertContentError"]:not([data-testid="stException"] *)',
}
# Buttons inside an exception box, not part of the message.
_BUTTON_LINES = {"Copy", "Ask Google", "Ask ChatGPT"}

# True once the app finished a run and the page shows its final state.
_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning' && state !== 'compilationError') return false;
  if (document.querySelector(
      '[data-testid="stStatusWidget"], [data-testid="stAppSkeleton"], [data-stale="true"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('[data-testid="stElementContainer"]')) return false;
  if (main.querySelector('[data-testid="stSkeleton"]')) return false;
  for (const chart of main.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    if (chart.offsetParent !== null && !chart.querySelector('canvas, svg')) return false;
  }
  return true;
}
"""

_CONTENT_HEIGHT_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return Math.max(document.documentElement.scrollHeight, main ? main.scrollHeight : 0);
}
"""

_STATE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const q = (s) => document.querySelectorAll(s).length;
  return {
    connection: app && app.getAttribute('data-test-connection-state'),
    script: app && app.getAttribute('data-test-script-state'),
    status_widget: q('[data-testid="stStatusWidget"]'),
    app_skeleton: q('[data-testid="stAppSkeleton"]'),
    stale: q('[data-stale="true"]'),
    elements: q('[data-testid="stMain"] [data-testid="stElementContainer"]'),
    loading: q('[data-testid="stMain"] [data-testid="stSkeleton"]'),
    charts: q('[data-testid="stVegaLiteChart"]'),
  };
}
"""

_server_log: Path | None = None  # the running server's log, attached to failed tests' reports

# Uncaught browser exceptions that say nothing about the app.
_BENIGN_PAGE_ERRORS = re.compile(r"ResizeObserver loop")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Chromium or Playwright missing: fail in CI, skip elsewhere."""
    hint = "Run `bash tests/setup.sh` (installs Debian's chromium + chromium-driver and playwright)."
    if _in_ci():
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip). {hint}", pytrace=False)
    pytest.skip(f"{reason}. {hint}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed:
        if _server_log is not None and _server_log.exists():
            text = _server_log.read_text(errors="replace")
            report.sections.append(
                ("streamlit server log (last 100 lines)", "\n".join(text.splitlines()[-100:]))
            )
    return report


# ----------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def _running_server(log_path: Path) -> Iterator[str]:
    """Start `streamlit run app.py` on a free port, wait until healthy, yield its base URL, stop it."""
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # own process group: killed as a whole
    global _server_log
    _server_log = log_path
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _health(f"{base}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before it was healthy; "
                    f"log:\n{log_path.read_text(errors='replace')}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit not healthy after {SERVER_START_TIMEOUT:.0f} s at {base}; "
                    f"log:\n{log_path.read_text(errors='replace')}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield base
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a `streamlit run app.py` started for this test session."""
    with _running_server(tmp_path_factory.mktemp("streamlit") / "server.log") as base:
        yield base


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[str]:
    """Base URL of a server started for this test only: nobody has visited it yet."""
    with _running_server(tmp_path / "server.log") as base:
        yield base


# ----------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright's sync API (never `playwright install`)."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/artifacts/ (git-ignored): screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(browser, artifacts_dir: Path, request: pytest.FixtureRequest):
    """A fresh page (own browser context, 1280x800, reduced motion)."""
    context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce", locale="en-US")
    context.set_default_timeout(30_000)
    pg = context.new_page()
    pg._page_errors = []  # uncaught JS exceptions, read by assert_no_errors
    pg.on("pageerror", lambda exc: pg._page_errors.append(str(exc)))
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            try:
                _screenshot(pg, artifacts_dir / f"FAILED-{name}.png")
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"could not save failure screenshot: {exc}")
        context.close()


# ----------------------------------------------------------------------------- helpers


def _screenshot(page, path: Path | str, full_page: bool = True) -> None:
    """Save a PNG. Streamlit scrolls inside <main data-testid="stMain">, not the document, so for a
    full-page shot the viewport is stretched to the content's height for a moment."""
    size = page.viewport_size
    height = page.evaluate(_CONTENT_HEIGHT_JS) if full_page and size else 0
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(height, 16_000)})
        try:
            page.wait_for_timeout(300)  # let charts re-layout
            page.screenshot(path=str(path))
        finally:
            page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path), full_page=full_page)


def _wait_for_app_idle(page, timeout: float = 120.0, settle: float = 0.3) -> None:
    """Wait until Streamlit finished running and the page stayed idle for `settle` seconds.

    `timeout` and `settle` are in seconds.
    """
    deadline = time.monotonic() + timeout
    idle_since = None
    while True:
        now = time.monotonic()
        if page.evaluate(_IDLE_JS):
            idle_since = idle_since or now
            if now - idle_since >= settle:
                return
        else:
            idle_since = None
        if now > deadline:
            raise AssertionError(
                f"app not idle after {timeout:.0f} s at {page.url}: {page.evaluate(_STATE_JS)}"
            )
        page.wait_for_timeout(100)


def _assert_no_errors(page) -> None:
    """Fail listing every error Streamlit shows on the page and every uncaught JS exception."""
    problems = []
    for kind, selector in ERROR_SELECTORS.items():
        for text in page.locator(selector).all_inner_texts():
            lines = [line for line in text.strip().splitlines() if line.strip() not in _BUTTON_LINES]
            problems.append(f"[{kind}] " + "\n".join(lines))
    dialog = page.locator('[role="dialog"]').filter(has_text="Connection error")
    if dialog.count():
        problems.append(f"[connection] {dialog.first.inner_text().strip()}")
    for err in getattr(page, "_page_errors", []):
        if not _BENIGN_PAGE_ERRORS.search(err):
            problems.append(f"[javascript] {err}")
    if problems:
        raise AssertionError(f"{len(problems)} error(s) on {page.url}:\n" + "\n---\n".join(problems))


@pytest.fixture
def wait_for_app_idle() -> Callable[..., None]:
    """``wait_for_app_idle(page, timeout=120, settle=0.3)`` (seconds)."""
    return _wait_for_app_idle


@pytest.fixture
def assert_no_errors() -> Callable[..., None]:
    """``assert_no_errors(page)``."""
    return _assert_no_errors


@pytest.fixture
def screenshot(artifacts_dir: Path) -> Callable[..., Path]:
    """``screenshot(page, name, full_page=True) -> Path`` of tests/artifacts/<name>.png."""

    def take(page, name: str, full_page: bool = True) -> Path:
        path = artifacts_dir / f"{name}.png"
        _screenshot(page, path, full_page=full_page)
        return path

    return take


@pytest.fixture
def goto_app(page, app_server: str) -> Callable[..., object]:
    """``goto_app(path="", timeout=120) -> Page``: open a page of the app, wait, check for errors."""

    def go(path: str = "", timeout: float = 120.0):
        page.goto(app_server + ("/" + path.lstrip("/") if path else "/"))
        _wait_for_app_idle(page, timeout=timeout)
        _assert_no_errors(page)
        return page

    return go
