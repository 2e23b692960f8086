"""Register import end to end against ``pandas.read_excel(engine="openpyxl")`` reading the same file.

The file is the demo generator's register at ``ROWS[size]`` cases, written once with openpyxl in
write-only mode (kept in ``benchmarks/_work/``). The figure is ``Workspace.import_register`` into
a fresh workspace each time: reading with python-calamine, validating every row, pseudonymising
and the atomic upsert into SQLite. The baseline only reads the file into a DataFrame with
openpyxl. The two alternate so machine noise hits both alike; the medians are compared.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from egenkontroll import demo, register
from egenkontroll.workspace import Workspace

ROWS = {"tiny": 2_000, "full": 100_000}
REPEATS = {"tiny": 3, "full": 3}
TARGET_RATIO = 0.5
WORK = Path(__file__).resolve().parent / "_work"


def run(size: str) -> list[dict[str, Any]]:
    """Median import time vs median openpyxl read time on the same ``ROWS[size]``-row xlsx."""
    path = _export(ROWS[size])
    imports, reads, parses = [], [], []
    for _ in range(REPEATS[size]):
        reads.append(_timed(lambda: pd.read_excel(path, engine="openpyxl")))
        imports.append(_timed_import(path))
        parses.append(_timed(lambda: register.read_register(path, key=b"b" * 32)))
    figure, baseline = statistics.median(imports), statistics.median(reads)
    return [
        {
            "name": f"ärenderegister in i arbetsytan, xlsx med {ROWS[size]:_} rader".replace("_", " "),
            "figure": figure,
            "baseline": 'pandas.read_excel(engine="openpyxl"), bara läsning',
            "baseline_figure": baseline,
            "ratio": figure / baseline,
            "target": TARGET_RATIO,
            "details": {"read_register utan databas (s)": round(statistics.median(parses), 3)},
        }
    ]


def _export(rows: int) -> Path:
    """The benchmark's xlsx, generated once per size."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"register_{rows}.xlsx"
    if not path.exists():
        partial = path.with_suffix(".tmp.xlsx")
        demo.write_export_xlsx(demo.generate_register(seed=2026, n_cases=rows), partial)
        partial.replace(path)
    return path


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _timed_import(path: Path) -> float:
    """One end-to-end import into a fresh workspace (workspace creation not timed)."""
    with tempfile.TemporaryDirectory(prefix="bench_import_") as folder:
        with Workspace.open(Path(folder) / "arbetsyta") as workspace:
            _ = workspace.key
            return _timed(lambda: workspace.import_register(path))
