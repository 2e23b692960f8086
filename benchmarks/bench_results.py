"""Results: register-wide indicators on a large register, and item figures over simulated sessions.

``register_indicators`` (four indicators, vectorised) runs on the demo generator's register
read as an import reads it (canonical, typed columns), against ``rules.register_status`` alone on the same
frame: the ratio is what the grouping per tertial and quarter costs on top of the rules.
``item_results`` runs on a workspace with simulated granskningar, against reading what it needs
(``ws.cases()`` and every session's ``answers()``): the ratio is the cost of visibility,
verdicts and interval estimation on top of the database reads.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from egenkontroll import Workspace, demo, register, results, rules, simulate
from egenkontroll._indicators import indicators_of

CASES = {"tiny": 5_000, "full": 100_000}
WORKSPACE = {"tiny": (2_000, 5, ["2026-T1"]), "full": (15_000, 30, None)}
REPEATS = {"tiny": 3, "full": 5}
AS_OF = pd.Timestamp("2026-10-31")


def run(size: str) -> list[dict[str, Any]]:
    """Median times of the results functions against their unavoidable core."""
    return [_indicators(size), _item_results(size)]


def _indicators(size: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "register.csv"
        demo.generate_register(seed=1, n_cases=CASES[size]).to_csv(export, sep=";", index=False,
                                                                   date_format="%Y-%m-%d")
        frame = register.read_register(export, key=bytes(32))
    figure = _median(lambda: indicators_of(frame, AS_OF), REPEATS[size])
    baseline = _median(lambda: rules.register_status(frame, AS_OF.date()), REPEATS[size])
    return {
        "name": f"register_indicators, {_spaced(len(frame))} ärenden",
        "figure": figure,
        "baseline": "rules.register_status på samma register",
        "baseline_figure": baseline,
        "ratio": figure / baseline,
        "target": None,
        "details": {"ärenden per sekund": len(frame) / figure},
    }


def _item_results(size: str) -> dict[str, Any]:
    cases, per_session, periods = WORKSPACE[size]
    with tempfile.TemporaryDirectory() as folder, Workspace.open(Path(folder) / "ws") as ws:
        export = demo.write_export_xlsx(demo.generate_register(n_cases=cases), Path(folder) / "r.xlsx")
        ws.import_register(export)
        sessions = simulate.simulate_reviews(ws, per_session=per_session, periods=periods)
        answers = sum(len(s.answers()) for s in sessions)
        figure = _median(lambda: results.item_results(ws, as_of=AS_OF.date()), REPEATS[size])
        baseline = _median(lambda: (ws.cases(), [s.answers() for s in ws.sessions()]), REPEATS[size])
        by_enhet = _median(lambda: results.item_results(ws, by="enhet", as_of=AS_OF.date()), REPEATS[size])
    return {
        "name": f"item_results, {len(sessions)} granskningar, {_spaced(answers)} svar",
        "figure": figure,
        "baseline": "ws.cases() och alla granskningars answers()",
        "baseline_figure": baseline,
        "ratio": figure / baseline,
        "target": None,
        "details": {"item_results(by='enhet') (s)": by_enhet},
    }


def _median(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _spaced(count: int) -> str:
    return f"{count:,}".replace(",", " ")
