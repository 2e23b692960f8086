"""Memory of the review server after 30 page loads in chromium, against after one load, in the same run.

``egenkontroll review`` serves a small demo workspace; one chromium loads the app, then goes to a blank
page; after the kernels' idle time (:data:`egenkontroll.server.IDLE_KERNEL_SECONDS` and one culling
round) the resident memory of the server and every kernel it runs is summed. The baseline is that sum
after one load; the figure is the sum after 30 more loads (reloads, as a user who presses F5), measured
the same way. Before issue 15 every load left a kernel of about 220 MB alive for 30 minutes.

The tiny size (the test suite's) loads 5 times and shortens the idle time to one culling round
(15 seconds) through ``$EGENKONTROLL_KERNEL_IDLE_SECONDS``: the same path in a fraction of the wait.
Not shorter: a kernel left idle longer than that before a slow first page connects to it is culled, and
the page never shows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil

from benchmarks._common import small_workspace
from egenkontroll import server

CHROMIUM = "/usr/bin/chromium"
TOKEN = "benchmark"
#: page loads after the first, per size
LOADS = {"tiny": 5, "full": 30}
#: the kernels' idle time in seconds, per size: the product's, or one culling round
IDLE_SECONDS = {"tiny": server.CULL_INTERVAL_SECONDS, "full": server.IDLE_KERNEL_SECONDS}
TARGET_RATIO = 1.5
TIMEOUT_MS = 300_000


def run(size: str) -> list[dict]:
    """Serve the review app, load it once and then :data:`LOADS` times; the memory after both, as a ratio."""
    loads = LOADS[size]
    with small_workspace("bench-review-server-") as (workspace, _folder):
        one, many, kernels = _measure(workspace.path, loads, IDLE_SECONDS[size])
    return [{"name": f"granskningsserverns minne (server + kärnor) efter {loads} sidladdningar",
             "unit": "MiB", "figure": many, "baseline": "efter 1 sidladdning i samma körning",
             "baseline_figure": one,
             "ratio": many / one, "target": TARGET_RATIO,
             "details": {"MiB efter 1": round(one), f"MiB efter {loads}": round(many),
                         f"kärnor kvar efter {loads}": kernels, "storlek": size}}]


def _measure(workspace: os.PathLike[str], loads: int, idle: int) -> tuple[float, float, int]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/?token={TOKEN}"
    environment = {**os.environ, "EGENKONTROLL_TOKEN": TOKEN, server.IDLE_KERNEL_VARIABLE: str(idle)}
    process = subprocess.Popen([sys.executable, "-m", "egenkontroll", "--workspace", str(workspace), "review",
                                "--no-browser", "--port", str(port)],
                               env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    # the wait after the last load: idle time, a culling round (server.voila_command), and a margin
    settle = idle + min(idle, server.CULL_INTERVAL_SECONDS) + 10
    try:
        _wait_for(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            one = _after_loads(page, url, 1, process.pid, settle)
            many = _after_loads(page, url, loads, process.pid, settle)
            browser.close()
        return one, many, _kernels(process.pid)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def _after_loads(page, url: str, loads: int, pid: int, settle: float) -> float:
    """MiB of the server and its kernels *settle* seconds after *loads* loads of *url*."""
    for _ in range(loads):
        page.goto(url, timeout=TIMEOUT_MS)
        page.locator(".ek-granskare input").wait_for(timeout=TIMEOUT_MS)
    page.goto("about:blank")
    time.sleep(settle)
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(process.memory_info().rss for process in processes) / 2**20


def _kernels(pid: int) -> int:
    children = psutil.Process(pid).children(recursive=True)
    return sum("ipykernel" in " ".join(child.cmdline()) for child in children)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=30):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} svarade inte inom {seconds} s")
