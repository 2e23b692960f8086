"""A synthetic case register shaped like a mid-size municipality's export (for demos and tests).

The register covers fixed dates so that the demo never depends on today's date: cases come in
from :data:`PERIOD_START` (2024-01-01) to :data:`EXPORT_DATE` (2026-10-31), the day the export
is "taken"; anything that would happen after it (a decision, a closed investigation) is left
empty, as in a real export. Everything is drawn from ``numpy.random.Generator(PCG64(seed))``.

Shape: six enheter, 40 handläggare (each in one enhet), four case types in the source system's
wording; utredningstid for children around 100 days with a long (lognormal) tail;
about 85 % of förhandsbedömningar within 14 days; adult clients with children in about a third
of cases; timeliness that improves slowly over the years. Personnummer are synthetic:
födelsenummer 980-999 with a correct check digit, about 3 % of adults with samordningsnummer.

:func:`build_loop` adds the quality loop to a demo workspace whose granskningar
:func:`egenkontroll.simulate.simulate_reviews` has made: the egenkontrollplan of the export's year (a row
per checklist and tertial, linked to its granskning, and one extra granskning that was never drawn, so
one row is försenad), actions from deviations, and risks. Two actions are followed up through the real
rule (:mod:`egenkontroll.effect`): barnets bästa, which fell short in 2025-T2, shows a säkerställd
improvement in 2026-T3 (effekt uppnådd); the question about violence, short in 2025-T3, rises in 2026-T3
by less than chance could explain (effekt ej uppnådd). The simulated rates make this so
(:data:`egenkontroll.simulate.RATES`); nothing is forced.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from openpyxl import Workbook

from egenkontroll import _loopstore, actions, case_table, effect, personnummer, risks, store, yearplan
from egenkontroll.periods import Period, parse_period

__all__ = ["PERIOD_START", "EXPORT_DATE", "HEADINGS", "generate_register", "write_export_xlsx", "build_loop"]

PERIOD_START: Final = dt.date(2024, 1, 1)
EXPORT_DATE: Final = dt.date(2026, 10, 31)

#: canonical meaning -> the heading the demo export uses (all recognised by the generic profile)
HEADINGS: Final[dict[str, str]] = {
    "arende_id": "Ärendenummer",
    "personnummer": "Personnummer",
    "enhet": "Enhet",
    "handlaggare": "Handläggare",
    "arendetyp": "Verksamhet",
    "inkom_datum": "Inkom",
    "forhandsbedomning_datum": "Förhandsbedömning",
    "pagaende_utredning": "Pågående utredning",
    "utredning_inledd": "Utredning inledd",
    "utredning_avslutad": "Utredning avslutad",
    "forlangning_beslutad": "Förlängning",
    "beslut_datum": "Beslut",
    "verkstallt_datum": "Verkställt",
    "barn_i_hushallet": "Barn i hushållet",
    "status": "Ärendestatus",
}

#: enhet, case type, handläggare code prefix, number of handläggare
_ENHETER: Final = (
    ("Barn och unga Norr", "barn_och_unga", "BUN", 8),
    ("Barn och unga Söder", "barn_och_unga", "BUS", 8),
    ("Vuxenenheten", "vuxen_missbruk", "VUX", 6),
    ("Ekonomiskt bistånd Norr", "ekonomiskt_bistand", "EBN", 7),
    ("Ekonomiskt bistånd Söder", "ekonomiskt_bistand", "EBS", 7),
    ("Våld i nära relationer", "vald_i_nara_relation", "VNR", 4),
)
_WORDING: Final = {
    "barn_och_unga": "Barn och ungdom",
    "vuxen_missbruk": "Missbruk vuxna",
    "ekonomiskt_bistand": "Ekonomiskt bistånd",
    "vald_i_nara_relation": "Våld i nära relation",
}
_CASE_MIX: Final = {
    "barn_och_unga": 0.40,
    "ekonomiskt_bistand": 0.35,
    "vuxen_missbruk": 0.15,
    "vald_i_nara_relation": 0.10,
}
#: per case type: share investigated, median and log-sd of utredningstid (days),
#: share of closed investigations leading to a favourable decision, median days to verkställt
_COURSE: Final = {
    "barn_och_unga": (0.45, 108.0, 0.45, 0.55, 21.0),
    "vuxen_missbruk": (0.70, 70.0, 0.50, 0.60, 14.0),
    "ekonomiskt_bistand": (0.95, 12.0, 0.60, 0.80, 3.0),
    "vald_i_nara_relation": (0.80, 45.0, 0.50, 0.60, 10.0),
}
_CHILD_BIRTHS: Final = (dt.date(2009, 1, 1), dt.date(2023, 12, 31))
_ADULT_BIRTHS: Final = (dt.date(1946, 1, 1), dt.date(2005, 12, 31))
_SERIALS: Final = 20  # födelsenummer 980-999
_PERSONS_PER_CASE: Final = 0.75
_SAMORDNING_SHARE: Final = 0.03
_PAGAENDE_SHARE: Final = 0.12
_WITHIN_14_START, _WITHIN_14_GAIN = 0.80, 0.09
_CHILD_SHARE: Final = (0.33, 0.62)  # yes, no (the rest unknown)
_FORLANGNING_SHARE: Final = 0.45
_LATE_VERKSTALLT_START, _LATE_VERKSTALLT_GAIN = 0.12, 0.06
_FOUR_MONTHS_DAYS: Final = 122
_NAT: Final = np.datetime64("NaT", "D")


def generate_register(seed: int = 2026, n_cases: int = 15_000) -> pd.DataFrame:
    """Draw a synthetic register export.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.Generator(PCG64(seed))``; the same seed gives the same frame.
    n_cases
        Number of cases.

    Returns
    -------
    pandas.DataFrame
        Columns named as :data:`HEADINGS`' values: text, ``Ja``/``Nej``/None, and dates as
        datetime64 (NaT where the event has not happened by :data:`EXPORT_DATE`).
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    case_type = rng.choice(list(_CASE_MIX), size=n_cases, p=list(_CASE_MIX.values()))
    inkom = _inkom_dates(rng, n_cases)
    progress = _progress(inkom)
    enhet, handlaggare = _staff(rng, case_type)
    children = case_type == "barn_och_unga"
    pagaende = children & (rng.random(n_cases) < _PAGAENDE_SHARE)
    forhandsbedomning = _forhandsbedomning(rng, inkom, progress, children & ~pagaende)
    course = _course(rng, case_type, inkom, forhandsbedomning, progress)
    frame = pd.DataFrame(
        {
            "arende_id": _case_ids(inkom),
            "personnummer": _personnummer(rng, children),
            "enhet": enhet,
            "handlaggare": handlaggare,
            "arendetyp": pd.Series(case_type).map(_WORDING).to_numpy(),
            "inkom_datum": inkom,
            "forhandsbedomning_datum": _until_export(forhandsbedomning),
            "pagaende_utredning": _yes_no(np.where(children, pagaende, None)),
            **course,
            "barn_i_hushallet": _yes_no(_children_in_household(rng, ~children)),
        }
    )
    frame["status"] = _status(frame)
    return frame.rename(columns=HEADINGS)


#: (checklist id, enhet, ansvarig) of the demo's egenkontrollplan, one row per tertial of the year
_PLANNED: Final = (
    ("valdsfraga", None, "Kvalitetsutvecklare"),
    ("barnperspektiv", "Vuxenenheten", "Enhetschef Vuxenenheten"),
    ("utredningstid", "Barn och unga Norr", "Enhetschef Barn och unga"),
)
#: the two actions followed up: (checklist, item, tertial of the deviation, decided, deadline, cause, action)
_FOLLOWED: Final = (
    ("barnperspektiv", "barnets_basta", "2025-T2", dt.date(2025, 9, 15), dt.date(2025, 12, 31),
     "Handläggarna saknade stöd för att väga in barnets bästa i beslut om vuxna.",
     "Utbildning i barnrättsbaserat beslutsfattande och en mall för barnets bästa i beslutet."),
    ("valdsfraga", "vald_fragat", "2025-T3", dt.date(2026, 1, 20), dt.date(2026, 3, 31),
     "Frågan om våld ställs inte rutinmässigt när ärendet gäller ekonomiskt bistånd.",
     "Påminnelse på arbetsplatsträff om rutinen för att fråga om våld."),
)


def build_loop(source: store.Source, as_of: dt.date = EXPORT_DATE) -> None:
    """Add the egenkontrollplan, åtgärdsplan and riskanalys of the demo (see the module docstring).

    Parameters
    ----------
    source
        A demo workspace (or its engine) with the simulated granskningar.
    as_of
        The day the story is told on: the plan's year, and the evaluation date of the follow-ups.
    """
    drawn = _loopstore.sessions(source)
    sessions = {(checklist, parse_period((start, end))): session_id for session_id, checklist, start, end
                in drawn[["id", "checklist_id", "period_start", "period_end"]].itertuples(index=False)}
    _plan_the_year(source, as_of.year, sessions)
    register = case_table.corrected_cases(source)
    followed = [_followed_action(source, sessions, *story, as_of=as_of, register=register)
                for story in _FOLLOWED]
    _add_risks(source, followed, _open_actions(source, as_of))


def _plan_the_year(source: store.Source, year: int, sessions: dict[tuple[str, Period], str]) -> None:
    """A row per checklist and tertial, linked to its granskning, and one granskning never drawn."""
    for tertial in (1, 2, 3):
        for checklist, enhet, ansvarig in _PLANNED:
            period = f"{year}-T{tertial}"
            row = yearplan.add_plan_row(source, year=year, checklist=checklist, period=period, planned_n=30,
                                        ansvarig=ansvarig, enhet=enhet)
            drawn = sessions.get((checklist, parse_period(period)))
            if drawn is not None:
                yearplan.link_session(source, row, drawn)
    yearplan.add_plan_row(source, year=year, checklist="valdsfraga", period=f"{year}-09", planned_n=20,
                          ansvarig="Enhetschef Våld i nära relationer", enhet="Våld i nära relationer",
                          deadline=dt.date(year, 10, 15))


def _followed_action(source: store.Source, sessions: dict[tuple[str, Period], str], checklist: str,
                     item: str, tertial: str, decided: dt.date, deadline: dt.date, cause: str, action: str, *,
                     as_of: dt.date, register: pd.DataFrame) -> int:
    """An action from a granskning's deviation, carried out and followed up against the latest granskning:
    effekt uppnådd when the rule supports it, else effekt ej uppnådd."""
    action_id = actions.add_action(source, session=sessions[(checklist, parse_period(tertial))], item=item,
                                   cause=cause, action=action, ansvarig="Enhetschef", deadline=deadline,
                                   opened=decided)
    actions.set_status(source, action_id, actions.DONE)
    effect.record_follow_up(source, action_id, achieved=None, as_of=as_of, register=register)
    return action_id


def _open_actions(source: store.Source, as_of: dt.date) -> list[int]:
    """Three open actions: a register deviation past its deadline, a lex Sarah and a klagomål."""
    late = actions.add_action(
        source, indicator="forhandsbedomning_14_dagar", indicator_period=f"{as_of.year}-T2",
        cause="Anmälningar som kommer in under semestern fördelas sent.",
        action="Bevakningslista för förhandsbedömningar och en ersättare som fördelar under semestern.",
        ansvarig="Enhetschef Barn och unga", deadline=as_of - dt.timedelta(days=16),
        opened=as_of - dt.timedelta(days=50))
    actions.set_status(source, late, actions.UNDER_WAY)
    sarah = actions.add_action(
        source, kind="lex_sarah", deviation="Våld i hemmet uppmärksammades inte vid förhandsbedömningen.",
        checklist="valdsfraga", item="riskbedomning",
        cause="Ingen strukturerad riskbedömning när våld framkommer.",
        action="Införa FREDA-kortfrågor och riskbedömning i utredningsmallen.",
        ansvarig="Verksamhetschef", deadline=dt.date(as_of.year, 12, 31),
        opened=as_of - dt.timedelta(days=30))
    actions.set_status(source, sarah, actions.UNDER_WAY)
    complaint = actions.add_action(
        source, kind="klagomal", deviation="Klagomål från en anhörig om att beslutet dröjde utan besked.",
        action="Rutin för att meddela den enskilde när handläggningen drar ut på tiden.",
        ansvarig="Enhetschef Ekonomiskt bistånd", deadline=as_of + dt.timedelta(days=30),
        opened=as_of - dt.timedelta(days=10))
    return [late, sarah, complaint]


def _add_risks(source: store.Source, followed: list[int], open_actions: list[int]) -> None:
    """A few risks over the bands, watched by the checklists and register, treated by the actions."""
    children, violence = followed
    late, sarah, _ = open_actions
    risks.add_risk(source, title="Våld i nära relationer uppmärksammas inte", sannolikhet=3, konsekvens=4,
                   checklist="valdsfraga", item="vald_fragat", ansvarig="Verksamhetschef",
                   actions=[violence, sarah])
    risks.add_risk(source, title="Förhandsbedömning efter mer än 14 dagar", sannolikhet=3, konsekvens=3,
                   indicator="forhandsbedomning_14_dagar", ansvarig="Enhetschef Barn och unga",
                   actions=[late])
    risks.add_risk(source, title="Barnets bästa vägs inte in i beslut om vuxna", sannolikhet=2, konsekvens=3,
                   checklist="barnperspektiv", item="barnets_basta", ansvarig="Enhetschef Vuxenenheten",
                   actions=[children])
    risks.add_risk(source, title="Utredning av barn över fyra månader utan beslut om förlängning",
                   sannolikhet=2, konsekvens=2, indicator="utredning_4_manader")
    risks.add_risk(source, title="Personuppgifter skrivs i fritext i granskningen", sannolikhet=1,
                   konsekvens=3, description="Kommentarer med personnummer vägras redan av verktyget.")


def write_export_xlsx(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a register frame as an xlsx export (openpyxl write-only; dates as Excel dates)."""
    path = Path(path)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ärenden")
    sheet.append(list(frame.columns))
    columns = [_excel_values(frame[c]) for c in frame.columns]
    for row in zip(*columns, strict=True):
        sheet.append(row)
    workbook.save(path)
    return path


def _excel_values(column: pd.Series) -> list[object]:
    """Python values openpyxl writes as the right cell type (dates, text, empty)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        days = column.to_numpy(dtype="datetime64[D]")
        return [None if np.isnat(d) else d.item() for d in days]
    return [None if pd.isna(v) else v for v in column.to_numpy(dtype=object)]


def _inkom_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sorted report/application dates spread over the period."""
    span = (EXPORT_DATE - PERIOD_START).days
    return np.sort(np.datetime64(PERIOD_START) + rng.integers(0, span + 1, size=n).astype("timedelta64[D]"))


def _progress(inkom: np.ndarray) -> np.ndarray:
    """How far through the period each case came in: 0 at the start, 1 at the export date."""
    elapsed = (inkom - np.datetime64(PERIOD_START)).astype(float)
    return elapsed / (EXPORT_DATE - PERIOD_START).days


def _staff(rng: np.random.Generator, case_type: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An enhet of the case's type and a handläggare of that enhet (unevenly loaded)."""
    enhet = np.empty(len(case_type), dtype=object)
    handlaggare = np.empty(len(case_type), dtype=object)
    for kind in _CASE_MIX:
        units = [u for u in _ENHETER if u[1] == kind]
        rows = np.flatnonzero(case_type == kind)
        chosen = rng.integers(0, len(units), size=len(rows))
        for number, (name, _, code, staff) in enumerate(units):
            mine = rows[chosen == number]
            load = rng.dirichlet(np.full(staff, 4.0))
            person = rng.choice(staff, size=len(mine), p=load)
            enhet[mine] = name
            handlaggare[mine] = [f"{code}{p + 1:02d}" for p in person]
    return enhet, handlaggare


def _forhandsbedomning(
    rng: np.random.Generator, inkom: np.ndarray, progress: np.ndarray, applies: np.ndarray
) -> np.ndarray:
    """Förhandsbedömning dates: mostly within 14 days, a bit more often as the years pass."""
    within = rng.random(len(inkom)) < _WITHIN_14_START + _WITHIN_14_GAIN * progress
    delay = np.where(within, rng.integers(0, 15, len(inkom)), 15 + rng.geometric(1 / 12, len(inkom)))
    return np.where(applies, inkom + delay.astype("timedelta64[D]"), _NAT)


def _course(
    rng: np.random.Generator,
    case_type: np.ndarray,
    inkom: np.ndarray,
    forhandsbedomning: np.ndarray,
    progress: np.ndarray,
) -> dict[str, np.ndarray]:
    """Investigation, förlängning, decision and verkställighet dates for every case."""
    n = len(case_type)
    params = np.array([_COURSE[k] for k in case_type])
    share, median, spread, favourable, to_verkstallt = params.T
    children = case_type == "barn_och_unga"
    start = np.where(children, forhandsbedomning, inkom + rng.integers(0, 8, n).astype("timedelta64[D]"))
    investigated = (rng.random(n) < share) & ~np.isnat(start)
    inledd = np.where(investigated, start, _NAT)
    days = np.rint(rng.lognormal(np.log(median * (1 - 0.1 * progress)), spread)).astype(int) + 1
    avslutad = inledd + days.astype("timedelta64[D]")
    elapsed = (np.minimum(avslutad, np.datetime64(EXPORT_DATE)) - inledd).astype(int)
    extended = (elapsed > _FOUR_MONTHS_DAYS) & (rng.random(n) < _FORLANGNING_SHARE)
    closed = investigated & (avslutad <= np.datetime64(EXPORT_DATE))
    beslut = np.where(
        closed & (rng.random(n) < favourable), avslutad + rng.integers(0, 6, n).astype("timedelta64[D]"), _NAT
    )
    slow = rng.random(n) < _LATE_VERKSTALLT_START - _LATE_VERKSTALLT_GAIN * progress
    wait = np.where(slow, 92 + rng.exponential(60, n), rng.lognormal(np.log(to_verkstallt), 0.6))
    verkstallt = beslut + np.rint(wait).astype(int).astype("timedelta64[D]")
    return {
        "utredning_inledd": _until_export(inledd),
        "utredning_avslutad": _until_export(avslutad),
        "forlangning_beslutad": _yes_no(np.where(children & investigated, extended, None)),
        "beslut_datum": _until_export(beslut),
        "verkstallt_datum": _until_export(verkstallt),
    }


def _until_export(dates: np.ndarray) -> pd.Series:
    """Dates as datetime64, empty where they fall after the export date."""
    dates = dates.astype("datetime64[D]")
    shown = np.where(dates <= np.datetime64(EXPORT_DATE), dates, _NAT)
    return pd.Series(shown.astype("datetime64[ns]"))


def _yes_no(values: np.ndarray) -> np.ndarray:
    """True/False/None as the export's Ja/Nej/empty."""
    return np.array([None if v is None else ("Ja" if v else "Nej") for v in values], dtype=object)


def _children_in_household(rng: np.random.Generator, adult: np.ndarray) -> np.ndarray:
    """Adult cases: children in about a third, none in most, unknown in a few."""
    draw = rng.random(len(adult))
    yes, no = _CHILD_SHARE
    answer = np.where(draw < yes, True, np.where(draw < yes + no, False, None))
    return np.where(adult, answer, None)


def _case_ids(inkom: np.ndarray) -> np.ndarray:
    """Case ids numbered per year in the order cases came in: IFO-2024-00001, ..."""
    years = inkom.astype("datetime64[Y]").astype(int) + 1970
    sequence = pd.Series(years).groupby(years).cumcount().to_numpy() + 1
    return np.array([f"IFO-{y}-{s:05d}" for y, s in zip(years, sequence, strict=True)], dtype=object)


def _personnummer(rng: np.random.Generator, children: np.ndarray) -> np.ndarray:
    """Synthetic personnummer YYYYMMDD-NNNC: persons drawn from pools, so some recur."""
    result = np.empty(len(children), dtype=object)
    for is_child, births, samordning in (
        (True, _CHILD_BIRTHS, 0.0),
        (False, _ADULT_BIRTHS, _SAMORDNING_SHARE),
    ):
        rows = np.flatnonzero(children == is_child)
        pool = _person_pool(rng, max(1, int(len(rows) * _PERSONS_PER_CASE)), births, samordning)
        result[rows] = pool[rng.integers(0, len(pool), size=len(rows))]
    return result


def _person_pool(
    rng: np.random.Generator, size: int, births: tuple[dt.date, dt.date], samordning: float
) -> np.ndarray:
    """Distinct synthetic numbers born in the given range (födelsenummer 980-999)."""
    first, last = births
    slots = rng.choice(((last - first).days + 1) * _SERIALS, size=size, replace=False)
    born = np.datetime64(first) + (slots // _SERIALS).astype("timedelta64[D]")
    serial = 980 + slots % _SERIALS
    ymd = pd.Series(born).dt
    day = ymd.day.to_numpy() + np.where(rng.random(size) < samordning, 60, 0)
    digits = np.column_stack(
        [
            ymd.year.to_numpy() % 100 // 10,
            ymd.year.to_numpy() % 10,
            ymd.month.to_numpy() // 10,
            ymd.month.to_numpy() % 10,
            day // 10,
            day % 10,
            serial // 100,
            serial // 10 % 10,
            serial % 10,
        ]
    )
    check = personnummer.check_digits(digits)
    return np.array(
        [
            f"{y}{m:02d}{d:02d}-{s}{c}"
            for y, m, d, s, c in zip(ymd.year, ymd.month, day, serial, check, strict=True)
        ],
        dtype=object,
    )


def _status(frame: pd.DataFrame) -> np.ndarray:
    """The export's own status column: open while something is still pending."""
    open_investigation = frame["utredning_inledd"].notna() & frame["utredning_avslutad"].isna()
    awaiting = frame["beslut_datum"].notna() & frame["verkstallt_datum"].isna()
    return np.where(open_investigation | awaiting, "Pågående", "Avslutat")
