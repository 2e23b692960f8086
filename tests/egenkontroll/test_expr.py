"""The condition language: whitelist, type checks, Kleene logic, scalar and column evaluation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from egenkontroll import _expr
from egenkontroll._expr import Symbol, compile_expression
from egenkontroll.errors import ChecklistError

SYMBOLS = {
    "arendetyp": Symbol("text", ("barn_och_unga", "vuxen_missbruk", "ovrigt")),
    "barn_i_hushallet": Symbol("bool"),
    "pagaende_utredning": Symbol("bool"),
    "inkom_datum": Symbol("date"),
    "fodelsear": Symbol("number"),
    "enhet": Symbol("text"),
    "svar": Symbol("text", ("ja", "nej", "ej_aktuellt")),
}


def evaluate(text: str, **values: object) -> bool | None:
    return compile_expression(text, SYMBOLS).evaluate(values)


def problems(text: str) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        compile_expression(text, SYMBOLS)
    return [problem.message for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ('arendetyp == "barn_och_unga"', {"arendetyp": "barn_och_unga"}, True),
        ('arendetyp != "barn_och_unga"', {"arendetyp": "ovrigt"}, True),
        ("barn_i_hushallet", {"barn_i_hushallet": True}, True),
        ("not barn_i_hushallet", {"barn_i_hushallet": True}, False),
        ("fodelsear < 1990", {"fodelsear": 1985}, True),
        ("fodelsear <= 1985", {"fodelsear": "1985"}, True),
        ("fodelsear > -1", {"fodelsear": 0}, True),
        ("fodelsear >= 1990.5", {"fodelsear": 1990}, False),
        ('inkom_datum >= "2025-07-01"', {"inkom_datum": dt.date(2025, 7, 1)}, True),
        ('inkom_datum < "2025-07-01"', {"inkom_datum": "2025-06-30"}, True),
        ('arendetyp in ["ovrigt", "vuxen_missbruk"]', {"arendetyp": "ovrigt"}, True),
        ('arendetyp not in ["ovrigt", "vuxen_missbruk"]', {"arendetyp": "ovrigt"}, False),
        ("1980 < fodelsear < 1990", {"fodelsear": 1985}, True),
        ("1980 < fodelsear < 1990", {"fodelsear": 1995}, False),
        ("svar", {"svar": "ja"}, True),
        ("svar", {"svar": "nej"}, False),
        ("svar", {"svar": "ej_aktuellt"}, False),
        ("enhet", {"enhet": "Norr"}, True),
        ("barn_i_hushallet == True", {"barn_i_hushallet": "ja"}, True),
        ("pagaende_utredning != False", {"pagaende_utredning": np.bool_(False)}, False),
    ],
)
def test_evaluates_operators(text: str, values: dict[str, object], expected: bool) -> None:
    assert evaluate(text, **values) is expected


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT, ""])
def test_unknown_values_make_comparisons_unknown(missing: object) -> None:
    assert evaluate('enhet == "Norr"', enhet=missing) is None
    assert evaluate("not barn_i_hushallet", barn_i_hushallet=missing) is None
    assert evaluate('inkom_datum > "2025-01-01"', inkom_datum=missing) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("barn_i_hushallet and pagaende_utredning", None),
        ("barn_i_hushallet and not pagaende_utredning", False),
        ("barn_i_hushallet or pagaende_utredning", True),
        ("barn_i_hushallet or not pagaende_utredning", None),
        ("not barn_i_hushallet", None),
    ],
)
def test_kleene_logic(text: str, expected: bool | None) -> None:
    # barn_i_hushallet unknown, pagaende_utredning True
    assert evaluate(text, pagaende_utredning=True) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("arendetyp.upper()", "funktionsanrop"),
        ("arendetyp.upper", "punktnotation"),
        ("enhet.__class__", "punktnotation"),
        ("len(enhet)", "funktionsanrop"),
        ("__import__('os')", "funktionsanrop"),
        ("enhet[0]", "indexering"),
        ("(lambda: True)", "lambda"),
        ("[x for x in enhet]", "listomfattningar"),
        ("{x for x in enhet}", "mängdomfattningar"),
        ("{x: 1 for x in enhet}", "ordboksomfattningar"),
        ("any(x for x in enhet)", "funktionsanrop"),
        ("fodelsear + 1 > 2000", "räkneoperationer"),
        ("__builtins__", "namn får inte börja med _"),
        ("_privat", "namn får inte börja med _"),
        ("enhet is None", "'is' är inte tillåten"),
        ('enhet if svar else "x"', "if-uttryck"),
        ("(y := 1)", "tilldelning"),
    ],
)
def test_whitelist_rejects(text: str, message: str) -> None:
    found = problems(text)
    assert any(message in problem for problem in found), found


def test_statements_and_broken_syntax_are_syntax_errors() -> None:
    assert "kan inte tolkas" in problems("import os")[0]
    assert "kan inte tolkas" in problems("barn_i_hushallet ==")[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("okand_sak", "okänt namn 'okand_sak'"),
        ('arendetyp == "barn"', "'barn' är inget möjligt värde för arendetyp"),
        ('arendetyp in ["ovrigt", "vuxen"]', "'vuxen' är inget möjligt värde för arendetyp"),
        ('svar == "kanske"', "'kanske' är inget möjligt värde för svar"),
        ('fodelsear == "1985"', "kan inte jämföra tal med text"),
        ('inkom_datum > "igår"', "'igår' är inget datum"),
        ("barn_i_hushallet > True", "kan inte jämföras med <"),
        ('enhet < "N"', "kan inte jämföras med <"),
        ("enhet == None", "värdet None är inte tillåtet"),
        ("enhet in enhet", "till höger om 'in'"),
        ('"a" in ["a"]', "till vänster om 'in'"),
        ("(fodelsear > 1) == True", "en jämförelse kan bara göras mellan"),
    ],
)
def test_type_and_value_problems(text: str, message: str) -> None:
    found = problems(text)
    assert any(message in problem for problem in found), found


def test_every_problem_in_one_condition_is_reported() -> None:
    found = problems('okand == 1 or enhet.x or arendetyp == "barn"')
    assert len(found) == 3


def test_names_lists_the_names_used() -> None:
    expression = compile_expression('arendetyp == "ovrigt" or not barn_i_hushallet', SYMBOLS)
    assert expression.names == {"arendetyp", "barn_i_hushallet"}


def test_evaluate_frame_matches_scalar_evaluation_with_unknowns() -> None:
    expression = compile_expression(
        '(arendetyp in ["ovrigt"] or not barn_i_hushallet) and inkom_datum >= "2025-07-01"'
        " or fodelsear > 2000",
        SYMBOLS,
    )
    rows = [
        {"arendetyp": "ovrigt", "barn_i_hushallet": True, "inkom_datum": "2025-07-01"},
        {"arendetyp": "barn_och_unga", "barn_i_hushallet": None, "inkom_datum": "2025-08-01"},
        {"arendetyp": None, "barn_i_hushallet": False, "inkom_datum": dt.date(2024, 1, 1),
         "fodelsear": 1950},
        {"arendetyp": "ovrigt", "barn_i_hushallet": None, "fodelsear": 2001},
        {"arendetyp": "ovrigt", "inkom_datum": "inte ett datum", "fodelsear": "1999"},
    ]
    column = expression.evaluate_frame(pd.DataFrame(rows))
    assert str(column.dtype) == "boolean"
    expected = [True, None, False, True, None]
    assert [None if value is pd.NA else bool(value) for value in column] == expected
    assert [expression.evaluate(row) for row in rows] == expected


def test_evaluate_frame_treats_a_missing_column_as_unknown() -> None:
    expression = compile_expression("barn_i_hushallet or fodelsear > 1", SYMBOLS)
    column = expression.evaluate_frame(pd.DataFrame({"fodelsear": [2, 0]}))
    assert [None if value is pd.NA else bool(value) for value in column] == [True, None]


def test_a_literal_over_a_frame_is_a_constant_column_and_every_node_evaluates_both_ways():
    frame = pd.DataFrame({"x": [1, 2, 3]}, index=[10, 11, 12])
    day = _expr._Literal(dt.date(2026, 3, 2), "date").column(frame)
    assert day.index.tolist() == [10, 11, 12] and set(day) == {pd.Timestamp("2026-03-02")}
    assert _expr._Literal("ja", "text").column(frame).tolist() == ["ja"] * 3
    with pytest.raises(TypeError):
        _expr._Node()  # abstract: a node that cannot evaluate both ways cannot be made
