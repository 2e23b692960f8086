"""Effect follow-up of an åtgärd: does a later measurement of the same item show that it worked?

An action is marked "effekt uppnådd" only by a later granskning (or register period) that measures what
the action answers, never by hand. :func:`follow_up` states the before and after figures with their
intervals and the change test; :func:`record_follow_up` writes the outcome, and refuses "effekt
uppnådd" when the later figure does not support it.

What is compared
    - kind ``granskning``: before = the item's figure in the granskning where the deviation was found;
      after = the item's figure in a later granskning of the same checklist (its period starts after
      the first one's ends; default the latest such granskning with answers to the item).
    - kind ``register``: before = the indicator's share in the tertial the action answers; after = a
      later tertial that has ended by the evaluation date (default the latest). Register figures cover
      every case, so they have no interval (no sampling error).
    - a free-text deviation (avvikelse, klagomål, lex Sarah) that names a checklist item: no before
      figure; after = a granskning of that checklist whose period ends after the action was decided.
      Without a named item there is nothing to measure, and "effekt uppnådd" cannot be set.
    Figures are those of :func:`egenkontroll.results.item_results` (one granskning each, design-based
    intervals) and :func:`egenkontroll.results.register_indicators`, with the goal of the item
    (:data:`egenkontroll.results.CRITICAL_GOAL` for critical and computed items, else
    :data:`~egenkontroll.results.DEFAULT_GOAL`).
The rule (:attr:`FollowUp.supported`)
    The later figure supports "effekt uppnådd" when both figures rest on at least
    :data:`~egenkontroll.results.SUPPRESSION_LIMIT` (5) cases, and

    1. the later share is a *säkerställd* improvement over the before share: higher, and Fisher's exact
       test (two-sided, on the raw counts, as :func:`egenkontroll.results.change_from_previous`) gives
       p < 0.05, the same rule as everywhere in the tool; or
    2. the later figure lies wholly at or above the item's goal: for a granskning the lower bound of
       its interval, for a register period (no sampling error) its share.

    Anything else (a rise that chance could explain, a figure below the goal, too few cases) does not
    support it: the action keeps its status (it stays open for the next measurement), or is set to
    "effekt ej uppnådd" when the user says so. Marking "effekt ej uppnådd" is refused in turn when the
    later figure supports the effect: the figures decide, both ways.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from egenkontroll import _loopstore, actions, case_table, formatting, results, store
from egenkontroll._estimation import _fisher
from egenkontroll._loopwords import LoopWords, loop_words
from egenkontroll.errors import EffectNotShownError, LoopError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import parse_period, period_label, spoken_period
from egenkontroll.store import Source

__all__ = ["SIGNIFICANCE", "Measurement", "FollowUp", "follow_up", "record_follow_up", "later_sessions",
           "judge", "p_text"]

#: the p-value below which a change is "säkerställd", everywhere in the tool
SIGNIFICANCE = results.SIGNIFICANCE


@dataclass(frozen=True)
class Measurement:
    """One figure of the measured item: where it comes from, the counts, the share and its interval.

    ``lower`` and ``upper`` are NaN for a register period (every case counted, no sampling error).
    """

    source: str  # a granskning's id, or "register"
    period: str
    k: int
    n: int
    estimate: float
    lower: float
    upper: float

    @property
    def suppressed(self) -> bool:
        """Whether the figure rests on fewer cases than may be shown."""
        return self.n < results.SUPPRESSION_LIMIT

    @property
    def is_register(self) -> bool:
        return self.source == "register"

    def text(self) -> str:
        """``"63 % (19 av 30; 95 % KI 45–78 %) i granskningen maj–aug 2025"`` in Swedish (the measured
        checklist and the period name the granskning: a checklist has one per period)."""
        when = spoken_period(self.period)
        where = f"i registret, {when}" if self.is_register else f"i granskningen {when}"
        if self.suppressed:
            return f"– (färre än {results.SUPPRESSION_LIMIT} ärenden) {where}"
        spread = ("hela registret, inget urvalsfel" if self.is_register
                  else f"95 % KI {formatting.interval(self.lower, self.upper)}")
        return f"{formatting.share(self.estimate)} ({self.k} av {self.n}; {spread}) {where}"


@dataclass(frozen=True)
class FollowUp:
    """The comparison behind an action's effect: before and after, the change test and the verdict."""

    action_id: int
    measured: str  # the checklist's title and the question (LoopWords.item), or the indicator's name
    goal: float
    before: Measurement | None
    after: Measurement
    p_value: float  # NaN without a before figure
    improvement_secured: bool
    at_goal: bool
    supported: bool

    @property
    def suppressed(self) -> bool:
        """Whether either figure rests on too few cases to be shown (then neither is compared)."""
        return self.after.suppressed or (self.before is not None and self.before.suppressed)

    @property
    def reason(self) -> str:
        """Why the later figure does or does not support "effekt uppnådd", in Swedish."""
        goal = formatting.share(self.goal)
        if self.suppressed:
            return (f"För få ärenden för att bedöma effekten (varje mätning behöver minst "
                    f"{results.SUPPRESSION_LIMIT}).")
        test = "" if math.isnan(self.p_value) else self._test_text()
        if self.supported:
            shown = [test] if self.improvement_secured else []
            shown += [f"det senare värdet ligger helt på eller över målet {goal}"] if self.at_goal else []
            return "Effekten är visad: " + " och ".join(shown) + "."
        bound = "värdet" if self.after.is_register else "intervallets undre gräns"
        missing = f"det senare {bound} når inte målet {goal}"
        return "Effekten är inte visad: " + (f"{test}, och {missing}" if test else missing) + "."

    def text(self) -> str:
        """Before, after, test and verdict, one line each (for the CLI, the log and the report)."""
        lines = [f"Mäter: {self.measured}"]
        if self.before is not None:
            lines.append(f"Före: {self.before.text()}")
        lines.append(f"Efter: {self.after.text()}")
        if not (math.isnan(self.p_value) or self.suppressed):  # no change from figures not shown
            lines.append(f"Förändring: {formatting.points(self.after.estimate - self.before.estimate)}, "
                         f"Fishers exakta test {p_text(self.p_value)}")
        lines.append(self.reason)
        return "\n".join(lines)

    def _test_text(self) -> str:
        if self.improvement_secured:
            return f"ökningen är säkerställd (Fishers exakta test {p_text(self.p_value)}, under 0,05)"
        rise = self.before is not None and self.after.estimate > self.before.estimate
        change = "ökningen" if rise else "förändringen"
        return f"{change} är inte säkerställd (Fishers exakta test {p_text(self.p_value)}, inte under 0,05)"


def p_text(p_value: float) -> str:
    """A p-value in Swedish: ``"p = 0,527"``, ``"p < 0,001"`` below a thousandth."""
    return "p < 0,001" if p_value < 0.001 else f"p = {p_value:.3f}".replace(".", ",")


def follow_up(source: Source, action_id: int, *, later: str | None = None,
              as_of: dt.date | str | None = None, register: pd.DataFrame | None = None) -> FollowUp:
    """Compare the action's before figure with a later measurement of the same item (nothing is written).

    Parameters
    ----------
    later
        The later granskning's id (kinds granskning and free text) or the later tertial
        (``"2026-T2"``, kind register); default the latest eligible one (see the module docstring).
    as_of
        The evaluation date of computed items and of the register (default ``$EGENKONTROLL_PER_DATUM``
        or today).
    register
        The register with the reviewers' corrections (:func:`egenkontroll.case_table.corrected_cases`),
        when the caller has already read it for several follow-ups; default read here.

    Raises
    ------
    LoopError
        When the action measures nothing, *later* is not a later measurement of the same item, or there
        is none yet.
    """
    row = actions.action(source, action_id)
    day = per_datum(as_of)
    if row["kind"] == "register":
        before, after, goal = _register_pair(source, row, later, day)
        measured = actions.INDICATORS[row["indicator"]]
    elif row["item_id"]:
        words = loop_words(source)
        before, after, goal = _granskning_pair(source, row, later, day, register, words)
        measured = words.item(row["checklist_id"], row["item_id"])
    else:
        raise LoopError(f"Åtgärd {action_id} är inte kopplad till någon fråga eller registeruppgift som "
                        "mäts, så ingen senare granskning kan visa dess effekt. Ange vilken checklistefråga "
                        "som ska följa upp den när åtgärden skapas.")
    return judge(action_id, measured, goal, before, after)


def record_follow_up(source: Source, action_id: int, *, later: str | None = None,
                     achieved: bool | None = True, as_of: dt.date | str | None = None,
                     expected_revision: int | None = None, register: pd.DataFrame | None = None) -> FollowUp:
    """Follow the action up (:func:`follow_up`) and set "effekt uppnådd" (*achieved* True) or "effekt ej
    uppnådd" (False), or whichever the figures say (None), with the later measurement and the figures, in
    one logged change.

    Raises
    ------
    EffectNotShownError
        When *achieved* and the later figure does not support it: the message says why, and that the
        action keeps its status or can be set to "effekt ej uppnådd"; nothing is written.
    LoopError
        When "effekt ej uppnådd" is asked for but the later figure supports the effect, or as
        :func:`follow_up`.
    ConflictError
        When the action changed since *expected_revision*.
    """
    result = follow_up(source, action_id, later=later, as_of=as_of, register=register)
    achieved = result.supported if achieved is None else achieved
    status = actions.action(source, action_id)["status"]
    if achieved and not result.supported:
        raise EffectNotShownError(
            f"Åtgärd {action_id} markerades inte \"{actions.EFFECT_SHOWN}\".\n{result.text()}\n"
            f"Åtgärden har kvar status \"{status}\" och kan följas upp igen vid nästa mätning, eller "
            f"markeras \"{actions.EFFECT_NOT_SHOWN}\" (egenkontroll atgard uppfolj {action_id} "
            "--ej-uppnadd).", result)
    if not achieved and result.supported:
        raise LoopError(f"Åtgärd {action_id} markerades inte \"{actions.EFFECT_NOT_SHOWN}\": den senare "
                        f"mätningen visar effekten.\n{result.text()}")
    new_status = actions.EFFECT_SHOWN if achieved else actions.EFFECT_NOT_SHOWN
    after = result.after
    source_name = actions.REGISTER_SOURCE + after.period if after.is_register else after.source
    _loopstore.update(source, "atgard", action_id, {"status": new_status, "effect_source": source_name,
                                                     "effect_note": result.text()}, expected_revision)
    return result


def later_sessions(source: Source, action_id: int) -> list[str]:
    """The ids of the granskningar that may follow the action up, oldest first (see the module docstring)."""
    row = actions.action(source, action_id)
    if not row["checklist_id"] or row["kind"] == "register":
        return []
    return _eligible(source, row)["id"].tolist()


def _eligible(source: Source, row: dict[str, Any]) -> pd.DataFrame:
    """The granskningar of the action's checklist that come after the deviation (or after the decision)."""
    frame = _loopstore.sessions(source)
    frame = frame[(frame["checklist_id"] == row["checklist_id"]) & frame["period_start"].notna()]
    if row["session_id"]:
        first = frame.loc[frame["id"] == row["session_id"], "period_end"]
        boundary = first.iloc[0] if not first.empty else row["opened"]
        return frame[frame["period_start"] > boundary]
    return frame[frame["period_end"] > row["opened"]]


def _granskning_pair(source: Source, row: dict[str, Any], later: str | None, day: dt.date,
                     register: pd.DataFrame | None,
                     words: LoopWords) -> tuple[Measurement | None, Measurement, float]:
    checklist = words.checklist(row["checklist_id"])
    register = case_table.corrected_cases(source) if register is None else register  # once for both
    eligible = _eligible(source, row)
    if later is not None and later not in set(eligible["id"]):
        raise LoopError(f"Granskningen {later} är ingen senare granskning av {checklist} som kan "
                        f"följa upp åtgärd {row['id']}. Möjliga: {', '.join(eligible['id']) or 'inga ännu'}.")
    candidates = [later] if later is not None else list(reversed(eligible["id"].tolist()))
    for session_id in candidates:
        figure = _item_figure(source, register, session_id, row["item_id"], day)
        if figure is not None and figure[0].n > 0:
            after, goal = figure
            break
    else:
        question = words.question(row["checklist_id"], row["item_id"])
        raise LoopError(f"Ingen senare granskning av {checklist} har ännu svar på frågan \"{question}\", så "
                        f"åtgärd {row['id']} kan inte följas upp än.")
    before = (_item_figure(source, register, row["session_id"], row["item_id"], day) if row["session_id"]
              else None)
    return (before[0] if before else None), after, goal


def _item_figure(source: Source, register: pd.DataFrame, session_id: str, item_id: str,
                 day: dt.date) -> tuple[Measurement, float] | None:
    """The item's figure in one granskning (None when the item has no row there) and its goal."""
    session = store.open_session(source, session_id)
    figures = results.ItemResults(source, sessions=[session], as_of=day, register=register).table()
    match = figures[figures["item"] == item_id]
    if match.empty:
        return None
    figure = match.iloc[0]
    measurement = Measurement(session_id, period_label(session.period), int(figure["k"]), int(figure["n"]),
                              float(figure["estimate"]), float(figure["lower"]), float(figure["upper"]))
    return measurement, float(figure["goal"])


def _register_pair(source: Source, row: dict[str, Any], later: str | None,
                   day: dt.date) -> tuple[Measurement, Measurement, float]:
    table = results.register_indicators(source, as_of=day)[row["indicator"]].set_index("period")
    before_period = row["indicator_period"]
    ended = [period for period in table.index if period != "okänt" and period > before_period
             and parse_period(period)[1] <= day]
    if later is not None and later not in ended:
        raise LoopError(f"{later} är ingen avslutad registerperiod efter {before_period} med ärenden "
                        f"(möjliga: {', '.join(ended) or 'inga ännu'}).")
    if not ended:
        raise LoopError(f"Ingen registerperiod efter {spoken_period(before_period)} har avslutats per {day}, "
                        f"så åtgärd {row['id']} kan inte följas upp än.")
    chosen = later or ended[-1]
    return _register_figure(table, before_period), _register_figure(table, chosen), results.CRITICAL_GOAL


def _register_figure(table: pd.DataFrame, period: str) -> Measurement:
    if period not in table.index:
        return Measurement("register", period, 0, 0, math.nan, math.nan, math.nan)
    entry = table.loc[period]
    return Measurement("register", period, int(entry["k"]), int(entry["n"]), float(entry["share"]), math.nan,
                       math.nan)


def judge(action_id: int, measured: str, goal: float, before: Measurement | None,
            after: Measurement) -> FollowUp:
    """Apply the rule of the module docstring."""
    p_value, difference = math.nan, math.nan
    if before is not None:
        p_value, difference = _fisher(after.k, after.n, before.k, before.n), after.estimate - before.estimate
    enough = not after.suppressed and (before is None or not before.suppressed)
    secured = enough and difference > 0 and p_value < SIGNIFICANCE
    shown_at = after.estimate if after.is_register else after.lower
    at_goal = enough and not math.isnan(goal) and shown_at >= goal
    return FollowUp(action_id, measured, goal, before, after, p_value, secured, at_goal, secured or at_goal)
