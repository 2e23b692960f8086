"""The dashboard's heavy half: the model (what to show for a filter choice), its figures and HTML.

:class:`Model` reads a workspace once and answers :meth:`Model.view` per filter choice (period,
enhet, checklista) with the numbers and frames to show; views are cached per choice.
:func:`figures` turns a view into matplotlib figures (:mod:`egenkontroll.charts`), :func:`screen`
into what the widgets show (HTML with SVG charts), and :func:`start_view` adds the filter choices for the
dashboard's first screen. :mod:`egenkontroll.dashboard` imports this module only when it must compute.

Status first: :func:`tiles` gives one tile per critical item and register indicator with its share,
interval, goal, traffic light (colour, icon and word) and the change against the previous period,
called "säkerställd" only when Fisher's exact test gives p < 0.05 (register figures count every case,
so their change has no test). Each chart comes as SVG with a text alternative (:func:`screen`): an
``alt`` text and the table behind it, one click away.

Privacy: figures from fewer than five cases are never shown as numbers; no handläggare, person_id
or personnummer is shown; every free text (comments, item texts, enhet names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import html
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from egenkontroll import case_table, charts, formatting, results, rules, store
from egenkontroll._estimation import change_between
from egenkontroll._fields import KON_LABELS
from egenkontroll._views import (
    ALL,
    ENHET_FILTER_CLASS,
    HOW_TO_READ,
    OVER_TIME,
    SECTIONS,
    Filters,
    Screen,
    StartView,
    prepared_filters,
    prepared_key,
)
from egenkontroll.perdatum import per_datum
from egenkontroll.periods import parse_period, previous_period, spoken_period, tertial_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from egenkontroll.store import Session
    from egenkontroll.workspace import Workspace

_DEVIATIONS_SHOWN = 10
#: a change is called "säkerställd" when Fisher's exact test gives a p-value below this
SIGNIFICANCE = results.SIGNIFICANCE
_BARN = "barn_och_unga"
_FOUR_MONTHS_DAYS = 122


@dataclass
class View:
    """Everything the dashboard shows for one filter choice.

    Attributes
    ----------
    compliance, by_kon, by_enhet, trend
        :func:`egenkontroll.results.item_results` rows: for the chosen enhet (or all), by kön, by
        enhet, and by tertial (``period`` column; for the chosen enhet, or all).
    utredningstid
        One row per closed child investigation in scope: days, over_limit, group ("Alla") and kon.
    register
        Register-wide (k, n) per rule of :func:`egenkontroll.rules.register_status` for the cases in
        scope (inkom_datum in the period, the chosen enhet).
    compared
        The periods the change is about, (period, previous): the chosen tertial or year and the one
        before, or without a chosen period the latest tertial with answers and the one before; None
        when there is nothing to compare.
    register_compared
        ``register`` for the two periods of ``compared`` (the chosen enhet): (now, before).
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
        :func:`egenkontroll.results.change_from_previous` rows for the periods of ``compared``, for the
        chosen enhet (or all); empty when there is nothing to compare.
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
    compared: tuple[str, str] | None = None
    register_compared: tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]] | None = None


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
        # every case's verdicts once: a filter choice only selects rows (the rules go case by case)
        self.register_status = rules.register_status(self.cases, as_of=self.as_of)
        self.waiting = rules.waiting(self.cases, self.as_of)
        self._sampled: dict[str, pd.Series] = {}
        self._views: dict[Filters, View] = {}
        self._item_results: dict[str, results.ItemResults] = {}
        self._tables: dict[tuple[str, str | None, str | None], pd.DataFrame] = {}
        self._trends: dict[tuple[str, str, str | None], pd.DataFrame] = {}
        self._sections: dict[tuple[str, ...], str] = {}

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

    def table(self, checklist: str, period: str | None = None,
              by: str | None = None, enhet: str | None = None) -> pd.DataFrame:
        """The :meth:`~egenkontroll.results.ItemResults.table` of *checklist* for *period* and *by*, of
        *enhet* alone when given; cached, so that another enhet or a return to a period costs nothing."""
        key = (checklist, period, "enhet" if enhet else by)
        if key not in self._tables:
            self._tables[key] = self.item_results(checklist).table(period=period, by=key[2])
        table = self._tables[key]
        return table if enhet is None else table[table["group"] == enhet]

    def prefetch(self, checklist: str, stop: threading.Event | None = None) -> None:
        """Compute ahead the tables of *checklist* that the view of a period and an enhet needs: per enhet
        and per kön for every period, and per tertial and month of every enhet and of each alone.

        Stops early, between two tables, once *stop* is set.
        """
        steps = [functools.partial(self.table, checklist, None, by="enhet")]
        steps += [functools.partial(self.table, checklist, period, by=by)
                  for period in self.periods() for by in ("enhet", "kon")]
        steps += [functools.partial(self.trend, checklist, enhet, unit)
                  for enhet in [None, *self.enheter()] for unit in ("tertial", "manad")]
        for step in steps:
            if stop is not None and stop.is_set():
                return
            step()

    def _compute(self, filters: Filters) -> View:
        chosen = [s for s in self.sessions if s.checklist.id == filters.checklist]
        checklist, period, enhet = filters.checklist, filters.period, filters.enhet
        notes = []
        if enhet is not None:
            notes.append("Uppdelningen på kön gäller alla enheter.")
        compliance = self.table(checklist, period, enhet=enhet)
        notes += results.coverage_notes(compliance)
        compared = self._compared(filters)
        change = (change_between(*(self.table(checklist, when, enhet=enhet) for when in compared), *compared)
                  if compared else pd.DataFrame())
        cases = _in_scope(self.cases, filters)
        answers = _in_scope(self.answers[self.answers["checklist"] == checklist], filters)
        waiting = self.waiting[_in_scope(self.cases, replace(filters, period=None)).index]
        return View(
            filters=filters, compliance=compliance, by_kon=self.table(checklist, period, by="kon"),
            by_enhet=self.table(checklist, period, by="enhet"), trend=self.trend(checklist, enhet),
            utredningstid=_utredningstid(cases), register=self._register_figures(cases),
            waiting=int(waiting.sum()), deviations=_deviations(answers, chosen),
            reviewed=int(answers["arende_id"].nunique()),
            sampled=int(cases["arende_id"].isin(self._sampled_ids(checklist, chosen)).sum()),
            change=change, notes=notes, compared=compared,
            register_compared=None if compared is None else tuple(
                self._register_figures(_in_scope(self.cases, replace(filters, period=period)))
                for period in compared),
        )

    def _register_figures(self, cases: pd.DataFrame) -> dict[str, tuple[int, int]]:
        """(k in time, n decided) of every register rule over *cases* (rows of :attr:`cases`)."""
        status = self.register_status.loc[cases.index]
        return {name: (int(column.sum()), int(column.notna().sum())) for name, column in status.items()}

    def _sampled_ids(self, checklist: str, sessions: list[Session]) -> pd.Series:
        """The arende_id of every case sampled by the checklist's *sessions* (cached)."""
        if checklist not in self._sampled:
            self._sampled[checklist] = (pd.concat([s.design["arende_id"] for s in sessions]) if sessions
                                        else pd.Series(dtype=object))
        return self._sampled[checklist]

    def _compared(self, filters: Filters) -> tuple[str, str] | None:
        """(period, previous): the chosen year or tertial, else the latest tertial with answers."""
        if filters.period is not None:
            return filters.period, previous_period(filters.period)
        latest = next((period for period in self.periods() if "-T" in period), None)
        return None if latest is None else (latest, previous_period(latest))

    def trend(self, checklist: str, enhet: str | None, unit: str = "tertial") -> pd.DataFrame:
        """The item results per tertial or month (*unit* "tertial" or "manad"; ``period`` "2026-T1" or
        "2026-03", of the cases' inkom_datum), of every enhet or of *enhet* alone, oldest first (cached)."""
        key = (checklist, unit, enhet)
        if key not in self._trends:
            within = None if enhet is None else ("enhet", enhet)
            trend = self.item_results(checklist).table(by=unit, within=within)
            self._trends[key] = trend[trend["group"].str.match(r"\d{4}-(T\d|\d\d)$")].rename(
                columns={"group": "period"})
        return self._trends[key]


def _in_scope(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Rows whose inkom_datum is in the period and whose enhet is the chosen one."""
    keep = pd.Series(True, index=frame.index)
    bounds = parse_period(filters.period)
    if bounds is not None:
        keep &= frame["inkom_datum"].between(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))
    if filters.enhet is not None:
        keep &= frame["enhet"] == filters.enhet
    return frame[keep]


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


# --------------------------------------------------------------------------- status tiles


#: register rule -> its key figure's label: what it counts, over the register cases the filters choose
REGISTER_LABELS = {
    "forhandsbedomning_14_dagar": "Förhandsbedömning inom 14 dagar (alla ärenden i registret för valet)",
    "utredning_4_manader": "Utredning inom 4 månader eller med beslutad förlängning "
                           "(alla ärenden i registret för valet)",
}
WAITING_LABEL = "Beslut som väntat mer än 3 månader på verkställighet"
#: status -> the icon and words a tile shows beside its colour (never colour alone)
STATUS_TEXTS = {
    "grön": "✓ Grön: målet är nått",
    "gul": "? Gul: går inte att avgöra om målet är nått",
    "röd": "✗ Röd: målet är inte nått",
}
_NO_STATUS = "Ingen status: för få ärenden"


@dataclass(frozen=True)
class Tile:
    """One status tile: what the ledningsgrupp reads first.

    Attributes
    ----------
    label
        What the figure is ("Kritisk fråga: …", a register rule, a count).
    value
        The share or count as shown ("79 %", "180", "–" when suppressed).
    interval
        The 95 % confidence interval ("71–85 %"), "" for register figures and counts.
    goal
        The goal as shown ("100 %"), "" when there is none.
    status
        "grön", "gul", "röd", or None (a count, a fact, or too few cases).
    change
        The change against the previous period in words, "" when there is nothing to compare.
    """

    label: str
    value: str
    interval: str = ""
    goal: str = ""
    status: str | None = None
    change: str = ""


def _shown_count(count: int) -> str:
    """A count of case files, or the dash when it is below the suppression limit."""
    return str(count) if count >= results.SUPPRESSION_LIMIT else charts.SUPPRESSED_TEXT


def tiles(view: View) -> list[Tile]:
    """The status tiles: the counts, each critical item, each register rule, and late decisions."""
    shown = [Tile("Akter i urvalet", _shown_count(view.sampled)),
             Tile("Granskade akter", _shown_count(view.reviewed))]
    changes = view.change.set_index("item") if not view.change.empty else None
    for row in view.compliance[view.compliance["critical"].astype(bool)].itertuples(index=False):
        change = changes.loc[row.item] if changes is not None and row.item in changes.index else None
        shown.append(_item_tile(row, change, view.compared))
    for name, label in REGISTER_LABELS.items():
        shown.append(_register_tile(label, view.register[name], name, view))
    shown.append(Tile(WAITING_LABEL, str(view.waiting), goal="0",
                      status="grön" if view.waiting == 0 else "röd"))
    return shown


def key_figures(view: View) -> dict[str, str]:
    """The tiles as label -> text ("79 % (71–85 %)"), as they read on the page."""
    return {tile.label: f"{tile.value} ({tile.interval})" if tile.interval else tile.value
            for tile in tiles(view)}


def _item_tile(row: Any, change: Any, compared: tuple[str, str] | None) -> Tile:
    hidden = row.suppressed or pd.isna(row.estimate)
    goal = "" if charts.is_fact(row.goal) else charts.percent_text(row.goal)
    if hidden:
        return Tile(f"Kritisk fråga: {row.item_text}", charts.SUPPRESSED_TEXT, goal=goal,
                    change=_change_text(change, compared))
    return Tile(f"Kritisk fråga: {row.item_text}", charts.percent_text(row.estimate),
                interval=formatting.interval(row.lower, row.upper, goal=row.goal), goal=goal,
                status=row.status if isinstance(row.status, str) else None,
                change=_change_text(change, compared))


def _change_text(change: Any, compared: tuple[str, str] | None) -> str:
    """The change of one item between the periods of *compared*, "säkerställd" only when p < 0.05."""
    if change is None or compared is None:
        return ""
    when = _compared_text(compared)
    if change.suppressed or pd.isna(change.difference):
        return f"Ingen jämförelse, färre än {results.SUPPRESSION_LIMIT} ärenden ({when})"
    tested = "säkerställd" if change.p_value < SIGNIFICANCE else "inte säkerställd"
    return f"{_arrow(change.difference)} {_points(change.difference)} procentenheter, {tested} ({when})"


def _compared_text(compared: tuple[str, str]) -> str:
    return f"{spoken_period(compared[0])} mot {spoken_period(compared[1])}"


def _register_tile(label: str, figure: tuple[int, int], name: str, view: View) -> Tile:
    k, n = figure
    goal = results.CRITICAL_GOAL
    if n < charts.MIN_CASES:
        return Tile(label, charts.SUPPRESSED_TEXT, goal=charts.percent_text(goal))
    change = ""
    if view.compared is not None and view.register_compared is not None:
        (k_now, n_now), (k_before, n_before) = (figures[name] for figures in view.register_compared)
        when = _compared_text(view.compared)
        if min(n_now, n_before) < results.SUPPRESSION_LIMIT:
            change = f"Ingen jämförelse, färre än {results.SUPPRESSION_LIMIT} ärenden ({when})"
        else:
            difference = k_now / n_now - k_before / n_before
            change = f"{_arrow(difference)} {_points(difference)} procentenheter, hela registret ({when})"
    return Tile(label, charts.percent_text(k / n), goal=charts.percent_text(goal),
                status="grön" if k / n >= goal else "röd", change=change)


def _arrow(difference: float) -> str:
    rounded = round(100 * difference)
    return "↑" if rounded > 0 else "↓" if rounded < 0 else "→"


def _points(difference: float) -> str:
    """A difference of shares in procentenheter: "+6", "−3", "±0"."""
    rounded = round(100 * difference)
    return "±0" if rounded == 0 else f"{rounded:+d}".replace("-", "−")


# --------------------------------------------------------------------------- figures

#: the sections that show the chosen enhet alone (the others: every enhet, or its kön breakdown)
_PER_ENHET = ("per_fraga", "trend", "utredningstid", "utredningstid_kon")


#: the filters a section depends on, where not all three (see :func:`screen`; the charts over time depend
#: on the checklist and the enhet, :func:`over_time_section`)
_DEPENDS_ON = {"per_enhet": ("checklist", "period"), "kon": ("checklist", "period")}


def _scope(key: str, filters: Filters) -> tuple[str, ...]:
    """What section *key* of *filters* depends on: a :attr:`Model._sections` key."""
    depends = _DEPENDS_ON.get(key, ("checklist", "period", "enhet"))
    return (key, *(str(getattr(filters, name)) for name in depends))


def reuse_sections(model: Model, start: StartView) -> None:
    """Let *model* show the chart sections *start* already holds (its first and prepared screens), so
    that a choice beside them, say a period and an enhet, draws only the sections that depend on both."""
    shown = dict(start.prepared or {})
    if start.filters is not None and start.screen is not None:
        shown[prepared_key(start.filters)] = start.screen
    for key, prepared in shown.items():
        filters = prepared_filters(key)
        for section, content in prepared.charts.items():
            if section != "trend":  # held by over_time below
                model._sections.setdefault(_scope(section, filters), content)
        for over_time, content in prepared.over_time.items():
            model._sections.setdefault(_over_time_scope(filters, over_time), content)


#: drawn sections by the digest of what they show (:func:`_drawn`), newest last
_DRAWN: OrderedDict[str, str] = OrderedDict()
#: how many drawn sections a process keeps: a start view's with room to spare (about 100 kB each)
_DRAWN_KEPT = 200


def _drawn(key: str, heading: str, view: View) -> str:
    """Section *key* of *view* as HTML, drawn once per process for the same figures (:func:`_remembered`)."""
    choices = _enhet_buttons_html(view.by_enhet) if key == "per_enhet" else ""  # the heat map's drill-down
    return _remembered(getattr(view, _DRAWN_FROM[key]), (key, heading, str(view.filters.enhet)),
                       lambda: _section_html(key, heading, charts.to_svg(figure(view, key)),
                                             _chart_table(key, view), _alt_text(key, heading, view), choices))


def _remembered(frame: pd.DataFrame, labels: tuple[str, ...], draw: Callable[[], str]) -> str:
    """What *draw* makes of *frame*, taken from :data:`_DRAWN` when a section of the same *labels*
    (key, heading, title) and the same rows was drawn before in this process.

    Drawing is most of the dashboard's computing, and ``egenkontroll dashboard`` computes the start
    view anew after every answer: most sections then show the same figures as a minute before.
    """
    digest = _section_digest(frame, labels)
    if digest in _DRAWN:
        _DRAWN.move_to_end(digest)
        return _DRAWN[digest]
    section = draw()
    _DRAWN[digest] = section
    while len(_DRAWN) > _DRAWN_KEPT:
        _DRAWN.popitem(last=False)
    return section


#: the part of a :class:`View` each section is drawn from (with the enhet's name in its title); the
#: charts over time are drawn from :meth:`Model.trend` (:func:`over_time_section`)
_DRAWN_FROM = {"per_fraga": "compliance", "per_enhet": "by_enhet", "kon": "by_kon",
               "utredningstid": "utredningstid", "utredningstid_kon": "utredningstid"}


def _section_digest(frame: pd.DataFrame, labels: tuple[str, ...]) -> str:
    """A digest of everything a section shows: its *labels* and the rows of *frame* it is drawn from."""
    words = [*labels, *map(str, frame.columns), *map(str, frame.dtypes)]
    digest = hashlib.sha256("\x1f".join(words).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def figures(view: View) -> dict[str, Figure]:
    """The dashboard's figures for *view*, keyed by section id."""
    return {key: figure(view, key) for key, _ in SECTIONS}


def figure(view: View, key: str) -> Figure:
    """The figure of section *key* for *view*."""
    scope = f" – {view.filters.enhet}" if view.filters.enhet else ""
    by_kon = view.utredningstid.assign(group=view.utredningstid["kon"])
    if key == "per_fraga":
        return charts.compliance_figure(view.compliance, title=f"Andel ja per fråga{scope}")
    if key == "trend":
        return charts.run_chart_figure(view.trend, title=f"Seriediagram per fråga och tertial{scope}")
    if key == "per_enhet":
        return charts.heatmap_figure(view.by_enhet)
    if key == "kon":
        return charts.compliance_figure(view.by_kon, title="Andel ja per fråga och kön (alla enheter)")
    days, title = ((view.utredningstid, "Utredningstid, barn och unga") if key == "utredningstid"
                   else (by_kon, "Utredningstid per kön"))
    return charts.utredningstid_figure(days, limit_days=_FOUR_MONTHS_DAYS, title=f"{title}{scope}")


def signals(trend: pd.DataFrame, unit: str = "tertial") -> dict[str, str]:
    """Item text -> what the Anhøj rules say about its run chart (:func:`egenkontroll.charts.signal_text`)."""
    import sampling

    said = {}
    for item in trend["item"].unique():
        rows = trend[trend["item"] == item].sort_values("period")
        shown = rows["estimate"].where(~(rows["suppressed"].astype(bool) | (rows["n"] < charts.MIN_CASES)))
        said[str(rows["item_text"].iloc[0])] = charts.signal_text(sampling.runs_analysis(shown),
                                                                  charts.UNITS[unit])
    return said


def control_signals(trend: pd.DataFrame, unit: str = "tertial") -> dict[str, str]:
    """Item text -> which p-chart it is and which periods lie outside its limits
    (:func:`egenkontroll.charts.control_name`, :func:`egenkontroll.charts.outside_text`)."""
    said = {}
    for item in trend["item"].unique():
        rows = trend[trend["item"] == item].sort_values("period")
        limits = charts.control_limits(rows)
        text = charts.outside_text(limits, rows["period"].astype(str).tolist(), unit)
        named = text if limits is None else f"{charts.control_name(limits)}; {text}"
        said[str(rows["item_text"].iloc[0])] = named
    return said


# --------------------------------------------------------------------------- what the widgets show


def screen(model: Model, filters: Filters, over_time: tuple[str, ...] = OVER_TIME) -> Screen:
    """The widget contents for *filters*: HTML texts and the chart sections (SVG, alt text, table), and
    the charts over time of *over_time* (keys of :data:`~egenkontroll._views.OVER_TIME`).

    A section is drawn once per choice it depends on (the heat map and kön: checklist and period; the
    run charts: checklist and enhet), so that another enhet or period redraws only what changes, and
    never again in this process while the figures behind it stay the same (:func:`_drawn`).
    """
    view = model.view(filters)
    sections = {}
    for key, heading in SECTIONS:
        if key == "trend":  # the charts over time: per checklist and enhet (over_time_section)
            sections[key] = over_time_section(model, filters, OVER_TIME[0])
            continue
        scope = _scope(key, filters)
        if scope not in model._sections:
            model._sections[scope] = _drawn(key, heading, view)
        sections[key] = model._sections[scope]
    return Screen(
        key_figures=_tiles_html(tiles(view)),
        notes="".join(f"<p><em>{html.escape(note)}</em></p>" for note in view.notes),
        charts=sections,
        change=_change_html(view.change),
        deviations=_deviations_html(view.deviations),
        method=_method_html(view.compliance),
        over_time={key: over_time_section(model, filters, key) for key in over_time},
    )


def over_time_section(model: Model, filters: Filters, key: str) -> str:
    """The "trend" section for the chart over time *key* (``"manad/styr"``: p-charts per month), drawn
    once per checklist and enhet. Run charts per tertial are the section :func:`screen` shows first."""
    unit, kind = key.split("/")
    scope = _over_time_scope(filters, key)
    if scope not in model._sections:
        trend = model.trend(filters.checklist, filters.enhet, unit)
        heading = dict(SECTIONS)["trend"]
        name = "Seriediagram" if kind == "serie" else "Styrdiagram (p′)"
        title = f"{name} per fråga och {charts.UNITS[unit][0]}{_enhet_suffix(filters)}"
        model._sections[scope] = _remembered(trend, ("trend", heading, title),
                                             lambda: _over_time_html(trend, heading, title, unit, kind))
    return model._sections[scope]


def _over_time_html(trend: pd.DataFrame, heading: str, title: str, unit: str, kind: str) -> str:
    """The section of a run chart (*kind* "serie") or p-chart ("styr") of *trend* per *unit*."""
    draw = charts.run_chart_figure if kind == "serie" else charts.p_chart_figure
    said = signals(trend, unit) if kind == "serie" else control_signals(trend, unit)
    alt = f"Diagram: {title}. Siffrorna finns i tabellen under diagrammet."
    alt += "".join(f" {item} {text}." for item, text in said.items())
    table = _trend_table(trend, said) if kind == "serie" else _control_table(trend, said)
    return _section_html("trend", heading, charts.to_svg(draw(trend, title=title, unit=unit)), table, alt)


def _over_time_scope(filters: Filters, key: str) -> tuple[str, ...]:
    """The :attr:`Model._sections` key of the chart over time *key* of *filters*: its checklist and enhet."""
    return ("trend", key, filters.checklist, str(filters.enhet))


def _enhet_suffix(filters: Filters) -> str:
    return f" – {filters.enhet}" if filters.enhet else ""


def start_view(model: Model, stamp: str = "", first_screen: bool = True, prepare: bool = False) -> StartView:
    """The choices and the first screen (the first checklist, every period and enhet); *stamp*: the data's.

    With *first_screen* False the screen is left out (None) for the app to compute itself. With
    *prepare* the screens of the first checklist for each period alone and each enhet alone, and the
    first screen of every other checklist, are computed too (:attr:`StartView.prepared`): what
    ``egenkontroll dashboard`` keeps ready, so that these filter changes cost no computing in the
    dashboard's kernel. Prepared, the screens of every enhet hold every chart over time
    (:data:`~egenkontroll._views.OVER_TIME`), those of one enhet the charts per tertial (per month the
    estimates of every month of one enhet cost about as much as the rest of the screen; the app computes
    them when they are chosen); unprepared, the first screen holds the run charts per tertial only.
    """
    checklists = model.checklists()
    first = Filters(next(iter(checklists))) if checklists else None
    periods, enheter = model.periods(), model.enheter()
    prepared = None
    over_time = OVER_TIME if prepare else OVER_TIME[:1]  # in a hurry: the run charts per tertial only
    if prepare and first is not None and first_screen:
        choices = ([replace(first, period=p) for p in periods] + [replace(first, enhet=e) for e in enheter]
                   + [Filters(checklist) for checklist in checklists if checklist != first.checklist])
        prepared = {prepared_key(choice): screen(model, choice, _PREPARED_PER_ENHET if choice.enhet
                                                 else OVER_TIME) for choice in choices}
    return StartView(
        stamp=stamp, checklists=[(title, cid) for cid, title in checklists.items()], periods=periods,
        enheter=enheter, header=_header_html(model.data_date()), how_to_read=_how_to_read_html(),
        filters=first, screen=screen(model, first, over_time) if first and first_screen else None,
        prepared=prepared,
    )


#: the charts over time a prepared screen of one enhet holds (see :func:`start_view`)
_PREPARED_PER_ENHET = tuple(key for key in OVER_TIME if key.startswith("tertial/"))


_STYLE = """<style>
.ek-panel .widget-html { width: calc(100% - 4px); }  /* ipywidgets give every widget a 2px margin */
.ek-panel .widget-html-content { flex: 1 1 auto; min-width: 0; }
.ek-rutor { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 10px; }
.ek-ruta { border: 1px solid #5f6b77; border-left: 10px solid #5f6b77; border-radius: 6px; padding: 6px 12px;
  background: #fff; color: #000; line-height: 1.3; box-sizing: border-box; min-width: 0; }
.ek-antal { font-size: 17px; }
.ek-ruta-namn { font-size: 15px; }
.ek-ruta-tal { font-size: 28px; font-weight: bold; margin-top: 2px; }
.ek-ruta-tal .ek-ki { font-size: 17px; font-weight: normal; }
.ek-ruta-mal, .ek-ruta-forandring { font-size: 15px; margin-top: 2px; }
.ek-status { display: inline-block; font-size: 15px; font-weight: bold; padding: 2px 8px; border-radius: 4px;
  margin-top: 4px; color: #000; }
.ek-avsnitt h2 { margin-top: 12px; }
.ek-diagram { width: 100%; height: auto; display: block; }
.ek-avsnitt details { font-size: 15px; margin: 4px 0 12px; }
.ek-avsnitt summary { cursor: pointer; text-decoration: underline; color: #0b4f8a; }
.ek-tabell { border-collapse: collapse; font-size: 15px; }
.ek-tabell th, .ek-tabell td { border-bottom: 1px solid #ccc; padding: 3px 8px; text-align: left;
  vertical-align: top; }
.ek-enhetsval { font-size: 15px; margin: 4px 0 8px; }
.ek-enhetsval button { font-size: 15px; padding: 3px 10px; margin: 2px 6px 2px 0; border: 1px solid #0b4f8a;
  border-radius: 4px; background: #fff; color: #0b4f8a; cursor: pointer; }
.ek-panel select:focus-visible, .ek-avsnitt summary:focus-visible, .ek-utskrift:focus-visible,
.ek-enhetsval button:focus-visible {
  outline: 3px solid #0b4f8a; outline-offset: 2px; }
.ek-utskrift { font-size: 15px; padding: 4px 14px; margin: 2px 8px; border: 1px solid #0b4f8a;
  border-radius: 4px; background: #fff; color: #0b4f8a; cursor: pointer; }
.ek-valt { display: none; }
@media print {
  @page { size: A4 portrait; margin: 14mm 12mm; }
  /* Voilà's page is a Lumino shell of absolutely placed, fixed-height panels: let it flow onto pages */
  html, body, .jp-LabShell, .lm-BoxPanel, .lm-BoxPanel-child, .jp-OutputArea-child {
    position: static !important; width: auto !important; height: auto !important; max-height: none !important;
    overflow: visible !important; contain: none !important; }
  .jp-OutputArea-child, .jp-OutputArea-output { display: block !important; }  /* a table cell breaks badly */
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output {
    break-inside: auto !important; }  /* JupyterLab keeps a cell on one page: the panel is longer */
  .ek-filterrad, .ek-raknar, .ek-avsnitt summary, .ek-enhetsval { display: none !important; }
  .ek-valt { display: block; font-size: 15px; font-weight: bold; }
  .ek-panel .widget-gridbox { display: block !important; }
  .ek-avsnitt, .ek-ruta { break-inside: avoid; }
  .ek-panel h2 { break-after: avoid; }
}
</style>"""


def _header_html(data_date: str) -> str:
    return (f'{_STYLE}<h1 style="margin-bottom:0">Egenkontroll – journalgranskning</h1>'
            f'<p style="font-size:17px">{html.escape(data_date)}</p>')


def _how_to_read_html() -> str:
    paragraph = '<p style="font-size:17px;max-width:1100px">'
    return (f"<h2>Så läser du diagrammen</h2>{paragraph}{html.escape(HOW_TO_READ)}</p>"
            f"{paragraph}<strong>Trafikljus.</strong> {html.escape(results.TRAFFIC_LIGHT_RULE)}</p>")


def _tiles_html(shown: list[Tile]) -> str:
    """The counts on one line, then a tile per figure that has a goal."""
    counts = " · ".join(f"{html.escape(tile.label)}: <strong>{html.escape(tile.value)}</strong>"
                        for tile in shown if not tile.goal)
    boxes = "".join(_tile_html(tile) for tile in shown if tile.goal)
    return (f'<h2>Nyckeltal</h2><p class="ek-antal">{counts}</p>'
            f'<div class="ek-rutor" role="list">{boxes}</div>')


def _tile_html(tile: Tile) -> str:
    colour = charts.TRAFFIC_LIGHT_COLOURS.get(tile.status or "", "#5f6b77")
    interval = f' <span class="ek-ki">({html.escape(tile.interval)})</span>' if tile.interval else ""
    parts = [f'<div class="ek-ruta-namn">{html.escape(tile.label)}</div>',
             f'<div class="ek-ruta-tal">{html.escape(tile.value)}{interval}</div>']
    if tile.goal:
        parts.append(f'<div class="ek-ruta-mal">Mål {html.escape(tile.goal)}</div>')
    if tile.goal and tile.value != charts.SUPPRESSED_TEXT:
        text = STATUS_TEXTS.get(tile.status or "", _NO_STATUS)
        parts.append(f'<div class="ek-status" style="background:{colour}">{html.escape(text)}</div>')
    if tile.change:
        parts.append(f'<div class="ek-ruta-forandring">{html.escape(tile.change)}</div>')
    return f'<div class="ek-ruta" role="listitem" style="border-left-color:{colour}">{"".join(parts)}</div>'


def _section_html(key: str, heading: str, svg: bytes, table: str, alt: str, choices: str = "") -> str:
    """One chart section: heading, *choices* (HTML above the chart), the chart as SVG with its alt text,
    and the table behind it."""
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return (f'<section class="ek-avsnitt" aria-labelledby="ek-rubrik-{key}">'
            f'<h2 id="ek-rubrik-{key}">{html.escape(heading)}</h2>{choices}'
            f'<img class="ek-diagram" src="{source}" alt="{html.escape(alt)}">'
            f"<details><summary>Visa tabellen bakom diagrammet</summary>{table}</details></section>")


#: a heat map button's click: the Enhet dropdown takes the button's enhet and tells the kernel, as when the
#: enhet is chosen there; the focus goes to the dropdown, at the top with the enhet's tiles
_CHOOSE_ENHET = (f"const choice = document.querySelector('.{ENHET_FILTER_CLASS} select'); "
                 "if (choice && Array.from(choice.options).some(o => o.value === this.dataset.enhet)) { "
                 "choice.value = this.dataset.enhet; "
                 "choice.dispatchEvent(new Event('change', {bubbles: true})); choice.focus(); }")


def _enhet_buttons_html(by_enhet: pd.DataFrame) -> str:
    """The heat map's drill-down: a button per enhet of the heat map ("Visa Vuxenenheten"), in its column
    order, that chooses that enhet in the Enhet filter, so that its tiles and run charts show."""
    if by_enhet.empty:
        return ""
    click = html.escape(_CHOOSE_ENHET)
    buttons = "".join(f'<button type="button" data-enhet="{html.escape(str(enhet))}" onclick="{click}">'
                      f"Visa {html.escape(charts.group_name(enhet))}</button>"
                      for enhet in charts.heatmap_values(by_enhet).index)
    return (f'<div class="ek-enhetsval" role="group" aria-label="Visa en enhets nyckeltal och seriediagram">'
            f"<span>Visa en enhets nyckeltal och seriediagram:</span> {buttons}</div>")


def _alt_text(key: str, heading: str, view: View) -> str:
    scope = f" – {view.filters.enhet}" if view.filters.enhet and key in _PER_ENHET else ""
    return f"Diagram: {heading}{scope}. Siffrorna finns i tabellen under diagrammet."


_TABLE_COLUMNS = ["Fråga", "Grupp", "Period", "Andel", "95 % KI", "Mål", "Status", "Ja", "Besvarade"]


def _chart_table(key: str, view: View) -> str:
    """The figures behind a chart as an HTML table (suppressed figures "–", as everywhere)."""
    if key.startswith("utredningstid"):
        days = view.utredningstid if key == "utredningstid" else view.utredningstid.assign(
            group=view.utredningstid["kon"])
        return _table_html(_utredningstid_table(days))
    frame = {"per_fraga": view.compliance, "per_enhet": view.by_enhet, "kon": view.by_kon}[key]
    if frame.empty:
        return _NO_CASES
    shown = _results_table(frame)
    if key == "per_fraga":
        shown = shown.drop(columns=["Grupp"], errors="ignore")
    group = {"per_enhet": "Enhet", "kon": "Kön"}.get(key, "Grupp")
    return _table_html(shown.rename(columns={"Grupp": group}))


_NO_CASES = "<p>Inga granskade ärenden för valet.</p>"


def _results_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`egenkontroll.results.for_display` of *frame* with the status in words and spoken periods."""
    shown = results.for_display(frame)
    shown["Status"] = [status if status else ("Faktafråga (inget mål)" if charts.is_fact(goal) else "–")
                       for status, goal in zip(shown["Status"], frame["goal"], strict=True)]
    if "Period" in shown:
        shown["Period"] = shown["Period"].map(spoken_period)
    return shown[[column for column in _TABLE_COLUMNS if column in shown.columns]]


def _said_html(said: dict[str, str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(item)}: {html.escape(text)}</li>"
                            for item, text in said.items()) + "</ul>"


def _trend_table(trend: pd.DataFrame, said: dict[str, str]) -> str:
    """The run charts' figures per item and period, after what the Anhøj rules say of each item."""
    if trend.empty:
        return _NO_CASES
    return _said_html(said) + _table_html(_results_table(trend).drop(columns=["Grupp"], errors="ignore"))


_CONTROL_COLUMNS = ["Fråga", "Period", "Ja", "Besvarade", "Andel (ovägd)", "Nedre styrgräns", "Medelvärde",
                    "Övre styrgräns", "Utanför styrgränserna"]


def _control_table(trend: pd.DataFrame, said: dict[str, str]) -> str:
    """The p-charts' figures per item and period (a suppressed period "–"), after what each chart says."""
    if trend.empty:
        return _NO_CASES
    rows = [row for item in trend["item"].unique()
            for row in _control_rows(trend[trend["item"] == item].sort_values("period"))]
    return _said_html(said) + _table_html(pd.DataFrame(rows, columns=_CONTROL_COLUMNS))


def _control_rows(rows: pd.DataFrame) -> list[list[str]]:
    """One item's rows of the p-chart table: a period left out of the chart shows "–" but its count."""
    limits = charts.control_limits(rows)
    missing = np.full(len(rows), np.nan)
    p, lower, centre, upper = ((limits.p, limits.lower, limits.centre, limits.upper) if limits is not None
                               else (missing,) * 4)
    flagged = charts.outside(limits) if limits is not None else np.zeros(len(rows), dtype=bool)
    table = []
    for number, row in enumerate(rows.itertuples(index=False)):
        shown = not np.isnan(p[number])
        table.append([row.item_text, spoken_period(str(row.period)),
                      str(row.k) if shown else charts.SUPPRESSED_TEXT, _shown_count(int(row.n)),
                      *(charts.percent_text(float(array[number]), 1) if shown else charts.SUPPRESSED_TEXT
                        for array in (p, lower, centre, upper)),
                      ("ja" if flagged[number] else "nej") if shown else charts.SUPPRESSED_TEXT])
    return table


def _utredningstid_table(days: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for group, chosen in days.groupby("group", sort=False):
        hidden = len(chosen) < charts.MIN_CASES
        rows.append({
            "Grupp": charts.group_name(group), "Utredningar": _shown_count(len(chosen)),
            "Median (dagar)": charts.SUPPRESSED_TEXT if hidden
            else charts.decimal_text(chosen["days"].median(), 0),
            "Avslutade efter 4 månader": charts.SUPPRESSED_TEXT if hidden
            else charts.percent_text(float(chosen["over_limit"].mean())),
        })
    return pd.DataFrame(rows, columns=["Grupp", "Utredningar", "Median (dagar)", "Avslutade efter 4 månader"])


def _table_html(frame: pd.DataFrame) -> str:
    head = "".join(f'<th scope="col">{html.escape(str(name))}</th>' for name in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f'<table class="ek-tabell"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_WRAPS = ("nowrap", "nowrap", "normal", "normal")


def _change_html(change: pd.DataFrame) -> str:
    """The table of change against the previous period (empty text when there is none to show)."""
    if change.empty or not (change["n_previous"] > 0).any():  # nothing to compare with
        return ""
    first = change.iloc[0]
    names = ("Fråga", spoken_period(str(first["previous"])), spoken_period(str(first["period"])),
             "Förändring (procentenheter)", "p-värde")
    head = "".join(f'<th scope="col" style="text-align:left;padding:4px 10px">{html.escape(name)}</th>'
                   for name in names)
    rows = "".join(f"<tr>{''.join(_cell(value) for value in _change_row(row))}</tr>"
                   for row in change.itertuples(index=False) if row.n > 0 or row.n_previous > 0)
    explanation = ("Förändringen är i procentenheter. p-värdet kommer från Fishers exakta test på antalen "
                   "ja och nej i de två perioderna (ovägda): ett litet p-värde, under 0,05, talar för att "
                   "förändringen inte bara är slumpen, och då kallas den säkerställd. Med många frågor "
                   "blir något p-värde litet av en slump då och då, så se på helheten och på "
                   "seriediagrammen per tertial. Perioder med färre än "
                   f"{results.SUPPRESSION_LIMIT} ärenden redovisas inte.")
    return ("<h2>Förändring mot föregående period</h2>"
            f'<table class="ek-forandring" style="font-size:16px"><tr>{head}</tr>{rows}</table>'
            f'<p style="font-size:15px;max-width:1100px">{html.escape(explanation)}</p>')


def _change_row(row: Any) -> tuple[str, str, str, str, str]:
    if row.suppressed:
        hidden = charts.SUPPRESSED_TEXT
        return row.item_text, hidden, hidden, hidden, hidden
    p_value = "–" if pd.isna(row.p_value) else f"{row.p_value:.2f}".replace(".", ",")
    return (row.item_text, charts.percent_text(row.estimate_previous), charts.percent_text(row.estimate),
            _points(row.difference), p_value)


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
    head = "".join(f'<th scope="col" style="text-align:left;padding:4px 10px">{name}</th>'
                   for name in ("Datum", "Enhet", "Fråga", "Kommentar"))
    return f'<table class="ek-avvikelser" style="font-size:16px"><tr>{head}</tr>{rows}</table>'


def _method_html(compliance: pd.DataFrame) -> str:
    methods = sorted({results.METHOD_NAMES.get(m, m) for m in compliance["method"].dropna()})
    named = ", ".join(methods) or "–"
    text = (f"Metod: slumpmässigt urval per granskningstillfälle; andelar och 95 % konfidensintervall "
            f"med {named}. Resultat som bygger på färre än {results.SUPPRESSION_LIMIT} ärenden visas inte.")
    return f'<h2>Metod</h2><p style="font-size:16px">{html.escape(text)}</p>'

