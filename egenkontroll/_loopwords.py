"""The words the quality loop shows for its codes, the same in the CLI, the Excel sheets and the report.

The loop stores checklists, items and granskningar by id (``valdsfraga``, ``vald_fragat``,
``2026-T1-valdsfraga-b535``); people know them by the checklist's title, the question's text and the
checklist and period of the granskning. :func:`loop_words` reads what is needed once; a
:class:`LoopWords` then names each of them. A checklist is named as the newest granskning of it stored
it (the version its figures come from), else as the built-in checklist of that id; a code that is
neither is shown as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from egenkontroll import _loopstore, checklists, store
from egenkontroll.checklists import Checklist
from egenkontroll.periods import Period, as_date, spoken_period
from egenkontroll.store import Source

__all__ = ["LoopWords", "loop_words"]


@dataclass(frozen=True)
class LoopWords:
    """Checklists, questions and granskningar in words (see the module docstring).

    Attributes
    ----------
    stored
        checklist id -> the checklist as its newest granskning stored it.
    sessions
        granskning id -> (checklist id, its (start, end) dates or None), for every granskning that is
        not a kontrollgranskning.
    full
        For print (the report's running text): periods with the months written out (``"januari–april
        2026"``, not ``"jan–apr 2026"``) and granskningar without their ids.
    """

    stored: Mapping[str, Checklist] = field(default_factory=dict)
    sessions: Mapping[str, tuple[str, Period]] = field(default_factory=dict)
    full: bool = False

    def checklist(self, checklist_id: str) -> str:
        """The checklist's title (``"Våldsfråga"``), or its id when it is unknown."""
        found = self._checklist(checklist_id)
        return found.title if found is not None else checklist_id

    def question(self, checklist_id: str, item_id: str) -> str:
        """The question's text alone (``"Har frågan om våld ställts och är svaret dokumenterat?"``), or
        the item's id when it is unknown."""
        found = self._checklist(checklist_id)
        texts = {item.id: item.text for item in found.items} if found is not None else {}
        return texts.get(item_id, item_id)

    def item(self, checklist_id: str, item_id: str) -> str:
        """The checklist's title and the question: ``"Våldsfråga: Har frågan om våld ställts …?"``."""
        return f"{self.checklist(checklist_id)}: {self.question(checklist_id, item_id)}"

    def granskning(self, session_id: str) -> str:
        """The granskning as people say it, in lists its id in parentheses to type it back:
        ``"Våldsfråga jan–apr 2026 (2026-T1-valdsfraga-b535)"``, in print (*full*) without it:
        ``"Våldsfråga januari–april 2026"``; ``"granskningen X"`` when unknown."""
        if session_id not in self.sessions:
            return f"granskningen {session_id}"
        checklist_id, period = self.sessions[session_id]
        named = f"{self.checklist(checklist_id)} {self.period(period)}"
        return named if self.full else f"{named} ({session_id})"

    def period(self, period: str | Period) -> str:
        """A period label or (start, end) dates in words (:func:`~egenkontroll.periods.spoken_period`);
        ``"alla perioder"`` for None."""
        return "alla perioder" if period is None else spoken_period(period, full=self.full)

    def _checklist(self, checklist_id: str) -> Checklist | None:
        return self.stored.get(checklist_id) or _builtin(checklist_id)


def loop_words(source: Source, *, full: bool = False) -> LoopWords:
    """The words of every granskning and checklist in the workspace (one read); *full* as
    :attr:`LoopWords.full`."""
    rows = _loopstore.session_checklists(source)
    newest = {row.checklist_id: row.checklist_source for row in rows}  # the last one wins
    sessions = {row.id: (row.checklist_id, _period(row.period_start, row.period_end)) for row in rows}
    return LoopWords({checklist_id: store._parsed_snapshot(text) for checklist_id, text in newest.items()},
                     sessions, full)


def _period(start: str | None, end: str | None) -> Period:
    """A granskning's stored period as dates (None: every case)."""
    if start is None or end is None:
        return None
    return as_date(start, "periodens start"), as_date(end, "periodens slut")


@functools.lru_cache(maxsize=32)
def _builtin(checklist_id: str) -> Checklist | None:
    """The built-in checklist of that id (parsed once per process), or None."""
    return checklists.load(checklist_id) if checklist_id in checklists.available() else None
