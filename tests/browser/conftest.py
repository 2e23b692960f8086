"""Browser tests: serve a notebook with the real ``egenkontroll`` command and drive Debian's chromium."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import EGENKONTROLL, REPO, cli_environment, free_port, wait_until_serving

CHROMIUM = "/usr/bin/chromium"
#: the token of every server the tests start (EGENKONTROLL_TOKEN)
TOKEN = "prov-token-for-webblasartesterna"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

#: a Voilà page has loaded when its kernel has run the notebook: allow for a loaded machine (Playwright's
#: default is 30 s)
NAVIGATION_MS = 180_000

pytestmark = pytest.mark.browser


@dataclass
class Served:
    """A running ``egenkontroll VERB`` server."""

    url: str
    process: subprocess.Popen
    log: list[str] = field(default_factory=list)


@contextmanager
def _servers() -> Iterator[Callable[..., Served]]:
    """A function that starts ``egenkontroll VERB`` servers; every one is stopped on leaving."""
    started: list[subprocess.Popen] = []

    def start(verb: str, workspace: Path, extra_environment: dict[str, str] | None = None) -> Served:
        port = free_port()
        environment = {**cli_environment(), "EGENKONTROLL_TOKEN": TOKEN, "PYTHONPATH": str(REPO),
                       **(extra_environment or {})}  # the kernels import this checkout's egenkontroll
        process = subprocess.Popen(
            [*EGENKONTROLL, "--workspace", str(workspace), verb, "--no-browser", "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment, cwd=REPO,
            start_new_session=True,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}/?token={TOKEN}"
        wait_until_serving(url, process)
        return Served(url, process)

    try:
        yield start
    finally:
        for process in started:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)


@pytest.fixture
def serve():
    """Start ``egenkontroll --workspace WS VERB --no-browser --port P`` with :data:`TOKEN` (and
    *extra_environment*); ``Served.url`` carries the token; stopped after the test."""
    with _servers() as start:
        yield start


@pytest.fixture(scope="module")
def serve_module():
    """As :func:`serve`, but stopped after the module: one server for all of a module's tests."""
    with _servers() as start:
        yield start


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright (no downloaded browser); one per test module.

    Playwright's sync API keeps an asyncio event loop running in the test process while it is open: a
    session-wide browser left it running under every later test of the same xdist worker (code that
    schedules on the running loop, as the review app's typing timer does, then never ran)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} saknas: kör `make test`, som installerar Debians chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageWatch:
    """A page with every console error and failed request collected."""

    page: object
    console_errors: list[str]
    failed_requests: list[str]
    dialogs: list[str]


@pytest.fixture
def page(browser) -> Iterator[PageWatch]:
    """A fresh page that records console errors, failed requests and dialogs (e.g. an alert from XSS)."""
    page = new_context(browser, {"width": 1400, "height": 1000}).new_page()
    watch = PageWatch(page, [], [], [])
    page.on("console", lambda message: message.type == "error" and watch.console_errors.append(message.text))
    page.on("pageerror", lambda error: watch.console_errors.append(str(error)))
    page.on("requestfailed", lambda request: watch.failed_requests.append(request.url))

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield watch
    page.context.close()


def new_context(browser, viewport: dict[str, int]):
    """A browser context of *viewport* whose navigations wait up to :data:`NAVIGATION_MS`."""
    context = browser.new_context(viewport=viewport)
    context.set_default_navigation_timeout(NAVIGATION_MS)
    return context


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: where" texts."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{rule['id']}: {[node['target'] for node in rule['nodes']][:3]}"
            for rule in found if rule["impact"] in ("serious", "critical")]
