"""Estimation for :mod:`egenkontroll.results`: figures with design-correct intervals from the gathered
material, goals and traffic lights, change and trend (the decisions are in :mod:`egenkontroll.results`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

import sampling
from egenkontroll import store
from egenkontroll._material import (
    ALL,
    ANSWERED,
    COMPUTED,
    Material,
    choose_sessions,
    gather,
    in_group,
    indexed_register,
    restrict,
)
from egenkontroll.checklists import Checklist
from egenkontroll.errors import UserError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import (
    UNKNOWN,
    Period,
    PeriodText,
    overlaps,
    parse_period,
    period_label,
    previous_period,
    tertials_between,
)

if TYPE_CHECKING:
    from egenkontroll.store import Session, Source


#: the columns of :func:`item_results`
RESULT_COLUMNS = ["checklist", "item", "item_text", "critical", "dimension", "group", "k", "n",
                  "estimate", "se", "lower", "upper", "method", "goal", "status", "suppressed",
                  "population", "frame_cases", "uncovered_cases", "missing_periods"]
#: ``by`` -> the Swedish name of the breakdown
DIMENSIONS = {"alla": "Alla", "enhet": "Enhet", "arendetyp": "Ärendetyp", "kon": "Kön",
              "tertial": "Tertial", "manad": "Månad", "ar": "År"}
#: figures resting on fewer cases than this are suppressed
SUPPRESSION_LIMIT = 5
#: above this sampling fraction n_h/N_h a one-stratum figure uses the exact hypergeometric interval
HYPERGEOMETRIC_FRACTION = 0.10
#: default goal of critical and computed items, and of the others
CRITICAL_GOAL, DEFAULT_GOAL = 1.0, 0.9
GREEN, YELLOW, RED = "grön", "gul", "röd"
#: a change is "säkerställd" when Fisher's exact test gives a p-value below this (everywhere in the tool)
SIGNIFICANCE = 0.05
#: the coverage columns of :func:`item_results`
COVERAGE = ("population", "frame_cases", "uncovered_cases", "missing_periods")


def traffic_light(lower: float, upper: float, goal: float) -> str:
    """The status of an interval against a goal: "grön" (lower >= goal), "röd" (upper < goal), else "gul"."""
    if lower >= goal:
        return GREEN
    if upper < goal:
        return RED
    return YELLOW


@dataclass(frozen=True)
class _Figure:
    """One estimate: share, standard error, interval and the method that gave the interval."""

    estimate: float
    se: float
    lower: float
    upper: float
    method: str | None


_NO_FIGURE = _Figure(math.nan, math.nan, math.nan, math.nan, None)


def estimate_figure(
    N: np.ndarray, n: np.ndarray, n_d: np.ndarray, k_d: np.ndarray, confidence: float
) -> _Figure:
    """The figure from per-stratum N, n (responding), n_d and k_d (cases and "ja" in the figure's domain).

    A domain made of whole strata (n_d = n wherever n_d > 0) has known stratum sizes: Wilson or
    hypergeometric on one stratum, Korn-Graubard on several. Any other domain (an item that does
    not apply everywhere, a group, a period) is a domain of unknown size: ``sampling.evaluate_domain_counts``.
    """
    if not (n_d > 0).any():
        return _NO_FIGURE
    if np.array_equal(n_d[n_d > 0], n[n_d > 0]):
        return _whole_strata(N[n_d > 0], n[n_d > 0], k_d[n_d > 0], confidence)
    result = sampling.evaluate_domain_counts(N, n, n_d, k_d, confidence=confidence)
    return _Figure(result.estimate, result.se, result.lower, result.upper, f"domain-{result.method}")


def _whole_strata(N: np.ndarray, n: np.ndarray, k: np.ndarray, confidence: float) -> _Figure:
    if len(n) > 1:
        result = sampling.evaluate_stratified(N.astype(int).tolist(), n.astype(int).tolist(),
                                              k.astype(int).tolist(), confidence=confidence)
        return _Figure(result.estimate, result.se, result.lower, result.upper, result.method)
    population = int(N[0]) if n[0] / N[0] > HYPERGEOMETRIC_FRACTION else None
    interval = sampling.evaluate(int(k[0]), int(n[0]), confidence=confidence, population=population)
    p = interval.estimate
    se = math.sqrt((1 - n[0] / N[0]) * p * (1 - p) / (n[0] - 1)) if n[0] > 1 else 0.0
    return _Figure(p, se, interval.lower, interval.upper, interval.method)


def _goal(goals: Mapping[str, float], item: Any) -> float:
    """The item's goal: from ``goals``, else by kind (NaN for an item that is no measure)."""
    for key in (f"{item.checklist}.{item.item}", item.item):
        if key in goals:
            return float(goals[key])
    if item.critical or item.computed:
        return CRITICAL_GOAL
    return DEFAULT_GOAL if item.measure else math.nan


def checked_goals(goals: Mapping[str, float] | None) -> dict[str, float]:
    goals = dict(goals or {})
    wrong = [f"{key}: {value!r}" for key, value in goals.items()
             if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1]
    if wrong:
        raise UserError("Målen ska vara andelar mellan 0 och 1 (till exempel 0.9 för 90 %): "
                        + ", ".join(wrong))
    return goals


def _figures(
    material: Material, dimension: str, confidence: float, goals: Mapping[str, float]
) -> pd.DataFrame:
    counts = (material.observations
              .groupby(["checklist", "item", dimension, "stratum", "base"], observed=True)["yes"]
              .agg(n_d="size", k_d="sum").reset_index())
    counts["N"] = counts["stratum"].map(material.strata["N"])
    counts["n"] = [material.strata.at[s, b] for s, b in zip(counts["stratum"], counts["base"], strict=True)]
    values = counts[["N", "n", "n_d", "k_d"]].to_numpy(float)
    per_item: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    positions = counts.groupby(["checklist", "item", dimension], sort=True).indices
    for (checklist, item, group), at in sorted(positions.items(), key=lambda pair: pair[1][0]):
        per_item.setdefault((checklist, item), {})[group] = values[at]  # counts' rows are in key order
    empty = {ALL: np.zeros((0, 4))} if dimension == "alla" else {}
    coverages: dict[tuple[str, str], dict[str, Any]] = {}
    rows = []
    for item in material.items.itertuples(index=False):
        base = (item.checklist, COMPUTED if item.computed else ANSWERED)
        if base not in coverages:
            coverages[base] = _coverage(material, *base)
        coverage = coverages[base]
        for group, parts in per_item.get((item.checklist, item.item), empty).items():
            figure = estimate_figure(*parts.T, confidence)
            goal = _goal(goals, item)
            k, n = int(parts[:, 3].sum()), int(parts[:, 2].sum())
            judged = n > 0 and not math.isnan(goal)
            status = traffic_light(figure.lower, figure.upper, goal) if judged else None
            rows.append({
                "checklist": item.checklist, "item": item.item, "item_text": item.item_text,
                "critical": bool(item.critical), "dimension": dimension, "group": group,
                "k": k, "n": n, "estimate": figure.estimate, "se": figure.se, "lower": figure.lower,
                "upper": figure.upper, "method": figure.method, "goal": goal, "status": status,
                "suppressed": n < SUPPRESSION_LIMIT,
                "population": float((parts[:, 0] * parts[:, 2] / np.maximum(parts[:, 1], 1)).sum()),
                **coverage,
            })
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _coverage(material: Material, checklist: str, base: str) -> dict[str, Any]:
    """What the figures of *checklist* cover: frame cases, cases in strata without a responding case,
    and the tertials of the period without a granskning."""
    used = [sid for sid, (cid, period) in material.periods.items()
            if cid == checklist and overlaps(period, material.bounds)]
    strata = material.strata[material.strata["session"].isin(used)]
    return {
        "frame_cases": int(strata["N"].sum()),
        "uncovered_cases": int(strata.loc[strata[base] == 0, "N"].sum()),
        "missing_periods": _missing_periods([material.periods[sid][1] for sid in used], material.bounds),
    }


def _missing_periods(periods: list[Period], bounds: Period) -> tuple[str, ...]:
    """Tertials of *bounds* (default: from the first session's start to the last one's end) that no
    session's period touches."""
    if not periods or any(period is None for period in periods):
        return ()
    scope = bounds or (min(start for start, _ in periods), max(end for _, end in periods))
    return tuple(label for label in tertials_between(*scope)
                 if not any(overlaps(parse_period(label), period) for period in periods))


def item_results(
    ws: Source,
    *,
    sessions: Sequence[Session | str] | None = None,
    checklist: Checklist | str | None = None,
    period: str | int | PeriodText | None = None,
    by: str | None = None,
    confidence: float = 0.95,
    goals: Mapping[str, float] | None = None,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """Compliance per checklist item (and per group) with design-correct intervals.

    Parameters
    ----------
    ws
        The workspace, or the engine of its database.
    sessions
        Sessions (objects or ids) to include; default every session in the workspace.
    checklist
        Only sessions of this checklist (id or :class:`Checklist`).
    period
        Only cases whose inkom_datum falls in the period ("2026", "2026-T1" or (start, end)).
    by
        None (one row per item, group "Alla") or one of "enhet", "arendetyp", "kon", "tertial",
        "manad" (calendar month of inkom_datum, "2026-03"), "ar".
    confidence
        Two-sided confidence level of the intervals.
    goals
        Goal per item id (or "checklist_id.item_id") as a share; see the module docstring.
    as_of
        The evaluation date of computed items (default ``$EGENKONTROLL_PER_DATUM`` or today).

    Returns
    -------
    DataFrame
        Columns :data:`RESULT_COLUMNS`; ``attrs["confidence"]`` holds the confidence level and
        ``attrs["left_out"]`` the overlapping sessions left out (session, checklist, period,
        overlaps, reason).

    Raises
    ------
    UserError
        When ``by``, ``period``, ``goals``, ``as_of`` or a session id is not understood.
    """
    checked_dimension(by), checked_goals(goals)  # refuse a bad choice before the costly gathering
    gathered = ItemResults(ws, sessions=sessions, checklist=checklist, as_of=as_of)
    return gathered.table(period=period, by=by, confidence=confidence, goals=goals)


class ItemResults:
    """The sessions' answers and verdicts gathered once, for :func:`item_results` tables by many breakdowns.

    Gathering (reading the answers, evaluating every visible item of every sampled case) is the
    costly part; a dashboard or an export that shows several breakdowns gathers once and calls
    :meth:`table` per breakdown. The parameters are those of :func:`item_results`.

    Parameters
    ----------
    register
        The register with the reviewers' corrections (:func:`egenkontroll.case_table.corrected_cases`),
        when the caller has already read it; default read here.
    answers
        The chosen sessions' answers as :func:`egenkontroll.store.answers_of` gives them, when the caller
        has already read them; default read here.
    """

    def __init__(
        self,
        ws: Source,
        *,
        sessions: Sequence[Session | str] | None = None,
        checklist: Checklist | str | None = None,
        as_of: dt.date | str | None = None,
        register: pd.DataFrame | None = None,
        answers: pd.DataFrame | None = None,
    ) -> None:
        indexed = indexed_register(ws) if register is None else register.set_index("arende_id", drop=False)
        chosen = choose_sessions(ws, sessions, checklist)
        answers = store.answers_of(ws, chosen) if answers is None else answers
        self._material = gather(indexed, chosen, per_datum(as_of), answers)

    def table(
        self,
        *,
        period: str | int | PeriodText | None = None,
        by: str | None = None,
        confidence: float = 0.95,
        goals: Mapping[str, float] | None = None,
        within: tuple[str, str] | None = None,
    ) -> pd.DataFrame:
        """The :func:`item_results` table for one period and breakdown; with *within* (a breakdown and
        one of its groups, ``("enhet", "Vuxenenheten")``) of that group's cases alone, e.g. an enhet per
        month: the same figures as each month's table by enhet, in one table (the coverage columns then
        describe the whole period, not each month)."""
        material = self._material
        if within is not None:
            material = in_group(material, checked_dimension(within[0]), within[1])
        return results_table(material, period, checked_dimension(by), confidence, checked_goals(goals))

    def change(
        self,
        *,
        period: str | int | PeriodText,
        previous: str | int | PeriodText | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """The :func:`change_from_previous` table for *period* against *previous*."""
        return _change(self._material, period, previous, confidence)


def results_table(material: Material, period: Any, dimension: str, confidence: float,
             goals: Mapping[str, float]) -> pd.DataFrame:
    frame = _figures(restrict(material, period), dimension, confidence, goals)
    frame.attrs["confidence"] = confidence
    frame.attrs["left_out"] = list(material.left_out)
    return frame


def checked_dimension(by: str | None) -> str:
    if by is None:
        return "alla"
    if by not in DIMENSIONS or by == "alla":
        choices = ", ".join(name for name in DIMENSIONS if name != "alla")
        raise UserError(f"Resultat kan inte delas upp efter {by!r}; välj en av: {choices}.")
    return by


def change_from_previous(
    ws: Source,
    *,
    checklist: Checklist | str,
    period: str | int | PeriodText,
    previous: str | int | PeriodText | None = None,
    confidence: float = 0.95,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """Per item: the figures of *period* against *previous*, with Fisher's exact test.

    Parameters
    ----------
    checklist
        The checklist (id or object).
    period, previous
        The periods compared (as in :func:`item_results`); *previous* defaults to the tertial
        (or year) before *period*.

    Returns
    -------
    DataFrame
        checklist, item, item_text, period, previous, k, n, estimate, k_previous, n_previous,
        estimate_previous, difference (estimate - estimate_previous), p_value (two-sided Fisher
        exact on the 2x2 table of raw counts; NaN when a period has no cases), test, suppressed
        (either period rests on fewer than 5 cases).
    """
    gathered = ItemResults(ws, checklist=checklist, as_of=as_of)
    return gathered.change(period=period, previous=previous, confidence=confidence)


def _change(material: Material, period: str | int | PeriodText,
            previous: str | int | PeriodText | None, confidence: float) -> pd.DataFrame:
    previous = previous_period(period) if previous is None else previous
    now = results_table(material, period, "alla", confidence, {})
    before = results_table(material, previous, "alla", confidence, {})
    return change_between(now, before, period, previous)


def change_between(now: pd.DataFrame, before: pd.DataFrame, period: str | int | PeriodText,
                   previous: str | int | PeriodText) -> pd.DataFrame:
    """The :func:`change_from_previous` table from the :func:`item_results` rows of two periods, one row
    per item in each (e.g. one enhet's rows of two ``by="enhet"`` tables)."""
    columns = ["checklist", "item", "k", "n", "estimate"]
    merged = now[["item_text", *columns]].merge(before[columns], on=["checklist", "item"],
                                                how="left", suffixes=("", "_previous"))
    merged[["k_previous", "n_previous"]] = merged[["k_previous", "n_previous"]].fillna(0).astype(int)
    merged["difference"] = merged["estimate"] - merged["estimate_previous"]
    merged["p_value"] = [_fisher(*counts) for counts in
                         merged[["k", "n", "k_previous", "n_previous"]].itertuples(index=False)]
    merged["test"] = "Fishers exakta test (tvåsidigt, ovägda antal)"
    merged["suppressed"] = (merged["n"] < SUPPRESSION_LIMIT) | (merged["n_previous"] < SUPPRESSION_LIMIT)
    merged["period"] = _period_name(period)
    merged["previous"] = _period_name(previous)
    return merged[["checklist", "item", "item_text", "period", "previous", "k", "n", "estimate", "k_previous",
                   "n_previous", "estimate_previous", "difference", "p_value", "test", "suppressed"]]


def _fisher(k: int, n: int, k_previous: int, n_previous: int) -> float:
    if n == 0 or n_previous == 0:
        return math.nan
    return float(stats.fisher_exact([[k, n - k], [k_previous, n_previous - k_previous]]).pvalue)


def _period_name(period: PeriodText) -> str:
    return period_label(parse_period(period))


def trend(
    ws: Source,
    *,
    checklist: Checklist | str,
    item: str | None = None,
    confidence: float = 0.95,
    goals: Mapping[str, float] | None = None,
    as_of: dt.date | str | None = None,
) -> pd.DataFrame:
    """Per tertial (of inkom_datum) and item: the figures of :func:`item_results`, oldest first.

    Returns
    -------
    DataFrame
        checklist, item, item_text, period ("2026-T1"), k, n, estimate, lower, upper, method, goal,
        status, suppressed.
    """
    frame = item_results(ws, checklist=checklist, by="tertial", confidence=confidence, goals=goals,
                         as_of=as_of)
    frame = frame[frame["group"] != UNKNOWN].rename(columns={"group": "period"})
    if item is not None:
        frame = frame[frame["item"] == item]
    return frame.drop(columns=["critical", "dimension"]).reset_index(drop=True)

