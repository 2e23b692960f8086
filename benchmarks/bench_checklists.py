"""Register-wide checklist work: ``applies_mask`` and ``rules.register_status``.

Both run on a synthetic register with canonical, typed columns (as ``Workspace.cases()`` gives).
``applies_mask`` (barnperspektiv: a list membership and a bool field, in three-valued logic) is
set against the same condition written by hand in pandas without unknown handling;
``register_status`` (three deadline rules, with exemptions, extensions and open cases) against
the three bare deadline comparisons. Row-by-row ``applies_to`` is reported in ``details``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from egenkontroll import checklists, rules

ROWS = {"tiny": 2_000, "full": 150_000}
REPEATS = {"tiny": 3, "full": 5}
AS_OF = "2026-06-01"
ADULT_TYPES = ["vuxen_missbruk", "ekonomiskt_bistand", "vald_i_nara_relation", "ovrigt"]


def run(size: str) -> list[dict[str, Any]]:
    """Median times of the library against hand-written pandas on ``ROWS[size]`` cases."""
    frame = _register(ROWS[size])
    repeats = REPEATS[size]
    checklist = checklists.load("barnperspektiv")
    mask = _median(lambda: checklist.applies_mask(frame), repeats)
    mask_baseline = _median(lambda: _hand_written_mask(frame), repeats)
    sample = frame.head(2_000).to_dict("records")
    per_row = _median(lambda: [checklist.applies_to(case) for case in sample], 1) / len(sample)
    status = _median(lambda: rules.register_status(frame, as_of=AS_OF), repeats)
    status_baseline = _median(lambda: _hand_written_deadlines(frame), repeats)
    rows = f"{len(frame):,}".replace(",", " ")
    return [
        {
            "name": f"applies_mask barnperspektiv, {rows} ärenden",
            "figure": mask,
            "baseline": "isin(...) & barn_i_hushallet i ren pandas",
            "baseline_figure": mask_baseline,
            "ratio": mask / mask_baseline,
            "target": None,
            "details": {"applies_to per rad (s)": per_row, "rader per sekund": len(frame) / mask},
        },
        {
            "name": f"register_status (3 regler), {rows} ärenden",
            "figure": status,
            "baseline": "tre fristjämförelser i ren pandas",
            "baseline_figure": status_baseline,
            "ratio": status / status_baseline,
            "target": None,
            "details": {"rader per sekund": len(frame) / status},
        },
    ]


def _register(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(20260601)
    received = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 880, rows), unit="D")
    days = lambda low, high: pd.to_timedelta(rng.integers(low, high, rows), unit="D")  # noqa: E731
    some = lambda share: rng.random(rows) < share  # noqa: E731
    types = np.array(["barn_och_unga", *ADULT_TYPES])
    return pd.DataFrame(
        {
            "arende_id": [f"A{i:07d}" for i in range(rows)],
            "arendetyp": pd.Series(types[rng.integers(0, len(types), rows)], dtype="string"),
            "barn_i_hushallet": pd.array(np.where(some(0.1), None, some(0.4)), dtype="boolean"),
            "inkom_datum": received,
            "forhandsbedomning_datum": (received + days(0, 30)).where(~some(0.05)),
            "pagaende_utredning": some(0.1),
            "utredning_inledd": received + days(14, 20),
            "utredning_avslutad": (received + days(60, 200)).where(~some(0.2)),
            "forlangning_beslutad": some(0.1),
            "beslut_datum": received + days(100, 220),
            "verkstallt_datum": (received + days(110, 330)).where(~some(0.1)),
        }
    )


def _hand_written_mask(frame: pd.DataFrame) -> pd.Series:
    return frame["arendetyp"].isin(ADULT_TYPES) & frame["barn_i_hushallet"].fillna(False)


def _hand_written_deadlines(frame: pd.DataFrame) -> pd.DataFrame:
    fourteen = frame["forhandsbedomning_datum"] <= frame["inkom_datum"] + pd.Timedelta(days=14)
    four = frame["utredning_avslutad"] <= frame["utredning_inledd"] + pd.DateOffset(months=4)
    three = frame["verkstallt_datum"] <= frame["beslut_datum"] + pd.DateOffset(months=3)
    return pd.DataFrame({"fourteen": fourteen, "four": four, "three": three})


def _median(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return float(np.median(times))
