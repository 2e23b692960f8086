"""Stratified selection against ``frame.groupby(strata).sample()`` for the same stratum sizes."""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

import sampling

SIZES = {"tiny": 50_000, "full": 1_000_000}
STRATA = 50
SAMPLE = 1_000
REPEATS = {"tiny": 3, "full": 5}


def run(size: str) -> list[dict]:
    """Time :func:`sampling.select` and the pandas baseline on the same frame (median of repeats)."""
    rows = SIZES[size]
    frame = _frame(rows)
    ours = _median_seconds(
        lambda: sampling.select(frame, SAMPLE, seed=1, id_column="arende_id", strata="enhet"),
        REPEATS[size],
    )
    per_stratum = SAMPLE // STRATA
    baseline = _median_seconds(
        lambda: frame.groupby("enhet").sample(n=per_stratum, random_state=1), REPEATS[size]
    )
    return [
        {
            "name": f"stratifierat urval n={SAMPLE} ur {rows:_} rader, {STRATA} strata".replace("_", " "),
            "figure": ours,
            "baseline": "frame.groupby(strata).sample(n=20)",
            "baseline_figure": baseline,
            "ratio": ours / baseline,
            "target": 1.5,
            "details": {"rows": rows, "strata": STRATA, "n": SAMPLE},
        }
    ]


def _frame(rows: int) -> pd.DataFrame:
    """Synthetic frame: text ids, 50 equally large strata in random row order."""
    rng = np.random.Generator(np.random.PCG64(2026))
    units = np.array([f"enhet_{i:02d}" for i in range(STRATA)])
    return pd.DataFrame(
        {
            "arende_id": [f"ÄR-{i:08d}" for i in range(rows)],
            "enhet": units[rng.permutation(np.arange(rows) % STRATA)],
            "inkom_datum": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), "D"),
        }
    )


def _median_seconds(action, repeats: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
