"""Issue 15: a local server that is safe on a shared machine (token, Host header, kernels, death, names)."""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request

import psutil
import pytest

from tests.browser.conftest import new_context, screenshot
from tests.browser.test_review_page import APP_START, SECONDS, answer, demo, open_session

__all__ = ["demo"]  # the fixture, shared with the review page's tests

pytestmark = [pytest.mark.browser, pytest.mark.slow]
KERNEL = "00000000-0000-0000-0000-000000000000"
IDLE_SECONDS = 5  # the kernels' idle time for these tests (the product's is under a minute)


def status(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status *url* answers with."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def websocket_status(port: int, path: str) -> int:
    """The status of a websocket upgrade request for *path*."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Connection": "Upgrade", "Upgrade": "websocket",
                                             "Sec-WebSocket-Version": "13",
                                             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    return connection.getresponse().status


def kernels(served) -> int:
    """The kernels the server runs (its kernel processes)."""
    return sum("ipykernel" in " ".join(child.cmdline())
               for child in psutil.Process(served.process.pid).children(recursive=True))


def test_without_the_token_page_websocket_and_kernels_api_are_refused_in_swedish(demo, serve):
    served = serve("review", demo[0])
    base = served.url.split("?")[0]
    port = int(base.rsplit(":", 1)[1].strip("/"))
    started = kernels(served)
    try:
        urllib.request.urlopen(base, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 403 and "Åtkomst nekad" in error.read().decode()
    else:
        raise AssertionError("the page was served without the token")
    assert websocket_status(port, f"/api/kernels/{KERNEL}/channels") == 403
    assert status(f"{base}api/kernels/{KERNEL}") == 403
    assert status(f"{base}?token=fel") == 403
    assert status(served.url, {"Host": f"angripare.example:{port}"}) == 403
    assert kernels(served) == started  # no kernel for a refused request
    assert status(served.url, {"Host": f"localhost:{port}"}) == 200


def test_thirty_reloads_leave_a_handful_of_kernels(demo, serve, page):
    served = serve("review", demo[0], {"EGENKONTROLL_KERNEL_IDLE_SECONDS": str(IDLE_SECONDS)})
    for _ in range(30):
        page.page.goto(served.url)
        page.page.locator(".ek-valj-granskning select").wait_for(timeout=APP_START)
    page.page.goto("about:blank")
    deadline = time.monotonic() + 60
    while kernels(served) > 3 and time.monotonic() < deadline:
        time.sleep(2)
    assert kernels(served) <= 3


def test_the_open_page_says_at_once_when_the_server_is_gone(demo, serve, page):
    path, _session_id, label = demo
    served = serve("review", path)
    page.page.goto(served.url)
    open_session(page.page, label)
    os.killpg(served.process.pid, 9)
    notice = page.page.locator(".ek-server-borta")
    notice.wait_for(timeout=5 * SECONDS)
    assert "svaren sparas inte" in notice.inner_text()
    screenshot(page.page, "server-borta")


def test_two_reviewers_meet_in_a_conflict_that_names_the_other(demo, serve, browser):
    path, _session_id, label = demo
    served = serve("review", path)
    pages = []
    for name in ("Anna Andersson", "Bo Berg"):
        pages.append(new_context(browser, {"width": 1400, "height": 2200}).new_page())
        pages[-1].goto(served.url)
        open_session(pages[-1], label, reviewer=name)
    anna, bo = pages
    answer(anna, "vald_fragat", "Nej")
    anna.locator(".ek-status").get_by_text("Sparat").wait_for()
    answer(bo, "vald_fragat", "Ja")
    bo.locator(".ek-status").get_by_text("ändrades av Anna Andersson").wait_for()
    bo.locator(".ek-fraga-vald_fragat").get_by_text("Svarat av Anna Andersson").wait_for()
    bo.reload()
    bo.locator(".ek-granskare input").wait_for(timeout=APP_START)
    assert bo.locator(".ek-granskare input").input_value() == "Bo Berg"  # remembered in this browser
    for opened in pages:
        opened.context.close()
