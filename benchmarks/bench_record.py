"""Durable ``session.record``: p50 and p99 latency against a bare sqlite3 insert + commit.

Both write a file in the same folder with the same durability settings (WAL, ``synchronous=FULL``,
``BEGIN IMMEDIATE``). ``session.record`` also validates the answer, reads the stored revision,
upserts the answer and appends to the audit log in its one transaction; the baseline only inserts
one answer-sized row. The calls alternate in blocks between the two, so disk and machine noise
hit both alike. The answers cycle over 100 cases x 2 items: the first pass inserts, later passes
update.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import alternating, small_workspace
from egenkontroll.store import Session

CALLS = {"tiny": 200, "full": 2000}
BLOCK = 50
CASES = 100
ITEMS = ("vald_fragat", "framkom_vald")
TARGET_P99_RATIO = 2.0


def run(size: str) -> list[dict[str, Any]]:
    """p50 and p99 of ``session.record`` over ``CALLS[size]`` calls, each against the bare baseline."""
    calls = CALLS[size]
    with small_workspace("bench_record_") as (workspace, folder):
        record = _recorder(workspace.create_session("valdsfraga", n=CASES, seed=1))
        with _bare_connection(folder / "baslinje.sqlite") as connection:
            times, base_times = alternating(record, _bare_insert(connection), calls, BLOCK)
    return [_figure(f"session.record, p{q}, {calls} anrop", times, base_times, q, target)
            for q, target in ((50, None), (99, TARGET_P99_RATIO))]


def _recorder(session: Session) -> Callable[[], None]:
    answers: Iterator[tuple[tuple[str, str], str]] = zip(
        itertools.cycle(itertools.product(session.case_ids, ITEMS)), itertools.cycle(["ja", "nej"]))

    def record() -> None:
        (case_id, item_id), value = next(answers)
        session.record(case_id, item_id, value, reviewer="bench")

    return record


def _bare_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE answers (session_id TEXT, arende_id TEXT, item_id TEXT, value TEXT, "
                       "comment TEXT, reviewer TEXT, recorded_at TEXT, revision INTEGER)")
    return connection


def _bare_insert(connection: sqlite3.Connection) -> Callable[[], None]:
    counter = itertools.count()

    def insert() -> None:
        number = next(counter)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           ("s", f"Ä-{number % CASES}", ITEMS[number % 2], "ja", None, "bench",
                            time.strftime("%Y-%m-%dT%H:%M:%S"), number))
        connection.execute("COMMIT")

    return insert


def _figure(name: str, times: list[float], base_times: list[float], q: int,
            target: float | None) -> dict[str, Any]:
    figure, baseline = float(np.percentile(times, q)), float(np.percentile(base_times, q))
    return {
        "name": name,
        "figure": figure,
        "baseline": "sqlite3 INSERT + COMMIT (WAL, synchronous=FULL)",
        "baseline_figure": baseline,
        "ratio": figure / baseline,
        "target": target,
        "details": {
            "p50_ms": round(float(np.percentile(times, 50)) * 1e3, 3),
            "p99_ms": round(float(np.percentile(times, 99)) * 1e3, 3),
            "baslinje_p50_ms": round(float(np.percentile(base_times, 50)) * 1e3, 3),
            "baslinje_p99_ms": round(float(np.percentile(base_times, 99)) * 1e3, 3),
        },
    }
