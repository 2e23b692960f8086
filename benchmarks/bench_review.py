"""The review app's response to a click, headless: what the kernel does before the page can update.

``svar``: setting a ja/nej answer in the widget (save through ``session.record``, then reread the case,
its answers and the progress and redraw) against the bare durable ``session.record`` of an answer.
``nästa ärende``: the Nästa button (read the next case and redraw it) against reading the case and the
session's answers straight from the store. Widgets run without a browser, so the figures leave out
the websocket round trip. The calls alternate in blocks so that disk noise hits both alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._common import alternating, small_workspace
from egenkontroll import review
from egenkontroll.store import Session
from egenkontroll.workspace import Workspace

CLICKS = {"tiny": 20, "full": 200}
BLOCK = 10
CASES = 30


def run(size: str) -> list[dict[str, Any]]:
    """Median time per click against its store-only baseline."""
    clicks = CLICKS[size]
    with small_workspace("bench_review_") as (workspace, _folder):
        session = workspace.create_session("valdsfraga", n=CASES, seed=1)
        screen = review.app(workspace, session_id=session.id, reviewer="bench").screen
        answer_times, record_times = alternating(_answer_click(screen), _bare_record(workspace, session),
                                                 clicks, BLOCK)
        next_times, read_times = alternating(_next_click(screen), _bare_read(session), clicks, BLOCK)
    return [
        _figure(f"svar i appen (spara och rita om), {clicks} klick", answer_times,
                "session.record av ett svar", record_times),
        _figure(f"Nästa ärende i appen, {clicks} klick", next_times,
                "session.case + session.answers", read_times),
    ]


def _answer_click(screen: review.ReviewScreen) -> Callable[[], None]:
    values = itertools.cycle(["ja", "nej"])  # "ja" shows the follow-up question, "nej" hides it

    def click() -> None:
        screen.editors["vald_fragat"].input.value = next(values)

    return click


def _bare_record(workspace: Workspace, session: Session) -> Callable[[], None]:
    other = workspace.session(session.id)  # another reviewer, on the other cases
    answers = zip(itertools.cycle(session.case_ids[1:]), itertools.cycle(["ja", "nej"]))

    def record() -> None:
        case_id, value = next(answers)
        other.record(case_id, "vald_fragat", value, reviewer="bench")

    return record


def _next_click(screen: review.ReviewScreen) -> Callable[[], None]:
    def click() -> None:
        if screen.review.position == screen.review.total:
            screen.review.go_to(screen.review.session.case_ids[0])
        screen.next_button.click()

    return click


def _bare_read(session: Session) -> Callable[[], None]:
    case_ids = itertools.cycle(session.case_ids)

    def read() -> None:
        session.case(next(case_ids))
        session.answers()

    return read


def _figure(name: str, times: list[float], baseline: str, base_times: list[float]) -> dict[str, Any]:
    figure, base = float(np.median(times)), float(np.median(base_times))
    return {"name": name, "figure": figure, "baseline": baseline, "baseline_figure": base,
            "ratio": figure / base, "target": None,
            "details": {"p90": float(np.quantile(times, 0.9)),
                        "baslinje p90": float(np.quantile(base_times, 0.9))}}
