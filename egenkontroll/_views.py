"""What the dashboard shows, as plain data: the filter choice, the screen, the start view, the sections.

Both halves of the dashboard use these types: :mod:`egenkontroll._panel` fills them and
:mod:`egenkontroll.dashboard` shows and stores them. Nothing here imports pandas, so that a stored
start view is shown without the heavy libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    "urval, och har därför inget intervall. Seriediagrammen visar varje fråga per tertial med medianen "
    "som mittlinje; en ovanligt lång serie på samma sida om medianen eller ovanligt få korsningar av den "
    "är en signal om att något har förändrats, mer än slumpen förklarar (Anhøjs regler). Med valet "
    "Styrdiagram (p′) visas i stället medelvärdet och styrgränser, som är vidare för en period med få "
    "ärenden; en punkt utanför gränserna är en signal. Varierar perioderna mer än urvalet förklarar "
    "(överspridning) vidgas gränserna med Laneys metod (p′). Diagrammen kan visas per tertial eller per "
    "månad. Grå staplar och "
    "rutor är faktafrågor: de mäter inte följsamhet och har inget mål. Under varje diagram finns tabellen "
    "med siffrorna."
)
#: the class of the Enhet dropdown, which the heat map's enhet buttons set (drill-down from the heat map)
ENHET_FILTER_CLASS = "ek-valj-enhet"
#: the chart sections: (key of :func:`egenkontroll._panel.figures`, heading)
SECTIONS = (
    ("per_fraga", "Andel ja per fråga"),
    ("trend", "Utveckling över tid"),
    ("per_enhet", "Per enhet och fråga"),
    ("utredningstid", "Utredningstid"),
    ("kon", "Per kön"),
    ("utredningstid_kon", "Utredningstid per kön"),
)

#: the charts over time (the "trend" section) per tertial or month: (key, the choice's label)
OVER_TIME_UNITS = (("tertial", "Tertial"), ("manad", "Månad"))
#: ... as run charts or p-charts: (key, the choice's label)
OVER_TIME_KINDS = (("serie", "Seriediagram"), ("styr", "Styrdiagram (p′)"))


def over_time_key(unit: str, kind: str) -> str:
    """The key of a chart over time in :attr:`Screen.over_time`: ``"manad/styr"``."""
    return f"{unit}/{kind}"


#: every chart over time, the first the one ``Screen.charts["trend"]`` holds (run charts per tertial)
OVER_TIME = tuple(over_time_key(unit, kind) for unit, _ in OVER_TIME_UNITS for kind, _ in OVER_TIME_KINDS)


@dataclass(frozen=True)
class Filters:
    """A filter choice; None means every period, every enhet."""

    checklist: str
    period: str | None = None
    enhet: str | None = None


@dataclass(frozen=True)
class Screen:
    """What the widgets show for one filter choice: HTML texts; ``charts`` keyed as :data:`SECTIONS`, each
    the section's HTML (heading, the chart as SVG with its alt text, the table behind it); ``over_time``
    the "trend" section per choice of :data:`OVER_TIME` computed so far (a start view's screens hold
    all of them, a screen the dashboard's kernel computes the one chosen)."""

    key_figures: str
    notes: str
    change: str
    charts: dict[str, str]
    deviations: str
    method: str
    over_time: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StartView:
    """The dropdowns' choices, the fixed texts, and the :class:`Screen` of the first choice.

    ``filters`` and ``screen`` are None when the workspace has no granskningar; ``stamp`` says which
    data, day and program version the view was computed from; ``loop`` is the section on the
    egenkontrollplan, the åtgärder and the risks (:mod:`egenkontroll._loop_panel`), the same whatever
    the filters. ``prepared`` holds the screens of the first checklist for each period alone and each
    enhet alone, and the first screen of every other checklist, keyed by :func:`prepared_key`, so that
    the commonest filter changes are shown at once; None when they were not computed (a start view the
    dashboard's kernel computed itself, in a hurry), empty when there is nothing to prepare.
    """

    stamp: str
    checklists: list[tuple[str, str]]
    periods: list[str]
    enheter: list[str]
    header: str
    how_to_read: str
    filters: Filters | None
    screen: Screen | None
    loop: str = ""
    prepared: dict[str, Screen] | None = None


def prepared_key(filters: Filters) -> str:
    """The key of *filters*' screen in :attr:`StartView.prepared` ("checklist|period|enhet")."""
    return f"{filters.checklist}|{filters.period or ''}|{filters.enhet or ''}"


def prepared_filters(key: str) -> Filters:
    """The filter choice of a :func:`prepared_key` (its inverse)."""
    checklist, period, enhet = key.split("|", 2)
    return Filters(checklist, period=period or None, enhet=enhet or None)
