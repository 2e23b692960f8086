"""Time until the dashboard's charts are visible in chromium, against a trivial notebook on the same Voilà.

One Voilà (:func:`egenkontroll.server.voila_command`'s flags) serves both notebooks and one chromium
loads them in turn, so that machine noise hits all alike; the figure is the time from ``page.goto``
until six chart images have loaded, the baseline the time until the trivial notebook's output is
shown. Two figures: as ``egenkontroll dashboard`` serves it (the start view kept ready,
:func:`egenkontroll.dashboard.refresh`), and cold (the stored start view removed before the load,
so the kernel reads the workspace, estimates, draws and stores it). Then three filter changes on the
prepared dashboard (issue 18: under 1.5 s at full size), each from choosing until the new screen is
shown, against the trivial notebook's load: a first and a second enhet (screens the start view holds
ready, :attr:`egenkontroll.dashboard.StartView.prepared`), then a period beside the second enhet (not
prepared: the kernel builds its model, or takes the one it built in the background, estimates and
draws), then another checklist, the period and enhet still chosen (not prepared: the model is
there, the kernel estimates and draws). The same two unprepared changes are then timed on a page read
for ten seconds first, as a ledningsgrupp reads the status before choosing: meanwhile the kernel
builds its model and computes ahead in the background. Full size: a register of 30 000 cases with
simulated granskningar of about 50 000 answers; tiny: a small register, one tertial, one second read.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from egenkontroll import Workspace, dashboard, demo, server, simulate

CHROMIUM = "/usr/bin/chromium"
CHARTS = 6
TIMEOUT_MS = 600_000
SIZES = {  # cases in the register, cases per session, tertials, repeats, seconds a reader reads first
    "tiny": (1500, 6, ["2026-T1"], 1, 1.0),
    "full": (30_000, 1500, None, 5, 10.0),  # the issue: a ledningsgrupp reads the status in ten seconds
}
_TRIVIAL = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "enkel", "metadata": {}, "outputs": [],
               "source": ["print('klar')"]}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def run(size: str) -> list[dict]:
    """Serve both notebooks from one Voilà, load them in turn ``repeats`` times, return medians and ratios."""
    n_cases, per_session, periods, repeats, reading = SIZES[size]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        workspace, answers = _workspace(folder / "arbetsyta", n_cases, per_session, periods)
        served = folder / "anteckningsbocker"
        served.mkdir()
        (served / "enkel.ipynb").write_text(json.dumps(_TRIVIAL), encoding="utf-8")
        shutil.copy(server.NOTEBOOKS / "dashboard.ipynb", served / "instrumentpanel.ipynb")
        started = time.perf_counter()
        dashboard.refresh(workspace)
        warming = time.perf_counter() - started
        times = _load_rounds(served, workspace, repeats, reading)
    return [
        _figure(f"instrumentpanelens diagram synliga i chromium, {answers} svar, startvyn förberedd",
                times["förberedd"], times["trivial"],
                {"startvyn beräknades före start (s)": round(warming, 2)}),
        _figure(f"instrumentpanelens diagram synliga i chromium, {answers} svar, utan förberedd startvy",
                times["kall"], times["trivial"], {}),
        {**_figure(f"filterbyte till en första enhet (förberedd), {answers} svar",
                   times["första enheten"], times["trivial"], {"mål (s)": 1.5}), "target": None},
        {**_figure(f"filterbyte till en andra enhet (förberedd), {answers} svar",
                   times["andra enheten"], times["trivial"], {"mål (s)": 1.5}), "target": None},
        {**_figure(f"filterbyte till period och enhet direkt efter laddningen (modellen byggs), "
                   f"{answers} svar",
                   times["period och enhet"], times["trivial"], {"mål (s)": 1.5}), "target": None},
        {**_figure("filterbyte till en annan checklista direkt efter, period och enhet kvar, "
                   f"{answers} svar",
                   times["annan checklista"], times["trivial"], {"mål (s)": 1.5}), "target": None},
        {**_figure(f"filterbyte till period och enhet efter {reading:.0f} s läsning, {answers} svar",
                   times["period och enhet, läst"], times["trivial"], {"mål (s)": 1.5}), "target": None},
        {**_figure(f"filterbyte till en annan checklista efter {reading:.0f} s läsning, period och "
                   f"enhet kvar, {answers} svar",
                   times["annan checklista, läst"], times["trivial"], {"mål (s)": 1.5}), "target": None},
    ]


def _figure(name: str, seconds: list[float], trivial_seconds: list[float], extra: dict) -> dict:
    figure, baseline = statistics.median(seconds), statistics.median(trivial_seconds)
    return {
        "name": name, "figure": figure, "baseline": "en trivial notebook (print) i samma Voilà",
        "baseline_figure": baseline, "ratio": figure / baseline, "target": 1.5,
        "details": {"instrumentpanel (s)": [round(t, 2) for t in seconds],
                    "trivial (s)": [round(t, 2) for t in trivial_seconds], **extra},
    }


def _workspace(folder: Path, n_cases: int, per_session: int, periods: list[str] | None) -> tuple[Path, int]:
    with Workspace.open(folder) as workspace:
        export = workspace.export_dir / "register.xlsx"
        demo.write_export_xlsx(demo.generate_register(n_cases=n_cases), export)
        workspace.import_register(export)
        sessions = simulate.simulate_reviews(workspace, per_session=per_session, periods=periods)
        answers = sum(len(session.answers()) for session in sessions)
    return folder, answers


def _load_rounds(served: Path, workspace: Path, repeats: int, reading: float) -> dict[str, list[float]]:
    """Per round, in one browser: the trivial notebook, the dashboard without a stored start view (the
    kernel computes and stores it), and the dashboard as ``egenkontroll dashboard`` keeps it ready."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    command = server.voila_command(str(served), port=port, open_browser=False)  # absolute: used as is
    environment = {**os.environ, "EGENKONTROLL_WORKSPACE": str(workspace),
                   "JUPYTER_PATH": str(dashboard.TEMPLATE_ROOT)}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    trivial, panel = f"{base}voila/render/enkel.ipynb", f"{base}voila/render/instrumentpanel.ipynb"
    times: dict[str, list[float]] = {"trivial": [], "kall": [], "förberedd": [], "första enheten": [],
                                     "andra enheten": [], "period och enhet": [], "annan checklista": [],
                                     "period och enhet, läst": [], "annan checklista, läst": []}
    try:
        _wait_for(base)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--disable-gpu"])
            _one_load(browser, trivial, _text_visible)  # not counted: the first load fills caches
            for _ in range(repeats):
                times["trivial"].append(_one_load(browser, trivial, _text_visible))
                (workspace / dashboard.START_VIEW_FILE).unlink(missing_ok=True)
                times["kall"].append(_one_load(browser, panel, _charts_visible))
                dashboard.refresh(workspace)  # what the server's keep-ready round does (here: nothing)
                times["förberedd"].append(_one_load(browser, panel, _charts_visible))
                changes = _filter_changes(browser, panel)
                changes += _filter_changes(browser, panel, reading=reading)
                names = ("första enheten", "andra enheten", "period och enhet", "annan checklista",
                         "period och enhet, läst", "annan checklista, läst")
                for name, seconds in zip(names, changes, strict=True):
                    times[name].append(seconds)
            browser.close()
        return times
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def _one_load(browser, url: str, ready) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    started = time.perf_counter()
    page.goto(url, timeout=TIMEOUT_MS)
    ready(page)
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed


def _filter_changes(browser, url: str, reading: float = 0.0) -> list[float]:
    """Seconds from choosing the first, then the second enhet until that enhet's charts are shown, then
    from choosing the newest period beside it, then another checklist, until the kernel has shown its
    figures (the line saying it computes has come and gone). With *reading* seconds, the page is read
    that long first, and only the times of the two unprepared changes are returned."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(url, timeout=TIMEOUT_MS)
    _charts_visible(page)
    enhet = page.get_by_role("combobox", name="Enhet")
    seconds = []
    time.sleep(reading)
    for label in enhet.locator("option").all_inner_texts()[1:3]:
        started = time.perf_counter()
        enhet.select_option(label=label)
        page.wait_for_function(
            """name => (document.querySelector('#ek-rubrik-per_fraga + img')?.alt || '').includes(name)
                       && !document.querySelector('.ek-raknar')""",
            arg=f"– {label.replace(chr(160), ' ')}.", timeout=TIMEOUT_MS)
        _charts_visible(page)
        seconds.append(time.perf_counter() - started)
    # the busy line counts when it was added at all: a fast change adds and removes it before a look
    page.evaluate("""() => new MutationObserver(records => {
            window.ekSawBusy ||= records.some(record => Array.from(record.addedNodes).some(node =>
                node.nodeType === 1 && (node.matches('.ek-raknar') || !!node.querySelector('.ek-raknar'))));
        }).observe(document.body, {childList: true, subtree: true})""")
    for name, choice in (("Period", 1), ("Checklista", 1)):
        dropdown = page.get_by_role("combobox", name=name)
        label = dropdown.locator("option").all_inner_texts()[choice]
        page.evaluate("() => { window.ekSawBusy = false; }")
        started = time.perf_counter()
        dropdown.select_option(label=label)
        page.wait_for_function("() => window.ekSawBusy && !document.querySelector('.ek-raknar')",
                               timeout=TIMEOUT_MS)
        _charts_visible(page)
        seconds.append(time.perf_counter() - started)
    page.close()
    return seconds[2:] if reading else seconds


def _charts_visible(page) -> None:
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('img.ek-diagram'))
                 .filter(img => img.complete && img.naturalWidth > 600).length >= {CHARTS}""",
        timeout=TIMEOUT_MS)


def _text_visible(page) -> None:
    page.get_by_text("klar", exact=True).wait_for(timeout=TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "voila/static/", timeout=5):
                return
        except urllib.error.HTTPError:  # any answer means the server is up
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} svarade inte inom {seconds} s")
