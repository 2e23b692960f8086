"""Reliability drills for the review store: kill -9, two writers at once, same-item races, and a
checklist that changes version while a session is running. The writers are real child processes
(``drills/record_child.py``) on the same workspace, or threads for the many races; every drill runs on
SQLite and on PostgreSQL (``both_backends``, see tests/pgserver.py)."""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from drills.race import at_once
from drills.synthetic import write_register

import egenkontroll
from egenkontroll import ConflictError, SessionError, Workspace
from egenkontroll.store import Session

CHILD = Path(__file__).resolve().parent / "drills" / "record_child.py"
ITEMS = "vald_fragat,framkom_vald"

pytestmark = pytest.mark.both_backends


@pytest.fixture
def ws(workspace, tmp_path):
    workspace.import_register(write_register(tmp_path / "register.csv", 120))
    return workspace


def _writer(ws: Workspace, session_id: str, cases: list[str], count: int, *, reviewer: str = "drill",
            items: str = ITEMS, wait: bool = False) -> subprocess.Popen[str]:
    command = [sys.executable, str(CHILD), str(ws.path), session_id, "--cases", ",".join(cases),
               "--items", items, "--count", str(count), "--reviewer", reviewer]
    package_root = str(Path(egenkontroll.__file__).parents[1])  # the child runs the code this test runs
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                                          os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(command + (["--wait"] if wait else []), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)


def _start_together(writers: list[subprocess.Popen[str]]) -> None:
    """Wait until every writer has opened the session, then let them all go at once."""
    for writer in writers:
        assert writer.stdout.readline().strip() == "redo", writer.stderr.read()
    for writer in writers:
        writer.stdin.write("start\n")
        writer.stdin.flush()


def _intact(ws: Workspace, session: Session) -> bool:
    """Whether every answer's revision is its number of audit entries (and SQLite's own check passes)."""
    log = session.audit()
    entries = log[log["action"] == "svar"].groupby(["arende_id", "item_id"]).size()
    revisions = session.answers().set_index(["arende_id", "item_id"])["revision"]
    if ws.engine.dialect.name == "sqlite":
        with sqlite3.connect(ws.path / "egenkontroll.sqlite") as connection:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return False
    return bool((entries.reindex(revisions.index) == revisions).all())


# --- kill -9 ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_kill_9_loses_no_acknowledged_answer(ws):
    session = ws.create_session("valdsfraga", n=40, seed=1)
    chance = random.Random()
    drill_seed = chance.randrange(2**32)
    chance.seed(drill_seed)
    acknowledged: list[list[str]] = []
    for _ in range(3):
        writer = _writer(ws, session.id, session.case_ids, 100_000)
        stop_after = len(acknowledged) + chance.randint(5, 150)
        while len(acknowledged) < stop_after:
            line = writer.stdout.readline()
            assert line.startswith("ok "), f"{line!r} {writer.stderr.read() if not line else ''}"
            acknowledged.append(line.split())
        writer.kill()  # SIGKILL, somewhere inside the next record
        writer.communicate()
        assert writer.returncode == -9

    assert _intact(ws, session), f"drill seed {drill_seed}"
    with Workspace.open(ws.path) as reopened:
        log = reopened.session(session.id).audit()
        stored = reopened.session(session.id).answers().set_index(["arende_id", "item_id"])
    logged = set(zip(log["arende_id"], log["item_id"], log["revision"].astype("Int64").astype(str),
                     log["new_value"], strict=True))
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    for _, case, item, revision, value in acknowledged:
        assert (case, item, revision, value) in logged, f"drill seed {drill_seed}: lost {case} {item}"
        latest[case, item] = int(revision), value
    for key, (revision, value) in latest.items():
        found = stored.loc[key]
        assert found["revision"] >= revision, f"drill seed {drill_seed}: {key} went back"
        assert found["revision"] > revision or found["value"] == value


# --- two writers --------------------------------------------------------------------------------

@pytest.mark.slow
def test_two_writers_on_different_cases_lose_nothing_and_never_see_a_lock(ws):
    session = ws.create_session("valdsfraga", n=100, seed=2)
    halves = {"anna": session.case_ids[:50], "bo": session.case_ids[50:]}
    writers = {name: _writer(ws, session.id, cases, 500, reviewer=name, wait=True)
               for name, cases in halves.items()}
    _start_together(list(writers.values()))
    for name, writer in writers.items():
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0 and "locked" not in err, err
        lines = out.splitlines()
        assert len(lines) == 500 and all(line.startswith("ok ") for line in lines), name

    log = session.audit()
    answers = log[log["action"] == "svar"]
    assert answers["actor"].value_counts().to_dict() == {"anna": 500, "bo": 500}
    final = session.answers()
    assert len(final) == 200  # 100 cases x 2 items, each written 5 times
    assert (final["revision"] == 5).all()
    assert _intact(ws, session)


def test_a_same_item_race_gives_exactly_one_conflict(ws):
    session = ws.create_session("valdsfraga", n=5, seed=3)
    case = session.case_ids[0]
    writers = [_writer(ws, session.id, [case], 1, reviewer=name, items="vald_fragat", wait=True)
               for name in ("anna", "bo")]
    _start_together(writers)
    outcomes = []
    for writer in writers:
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        outcomes.append(out.split()[0])
    assert sorted(outcomes) == ["konflikt", "ok"]
    assert session.answers()["revision"].tolist() == [1]
    assert (session.audit()["action"] == "svar").sum() == 1


@contextmanager
def _jitter(engine: sa.Engine, chance: random.Random, longest: float = 0.002) -> Iterator[None]:
    """Pause a random while (up to *longest* seconds) before every statement, to vary interleavings."""
    def pause(*_args) -> None:
        time.sleep(chance.uniform(0, longest))

    sa.event.listen(engine, "before_cursor_execute", pause)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", pause)


def _saver(reviewer: str, session: Session, case: str, item: str, expected: int) -> Callable[[], str]:
    """An action saving "nej" as *reviewer* on top of revision *expected*: "ok" or "konflikt"."""
    def save() -> str:
        try:
            session.record(case, item, "nej", reviewer=reviewer, expected_revision=expected)
        except ConflictError:
            return "konflikt"
        return "ok"

    return save


@pytest.mark.slow
def test_200_random_interleavings_of_one_answer_give_one_commit_and_one_conflict_each(ws):
    session = ws.create_session("valdsfraga", n=100, seed=6)
    chance = random.Random()
    drill_seed = chance.randrange(2**32)
    chance.seed(drill_seed)
    pairs = list(itertools.product(session.case_ids, ITEMS.split(",")))
    chance.shuffle(pairs)
    reviewers = {name: ws.session(session.id) for name in ("anna", "bo")}
    answered_before = {pair: chance.random() < 0.5 for pair in pairs}  # a first insert or an update
    with _jitter(ws.engine, chance):
        for case, item in pairs:
            expected = int(answered_before[case, item])
            if expected:
                session.record(case, item, "ja", reviewer="tidigare")
            outcomes = at_once(*(_saver(name, reviewer, case, item, expected)
                                 for name, reviewer in reviewers.items()))
            assert sorted(outcomes) == ["konflikt", "ok"], f"drill seed {drill_seed}: {case} {item}"

    final = session.answers().set_index(["arende_id", "item_id"])
    assert len(final) == len(pairs)
    assert all(final.loc[pair, "revision"] == 1 + answered_before[pair] for pair in pairs)
    assert set(final["reviewer"]) <= {"anna", "bo"} and (final["value"] == "nej").all()
    assert _intact(ws, session), f"drill seed {drill_seed}"


# --- a checklist changing version ---------------------------------------------------------------

CHECKLIST_V1 = """\
id: hembesok
version: 1
titel: Hembesök
galler_for: arendetyp == "barn_och_unga"
fragor:
  - id: besok_gjort
    fraga: Gjordes ett hembesök?
    typ: ja_nej
  - id: form
    fraga: Hur dokumenterades det?
    typ: val
    val: [journal, bilaga]
"""

CHECKLIST_V2 = """\
id: hembesok
version: 2
titel: Hembesök och samtal
galler_for: arendetyp == "barn_och_unga"
fragor:
  - id: form
    fraga: Hur dokumenterades det?
    typ: val
    val: [journal, bilaga, anteckning]
  - id: barnsamtal
    fraga: Hölls ett enskilt samtal med barnet?
    typ: ja_nej
"""


def test_a_new_checklist_version_leaves_a_running_session_on_the_old_one(ws, tmp_path):
    path = tmp_path / "hembesok.yaml"
    path.write_text(CHECKLIST_V1, encoding="utf-8")
    old = ws.create_session(path, n=4, seed=4)
    case = old.case_ids[0]
    old.record(case, "besok_gjort", "ja")
    old.record(case, "form", "journal")

    path.write_text(CHECKLIST_V2, encoding="utf-8")
    new = ws.create_session(path, n=4, seed=4, allow_overlap=True)  # the same frame, read again on v2
    reopened = ws.session(old.id)
    assert (reopened.checklist.version, new.checklist.version) == (1, 2)
    assert [item.id for item in reopened.checklist.items] == ["besok_gjort", "form"]
    answers = reopened.answers()[["item_id", "value"]].values.tolist()
    assert answers == [["besok_gjort", "ja"], ["form", "journal"]]
    assert reopened.is_done(case)
    assert reopened.summary()["version"] == "1" and new.summary()["version"] == "2"

    reopened.record(old.case_ids[1], "besok_gjort", "nej")  # still answerable in the old session
    with pytest.raises(SessionError, match="version 1.*ingen fråga 'barnsamtal'"):
        reopened.record(case, "barnsamtal", "ja")
    with pytest.raises(SessionError, match="journal, bilaga$|journal, bilaga\\."):
        reopened.record(case, "form", "anteckning")
    assert new.record(case, "form", "anteckning") == 1
    with pytest.raises(SessionError, match="ingen fråga 'besok_gjort'"):
        new.record(case, "besok_gjort", "ja")
