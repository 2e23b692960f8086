"""What several benchmarks share: a small demo workspace and timing two actions in alternating blocks."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from egenkontroll import demo
from egenkontroll.workspace import Workspace


@contextmanager
def small_workspace(prefix: str, n_cases: int = 400,
                    database_url: str | None = None) -> Iterator[tuple[Workspace, Path]]:
    """An open workspace holding a demo register of *n_cases* cases (seed 1), and its temporary folder;
    its database is *database_url*, or by default the SQLite file in the folder."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        folder = Path(name)
        workspace = Workspace.open(folder / "arbetsyta", database_url=database_url)
        try:
            export = demo.write_export_xlsx(demo.generate_register(seed=1, n_cases=n_cases),
                                            folder / "register.xlsx")
            workspace.import_register(export)
            yield workspace, folder
        finally:
            workspace.close()


def alternating(first: Callable[[], None], second: Callable[[], None], calls: int,
                block: int) -> tuple[list[float], list[float]]:
    """Seconds of *calls* calls of each action, in alternating blocks of *block* calls.

    Alternating spreads disk and machine noise over both actions alike.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for start in range(0, calls, block):
        for action, sink in ((first, times[0]), (second, times[1])):
            for _ in range(min(block, calls - start)):
                began = time.perf_counter()
                action()
                sink.append(time.perf_counter() - began)
    return times
