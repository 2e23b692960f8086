"""Reproducible outputs do not depend on the day the suite runs.

The notebooks (nbval, strict, with the committed sanitize file) and the end-to-end CLI test run
again in a pytest of their own whose clock is moved far ahead: in that pytest, in every CLI process
it starts and in every Jupyter kernel (``tests/clock/sitecustomize.py`` with time-machine). Their
stored outputs and asserted figures must still match.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from jupyter_client.manager import start_new_kernel

from tests.conftest import REPO

CLOCK = REPO / "tests" / "clock"
SHIFT = "TEST_CLOCK_SHIFT_DAYS"


def shifted_environment(days: int) -> dict[str, str]:
    """This environment with the clock of every Python process started from it *days* ahead."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EGENKONTROLL_")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CLOCK), str(REPO),
                                                              environment.get("PYTHONPATH")]))
    environment[SHIFT] = str(days)
    return environment


def test_a_started_python_and_a_jupyter_kernel_see_the_moved_clock():
    days = 4000
    expected = dt.date.today() + dt.timedelta(days=days)
    printed = subprocess.run([sys.executable, "-c", "import datetime; print(datetime.date.today())"],
                             env=shifted_environment(days), capture_output=True, text=True, check=True)
    assert dt.date.fromisoformat(printed.stdout.strip()) in {expected, expected + dt.timedelta(days=1)}

    manager, client = start_new_kernel(kernel_name="python3", env=shifted_environment(days))
    seen: list[str] = []
    try:
        client.execute_interactive(
            "import datetime; print(datetime.date.today())", timeout=60,
            output_hook=lambda message: seen.append(message["content"].get("text", "")))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert dt.date.fromisoformat("".join(seen).strip()) in {expected, expected + dt.timedelta(days=1)}


@pytest.mark.slow
@pytest.mark.parametrize("days", [400, 4000])
def test_notebooks_and_the_end_to_end_test_pass_with_the_clock_moved_ahead(days):
    # in one process (-n 0): the suite's two xdist workers already share the machine's cores
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "0", "notebooks",
               "tests/test_end_to_end.py"]
    run = subprocess.run(command, cwd=REPO, env=shifted_environment(days), capture_output=True, text=True,
                         timeout=1800)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout
