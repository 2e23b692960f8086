"""Time from login on the team server to the review app's first case and to the dashboard's charts,
against the same pages served by the single-user servers, in the same run and the same chromium.

One small workspace with simulated granskningar (SQLite) is served three ways at once: by the hub
(:func:`egenkontroll.hub.configure` with the demo accounts, ``egenkontroll hub --config``), by
``egenkontroll review`` and by ``egenkontroll dashboard``. The hub's figure is the time from pressing
"Sign in" on the hub's login page until the page is ready, with the user's server already running (a
second login the same day); the first login of the day also starts the user's server, which is reported
beside it. The baseline is the time from opening the single-user server's address (with its token) until
the same page is ready. "Ready": the first case of a granskning on screen (the start screen, pick the
granskning, open it), or six chart images loaded.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_dashboard import _charts_visible, _one_load
from egenkontroll import Workspace, demo, simulate
from egenkontroll._review_model import StartModel

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "benchmark-losenord"
TOKEN = "benchmark"
TIMEOUT_MS = 600_000
TARGET_RATIO = 1.5
#: cases in the register, cases per session, tertials, repeats
SIZES = {"tiny": (1500, 6, ["2026-T1"], 1), "full": (15_000, 30, None, 3)}


def run(size: str) -> list[dict]:
    """Start the three servers, load each page *repeats* times in alternation; medians and ratios."""
    n_cases, per_session, periods, repeats = SIZES[size]
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as name:
        folder = Path(name)
        label = _workspace(folder / "arbetsyta", n_cases, per_session, periods)
        times = _measure(folder, label, repeats)
    return [_figure("granskningsappens första akt efter inloggning i teamservern", times, "review"),
            _figure("instrumentpanelens diagram efter inloggning i teamservern", times, "dashboard")]


def _figure(name: str, times: dict[str, list[float]], page: str) -> dict:
    hub, single = statistics.median(times[f"hub {page}"]), statistics.median(times[page])
    first = round(times[f"first {page}"][0], 2)
    baseline = f"samma sida från egenkontroll {page} (enanvändarserver)"
    return {"name": name, "figure": hub, "baseline": baseline, "baseline_figure": single,
            "ratio": hub / single, "target": TARGET_RATIO,
            "details": {"teamservern (s)": [round(t, 2) for t in times[f"hub {page}"]],
                        "enanvändarservern (s)": [round(t, 2) for t in times[page]],
                        "första inloggningen, användarens server startas (s)": first}}


def _workspace(folder: Path, n_cases: int, per_session: int, periods: list[str] | None) -> str:
    """Fill *folder* with a register and simulated granskningar; the label of one of them."""
    with Workspace.open(folder) as workspace:
        export = workspace.export_dir / "register.xlsx"
        demo.write_export_xlsx(demo.generate_register(n_cases=n_cases), export)
        workspace.import_register(export)
        simulate.simulate_reviews(workspace, per_session=per_session, periods=periods)
        choices = StartModel(workspace).session_choices()
        return next(text for text, _ in choices if text.startswith("Våldsfråga"))


def _measure(folder: Path, label: str, repeats: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    from tests.conftest import free_port, wait_until_serving

    workspace = folder / "arbetsyta"
    ports = {verb: free_port() for verb in ("hub", "review", "dashboard")}
    config = _hub_config(folder, workspace, ports["hub"])
    environment = {**os.environ, "EGENKONTROLL_TOKEN": TOKEN, "EGENKONTROLL_HUB_DEMO_PASSWORD": PASSWORD}
    commands = {"hub": ["hub", "--config", str(config)], "review": ["review", "--no-browser"],
                "dashboard": ["dashboard", "--no-browser"]}
    cli = [sys.executable, "-m", "egenkontroll", "--workspace", str(workspace)]
    processes = {verb: subprocess.Popen([*cli, *command, "--port", str(ports[verb])], env=environment,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
                 for verb, command in commands.items()}
    hub = f"http://127.0.0.1:{ports['hub']}"
    addresses = {verb: f"http://127.0.0.1:{ports[verb]}/?token={TOKEN}" for verb in ("review", "dashboard")}
    try:
        wait_until_serving(f"{hub}/hub/login", processes["hub"], seconds=300)
        for verb, address in addresses.items():
            wait_until_serving(address, processes[verb], seconds=300)
        ready = {"review": lambda page: _first_case(page, label), "dashboard": _charts_visible}
        users = {"review": "granskare1", "dashboard": "ledning1"}
        times: dict[str, list[float]] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--disable-gpu"])
            for page in ("review", "dashboard"):
                times[f"first {page}"] = [_login(browser, hub, users[page], ready[page])]
            for _ in range(repeats):
                for page in ("review", "dashboard"):
                    times.setdefault(page, []).append(_one_load(browser, addresses[page], ready[page]))
                    times.setdefault(f"hub {page}", []).append(_login(browser, hub, users[page], ready[page]))
            browser.close()
        return times
    finally:
        for process in processes.values():
            os.killpg(process.pid, 15)
        for process in processes.values():
            process.wait(timeout=60)


def _hub_config(folder: Path, workspace: Path, port: int) -> Path:
    config = folder / "jupyterhub_config.py"
    config.write_text(
        "from pathlib import Path\nfrom egenkontroll import hub\n"
        f"hub.configure(c, hub.HubSettings(workspace=Path({str(workspace)!r}),\n"
        f"    state=Path({str(folder / 'hub')!r}), group_roles={{r: r for r in hub.ROLES}}, port={port}))\n"
        f"hub.configure_demo(c, {PASSWORD!r})\n", encoding="utf-8")
    return config


def _login(browser, hub: str, user: str, ready: Callable) -> float:
    """Seconds from pressing the hub's sign-in button as *user* until *ready*."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{hub}/hub/login", timeout=TIMEOUT_MS)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    started = time.perf_counter()
    page.click("[type=submit]")
    ready(page)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def _first_case(page, label: str) -> None:
    choice = page.locator(".ek-valj-granskning select")
    choice.wait_for(timeout=TIMEOUT_MS)
    name = page.locator(".ek-granskare input")
    if not name.input_value():
        name.fill("Bänk")
    choice.select_option(label=label)
    page.get_by_role("button", name="Öppna granskningen").click()
    page.locator(".ek-fraga-vald_fragat").wait_for(timeout=TIMEOUT_MS)
