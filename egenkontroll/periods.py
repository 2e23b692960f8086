"""Periods: years, tertials and date ranges, as the user writes them and as the data are grouped.

A tertial is a third of a calendar year: T1 January-April, T2 May-August, T3 September-December
(the periods of the verksamhetsuppföljning). A period is an inclusive pair of dates, or None for
every case. Nothing here needs pandas: :func:`tertial_label` works on any pandas Series it is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, overload

from egenkontroll.errors import SessionError, UserError

if TYPE_CHECKING:
    import pandas as pd

#: tertial number -> (first month, last month)
TERTIAL_MONTHS = {1: (1, 4), 2: (5, 8), 3: (9, 12)}
#: tertial number -> its months in Swedish
TERTIAL_NAMES = {1: "januari–april", 2: "maj–augusti", 3: "september–december"}
#: tertial number -> its months as people say them in a table or a menu
TERTIAL_SHORT_NAMES = {1: "jan–apr", 2: "maj–aug", 3: "sep–dec"}
#: the months in Swedish, January first
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
               "oktober", "november", "december")
#: the months as people write them in a table or a menu
MONTH_SHORT_NAMES = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
#: the group of a case whose date is unknown
UNKNOWN = "okänt"
#: how the user may write a period, for type hints
PeriodText = str | int | Sequence[date | str]
#: inclusive (start, end) dates, or None for every case
Period = tuple[date, date] | None

_YEAR = re.compile(r"^(\d{4})$")
_TERTIAL = re.compile(r"^(\d{4})-T([123])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@overload
def parse_period(period: None) -> None: ...
@overload
def parse_period(period: PeriodText) -> tuple[date, date]: ...
@overload
def parse_period(period: PeriodText | None) -> Period: ...


def parse_period(period: PeriodText | None) -> Period:
    """The inclusive (start, end) dates of *period*.

    Parameters
    ----------
    period
        None (every case), a year (``"2026"`` or ``2026``), a tertial (``"2026-T1"``: T1 January-April,
        T2 May-August, T3 September-December) or a pair of dates or ISO texts, both included.

    Raises
    ------
    SessionError
        When *period* is none of these, or ends before it starts.
    """
    if period is None:
        return None
    if isinstance(period, str | int):
        return _named_period(str(period).strip())
    if len(period) != 2:
        raise SessionError(_bad_period(period))
    start, end = (as_date(value, "perioden") for value in period)
    if end < start:
        raise SessionError(f"Perioden slutar ({end}) före den börjar ({start}).")
    return start, end


def period_label(period: Period) -> str:
    """A short name for *period*: ``"2026"``, ``"2026-T1"``, ``"20260105-20260320"`` or ``"alla"``."""
    if period is None:
        return "alla"
    start, end = period
    if parse_period(str(start.year)) == period:
        return str(start.year)
    for tertial in TERTIAL_MONTHS:
        if parse_period(f"{start.year}-T{tertial}") == period:
            return f"{start.year}-T{tertial}"
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


def period_words(period: PeriodText) -> str:
    """*period* as running text: ``"T1 2026"``, ``"2026"`` or ``"2026-01-05 – 2026-03-20"``."""
    start, end = parse_period(period)
    label = period_label((start, end))
    if label.isdigit():
        return label
    if _TERTIAL.match(label):
        return f"{label[5:]} {label[:4]}"
    return f"{start} – {end}"


def spoken_period(period: str | tuple[date, date], *, full: bool = False) -> str:
    """A period as people say it: ``"2026-T1"`` -> ``"jan–apr 2026"``, a month ``"2026-09"`` -> ``"sep
    2026"``, a year stays; *full* writes the months out (``"januari–april 2026"``, ``"september 2026"``),
    as running text in a report does.

    Parameters
    ----------
    period
        A label (a year, a tertial or a month; any other text is returned as it is), or inclusive (start,
        end) dates: a whole year, tertial or month is named so, any other range as ``"2026-01-05 –
        2026-03-20"``.
    full
        Whole month names instead of the short ones of tables and menus.
    """
    label = _bounds_label(period) if isinstance(period, tuple) else str(period)
    if match := _TERTIAL.match(label):
        names = TERTIAL_NAMES if full else TERTIAL_SHORT_NAMES
        return f"{names[int(match[2])]} {match[1]}"
    if match := _MONTH.match(label):
        names = MONTH_NAMES if full else MONTH_SHORT_NAMES
        return f"{names[int(match[2]) - 1]} {match[1]}"
    return label


def _bounds_label(period: tuple[date, date]) -> str:
    """The label of a year, tertial or month; ``"2026-01-05 – 2026-03-20"`` for any other range."""
    start, end = period
    label = period_label(period)
    if label.isdigit() or _TERTIAL.match(label):
        return label
    if start.day == 1 and end == _month_end(start.year, start.month):
        return f"{start:%Y-%m}"
    return f"{start} – {end}"


def previous_period(period: PeriodText) -> str:
    """The year before a year, or the tertial before a tertial (``"2026-T1"`` -> ``"2025-T3"``).

    Raises
    ------
    UserError
        When *period* is neither a year nor a tertial.
    """
    label = period_label(parse_period(period))
    if label.isdigit():
        return str(int(label) - 1)
    if match := _TERTIAL.match(label):
        year, tertial = int(match[1]), int(match[2])
        return f"{year - 1}-T3" if tertial == 1 else f"{year}-T{tertial - 1}"
    raise UserError(f"Ange vilken period {label} ska jämföras med (previous); bara för ett år eller ett "
                    "tertial kan föregående period väljas automatiskt.")


def overlaps(first: Period, second: Period) -> bool:
    """Whether two periods share a day (None, every case, overlaps every period)."""
    if first is None or second is None:
        return True
    return first[0] <= second[1] and second[0] <= first[1]


def tertials_between(start: date, end: date) -> list[str]:
    """The labels (``"2026-T1"``) of the tertials that share a day with ``start`` - ``end``, oldest first."""
    first, last = _tertial_number(start), _tertial_number(end)
    return [f"{number // 3}-T{number % 3 + 1}" for number in range(first, last + 1)]


def _tertial_number(day: date) -> int:
    return 3 * day.year + (day.month - 1) // 4


def tertial_label(dates: pd.Series) -> pd.Series:
    """``"2026-T1"`` (January-April), ``-T2`` (May-August), ``-T3`` (September-December); "okänt" for NaT."""
    tertial = (dates.dt.month - 1) // 4 + 1
    label = dates.dt.year.astype("Int64").astype(str) + "-T" + tertial.astype("Int64").astype(str)
    return label.where(dates.notna(), UNKNOWN)


def month_label(dates: pd.Series) -> pd.Series:
    """``"2026-03"`` per date (the calendar month); "okänt" for NaT."""
    month = dates.dt.month.astype("Int64").astype(str).str.zfill(2)
    label = dates.dt.year.astype("Int64").astype(str) + "-" + month
    return label.where(dates.notna(), UNKNOWN)


_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_day(text: str | None) -> date | None:
    """A day written D/M/ÅÅÅÅ ("31/3/2027") or ÅÅÅÅ-MM-DD; None when *text* is neither or no such day."""
    cleaned = (text or "").strip()
    try:
        if match := _DAY_FIRST.fullmatch(cleaned):
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(cleaned) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned) else None
    except ValueError:
        return None


def as_date(value: object, what: str) -> date:
    """*value* (a date, a datetime or ISO text) as a date; SessionError naming *what* when it is none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise SessionError(f"{value!r} är inget datum ({what}); skriv datum som ÅÅÅÅ-MM-DD.") from None


def plan_period(text: str) -> tuple[str, date, date]:
    """A period of the egenkontrollplan: a tertial (``"2026-T1"``) or a month (``"2026-03"``), as its
    label and inclusive first and last day.

    Raises
    ------
    SessionError
        When *text* is neither.
    """
    cleaned = str(text).strip()
    if match := _MONTH.match(cleaned):
        year, month = int(match[1]), int(match[2])
        return cleaned, date(year, month, 1), _month_end(year, month)
    if _TERTIAL.match(cleaned):
        start, end = _named_period(cleaned)
        return cleaned.upper(), start, end
    raise SessionError(f"Perioden {text!r} förstås inte. En rad i egenkontrollplanen gäller ett tertial "
                       "(\"2026-T1\") eller en månad (\"2026-03\").")


def end_of_next_month(day: date) -> date:
    """The last day of the month after the one holding *day* (a plan row's default deadline)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return _month_end(year, month)


def _named_period(text: str) -> tuple[date, date]:
    if match := _YEAR.match(text):
        year = int(match[1])
        return date(year, 1, 1), date(year, 12, 31)
    if match := _TERTIAL.match(text):
        year, (first, last) = int(match[1]), TERTIAL_MONTHS[int(match[2])]
        return date(year, first, 1), _month_end(year, last)
    raise SessionError(_bad_period(text))


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _bad_period(period: object) -> str:
    return (f"Perioden {period!r} förstås inte. Ange ett år (\"2026\"), ett tertial (\"2026-T1\") "
            "eller ett par datum (start, slut).")
