"""Root conftest: gives the notebooks under nbval a demo workspace built once in the test session.

The notebooks read ``$EGENKONTROLL_WORKSPACE`` (their parameters cell says ``workspace = None``). The
first notebook cell to run triggers one ``egenkontroll demo --no-serve`` into a temporary folder; the
kernel, started after this hook, inherits the variable.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

#: the throwaway PostgreSQL cluster and its markers (tests/pgserver.py); pytester tests that plumbing;
#: how pytest-xdist spreads the tests over its workers (tests/scheduling.py)
pytest_plugins = ["pytester", "tests.pgserver", "tests.scheduling"]

_DEMO: dict[str, str] = {}


def build_demo_workspace(folder: Path) -> str:
    """Build the demo workspace in *folder* as ``egenkontroll demo --no-serve`` does; returns its path."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EGENKONTROLL_")}
    subprocess.run([sys.executable, "-m", "egenkontroll", "--workspace", str(folder), "demo", "--no-serve"],
                   check=True, env=environment, capture_output=True, timeout=900)
    return str(folder)


def _demo_workspace() -> str:
    if "path" not in _DEMO:
        _DEMO["path"] = build_demo_workspace(Path(tempfile.mkdtemp(prefix="egenkontroll-nbval-")) / "demo")
    return _DEMO["path"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's first cell: point its kernel at the demo workspace."""
    if item.path.suffix == ".ipynb":
        os.environ["EGENKONTROLL_WORKSPACE"] = _demo_workspace()
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        _compare_image_presence(item.parent)


def _compare_image_presence(notebook: pytest.Collector) -> None:
    """Make nbval compare image outputs too: that a chart is there, not its bytes.

    nbval leaves images out of the comparison altogether, so a chart that stops showing (a cell that
    prints ``<Figure ...>`` instead) would pass; with images compared, ``sanitize.cfg`` reduces every
    PNG to one word, so only its presence counts.
    """
    skipped = getattr(notebook, "skip_compare", ())
    notebook.skip_compare = tuple(key for key in skipped if not key.startswith("image/"))
