"""The ledningsgrupp's dashboard: a plain model (what to show for a filter choice) and a thin widget layer.

The model, :class:`Model`, reads a workspace once and answers :meth:`Model.view` per filter choice
(period, enhet, checklista) with the numbers and frames to show; views are cached per choice.
:func:`figures` turns a view into matplotlib figures (:mod:`egenkontroll.charts`). The widget
layer, :class:`App`, shows them as PNG images (no JavaScript library, nothing from the internet)
and re-renders when a filter changes; :func:`show` is what ``notebooks/dashboard.ipynb`` calls.

Privacy: figures from fewer than five cases are never shown as numbers; no handläggare, person_id
or personnummer is shown; every free text (comments, item texts, enhet names) is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from egenkontroll import _db, charts, results, rules, store
from egenkontroll.errors import EgenkontrollError
from egenkontroll.server import TEMPLATE_ROOT
from egenkontroll.workspace import Workspace

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "ALL",
    "TEMPLATE_ROOT",
    "HOW_TO_READ",
    "Filters",
    "View",
    "Model",
    "App",
    "figures",
    "key_figures",
    "show",
]

#: the dropdown choice meaning "no filter"
ALL = "Alla"
#: the "Så läser du diagrammen" text
HOW_TO_READ = (
    "Staplarna och punkterna visar andelen granskade akter där svaret är ja. Det svarta strecket "
    "genom stapeln är ett 95-procentigt konfidensintervall: granskningen bygger på ett slumpmässigt "
    "urval, och den verkliga andelen ligger med stor säkerhet inom intervallet. Ett kort intervall "
    "betyder att urvalet säger mycket, ett långt att det säger mindre. Den svarta markeringen är målet. "
    "Resultat som bygger på färre än 5 ärenden visas inte (–, tom ruta), så att ingen enskild person "
    "kan pekas ut. Tidsfristerna (14 dagar, 4 månader) räknas på alla ärenden i registret, inte på ett "
    "urval, och har därför inget intervall."
)
_DEVIATIONS_SHOWN = 10
_BARN = "barn_och_unga"
_FOUR_MONTHS = pd.DateOffset(months=4)
_FOUR_MONTHS_DAYS = 122
_PERIOD_LABEL = "Period (inkomstdatum)"


@dataclass(frozen=True)
class Filters:
    """A filter choice; None means every period, every enhet."""

    checklist: str
    period: str | None = None
    enhet: str | None = None


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
        The latest "nej" answers with a comment: recorded_at, enhet, item_text, comment.
    reviewed
        Number of case files with at least one answer in scope.
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
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the model


class Model:
    """The dashboard's data for one workspace, cached per filter choice.

    Parameters
    ----------
    workspace
        An open :class:`~egenkontroll.workspace.Workspace`.
    as_of
        The evaluation date of the time limits (default today).
    """

    def __init__(self, workspace: Workspace, as_of: dt.date | None = None) -> None:
        self.workspace = workspace
        self.as_of = as_of or dt.date.today()
        self.cases = store.corrected_cases(workspace)
        self.sessions = workspace.sessions()
        self.answers = _all_answers(self.sessions, self.cases)
        self._views: dict[Filters, View] = {}

    # --- choices ------------------------------------------------------------------------------

    def checklists(self) -> dict[str, str]:
        """Checklist id -> title, for the checklists that have granskningar."""
        return {session.checklist.id: session.checklist.title for session in self.sessions}

    def periods(self) -> list[str]:
        """Years and tertials with reviewed cases, newest first."""
        inkom = self.answers.drop_duplicates("arende_id")["inkom_datum"].dropna()
        tertials = results.tertial_label(inkom)
        years = inkom.dt.year.astype(str)
        return sorted(set(tertials) | set(years), key=lambda label: (label[:4], label), reverse=True)

    def enheter(self) -> list[str]:
        """Enheter in the register, alphabetically."""
        return sorted(self.cases["enhet"].dropna().astype(str).unique())

    def data_date(self) -> str:
        """When the register was last imported and the last answer saved ("ÅÅÅÅ-MM-DD")."""
        with _db.read(self.workspace.engine) as connection:
            imported = connection.execute(sa.select(sa.func.max(_db.imports.c.imported_at))).scalar()
            answered = connection.execute(sa.select(sa.func.max(_db.answers.c.recorded_at))).scalar()
        return (f"Registret inläst {_day_text(imported)}, senaste granskningssvar {_day_text(answered)}, "
                f"tidsfrister beräknade per {self.as_of:%Y-%m-%d}.")

    # --- views --------------------------------------------------------------------------------

    def view(self, filters: Filters) -> View:
        """What to show for *filters* (cached)."""
        if filters not in self._views:
            self._views[filters] = self._compute(filters)
        return self._views[filters]

    def _compute(self, filters: Filters) -> View:
        options = {"checklist": filters.checklist, "period": filters.period, "as_of": self.as_of}
        chosen = [s for s in self.sessions if s.checklist.id == filters.checklist]
        by_enhet = results.item_results(self.workspace, sessions=chosen, by="enhet", **options)
        notes = []
        if filters.enhet is None:
            compliance = results.item_results(self.workspace, sessions=chosen, **options)
        else:
            compliance = by_enhet[by_enhet["group"] == filters.enhet]
            notes.append("Uppdelningen på kön och utvecklingen per tertial gäller alla enheter.")
        by_kon = results.item_results(self.workspace, sessions=chosen, by="kon", **options)
        trend = results.item_results(self.workspace, sessions=chosen, by="tertial", as_of=self.as_of,
                                     checklist=filters.checklist).rename(columns={"group": "period"})
        trend = trend[trend["period"].str.match(r"\d{4}-T\d")]
        cases = _in_scope(self.cases, filters)
        answers = _in_scope(self.answers[self.answers["checklist"] == filters.checklist], filters)
        return View(
            filters=filters, compliance=compliance, by_kon=by_kon, by_enhet=by_enhet, trend=trend,
            utredningstid=_utredningstid(cases), register=_register_figures(cases, self.as_of),
            waiting=_waiting(_in_scope(self.cases, replace(filters, period=None)), self.as_of),
            deviations=_deviations(answers, chosen), reviewed=int(answers["arende_id"].nunique()),
            notes=notes,
        )


def _all_answers(sessions: list, cases: pd.DataFrame) -> pd.DataFrame:
    """Every session's answers with checklist, enhet and inkom_datum of the case."""
    frames = [session.answers().assign(checklist=session.checklist.id, session=session.id)
              for session in sessions]
    columns = [*store.ANSWER_COLUMNS, "checklist", "session"]
    answers = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    facts = cases.set_index("arende_id")[["enhet", "inkom_datum"]]
    return answers.join(facts, on="arende_id")


def _in_scope(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows whose inkom_datum is in the period and whose enhet is the chosen one."""
    keep = pd.Series(True, index=frame.index)
    bounds = store.parse_period(filters.period)
    if bounds is not None:
        keep &= frame["inkom_datum"].between(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))
    if filters.enhet is not None:
        keep &= frame["enhet"] == filters.enhet
    return frame[keep]


def _waiting(cases: pd.DataFrame, as_of: dt.date) -> int:
    """Decisions not carried out and past their 3-month deadline on *as_of*."""
    late = rules.register_status(cases, as_of=as_of)["verkstallighet_3_manader"] == False  # noqa: E712
    return int((late.fillna(False) & cases["verkstallt_datum"].isna()).sum())


def _utredningstid(cases: pd.DataFrame) -> pd.DataFrame:
    """Closed child investigations: days from start to end, and whether past 4 calendar months."""
    closed = cases[(cases["arendetyp"] == _BARN) & cases["utredning_avslutad"].notna()
                   & cases["utredning_inledd"].notna()]
    start, end = closed["utredning_inledd"], closed["utredning_avslutad"]
    days = (end - start).dt.days
    valid = days >= 0
    return pd.DataFrame({
        "days": days[valid], "over_limit": (end > start + _FOUR_MONTHS)[valid],
        "group": ALL, "kon": closed["kon"][valid].map(_KON_NAMES).fillna("Okänt kön"),
    }).reset_index(drop=True)


_KON_NAMES = {"K": "Kvinnor", "M": "Män", "okänt": "Okänt kön"}


def _register_figures(cases: pd.DataFrame, as_of: dt.date) -> dict[str, tuple[int, int]]:
    """(k in time, n decided) of every register rule."""
    status = rules.register_status(cases, as_of=as_of)
    return {name: (int(column.sum()), int(column.notna().sum())) for name, column in status.items()}


def _deviations(answers: pd.DataFrame, sessions: list) -> pd.DataFrame:
    """The latest "nej" answers that carry a comment, newest first."""
    texts = {(s.checklist.id, item.id): item.text for s in sessions for item in s.checklist.items}
    chosen = answers[(answers["value"] == "nej") & answers["comment"].fillna("").str.strip().ne("")]
    chosen = chosen.sort_values("recorded_at", ascending=False).head(_DEVIATIONS_SHOWN)
    item_text = [texts.get(key, key[1]) for key in zip(chosen["checklist"], chosen["item_id"], strict=True)]
    return pd.DataFrame({"recorded_at": chosen["recorded_at"].astype(str).str.slice(0, 10),
                         "enhet": chosen["enhet"], "item_text": item_text, "comment": chosen["comment"]})


def _day_text(stamp: object) -> str:
    return str(stamp)[:10] if stamp else "–"


# --------------------------------------------------------------------------- figures and key figures


def key_figures(view: View) -> dict[str, str]:
    """The key figures at the top: label -> text (Swedish)."""
    figures = {"Granskade akter": str(view.reviewed)}
    critical = view.compliance[view.compliance["critical"].astype(bool)]
    for row in critical.itertuples(index=False):
        hidden = row.suppressed or pd.isna(row.estimate)
        text = charts.SUPPRESSED_TEXT if hidden else (
            f"{charts.percent_text(row.estimate)} ({charts.percent_text(row.lower)}–"
            f"{charts.percent_text(row.upper)})")
        figures[f"Kritisk fråga: {row.item_text}"] = text
    for name, label in (("forhandsbedomning_14_dagar", "Förhandsbedömning inom 14 dagar (hela registret)"),
                        ("utredning_4_manader", "Utredning inom 4 månader (hela registret)")):
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


# --------------------------------------------------------------------------- the widget layer


_SECTIONS = (
    ("per_fraga", "Andel ja per fråga"),
    ("trend", "Utveckling per tertial"),
    ("per_enhet", "Per enhet och fråga"),
    ("utredningstid", "Utredningstid"),
    ("kon", "Per kön"),
    ("utredningstid_kon", "Utredningstid per kön"),
)


class App:
    """The dashboard widgets bound to a :class:`Model`."""

    def __init__(self, model: Model) -> None:
        import ipywidgets as widgets

        self.model = model
        checklists = model.checklists()
        self.checklist = widgets.Dropdown(options=[(title, cid) for cid, title in checklists.items()],
                                          description="Checklista")
        self.period = widgets.Dropdown(options=[(ALL, None), *((p, p) for p in model.periods())],
                                       description="Period")
        self.enhet = widgets.Dropdown(options=[(ALL, None), *((e, e) for e in model.enheter())],
                                      description="Enhet")
        for dropdown in (self.checklist, self.period, self.enhet):
            dropdown.style = {"description_width": "90px"}
            dropdown.layout = widgets.Layout(width="380px")
            dropdown.observe(self._on_change, names="value")
        self.errors = widgets.HTML()
        self.key_figures = widgets.HTML()
        self.notes = widgets.HTML()
        layout = {"width": "100%", "max_width": "1200px"}
        self.images = {key: widgets.Image(format="png", layout=widgets.Layout(**layout))
                       for key, _ in _SECTIONS}
        self.deviations = widgets.HTML()
        self.method = widgets.HTML()
        header = widgets.HTML(_header_html(model.data_date()))
        sections = [widget for key, heading in _SECTIONS
                    for widget in (widgets.HTML(f"<h2>{heading}</h2>"), self.images[key])]
        self.widget = widgets.VBox([
            header, widgets.HBox([self.checklist, self.period, self.enhet]), self.errors, self.key_figures,
            self.notes, widgets.HTML(_how_to_read_html()), *sections,
            widgets.HTML("<h2>Senaste avvikelser med kommentar</h2>"), self.deviations, self.method,
        ])
        if checklists:
            self.render()
        else:
            self.errors.value = _message_html("Arbetsytan har inga granskningar ännu.")

    def filters(self) -> Filters:
        """The current choice."""
        return Filters(checklist=self.checklist.value, period=self.period.value, enhet=self.enhet.value)

    def render(self) -> None:
        """Show the current choice; an error is shown in Swedish, never as a traceback."""
        _safely(self.errors, self._render)

    def _on_change(self, _change: dict[str, Any]) -> None:
        self.render()

    def _render(self) -> None:
        view = self.model.view(self.filters())
        self.key_figures.value = _key_figures_html(key_figures(view))
        self.notes.value = "".join(f"<p><em>{html.escape(note)}</em></p>" for note in view.notes)
        for key, figure in figures(view).items():
            self.images[key].value = charts.to_png(figure)
        self.deviations.value = _deviations_html(view.deviations)
        self.method.value = _method_html(view.compliance)


def _safely(errors: Any, action: Callable[[], None]) -> None:
    errors.value = ""
    try:
        action()
    except EgenkontrollError as error:
        errors.value = _message_html(str(error))
    except Exception:  # noqa: BLE001 - the ledningsgrupp sees a Swedish message, never a traceback
        errors.value = _message_html("Något gick fel när instrumentpanelen skulle visas. Kontakta den som "
                                     "ansvarar för arbetsytan.")


def _message_html(text: str) -> str:
    return f'<p style="color:#B00020;font-size:18px"><strong>{html.escape(text)}</strong></p>'


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


def show(workspace: str | os.PathLike[str] | Workspace | None = None) -> App:
    """Build and display the dashboard; *workspace* defaults to $EGENKONTROLL_WORKSPACE or ./arbetsyta."""
    from IPython.display import display

    opened = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    app = App(Model(opened))
    display(app.widget)
    return app
