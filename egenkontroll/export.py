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

When a granskning has a kontrollgranskning, the report gets the sheet Samstämmighet
(:mod:`egenkontroll.agreement`): per item the share agreed, kappa and AC1 with intervals, the note and
how many cases differ, never which (those are listed by ``egenkontroll samstammighet`` and the review
app's summary, for the calibration meeting).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from egenkontroll import agreement, charts, formatting, results, store
from egenkontroll.errors import UserError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import overlaps, parse_period, period_label

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from egenkontroll.store import Session, Source

__all__ = ["SHEETS", "AGREEMENT_SHEET", "UNDERLAG_SHEETS", "UNDERLAG_NOTICE", "FORMULA_PREFIXES",
           "export_xlsx", "export_underlag_xlsx", "safe_text"]

SHEETS = ("Sammanfattning", "Per fråga", "Per enhet", "Trend", "Registerindikatorer", "Metod")
#: the sheet added when a granskning has a kontrollgranskning
AGREEMENT_SHEET = "Samstämmighet"
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
_SUPPRESSED = charts.SUPPRESSED_TEXT


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
    for line in UNDERLAG_NOTICE:
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
    workbook = Workbook()
    if workbook.active is not None:  # a new workbook's empty first sheet
        workbook.remove(workbook.active)
    _summary(workbook.create_sheet(SHEETS[0]), per_item, period, as_of)
    _table(workbook.create_sheet(SHEETS[1]), _suppressed(per_item), _ITEM_COLUMNS)
    by_enhet = _suppressed(gathered.table(period=period, by="enhet"))
    _table(workbook.create_sheet(SHEETS[2]), by_enhet, (_Column("group", "Enhet"), *_ITEM_COLUMNS))
    trend = _suppressed(gathered.table(by="tertial"))
    _table(workbook.create_sheet(SHEETS[3]), trend, (_Column("group", "Tertial"), *_ITEM_COLUMNS))
    _register(workbook.create_sheet(SHEETS[4]), results.register_indicators(ws, as_of=as_of))
    _table(workbook.create_sheet(SHEETS[5]), _method(sessions, as_of), _METHOD_COLUMNS)
    _agreement(workbook, [s for s in sessions if overlaps(s.period, parse_period(period))])
    return workbook


def _suppressed(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures of rows resting on fewer than five cases replaced by "–"."""
    shown = frame.astype({name: object for name in _FIGURES})
    shown.loc[frame["suppressed"].astype(bool), list(_FIGURES)] = _SUPPRESSED
    shown["critical"] = frame["critical"].map({True: "ja", False: "nej"})
    shown["method"] = frame["method"].map(results.METHOD_NAMES).fillna(frame["method"])
    shown["coverage"] = [results.coverage_text(row) for row in frame.itertuples(index=False)]
    return shown


def _summary(sheet: Worksheet, per_item: pd.DataFrame, period: str | None, as_of: dt.date) -> None:
    lines: list[Sequence[Any]] = [
        ("Egenkontroll – journalgranskning",),
        ("Period (inkomstdatum)", period or "alla"),
        ("Per datum (tidsfrister bedömda)", as_of.isoformat()),
        (),
        ("Trafikljus", results.TRAFFIC_LIGHT_RULE),
        (),
        ("Kritiska frågor", "Andel ja", "Nedre gräns", "Övre gräns", "Besvarade", "Status"),
    ]
    critical = _suppressed(per_item[per_item["critical"].astype(bool)])
    lines.extend((f"{row.checklist}: {row.item_text}", row.estimate, row.lower, row.upper, row.n, row.status)
                 for row in critical.itertuples(index=False))
    for line in lines:
        sheet.append(list(line))
    sheet["A1"].font = _TITLE_FONT
    header_row = 8
    for cell in sheet[header_row]:
        _header(cell)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell, kind in zip(row[1:4], ("share", "lower", "upper"), strict=True):
            _share_cell(cell, kind)
        _status_fill(row[5])
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
        _rows(sheet, frame, columns, start=sheet.max_row + 1)
        sheet.append([])
    _finish(sheet, freeze=None)


#: the register fields of the Underlag sheet
_UNDERLAG_FIELDS = ("person_id", "enhet", "arendetyp", "inkom_datum")
_UNDERLAG_COLUMNS = (
    _Column("session", "Granskning"), _Column("checklist", "Checklista"), _Column("arende_id", "Ärende"),
    _Column("person_id", "Person (pseudonym)"), _Column("enhet", "Enhet"), _Column("arendetyp", "Ärendetyp"),
    _Column("inkom_datum", "Inkom"), _Column("item_id", "Fråga (id)"), _Column("item_text", "Fråga"),
    _Column("value", "Svar"), _Column("comment", "Kommentar"), _Column("reviewer", "Granskare"),
    _Column("recorded_at", "Sparat"),
)


def _underlag(answers: pd.DataFrame, sessions: Sequence[Session], period: str | None) -> pd.DataFrame:
    """One row per case and answered item (*answers* of :func:`egenkontroll.store.answers_of` with
    :data:`_UNDERLAG_FIELDS`); cases pseudonymised (no handläggare), the reviewer named, corrected dates."""
    texts = {(session.id, item.id): item.text for session in sessions for item in session.checklist.items}
    keys = zip(answers["session"], answers["item_id"], strict=True)
    frame = answers.assign(item_text=pd.Series([texts.get(key) for key in keys], index=answers.index,
                                               dtype=object))
    bounds = parse_period(period)
    if bounds is not None:
        frame = frame[frame["inkom_datum"].between(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))]
    frame["inkom_datum"] = frame["inkom_datum"].dt.strftime("%Y-%m-%d")
    return frame


_METHOD_COLUMNS = (
    _Column("id", "Granskning"), _Column("checklist", "Checklista"), _Column("version", "Version"),
    _Column("period", "Period"), _Column("design", "Urvalsdesign"), _Column("n", "Urval"),
    _Column("N", "Population"), _Column("seed", "Seed"), _Column("fingerprint", "Fingeravtryck (manifest)"),
    _Column("interval", "Intervallmetod"), _Column("created_at", "Skapad"), _Column("per_datum", "Per datum"),
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
            "id": session.id, "checklist": session.checklist.id, "version": str(session.checklist.version),
            "period": period_label(session.period), "design": design, "n": manifest.get("n"),
            "N": manifest.get("N"), "seed": str(manifest.get("seed")),
            "fingerprint": manifest.get("fingerprint"),
            "interval": interval, "created_at": session.created_at,
            "per_datum": as_of.isoformat(),
        })
    return pd.DataFrame(rows, columns=[column.source for column in _METHOD_COLUMNS])


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
    _rows(sheet, frame, columns, start=1)
    _finish(sheet, freeze="A2")


def _rows(sheet: Worksheet, frame: pd.DataFrame, columns: Sequence[_Column], start: int) -> None:
    for number, column in enumerate(columns, start=1):
        _header(sheet.cell(start, number, column.heading))
    for offset, record in enumerate(frame[[c.source for c in columns]].itertuples(index=False), start=1):
        goal = dict(zip([c.source for c in columns], record, strict=True)).get("goal")
        for number, (column, value) in enumerate(zip(columns, record, strict=True), start=1):
            cell = sheet.cell(start + offset, number, _plain(value))
            safe_text(cell)
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


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _header(cell: Any) -> None:
    cell.fill = _HEADER_FILL
    cell.font = _HEADER_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _status_fill(cell: Any) -> None:
    if cell.value in _STATUS_FILLS:
        cell.fill = _STATUS_FILLS[cell.value]


def _finish(sheet: Worksheet, freeze: str | None) -> None:
    """Column widths from the longest text (capped), and the header row frozen."""
    for number, column in enumerate(sheet.iter_cols(), start=1):
        longest = max((len(str(cell.value)) for cell in column if cell.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(number)].width = min(_MAX_WIDTH, max(10, longest + 2))
    sheet.freeze_panes = freeze


def _save_atomically(workbook: Workbook, target: Path) -> Path:
    try:
        descriptor, temporary = tempfile.mkstemp(suffix=".xlsx.tmp", dir=target.parent)
    except OSError as error:
        raise UserError(f"{target}: filen kan inte skrivas ({error.strerror}).") from error
    os.close(descriptor)
    try:
        workbook.save(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
