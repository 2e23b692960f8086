"""The benchmarks cannot rot: every one runs at its tiny size and reports a ratio against its baseline."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from benchmarks.__main__ import discover
from tests.conftest import REPO


@pytest.mark.slow
def test_every_benchmark_runs_tiny_and_reports_its_ratio(tmp_path):
    output = tmp_path / "RESULTS.md"
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--size", "tiny", "--output", str(output)],
                            cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    report = output.read_text(encoding="utf-8")
    names = discover()
    assert names, "inga benchmarks hittades"
    for name in names:
        rows = [line for line in report.splitlines() if f"({name})" in line and line.startswith("|")]
        assert rows, f"{name} saknas i rapporten"
        for row in rows:
            ratio = float(row.split("|")[5])
            assert ratio > 0 and re.search(r"\d", row.split("|")[2])
