"""The Excel exports: the report for the ledningsgrupp and the kvalitetsberättelse
(``egenkontroll export FILE.xlsx``), and the underlag for the kvalitetsutvecklare
(``egenkontroll export --underlag FILE.xlsx``).

The report's sheets: Sammanfattning, Per fråga, Per enhet, Trend, Registerindikatorer, Metod. Figures
from fewer than five cases are "–" in every sheet, and no sheet lists single cases or comments, so a
suppressed group cannot be read from it. The underlag is a workbook of its own, named as such: Om
underlaget (who it is for and why it is not for the ledningsgrupp), then Underlag (one row per case and
item with the comment and the reviewer, pseudonymised: arende_id and person_id only, no
handläggare), for every group however small. Text is always written as text: a value starting with
``= + - @``, tab or carriage return gets Excel's quote prefix and is stored as a string, never as a
formula. The file is written to a temporary file beside the target and moved into place, so it is
never half-written.

Both are written for people, not programs (issue 19): checklists, case types and answers by their
Swedish labels (a granskning's id, which ``egenkontroll verify`` takes, is kept in a column of its
own); dates and times as real Excel dates, the stored UTC times turned into Swedish time
(Europe/Stockholm) and written without a zone, since Excel has none, under headings that say so; an
autofilter on every table (an Excel table each on Registerindikatorer, which holds four); and column
widths from what the cells show, long texts wrapped.

When the workspace holds an egenkontrollplan, åtgärder or risks (:mod:`egenkontroll.yearplan`,
:mod:`egenkontroll.actions`, :mod:`egenkontroll.risks`), the report gets the sheets Egenkontrollplan (the
year's summary, "5 av 6 genomförda, 1 försenad", then a row per planned granskning with its status on the
per datum), Åtgärdsplan (a row per action with its status, försenad when the deadline has passed, and the
follow-up's figures; below it, every logged change of every action: when, who, which field, before and
after) and Riskanalys (a row per risk, the highest first, then the 4x4 risk matrix).

When a granskning has a kontrollgranskning, the report gets the sheet Samstämmighet
(:mod:`egenkontroll.agreement`): per item the share agreed, kappa and AC1 with intervals, the note and
how many cases differ, never which (those are listed by ``egenkontroll samstammighet`` and the review
app's summary, for the calibration meeting).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo

from egenkontroll import actions, agreement, charts, formatting, results, risks, store, yearplan
from egenkontroll._fields import CASE_TYPE_LABELS
from egenkontroll._files import write_atomically
from egenkontroll._loopwords import loop_words
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import overlaps, parse_period, period_label

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from egenkontroll.store import Session, Source

__all__ = ["SHEETS", "AGREEMENT_SHEET", "LOOP_SHEETS", "UNDERLAG_SHEETS", "UNDERLAG_NOTICE",
           "FORMULA_PREFIXES",
           "SWEDISH_TIME", "TIME_NOTE",
           "export_xlsx", "export_underlag_xlsx", "safe_text"]

SHEETS = ("Sammanfattning", "Per fråga", "Per enhet", "Trend", "Registerindikatorer", "Metod")
#: the sheet added when a granskning has a kontrollgranskning
AGREEMENT_SHEET = "Samstämmighet"
#: the sheets added when the workspace holds an egenkontrollplan, åtgärder or risks
LOOP_SHEETS = ("Egenkontrollplan", "Åtgärdsplan", "Riskanalys")
UNDERLAG_SHEETS = ("Om underlaget", "Underlag")
#: what the underlag's first sheet says
UNDERLAG_NOTICE = (
    "Underlag för kvalitetsutvecklaren: ett svar per ärende och fråga, med kommentarer, också för enheter "
    "och frågor med färre än 5 ärenden, som inte redovisas i ledningsgruppens rapport.",
    "Underlaget är inte till för ledningsgruppen eller nämnden: använd rapporten (egenkontroll export) "
    "där små grupper visas som –.",
    "Uppgifterna omfattas av sekretess (OSL 26 kap.). Ärenden och personer är pseudonymiserade, men "
    "underlaget ska ändå inte spridas vidare; radera filen när den inte längre behövs.",
)
#: a text starting with one of these could be taken for a formula by a spreadsheet
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_HEADER_FILL = PatternFill("solid", fgColor="0072B2")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=14)
_STATUS_FILLS = {status: PatternFill("solid", fgColor=colour.lstrip("#"))
                 for status, colour in charts.TRAFFIC_LIGHT_COLOURS.items()}
_MAX_WIDTH = 70
#: a header counts this many characters at most towards its column's width (longer ones wrap)
_HEADER_WIDTH = 24
_SUPPRESSED = charts.SUPPRESSED_TEXT
#: the time zone of every time in the workbooks
SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
_DATE_FORMAT = "yyyy-mm-dd"
_TIME_FORMAT = "yyyy-mm-dd hh:mm"
#: said where times are shown
TIME_NOTE = "Tider anges i svensk tid (Europe/Stockholm)."


@dataclass(frozen=True)
class _Column:
    """One exported column: source name, Swedish heading, and what share it holds: "" (none), "share",
    or an interval bound, "lower" or "upper" (rounded outward, see :mod:`egenkontroll.formatting`)."""

    source: str
    heading: str
    percent: str = ""


_ITEM_COLUMNS = (
    _Column("checklist", "Checklista"), _Column("item_text", "Fråga"), _Column("critical", "Kritisk"),
    _Column("k", "Ja"), _Column("n", "Besvarade"), _Column("estimate", "Andel ja", "share"),
    _Column("lower", "Nedre gräns", "lower"), _Column("upper", "Övre gräns", "upper"),
    _Column("goal", "Mål", "share"),
    _Column("status", "Status"), _Column("method", "Metod"), _Column("coverage", "Täckning"),
)
_FIGURES = ("k", "n", "estimate", "lower", "upper", "status")


# --------------------------------------------------------------------------- public


def export_xlsx(ws: Source, path: str | os.PathLike[str], *, period: str | None = None,
                as_of: dt.date | str | None = None) -> Path:
    """Write the Excel report of *ws* to *path* atomically and return the path.

    Parameters
    ----------
    ws
        The workspace, or the engine of its database.
    path
        The .xlsx file to write (replaced if it exists).
    period
        Only cases whose inkom_datum falls in the period ("2026", "2026-T1"); the Trend sheet always
        covers every tertial.
    as_of
        The evaluation date of the time limits ("per datum", date or ISO text; default
        ``$EGENKONTROLL_PER_DATUM`` or today). The
        workbook states it on the Sammanfattning and Metod sheets and reads no other date, so the same
        workspace and *as_of* give the same figures on any day.

    Raises
    ------
    UserError
        When the folder cannot be written or *period* is not understood.
    """
    target = Path(path)
    workbook = _workbook(ws, period, per_datum(as_of))
    return _save_atomically(workbook, target)


def export_underlag_xlsx(ws: Source, path: str | os.PathLike[str], *, period: str | None = None) -> Path:
    """Write the underlag for the kvalitetsutvecklare (see the module docstring) to *path* atomically.

    Parameters
    ----------
    ws
        The workspace, or the engine of its database.
    path
        The .xlsx file to write (replaced if it exists).
    period
        Only cases whose inkom_datum falls in the period ("2026", "2026-T1").

    Raises
    ------
    UserError
        When the folder cannot be written or *period* is not understood.
    """
    sessions = store.list_sessions(ws)
    answers = store.answers_of(ws, sessions, _UNDERLAG_FIELDS)
    workbook = Workbook()
    notice = workbook.worksheets[0]  # a new workbook's first sheet
    notice.title = UNDERLAG_SHEETS[0]
    for line in (*UNDERLAG_NOTICE, TIME_NOTE):
        notice.append([line])
    notice["A1"].font = _TITLE_FONT
    notice.column_dimensions["A"].width = _MAX_WIDTH * 2
    _table(workbook.create_sheet(UNDERLAG_SHEETS[1]), _underlag(answers, sessions, period), _UNDERLAG_COLUMNS)
    return _save_atomically(workbook, Path(path))


def safe_text(cell: Any) -> None:
    """Make a text cell a string for certain, with Excel's quote prefix when it looks like a formula."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True


# --------------------------------------------------------------------------- the workbook


def _workbook(ws: Source, period: str | None, as_of: dt.date) -> Workbook:
    sessions = store.list_sessions(ws)
    answers = store.answers_of(ws, sessions, _UNDERLAG_FIELDS)
    gathered = results.ItemResults(ws, sessions=sessions, as_of=as_of, answers=answers)
    per_item = gathered.table(period=period)
    titles = _checklist_titles(sessions)
    workbook = Workbook()
    if workbook.active is not None:  # a new workbook's empty first sheet
        workbook.remove(workbook.active)
    _summary(workbook.create_sheet(SHEETS[0]), _shown(per_item, titles), period, as_of)
    _table(workbook.create_sheet(SHEETS[1]), _shown(per_item, titles), _ITEM_COLUMNS)
    by_enhet = _shown(gathered.table(period=period, by="enhet"), titles)
    _table(workbook.create_sheet(SHEETS[2]), by_enhet, (_Column("group", "Enhet"), *_ITEM_COLUMNS))
    trend = _shown(gathered.table(by="tertial"), titles)
    _table(workbook.create_sheet(SHEETS[3]), trend, (_Column("group", "Tertial"), *_ITEM_COLUMNS))
    _register(workbook.create_sheet(SHEETS[4]), results.register_indicators(ws, as_of=as_of))
    _table(workbook.create_sheet(SHEETS[5]), _method(sessions, as_of), _METHOD_COLUMNS)
    _loop(workbook, ws, as_of)
    _agreement(workbook, [s for s in sessions if overlaps(s.period, parse_period(period))])
    return workbook


def _checklist_titles(sessions: Sequence[Session]) -> dict[str, str]:
    """checklist id -> its title, for every checklist of *sessions*."""
    return {session.checklist.id: session.checklist.title for session in sessions}


def _shown(frame: pd.DataFrame, titles: Mapping[str, str]) -> pd.DataFrame:
    """A results table as the report shows it: checklists by title, Ja/Nej, status and method in words,
    the coverage as text, and the figures of rows resting on fewer than five cases replaced by "–"."""
    shown = frame.astype({name: object for name in _FIGURES})
    shown["status"] = frame["status"].map(_status_word)
    shown.loc[frame["suppressed"].astype(bool), list(_FIGURES)] = _SUPPRESSED
    shown["checklist"] = frame["checklist"].map(titles).fillna(frame["checklist"])
    shown["critical"] = frame["critical"].map({True: "Ja", False: "Nej"})
    shown["method"] = frame["method"].map(results.METHOD_NAMES).fillna(frame["method"])
    shown["coverage"] = [results.coverage_text(row) for row in frame.itertuples(index=False)]
    return shown


def _status_word(status: Any) -> Any:
    """"grön" -> "Grön" (as the dashboard writes it); no status stays empty."""
    return status.capitalize() if isinstance(status, str) else None


def _summary(sheet: Worksheet, shown: pd.DataFrame, period: str | None, as_of: dt.date) -> None:
    """The key facts, then the critical items of *shown* (a :func:`_shown` table) as a filtered table."""
    lines: list[Sequence[Any]] = [
        ("Egenkontroll – journalgranskning",),
        ("Period (inkomstdatum)", period or "alla"),
        ("Per datum (tidsfrister bedömda)", as_of),
        (TIME_NOTE,),
        (f"Trafikljus: {results.TRAFFIC_LIGHT_RULE}",),
    ]
    for line in lines:
        sheet.append(list(line))
    sheet["A1"].font = _TITLE_FONT
    _date_cell(sheet["B3"])
    sheet["A5"].alignment = Alignment(wrap_text=True, vertical="top")
    critical = shown[shown["critical"] == "Ja"]
    critical = critical.assign(  # as text: an empty frame (nothing reviewed yet) has no text columns
        question=critical["checklist"].astype(str) + ": " + critical["item_text"].astype(str))
    columns = (_Column("question", "Kritiska frågor"), _Column("estimate", "Andel ja", "share"),
               _Column("lower", "Nedre gräns", "lower"), _Column("upper", "Övre gräns", "upper"),
               _Column("n", "Besvarade"), _Column("status", "Status"))
    start = sheet.max_row + 2  # a blank row above the table
    _rows(sheet, critical, columns, start=start)
    sheet.auto_filter.ref = f"A{start}:{get_column_letter(len(columns))}{start + len(critical)}"
    _finish(sheet, freeze=None)


def _register(sheet: Worksheet, indicators: Mapping[str, pd.DataFrame]) -> None:
    """The register-wide indicators, one block per indicator, suppressed shares as "–"."""
    blocks = (
        ("Förhandsbedömning inom 14 dagar, per tertial (inkomstdatum)", "forhandsbedomning_14_dagar",
         (_Column("period", "Tertial"), _Column("k", "Inom fristen"), _Column("n", "Bedömda"),
          _Column("share", "Andel", "share"))),
        ("Utredning inom 4 månader, per tertial (utredning inledd)", "utredning_4_manader",
         (_Column("period", "Tertial"), _Column("k", "Inom fristen"), _Column("n", "Bedömda"),
          _Column("share", "Andel", "share"))),
        ("Utredningstid i dagar, avslutade utredningar per tertial", "utredningstid",
         (_Column("period", "Tertial"), _Column("n", "Utredningar"), _Column("median", "Median"),
          _Column("q1", "Nedre kvartil"), _Column("q3", "Övre kvartil"))),
        ("Beslut ej verkställda inom 3 månader, per kvartal", "ej_verkstallda",
         (_Column("quarter", "Kvartal"), _Column("count", "Väntar vid kvartalets slut"),
          _Column("carried_out_late", "Verkställda för sent under kvartalet"))),
    )
    for title, key, columns in blocks:
        frame = indicators[key]
        if "suppressed" in frame:
            figures = [c.source for c in columns[1:]]
            frame = frame.astype({name: object for name in figures})
            frame.loc[indicators[key]["suppressed"].astype(bool), figures] = _SUPPRESSED
        sheet.append([title])
        sheet.cell(sheet.max_row, 1).font = _TITLE_FONT
        start = sheet.max_row + 1
        _rows(sheet, frame, columns, start=start)
        _excel_table(sheet, key, f"A{start}:{get_column_letter(len(columns))}{start + len(frame)}")
        sheet.append([])
    _finish(sheet, freeze=None)


def _excel_table(sheet: Worksheet, key: str, ref: str) -> None:
    """Make *ref* (header row first) an Excel table with its own autofilter, named after *key*: a sheet
    has one autofilter of its own, a table each."""
    name = "".join(part.capitalize() for part in key.split("_"))
    table = Table(displayName=name, ref=ref, autoFilter=AutoFilter(ref=ref))
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    sheet.add_table(table)


#: the register fields of the Underlag sheet
_UNDERLAG_FIELDS = ("person_id", "enhet", "arendetyp", "inkom_datum")
_UNDERLAG_COLUMNS = (
    _Column("session_title", "Granskning"), _Column("session", "Granskningens id"),
    _Column("checklist", "Checklista"), _Column("arende_id", "Ärende"),
    _Column("person_id", "Person (pseudonym)"), _Column("enhet", "Enhet"), _Column("arendetyp", "Ärendetyp"),
    _Column("inkom_datum", "Inkom"), _Column("item_id", "Fråga (id)"), _Column("item_text", "Fråga"),
    _Column("value", "Svar"), _Column("comment", "Kommentar"), _Column("reviewer", "Granskare"),
    _Column("recorded_at", "Sparat (svensk tid)"),
)


def _underlag(answers: pd.DataFrame, sessions: Sequence[Session], period: str | None) -> pd.DataFrame:
    """One row per case and answered item (*answers* of :func:`egenkontroll.store.answers_of` with
    :data:`_UNDERLAG_FIELDS`); cases pseudonymised (no handläggare), the reviewer named, corrected dates.

    Checklists, case types and fixed answers by their Swedish labels; the item id stays beside the
    question, as the key to the checklist's YAML."""
    bounds = parse_period(period)
    if bounds is not None:
        answers = answers[answers["inkom_datum"].between(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))]
    by_id = {session.id: session for session in sessions}
    items = [by_id[session].checklist.item(item_id)
             for session, item_id in zip(answers["session"], answers["item_id"], strict=True)]
    received = (day.date() if pd.notna(day) else None for day in answers["inkom_datum"])
    return answers.assign(
        session_title=[by_id[session].title for session in answers["session"]],
        checklist=answers["checklist"].map(_checklist_titles(sessions)).fillna(answers["checklist"]),
        arendetyp=[CASE_TYPE_LABELS.get(value, value) for value in answers["arendetyp"]],
        inkom_datum=_objects(answers, received),
        item_text=[item.text for item in items],
        value=[item.answer_type.values.get(value, value) for item, value in zip(items, answers["value"],
                                                                                strict=True)],
        recorded_at=_objects(answers, (_swedish_time(stamp) for stamp in answers["recorded_at"])),
    )


def _objects(frame: pd.DataFrame, values: Iterable[Any]) -> pd.Series:
    """*values*, one per row of *frame*, as a column of Python objects (dates stay dates, None None)."""
    return pd.Series(list(values), index=frame.index, dtype=object)


_METHOD_COLUMNS = (
    _Column("title", "Granskning"), _Column("id", "Granskningens id"), _Column("checklist", "Checklista"),
    _Column("version", "Version"), _Column("period", "Period"), _Column("design", "Urvalsdesign"),
    _Column("n", "Urval"), _Column("N", "Population"), _Column("seed", "Frö"),
    _Column("fingerprint", "Fingeravtryck (manifest)"), _Column("interval", "Intervallmetod"),
    _Column("created_at", "Skapad (svensk tid)"), _Column("per_datum", "Per datum"),
)


def _method(sessions: Sequence[Session], as_of: dt.date) -> pd.DataFrame:
    interval = ("95 % konfidensintervall: " + "; ".join(results.METHOD_NAMES.values())
                + f". Figurer som bygger på färre än {results.SUPPRESSION_LIMIT} ärenden visas som –.")
    rows = []
    for session in sessions:
        manifest = session.manifest
        strata = manifest.get("design", {}).get("strata") or []
        design = ("stratifierat efter " + ", ".join(strata)) if strata else "obundet slumpmässigt urval"
        rows.append({
            "title": session.title, "id": session.id, "checklist": session.checklist.title,
            "version": str(session.checklist.version),
            "period": period_label(session.period), "design": design, "n": manifest.get("n"),
            "N": manifest.get("N"), "seed": str(manifest.get("seed")),
            "fingerprint": manifest.get("fingerprint"),
            "interval": interval, "created_at": _swedish_time(session.created_at),
            "per_datum": as_of,
        })
    return pd.DataFrame(rows, columns=[column.source for column in _METHOD_COLUMNS])


_PLAN_COLUMNS = (
    _Column("id", "Rad"), _Column("year", "År"), _Column("checklist_title", "Checklista"),
    _Column("period_text", "Period"),
    _Column("planned_n", "Planerade akter"), _Column("enhet", "Enhet"), _Column("ansvarig", "Ansvarig"),
    _Column("deadline", "Klar senast"), _Column("status", "Status"), _Column("drawn", "Dragna akter"),
    _Column("reviewed", "Granskade akter"), _Column("session_id", "Granskningens id"),
)
_ACTION_COLUMNS = (
    _Column("id", "Åtgärd"), _Column("kind", "Avvikelsens slag"), _Column("source_text", "Avvikelse"),
    _Column("cause", "Orsaksanalys"), _Column("action", "Åtgärd att genomföra"),
    _Column("ansvarig", "Ansvarig"),
    _Column("opened", "Beslutad"), _Column("deadline", "Klar senast"), _Column("shown_status", "Status"),
    _Column("effect_text", "Effekt bedömd mot"), _Column("effect_note", "Uppföljning (före och efter)"),
)
_HISTORY_COLUMNS = (
    _Column("entity_id", "Åtgärd"), _Column("at", "Tid (svensk tid)"), _Column("actor", "Vem"),
    _Column("change", "Ändring"), _Column("field", "Fält"), _Column("old_value", "Före"),
    _Column("new_value", "Efter"), _Column("revision", "Version"),
)
_RISK_COLUMNS = (
    _Column("id", "Risk"), _Column("title", "Beskrivning"), _Column("description", "Närmare beskrivning"),
    _Column("sannolikhet", "Sannolikhet (1–4)"), _Column("konsekvens", "Konsekvens (1–4)"),
    _Column("value", "Riskvärde"), _Column("band", "Nivå"), _Column("ansvarig", "Ansvarig"),
    _Column("watched_by", "Bevakas av"), _Column("actions", "Åtgärder"),
)
_BAND_NOTE = ("Riskvärde = sannolikhet × konsekvens; nivå: 1–3 låg, 4–6 medel, 8–9 hög, 12–16 mycket hög.")


def _loop(workbook: Workbook, ws: Source, as_of: dt.date) -> None:
    """The sheets Egenkontrollplan, Åtgärdsplan and Riskanalys, when the workspace holds any of them."""
    plan = yearplan.plan_status(ws, as_of=as_of)
    planned = actions.actions_table(ws, as_of=as_of)
    found = risks.risks_table(ws)
    if plan.empty and planned.empty and found.empty:
        return
    summaries = [yearplan.plan_summary(ws, year, as_of).text for year in sorted(set(plan["year"]))]
    shown_plan = plan.assign(deadline=[dt.date.fromisoformat(day) for day in plan["deadline"]])
    _titled_table(workbook.create_sheet(LOOP_SHEETS[0]), [*summaries, f"Status per {as_of:%Y-%m-%d}."],
                  shown_plan, _PLAN_COLUMNS)
    overdue = int(planned["overdue"].sum())
    heading = (f"Åtgärdsplan per {as_of:%Y-%m-%d}: {len(planned)} åtgärd{'er' if len(planned) != 1 else ''}, "
               f"varav {overdue} försenad{'e' if overdue != 1 else ''}.")
    _titled_table(workbook.create_sheet(LOOP_SHEETS[1]), [heading, TIME_NOTE], _shown_actions(planned),
                  _ACTION_COLUMNS, history=_shown_history(ws, planned))
    shown_risks = found.assign(actions=[", ".join(map(str, ids)) for ids in found["actions"]])
    sheet = workbook.create_sheet(LOOP_SHEETS[2])
    _titled_table(sheet, ["Riskanalys, den högsta risken först", _BAND_NOTE], shown_risks, _RISK_COLUMNS)
    _matrix(sheet, risks.risk_matrix(ws))


def _shown_actions(table: pd.DataFrame) -> pd.DataFrame:
    """The åtgärdsplan as the sheet shows it: kinds in Swedish, dates as dates."""
    return table.assign(kind=table["kind"].map(actions.KINDS),
                        opened=[dt.date.fromisoformat(day) for day in table["opened"]],
                        deadline=[dt.date.fromisoformat(day) for day in table["deadline"]])


def _shown_history(ws: Source, planned: pd.DataFrame) -> pd.DataFrame:
    """The actions' log as the sheet shows it: Swedish time, fields by their Swedish names, codes in
    words (:func:`egenkontroll.actions.value_text`, questions of each action's checklist)."""
    log, words = actions.action_history(ws), loop_words(ws)
    checklist_of = dict(zip(planned["id"], planned["checklist_id"], strict=True))

    def in_words(column: str) -> pd.Series:
        rows = zip(log["field"], log[column], log["entity_id"], strict=True)
        return _objects(log, (actions.value_text(field, value, checklist_of.get(action_id), words)
                              for field, value, action_id in rows))

    return log.assign(at=_objects(log, (_swedish_time(stamp) for stamp in log["at"])),
                      field=log["field"].map(actions.FIELD_LABELS).fillna(log["field"]),
                      old_value=in_words("old_value"), new_value=in_words("new_value"),
                      revision=log["revision"].astype(object))


def _titled_table(sheet: Worksheet, lines: Sequence[str], frame: pd.DataFrame, columns: Sequence[_Column],
                  history: pd.DataFrame | None = None) -> None:
    """Lines of text (the first as the title), a blank row, then *frame* with the sheet's autofilter; with
    *history*, the actions' log below it as an Excel table of its own."""
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = _TITLE_FONT
    start = sheet.max_row + 2
    _rows(sheet, frame, columns, start=start)
    sheet.auto_filter.ref = f"A{start}:{get_column_letter(len(columns))}{start + len(frame)}"
    if history is not None:
        sheet.append([])
        sheet.append(["Ändringslogg: varje ändring av varje åtgärd"])
        sheet.cell(sheet.max_row, 1).font = _TITLE_FONT
        first = sheet.max_row + 1
        _rows(sheet, history, _HISTORY_COLUMNS, start=first)
        _excel_table(sheet, "atgardshistorik",
                     f"A{first}:{get_column_letter(len(_HISTORY_COLUMNS))}{first + len(history)}")
    _finish(sheet, freeze=None)


def _matrix(sheet: Worksheet, matrix: pd.DataFrame) -> None:
    """The risk matrix below the risks: konsekvens 4..1 down, sannolikhet 1..4 across, counts in the cells."""
    sheet.append([])
    sheet.append(["Riskmatris: antal risker (rader konsekvens, kolumner sannolikhet)"])
    sheet.cell(sheet.max_row, 1).font = _TITLE_FONT
    sheet.append(["Konsekvens / sannolikhet", *matrix.columns.tolist()])
    for number in range(1, len(matrix.columns) + 2):
        _header(sheet.cell(sheet.max_row, number))
    for konsekvens, counts in matrix.iterrows():
        sheet.append([konsekvens, *(int(count) for count in counts)])


_AGREEMENT_COLUMNS = (
    _Column("session", "Granskning"), _Column("control", "Kontrollgranskning"),
    _Column("checklist", "Checklista"), _Column("item_text", "Fråga"), _Column("n", "Granskade två gånger"),
    _Column("agreed", "Överens"), _Column("percent", "Andel överens", "share"),
    _Column("percent_lower", "Nedre gräns", "lower"), _Column("percent_upper", "Övre gräns", "upper"),
    _Column("kappa", "Kappa"), _Column("kappa_lower", "Kappa nedre"), _Column("kappa_upper", "Kappa övre"),
    _Column("ac1", "AC1"), _Column("ac1_lower", "AC1 nedre"), _Column("ac1_upper", "AC1 övre"),
    _Column("note", "Förklaring"), _Column("differing", "Ärenden där granskarna skiljer sig"),
)
#: coefficient column -> how it is rounded to two decimals (interval bounds outward)
_COEFFICIENTS: dict[str, Callable[[float], int]] = {
    "kappa": round, "kappa_lower": math.floor, "kappa_upper": math.ceil,
    "ac1": round, "ac1_lower": math.floor, "ac1_upper": math.ceil}
#: what a row of fewer than five double-read cases does not show
_AGREEMENT_FIGURES = ("agreed", "percent", "percent_lower", "percent_upper", *_COEFFICIENTS, "note",
                      "differing")


def _agreement(workbook: Workbook, sessions: Sequence[Session]) -> None:
    """The Samstämmighet sheet, when a granskning in *sessions* has a kontrollgranskning: coefficients
    with two decimals (bounds rounded outward), the figures of fewer than five cases as "–"."""
    frame = agreement.figures_frame(agreement.reports_of(sessions))
    if frame.empty:
        return
    rounded = frame.assign(**{name: [math.nan if pd.isna(value) else rounding(value * 100) / 100
                                     for value in frame[name]] for name, rounding in _COEFFICIENTS.items()})
    shown = rounded.astype({name: object for name in _AGREEMENT_FIGURES})
    shown.loc[frame["n"] < results.SUPPRESSION_LIMIT, list(_AGREEMENT_FIGURES)] = _SUPPRESSED
    _table(workbook.create_sheet(AGREEMENT_SHEET), shown, _AGREEMENT_COLUMNS)


# --------------------------------------------------------------------------- writing cells


def _table(sheet: Worksheet, frame: pd.DataFrame, columns: Sequence[_Column]) -> None:
    """*frame* as the sheet's one table: the header row frozen, an autofilter over every row."""
    _rows(sheet, frame, columns, start=1)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    _finish(sheet, freeze="A2")


def _rows(sheet: Worksheet, frame: pd.DataFrame, columns: Sequence[_Column], start: int) -> None:
    for number, column in enumerate(columns, start=1):
        _header(sheet.cell(start, number, column.heading))
    for offset, record in enumerate(frame[[c.source for c in columns]].itertuples(index=False), start=1):
        goal = dict(zip([c.source for c in columns], record, strict=True)).get("goal")
        for number, (column, value) in enumerate(zip(columns, record, strict=True), start=1):
            cell = sheet.cell(start + offset, number, _plain(value))
            safe_text(cell)
            _date_cell(cell)
            if column.percent:
                _share_cell(cell, column.percent, goal)
            if column.source == "status":
                _status_fill(cell)


def _share_cell(cell: Any, kind: str, goal: Any = None) -> None:
    """Show a share cell as :mod:`egenkontroll.formatting` writes it; a bound's value is rounded outward
    (and kept off the row's *goal* when it is not the goal)."""
    if not isinstance(cell.value, float | int) or isinstance(cell.value, bool):
        return
    if kind == "share":
        cell.number_format = formatting.excel_format(formatting.share(cell.value))
        return
    goal = goal if isinstance(goal, float | int) else None
    cell.number_format = formatting.excel_format(formatting.bound(cell.value, kind, goal=goal))
    cell.value = formatting.bound_value(cell.value, kind, goal)


def _date_cell(cell: Any) -> None:
    """Give a date or time cell the format that shows it as a Swedish reader writes it."""
    if isinstance(cell.value, dt.datetime):
        cell.number_format = _TIME_FORMAT
    elif isinstance(cell.value, dt.date):
        cell.number_format = _DATE_FORMAT


def _swedish_time(stamp: str | None) -> dt.datetime | None:
    """A stored UTC time (ISO text) as Swedish wall-clock time to the minute's second, without a zone
    (Excel has none); None when there is none."""
    if not isinstance(stamp, str) or not stamp:
        return None
    return dt.datetime.fromisoformat(stamp).astimezone(SWEDISH_TIME).replace(tzinfo=None, microsecond=0)


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value


def _header(cell: Any) -> None:
    cell.fill = _HEADER_FILL
    cell.font = _HEADER_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _status_fill(cell: Any) -> None:
    status = cell.value.lower() if isinstance(cell.value, str) else None
    if status in _STATUS_FILLS:
        cell.fill = _STATUS_FILLS[status]


def _finish(sheet: Worksheet, freeze: str | None) -> None:
    """Column widths from what the cells show (capped; a longer text wraps), and the header row frozen.

    Titles (the large font) are left out: they run on over the empty cells beside them."""
    for number, column in enumerate(sheet.iter_cols(), start=1):
        for cell in column:
            if isinstance(cell.value, str) and len(cell.value) > _MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        widest = max((_shown_width(cell) for cell in column if cell.font.sz != _TITLE_FONT.sz), default=0)
        sheet.column_dimensions[get_column_letter(number)].width = min(_MAX_WIDTH, max(10, widest + 2))
    sheet.freeze_panes = freeze


def _shown_width(cell: Any) -> int:
    """How many characters *cell* shows: dates and times as formatted, shares as "87 %", a header at
    most :data:`_HEADER_WIDTH` (it wraps) and two more for its filter button."""
    value = cell.value
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len(_TIME_FORMAT)
    if isinstance(value, dt.date):
        return len(_DATE_FORMAT)
    if isinstance(value, float) and "%" in cell.number_format:
        return len(formatting.share(value, decimals=cell.number_format.count("0") - 1))
    if isinstance(value, float):
        return len(formatting.number(value, 2))
    longest = max(len(line) for line in str(value).splitlines() or [""])
    return min(longest, _HEADER_WIDTH) + 2 if cell.fill == _HEADER_FILL else longest


def _save_atomically(workbook: Workbook, target: Path) -> Path:
    return write_atomically(target, lambda temporary: workbook.save(temporary))
