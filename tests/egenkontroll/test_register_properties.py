"""Property: whatever rows a file holds, read_register returns a DataFrame or raises RegisterError."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egenkontroll import register
from egenkontroll.errors import RegisterError
from tests.egenkontroll.test_register import HEADINGS, KEY, case

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text_cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "ja", "2024-02-30", "1/4 2020", "43922", "811218-9877", "Barn och unga", ";", '"', "\n"]
    ),
)
cells = st.one_of(
    text_cells,
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)),
)


def _rows(cell_strategy):
    """Rows that are either valid cases with some cells replaced, or wholly random."""
    mutated = st.builds(
        lambda i, changes: case(i, **changes),
        st.integers(0, 50),
        st.dictionaries(st.sampled_from(HEADINGS), cell_strategy, max_size=4),
    )
    random = st.fixed_dictionaries({h: cell_strategy for h in HEADINGS})
    return st.lists(st.one_of(mutated, random), max_size=6)


def _assert_frame_or_register_error(path: Path, rows: list) -> None:
    try:
        frame = register.read_register(path, key=KEY)
    except RegisterError as error:
        assert error.problems
        return
    assert isinstance(frame, pd.DataFrame) and len(frame) <= len(rows)


@SETTINGS
@given(
    rows=_rows(text_cells),
    delimiter=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_random_csv_rows(rows, delimiter, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "slump.csv"
        with path.open("w", encoding=encoding, errors="replace", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow(HEADINGS)
            writer.writerows([[r.get(h) for h in HEADINGS] for r in rows])
        _assert_frame_or_register_error(path, rows)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "slump.csv"
        path.write_bytes(data)
        _assert_frame_or_register_error(path, [None] * 400)


def _excel_safe(value):
    """openpyxl refuses control characters in strings; everything else is written as given."""
    if isinstance(value, str):
        return openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


@SETTINGS
@given(rows=_rows(cells))
def test_random_xlsx_rows(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "slump.xlsx"
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(HEADINGS)
        for row in rows:
            sheet.append([_excel_safe(row.get(h)) for h in HEADINGS])
        workbook.save(path)
        _assert_frame_or_register_error(path, rows)
