"""Root conftest: one demo workspace built once per test run, copied for the notebooks and the browser tests.

``egenkontroll demo --no-serve`` builds the demo the first time a test asks for it, under a lock in the
run's temporary folder, where every pytest-xdist worker of the run finds it; each user gets a copy of
its own (:func:`copy_of_demo`). The notebooks read ``$EGENKONTROLL_WORKSPACE`` (their parameters cell
says ``workspace = None``): before the first notebook cell runs, their worker's copy is made and the
variable set; the kernel, started after this hook, inherits it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def demo_copy(config: pytest.Config, folder: Path) -> Path:
    """A copy in *folder* of the run's demo workspace, which the first call of the run builds."""
    run = _run_folder(config)
    template = run / "demo-arbetsyta"
    with _exclusive(run / "demo-arbetsyta.lock"):
        if not template.exists():
            building = run / "demo-arbetsyta.bygger"
            shutil.rmtree(building, ignore_errors=True)
            build_demo_workspace(building)
            building.rename(template)
    shutil.copytree(template, folder)
    return folder


@pytest.fixture(scope="session")
def copy_of_demo(pytestconfig: pytest.Config) -> Callable[[Path], Path]:
    """:func:`demo_copy` for this run: call it with a folder that does not exist yet."""
    return lambda folder: demo_copy(pytestconfig, folder)


def _run_folder(config: pytest.Config) -> Path:
    """The temporary folder of this test run, the same for all its xdist workers (each has its own
    folder in it, ``popen-gw0`` ...)."""
    own = config._tmp_path_factory.getbasetemp()  # the tmp_path_factory fixture, outside a test
    return own.parent if hasattr(config, "workerinput") else own


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file *lock* (across processes) while the block runs."""
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _demo_workspace(config: pytest.Config) -> str:
    if "path" not in _DEMO:
        _DEMO["path"] = str(demo_copy(config, config._tmp_path_factory.mktemp("nbval") / "demo"))
    return _DEMO["path"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's first cell: point its kernel at this worker's copy of the demo workspace."""
    if item.path.suffix == ".ipynb":
        os.environ["EGENKONTROLL_WORKSPACE"] = _demo_workspace(item.config)
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
