"""Refusing hostile register files (issue 14): peak memory and time against importing the demo export.

Each import runs as ``egenkontroll import`` in a child process of its own, as a user would run it, and
its peak resident memory is read from ``os.wait4``. The baseline is the same command importing the demo
export (the register ``egenkontroll demo`` builds) into a fresh workspace. The hostile files are the
test corpus's: a zip bomb that unpacks to a gigabyte (two megabytes of the issue's kind: refused for
its unpacked size), one that unpacks 1 000-fold under the size limit (refused for its ratio), and 16
million cells, once as they come (refused for their unpacked size) and once with the size and ratio
limits raised, so that the streamed count of the sheet's cells must refuse them.

Target: peak memory under 2x the baseline's, refusal in under 5 s. The time of the refusal itself,
in-process, is in the details; interpreter start-up is the same for every command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from egenkontroll import demo, register
from egenkontroll._filelimits import DEFAULT_LIMITS, Limits
from egenkontroll.errors import RegisterError
from tests.egenkontroll import hostile

CASES = {"tiny": 400, "full": 15_000}
TARGET_RATIO = 2.0
REFUSAL_TARGET_SECONDS = 5.0
RAISED = Limits(max_megabytes=1_000, max_ratio=1_000)


def run(size: str) -> list[dict[str, Any]]:
    """Peak memory of refusing each hostile file, against importing the demo export."""
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as name:
        folder = Path(name)
        export = demo.write_export_xlsx(demo.generate_register(n_cases=CASES[size]), folder / "demo.xlsx")
        baseline_mb, baseline_seconds, _ = _child_import(folder / "bas", export)
        cells = hostile.many_cells(folder)
        cases = [("zip-bomb, 1 GB uppackad", hostile.zip_bomb(folder, megabytes=1024), DEFAULT_LIMITS),
                 ("zip-bomb, 1 000 gånger större uppackad", hostile.zip_bomb(folder), DEFAULT_LIMITS),
                 ("16 miljoner celler", cells, DEFAULT_LIMITS),
                 ("16 miljoner celler, storleksgränserna höjda", cells, RAISED)]
        return [_figure(label, path, limits, folder, (baseline_mb, baseline_seconds), size)
                for label, path, limits in cases]


def _figure(label: str, path: Path, limits: Limits, folder: Path, baseline: tuple[float, float],
            size: str) -> dict[str, Any]:
    baseline_mb, baseline_seconds = baseline
    flags = [] if limits == DEFAULT_LIMITS else ["--max-mb", str(limits.max_megabytes),
                                                 "--max-kvot", str(limits.max_ratio)]
    peak_mb, seconds, code = _child_import(folder / f"ws-{len(label)}", path, *flags)
    refusal = _refusal_seconds(path, limits)
    return {
        "name": f"toppminne när {label} vägras ({path.stat().st_size / 2**20:.1f} MB fil)",
        "figure": peak_mb,
        "unit": "MB",
        "baseline": f"egenkontroll import av demoexporten ({CASES[size]} ärenden)",
        "baseline_figure": baseline_mb,
        "ratio": peak_mb / baseline_mb,
        "target": TARGET_RATIO,
        "details": {"slutkod": code, "vägran i processen (s)": round(refusal, 3),
                    "mål vägran (s)": f"< {REFUSAL_TARGET_SECONDS:g}",
                    "kommandot totalt (s)": round(seconds, 2),
                    "demoimporten totalt (s)": round(baseline_seconds, 2)},
    }


def _child_import(workspace: Path, path: Path, *flags: str) -> tuple[float, float, int]:
    """Peak RSS (MB), wall time and exit code of ``egenkontroll import`` in a child process."""
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "egenkontroll", "--workspace", str(workspace), "import",
                              str(path), *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - began, os.waitstatus_to_exitcode(status)


def _refusal_seconds(path: Path, limits: Limits) -> float:
    """Seconds :func:`egenkontroll.register.read_register` takes to refuse *path*."""
    began = time.perf_counter()
    try:
        register.read_register(path, key=b"b" * 32, limits=limits)
    except RegisterError:
        return time.perf_counter() - began
    raise AssertionError(f"{path.name} lästes in men skulle vägras")
