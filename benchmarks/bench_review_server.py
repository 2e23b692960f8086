"""Memory of the review server after 30 page loads in chromium, against after one load, in the same run.

``egenkontroll review`` serves a small demo workspace; one chromium loads the app, then goes to a blank
page; after the kernels' idle time (:data:`egenkontroll.server.IDLE_KERNEL_SECONDS` and one culling
round) the resident memory of the server and every kernel it runs is summed. The baseline is that sum
after one load; the figure is the sum after 30 more loads (reloads, as a user who presses F5), measured
the same way. Before issue 15 every load left a kernel of about 220 MB alive for 30 minutes.
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
LOADS = 30
TARGET_RATIO = 1.5
TIMEOUT_MS = 300_000
#: the wait after the last load: idle time, a culling round, and a margin
SETTLE_SECONDS = server.IDLE_KERNEL_SECONDS + server.CULL_INTERVAL_SECONDS + 10


def run(size: str) -> list[dict]:
    """Serve the review app, load it once and then 30 times; the memory after both, as a ratio."""
    with small_workspace("bench-review-server-") as (workspace, _folder):
        one, many, kernels = _measure(workspace.path)
    return [{"name": f"granskningsserverns minne (server + kärnor) efter {LOADS} sidladdningar",
             "unit": "MiB", "figure": many, "baseline": "efter 1 sidladdning i samma körning",
             "baseline_figure": one,
             "ratio": many / one, "target": TARGET_RATIO,
             "details": {"MiB efter 1": round(one), f"MiB efter {LOADS}": round(many),
                         f"kärnor kvar efter {LOADS}": kernels, "storlek": size}}]


def _measure(workspace: os.PathLike[str]) -> tuple[float, float, int]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/?token={TOKEN}"
    process = subprocess.Popen([sys.executable, "-m", "egenkontroll", "--workspace", str(workspace), "review",
                                "--no-browser", "--port", str(port)],
                               env={**os.environ, "EGENKONTROLL_TOKEN": TOKEN}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            one = _after_loads(page, url, 1, process.pid)
            many = _after_loads(page, url, LOADS, process.pid)
            browser.close()
        return one, many, _kernels(process.pid)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def _after_loads(page, url: str, loads: int, pid: int) -> float:
    """MiB of the server and its kernels *SETTLE_SECONDS* after *loads* loads of *url*."""
    for _ in range(loads):
        page.goto(url, timeout=TIMEOUT_MS)
        page.locator(".ek-granskare input").wait_for(timeout=TIMEOUT_MS)
    page.goto("about:blank")
    time.sleep(SETTLE_SECONDS)
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
