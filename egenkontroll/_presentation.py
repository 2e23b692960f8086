"""Presentation for :mod:`egenkontroll.results`: what the ledningsgrupp reads (display frame, coverage
text, the kvalitetsberättelse text) and the JSON of ``egenkontroll results --json``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from egenkontroll import formatting, store
from egenkontroll._estimation import (
    COVERAGE,
    DIMENSIONS,
    GREEN,
    RED,
    SUPPRESSION_LIMIT,
    YELLOW,
    checked_dimension,
    checked_goals,
    results_table,
)
from egenkontroll._fields import CASE_TYPE_LABELS, KON_LABELS
from egenkontroll._material import choose_sessions, only_session, read_material, restrict
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import PeriodText, period_label, period_words

if TYPE_CHECKING:
    from egenkontroll.checklists import Checklist
    from egenkontroll.store import Session, Source


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
    "domain-korn-graubard": "delgrupp (domän) i urvalet, linjäriserad varians, Korn–Graubard",
    "domain-clopper-pearson": "delgrupp (domän) där alla svar är lika, exakt binomialt (Clopper–Pearson)",
    "domain-census": "delgrupp (domän) i strata som granskats i sin helhet (andelen är känd)",
}
_SUPPRESSED = "–"


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """What the ledningsgrupp sees: Swedish column names, percentages as text, "–" where suppressed.

    Takes a frame of :func:`item_results` or :func:`trend` (index kept). Shares and intervals as
    :mod:`egenkontroll.formatting` writes them ("87 %", "74–95 %", bounds rounded outward; 100 % and
    0 % only when exact); in a suppressed row every figure (Ja, Besvarade, Andel, interval, Status)
    is "–".
    """
    confidence = formatting.number(100 * frame.attrs.get("confidence", 0.95))
    hidden = frame.get("suppressed", pd.Series(False, index=frame.index)).astype(bool)
    shown = pd.DataFrame(index=frame.index)
    for column, title in _DISPLAY_TITLES.items():
        if column in frame:
            shown[title] = _DISPLAY_FORMATS.get(column, _as_text)(frame[column])
    if {"lower", "upper"} <= set(frame.columns):
        position = shown.columns.get_loc("Andel") + 1 if "Andel" in shown else len(shown.columns)
        shown.insert(position, f"{confidence} % KI", [
            formatting.interval(lower, upper, goal=goal) for lower, upper, goal in zip(
                frame["lower"], frame["upper"], frame.get("goal", pd.Series(None, index=frame.index)),
                strict=True)])
    if set(COVERAGE) <= set(frame.columns):
        shown["Täckning"] = [coverage_text(row) for row in frame.itertuples(index=False)]
    figures = [c for c in shown.columns if c in _FIGURE_TITLES or c.endswith("% KI")]
    shown.loc[hidden, figures] = _SUPPRESSED
    return shown


def coverage_text(row: Any) -> str:
    """What a row of :func:`item_results` does not cover, in Swedish ("" when it covers its whole frame
    and period): frame cases in strata without a reviewed case, and tertials without a granskning."""
    parts = []
    if row.uncovered_cases:
        parts.append(f"{row.uncovered_cases} av {row.frame_cases} ärenden i ramen ligger i strata utan "
                     "granskad akt och ingår inte i andelen.")
    if len(row.missing_periods):
        parts.append("Ingen granskning för " + ", ".join(period_words(p) for p in row.missing_periods) + ".")
    return " ".join(parts)


def coverage_notes(frame: pd.DataFrame) -> list[str]:
    """The distinct :func:`coverage_text` of the rows of *frame*, sorted, empty ones left out."""
    return sorted({text for text in map(coverage_text, frame.itertuples(index=False)) if text})


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
    "estimate": lambda column: [formatting.share(value) for value in column],
    "goal": lambda column: [formatting.share(value) for value in column],
    "status": lambda column: [value.capitalize() if isinstance(value, str) else "" for value in column],
    "method": lambda column: [METHOD_NAMES.get(value, "") for value in column],
}


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
    goals = checked_goals(goals)
    day = per_datum(as_of)
    material = read_material(ws, choose_sessions(ws, None, checklist), day)
    figures = results_table(material, period, "alla", confidence, goals)
    cases = restrict(material, period).cases
    when = period_words(period)
    paragraphs = [
        _checklist_paragraph(when, title, cases[cases["checklist"] == cid],
                             figures[figures["checklist"] == cid], confidence)
        for cid, title in material.titles.items() if (cases["checklist"] == cid).any()
    ]
    if not paragraphs:
        return f"Under {when} gjordes ingen granskning."
    left_out = [entry["reason"] for entry in material.left_out]
    return "\n\n".join([*paragraphs, *left_out, f"Tidsfristerna är bedömda per {day:%Y-%m-%d}."])


def _checklist_paragraph(when: str, title: str, cases: pd.DataFrame, figures: pd.DataFrame,
                         confidence: float) -> str:
    reviewed, sampled = int(cases["reviewed"].sum()), len(cases)
    head = f"Under {when} granskades {reviewed} slumpvis utvalda akter enligt checklistan {title}"
    head += "." if reviewed == sampled else f" (av {sampled} utvalda)."
    if cases["stratum"].nunique() > 1:
        head += " Urvalet var stratifierat; andelarna är viktade efter strata."
    head = " ".join([head, *coverage_notes(figures)])
    lines = [_item_sentence(row, confidence) for row in figures.itertuples(index=False) if row.n > 0]
    return "\n".join([head, *lines])


def _item_sentence(row: Any, confidence: float) -> str:
    if row.suppressed:
        return f"– {row.item_text} Färre än {SUPPRESSION_LIMIT} akter; redovisas inte."
    level = formatting.number(100 * confidence)
    shown = formatting.interval(row.lower, row.upper, goal=row.goal)
    share = f"{formatting.share(row.estimate)}, {level} % KI {shown}"
    sentence = f"– {row.item_text} Ja i {row.k} av {row.n} akter ({share})."
    if not isinstance(row.status, str):
        return sentence
    goal = formatting.share(row.goal)
    verdict = {GREEN: f"målet {goal} är uppnått", RED: f"målet {goal} är inte uppnått",
               YELLOW: f"det går inte att säga säkert om målet {goal} är uppnått"}[row.status]
    return f"{sentence[:-1]}; {verdict}."


def results_json(
    ws: Source, *, by: str | None = None, confidence: float = 0.95, as_of: dt.date | str | None = None
) -> dict[str, Any]:
    """Everything ``egenkontroll results --json`` prints, JSON-serialisable.

    Keys: ``per_datum`` (the evaluation date of the time limits, ISO), ``confidence``, ``by``,
    ``traffic_light_rule``, ``sessions`` (id, title, checklist, version, period, design, strata with
    N and n, sampled, reviewed), ``left_out`` (overlapping sessions not combined, with the reason),
    ``items`` (the rows of :func:`item_results` over all sessions, by *by*; each with ``se`` and
    ``coverage``: population, frame_cases, uncovered_cases, missing_periods), and ``per_session``
    (session id -> its own rows, by *by*).
    """
    dimension = checked_dimension(by)
    sessions = store.list_sessions(ws)
    day = per_datum(as_of)
    material = read_material(ws, sessions, day)
    left_out = {entry["session"] for entry in material.left_out}
    per_session = {s.id: _records(results_table(
                       only_session(read_material(ws, [s], day) if s.id in left_out else material, s.id),
                       None, dimension, confidence, {}))
                   for s in sessions}
    return {
        "per_datum": day.isoformat(),
        "confidence": confidence,
        "by": dimension,
        "traffic_light_rule": TRAFFIC_LIGHT_RULE,
        "sessions": [_session_record(s, material.cases) for s in sessions],
        "left_out": list(material.left_out),
        "items": _records(results_table(material, None, dimension, confidence, {})),
        "per_session": per_session,
    }


def session_records(ws: Source, *, as_of: dt.date | str | None = None) -> list[dict[str, Any]]:
    """The ``sessions`` of :func:`results_json` (id, title, checklist, period, design, strata with N and
    n, sampled, reviewed), without computing any figure."""
    sessions = store.list_sessions(ws)
    cases = read_material(ws, sessions, per_datum(as_of)).cases
    return [_session_record(s, cases) for s in sessions]


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
    """The rows as plain dicts, the coverage columns gathered under ``coverage``."""
    plain = frame.astype(object).where(frame.notna(), None)
    records = [{key: _plain(value) for key, value in row.items()} for row in plain.to_dict("records")]
    return [{**{key: value for key, value in record.items() if key not in COVERAGE},
             "coverage": {key: record[key] for key in COVERAGE}} for record in records]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value

