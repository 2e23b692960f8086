"""Results of the granskningar: compliance per checklist item with design-correct intervals,
breakdowns, goals and traffic lights, change over time, and register-wide indicators.

Statistics (the decisions behind every figure):

Counting
    For a ja/nej item, n = sampled cases where the item is visible and answered "ja" or "nej"
    ("ej_aktuellt", unanswered and hidden items are left out); k = the "ja" answers. For a
    computed item, k = verdicts True and n = verdicts True or False on the sampled cases (an
    undecided verdict, None, is left out); verdicts use the reviewers' date corrections and
    ``as_of`` (default ``$EGENKONTROLL_PER_DATUM`` or today). Free-text, date, number and choice
    items get no row (the answer type decides: :attr:`egenkontroll.answertypes.AnswerType.countable`,
    ``yes`` and ``no``).
Strata
    Every stratum of every session is a stratum of its own (an unstratified session is one
    stratum). Several sessions of one checklist (e.g. one per tertial) are therefore combined as
    a stratified sample, never pooled; they are assumed to cover disjoint sets of cases.
Domains
    An item's applicable cases, a group (enhet, ärendetyp, kön, tertial, år) and ``period`` are
    domains cutting across strata. In stratum h, with n_h responding cases of N_h and n_hd of
    them in the domain, the domain's population is estimated as N_hd = N_h n_hd / n_h (rounded,
    at least n_hd) - the usual approximation, exact when the domain is the whole stratum.
    Responding cases are the reviewed ones (at least one answer) for ja/nej items and all sampled
    cases for computed items (a verdict needs no reviewer), i.e. unreviewed cases are taken as
    missing at random within their stratum.
Intervals
    When the figure rests on one stratum (a simple random session, or a domain inside one
    stratum), the cases are a simple random sample: Wilson score interval, or, when the
    stratum's sampling fraction n_h/N_h exceeds :data:`HYPERGEOMETRIC_FRACTION` (10 %), the exact
    hypergeometric interval with population N_hd (``sampling.evaluate``). When it rests on
    several strata: ``sampling.evaluate_stratified`` (Korn-Graubard) on (N_hd, n_hd, k_hd). The
    column ``method`` names what was used; k and n are the raw counts in the sample, ``estimate``
    the design-weighted share.
Goals and traffic lights
    Default goal 100 % for critical items and computed (legal time limit) items, 90 % for other
    items tied to a legal reference (``lagrum``). An item that is neither (a fact that steers
    follow-up questions, e.g. "Framkom det att våld förekommit?") measures no compliance: its
    share is reported with goal NaN and status None. ``goals={item_id: rate}`` (or
    ``{"checklist_id.item_id": rate}``, which wins) overrides. See :data:`TRAFFIC_LIGHT_RULE`.
    A row without cases (n = 0) has no status (None).
Suppression
    A figure that rests on fewer than :data:`SUPPRESSION_LIMIT` (5) cases is flagged
    ``suppressed`` and shown as "–" by :func:`for_display` and :func:`summary_text`.
Change
    :func:`change_from_previous` compares the raw counts of two periods with Fisher's exact test
    (two-sided, ``scipy.stats.fisher_exact``); for stratified sessions this ignores the weights
    (an approximation, stated in the output's ``test`` column).
Register indicators
    :func:`register_indicators` uses every case in the register (with the reviewers' date
    corrections), no sampling, so no intervals: shares within 14 days per tertial of
    inkom_datum and within 4 months per tertial of utredning_inledd (``rules.register_status``);
    utredningstid (utredning_avslutad - utredning_inledd, closed child investigations) per
    tertial in which the investigation closed, quartiles by linear interpolation; decisions not
    carried out within 3 months per calendar quarter, as the 34 kap. report counts them at the
    quarter's end.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

import sampling
from egenkontroll import case_table, rules, store
from egenkontroll._fields import CASE_TYPE_LABELS, KON_LABELS
from egenkontroll.checklists import Checklist, Item
from egenkontroll.errors import UserError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import (
    UNKNOWN,
    PeriodText,
    parse_period,
    period_label,
    period_words,
    previous_period,
    tertial_label,
)

if TYPE_CHECKING:
    from egenkontroll.store import Session, Source

__all__ = [
    "RESULT_COLUMNS",
    "DIMENSIONS",
    "SUPPRESSION_LIMIT",
    "HYPERGEOMETRIC_FRACTION",
    "CRITICAL_GOAL",
    "DEFAULT_GOAL",
    "TRAFFIC_LIGHT_RULE",
    "METHOD_NAMES",
    "item_results",
    "ItemResults",
    "traffic_light",
    "for_display",
    "change_from_previous",
    "trend",
    "register_indicators",
    "summary_text",
    "results_json",
]

#: the columns of :func:`item_results`
RESULT_COLUMNS = ["checklist", "item", "item_text", "critical", "dimension", "group", "k", "n",
                  "estimate", "lower", "upper", "method", "goal", "status", "suppressed"]
#: ``by`` -> the Swedish name of the breakdown
DIMENSIONS = {"alla": "Alla", "enhet": "Enhet", "arendetyp": "Ärendetyp", "kon": "Kön",
              "tertial": "Tertial", "ar": "År"}
#: figures resting on fewer cases than this are suppressed
SUPPRESSION_LIMIT = 5
#: above this sampling fraction n_h/N_h a one-stratum figure uses the exact hypergeometric interval
HYPERGEOMETRIC_FRACTION = 0.10
#: default goal of critical and computed items, and of the others
CRITICAL_GOAL, DEFAULT_GOAL = 1.0, 0.9
#: the traffic-light rule as shown on the dashboard and in the Excel export
TRAFFIC_LIGHT_RULE = (
    "Grön: konfidensintervallets nedre gräns når målet, så målet är uppnått med den angivna "
    "säkerheten. Röd: intervallets övre gräns ligger under målet, så målet är inte uppnått. "
    "Gul: målet ligger inom intervallet, så urvalet räcker inte för att avgöra saken."
)
#: method -> how it is named for the ledningsgrupp
METHOD_NAMES = {
    "wilson": "Wilson (obundet slumpmässigt urval)",
    "hypergeometric": "exakt hypergeometrisk (stor andel av en liten population)",
    "korn-graubard": "stratifierad skattning, Korn–Graubard",
}
_GREEN, _YELLOW, _RED = "grön", "gul", "röd"
_SUPPRESSED = "–"
_ALL = "Alla"
_ANSWERED, _COMPUTED = "svar", "beraknad"
_OBSERVATION_COLUMNS = ["checklist", "item", "stratum", "base", "arende_id", "yes"]
_NO_ANSWERS = pd.DataFrame(columns=["arende_id", "item_id", "value"])


# --------------------------------------------------------------------------- traffic light


def traffic_light(lower: float, upper: float, goal: float) -> str:
    """The status of an interval against a goal: "grön" (lower >= goal), "röd" (upper < goal), else "gul"."""
    if lower >= goal:
        return _GREEN
    if upper < goal:
        return _RED
    return _YELLOW


# --------------------------------------------------------------------------- gathering the answers


@dataclass(frozen=True)
class _Material:
    """What the sampled cases say, in long form.

    observations: one row per (stratum, case, item) with a countable answer or verdict:
    checklist, item, stratum, base, arende_id, yes, and the group columns.
    strata: per stratum: N and the responding cases per base (``svar``, ``beraknad``).
    items: per checklist item that gets a row: checklist, item, item_text, critical, computed.
    cases: one row per sampled case: session, checklist, stratum, arende_id, reviewed, inkom_datum.
    titles: checklist id -> title (newest session's), in the order the checklists were first used.
    """

    observations: pd.DataFrame
    strata: pd.DataFrame
    items: pd.DataFrame
    cases: pd.DataFrame
    titles: dict[str, str]


def _read(ws: Source, sessions: Sequence[Session], as_of: dt.date | None) -> _Material:
    """:func:`_gather` on the corrected register and the answers of *sessions*, read from *ws*."""
    return _gather(_indexed_register(ws), sessions, as_of, store.answers_of(ws, sessions))


def _gather(register: pd.DataFrame, sessions: Sequence[Session], as_of: dt.date | None,
            answers: pd.DataFrame) -> _Material:
    """*register*: the corrected register indexed by arende_id; *answers*: as :class:`ItemResults` takes
    them."""
    sampled_ids = pd.concat([session.design["arende_id"] for session in sessions]) if sessions else []
    cases = _case_records(register, sampled_ids)
    parts = [_session_material(session, cases, as_of, given)
             for session, given in zip(sessions, _answers_per_session(sessions, answers), strict=True)]
    observations = _concat([p[0] for p in parts], _OBSERVATION_COLUMNS)
    strata = _concat([p[1] for p in parts], ["stratum", "N", _ANSWERED, _COMPUTED]).set_index("stratum")
    cases = _concat([p[2] for p in parts], ["session", "checklist", "stratum", "arende_id", "reviewed"])
    groups = _group_columns(register)
    observations = observations.join(groups, on="arende_id")
    cases = cases.join(groups[["inkom_datum"]], on="arende_id")
    titles = {s.checklist.id: s.checklist.title for s in reversed(sessions)}
    order = dict.fromkeys(s.checklist.id for s in sessions)
    return _Material(observations, strata, _item_table(sessions), cases, {cid: titles[cid] for cid in order})


def _answers_per_session(sessions: Sequence[Session], answers: pd.DataFrame) -> list[pd.DataFrame]:
    """Each session's answers, from *answers* by its ``session`` column."""
    by_session = dict(tuple(answers.groupby("session")))
    return [by_session.get(session.id, _NO_ANSWERS) for session in sessions]


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _indexed_register(ws: Source) -> pd.DataFrame:
    return case_table.corrected_cases(ws).set_index("arende_id", drop=False)


def _session_material(
    session: Session, cases: Mapping[str, dict[str, Any]], as_of: dt.date | None, answers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    checklist = session.checklist
    design = session.design
    stratum_key = session.id + " / " + design["stratum"].astype(str)
    given = _answers_by_case(answers)
    rows = []
    for arende_id, stratum in zip(design["arende_id"], stratum_key, strict=True):
        answers = given.get(arende_id, {})
        case = cases.get(arende_id, {"arende_id": arende_id})
        for item, yes in _countable(checklist, case, answers, as_of):
            base = _COMPUTED if item.computed else _ANSWERED
            rows.append((checklist.id, item.id, stratum, base, arende_id, yes))
    observations = pd.DataFrame(rows, columns=_OBSERVATION_COLUMNS)
    reviewed = design["arende_id"].isin(list(given))
    sampled = pd.DataFrame({"session": session.id, "checklist": checklist.id, "stratum": stratum_key,
                            "arende_id": design["arende_id"], "reviewed": reviewed})
    return observations, _stratum_table(session, sampled), sampled


def _answers_by_case(answers: pd.DataFrame) -> dict[str, dict[str, str]]:
    by_case: dict[str, dict[str, str]] = {}
    columns = (answers["arende_id"], answers["item_id"], answers["value"])
    for arende_id, item_id, value in zip(*columns, strict=True):
        by_case.setdefault(arende_id, {})[item_id] = value
    return by_case


def _case_records(register: pd.DataFrame, case_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The sampled cases as mappings a checklist understands (unknown values None)."""
    rows = register.loc[register.index.intersection(pd.Index(case_ids).unique())]
    plain = rows.astype(object).where(rows.notna(), None)
    return {record["arende_id"]: record for record in plain.to_dict("records")}


def _countable(
    checklist: Checklist, case: Mapping[str, Any], answers: Mapping[str, str], as_of: dt.date | None
) -> Iterable[tuple[Item, bool]]:
    """(item, yes) for every visible item with a counted (yes or no) answer or a decided verdict."""
    for item in checklist.visible_items(case, answers):
        if item.computed:
            assert item.rule is not None, f"computed item {item.id} has no rule"  # the parser ensures one
            compliant = rules.evaluate_rule(item.rule, case, as_of).compliant
            if compliant is not None:
                yield item, compliant
        elif (outcome := item.answer_type.outcome(answers.get(item.id))) is not None:
            yield item, outcome


def _stratum_table(session: Session, sampled: pd.DataFrame) -> pd.DataFrame:
    keys = dict(zip(sampled["stratum"], session.design["stratum"].astype(str), strict=True))
    population = {entry["stratum"]: int(entry["N"]) for entry in session.manifest["strata"]}
    return pd.DataFrame({
        "stratum": list(keys),
        "N": [population[label] for label in keys.values()],
        _ANSWERED: [int(sampled.loc[sampled["stratum"] == key, "reviewed"].sum()) for key in keys],
        _COMPUTED: [int((sampled["stratum"] == key).sum()) for key in keys],
    })


def _group_columns(register: pd.DataFrame) -> pd.DataFrame:
    """Per case: the group it falls in for every breakdown, and inkom_datum (for ``period``)."""
    inkom = register["inkom_datum"]
    return pd.DataFrame({
        "alla": _ALL,
        "enhet": register["enhet"].fillna(UNKNOWN).astype(str),
        "arendetyp": register["arendetyp"].fillna(UNKNOWN).astype(str),
        "kon": register["kon"].fillna(UNKNOWN).astype(str),
        "tertial": tertial_label(inkom),
        "ar": inkom.dt.year.astype("Int64").astype(str).replace("<NA>", UNKNOWN),
        "inkom_datum": inkom,
    }, index=register.index)


def _is_measure(item: Item) -> bool:
    """Whether the item measures compliance: critical, computed, or tied to a legal reference.

    An item that is none of these (e.g. "Framkom det att våld förekommit?") records a fact that
    steers follow-up questions; its share of "ja" is reported but has no default goal.
    """
    return item.critical or item.computed or bool(item.reference_for({}))


def _item_table(sessions: Sequence[Session]) -> pd.DataFrame:
    """Items that get a row, newest session's wording first, in checklist order."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for session in reversed(sessions):
        for item in session.checklist.items:
            if item.answer_type.countable:
                rows.setdefault((session.checklist.id, item.id), {
                    "checklist": session.checklist.id, "item": item.id, "item_text": item.text,
                    "critical": item.critical, "computed": item.computed, "measure": _is_measure(item)})
    order = {cid: number for number, cid in enumerate(dict.fromkeys(s.checklist.id for s in sessions))}
    table = pd.DataFrame(list(rows.values()),
                         columns=["checklist", "item", "item_text", "critical", "computed", "measure"])
    table["position"] = range(len(table))
    table["checklist_order"] = table["checklist"].map(order)
    return table.sort_values(["checklist_order", "position"], kind="stable").drop(
        columns=["position", "checklist_order"]).reset_index(drop=True)


# --------------------------------------------------------------------------- estimation


def _estimate(
    N: np.ndarray, n: np.ndarray, n_d: np.ndarray, k_d: np.ndarray, confidence: float
) -> tuple[float, float, float, str | None]:
    """(estimate, lower, upper, method) from per-stratum N, n (responding), n_d and k_d."""
    keep = n_d > 0
    N, n, n_d, k_d = N[keep], n[keep], n_d[keep], k_d[keep]
    if not keep.any():
        return math.nan, math.nan, math.nan, None
    domain_sizes = np.maximum(n_d, np.rint(N * n_d / n)).astype(int)
    if len(n_d) == 1:
        population = int(domain_sizes[0]) if n[0] / N[0] > HYPERGEOMETRIC_FRACTION else None
        interval = sampling.evaluate(int(k_d[0]), int(n_d[0]), confidence=confidence, population=population)
        return interval.estimate, interval.lower, interval.upper, interval.method
    result = sampling.evaluate_stratified(domain_sizes.tolist(), n_d.astype(int).tolist(),
                                          k_d.astype(int).tolist(), confidence=confidence)
    return result.estimate, result.lower, result.upper, result.method


def _goal(goals: Mapping[str, float], item: Any) -> float:
    """The item's goal: from ``goals``, else by kind (NaN for an item that is no measure)."""
    for key in (f"{item.checklist}.{item.item}", item.item):
        if key in goals:
            return float(goals[key])
    if item.critical or item.computed:
        return CRITICAL_GOAL
    return DEFAULT_GOAL if item.measure else math.nan


def _checked_goals(goals: Mapping[str, float] | None) -> dict[str, float]:
    goals = dict(goals or {})
    wrong = [f"{key}: {value!r}" for key, value in goals.items()
             if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1]
    if wrong:
        raise UserError("Målen ska vara andelar mellan 0 och 1 (till exempel 0.9 för 90 %): "
                        + ", ".join(wrong))
    return goals


def _figures(
    material: _Material, dimension: str, confidence: float, goals: Mapping[str, float]
) -> pd.DataFrame:
    counts = (material.observations
              .groupby(["checklist", "item", dimension, "stratum", "base"], observed=True)["yes"]
              .agg(n_d="size", k_d="sum").reset_index())
    counts["N"] = counts["stratum"].map(material.strata["N"])
    counts["n"] = [material.strata.at[s, b] for s, b in zip(counts["stratum"], counts["base"], strict=True)]
    per_item: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for (checklist, item, group), parts in counts.groupby(["checklist", "item", dimension], sort=True):
        per_item.setdefault((checklist, item), {})[group] = parts[["N", "n", "n_d", "k_d"]].to_numpy(float)
    empty = {_ALL: np.zeros((0, 4))} if dimension == "alla" else {}
    rows = []
    for item in material.items.itertuples(index=False):
        for group, parts in per_item.get((item.checklist, item.item), empty).items():
            estimate, lower, upper, method = _estimate(*parts.T, confidence)
            goal = _goal(goals, item)
            k, n = int(parts[:, 3].sum()), int(parts[:, 2].sum())
            status = traffic_light(lower, upper, goal) if n > 0 and not math.isnan(goal) else None
            rows.append({
                "checklist": item.checklist, "item": item.item, "item_text": item.item_text,
                "critical": bool(item.critical), "dimension": dimension, "group": group,
                "k": k, "n": n, "estimate": estimate, "lower": lower, "upper": upper,
                "method": method, "goal": goal, "status": status, "suppressed": n < SUPPRESSION_LIMIT,
            })
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


# --------------------------------------------------------------------------- public: item results


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
        None (one row per item, group "Alla") or one of "enhet", "arendetyp", "kon", "tertial", "ar".
    confidence
        Two-sided confidence level of the intervals.
    goals
        Goal per item id (or "checklist_id.item_id") as a share; see the module docstring.
    as_of
        The evaluation date of computed items (default ``$EGENKONTROLL_PER_DATUM`` or today).

    Returns
    -------
    DataFrame
        Columns :data:`RESULT_COLUMNS`; ``attrs["confidence"]`` holds the confidence level.

    Raises
    ------
    UserError
        When ``by``, ``period``, ``goals``, ``as_of`` or a session id is not understood.
    """
    _dimension(by), _checked_goals(goals)  # refuse a bad choice before the costly gathering
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
        indexed = _indexed_register(ws) if register is None else register.set_index("arende_id", drop=False)
        chosen = _sessions(ws, sessions, checklist)
        answers = store.answers_of(ws, chosen) if answers is None else answers
        self._material = _gather(indexed, chosen, per_datum(as_of), answers)

    def table(
        self,
        *,
        period: str | int | PeriodText | None = None,
        by: str | None = None,
        confidence: float = 0.95,
        goals: Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """The :func:`item_results` table for one period and breakdown."""
        return _results(self._material, period, _dimension(by), confidence, _checked_goals(goals))

    def change(
        self,
        *,
        period: str | int | PeriodText,
        previous: str | int | PeriodText | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """The :func:`change_from_previous` table for *period* against *previous*."""
        return _change(self._material, period, previous, confidence)


def _results(material: _Material, period: Any, dimension: str, confidence: float,
             goals: Mapping[str, float]) -> pd.DataFrame:
    frame = _figures(_restrict(material, period), dimension, confidence, goals)
    frame.attrs["confidence"] = confidence
    return frame


def _dimension(by: str | None) -> str:
    if by is None:
        return "alla"
    if by not in DIMENSIONS or by == "alla":
        choices = ", ".join(name for name in DIMENSIONS if name != "alla")
        raise UserError(f"Resultat kan inte delas upp efter {by!r}; välj en av: {choices}.")
    return by


def _sessions(
    ws: Source, sessions: Sequence[Session | str] | None, checklist: Checklist | str | None
) -> list[Session]:
    chosen = store.list_sessions(ws) if sessions is None else [
        store.open_session(ws, s) if isinstance(s, str) else s for s in sessions]
    if checklist is None:
        return chosen
    wanted = checklist if isinstance(checklist, str) else checklist.id
    return [session for session in chosen if session.checklist.id == wanted]


def _restrict(material: _Material, period: str | int | PeriodText | None) -> _Material:
    bounds = parse_period(period)
    if bounds is None:
        return material
    start, end = (pd.Timestamp(day) for day in bounds)
    inside = lambda frame: frame[frame["inkom_datum"].between(start, end)]  # noqa: E731
    return dataclasses.replace(material, observations=inside(material.observations),
                               cases=inside(material.cases))


# --------------------------------------------------------------------------- public: change and trend


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


def _change(material: _Material, period: str | int | PeriodText,
            previous: str | int | PeriodText | None, confidence: float) -> pd.DataFrame:
    previous = previous_period(period) if previous is None else previous
    now = _results(material, period, "alla", confidence, {})
    before = _results(material, previous, "alla", confidence, {})
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


# --------------------------------------------------------------------------- public: display


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """What the ledningsgrupp sees: Swedish column names, percentages as text, "–" where suppressed.

    Takes a frame of :func:`item_results` or :func:`trend` (index kept). Shares are whole
    percentages ("87 %", interval "74–95 %"; 100 % and 0 % only when exact); in a suppressed row
    every figure (Ja, Besvarade, Andel, interval, Status) is "–".
    """
    confidence = _number(100 * frame.attrs.get("confidence", 0.95))
    hidden = frame.get("suppressed", pd.Series(False, index=frame.index)).astype(bool)
    shown = pd.DataFrame(index=frame.index)
    for column, title in _DISPLAY_TITLES.items():
        if column in frame:
            shown[title] = _DISPLAY_FORMATS.get(column, _as_text)(frame[column])
    if {"lower", "upper"} <= set(frame.columns):
        position = shown.columns.get_loc("Andel") + 1 if "Andel" in shown else len(shown.columns)
        shown.insert(position, f"{confidence} % KI", [
            _interval(lower, upper) for lower, upper in zip(frame["lower"], frame["upper"], strict=True)])
    figures = [c for c in shown.columns if c in _FIGURE_TITLES or c.endswith("% KI")]
    shown.loc[hidden, figures] = _SUPPRESSED
    return shown


def _percent(value: float) -> str:
    """A share as whole percent; 100 % and 0 % only when exact."""
    if value is None or pd.isna(value):
        return ""
    whole = math.floor(100 * value + 0.5)
    whole = min(whole, 99) if value < 1 else whole
    whole = max(whole, 1) if value > 0 else whole
    return f"{whole} %"


def _interval(lower: float, upper: float) -> str:
    if pd.isna(lower) or pd.isna(upper):
        return ""
    return f"{_percent(lower)[:-2]}–{_percent(upper)}"


def _number(value: float) -> str:
    """Swedish number text: integers plain, otherwise one decimal with a decimal comma."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def _as_text(column: pd.Series) -> list[str]:
    return ["" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
            for value in column]


def _group_text(column: pd.Series) -> list[str]:
    return [KON_LABELS.get(value, CASE_TYPE_LABELS.get(value, value)) for value in _as_text(column)]


_DISPLAY_TITLES = {"checklist": "Checklista", "item_text": "Fråga", "critical": "Kritisk",
                   "dimension": "Indelning", "group": "Grupp", "period": "Period", "k": "Ja",
                   "n": "Besvarade", "estimate": "Andel", "goal": "Mål", "status": "Status",
                   "method": "Metod"}
_FIGURE_TITLES = {"Ja", "Besvarade", "Andel", "Status"}
_DISPLAY_FORMATS = {
    "critical": lambda column: ["Ja" if value else "Nej" for value in column],
    "dimension": lambda column: [DIMENSIONS.get(value, value) for value in column],
    "group": _group_text,
    "estimate": lambda column: [_percent(value) for value in column],
    "goal": lambda column: [_percent(value) for value in column],
    "status": lambda column: [value.capitalize() if isinstance(value, str) else "" for value in column],
    "method": lambda column: [METHOD_NAMES.get(value, "") for value in column],
}


# --------------------------------------------------------------------------- public: texts and JSON


def summary_text(
    ws: Source,
    *,
    period: str | int | PeriodText,
    checklist: Checklist | str | None = None,
    confidence: float = 0.95,
    goals: Mapping[str, float] | None = None,
    as_of: dt.date | str | None = None,
) -> str:
    """The Swedish results block for the kvalitetsberättelse, one paragraph per checklist.

    Built from :func:`item_results` for *period*; suppressed figures are not given. The text ends with
    the date the time limits were judged on (*as_of*, see :func:`per_datum`).
    """
    goals = _checked_goals(goals)
    day = per_datum(as_of)
    material = _read(ws, _sessions(ws, None, checklist), day)
    figures = _results(material, period, "alla", confidence, goals)
    cases = _restrict(material, period).cases
    when = period_words(period)
    paragraphs = [
        _checklist_paragraph(when, title, cases[cases["checklist"] == cid],
                             figures[figures["checklist"] == cid], confidence)
        for cid, title in material.titles.items() if (cases["checklist"] == cid).any()
    ]
    if not paragraphs:
        return f"Under {when} gjordes ingen granskning."
    return "\n\n".join([*paragraphs, f"Tidsfristerna är bedömda per {day:%Y-%m-%d}."])


def _checklist_paragraph(when: str, title: str, cases: pd.DataFrame, figures: pd.DataFrame,
                         confidence: float) -> str:
    reviewed, sampled = int(cases["reviewed"].sum()), len(cases)
    head = f"Under {when} granskades {reviewed} slumpvis utvalda akter enligt checklistan {title}"
    head += "." if reviewed == sampled else f" (av {sampled} utvalda)."
    if (figures["method"] == "korn-graubard").any():
        head += " Urvalet var stratifierat; andelarna är viktade efter strata."
    lines = [_item_sentence(row, confidence) for row in figures.itertuples(index=False) if row.n > 0]
    return "\n".join([head, *lines])


def _item_sentence(row: Any, confidence: float) -> str:
    if row.suppressed:
        return f"– {row.item_text} Färre än {SUPPRESSION_LIMIT} akter; redovisas inte."
    share = f"{_percent(row.estimate)}, {_number(100 * confidence)} % KI {_interval(row.lower, row.upper)}"
    sentence = f"– {row.item_text} Ja i {row.k} av {row.n} akter ({share})."
    if not isinstance(row.status, str):
        return sentence
    goal = _percent(row.goal)
    verdict = {_GREEN: f"målet {goal} är uppnått", _RED: f"målet {goal} är inte uppnått",
               _YELLOW: f"det går inte att säga säkert om målet {goal} är uppnått"}[row.status]
    return f"{sentence[:-1]}; {verdict}."


def results_json(
    ws: Source, *, confidence: float = 0.95, as_of: dt.date | str | None = None
) -> dict[str, Any]:
    """Everything ``egenkontroll results --json`` prints, JSON-serialisable.

    Keys: ``per_datum`` (the evaluation date of the time limits, ISO), ``confidence``,
    ``traffic_light_rule``, ``sessions`` (id, title, checklist, version, period, design, strata with
    N and n, sampled, reviewed), ``items`` (the rows of
    :func:`item_results` over all sessions), and ``per_session`` (session id -> its own rows).
    """
    sessions = store.list_sessions(ws)
    day = per_datum(as_of)
    material = _read(ws, sessions, day)
    per_session = {s.id: _records(_results(_only(material, s.id), None, "alla", confidence, {}))
                   for s in sessions}
    return {
        "per_datum": day.isoformat(),
        "confidence": confidence,
        "traffic_light_rule": TRAFFIC_LIGHT_RULE,
        "sessions": [_session_record(s, material.cases) for s in sessions],
        "items": _records(_results(material, None, "alla", confidence, {})),
        "per_session": per_session,
    }


def _only(material: _Material, session_id: str) -> _Material:
    cases = material.cases[material.cases["session"] == session_id]
    observations = material.observations[material.observations["stratum"].isin(cases["stratum"])]
    checklist_id = cases["checklist"].iloc[0] if len(cases) else None
    return dataclasses.replace(material, observations=observations, cases=cases,
                               items=material.items[material.items["checklist"] == checklist_id])


def _session_record(session: Session, cases: pd.DataFrame) -> dict[str, Any]:
    mine = cases[cases["session"] == session.id]
    stratified = bool(session.manifest["design"]["strata"])
    return {
        "id": session.id, "title": session.title, "checklist": session.checklist.id,
        "checklist_version": str(session.checklist.version), "period": period_label(session.period),
        "design": "stratified" if stratified else "simple random",
        "strata_by": list(session.manifest["design"]["strata"]),
        "strata": [{"stratum": e["stratum"], "N": int(e["N"]), "n": int(e["n"])}
                   for e in session.manifest["strata"]],
        "sampled": len(mine), "reviewed": int(mine["reviewed"].sum()),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    plain = frame.astype(object).where(frame.notna(), None)
    return [{key: _plain(value) for key, value in row.items()} for row in plain.to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------- public: register indicators


def register_indicators(ws: Source, *, as_of: dt.date | str | None = None) -> dict[str, pd.DataFrame]:
    """Indicators computed for every case in the register (no sampling, so no intervals).

    Returns
    -------
    dict
        ``"forhandsbedomning_14_dagar"`` and ``"utredning_4_manader"``: per tertial of the date the
        rule counts from: period, k (in time), n (decided), share, suppressed.
        ``"utredningstid"``: closed child investigations per tertial of closing: period, n, median,
        q1, q3 (days), suppressed.
        ``"ej_verkstallda"``: per calendar quarter up to *as_of*: quarter ("2026-K1"), quarter_end,
        count (decisions not carried out within 3 months, still waiting at the quarter's end),
        carried_out_late (carried out during the quarter, after the 3 months).
        ``"ej_verkstallda_lista"``: the decisions waiting past 3 months on *as_of*: arende_id,
        person_id (pseudonym), enhet, arendetyp, beslut_datum, deadline, days_waiting.
    """
    return _register_indicators(case_table.corrected_cases(ws), pd.Timestamp(per_datum(as_of)))


def _register_indicators(frame: pd.DataFrame, day: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """:func:`register_indicators` on a register frame (canonical, typed columns)."""
    status = rules.register_status(frame, day.date())
    deadline = frame["beslut_datum"] + pd.DateOffset(months=3)
    return {
        "forhandsbedomning_14_dagar": _share_per_tertial(status["forhandsbedomning_14_dagar"],
                                                         frame["inkom_datum"]),
        "utredning_4_manader": _share_per_tertial(status["utredning_4_manader"], frame["utredning_inledd"]),
        "utredningstid": _investigation_times(frame, day),
        "ej_verkstallda": _late_per_quarter(frame, deadline, day),
        "ej_verkstallda_lista": _waiting(frame, deadline, day),
    }


def _share_per_tertial(verdicts: pd.Series, dates: pd.Series) -> pd.DataFrame:
    decided = verdicts.notna()
    table = (pd.DataFrame({"period": tertial_label(dates[decided]), "yes": verdicts[decided].astype(bool)})
             .groupby("period")["yes"].agg(k="sum", n="size").reset_index())
    table["share"] = table["k"] / table["n"]
    table["suppressed"] = table["n"] < SUPPRESSION_LIMIT
    return table.astype({"k": int, "n": int})


def _investigation_times(frame: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    start, end = frame["utredning_inledd"], frame["utredning_avslutad"]
    closed = (frame["arendetyp"] == "barn_och_unga") & start.notna() & (end >= start) & (end <= day)
    days = (end[closed] - start[closed]).dt.days
    grouped = days.groupby(tertial_label(end[closed]).rename("period"))
    table = pd.DataFrame({"n": grouped.size(), "median": grouped.median(), "q1": grouped.quantile(0.25),
                          "q3": grouped.quantile(0.75)}).reset_index()
    table["suppressed"] = table["n"] < SUPPRESSION_LIMIT
    return table


def _late_per_quarter(frame: pd.DataFrame, deadline: pd.Series, day: pd.Timestamp) -> pd.DataFrame:
    done = frame["verkstallt_datum"]
    columns = ["quarter", "quarter_end", "count", "carried_out_late"]
    if not deadline.notna().any():
        return pd.DataFrame(columns=columns)
    last = (day + pd.Timedelta(days=1)).to_period("Q") - 1
    rows = []
    for quarter in pd.period_range(deadline.min().to_period("Q"), last, freq="Q"):
        start, end = quarter.start_time.normalize(), quarter.end_time.normalize()
        waiting = (deadline < end) & (done.isna() | (done > end))
        late = done.between(start, end) & (done > deadline)
        rows.append((f"{quarter.year}-K{quarter.quarter}", end, int(waiting.sum()), int(late.sum())))
    return pd.DataFrame(rows, columns=columns)


def _waiting(frame: pd.DataFrame, deadline: pd.Series, day: pd.Timestamp) -> pd.DataFrame:
    done = frame["verkstallt_datum"]
    waiting = (deadline < day) & (done.isna() | (done > day))
    listing = frame.loc[waiting, ["arende_id", "person_id", "enhet", "arendetyp", "beslut_datum"]].copy()
    listing["deadline"] = deadline[waiting]
    listing["days_waiting"] = (day - listing["beslut_datum"]).dt.days
    return listing.sort_values(["days_waiting", "arende_id"], ascending=[False, True]).reset_index(drop=True)
