"""One way to print a share (issue 13, item 4): 0.999 and 0.005 through every output."""

from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import Workbook

from egenkontroll import _presentation, charts, export, formatting, planning, results


@pytest.mark.parametrize(("value", "whole", "one_decimal"), [
    (0.999, "99,9 %", "99,9 %"), (0.005, "1 %", "0,5 %"), (0.9999, "99,9 %", "99,99 %"),
    (0.875, "88 %", "87,5 %"), (1.0, "100 %", "100 %"), (0.0, "0 %", "0 %"), (0.004, "0,4 %", "0,4 %"),
])
def test_a_share_is_never_zero_or_hundred_unless_exact(value, whole, one_decimal):
    assert formatting.share(value) == whole
    assert formatting.share(value, decimals=1) == one_decimal


def test_interval_bounds_are_rounded_outward():
    assert formatting.interval(0.516, 0.894) == "51–90 %"  # not "52–89 %"
    assert formatting.interval(0.005, 0.999) == "0,5–99,9 %"
    assert formatting.interval(0.0, 1.0) == "0–100 %"
    assert formatting.interval(float("nan"), 0.5) == ""
    assert formatting.interval(0.516, 0.894, goal=0.9) == "51–89,4 %"  # status Röd beside goal 90 %
    assert formatting.interval(0.9, 0.95, goal=0.9) == "90–95 %"  # exactly the goal


def _row(**figures):
    base = {"checklist": "valdsfraga", "item": "vald_fragat", "item_text": "Frågan?", "critical": True,
            "dimension": "alla", "group": "Alla", "k": 199, "n": 200, "estimate": 0.999, "se": 0.001,
            "lower": 0.005, "upper": 0.999, "method": "wilson", "goal": 0.999, "status": "gul",
            "suppressed": False}
    return {**base, **figures}


def test_0_999_and_0_005_through_every_output():
    frame = pd.DataFrame([_row(), _row(estimate=0.005, goal=0.005, k=1)])
    shown = results.for_display(frame)
    assert shown["Andel"].tolist() == ["99,9 %", "1 %"]
    assert shown["95 % KI"].tolist() == ["0,5–99,9 %"] * 2
    assert shown["Mål"].tolist() == ["99,9 %", "1 %"]
    sentence = _presentation._item_sentence(SimpleNamespace(**_row()), 0.95)
    assert "(99,9 %, 95 % KI 0,5–99,9 %)" in sentence and "målet 99,9 %" in sentence
    assert (charts.percent_text(0.999), charts.percent_text(0.005)) == ("99,9 %", "1 %")
    assert (planning.percent(0.999), planning.percent(0.005)) == ("99,9 %", "0,5 %")
    sheet = Workbook().active
    for column, (value, kind) in enumerate(((0.999, "share"), (0.005, "lower"), (0.9985, "upper")), start=1):
        cell = sheet.cell(1, column, value)
        export._share_cell(cell, kind)
    assert [sheet.cell(1, c).number_format for c in (1, 2, 3)] == ["0.0\\ %"] * 3
    assert [sheet.cell(1, c).value for c in (1, 2, 3)] == [0.999, pytest.approx(0.005), pytest.approx(0.999)]


def test_a_change_is_signed_in_percentage_points_with_the_minus_sign_for_a_fall():
    assert formatting.points(0.12437) == "+12,4 procentenheter"
    assert formatting.points(-0.03) == "\u22123 procentenheter"
    assert formatting.points(0.0) == "±0 procentenheter"


def test_for_print_keeps_a_figure_and_its_unit_on_one_line():
    assert formatting.for_print("86 % (75–93 %), +3 procentenheter, 5 akter") == \
        "86\u00a0% (75–93\u00a0%), +3\u00a0procentenheter, 5 akter"
