"""The kvalitetsberättelse as a Word document: a draft of the year's egenkontroll chapter for the nämnd.

:func:`write_report` fills a Word template (``.docx`` with Jinja placeholders, rendered by docxtpl): the
municipality's own, or the built-in one (:func:`default_template`: a title page, a table of contents,
numbered pages). What a template may use is :data:`PLACEHOLDERS`; a template that names anything else is
refused before anything is written, with every unknown name at once.

The figures are those of :mod:`egenkontroll.results` for the year's granskningar and the same per_datum,
written through :mod:`egenkontroll.formatting` (decimal comma, a no-break space before "%", the minus
sign for a fall); a figure resting on fewer than :data:`~egenkontroll.results.SUPPRESSION_LIMIT` cases is
"–", as everywhere. The report names no case and no person.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from egenkontroll import actions, agreement, charts, checklists, formatting, results, risks, yearplan
from egenkontroll._files import write_atomically
from egenkontroll._loopwords import LoopWords, loop_words
from egenkontroll.errors import UserError
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import spoken_period
from egenkontroll.workspace import Workspace

__all__ = ["PLACEHOLDERS", "write_report", "report_context", "default_template"]

#: what a template may use, with what it holds (the README lists them for the municipality's own template)
PLACEHOLDERS: Mapping[str, str] = {
    "titel": "rapportens titel, t.ex. Kvalitetsberättelse 2026 – egenkontroll",
    "ar": "året rapporten gäller, t.ex. 2026",
    "per_datum": "dagen tidsfristerna är bedömda per (ÅÅÅÅ-MM-DD)",
    "sammanfattning": "lista med stycken: en sammanfattning per checklista",
    "checklistor": "lista, en per checklista som granskades under året: titel, omfattning (vad som "
                   "granskades, en mening), fragor (lista: fraga, kritisk, besvarade, andel, intervall, mal, "
                   "status, forandring), diagram (bilden av utvecklingen per tertial), diagram_text (bildens "
                   "text)",
    "indikatorer": "lista, registeruppgifter per tertial för alla ärenden: matt, period, varde, antal",
    "ej_verkstallda": "lista per kvartal: kvartal, antal (beslut som inte verkställts inom tre månader), "
                      "sent_verkstallda",
    "samstammighet": "lista, en per granskning med kontrollgranskning: granskning, kontroll, arenden "
                     "(granskade två gånger), fragor (lista: fraga, antal, andel, kappa, ac1, forklaring); "
                     "tom utan kontrollgranskningar",
    "plan_sammanfattning": "lista med stycken: hur långt årets egenkontrollplan har kommit (t.ex. "
                           "Egenkontrollplan 2026: 5 av 6 genomförda, 1 försenad) och de planerade "
                           "granskningar som är försenade eller återstår, med namn",
    "egenkontrollplan": "lista, en per planerad granskning under året: checklista, period, akter, enhet, "
                        "ansvarig, klar_senast, status",
    "atgard_sammanfattning": "lista med stycken: åtgärderna per status och de försenade åtgärderna, med namn",
    "atgarder": "lista, en per åtgärd beslutad till och med årets slut: avvikelse, orsak, atgard, ansvarig, "
                "klar_senast, status, uppfoljning (värdena före och efter och vad de visar)",
    "risker": "lista, den högsta risken först: risk, sannolikhet, konsekvens, varde, niva, bevakas_av, "
              "atgarder",
    "metod": "lista med stycken om urval, intervall, mål och trafikljus",
    "metodbilaga": "lista, en per granskning: granskning, period, fro, ram, urval, granskade, fingeravtryck",
}
#: the chart's width on the page
CHART_WIDTH_MM = 160
#: a change is "säkerställd" when the test's p-value is under this
SIGNIFICANCE = results.SIGNIFICANCE
#: a figure not shown (too few cases behind it)
HIDDEN = "–"
#: how :func:`~egenkontroll.results.summary_text` ends each checklist's text
_PER_DATUM_LINE = "Tidsfristerna är bedömda per"


@dataclass(frozen=True)
class Chart:
    """A chart for the report: PNG bytes and the text that says what it shows."""

    png: bytes
    text: str


def write_report(ws: Workspace, path: str | os.PathLike[str], *, year: int,
                 template: str | os.PathLike[str] | None = None, as_of: dt.date | str | None = None) -> Path:
    """Write the year's report for *ws* to *path* (a .docx, written atomically) and return the path.

    Parameters
    ----------
    ws
        The workspace.
    path
        The Word file to write (replaced if it exists).
    year
        The year whose granskningar (by the period they cover) the report is about.
    template
        The municipality's own template (.docx with the placeholders of :data:`PLACEHOLDERS`), or None for
        the built-in one.
    as_of
        The per_datum of the time limits (default today, see :func:`~egenkontroll.perdatum.per_datum`).

    Raises
    ------
    UserError
        When *template* is not a Word file, names unknown placeholders or has a Jinja error.
    """
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    document = DocxTemplate(_template_source(template))
    _check_placeholders(document, template)
    context = report_context(ws, year=year, as_of=as_of)
    charts_in_order = [c["diagram"] for c in context["checklistor"]]
    for entry in context["checklistor"]:
        entry["diagram"] = InlineImage(document, io.BytesIO(entry["diagram"].png), width=Mm(CHART_WIDTH_MM))
    try:
        document.render(context, jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True))
    except jinja2.TemplateError as error:
        raise UserError(f"{_template_name(template)}: mallen kan inte fyllas i ({error}).") from None
    _describe_images(document, charts_in_order)
    target = Path(path)
    return write_atomically(target, lambda temporary: document.save(str(temporary)))


def report_context(ws: Workspace, *, year: int, as_of: dt.date | str | None = None) -> dict[str, Any]:
    """Everything :data:`PLACEHOLDERS` names, for *year*: the figures as the report writes them, each
    checklist's ``diagram`` a :class:`Chart`."""
    day = per_datum(as_of)
    period = str(year)
    sessions = [s for s in results.session_records(ws, as_of=day) if str(s["period"]).startswith(period)]
    audited = list(dict.fromkeys(s["checklist"] for s in sessions))
    indicators = results.register_indicators(ws, as_of=day)
    return {
        "titel": f"Kvalitetsberättelse {year} – egenkontroll och journalgranskning",
        "ar": year,
        "per_datum": day.isoformat(),
        "sammanfattning": [formatting.for_print(line) for line in _summary(ws, period, audited, day)],
        "checklistor": [_checklist_chapter(ws, checklist, period, sessions, day) for checklist in audited],
        "indikatorer": _indicator_rows(indicators, period),
        "ej_verkstallda": _waiting_rows(indicators["ej_verkstallda"], period),
        "samstammighet": [_agreement_section(r)
                          for r in agreement.reports_of([ws.session(s["id"]) for s in sessions])],
        **_loop_chapters(ws, year, day),
        "metod": [formatting.for_print(paragraph) for paragraph in _method_paragraphs(day)],
        "metodbilaga": [_session_row(ws, session) for session in sessions],
    }


def change_text(row: Any) -> str:
    """The change against the previous period: ``"+12 procentenheter (säkerställd)"``, the minus sign for a
    fall, or why there is none."""
    if row is None or row.suppressed or pd.isna(row.estimate_previous) or pd.isna(row.estimate):
        return "ingen jämförelse"
    verdict = "säkerställd" if row.p_value < SIGNIFICANCE else "inte säkerställd"
    return formatting.for_print(f"{formatting.points(row.difference)} ({verdict})")


# --- the chapters --------------------------------------------------------------------------------------

def _summary(ws: Workspace, period: str, audited: Sequence[str], day: dt.date) -> list[str]:
    if not audited:
        return [f"Inga granskningar av akter gjordes under {period}."]
    texts = (results.summary_text(ws, period=period, checklist=checklist, as_of=day) for checklist in audited)
    return [line for text in texts for line in text.splitlines()
            if line.strip() and not line.startswith(_PER_DATUM_LINE)]  # said once, in the method


def _checklist_chapter(ws: Workspace, checklist_id: str, period: str, sessions: Sequence[Mapping[str, Any]],
                       day: dt.date) -> dict[str, Any]:
    checklist = checklists.load(checklist_id)
    figures = results.item_results(ws, checklist=checklist_id, period=period, as_of=day)
    figures = figures[figures["dimension"] == "alla"]
    changes = results.change_from_previous(ws, checklist=checklist_id, period=period, as_of=day)
    by_item = {row.item: row for row in changes.itertuples(index=False)}
    own = [s for s in sessions if s["checklist"] == checklist_id]
    chart = _trend_chart(ws, checklist_id, day)
    return {
        "titel": checklist.title,
        "omfattning": formatting.for_print(_scope_sentence(checklist.title, period, own, figures)),
        "fragor": [_item_row(row, by_item.get(row.item)) for row in figures.itertuples(index=False)],
        "diagram": chart,
        "diagram_text": chart.text,
    }


def _scope_sentence(title: str, period: str, sessions: Sequence[Mapping[str, Any]],
                    figures: pd.DataFrame) -> str:
    frame = sum(stratum["N"] for s in sessions for stratum in s["strata"])
    sampled = sum(s["sampled"] for s in sessions)
    reviewed = sum(s["reviewed"] for s in sessions)
    periods = ", ".join(_spoken(str(s["period"])) for s in sessions)
    methods = sorted({results.METHOD_NAMES.get(m, m) for m in figures["method"]})
    coverage = " ".join(results.coverage_notes(figures)) or "Alla ärenden i perioderna fanns i urvalsramen."
    return (f"{title}: {reviewed} av {sampled} slumpvis utvalda akter granskades ({len(sessions)} urval: "
            f"{periods}), dragna ur {formatting.number(frame)} ärenden. {coverage} Andelarna skattas med "
            f"{' och '.join(methods)} och 95 % konfidensintervall.")


def _item_row(row: Any, change: Any) -> dict[str, str]:
    hidden = bool(row.suppressed)
    return {
        "fraga": row.item_text,
        "kritisk": "Ja" if row.critical else "Nej",
        "besvarade": HIDDEN if hidden else str(int(row.n)),
        "andel": HIDDEN if hidden else _printed_share(row.estimate),
        "intervall": HIDDEN if hidden else formatting.for_print(formatting.interval(row.lower, row.upper,
                                                                                    goal=row.goal)),
        "mal": "" if pd.isna(row.goal) else _printed_share(row.goal),
        "status": "" if hidden or not isinstance(row.status, str) else row.status.capitalize(),
        "forandring": HIDDEN if hidden else change_text(change),
    }


def _trend_chart(ws: Workspace, checklist_id: str, day: dt.date) -> Chart:
    trend = results.trend(ws, checklist=checklist_id, as_of=day)
    figure = charts.trend_figure(trend, title="Andel ja per tertial")
    lines = []
    for item_text, rows in trend.groupby("item_text", sort=False):
        shown = zip(rows["period"], rows["estimate"], rows["suppressed"], strict=True)
        points = ", ".join(f"{p} {HIDDEN if s else formatting.share(e)}" for p, e, s in shown)
        lines.append(f"{item_text}: {points}")
    text = "Diagrammet visar andelen ja per tertial för varje fråga. " + "; ".join(lines) + "."
    return Chart(charts.to_png(figure, dpi=200), formatting.for_print(text))


def _indicator_rows(indicators: Mapping[str, pd.DataFrame], period: str) -> list[dict[str, str]]:
    names = {"forhandsbedomning_14_dagar": "Förhandsbedömning inom 14 dagar",
             "utredning_4_manader": "Utredning inom 4 månader eller beslutad förlängning"}
    rows = []
    for key, name in names.items():
        for row in _of_year(indicators[key], period).itertuples(index=False):
            rows.append({"matt": name, "period": _spoken(row.period),
                         "varde": HIDDEN if row.suppressed else _printed_share(row.share),
                         "antal": HIDDEN if row.suppressed else f"{row.k} av {row.n}"})
    for row in _of_year(indicators["utredningstid"], period).itertuples(index=False):
        rows.append({"matt": "Utredningstid, median (dagar)", "period": _spoken(row.period),
                     "varde": HIDDEN if row.suppressed else formatting.number(row.median, 0),
                     "antal": HIDDEN if row.suppressed else f"{row.n} avslutade"})
    return rows


def _waiting_rows(waiting: pd.DataFrame, period: str) -> list[dict[str, str]]:
    of_year = waiting[waiting["quarter"].astype(str).str.startswith(period)]
    return [{"kvartal": str(row.quarter), "antal": _count(row.count),
             "sent_verkstallda": _count(row.carried_out_late)} for row in of_year.itertuples(index=False)]


def _count(count: int) -> str:
    """A count of decisions as the report shows it: from 1 to 4 not exactly, so that nobody is pointed out."""
    return f"färre än {results.SUPPRESSION_LIMIT}" if 0 < count < results.SUPPRESSION_LIMIT else str(count)


def _agreement_section(report: agreement.AgreementReport) -> dict[str, Any]:
    """How two reviewers agreed on a granskning's kontrollgranskning: per item the share agreed, kappa and AC1
    with intervals and the note, "–" under five double-read cases; no case is named."""
    return {"granskning": report.session, "kontroll": report.control, "arenden": str(report.compared),
            "fragor": [_agreement_row(item) for item in report.items]}


def _agreement_row(item: agreement.ItemAgreement) -> dict[str, str]:
    if item.n < results.SUPPRESSION_LIMIT:
        return {"fraga": item.item_text, "antal": HIDDEN, "andel": HIDDEN, "kappa": HIDDEN, "ac1": HIDDEN,
                "forklaring": ""}
    texts = agreement.figure_texts(item)

    def with_interval(name: str, interval: str) -> str:
        return formatting.for_print(f"{texts[name]} ({texts[interval]})" if texts[interval] else texts[name])

    return {"fraga": item.item_text, "antal": f"{item.agreed} av {item.n}",
            "andel": with_interval("Andel överens", "Intervall (andel)"),
            "kappa": with_interval("Kappa", "Intervall (kappa)"),
            "ac1": with_interval("AC1", "Intervall (AC1)"),
            "forklaring": item.note}


def _loop_chapters(ws: Workspace, year: int, day: dt.date) -> dict[str, Any]:
    """The egenkontrollplan of *year*, the åtgärder decided up to its end and the risks, on *day*."""
    plan = yearplan.plan_status(ws, year, day)
    planned = actions.actions_table(ws, day)
    planned = planned[planned["opened"] <= f"{year}-12-31"]
    summary = yearplan.plan_summary(ws, year, day)
    words = loop_words(ws, full=True)
    return {
        "plan_sammanfattning": [formatting.for_print(line) for line in _plan_summary(summary, plan)],
        "egenkontrollplan": [_plan_row(row) for row in plan.to_dict("records")],
        "atgard_sammanfattning": _action_summary(planned, day, words),
        "atgarder": [_action_row(row, words) for row in planned.to_dict("records")],
        "risker": [_risk_row(row) for row in risks.risks_table(ws).to_dict("records")],
    }


def _plan_summary(summary: yearplan.PlanSummary, plan: pd.DataFrame) -> list[str]:
    """How far the plan has come, then the planned granskningar that are late, and those that remain."""
    if plan.empty:
        return [f"Det finns ingen egenkontrollplan för {summary.year} i verktyget."]
    lines = [f"{summary.text} (per {summary.as_of.isoformat()})."]
    for status, opening in ((yearplan.OVERDUE, "Försenad"),
                            (yearplan.UNDER_WAY, "Pågår"), (yearplan.PLANNED, "Återstår")):
        for row in plan[plan["status"] == status].to_dict("records"):
            lines.append(f"{opening}: {_planned_granskning(row)}, ansvarig {row['ansvarig']}, "
                         f"klar senast {row['deadline']}.")
    return lines


def _planned_granskning(row: Mapping[str, Any]) -> str:
    where = f" ({row['enhet']})" if row["enhet"] else ""
    return f"{row['checklist_title']} {_spoken(row['period'])}{where}"


def _plan_row(row: Mapping[str, Any]) -> dict[str, str]:
    return {"checklista": row["checklist_title"], "period": _spoken(row["period"]),
            "akter": str(row["planned_n"]), "enhet": row["enhet"] or "", "ansvarig": row["ansvarig"],
            "klar_senast": row["deadline"], "status": row["status"]}


def _action_summary(planned: pd.DataFrame, day: dt.date, words: LoopWords) -> list[str]:
    """The åtgärder per status, then each försenad one by name."""
    if planned.empty:
        return ["Det finns inga åtgärder i åtgärdsplanen."]
    counts = planned["status"].value_counts()
    per_status = ", ".join(f"{counts[status]} {status}" for status in actions.STATUSES if status in counts)
    lines = [f"Åtgärdsplanen per {day.isoformat()}: {len(planned)} åtgärd{'er' if len(planned) != 1 else ''} "
             f"({per_status})."]
    for row in planned[planned["overdue"]].to_dict("records"):
        lines.append(f"Försenad: {row['action'].rstrip('.')} ({actions.deviation_name(row, words)}), "
                     f"ansvarig {row['ansvarig']}, skulle vara klar {row['deadline']}.")
    return lines


def _action_row(row: Mapping[str, Any], words: LoopWords) -> dict[str, str]:
    note = (row["effect_note"] or "").splitlines()[1:]  # the first line names what is measured
    return {"avvikelse": actions.deviation_name(row, words), "orsak": row["cause"] or "",
            "atgard": row["action"], "ansvarig": row["ansvarig"], "klar_senast": row["deadline"],
            "status": row["shown_status"],
            "uppfoljning": formatting.for_print(" ".join(note))}


def _risk_row(row: Mapping[str, Any]) -> dict[str, str]:
    return {"risk": row["title"], "sannolikhet": str(row["sannolikhet"]),
            "konsekvens": str(row["konsekvens"]), "varde": str(row["value"]), "niva": row["band"],
            "bevakas_av": row["watched_by"], "atgarder": ", ".join(map(str, row["actions"]))}


def _method_paragraphs(day: dt.date) -> list[str]:
    return [
        "Akterna drogs slumpvis ur registret med ett frö, så att samma urval kan dras igen och kontrolleras "
        "(egenkontroll verify). Andelarna är skattade för alla ärenden i urvalsramen, med 95 % "
        "konfidensintervall; ett kort intervall betyder att urvalet säger mycket.",
        f"Trafikljus: {results.TRAFFIC_LIGHT_RULE}",
        f"Förändringen mot föregående period prövas med Fishers exakta test; den kallas säkerställd när "
        f"p-värdet är under {formatting.number(SIGNIFICANCE, 2)}.",
        f"Uppgifter som bygger på färre än {results.SUPPRESSION_LIMIT} ärenden visas inte ({HIDDEN}), så att "
        "ingen enskild kan pekas ut. Registeruppgifterna gäller alla ärenden i registret, utan urval.",
        f"Tidsfristerna är bedömda per {day.isoformat()}.",
    ]


def _session_row(ws: Workspace, session: Mapping[str, Any]) -> dict[str, str]:
    manifest = ws.session(session["id"]).manifest
    return {"granskning": session["title"], "period": _spoken(str(session["period"])),
            "fro": str(manifest["seed"]), "ram": formatting.number(sum(s["N"] for s in session["strata"])),
            "urval": str(session["sampled"]), "granskade": str(session["reviewed"]),
            "fingeravtryck": str(manifest["fingerprint"])}


def _printed_share(value: float) -> str:
    return formatting.for_print(formatting.share(value))


def _of_year(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    return frame[frame["period"].astype(str).str.startswith(period)]


def _spoken(period: str) -> str:
    """A period written out, as running text has it: "2026-T1" -> "januari–april 2026"."""
    return spoken_period(period, full=True)


# --- templates ----------------------------------------------------------------------------------------

def default_template() -> bytes:
    """The built-in template: a municipal report's title page, table of contents, headings, tables and
    page numbers, with the placeholders of :data:`PLACEHOLDERS`."""
    from egenkontroll._report_template import build

    return build()


def _template_source(template: str | os.PathLike[str] | None) -> Any:
    if template is None:
        return io.BytesIO(default_template())
    path = Path(template)
    if not path.is_file():
        raise UserError(f"{path}: mallen finns inte.")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path}: mallen är ingen Word-fil (.docx). Spara den som Word-dokument (.docx) och "
                        "försök igen.")
    return path


def _template_name(template: str | os.PathLike[str] | None) -> str:
    return "den inbyggda mallen" if template is None else str(template)


def _check_placeholders(document: Any, template: str | os.PathLike[str] | None) -> None:
    """Refuse a template that names placeholders egenkontroll does not fill, naming every one of them."""
    try:
        named = document.get_undeclared_template_variables()
    except (KeyError, zipfile.BadZipFile) as error:
        raise UserError(f"{_template_name(template)}: mallen är ingen Word-fil (.docx) ({error}).") from None
    except jinja2.TemplateSyntaxError as error:
        raise UserError(f"{_template_name(template)}: fel i mallens platshållare: {error.message}.") from None
    unknown = sorted(set(named) - set(PLACEHOLDERS))
    if unknown:
        listed = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        raise UserError(f"{_template_name(template)}: mallen använder platshållare som egenkontroll inte "
                        f"fyller i: {listed}. De som finns är: {', '.join(PLACEHOLDERS)} (se README).")


def _describe_images(document: Any, described: Sequence[Chart]) -> None:
    """Give each chart in the written document its text alternative (Word's alt text)."""
    shapes = document.docx.inline_shapes
    for shape, chart in zip(shapes, described, strict=False):
        properties = shape._inline.docPr
        properties.set("descr", chart.text)
        properties.set("title", "Diagram")
