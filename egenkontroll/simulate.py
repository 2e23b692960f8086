"""Simulated granskningar for the demo workspace, so that the dashboard tells a story at once.

:func:`simulate_reviews` draws a session per built-in checklist and tertial (some stratified by
enhet) through :meth:`Workspace.create_session` and answers every visible item through
:meth:`Session.record_many` (one transaction per session), as two or three reviewers
("Granskare A", ...) would. Each ja/nej item is answered "ja" at a rate that improves linearly
from the first period to the last (e.g. the question about violence asked in 70 % -> 90 % of the
files), spread systematically over the session's cases; items that only record a fact (e.g.
whether violence came up) keep a steady
rate. The computed items follow the register (the demo register's timeliness improves too).
Some deviations carry a Swedish comment, and exactly one comment holds the markup
``<img src=x onerror=alert(1)>`` so that the browser tests can check it is shown as text.
Everything is drawn from ``numpy.random.Generator(PCG64(seed))`` and the session seeds derive
from ``seed``: the same register and seed give the same samples and answers (the session ids
themselves carry a random suffix).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from egenkontroll import checklists, demo
from egenkontroll.checklists import Checklist, Item
from egenkontroll.periods import parse_period

if TYPE_CHECKING:
    from egenkontroll.store import Session
    from egenkontroll.workspace import Workspace

__all__ = ["RATES", "XSS_COMMENT", "REVIEWERS", "CHECKLISTS", "default_periods", "simulate_reviews"]

#: (checklist id, item id) -> share of "ja" in the first and in the last period
RATES: dict[tuple[str, str], tuple[float, float]] = {
    ("valdsfraga", "vald_fragat"): (0.70, 0.90),
    ("valdsfraga", "framkom_vald"): (0.30, 0.30),
    ("valdsfraga", "riskbedomning"): (0.60, 0.85),
    ("valdsfraga", "skydd_och_stod"): (0.75, 0.90),
    ("valdsfraga", "barn_berors"): (0.50, 0.50),
    ("valdsfraga", "barnens_situation"): (0.65, 0.88),
    ("barnperspektiv", "barn_klarlagt"): (0.85, 0.97),
    ("barnperspektiv", "barnens_situation"): (0.70, 0.88),
    ("barnperspektiv", "barnets_basta"): (0.55, 0.95),
    ("barnperspektiv", "anledning_till_oro"): (0.25, 0.25),
    ("barnperspektiv", "orosanmalan_overvagd"): (0.80, 0.95),
    ("utredningstid", "sarskilda_skal"): (0.70, 0.90),
    ("utredningstid", "datum_stammer"): (0.90, 0.97),
}
#: the rate of ja/nej (counted) items not in :data:`RATES` (e.g. in a user's own checklist)
_DEFAULT_RATE = (0.85, 0.95)
#: share of "ej_aktuellt" (an uncounted answer) among the answers to non-critical compliance items
_NOT_APPLICABLE_SHARE = 0.04
#: share of "nej" answers on critical items that get a comment
_COMMENT_SHARE = 0.4
#: the one comment whose markup must be shown as text, never run
XSS_COMMENT = "Testar visningen av kommentarer: <img src=x onerror=alert(1)>"
REVIEWERS = ("Granskare A", "Granskare B", "Granskare C")
#: the built-in checklists simulated; (checklist id, stratify by enhet in every other period)
CHECKLISTS: tuple[tuple[str, bool], ...] = (("valdsfraga", True), ("barnperspektiv", True),
                                            ("utredningstid", False))
_FIRST_PERIOD = "2025-T1"
_COMMENTS = {
    "vald_fragat": "Frågan om våld är inte ställd eller inte dokumenterad i förhandsbedömningen.",
    "riskbedomning": "Våld framkom men ingen strukturerad riskbedömning är gjord; återkopplat till "
                     "handläggaren.",
    "barnens_situation": "Barnens situation nämns bara kort; behoven är inte beskrivna.",
    "barnets_basta": "Barn finns i hushållet men barnets bästa är inte vägt in i beslutet.",
    "orosanmalan_overvagd": "Det fanns oro för barnen men inget ställningstagande om orosanmälan.",
    "sarskilda_skal": "Förlängningen saknar motivering med särskilda skäl.",
}
_GENERIC_COMMENT = "Avvikelse noterad och återkopplad till ansvarig enhetschef."
_CASE_NOTE = "Avvikelsen är återkopplad till handläggaren och följs upp vid nästa granskning."


def default_periods(as_of: dt.date = demo.EXPORT_DATE) -> list[str]:
    """The tertials from 2025-T1 up to the one holding *as_of*."""
    first = parse_period(_FIRST_PERIOD)[0]
    periods = []
    year, tertial = first.year, 1
    while parse_period(f"{year}-T{tertial}")[0] <= as_of:
        periods.append(f"{year}-T{tertial}")
        year, tertial = (year + 1, 1) if tertial == 3 else (year, tertial + 1)
    return periods


def simulate_reviews(
    ws: Workspace,
    *,
    seed: int = 2026,
    per_session: int = 30,
    periods: Sequence[str] | None = None,
    as_of: dt.date = demo.EXPORT_DATE,
) -> list[Session]:
    """Create and fully answer one session per built-in checklist and period.

    Parameters
    ----------
    ws
        A workspace with a register (e.g. the demo register).
    seed
        Seed of the answers and of the samples.
    per_session
        Cases per session (fewer when a period has fewer cases).
    periods
        Tertials ("2025-T1", ...); default :func:`default_periods` up to *as_of*.
    as_of
        The day the simulation is made; it bounds the default periods.

    Returns
    -------
    list of Session
        The sessions created, in creation order (periods with no cases are skipped).
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    periods = list(periods) if periods is not None else default_periods(as_of)
    register = ws.cases()
    xss = _XssPlacement()
    sessions = []
    for position, period in enumerate(periods):
        progress = position / max(len(periods) - 1, 1)
        for number, (checklist_id, may_stratify) in enumerate(CHECKLISTS):
            checklist = checklists.load(checklist_id)
            available = _frame_size(register, checklist, period)
            if available == 0:
                continue
            session = ws.create_session(
                checklist, n=min(per_session, available), seed=seed * 100 + position * 10 + number,
                period=period, strata="enhet" if may_stratify and position % 2 else None,
                created_by=REVIEWERS[0])
            _review(session, _Reviewer(rng, progress), xss)
            sessions.append(session)
    xss.ensure_placed()
    return sessions


def _frame_size(register: pd.DataFrame, checklist: Checklist, period: str) -> int:
    start, end = (pd.Timestamp(day) for day in parse_period(period))
    inside = register["inkom_datum"].between(start, end)
    return int((checklist.applies_mask(register) & inside).sum())


@dataclass
class _Answer:
    session: Session
    case_id: str
    item_id: str
    value: str
    reviewer: str


class _XssPlacement:
    """Puts :data:`XSS_COMMENT` on the first critical "nej" (or, failing that, the last answer)."""

    def __init__(self) -> None:
        self.placed = False
        self.last: _Answer | None = None

    def take(self) -> bool:
        """True once: the caller's comment becomes the XSS comment."""
        if self.placed:
            return False
        self.placed = True
        return True

    def ensure_placed(self) -> None:
        if self.placed or self.last is None:
            return
        last = self.last
        last.session.record(last.case_id, last.item_id, last.value, reviewer=last.reviewer,
                            comment=XSS_COMMENT)
        self.placed = True


class _Reviewer:
    """Draws one session's answers at the rates of its point in time (``progress`` 0 = first period).

    The "ja" answers of an item are spread systematically over the session's cases (error
    diffusion from a random start): of m answers, round(m * rate) +- 1 are "ja", so the rates
    come out as set and the dashboard's trend is not drowned in sampling noise.
    """

    def __init__(self, rng: np.random.Generator, progress: float) -> None:
        self.rng = rng
        self.progress = progress
        self.accumulated: dict[str, float] = {}

    def yes_share(self, checklist_id: str, item: Item) -> float:
        first, last = RATES.get((checklist_id, item.id), _DEFAULT_RATE)
        return first + (last - first) * self.progress

    def counted(self, checklist_id: str, item: Item) -> str:
        """An answer to a counted (ja/nej) item: yes, no or, now and then, an uncounted one."""
        answer_type = item.answer_type
        measures = item.critical or bool(item.reference_for({}))
        if (measures and not item.critical and answer_type.uncounted
                and self.rng.random() < _NOT_APPLICABLE_SHARE):
            return answer_type.uncounted[0]
        before = self.accumulated.get(item.id, float(self.rng.random()))
        after = before + self.yes_share(checklist_id, item)
        self.accumulated[item.id] = after
        return str(answer_type.yes if math.floor(after) > math.floor(before) else answer_type.no)

    def other(self, item: Item, case: Mapping[str, Any]) -> str:
        """An answer to an item that is not counted: one of its allowed values, a date, a number or text."""
        allowed = item.allowed_values
        if allowed:
            return str(allowed[int(self.rng.integers(len(allowed)))])
        if item.answer_type.kind == "date":
            day = case.get("inkom_datum") or demo.EXPORT_DATE
            return day.isoformat()
        if item.answer_type.kind == "number":
            return str(int(self.rng.integers(1, 10)))
        return "Inga ytterligare iakttagelser."

    def comments(self) -> bool:
        return bool(self.rng.random() < _COMMENT_SHARE)

    def pick(self, names: Sequence[str]) -> str:
        return str(names[int(self.rng.integers(len(names)))])


def _review(session: Session, reviewer: _Reviewer, xss: _XssPlacement) -> None:
    """Answer every case of *session*, saved in one transaction (:meth:`Session.record_many`)."""
    team = REVIEWERS[: 2 + int(reviewer.rng.integers(2))]
    batch: list[dict[str, Any]] = []
    for case_id, case in session.cases().items():
        batch.extend(_review_case(session, case_id, case, reviewer, reviewer.pick(team), xss))
    session.record_many(batch)


def _review_case(session: Session, case_id: str, case: Mapping[str, Any], reviewer: _Reviewer, name: str,
                 xss: _XssPlacement) -> list[dict[str, Any]]:
    """The answers to one case, as :meth:`Session.record_many` takes them."""
    checklist = session.checklist
    answers = []
    given: dict[str, str] = {}
    deviation = False
    for item in _unanswered(checklist, case, given):
        value: str | None
        if item.answer_type.countable:
            value = reviewer.counted(checklist.id, item)
        elif item.answer_type.remark and item.optional:
            value = _CASE_NOTE if deviation else None
        else:
            value = reviewer.other(item, case)
        if value is None:
            given[item.id] = ""
            continue
        comment = None
        if item.critical and item.answer_type.outcome(value) is False:
            deviation = True
            comment = _deviation_comment(item, reviewer, xss)
        answers.append({"case_id": case_id, "item_id": item.id, "value": value, "reviewer": name,
                        "comment": comment})
        given[item.id] = value
        xss.last = _Answer(session, case_id, item.id, value, name)
    return answers


def _unanswered(checklist: Checklist, case: Mapping[str, Any], given: dict[str, str]) -> Iterator[Item]:
    """The visible answerable items not yet handled, re-evaluated after each answer."""
    while True:
        item = next((i for i in checklist.visible_items(case, given)
                     if not i.computed and i.id not in given), None)
        if item is None:
            return
        yield item


def _deviation_comment(item: Item, reviewer: _Reviewer, xss: _XssPlacement) -> str | None:
    if xss.take():
        return XSS_COMMENT
    if reviewer.comments():
        return _COMMENTS.get(item.id, _GENERIC_COMMENT)
    return None
