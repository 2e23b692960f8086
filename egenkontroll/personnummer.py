"""Swedish personnummer and samordningsnummer: validation, derived fields, keyed pseudonyms.

Accepted forms: ``YYMMDD-NNNC``, ``YYMMDD+NNNC`` (100 years or older), ``YYMMDDNNNC``,
``YYYYMMDDNNNC`` and ``YYYYMMDD-NNNC``; spaces are ignored. ``C`` is the Luhn (mod 10) check
digit over the ten-digit form. A samordningsnummer has 60 added to the day of birth.

For the ten-digit forms the century is the latest one that does not put the birth year after a
*reference year* (the import uses the year the case came in, so the result depends only on the
file, not on today's date); ``+`` moves it back a further hundred years.

The raw number never leaves this module in a message: problems are reported as fixed Swedish
texts, and the only thing stored is :func:`pseudonymise`'s keyed hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from egenkontroll.errors import UserError

__all__ = [
    "BAD_FORMAT",
    "BAD_DATE",
    "BAD_CHECK_DIGIT",
    "REMOVED",
    "Parsed",
    "find_in_text",
    "mask_in_text",
    "check_digits",
    "check_digit",
    "is_valid",
    "parse",
    "parse_many",
    "pseudonymise",
]

BAD_FORMAT: Final = "personnumret har fel format (ÅÅMMDD-NNNK eller ÅÅÅÅMMDDNNNK)"
BAD_DATE: Final = "personnumret innehåller inget giltigt födelsedatum"
BAD_CHECK_DIGIT: Final = "ogiltig kontrollsiffra i personnumret"

_PATTERN: Final = (
    r"^(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})"
    r"(?P<sign>[-+]?)(?P<serial>\d{3})(?P<check>\d)$"
)
_LUHN_WEIGHTS: Final = np.array([2, 1, 2, 1, 2, 1, 2, 1, 2], dtype=np.int64)
_SAMORDNING_OFFSET: Final = 60
_PSEUDONYM_HEX_CHARS: Final = 32

#: what :func:`mask_in_text` puts where a personnummer stood
REMOVED: Final = "[personnummer borttaget]"
_GAP: Final = "[ \u00a0]?"
_DATE_DIGITS: Final = _GAP.join(["\\d"] * 6)
#: a personnummer-shaped run of digits: optional century, six date digits, an optional sign and four
#: digits, with single spaces allowed between digits and around the sign (lookahead: overlapping)
_IN_TEXT: Final = re.compile(
    rf"(?<!\d)(?=((?:\d{_GAP}\d{_GAP})?{_DATE_DIGITS}{_GAP}[-+]?{_GAP}\d{_GAP}\d{_GAP}\d{_GAP}\d)(?![\d]))"
)
_DIGITS_AND_SIGN: Final = re.compile(r"[^\d+-]")
_MIN_DIGITS: Final = 10


@dataclass(frozen=True)
class Parsed:
    """The outcome of :func:`parse_many`, one entry per input value.

    Attributes
    ----------
    twelve
        The normalised twelve-digit form (``YYYYMMDDNNNC``), or None where invalid or missing.
    problem
        A Swedish problem text (never containing the number), or None.
    kon
        ``"K"``/``"M"`` from the second-to-last digit (odd = M), or None.
    fodelsear
        The birth year (Int64, NA where invalid).
    """

    twelve: np.ndarray
    problem: np.ndarray
    kon: np.ndarray
    fodelsear: pd.Series


def check_digits(first_nine: np.ndarray) -> np.ndarray:
    """Luhn check digits for rows of nine digits.

    Parameters
    ----------
    first_nine
        Integer array of shape (n, 9): ``YYMMDDNNN`` digit by digit.

    Returns
    -------
    numpy.ndarray
        The n check digits.
    """
    products = np.asarray(first_nine, dtype=np.int64) * _LUHN_WEIGHTS
    digit_sums = (products // 10 + products % 10).sum(axis=1)
    return (10 - digit_sums % 10) % 10


def check_digit(first_nine: str) -> int:
    """The Luhn check digit for nine digits ``YYMMDDNNN``."""
    digits = np.frombuffer(first_nine.encode("ascii"), dtype=np.uint8) - ord("0")
    return int(check_digits(digits.reshape(1, 9))[0])


def parse_many(values: Sequence[object] | pd.Series, reference_years: Sequence[int] | np.ndarray) -> Parsed:
    """Validate and normalise many personnummer at once (vectorised).

    Parameters
    ----------
    values
        Strings (or None for missing; missing values get no problem here, the caller decides).
    reference_years
        For each value, the year against which a ten-digit form's century is chosen.

    Returns
    -------
    Parsed
        Normalised numbers, problems, kön and birth years.
    """
    source = pd.Series(np.asarray(values, dtype=object), dtype=object)
    text = pc.replace_substring_regex(pa.array(source.astype("str")), r"\s+", "")
    present = source.notna().to_numpy() & pc.fill_null(pc.not_equal(text, ""), False).to_numpy(
        zero_copy_only=False
    )
    parts = _extract_parts(text)
    matched = parts[6].notna().to_numpy() & present
    twelve_digit_year = _birth_year(parts, np.asarray(reference_years, dtype=np.int64), matched)
    birth_date_ok = _valid_birth_dates(parts, twelve_digit_year, matched)
    luhn_ok = _luhn_matches(parts, matched)
    problem = np.full(len(text), None, dtype=object)
    problem[present & ~matched] = BAD_FORMAT
    problem[matched & ~birth_date_ok] = BAD_DATE
    problem[matched & birth_date_ok & ~luhn_ok] = BAD_CHECK_DIGIT
    valid = matched & birth_date_ok & luhn_ok
    return _assemble(parts, twelve_digit_year, valid, problem)


def parse(text: str, reference_year: int) -> str:
    """Validate one personnummer and return its twelve-digit form ``YYYYMMDDNNNC``.

    Raises
    ------
    UserError
        With a Swedish message that does not repeat the number.
    """
    parsed = parse_many([text], [reference_year])
    if parsed.problem[0] is not None or parsed.twelve[0] is None:
        raise UserError(parsed.problem[0] or BAD_FORMAT)
    return str(parsed.twelve[0])


def is_valid(text: str, reference_year: int = 2000) -> bool:
    """Whether ``text`` is a well-formed personnummer or samordningsnummer with a correct check digit."""
    return parse_many([text], [reference_year]).problem[0] is None and bool(text and text.strip())


def find_in_text(text: str) -> list[tuple[int, int]]:
    """Where valid personnummer or samordningsnummer stand in free text.

    Every written form counts: ``YYYYMMDD-NNNC``, ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, without a sign,
    and with single spaces between digits or around the sign; the check digit must be right, so
    other long numbers (phone numbers, case ids) rarely match.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    list of (int, int)
        The (start, end) of each number found, in order, not overlapping.
    """
    if sum(ch.isdigit() for ch in text) < _MIN_DIGITS:
        return []
    spans: list[tuple[int, int]] = []
    for match in _IN_TEXT.finditer(text):
        start, end = match.span(1)
        if spans and start < spans[-1][1]:
            continue
        if _is_number_in_text(match.group(1)):
            spans.append((start, end))
    return spans


def mask_in_text(text: str) -> str:
    """*text* with every personnummer found by :func:`find_in_text` replaced by :data:`REMOVED`."""
    for start, end in reversed(find_in_text(text)):
        text = text[:start] + REMOVED + text[end:]
    return text


def _is_number_in_text(candidate: str) -> bool:
    """Whether a matched run is a valid personnummer (ten or twelve digits, right check digit)."""
    compact = _DIGITS_AND_SIGN.sub("", candidate)
    if compact.count("-") + compact.count("+") > 1:
        return False
    return parse_many([compact], [dt.date.today().year]).problem[0] is None


def pseudonymise(twelve_digit: Sequence[str | None], key: bytes) -> list[str | None]:
    """Keyed pseudonyms: HMAC-SHA256(key, twelve-digit number), first 32 hex characters."""
    return [
        None
        if not isinstance(number, str)
        else hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()[:_PSEUDONYM_HEX_CHARS]
        for number in twelve_digit
    ]


def _extract_parts(text: pa.Array) -> pd.DataFrame:
    """The pattern's seven groups as columns 0-6 (str; NA where the value does not match)."""
    matches = pc.extract_regex(text, _PATTERN)
    columns = {i: matches.field(i).to_pandas().astype("str") for i in range(matches.type.num_fields)}
    parts = pd.DataFrame(columns)
    parts[0] = parts[0].where(parts[0] != "")
    return parts.where(pd.Series(matches.is_valid().to_numpy(zero_copy_only=False)), axis=0)


def _birth_year(parts: pd.DataFrame, reference_years: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Four-digit birth year: given, or the latest year <= reference with these two digits."""
    yy = pd.to_numeric(parts[1].where(matched, "0")).to_numpy(dtype=np.int64)
    latest = reference_years - (reference_years - yy) % 100
    centenarian = (parts[4] == "+").to_numpy()
    inferred = latest - np.where(centenarian, 100, 0)
    century = pd.to_numeric(parts[0].where(parts[0].notna() & matched, "-1")).to_numpy(dtype=np.int64)
    return np.where(century >= 0, century * 100 + yy, inferred)


def _valid_birth_dates(parts: pd.DataFrame, year: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Whether month and day (day - 60 for samordningsnummer) form a real date."""
    day = pd.to_numeric(parts[3].where(matched, "1")).to_numpy(dtype=np.int64)
    day = np.where(day > _SAMORDNING_OFFSET, day - _SAMORDNING_OFFSET, day)
    month = pd.to_numeric(parts[2].where(matched, "1")).to_numpy(dtype=np.int64)
    stamp = year * 10000 + month * 100 + day
    dates = pd.to_datetime(pd.Series(stamp).astype(str), format="%Y%m%d", errors="coerce")
    return dates.notna().to_numpy() & (day >= 1)


def _luhn_matches(parts: pd.DataFrame, matched: np.ndarray) -> np.ndarray:
    """Whether the last digit is the Luhn check digit of the nine before it."""
    ten = (parts[1] + parts[2] + parts[3] + parts[5] + parts[6]).where(matched, "0000000000")
    digits = np.frombuffer("".join(ten).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - ord("0")
    return check_digits(digits[:, :9]) == digits[:, 9]


def _assemble(parts: pd.DataFrame, year: np.ndarray, valid: np.ndarray, problem: np.ndarray) -> Parsed:
    """Build the result arrays for the valid rows."""
    year_text = pd.Series(year).astype(str).str.zfill(4)
    joined = (year_text + parts[2] + parts[3] + parts[5] + parts[6]).to_numpy(dtype=object)
    twelve = np.where(valid, joined, None)
    sex_digit = pd.to_numeric(parts[5].str[2].where(valid, "0")).to_numpy(dtype=np.int64)
    kon = np.where(valid, np.where(sex_digit % 2 == 1, "M", "K"), None).astype(object)
    fodelsear = pd.Series(pd.array(np.where(valid, year, 0), dtype="Int64")).where(valid)
    return Parsed(twelve, problem, kon, fodelsear.astype("Int64"))
