"""How pytest-xdist spreads the suite over its workers (pyproject's addopts: ``-n 2 --dist loadfile``).

Registered by the root conftest. ``--dist loadfile`` with two changes:

- the notebooks are one unit of work, not one per notebook: nbval runs them in their order (01 draws
  the sample that 02 reviews and 03 sums up) against the one demo workspace of their worker;
- on the workers, the files holding a ``slow`` test (and the notebooks) come first in the collection,
  which ``--no-loadscope-reorder`` keeps as the order of the work: a test of minutes then never starts
  last while the other worker has nothing left, and the many quick files fill in behind.

A test file stays one unit, so its module fixtures (a wheel in a venv, a served demo) are built once,
as in a run without xdist. Each worker has its own session fixtures (its own PostgreSQL cluster, its
own ports from :func:`tests.conftest.free_port`).
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadFileScheduling

#: the unit of work of every notebook
NOTEBOOKS = "notebooks"


def unit_of(nodeid: str) -> str:
    """The unit of work of the test *nodeid*: its file, or :data:`NOTEBOOKS` for a notebook cell."""
    path = nodeid.split("::", 1)[0]
    return NOTEBOOKS if path.endswith(".ipynb") else path


class FilesAndNotebooksScheduling(LoadFileScheduling):
    """``--dist loadfile``, but with every notebook in one unit of work."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadFileScheduling | None:
    """Schedule ``--dist loadfile`` with :class:`FilesAndNotebooksScheduling`."""
    if config.getvalue("dist") != "loadfile":
        return None
    return FilesAndNotebooksScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, move the units holding a slow test or a notebook to the front (stable)."""
    if not hasattr(config, "workerinput"):
        return
    slow = {unit_of(item.nodeid) for item in items
            if item.get_closest_marker("slow") is not None or item.path.suffix == ".ipynb"}
    items.sort(key=lambda item: unit_of(item.nodeid) not in slow)
