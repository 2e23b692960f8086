"""Date rules: every example pinned in domain.md, the law switch, and register-wide agreement."""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egenkontroll import rules
from egenkontroll.rules import add_months, evaluate_rule, register_status

D = dt.date
AS_OF = D(2026, 6, 15)


def child(**fields: object) -> dict[str, object]:
    return {"arendetyp": "barn_och_unga", **fields}


# --------------------------------------------------------------------------- add_months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 10), 4, D(2026, 5, 10)),
        (D(2025, 10, 31), 4, D(2026, 2, 28)),
        (D(2023, 10, 31), 4, D(2024, 2, 29)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 12, 31), 3, D(2026, 3, 31)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_add_months_matches_calendar_for_every_day_of_a_decade() -> None:
    day = D(2019, 1, 1)
    while day < D(2031, 1, 1):
        for months in (3, 4):
            target_year, target_month = divmod(day.year * 12 + day.month - 1 + months, 12)
            last = calendar.monthrange(target_year, target_month + 1)[1]
            expected = D(target_year, target_month + 1, min(day.day, last))
            assert add_months(day, months) == expected
        day += dt.timedelta(days=1)


# --------------------------------------------------------------------------- 14 days


def test_fourteen_day_deadline_pinned_example() -> None:
    assert rules.deadline("forhandsbedomning_14_dagar", D(2026, 3, 2)) == D(2026, 3, 16)


@pytest.mark.parametrize(
    ("decided", "compliant", "explanation"),
    [
        ("2026-03-10", True, "Förhandsbedömningen gjordes 2026-03-10, inom fristen 2026-03-16"),
        ("2026-03-16", True, "Förhandsbedömningen gjordes 2026-03-16, inom fristen 2026-03-16"),
        ("2026-03-17", False, "Förhandsbedömningen gjordes 2026-03-17, 1 dag efter fristen 2026-03-16"),
        ("2026-03-20", False, "Förhandsbedömningen gjordes 2026-03-20, 4 dagar efter fristen 2026-03-16"),
    ],
)
def test_fourteen_day_rule(decided: str, compliant: bool, explanation: str) -> None:
    verdict = evaluate_rule(
        "forhandsbedomning_14_dagar",
        child(inkom_datum="2026-03-02", forhandsbedomning_datum=decided),
        as_of=AS_OF,
    )
    assert verdict.compliant is compliant
    assert verdict.explanation == explanation
    assert verdict.reference == "20 kap. 2 § SoL (2025:400)"


def test_fourteen_day_rule_does_not_apply_with_an_open_investigation() -> None:
    case = child(inkom_datum="2026-03-02", forhandsbedomning_datum="2026-04-30",
                 pagaende_utredning=True)
    verdict = evaluate_rule("forhandsbedomning_14_dagar", case, as_of=AS_OF)
    assert verdict.compliant is None
    assert verdict.explanation == "Pågående utredning när anmälan kom in - regeln gäller inte"


def test_missing_forhandsbedomning_is_late_once_the_14_days_have_passed() -> None:
    # domain.md, "Date arithmetic": neither date, no investigation already open, 14 days passed
    case = child(inkom_datum="2026-03-02")
    late = evaluate_rule("forhandsbedomning_14_dagar", case, as_of="2026-03-17")
    assert late.compliant is False
    assert late.explanation == "Förhandsbedömning saknas; fristen 2026-03-16 har passerat"
    inside = evaluate_rule("forhandsbedomning_14_dagar", case, as_of="2026-03-16")
    assert inside.compliant is None
    assert inside.explanation == "Förhandsbedömning saknas; fristen löper ut 2026-03-16"


def test_an_opened_investigation_dates_the_forhandsbedomning() -> None:
    case = child(inkom_datum="2026-03-02", utredning_inledd="2026-03-16")
    verdict = evaluate_rule("forhandsbedomning_14_dagar", case, as_of="2026-12-31")
    assert verdict.compliant is True
    later = {**case, "utredning_inledd": "2026-03-17"}
    late = evaluate_rule("forhandsbedomning_14_dagar", later, as_of="2026-12-31")
    assert late.compliant is False


@pytest.mark.parametrize(
    ("received", "reference"),
    [
        ("2025-06-30", "11 kap. 1 a § andra stycket SoL (2001:453)"),
        ("2025-07-01", "20 kap. 2 § SoL (2025:400)"),
    ],
)
def test_fourteen_day_rule_cites_the_law_in_force_on_inkom_datum(received: str, reference: str) -> None:
    verdict = evaluate_rule(
        "forhandsbedomning_14_dagar",
        child(inkom_datum=received, forhandsbedomning_datum="2025-07-20"),
        as_of=AS_OF,
    )
    assert verdict.reference == reference


# --------------------------------------------------------------------------- 4 months


@pytest.mark.parametrize(
    ("opened", "deadline"),
    [
        (D(2026, 1, 10), D(2026, 5, 10)),
        (D(2025, 10, 31), D(2026, 2, 28)),
        (D(2023, 10, 31), D(2024, 2, 29)),
    ],
)
def test_four_month_deadlines_pinned(opened: dt.date, deadline: dt.date) -> None:
    assert rules.deadline("utredning_4_manader", opened) == deadline
    closed_on_deadline = evaluate_rule(
        "utredning_4_manader", child(utredning_inledd=opened, utredning_avslutad=deadline), AS_OF
    )
    assert closed_on_deadline.compliant is True
    day_after = deadline + dt.timedelta(days=1)
    closed_late = evaluate_rule(
        "utredning_4_manader", child(utredning_inledd=opened, utredning_avslutad=day_after), AS_OF
    )
    assert closed_late.compliant is False


def test_four_month_late_explanation_uses_singular_day() -> None:
    verdict = evaluate_rule(
        "utredning_4_manader",
        child(utredning_inledd="2026-01-10", utredning_avslutad="2026-05-11"),
        as_of=AS_OF,
    )
    assert verdict.explanation == "Utredningen avslutades 2026-05-11, 1 dag efter fristen 2026-05-10"


def test_open_investigation_past_deadline_is_late() -> None:
    verdict = evaluate_rule("utredning_4_manader", child(utredning_inledd="2026-01-10"),
                            as_of="2026-05-11")
    assert verdict.compliant is False
    assert verdict.explanation == "Utredningen pågår; fristen 2026-05-10 har passerat"


@pytest.mark.parametrize("as_of", ["2026-04-01", "2026-05-10"])
def test_open_investigation_inside_deadline_is_undecided(as_of: str) -> None:
    verdict = evaluate_rule("utredning_4_manader", child(utredning_inledd="2026-01-10"), as_of=as_of)
    assert verdict.compliant is None
    assert verdict.explanation == "Utredningen pågår; fristen löper ut 2026-05-10"


def test_forlangning_makes_an_overrun_compliant() -> None:
    case = child(utredning_inledd="2026-01-10", utredning_avslutad="2026-06-01",
                 forlangning_beslutad=True)
    verdict = evaluate_rule("utredning_4_manader", case, as_of=AS_OF)
    assert verdict.compliant is True
    assert "22 dagar efter fristen 2026-05-10" in verdict.explanation
    assert "förlängning" in verdict.explanation


def test_forlangning_on_an_open_investigation_past_deadline_is_undecided() -> None:
    case = child(utredning_inledd="2026-01-10", forlangning_beslutad=True)
    assert evaluate_rule("utredning_4_manader", case, as_of=AS_OF).compliant is None


@pytest.mark.parametrize(
    ("opened", "reference"),
    [("2025-06-30", "11 kap. 2 § SoL (2001:453)"), ("2025-07-01", "20 kap. 3 § SoL (2025:400)")],
)
def test_four_month_rule_cites_the_law_in_force_on_utredning_inledd(opened: str, reference: str) -> None:
    # inkom_datum lies on the other side of the switch: the rule's own start date decides
    case = child(inkom_datum="2025-06-01", utredning_inledd=opened, utredning_avslutad="2025-08-01")
    assert evaluate_rule("utredning_4_manader", case, as_of=AS_OF).reference == reference


def test_unknown_start_cites_both_laws() -> None:
    verdict = evaluate_rule("utredning_4_manader", child(utredning_avslutad="2026-01-01"), AS_OF)
    assert verdict.compliant is None
    assert verdict.explanation == "Uppgift saknas: datum då utredningen inleddes"
    assert "20 kap. 3 § SoL (2025:400)" in verdict.reference
    assert "11 kap. 2 § SoL (2001:453)" in verdict.reference


def test_contradicting_dates_give_no_verdict() -> None:
    case = child(utredning_inledd="2026-02-01", utredning_avslutad="2026-01-01")
    verdict = evaluate_rule("utredning_4_manader", case, as_of=AS_OF)
    assert verdict.compliant is None
    assert verdict.explanation.startswith("Datumen går inte ihop")


def test_child_rules_do_not_apply_to_adult_cases() -> None:
    case = {"arendetyp": "vuxen_missbruk", "utredning_inledd": "2026-01-10",
            "utredning_avslutad": "2026-06-01"}
    assert evaluate_rule("utredning_4_manader", case, as_of=AS_OF).compliant is None


@pytest.mark.parametrize(
    "value",
    [D(2026, 1, 10), dt.datetime(2026, 1, 10, 15, 30), pd.Timestamp("2026-01-10"), "2026-01-10"],
)
def test_date_values_may_be_dates_datetimes_timestamps_or_iso_text(value: object) -> None:
    verdict = evaluate_rule("utredning_4_manader",
                            child(utredning_inledd=value, utredning_avslutad="2026-05-10"), AS_OF)
    assert verdict.compliant is True


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NaT, pd.NA])
def test_missing_values_count_as_unknown(missing: object) -> None:
    verdict = evaluate_rule("utredning_4_manader", child(utredning_inledd=missing), AS_OF)
    assert verdict.compliant is None
    assert verdict.explanation == "Ingen utredning är registrerad - regeln gäller inte"


# --------------------------------------------------------------------------- 3 months


def test_verkstallighet_not_carried_out_past_three_months_is_to_be_reported() -> None:
    verdict = evaluate_rule("verkstallighet_3_manader", {"beslut_datum": "2025-11-30"},
                            as_of="2026-03-01")
    assert verdict.compliant is False
    assert verdict.explanation == (
        "Beslutet är inte verkställt; fristen 2026-02-28 har passerat - ska rapporteras till IVO"
    )
    assert verdict.reference == "34 kap. 1-3 §§ SoL (2025:400)"


def test_verkstallighet_within_three_months_cites_old_law_before_the_switch() -> None:
    case = {"beslut_datum": "2025-06-30", "verkstallt_datum": "2025-09-30"}
    verdict = evaluate_rule("verkstallighet_3_manader", case, as_of=AS_OF)
    assert verdict.compliant is True
    assert verdict.reference == "16 kap. 6 f-h §§ SoL (2001:453)"


# --------------------------------------------------------------------------- register-wide


def test_register_status_has_one_nullable_boolean_column_per_rule() -> None:
    frame = pd.DataFrame(
        [
            child(inkom_datum="2026-03-02", forhandsbedomning_datum="2026-03-17"),
            child(utredning_inledd="2026-01-10", utredning_avslutad="2026-05-10"),
            {"arendetyp": "ekonomiskt_bistand", "beslut_datum": "2026-01-01"},
        ],
        index=["a", "b", "c"],
    )
    status = register_status(frame, as_of=AS_OF)
    assert list(status.columns) == list(rules.RULES)
    assert all(str(dtype) == "boolean" for dtype in status.dtypes)
    assert bool(status.loc["a", "forhandsbedomning_14_dagar"]) is False
    assert bool(status.loc["b", "utredning_4_manader"]) is True
    assert bool(status.loc["c", "verkstallighet_3_manader"]) is False
    assert status.loc["c", "utredning_4_manader"] is pd.NA


_days = st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 12, 31))
_date_values = st.one_of(
    st.none(), _days, _days.map(str), _days.map(pd.Timestamp), st.just(pd.NaT), st.just("inte datum")
)
_flags = st.sampled_from([True, False, None, "ja", "nej"])
_cases = st.fixed_dictionaries(
    {
        "arendetyp": st.sampled_from(["barn_och_unga", "vuxen_missbruk", None]),
        "inkom_datum": _date_values,
        "forhandsbedomning_datum": _date_values,
        "pagaende_utredning": _flags,
        "utredning_inledd": _date_values,
        "utredning_avslutad": _date_values,
        "forlangning_beslutad": _flags,
        "beslut_datum": _date_values,
        "verkstallt_datum": _date_values,
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(_cases, min_size=1, max_size=25), as_of=_days)
def test_register_status_agrees_with_evaluate_rule_row_by_row(
    cases: list[dict[str, object]], as_of: dt.date
) -> None:
    status = register_status(pd.DataFrame(cases), as_of=as_of)
    for row, case in enumerate(cases):
        for name in rules.RULES:
            expected = evaluate_rule(name, case, as_of=as_of).compliant
            got = status[name].iloc[row]
            assert (None if got is pd.NA else bool(got)) == expected, (name, case)
