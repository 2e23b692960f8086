"""Register-based date rules and the legal references in force on a given date (see domain.md).

Three rules are computed from the case register, for one case (:func:`evaluate_rule`) or for a
whole register at once (:func:`register_status`):

``forhandsbedomning_14_dagar``
    forhandsbedomning_datum <= inkom_datum + 14 days; not applicable when an investigation was
    already open when the report came in (``pagaende_utredning``).
``utredning_4_manader``
    utredning_avslutad <= utredning_inledd + 4 calendar months (month-end clamped); an overrun
    is compliant when ``forlangning_beslutad``; an open investigation past its deadline on
    ``as_of`` is late, one inside it is undecided.
``verkstallighet_3_manader``
    verkstallt_datum <= beslut_datum + 3 calendar months; a decision not carried out and past
    its deadline on ``as_of`` is late (to be reported to IVO).

Decisions where domain.md is silent:

- A missing förhandsbedömningsdatum gives no verdict ("Uppgift saknas"): the register cannot
  tell a förhandsbedömning not made from one not registered.
- ``pagaende_utredning`` and ``forlangning_beslutad`` count only when explicitly true.
- The 14-day and 4-month rules concern child cases: a case whose ``arendetyp`` is known and is
  not ``barn_och_unga`` gets no verdict. An unknown ``arendetyp`` is evaluated.
- A closing date before the start date gives no verdict (the dates contradict each other).
- The law cited is the one in force on the date the rule counts from; when that date is
  unknown both are named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from egenkontroll._expr import bool_column, date_column, to_bool, to_date, to_text
from egenkontroll.perdatum import per_datum

__all__ = [
    "NEW_SOL_FROM",
    "Verdict",
    "Reference",
    "Rule",
    "RULES",
    "add_months",
    "deadline",
    "evaluate_rule",
    "register_status",
    "days_word",
]

#: the day Socialtjänstlag (2025:400) replaced Socialtjänstlag (2001:453)
NEW_SOL_FROM = dt.date(2025, 7, 1)


@dataclass(frozen=True)
class Verdict:
    """The outcome of a computed item for one case.

    Attributes
    ----------
    compliant
        True or False; None when the rule does not apply or cannot be decided (yet).
    reference
        The legal reference in force on the case's date.
    explanation
        Why, in Swedish, e.g. "Utredningen avslutades 2026-05-11, 1 dag efter fristen 2026-05-10".
    """

    compliant: bool | None
    reference: str
    explanation: str


@dataclass(frozen=True)
class Reference:
    """A legal reference that changed with the new Socialtjänstlag on 2025-07-01."""

    before: str
    from_new_sol: str

    def on(self, day: dt.date | None) -> str:
        """The reference in force on ``day``; both (new first) when ``day`` is unknown."""
        if day is None:
            return f"{self.from_new_sol} (före 2025-07-01: {self.before})"
        return self.before if day < NEW_SOL_FROM else self.from_new_sol


@dataclass(frozen=True)
class Rule:
    """A deadline rule: ``end`` must come no later than ``start`` plus a period.

    Attributes
    ----------
    name, title
        Identifier (used as ``regel`` in checklists) and a Swedish title.
    start, end
        The register's date fields the period runs between; ``start`` also picks the law.
    days, months
        The period: days, or calendar months with month-end clamping.
    reference
        The paragraph before and from 2025-07-01.
    open_when_end_missing
        True: a missing ``end`` means still open (late once the deadline has passed).
        False: a missing ``end`` is missing data (no verdict).
    exempt_if
        A bool field that, when true, makes the rule not apply.
    excused_if
        A bool field that, when true, makes an overrun compliant.
    case_types
        The case types the rule concerns, or None for all.
    """

    name: str
    title: str
    start: str
    end: str
    reference: Reference
    wording: _Wording
    days: int = 0
    months: int = 0
    open_when_end_missing: bool = True
    exempt_if: str | None = None
    excused_if: str | None = None
    case_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _Wording:
    """The Swedish phrases of one rule's explanations."""

    done: str  # "Förhandsbedömningen gjordes"
    open: str  # "Utredningen pågår"
    start_label: str  # "inkomstdatum"
    end_label: str  # "förhandsbedömningsdatum"
    no_start: str  # said when neither date is known
    exempt: str = ""
    excused: str = ""
    open_excused: str = ""
    open_late: str = ""


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            name="forhandsbedomning_14_dagar",
            title="Förhandsbedömning inom 14 dagar",
            start="inkom_datum",
            end="forhandsbedomning_datum",
            days=14,
            reference=Reference(
                "11 kap. 1 a § andra stycket SoL (2001:453)", "20 kap. 2 § SoL (2025:400)"
            ),
            wording=_Wording(
                done="Förhandsbedömningen gjordes",
                open="",
                start_label="inkomstdatum",
                end_label="förhandsbedömningsdatum",
                no_start="Uppgift saknas: inkomstdatum",
                exempt="Pågående utredning när anmälan kom in - regeln gäller inte",
            ),
            open_when_end_missing=False,
            exempt_if="pagaende_utredning",
            case_types=("barn_och_unga",),
        ),
        Rule(
            name="utredning_4_manader",
            title="Utredning inom 4 månader",
            start="utredning_inledd",
            end="utredning_avslutad",
            months=4,
            reference=Reference("11 kap. 2 § SoL (2001:453)", "20 kap. 3 § SoL (2025:400)"),
            wording=_Wording(
                done="Utredningen avslutades",
                open="Utredningen pågår",
                start_label="datum då utredningen inleddes",
                end_label="datum då utredningen avslutades",
                no_start="Ingen utredning är registrerad - regeln gäller inte",
                excused="förlängning är beslutad",
                open_excused="men förlängning är beslutad",
            ),
            excused_if="forlangning_beslutad",
            case_types=("barn_och_unga",),
        ),
        Rule(
            name="verkstallighet_3_manader",
            title="Beslut verkställt inom 3 månader",
            start="beslut_datum",
            end="verkstallt_datum",
            months=3,
            reference=Reference(
                "16 kap. 6 f § SoL (2001:453)", "34 kap. 1 § SoL (2025:400)"
            ),
            wording=_Wording(
                done="Beslutet verkställdes",
                open="Beslutet är inte verkställt",
                start_label="beslutsdatum",
                end_label="verkställighetsdatum",
                no_start="Inget beslut är registrerat - regeln gäller inte",
                open_late="ska rapporteras till IVO",
            ),
        ),
    )
}


# --------------------------------------------------------------------------- dates


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the month's last day (2025-10-31 + 4 -> 2026-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _month_length(year, month)))


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def deadline(rule: Rule | str, start: dt.date) -> dt.date:
    """The last day on which ``rule`` is met when its period starts on ``start``."""
    rule = _rule(rule)
    return add_months(start, rule.months) + dt.timedelta(days=rule.days)


def days_word(count: int) -> str:
    """``"1 dag"``, ``"2 dagar"``."""
    return f"{count} dag" if abs(count) == 1 else f"{count} dagar"


def _rule(rule: Rule | str) -> Rule:
    return rule if isinstance(rule, Rule) else RULES[rule]


def _as_of(as_of: object) -> dt.date:
    if as_of is None:
        return per_datum()
    day = to_date(as_of)
    if day is None:
        raise ValueError(f"as_of är inget datum: {as_of!r}")
    return day


# --------------------------------------------------------------------------- one case


def evaluate_rule(rule: Rule | str, case: Mapping[str, object], as_of: object = None) -> Verdict:
    """Evaluate a date rule on one case.

    Parameters
    ----------
    rule
        A :class:`Rule` or its name in :data:`RULES`.
    case
        Canonical fields; dates as date, datetime, Timestamp or ISO text; absent = unknown.
    as_of
        The evaluation date (default ``$EGENKONTROLL_PER_DATUM`` or today): decides open cases.
    """
    rule = _rule(rule)
    start, end = to_date(case.get(rule.start)), to_date(case.get(rule.end))
    reference = rule.reference.on(start)
    compliant, explanation = _judge(rule, case, start, end, _as_of(as_of))
    return Verdict(compliant, reference, explanation)


def _judge(
    rule: Rule, case: Mapping[str, object], start: dt.date | None, end: dt.date | None,
    as_of: dt.date,
) -> tuple[bool | None, str]:
    words = rule.wording
    case_type = to_text(case.get("arendetyp"))
    if rule.case_types is not None and case_type is not None and case_type not in rule.case_types:
        return None, "Regeln gäller bara ärenden om barn och unga"
    if rule.exempt_if and to_bool(case.get(rule.exempt_if)):
        return None, words.exempt
    if start is None:
        return None, words.no_start if end is None else f"Uppgift saknas: {words.start_label}"
    if end is not None and end < start:
        return None, f"Datumen går inte ihop: {words.end_label} {end} är före {words.start_label} {start}"
    last_day = deadline(rule, start)
    excused = bool(rule.excused_if and to_bool(case.get(rule.excused_if)))
    if end is not None:
        return _judge_closed(words, end, last_day, excused)
    if not rule.open_when_end_missing:
        return None, f"Uppgift saknas: {words.end_label}"
    return _judge_open(words, last_day, as_of, excused)


def _judge_closed(
    words: _Wording, end: dt.date, last_day: dt.date, excused: bool
) -> tuple[bool, str]:
    if end <= last_day:
        return True, f"{words.done} {end}, inom fristen {last_day}"
    late = f"{words.done} {end}, {days_word((end - last_day).days)} efter fristen {last_day}"
    if excused:
        return True, f"{late}; {words.excused}"
    return False, late


def _judge_open(
    words: _Wording, last_day: dt.date, as_of: dt.date, excused: bool
) -> tuple[bool | None, str]:
    if as_of <= last_day:
        return None, f"{words.open}; fristen löper ut {last_day}"
    passed = f"{words.open}; fristen {last_day} har passerat"
    if excused:
        return None, f"{passed} {words.open_excused}"
    return False, f"{passed} - {words.open_late}" if words.open_late else passed


# --------------------------------------------------------------------------- the register


def register_status(frame: pd.DataFrame, as_of: object = None) -> pd.DataFrame:
    """Every rule's verdict for every case, vectorised.

    Parameters
    ----------
    frame
        The register (canonical columns; absent columns count as unknown).
    as_of
        The evaluation date (default ``$EGENKONTROLL_PER_DATUM`` or today).

    Returns
    -------
    DataFrame
        Same index as ``frame``, one nullable-boolean column per rule in :data:`RULES`:
        True compliant, False not, pd.NA not applicable or undecided - exactly the
        ``compliant`` of :func:`evaluate_rule` row by row.
    """
    day = pd.Timestamp(_as_of(as_of))
    columns = {name: _rule_column(rule, frame, day) for name, rule in RULES.items()}
    return pd.DataFrame(columns, index=frame.index)


def _rule_column(rule: Rule, frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    start, end = _dates(frame, rule.start), _dates(frame, rule.end)
    last_day = start + pd.DateOffset(months=rule.months) + pd.Timedelta(days=rule.days)
    excused = _flags(frame, rule.excused_if)
    status = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    closed = end.notna()
    status[closed & (end <= last_day)] = True
    status[closed & (end > last_day)] = excused
    if rule.open_when_end_missing:
        overdue = ~closed & (as_of > last_day)
        status[overdue] = pd.Series(False, index=frame.index, dtype="boolean").mask(excused)
    undecidable = start.isna() | (end < start) | _flags(frame, rule.exempt_if)
    undecidable |= _outside_case_types(rule, frame)
    return status.mask(undecidable.to_numpy(dtype=bool), pd.NA)


def _dates(frame: pd.DataFrame, field: str) -> pd.Series:
    if field not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    return date_column(frame[field])


def _flags(frame: pd.DataFrame, field: str | None) -> pd.Series:
    """True where ``field`` is explicitly true; False where false, unknown or absent."""
    if field is None or field not in frame.columns:
        return pd.Series(False, index=frame.index)
    return bool_column(frame[field]).fillna(False).astype(bool)


def _outside_case_types(rule: Rule, frame: pd.DataFrame) -> pd.Series:
    if rule.case_types is None or "arendetyp" not in frame.columns:
        return pd.Series(False, index=frame.index)
    case_type = frame["arendetyp"].map(to_text, na_action="ignore").astype("string")
    return (case_type.notna() & ~case_type.isin(list(rule.case_types))).astype(bool)
