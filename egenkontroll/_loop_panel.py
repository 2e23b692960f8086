"""The dashboard's section on the quality loop: the egenkontrollplan, the åtgärdsplan and the riskanalys.

:func:`loop_view` reads the loop's state on a day (the dashboard's per_datum) and :func:`section_html`
turns it into the section the dashboard shows below its charts, whatever the filters say (the plan, the
actions and the risks belong to the whole verksamhet):

- tiles, in the dashboard's colour language (colour, icon and word): the plan of the per_datum's year
  ("Egenkontrollplan 2026: 5 av 6 genomförda, 1 försenad", :func:`egenkontroll.yearplan.plan_summary`),
  the actions not yet closed and how many of them are försenade, the actions whose effect a follow-up
  confirmed or did not, and the risks;
- the actions not yet closed, the försenade first, by the deviation they answer and their ansvarig;
- the actions whose effect was followed up, with the follow-up's own words;
- the risk matrix, 4x4 (sannolikhet x konsekvens), each cell coloured by its band and saying the band
  in words and the number of risks in it (never colour alone), with the table behind it one click away.

Privacy: no client data. An action is named by what it answers: the checklist item or register
indicator that fell short, or the kind of a free-text deviation (avvikelse, klagomål, lex Sarah) and the
item that follows it, never the free text itself, which may describe a client even without a
personnummer. Ansvarig is a role or a named employee who owns the action, as the plan names its owner.
Every text is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from egenkontroll import _panel, actions, charts, checklists, risks, yearplan
from egenkontroll.periods import spoken_period
from egenkontroll.store import Source

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BAND_COLOURS", "SECTION_KEY", "LoopView", "loop_view", "open_actions", "followed_actions",
           "risk_matrix_figure", "section_html"]

#: risk band -> its colour: the traffic lights' green, amber and red with an orange between amber and red,
#: each readable with black text and lighter or darker than its neighbours in greyscale
BAND_COLOURS = {"låg": "#4CAF50", "medel": "#FFC107", "hög": "#FB8C00", "mycket hög": "#E53935"}
#: the id of the risk matrix's section (its heading is ``ek-rubrik-riskmatris``)
SECTION_KEY = "riskmatris"
_HEADING = "Egenkontrollplan, åtgärder och risker"
_MATRIX_HEADING = "Riskmatris"
_EFFECT_WORDS = {actions.EFFECT_SHOWN: "✓ Effekt uppnådd", actions.EFFECT_NOT_SHOWN: "✗ Effekt ej uppnådd"}
_OVERDUE_WORDS = "⚠ Försenad"
#: the section's own look, beside the dashboard's (a details summary like the charts' own, the matrix no
#: wider than a chart in two columns)
_STYLE = """<style>
.ek-kretslopp details { font-size: 15px; margin: 4px 0 12px; }
.ek-kretslopp summary { cursor: pointer; text-decoration: underline; color: #0b4f8a; }
.ek-kretslopp summary:focus-visible { outline: 3px solid #0b4f8a; outline-offset: 2px; }
.ek-kretslopp h3 { font-size: 18px; margin: 14px 0 4px; }
.ek-riskmatris { max-width: 1100px; }
</style>"""
_BAND_RULE = ("Riskvärdet är sannolikhet gånger konsekvens, båda på en skala 1–4. Nivåer: låg 1–3, "
              "medel 4–6, hög 8–9, mycket hög 12–16.")


@dataclass(frozen=True)
class LoopView:
    """The loop's state on a day.

    Attributes
    ----------
    plan
        The summary of the plan of ``plan.year`` on ``plan.as_of``.
    plan_rows
        :func:`egenkontroll.yearplan.plan_status` of that year.
    actions
        :func:`egenkontroll.actions.actions_table` on that day.
    risks
        :func:`egenkontroll.risks.risks_table`.
    matrix
        :func:`egenkontroll.risks.risk_matrix`: counts, konsekvens 4..1 by sannolikhet 1..4.
    """

    plan: yearplan.PlanSummary
    plan_rows: pd.DataFrame
    actions: pd.DataFrame
    risks: pd.DataFrame
    matrix: pd.DataFrame

    @property
    def empty(self) -> bool:
        """Whether nothing of the loop is recorded (no plan row in any year, no action, no risk)."""
        return self.plan.planned == 0 and self.actions.empty and self.risks.empty


def loop_view(source: Source, as_of: dt.date) -> LoopView:
    """The loop's state on *as_of*; the plan is that of *as_of*'s year."""
    return LoopView(plan=yearplan.plan_summary(source, as_of.year, as_of),
                    plan_rows=yearplan.plan_status(source, as_of.year, as_of),
                    actions=actions.actions_table(source, as_of), risks=risks.risks_table(source),
                    matrix=risks.risk_matrix(source))


def open_actions(table: pd.DataFrame) -> pd.DataFrame:
    """The actions not yet closed (planerad, pågår, or genomförd with its effect not yet followed up),
    the försenade first, then by deadline."""
    chosen = table[table["status"].isin((*actions.OPEN_STATUSES, actions.DONE))]
    return chosen.sort_values(["overdue", "deadline", "id"], ascending=[False, True, True], kind="stable")


def followed_actions(table: pd.DataFrame) -> pd.DataFrame:
    """The actions whose effect a follow-up confirmed or did not, by id."""
    return table[table["status"].isin(tuple(_EFFECT_WORDS))]


# --------------------------------------------------------------------------- the risk matrix


def risk_matrix_figure(matrix: pd.DataFrame) -> Figure:
    """The 4x4 risk matrix: sannolikhet across, konsekvens up; each cell in its band's colour, with the
    band in words and the number of risks in it."""
    figure = charts._figure(5.6)
    with charts._rc():
        axes = figure.add_subplot()
        for konsekvens in matrix.index:
            for sannolikhet in matrix.columns:
                name = risks.band(int(sannolikhet) * int(konsekvens))
                axes.add_patch(_cell(sannolikhet, konsekvens, BAND_COLOURS[name]))
                count = int(matrix.loc[konsekvens, sannolikhet])
                axes.text(sannolikhet, konsekvens, f"{name.replace(' ', chr(10))}\n{_risk_count(count)}",
                          ha="center", va="center", fontsize=13, fontweight="bold" if count else "normal",
                          color="black")
        axes.set_xlim(0.5, 4.5)
        axes.set_ylim(0.5, 4.5)
        axes.set_aspect("equal")
        axes.set_xticks(list(risks.SCALE))
        axes.set_yticks(list(risks.SCALE))
        axes.set_xlabel("Sannolikhet (1 = lägst, 4 = högst)")
        axes.set_ylabel("Konsekvens (1 = lägst, 4 = högst)")
        axes.tick_params(length=0)
        axes.spines[:].set_visible(False)
        axes.set_title("Antal risker per sannolikhet och konsekvens", loc="left")
        axes.legend(handles=[_cell(0, 0, colour, label=f"{name} ({_band_values(name)})")
                             for name, colour in reversed(BAND_COLOURS.items())],
                    loc="upper left", bbox_to_anchor=(1.04, 1), title="Nivå (riskvärde)", frameon=False)
    return figure


def _cell(sannolikhet: float, konsekvens: float, colour: str, label: str | None = None):
    from matplotlib.patches import Rectangle

    return Rectangle((sannolikhet - 0.5, konsekvens - 0.5), 1, 1, facecolor=colour, edgecolor="white",
                     linewidth=3, label=label)


def _risk_count(count: int) -> str:
    return "1 risk" if count == 1 else f"{count} risker"


def _band_values(name: str) -> str:
    values = risks.BANDS[name]
    return f"{values[0]}–{values[-1]}"


# --------------------------------------------------------------------------- HTML


def section_html(view: LoopView) -> str:
    """The dashboard's loop section: the tiles, the open actions, the followed-up effects and the matrix."""
    heading = f'{_STYLE}<h2 id="ek-rubrik-kretslopp">{_HEADING}</h2>'
    scope = ('<p class="ek-antal">Gäller hela verksamheten, oavsett filtren ovan; planen för '
             f"{view.plan.year}, läget per {view.plan.as_of:%Y-%m-%d}.</p>")
    if view.empty:
        return (f'<section class="ek-kretslopp" aria-labelledby="ek-rubrik-kretslopp">{heading}{scope}'
                f"<p>{html.escape(view.plan.text)}. Inga åtgärder och inga risker är registrerade.</p>"
                "</section>")
    return (f'<section class="ek-kretslopp" aria-labelledby="ek-rubrik-kretslopp">{heading}{scope}'
            f"{_tiles_html(view)}{_plan_html(view)}{_open_html(view.actions)}"
            f"{_effect_html(view.actions)}{_matrix_html(view)}</section>")


def _tiles_html(view: LoopView) -> str:
    table = view.actions
    still_open, followed = open_actions(table), followed_actions(table)
    overdue = int(still_open["overdue"].sum())
    shown = int((followed["status"] == actions.EFFECT_SHOWN).sum())
    tiles = []
    if view.plan.planned:
        tiles.append(_panel.Tile(f"Egenkontrollplan {view.plan.year}",
                                 f"{view.plan.done} av {view.plan.planned} genomförda", goal="0 försenade",
                                 status="röd" if view.plan.overdue else "grön",
                                 change=_counts(view.plan_rows["status"], _PLAN_ORDER) or "alla genomförda"))
    tiles.append(_panel.Tile("Åtgärder som inte är avslutade", str(len(still_open)), goal="0 försenade",
                             status="röd" if overdue else "grön",
                             change=_counted(overdue, actions.OVERDUE)))
    tiles.append(_panel.Tile(
        "Åtgärder med uppföljd effekt", f"{shown} av {len(followed)}" if len(followed) else "0",
        change=(f"{shown} med effekt uppnådd, {len(followed) - shown} med effekt ej uppnådd" if len(followed)
                else "ingen åtgärd uppföljd ännu")))
    tiles.append(_panel.Tile("Risker i riskanalysen", str(len(view.risks)),
                             change=_counts(view.risks["band"], tuple(reversed(BAND_COLOURS)))))
    sentence = (f"{view.plan.text}. Åtgärder: {len(still_open)} inte avslutade, "
                f"{_counted(overdue, actions.OVERDUE)}.")
    return (f'<p class="ek-antal ek-plan-summering"><strong>{html.escape(sentence)}</strong></p>'
            f'<div class="ek-rutor ek-kretslopp-rutor" role="list">'
            f'{"".join(_panel._tile_html(tile) for tile in tiles)}</div>')


#: the plan's statuses as the plan tile counts them
_PLAN_ORDER = (yearplan.OVERDUE, yearplan.UNDER_WAY, yearplan.PLANNED)
#: a status word in the plural, for counts other than one
_PLURALS = {"försenad": "försenade", "planerad": "planerade", "genomförd": "genomförda"}


def _counted(count: int, word: str) -> str:
    """"1 försenad", "2 försenade", "0 försenade"."""
    return f"{count} {word if count == 1 else _PLURALS.get(word, word)}"


def _counts(values: pd.Series, order: tuple[str, ...]) -> str:
    """How many of *values* are each word of *order*, those present only: "2 försenade, 1 planerad"."""
    counts = values.value_counts()
    return ", ".join(_counted(int(counts[word]), word) for word in order if word in counts)


def _plan_html(view: LoopView) -> str:
    rows = view.plan_rows
    if rows.empty:
        return ""
    shown = pd.DataFrame({
        "Period": rows["period"].map(spoken_period),
        "Checklista": rows["checklist_id"].map(checklists.title_of),
        "Enhet": rows["enhet"].fillna("alla"), "Ansvarig": rows["ansvarig"], "Sista dag": rows["deadline"],
        "Granskade akter": [f"{done} av {drawn}" if drawn else f"– (planerat {planned})"
                            for done, drawn, planned in rows[["reviewed", "drawn", "planned_n"]].itertuples(
                                index=False)],
        "Status": [_OVERDUE_WORDS if status == yearplan.OVERDUE else status.capitalize()
                   for status in rows["status"]],
    })
    return (f"<details class=\"ek-kretslopp-plan\"><summary>Visa egenkontrollplanen för {view.plan.year}"
            f"</summary>{_panel._table_html(shown)}</details>")


def _open_html(table: pd.DataFrame) -> str:
    chosen = open_actions(table)
    heading = "<h3>Åtgärder som inte är avslutade</h3>"
    if chosen.empty:
        return f"{heading}<p>Inga öppna åtgärder.</p>"
    shown = pd.DataFrame({
        "Avvikelse": chosen["deviation_name"],
        "Åtgärd": chosen["action"], "Ansvarig": chosen["ansvarig"], "Sista dag": chosen["deadline"],
        "Status": [_OVERDUE_WORDS if overdue else status.capitalize()
                   for overdue, status in zip(chosen["overdue"], chosen["status"], strict=True)],
    })
    return f'{heading}<div class="ek-kretslopp-atgarder">{_panel._table_html(shown)}</div>'


def _effect_html(table: pd.DataFrame) -> str:
    chosen = followed_actions(table)
    heading = "<h3>Åtgärdernas effekt</h3>"
    if chosen.empty:
        return f"{heading}<p>Ingen åtgärd har följts upp mot en senare mätning ännu.</p>"
    shown = pd.DataFrame({
        "Avvikelse": chosen["deviation_name"],
        "Åtgärd": chosen["action"], "Ansvarig": chosen["ansvarig"],
        "Effekt": chosen["status"].map(_EFFECT_WORDS),
        "Uppföljning": chosen["effect_note"].fillna("–").str.replace("\n", " · "),  # one line per figure
    })
    return f'{heading}<div class="ek-kretslopp-effekt">{_panel._table_html(shown)}</div>'


def _matrix_html(view: LoopView) -> str:
    if view.risks.empty:
        return f"<h3>{_MATRIX_HEADING}</h3><p>Inga risker är registrerade.</p>"
    svg = charts.to_svg(risk_matrix_figure(view.matrix))
    section = _panel._section_html(SECTION_KEY, _MATRIX_HEADING, svg, _matrix_table(view),
                                   _matrix_alt(view))
    return f'<div class="ek-riskmatris">{section}</div>'


def _matrix_alt(view: LoopView) -> str:
    counted = _counts(view.risks["band"], tuple(reversed(BAND_COLOURS)))
    return (f"Diagram: riskmatris med {len(view.risks)} risker efter sannolikhet och konsekvens ({counted}). "
            "Siffrorna finns i tabellen under diagrammet.")


def _matrix_table(view: LoopView) -> str:
    matrix = view.matrix
    cells = pd.DataFrame(
        [[f"{konsekvens}"] + [f"{risks.band(int(s) * int(konsekvens))}: {int(matrix.loc[konsekvens, s])}"
                              for s in matrix.columns] for konsekvens in matrix.index],
        columns=["Konsekvens", *(f"Sannolikhet {s}" for s in matrix.columns)])
    listed = pd.DataFrame({
        "Risk": view.risks["title"], "Sannolikhet": view.risks["sannolikhet"],
        "Konsekvens": view.risks["konsekvens"], "Riskvärde": view.risks["value"], "Nivå": view.risks["band"],
        "Ansvarig": view.risks["ansvarig"].fillna("–"),
        "Bevakas av": view.risks["watched_by"].replace("", "–"),
        "Åtgärder": [", ".join(str(number) for number in linked) or "–" for linked in view.risks["actions"]],
    })
    return (f"<p>{html.escape(_BAND_RULE)}</p>{_panel._table_html(cells)}"
            f"<p>Riskerna, högst riskvärde först:</p>{_panel._table_html(listed)}")
