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

_DEMO: dict[str, str] = {}


def _demo_workspace() -> str:
    if "path" not in _DEMO:
        folder = Path(tempfile.mkdtemp(prefix="egenkontroll-nbval-")) / "demo"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("EGENKONTROLL_")}
        subprocess.run([sys.executable, "-m", "egenkontroll", "--workspace", str(folder), "demo", "--no-serve"],
                       check=True, env=environment, capture_output=True, timeout=900)
        _DEMO["path"] = str(folder)
    return _DEMO["path"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's first cell: point its kernel at the demo workspace."""
    if item.path.suffix == ".ipynb":
        os.environ["EGENKONTROLL_WORKSPACE"] = _demo_workspace()
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
