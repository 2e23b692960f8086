"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent
EGENKONTROLL = [sys.executable, "-m", "egenkontroll"]

#: property tests have no per-example deadline: no test asserts a time, and beside the other xdist
#: worker a quick example takes over hypothesis's 200 ms now and then (then reported as flaky)
settings.register_profile("egenkontroll", deadline=None)
settings.load_profile("egenkontroll")


@pytest.fixture
def workspace_path(tmp_path: Path) -> Path:
    """A fresh, not yet created workspace folder."""
    return tmp_path / "arbetsyta"


@pytest.fixture
def workspace(workspace_path: Path, database_url: str | None):
    """A fresh, opened workspace; on PostgreSQL in ``both_backends`` modules (see tests/pgserver.py)."""
    from egenkontroll import Workspace

    with Workspace.open(workspace_path, database_url=database_url) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own workspace and database settings out of the tests."""
    for name in ("EGENKONTROLL_WORKSPACE", "EGENKONTROLL_DATABASE_URL", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)


def cli_environment() -> dict[str, str]:
    """The environment for running the CLI in a subprocess."""
    return {k: v for k, v in os.environ.items() if not k.startswith("EGENKONTROLL_")}


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic register export (xlsx), generated once per test run."""
    from egenkontroll import demo

    path = tmp_path_factory.mktemp("export") / "register.xlsx"
    demo.write_export_xlsx(demo.generate_register(seed=11, n_cases=1500), path)
    return path


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until *url* answers, or fail with the server's output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"servern avslutades: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} svarade inte inom {seconds} s")
