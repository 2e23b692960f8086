"""Gathering for :mod:`egenkontroll.results`: what the sampled cases of the chosen sessions say.

Reads the corrected register and the answers, leaves out sessions that overlap another of the same
checklist, evaluates every visible item of every sampled case, and keeps the strata (with N and the
responding cases) and the group each case falls in. The decisions are in :mod:`egenkontroll.results`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from egenkontroll import case_table, rules, store
from egenkontroll.checklists import Checklist, Item
from egenkontroll.periods import (
    UNKNOWN,
    Period,
    PeriodText,
    month_label,
    overlaps,
    parse_period,
    period_label,
    tertial_label,
)

if TYPE_CHECKING:
    from egenkontroll.store import Session, Source


#: the group of the row over all cases
ALL = "Alla"
#: the bases of responding cases: reviewed cases (answered items), all sampled cases (computed items)
ANSWERED, COMPUTED = "svar", "beraknad"
_OBSERVATION_COLUMNS = ["checklist", "item", "stratum", "base", "arende_id", "yes"]
_NO_ANSWERS = pd.DataFrame(columns=["arende_id", "item_id", "value"])


@dataclass(frozen=True)
class Material:
    """What the sampled cases say, in long form.

    observations: one row per (stratum, case, item) with a countable answer or verdict:
    checklist, item, stratum, base, arende_id, yes, and the group columns.
    strata: per stratum: N and the responding cases per base (``svar``, ``beraknad``).
    items: per checklist item that gets a row: checklist, item, item_text, critical, computed.
    cases: one row per sampled case: session, checklist, stratum, arende_id, reviewed, inkom_datum.
    titles: checklist id -> title (newest session's), in the order the checklists were first used.
    periods: per session used: checklist, period (None: every case).
    left_out: sessions left out because they overlap a session used (see :func:`_disjoint`).
    bounds: the period the material is restricted to (None: no restriction).
    """

    observations: pd.DataFrame
    strata: pd.DataFrame
    items: pd.DataFrame
    cases: pd.DataFrame
    titles: dict[str, str]
    periods: dict[str, tuple[str, Period]]
    left_out: tuple[dict[str, str], ...] = ()
    bounds: Period = None


def read_material(ws: Source, sessions: Sequence[Session], as_of: dt.date | None) -> Material:
    """:func:`gather` on the corrected register and the answers of *sessions*, read from *ws*."""
    return gather(indexed_register(ws), sessions, as_of, store.answers_of(ws, sessions))


def gather(register: pd.DataFrame, sessions: Sequence[Session], as_of: dt.date | None,
            answers: pd.DataFrame) -> Material:
    """*register*: the corrected register indexed by arende_id; *answers*: as :class:`ItemResults` takes
    them. Sessions that overlap another of the same checklist are left out (:func:`_disjoint`)."""
    sessions, left_out = _disjoint(sessions)
    sampled_ids = pd.concat([session.design["arende_id"] for session in sessions]) if sessions else []
    cases = _case_records(register, sampled_ids)
    parts = [_session_material(session, cases, as_of, given)
             for session, given in zip(sessions, _answers_per_session(sessions, answers), strict=True)]
    observations = _concat([p[0] for p in parts], _OBSERVATION_COLUMNS)
    strata = _concat([p[1] for p in parts], ["stratum", "checklist", "session", "N", ANSWERED, COMPUTED])
    strata = strata.set_index("stratum")
    cases = _concat([p[2] for p in parts], ["session", "checklist", "stratum", "arende_id", "reviewed"])
    groups = _group_columns(register)
    observations = observations.join(groups, on="arende_id")
    cases = cases.join(groups[["inkom_datum"]], on="arende_id")
    titles = {s.checklist.id: s.checklist.title for s in reversed(sessions)}
    order = dict.fromkeys(s.checklist.id for s in sessions)
    periods = {s.id: (s.checklist.id, s.period) for s in sessions}
    return Material(observations, strata, _item_table(sessions), cases, {cid: titles[cid] for cid in order},
                     periods, left_out)


def _disjoint(sessions: Sequence[Session]) -> tuple[list[Session], tuple[dict[str, str], ...]]:
    """The sessions that can be combined, and those left out (with the reason, in Swedish).

    Two sessions of one checklist whose periods overlap drew from overlapping frames; adding them
    up would count cases and population twice. Per checklist the session with the longest period
    is kept first (ties: the oldest), then every session that overlaps none kept so far. A
    kontrollgranskning is always left out (its cases are its parent's, read a second time).
    """
    kept: list[Session] = []
    left_out = [_control_left_out(session) for session in sessions if session.parent_id is not None]
    for session in sorted((s for s in sessions if s.parent_id is None), key=_breadth):
        clash = next((other for other in kept if other.checklist.id == session.checklist.id
                      and overlaps(other.period, session.period)), None)
        if clash is None:
            kept.append(session)
        else:
            left_out.append({
                "session": session.id, "checklist": session.checklist.id,
                "period": period_label(session.period), "overlaps": clash.id,
                "reason": (f"Granskningen {session.id} ({period_label(session.period)}) ingår inte: dess "
                           f"period överlappar granskningen {clash.id} ({period_label(clash.period)}) av "
                           "samma checklista, och samma ärenden får inte räknas två gånger."),
            })
    order = {session.id: number for number, session in enumerate(sessions)}
    return sorted(kept, key=lambda session: order[session.id]), tuple(left_out)


def _control_left_out(session: Session) -> dict[str, str]:
    """Why the kontrollgranskning *session* is not counted: its cases are its parent's, read again."""
    return {"session": session.id, "checklist": session.checklist.id, "period": period_label(session.period),
            "overlaps": str(session.parent_id),
            "reason": (f"Granskningen {session.id} ingår inte: den är en kontrollgranskning av "
                       f"{session.parent_id}, en andra läsning av samma ärenden som bara jämförs med den "
                       "första (samstämmighet) och aldrig räknas i resultaten.")}


def _breadth(session: Session) -> int:
    """Sort key: the longest period first (None, every case, before any)."""
    if session.period is None:
        return -dt.date.max.toordinal()
    start, end = session.period
    return start.toordinal() - end.toordinal()


def _answers_per_session(sessions: Sequence[Session], answers: pd.DataFrame) -> list[pd.DataFrame]:
    """Each session's answers, from *answers* by its ``session`` column."""
    by_session = dict(tuple(answers.groupby("session")))
    return [by_session.get(session.id, _NO_ANSWERS) for session in sessions]


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def indexed_register(ws: Source) -> pd.DataFrame:
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
            base = COMPUTED if item.computed else ANSWERED
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
            compliant = rules.evaluate_rule(item.rule, case, as_of).compliant
            if compliant is not None:
                yield item, compliant
        elif (outcome := item.answer_type.outcome(answers.get(item.id))) is not None:
            yield item, outcome


def _stratum_table(session: Session, sampled: pd.DataFrame) -> pd.DataFrame:
    """Every stratum of the session's manifest (also those given no case): N and the responding cases."""
    keys = [session.id + " / " + str(entry["stratum"]) for entry in session.manifest["strata"]]
    return pd.DataFrame({
        "stratum": keys,
        "checklist": session.checklist.id,
        "session": session.id,
        "N": [int(entry["N"]) for entry in session.manifest["strata"]],
        ANSWERED: [int(sampled.loc[sampled["stratum"] == key, "reviewed"].sum()) for key in keys],
        COMPUTED: [int((sampled["stratum"] == key).sum()) for key in keys],
    })


def _group_columns(register: pd.DataFrame) -> pd.DataFrame:
    """Per case: the group it falls in for every breakdown, and inkom_datum (for ``period``)."""
    inkom = register["inkom_datum"]
    return pd.DataFrame({
        "alla": ALL,
        "enhet": register["enhet"].fillna(UNKNOWN).astype(str),
        "arendetyp": register["arendetyp"].fillna(UNKNOWN).astype(str),
        "kon": register["kon"].fillna(UNKNOWN).astype(str),
        "tertial": tertial_label(inkom),
        "manad": month_label(inkom),
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


def choose_sessions(
    ws: Source, sessions: Sequence[Session | str] | None, checklist: Checklist | str | None
) -> list[Session]:
    chosen = store.list_sessions(ws) if sessions is None else [
        store.open_session(ws, s) if isinstance(s, str) else s for s in sessions]
    if checklist is None:
        return chosen
    wanted = checklist if isinstance(checklist, str) else checklist.id
    return [session for session in chosen if session.checklist.id == wanted]


def restrict(material: Material, period: str | int | PeriodText | None) -> Material:
    bounds = parse_period(period)
    if bounds is None:
        return material
    start, end = (pd.Timestamp(day) for day in bounds)
    inside = lambda frame: frame[frame["inkom_datum"].between(start, end)]  # noqa: E731
    return dataclasses.replace(material, observations=inside(material.observations),
                               cases=inside(material.cases), bounds=bounds)


def in_group(material: Material, dimension: str, group: str) -> Material:
    """*material* with the observations of *group* of breakdown *dimension* alone ("enhet", "Vuxenenheten").

    The strata keep every responding case, so that a figure by another breakdown is the domain of
    both groups, as the figure of that group in a table restricted the other way."""
    observations = material.observations
    return dataclasses.replace(material, observations=observations[observations[dimension] == group])


def only_session(material: Material, session_id: str) -> Material:
    cases = material.cases[material.cases["session"] == session_id]
    observations = material.observations[material.observations["stratum"].isin(cases["stratum"])]
    checklist_id = cases["checklist"].iloc[0] if len(cases) else None
    return dataclasses.replace(material, observations=observations, cases=cases,
                               items=material.items[material.items["checklist"] == checklist_id],
                               periods={session_id: material.periods[session_id]}, left_out=())

