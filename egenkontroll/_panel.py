"""The dashboard's heavy half: the model (what to show for a filter choice), its figures and HTML.

:class:`Model` reads a workspace once and answers :meth:`Model.view` per filter choice (period,
enhet, checklista) with the numbers and frames to show; views are cached per choice.
:func:`figures` turns a view into matplotlib figures (:mod:`egenkontroll.charts`), :func:`screen`
into what the widgets show (HTML and PNG), and :func:`start_view` adds the filter choices for the
dashboard's first screen. :mod:`egenkontroll.dashboard` imports this module only when it must compute.

Privacy: figures from fewer than five cases are never shown as numbers; no handläggare, person_id
or personnummer is shown; every free text (comments, item texts, enhet names) is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from egenkontroll import case_table, charts, formatting, results, rules, store
from egenkontroll._fields import KON_LABELS
from egenkontroll._views import ALL, HOW_TO_READ, Filters, Screen, StartView
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import parse_period, tertial_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from egenkontroll.store import Session
    from egenkontroll.workspace import Workspace

_DEVIATIONS_SHOWN = 10
_BARN = "barn_och_unga"
_FOUR_MONTHS_DAYS = 122


@dataclass
class View:
    """Everything the dashboard shows for one filter choice.

    Attributes
    ----------
    compliance, by_kon, by_enhet, trend
        :func:`egenkontroll.results.item_results` rows: for the chosen enhet (or all), by kön, by
        enhet, and by tertial (``period`` column).
    utredningstid
        One row per closed child investigation in scope: days, over_limit, group ("Alla") and kon.
    register
        Register-wide (k, n) per rule of :func:`egenkontroll.rules.register_status` for the cases in
        scope (inkom_datum in the period, the chosen enhet).
    waiting
        Favourable decisions still not carried out 3 months after the decision (chosen enhet).
    deviations
        The latest "nej" answers with a comment: recorded_at, enhet, item_text, comment; only for an
        enhet and item answered ja or nej in at least ``SUPPRESSION_LIMIT`` cases (the figure it
        belongs to is shown), so that the list cannot reveal a suppressed group's answers.
    reviewed
        Number of case files with at least one answer in scope.
    sampled
        Number of sampled case files in scope (computed items need no reviewer's answer).
    change
        :func:`egenkontroll.results.change_from_previous` rows for the chosen tertial or year against
        the one before (all enheter); empty when no period or an enhet is chosen.
    """

    filters: Filters
    compliance: pd.DataFrame
    by_kon: pd.DataFrame
    by_enhet: pd.DataFrame
    trend: pd.DataFrame
    utredningstid: pd.DataFrame
    register: dict[str, tuple[int, int]]
    waiting: int
    deviations: pd.DataFrame
    reviewed: int
    sampled: int
    change: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the model


class Model:
    """The dashboard's data for one workspace, cached per filter choice.

    Parameters
    ----------
    workspace
        An open :class:`~egenkontroll.workspace.Workspace`.
    as_of
        The evaluation date of the time limits (default :func:`~egenkontroll.perdatum.per_datum`:
        ``$EGENKONTROLL_PER_DATUM`` or today).
    """

    def __init__(self, workspace: Workspace, as_of: dt.date | None = None) -> None:
        self.workspace = workspace
        self.as_of = per_datum(as_of)
        self.cases = case_table.corrected_cases(workspace)
        self.sessions = store.list_sessions(workspace)
        self.answers = store.answers_of(workspace, self.sessions, ("enhet", "inkom_datum"))
        self._views: dict[Filters, View] = {}
        self._item_results: dict[str, results.ItemResults] = {}

    # --- choices ------------------------------------------------------------------------------

    def checklists(self) -> dict[str, str]:
        """Checklist id -> title, for the checklists that have granskningar."""
        return {session.checklist.id: session.checklist.title for session in self.sessions}

    def periods(self) -> list[str]:
        """Years and tertials with reviewed cases, newest first."""
        inkom = self.answers.drop_duplicates("arende_id")["inkom_datum"].dropna()
        tertials = tertial_label(inkom)
        years = inkom.dt.year.astype(str)
        return sorted(set(tertials) | set(years), key=lambda label: (label[:4], label), reverse=True)

    def enheter(self) -> list[str]:
        """Enheter in the register, alphabetically."""
        return sorted(self.cases["enhet"].dropna().astype(str).unique())

    def data_date(self) -> str:
        """When the register was last imported and the last answer saved ("ÅÅÅÅ-MM-DD")."""
        imported, answered = case_table.data_dates(self.workspace)
        return (f"Registret inläst {_day_text(imported)}, senaste granskningssvar {_day_text(answered)}, "
                f"tidsfrister beräknade per {self.as_of:%Y-%m-%d}.")

    # --- views --------------------------------------------------------------------------------

    def view(self, filters: Filters) -> View:
        """What to show for *filters* (cached)."""
        if filters not in self._views:
            self._views[filters] = self._compute(filters)
        return self._views[filters]

    def item_results(self, checklist: str) -> results.ItemResults:
        """The checklist's answers and verdicts, gathered once (cached)."""
        if checklist not in self._item_results:
            chosen = [s for s in self.sessions if s.checklist.id == checklist]
            self._item_results[checklist] = results.ItemResults(
                self.workspace, sessions=chosen, as_of=self.as_of, register=self.cases,
                answers=self.answers[self.answers["checklist"] == checklist])
        return self._item_results[checklist]

    def _compute(self, filters: Filters) -> View:
        chosen = [s for s in self.sessions if s.checklist.id == filters.checklist]
        gathered = self.item_results(filters.checklist)
        by_enhet = gathered.table(period=filters.period, by="enhet")
        notes = []
        if filters.enhet is None:
            compliance = gathered.table(period=filters.period)
        else:
            compliance = by_enhet[by_enhet["group"] == filters.enhet]
            notes.append("Uppdelningen på kön och utvecklingen per tertial gäller alla enheter.")
        notes += results.coverage_notes(compliance)
        by_kon = gathered.table(period=filters.period, by="kon")
        trend = gathered.table(by="tertial").rename(columns={"group": "period"})
        trend = trend[trend["period"].str.match(r"\d{4}-T\d")]
        change = gathered.change(period=filters.period) if filters.period and not filters.enhet else None
        cases = _in_scope(self.cases, filters)
        answers = _in_scope(self.answers[self.answers["checklist"] == filters.checklist], filters)
        return View(
            filters=filters, compliance=compliance, by_kon=by_kon, by_enhet=by_enhet, trend=trend,
            utredningstid=_utredningstid(cases), register=_register_figures(cases, self.as_of),
            waiting=_waiting(_in_scope(self.cases, replace(filters, period=None)), self.as_of),
            deviations=_deviations(answers, chosen), reviewed=int(answers["arende_id"].nunique()),
            sampled=_sampled(chosen, cases),
            change=pd.DataFrame() if change is None else change, notes=notes,
        )


def _sampled(sessions: list[Session], cases: pd.DataFrame) -> int:
    """The sampled cases of *sessions* among *cases* (those in scope)."""
    sampled = pd.concat([session.design["arende_id"] for session in sessions]) if sessions else pd.Series()
    return int(cases["arende_id"].isin(sampled).sum())


def _in_scope(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows whose inkom_datum is in the period and whose enhet is the chosen one."""
    keep = pd.Series(True, index=frame.index)
    bounds = parse_period(filters.period)
    if bounds is not None:
        keep &= frame["inkom_datum"].between(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))
    if filters.enhet is not None:
        keep &= frame["enhet"] == filters.enhet
    return frame[keep]


def _waiting(cases: pd.DataFrame, as_of: dt.date) -> int:
    """Decisions not carried out and past their 3-month deadline on *as_of*."""
    return int(rules.waiting(cases, as_of).sum())


def _utredningstid(cases: pd.DataFrame) -> pd.DataFrame:
    """Closed child investigations: days from start to end, and whether closed after the 4-month deadline
    (a förlängning not counted: the histogram shows time, the key figure the rule)."""
    closed = cases[(cases["arendetyp"] == _BARN) & cases["utredning_avslutad"].notna()
                   & cases["utredning_inledd"].notna()]
    start, end = closed["utredning_inledd"], closed["utredning_avslutad"]
    days = (end - start).dt.days
    valid = days >= 0
    return pd.DataFrame({
        "days": days[valid], "over_limit": (end > rules.deadlines("utredning_4_manader", start))[valid],
        "group": ALL, "kon": closed["kon"][valid].map(KON_LABELS).fillna(KON_LABELS["okänt"]),
    }).reset_index(drop=True)


def _register_figures(cases: pd.DataFrame, as_of: dt.date) -> dict[str, tuple[int, int]]:
    """(k in time, n decided) of every register rule."""
    status = rules.register_status(cases, as_of=as_of)
    return {name: (int(column.sum()), int(column.notna().sum())) for name, column in status.items()}


def _deviations(answers: pd.DataFrame, sessions: list[Session]) -> pd.DataFrame:
    """The latest "nej" answers that carry a comment, newest first, of groups that are not suppressed."""
    texts = {(s.checklist.id, item.id): item.text for s in sessions for item in s.checklist.items}
    decided = answers[answers["value"].isin(("ja", "nej"))]
    cases = decided.groupby(["enhet", "item_id"])["arende_id"].transform("nunique")
    shown = cases[cases >= results.SUPPRESSION_LIMIT].index
    chosen = answers.loc[shown]
    chosen = chosen[(chosen["value"] == "nej") & chosen["comment"].fillna("").str.strip().ne("")]
    chosen = chosen.sort_values("recorded_at", ascending=False).head(_DEVIATIONS_SHOWN)
    item_text = [texts.get(key, key[1]) for key in zip(chosen["checklist"], chosen["item_id"], strict=True)]
    return pd.DataFrame({"recorded_at": chosen["recorded_at"].astype(str).str.slice(0, 10),
                         "enhet": chosen["enhet"], "item_text": item_text, "comment": chosen["comment"]})


def _day_text(stamp: object) -> str:
    return str(stamp)[:10] if stamp else "–"


# --------------------------------------------------------------------------- figures and key figures


#: register rule -> its key figure's label: what it counts, over the register cases the filters choose
REGISTER_LABELS = {
    "forhandsbedomning_14_dagar": "Förhandsbedömning inom 14 dagar (alla ärenden i registret för valet)",
    "utredning_4_manader": "Utredning inom 4 månader eller med beslutad förlängning "
                           "(alla ärenden i registret för valet)",
}


def _shown_count(count: int) -> str:
    """A count of case files, or the dash when it is below the suppression limit."""
    return str(count) if count >= results.SUPPRESSION_LIMIT else charts.SUPPRESSED_TEXT


def key_figures(view: View) -> dict[str, str]:
    """The key figures at the top: label -> text (Swedish)."""
    figures = {"Akter i urvalet": _shown_count(view.sampled), "Granskade akter": _shown_count(view.reviewed)}
    critical = view.compliance[view.compliance["critical"].astype(bool)]
    for row in critical.itertuples(index=False):
        hidden = row.suppressed or pd.isna(row.estimate)
        interval = formatting.interval(row.lower, row.upper, goal=row.goal)
        text = charts.SUPPRESSED_TEXT if hidden else f"{charts.percent_text(row.estimate)} ({interval})"
        figures[f"Kritisk fråga: {row.item_text}"] = text
    for name, label in REGISTER_LABELS.items():
        k, n = view.register[name]
        figures[label] = charts.SUPPRESSED_TEXT if n < charts.MIN_CASES else charts.percent_text(k / n)
    figures["Beslut som väntat mer än 3 månader på verkställighet"] = str(view.waiting)
    return figures


def figures(view: View) -> dict[str, Figure]:
    """The dashboard's figures for *view*, keyed by section id."""
    goal = _common_goal(view.compliance)
    scope = f" – {view.filters.enhet}" if view.filters.enhet else ""
    return {
        "per_fraga": charts.compliance_figure(view.compliance, title=f"Andel ja per fråga{scope}"),
        "trend": charts.trend_figure(_critical_trend(view.trend), goal=goal,
                                     title="Kritiska frågor per tertial (alla enheter)"),
        "per_enhet": charts.heatmap_figure(view.by_enhet),
        "utredningstid": charts.utredningstid_figure(view.utredningstid, limit_days=_FOUR_MONTHS_DAYS,
                                                     title=f"Utredningstid, barn och unga{scope}"),
        "kon": charts.compliance_figure(view.by_kon, title="Andel ja per fråga och kön (alla enheter)"),
        "utredningstid_kon": charts.utredningstid_figure(
            view.utredningstid.assign(group=view.utredningstid["kon"]), limit_days=_FOUR_MONTHS_DAYS,
            title=f"Utredningstid per kön{scope}"),
    }


def _critical_trend(trend: pd.DataFrame) -> pd.DataFrame:
    critical = trend[trend["critical"].astype(bool)]
    return critical if not critical.empty else trend


def _common_goal(frame: pd.DataFrame) -> float | None:
    goals = frame.loc[frame["critical"].astype(bool), "goal"].dropna().unique()
    return float(goals[0]) if len(goals) == 1 else None



# --------------------------------------------------------------------------- what the widgets show


def screen(model: Model, filters: Filters) -> Screen:
    """The widget contents for *filters*: HTML texts and PNG charts."""
    view = model.view(filters)
    return Screen(
        key_figures=_key_figures_html(key_figures(view)),
        notes="".join(f"<p><em>{html.escape(note)}</em></p>" for note in view.notes),
        images={key: charts.to_png(figure) for key, figure in figures(view).items()},
        change=_change_html(view.change),
        deviations=_deviations_html(view.deviations),
        method=_method_html(view.compliance),
    )


def start_view(model: Model, stamp: str = "", first_screen: bool = True) -> StartView:
    """The choices and the first screen (the first checklist, every period and enhet); *stamp*: the data's.

    With *first_screen* False the screen is left out (None) for the app to compute itself.
    """
    checklists = model.checklists()
    first = Filters(next(iter(checklists))) if checklists else None
    return StartView(
        stamp=stamp, checklists=[(title, cid) for cid, title in checklists.items()], periods=model.periods(),
        enheter=model.enheter(), header=_header_html(model.data_date()), how_to_read=_how_to_read_html(),
        filters=first, screen=screen(model, first) if first and first_screen else None,
    )


def _header_html(data_date: str) -> str:
    return ('<h1 style="margin-bottom:0">Egenkontroll – journalgranskning</h1>'
            f'<p style="font-size:17px">{html.escape(data_date)}</p>')


def _how_to_read_html() -> str:
    paragraph = '<p style="font-size:17px;max-width:1100px">'
    return (f"<h2>Så läser du diagrammen</h2>{paragraph}{html.escape(HOW_TO_READ)}</p>"
            f"{paragraph}<strong>Trafikljus.</strong> {html.escape(results.TRAFFIC_LIGHT_RULE)}</p>")


def _key_figures_html(figures: dict[str, str]) -> str:
    tiles = "".join(
        '<div class="ek-nyckeltal" style="border:2px solid #0072B2;border-radius:6px;padding:8px 14px;'
        'margin:4px;min-width:200px;max-width:280px">'
        f'<div style="font-size:15px">{html.escape(label)}</div>'
        f'<div style="font-size:26px;font-weight:bold;white-space:nowrap">{html.escape(value)}</div></div>'
        for label, value in figures.items()
    )
    return f'<h2>Nyckeltal</h2><div style="display:flex;flex-wrap:wrap">{tiles}</div>'


_WRAPS = ("nowrap", "nowrap", "normal", "normal")


def _change_html(change: pd.DataFrame) -> str:
    """The table of change against the previous period (empty text when there is none to show)."""
    if change.empty or not (change["n_previous"] > 0).any():  # nothing to compare with
        return ""
    first = change.iloc[0]
    names = ("Fråga", str(first["previous"]), str(first["period"]), "Förändring", "p-värde")
    head = "".join(f'<th style="text-align:left;padding:4px 10px">{html.escape(name)}</th>' for name in names)
    rows = "".join(f"<tr>{''.join(_cell(value) for value in _change_row(row))}</tr>"
                   for row in change.itertuples(index=False) if row.n > 0 or row.n_previous > 0)
    explanation = ("Förändringen är i procentenheter. p-värdet kommer från Fishers exakta test på antalen "
                   "ja och nej i de två perioderna (ovägda): ett litet p-värde, under 0,05, talar för att "
                   "förändringen inte bara är slumpen. Med många frågor blir något p-värde litet av en slump "
                   "då och då, så se på helheten och på utvecklingen per tertial. Perioder med färre än "
                   f"{results.SUPPRESSION_LIMIT} ärenden redovisas inte.")
    return (f"<h2>Förändring mot föregående period</h2>"
            f'<table class="ek-forandring" style="font-size:16px"><tr>{head}</tr>{rows}</table>'
            f'<p style="font-size:15px;max-width:1100px">{html.escape(explanation)}</p>')


def _change_row(row: Any) -> tuple[str, str, str, str, str]:
    if row.suppressed:
        hidden = charts.SUPPRESSED_TEXT
        return row.item_text, hidden, hidden, hidden, hidden
    rounded = round(100 * row.difference)
    points = "±0" if rounded == 0 else f"{rounded:+d}".replace("-", "−")
    p_value = "–" if pd.isna(row.p_value) else f"{row.p_value:.2f}".replace(".", ",")
    return (row.item_text, charts.percent_text(row.estimate_previous), charts.percent_text(row.estimate),
            points, p_value)


def _cell(value: str) -> str:
    return f'<td style="padding:4px 10px;vertical-align:top">{html.escape(str(value))}</td>'


def _deviations_html(deviations: pd.DataFrame) -> str:
    if deviations.empty:
        return "<p>Inga avvikelser med kommentar för valet.</p>"
    rows = "".join(
        "<tr>" + "".join(f'<td style="padding:4px 10px;vertical-align:top;white-space:{wrap}">'
                         f"{html.escape(str(value))}</td>" for value, wrap in zip(row, _WRAPS, strict=True))
        + "</tr>"
        for row in deviations[["recorded_at", "enhet", "item_text", "comment"]].itertuples(index=False)
    )
    head = "".join(f'<th style="text-align:left;padding:4px 10px">{name}</th>'
                   for name in ("Datum", "Enhet", "Fråga", "Kommentar"))
    return f'<table class="ek-avvikelser" style="font-size:16px"><tr>{head}</tr>{rows}</table>'


def _method_html(compliance: pd.DataFrame) -> str:
    methods = sorted({results.METHOD_NAMES.get(m, m) for m in compliance["method"].dropna()})
    named = ", ".join(methods) or "–"
    text = (f"Metod: slumpmässigt urval per granskningstillfälle; andelar och 95 % konfidensintervall "
            f"med {named}. Resultat som bygger på färre än {results.SUPPRESSION_LIMIT} ärenden visas inte.")
    return f'<h2>Metod</h2><p style="font-size:16px">{html.escape(text)}</p>'

