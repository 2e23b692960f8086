"""Personnummer: forms, check digits, samordningsnummer, centuries, derived fields, pseudonyms.

Check digits are compared with a plain textbook Luhn written here, independently of the
vectorised implementation; the published examples come from domain.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from egenkontroll import personnummer
from egenkontroll.errors import UserError


def textbook_luhn(nine_digits: str) -> int:
    """Luhn check digit, the way it is taught: double every other digit from the left."""
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("811218-9876", True),
        ("811218-9877", False),
        ("701063-9800", True),  # samordningsnummer: day 03 + 60
        ("19811218-9876", True),
        ("198112189876", True),
        ("8112189876", True),
        ("811218 9876", True),
    ],
)
def test_published_and_synthetic_examples(text, valid):
    assert personnummer.is_valid(text) is valid


@given(
    st.dates(min_value=dt.date(1900, 1, 1)),
    st.integers(980, 999),
    st.booleans(),
)
def test_check_digit_agrees_with_textbook_luhn(born, serial, samordning):
    day = born.day + (60 if samordning else 0)
    nine = f"{born:%y%m}{day:02d}{serial}"
    assert personnummer.check_digit(nine) == textbook_luhn(nine)
    number = f"{born:%Y%m}{day:02d}-{serial}{textbook_luhn(nine)}"
    assert personnummer.is_valid(number)
    wrong = f"{number[:-1]}{(textbook_luhn(nine) + 1) % 10}"
    assert not personnummer.is_valid(wrong)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("811218-9877", personnummer.BAD_CHECK_DIGIT),
        ("811318-9876", personnummer.BAD_DATE),
        ("810230-9876", personnummer.BAD_DATE),
        ("81121-9876", personnummer.BAD_FORMAT),
        ("abc", personnummer.BAD_FORMAT),
    ],
)
def test_problems_never_repeat_the_number(text, message):
    with pytest.raises(UserError) as caught:
        personnummer.parse(text, 2026)
    assert str(caught.value) == message
    assert text not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reference", "twelve"),
    [
        ("811218-9876", 2026, "198112189876"),
        ("201218-9862", 2026, "202012189862"),  # born 2020: the latest century not after 2026
        ("201218-9862", 2019, "192012189862"),  # a case from 2019 cannot concern a person born 2020
        ("121212+9868", 2026, "191212129868"),  # '+': a hundred years or older
        ("20201218-9862", 2019, "202012189862"),  # the twelve-digit form is taken as written
    ],
)
def test_century(text, reference, twelve):
    first_nine = twelve[2:11]
    assert twelve[-1] == str(textbook_luhn(first_nine)), "fixture must be valid"
    assert personnummer.parse(text, reference) == twelve


def test_kon_and_birth_year_are_derived():
    parsed = personnummer.parse_many(["811218-9876", "811218-9868", None, "bad"], [2026] * 4)
    assert list(parsed.kon) == ["M", "K", None, None]  # second-to-last digit 7 odd, 6 even
    assert parsed.fodelsear.tolist()[:2] == [1981, 1981]
    assert parsed.fodelsear.isna().tolist() == [False, False, True, True]
    assert list(parsed.problem) == [None, None, None, personnummer.BAD_FORMAT]


def test_pseudonym_is_hmac_sha256_of_the_twelve_digit_form():
    key = b"k" * 32
    [pseudonym] = personnummer.pseudonymise(["198112189876"], key)
    expected = hmac.new(key, b"198112189876", hashlib.sha256).hexdigest()[:32]
    assert pseudonym == expected
    [other_key] = personnummer.pseudonymise(["198112189876"], b"x" * 32)
    assert other_key != pseudonym


def test_same_person_in_every_form_gets_the_same_pseudonym():
    forms = ["811218-9876", "8112189876", "19811218-9876", "198112189876"]
    parsed = personnummer.parse_many(forms, [2026] * 4)
    assert len(set(personnummer.pseudonymise(parsed.twelve, b"k"))) == 1


def test_series_with_a_gappy_index_is_parsed_by_position():
    values = pd.Series(["811218-9876", None, "811218-9868"], index=[4, 7, 9])
    parsed = personnummer.parse_many(values, [2026] * 3)
    assert list(parsed.kon) == ["M", None, "K"]
