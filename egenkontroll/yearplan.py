"""The egenkontrollplan (årsplan): which granskningar are to be made in a year, when, and by whom.

A row plans one granskning: a checklist, a period (a tertial, ``"2026-T1"``, or a month, ``"2026-03"``),
the number of case files to draw (e.g. from ``egenkontroll plan``), the enhet it concerns, who is
responsible (ansvarig) and the day it should be done by (``deadline``; by default the last day of the
month after the period, since the files of a period are read once it has ended). The enhet is the
unit the row is planned for; the draw itself is made from the whole register, as every granskning is
(two granskningar of one checklist may not share a period, see :func:`egenkontroll.store.create_session`).

A granskning drawn for a row is linked to it (:func:`link_session`; ``egenkontroll sample --plan-rad
ID``, or by itself when exactly one unlinked row has the same checklist and period). A row's status on
a day (:func:`plan_status`):

- ``genomförd``: its granskning is linked and every drawn case is reviewed (:meth:`Session.progress`);
- ``försenad``: not genomförd, and the deadline has passed;
- ``pågår``: a granskning is linked but not finished, the deadline not passed;
- ``planerad``: no granskning yet, the deadline not passed.

Every change is logged (:mod:`egenkontroll._loopstore`); a row with a linked granskning cannot be removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from egenkontroll import _loopstore, checklists, store
from egenkontroll._loopwords import loop_words
from egenkontroll.errors import ChecklistError, LoopError, SessionError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import as_date, end_of_next_month, plan_period, spoken_period
from egenkontroll.store import Source

__all__ = ["PLAN_COLUMNS", "STATUS_COLUMNS", "PLANNED", "UNDER_WAY", "DONE", "OVERDUE", "PlanSummary",
           "add_plan_row", "plan_rows", "plan_status", "plan_summary", "remove_plan_row", "link_session",
           "matching_rows", "checked_row_for_draw", "plan_history"]

#: the columns of :func:`plan_rows`
PLAN_COLUMNS = ["id", "year", "checklist_id", "period", "period_start", "period_end", "planned_n", "enhet",
                "ansvarig", "deadline", "session_id", "created_by", "created_at", "revision"]
#: the columns of :func:`plan_status`: :data:`PLAN_COLUMNS`, then drawn, reviewed, status, and the row in
#: words: checklist_title and period_text
STATUS_COLUMNS = [*PLAN_COLUMNS, "drawn", "reviewed", "status", "checklist_title", "period_text"]
PLANNED, UNDER_WAY, DONE, OVERDUE = "planerad", "pågår", "genomförd", "försenad"


@dataclass(frozen=True)
class PlanSummary:
    """The state of one year's plan on a day: rows planned, genomförda and försenade, and as a sentence."""

    year: int
    planned: int
    done: int
    overdue: int
    as_of: dt.date

    @property
    def text(self) -> str:
        """``"Egenkontrollplan 2026: 5 av 6 genomförda, 1 försenad"``."""
        if self.planned == 0:
            return f"Egenkontrollplan {self.year}: inga granskningar planerade"
        overdue = f", {self.overdue} försenad{'e' if self.overdue > 1 else ''}" if self.overdue else ""
        return f"Egenkontrollplan {self.year}: {self.done} av {self.planned} genomförda{overdue}"


def add_plan_row(
    source: Source,
    *,
    year: int,
    checklist: str,
    period: str,
    planned_n: int,
    ansvarig: str,
    enhet: str | None = None,
    deadline: dt.date | str | None = None,
) -> int:
    """Plan one granskning; returns the row's id.

    Parameters
    ----------
    year
        The plan's year; *period* must lie in it.
    checklist
        A checklist id (built in, or a path to YAML as :func:`egenkontroll.checklists.load` takes).
    period
        A tertial (``"2026-T1"``) or a month (``"2026-03"``).
    planned_n
        How many case files to draw.
    ansvarig, enhet
        Who is responsible, and the enhet the granskning concerns (None: all).
    deadline
        When it should be done (ISO text or date); default the last day of the month after the period.

    Raises
    ------
    LoopError
        With every problem found at once; nothing is written.
    """
    problems: list[str] = []
    checklist_id = _checked_checklist(checklist, problems)
    label, start, end = _checked_period(period, year, problems)
    if not isinstance(planned_n, int) or planned_n < 1:
        problems.append(f"antalet akter ska vara ett heltal, minst 1 (inte {planned_n!r})")
    if not (ansvarig or "").strip():
        problems.append("ange vem som är ansvarig")
    due = _checked_deadline(deadline, end, problems)
    if start is not None and due is not None and due < start:
        problems.append(f"sista dag ({due}) ligger före periodens början ({start})")
    problems += filter(None, [_loopstore.personnummer_problem({"Ansvarig": ansvarig, "Enhet": enhet})])
    if problems:
        raise LoopError("Raden i egenkontrollplanen sparades inte: " + "; ".join(problems) + ".")
    return _loopstore.insert(source, "plan", {
        "year": int(year), "checklist_id": checklist_id, "period": label, "period_start": start.isoformat(),
        "period_end": end.isoformat(), "planned_n": planned_n, "enhet": (enhet or "").strip() or None,
        "ansvarig": ansvarig.strip(), "deadline": due.isoformat(), "session_id": None})


def plan_rows(source: Source, year: int | None = None) -> pd.DataFrame:
    """The plan's rows (of one *year*, if given), by period then id: :data:`PLAN_COLUMNS`."""
    frame = _loopstore.rows(source, "plan", **({} if year is None else {"year": int(year)}))
    ordered = frame[PLAN_COLUMNS].sort_values(["year", "period_start", "id"], kind="stable")
    return ordered.reset_index(drop=True)


def plan_status(source: Source, year: int | None = None, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """The plan's rows with their status on *as_of* (see the module docstring): :data:`STATUS_COLUMNS`.

    ``drawn`` and ``reviewed`` count the linked granskning's cases (0 without one); ``checklist_title``
    and ``period_text`` (``"jan–apr 2026"``, ``"sep 2026"``) name the row as people say it.
    """
    day = per_datum(as_of)
    frame = plan_rows(source, year)
    progress = [_progress(source, session_id) for session_id in frame["session_id"]]
    frame["reviewed"] = [done for done, _ in progress]
    frame["drawn"] = [drawn for _, drawn in progress]
    frame["status"] = [_status(row, day) for row in frame.to_dict("records")]
    words = loop_words(source)
    frame["checklist_title"] = [words.checklist(checklist_id) for checklist_id in frame["checklist_id"]]
    frame["period_text"] = [spoken_period(period) for period in frame["period"]]
    return frame[STATUS_COLUMNS]


def plan_summary(source: Source, year: int, as_of: dt.date | str | None = None) -> PlanSummary:
    """How far the plan of *year* has come on *as_of*."""
    day = per_datum(as_of)
    status = plan_status(source, year, day)["status"]
    return PlanSummary(int(year), len(status), int((status == DONE).sum()), int((status == OVERDUE).sum()),
                       day)


def remove_plan_row(source: Source, row_id: int, expected_revision: int | None = None) -> None:
    """Remove a row not yet linked to a granskning (logged).

    Raises
    ------
    LoopError
        When the row does not exist or a granskning is linked to it (the plan's history is kept).
    ConflictError
        When the row changed since *expected_revision*.
    """
    current = _loopstore.row(source, "plan", row_id)
    if current["session_id"] is not None:
        raise LoopError(f"Planraden {row_id} har granskningen {current['session_id']} kopplad till sig och "
                        "tas inte bort: planen ska visa vad som gjordes. Ändra i stället kommande rader.")
    _loopstore.delete(source, "plan", row_id, expected_revision)


def matching_rows(source: Source, checklist_id: str, period: tuple[dt.date, dt.date] | None) -> list[int]:
    """The ids of the rows without a granskning whose checklist and period are *checklist_id*, *period*."""
    if period is None:
        return []
    frame = plan_rows(source)
    same = ((frame["checklist_id"] == checklist_id) & frame["session_id"].isna()
            & (frame["period_start"] == period[0].isoformat())
            & (frame["period_end"] == period[1].isoformat()))
    return [int(row_id) for row_id in frame.loc[same, "id"]]


def checked_row_for_draw(source: Source, row_id: int, checklist_id: str) -> tuple[dt.date, dt.date]:
    """The period to draw for the row *row_id*, checked before anything is drawn.

    Raises
    ------
    LoopError
        When the row does not exist, already has a granskning, or plans another checklist.
    """
    current = _loopstore.row(source, "plan", row_id)
    if current["session_id"] is not None:
        raise LoopError(f"Planraden {row_id} har redan granskningen {current['session_id']}.")
    if current["checklist_id"] != checklist_id:
        raise LoopError(f"Planraden {row_id} gäller checklistan {current['checklist_id']}, "
                        f"inte {checklist_id}.")
    return dt.date.fromisoformat(current["period_start"]), dt.date.fromisoformat(current["period_end"])


def link_session(source: Source, row_id: int, session_id: str, expected_revision: int | None = None,
                 actor: str | None = None) -> int:
    """Link the granskning *session_id* to the plan row *row_id* (logged as *actor*, default the current
    user); returns the row's new revision.

    Raises
    ------
    LoopError
        When the row already has a granskning, or the granskning's checklist or period is not the row's.
    SessionError
        When there is no such granskning.
    """
    known = _loopstore.sessions(source).set_index("id")
    if session_id not in known.index:
        store.open_session(source, session_id)  # raises, naming the granskningar there are
    session = known.loc[session_id]
    start, end = checked_row_for_draw(source, row_id, session["checklist_id"])
    if (session["period_start"], session["period_end"]) != (start.isoformat(), end.isoformat()):
        raise LoopError(f"Granskningen {session_id} gäller inte planradens period ({start} – {end}).")
    linked = _loopstore.rows(source, "plan", session_id=session_id)
    if not linked.empty:
        raise LoopError(f"Granskningen {session_id} hör redan till planraden {int(linked['id'].iloc[0])}.")
    return _loopstore.update(source, "plan", row_id, {"session_id": session_id}, expected_revision, actor)


def plan_history(source: Source, row_id: int | None = None) -> pd.DataFrame:
    """The log of the plan's changes (of one row, if given), oldest first."""
    return _loopstore.history(source, "plan", row_id)


def _checked_checklist(checklist: str, problems: list[str]) -> str | None:
    try:
        return checklists.load(checklist).id
    except (ChecklistError, OSError):
        problems.append(f"checklistan {checklist!r} finns inte")
        return None


def _checked_period(period: str, year: int, problems: list[str]) -> tuple[str, Any, Any]:
    try:
        label, start, end = plan_period(period)
    except SessionError as error:
        problems.append(str(error).rstrip("."))
        return str(period), None, None
    if start.year != year:
        problems.append(f"perioden {label} ligger inte i året {year}")
    return label, start, end


def _checked_deadline(deadline: dt.date | str | None, end: dt.date | None, problems: list[str]) -> Any:
    if deadline is None:
        return end_of_next_month(end) if end is not None else None
    try:
        return as_date(deadline, "sista dag")
    except SessionError as error:
        problems.append(str(error).rstrip("."))
        return None


def _progress(source: Source, session_id: str | None) -> tuple[int, int]:
    if session_id is None or pd.isna(session_id):
        return 0, 0
    return store.open_session(source, session_id).progress()


def _status(row: dict[str, Any], day: dt.date) -> str:
    if row["drawn"] and row["reviewed"] == row["drawn"]:
        return DONE
    if dt.date.fromisoformat(row["deadline"]) < day:
        return OVERDUE
    return UNDER_WAY if row["drawn"] else PLANNED
