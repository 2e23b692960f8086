"""Durable ``session.record``: p50 and p99 latency against a bare insert + commit, on SQLite and on
PostgreSQL.

SQLite: both write a file in the same folder with the same durability settings (WAL,
``synchronous=FULL``); the baseline is a bare sqlite3 insert + commit.
PostgreSQL: a throwaway cluster with ``fsync`` on (``egenkontroll._pgcluster``), the workspace in one database
and the baseline, a bare psycopg insert + commit, in another database of the same server. Without a
local PostgreSQL server (no ``apt-get install postgresql``) only SQLite is measured.

``session.record`` also validates the answer, reads the stored revision, writes the answer
(compare-and-set) and appends to the audit log in its one transaction; the baselines only insert one
answer-sized row. The calls alternate in blocks between the two, so disk and machine noise hit both
alike. The answers cycle over 100 cases x 2 items: the first pass inserts, later passes update.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import sqlalchemy as sa

from benchmarks._common import alternating, small_workspace
from egenkontroll import _pgcluster
from egenkontroll.store import Session

CALLS = {"tiny": 200, "full": 2000}
BLOCK = 50
CASES = 100
ITEMS = ("vald_fragat", "framkom_vald")
TARGET_P99_RATIO = 2.0
#: the baseline's table, as the answers table holds an answer
BASELINE_TABLE = ("CREATE TABLE answers (session_id TEXT, arende_id TEXT, item_id TEXT, value TEXT, "
                  "comment TEXT, reviewer TEXT, recorded_at TEXT, revision INTEGER)")


class _Connection(Protocol):
    """What the baseline needs of a DB-API connection (sqlite3 or psycopg)."""

    def execute(self, statement: str, parameters: Any = ...) -> Any: ...

    def commit(self) -> None: ...


def run(size: str) -> list[dict[str, Any]]:
    """p50 and p99 of ``session.record`` over ``CALLS[size]`` calls, each against its bare baseline."""
    figures = _sqlite_figures(CALLS[size])
    reason = _pgcluster.unavailable()
    if reason is not None:
        print(f"  PostgreSQL mäts inte: {reason}", flush=True)
        return figures
    return figures + _postgres_figures(CALLS[size])


def _sqlite_figures(calls: int) -> list[dict[str, Any]]:
    with small_workspace("bench_record_") as (workspace, folder):
        record = _recorder(workspace.create_session("valdsfraga", n=CASES, seed=1))
        with closing(_bare_sqlite(folder / "baslinje.sqlite")) as connection:
            times = alternating(record, _bare_insert(connection, "?"), calls, BLOCK)
    return _figures("SQLite", "sqlite3 INSERT + COMMIT (WAL, synchronous=FULL)", calls, *times)


def _postgres_figures(calls: int) -> list[dict[str, Any]]:
    import psycopg

    cluster = _pgcluster.Cluster.start(durable=True)
    try:
        baseline_url = sa.make_url(cluster.create_database())
        with (small_workspace("bench_record_pg_", database_url=cluster.create_database()) as (workspace, _),
              psycopg.connect(host=baseline_url.query["host"], dbname=baseline_url.database,
                              user=baseline_url.username) as connection):
            record = _recorder(workspace.create_session("valdsfraga", n=CASES, seed=1))
            connection.execute(BASELINE_TABLE)
            connection.commit()
            times = alternating(record, _bare_insert(connection, "%s"), calls, BLOCK)
    finally:
        cluster.stop()
    return _figures("PostgreSQL", "psycopg INSERT + COMMIT, samma server (fsync på)", calls, *times)


def _recorder(session: Session) -> Callable[[], None]:
    answers: Iterator[tuple[tuple[str, str], str]] = zip(
        itertools.cycle(itertools.product(session.case_ids, ITEMS)), itertools.cycle(["ja", "nej"]))

    def record() -> None:
        (case_id, item_id), value = next(answers)
        session.record(case_id, item_id, value, reviewer="bench")

    return record


def _bare_sqlite(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)  # the module opens a transaction before the insert
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute(BASELINE_TABLE)
    return connection


def _bare_insert(connection: _Connection, placeholder: str) -> Callable[[], None]:
    """One answer-sized row inserted and committed per call (*placeholder*: the driver's paramstyle)."""
    counter = itertools.count()
    statement = f"INSERT INTO answers VALUES ({', '.join([placeholder] * 8)})"

    def insert() -> None:
        number = next(counter)
        connection.execute(statement, ("s", f"Ä-{number % CASES}", ITEMS[number % 2], "ja", None, "bench",
                                       time.strftime("%Y-%m-%dT%H:%M:%S"), number))
        connection.commit()

    return insert


def _figures(backend: str, baseline: str, calls: int, times: list[float],
             base_times: list[float]) -> list[dict[str, Any]]:
    """The p50 and p99 figures of one backend."""
    details = {
        "p50_ms": round(float(np.percentile(times, 50)) * 1e3, 3),
        "p99_ms": round(float(np.percentile(times, 99)) * 1e3, 3),
        "baslinje_p50_ms": round(float(np.percentile(base_times, 50)) * 1e3, 3),
        "baslinje_p99_ms": round(float(np.percentile(base_times, 99)) * 1e3, 3),
    }
    figures = []
    for q, target in ((50, None), (99, TARGET_P99_RATIO)):
        figure, base = float(np.percentile(times, q)), float(np.percentile(base_times, q))
        figures.append({"name": f"session.record på {backend}, p{q}, {calls} anrop", "figure": figure,
                        "baseline": baseline, "baseline_figure": base, "ratio": figure / base,
                        "target": target, "details": details})
    return figures
