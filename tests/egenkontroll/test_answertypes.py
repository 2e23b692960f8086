"""Answer types: one registry, an unknown type refused at load and in the review app, a new type
registered once and then checked, counted, shown in conditions and answered by the demo.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from egenkontroll import ChecklistError, SessionError, checklists, results, review, simulate
from egenkontroll.answertypes import ANSWER_TYPES, AnswerType
from tests.egenkontroll.test_results import adult_case, import_cases

BETYG = AnswerType("betyg", "uppfyllt, delvis eller ej uppfyllt", "text",
                   "Svaret ska vara uppfyllt, delvis eller ej_uppfyllt",
                   values={"uppfyllt": "Uppfyllt", "delvis": "Delvis", "ej_uppfyllt": "Ej uppfyllt"},
                   yes="uppfyllt", no="ej_uppfyllt")
TIMMAR = AnswerType("timmar", "antal timmar", "number", "Svaret ska vara ett antal timmar")
OWN_TYPES = """\
id: egna_typer
version: 1
titel: Egna svarstyper
fragor:
  - id: bedomning
    fraga: Är planen uppfylld?
    typ: betyg
    kritisk: ja
  - id: timmar
    fraga: Hur många timmar lades på uppföljningen?
    typ: timmar
    visas_om: bedomning
"""


def with_type(kind: str) -> str:
    return f"id: prov\nversion: 1\ntitel: Prov\nfragor:\n  - id: a\n    fraga: K\n    typ: {kind}\n"


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """BETYG (counted) and TIMMAR (not counted) in the registry, for this test only."""
    monkeypatch.setitem(ANSWER_TYPES, BETYG.name, BETYG)
    monkeypatch.setitem(ANSWER_TYPES, TIMMAR.name, TIMMAR)


@pytest.fixture
def own_checklist(registered, tmp_path: Path) -> Path:
    path = tmp_path / "egna_typer.yaml"
    path.write_text(OWN_TYPES, encoding="utf-8")
    return path


@pytest.fixture
def ten_cases(workspace, tmp_path: Path):
    import_cases(workspace, tmp_path, [adult_case(i, "Norr", date(2026, 1, 2) + timedelta(days=i))
                                       for i in range(10)])
    return workspace


# --------------------------------------------------------------------------- load


@pytest.mark.parametrize("kind", ["ja_nej_kanske", "[ja_nej]", "{ja: nej}", "betyg"])
def test_an_unknown_type_is_refused_at_load_naming_its_line(kind: str) -> None:
    with pytest.raises(ChecklistError) as raised:
        checklists.loads(with_type(kind))
    [problem] = raised.value.problems
    assert (problem.row, problem.column) == (7, "a")
    assert problem.message.startswith("Okänd svarstyp") and "tillåtna: ja_nej, datum, tal" in problem.message


def test_a_registered_type_loads_and_is_named_among_the_allowed(registered) -> None:
    assert checklists.loads(with_type("betyg")).item("a").answer_type is BETYG
    with pytest.raises(ChecklistError, match="tillåtna: .*betyg, timmar"):
        checklists.loads(with_type("betygg"))


def test_a_registered_type_checks_its_answers_and_its_values_in_conditions(own_checklist) -> None:
    checklist = checklists.load(own_checklist)
    bedomning, timmar = checklist.items
    assert bedomning.check_answer("kanske") == "Svaret ska vara uppfyllt, delvis eller ej_uppfyllt"
    assert bedomning.check_answer("delvis") is None
    assert timmar.check_answer("två") == "Svaret ska vara ett antal timmar"
    assert timmar.check_answer("2,5") is None
    shown = {value: [item.id for item in checklist.visible_items({}, {"bedomning": value})]
             for value in BETYG.values}
    assert shown == {"uppfyllt": ["bedomning", "timmar"], "delvis": ["bedomning"],
                     "ej_uppfyllt": ["bedomning"]}
    wrong_value = OWN_TYPES.replace("visas_om: bedomning", 'visas_om: bedomning == "kanske"')
    with pytest.raises(ChecklistError, match="'kanske' är inget möjligt värde för bedomning"):
        checklists.loads(wrong_value)


def test_kritisk_is_allowed_on_every_counted_type_only(registered) -> None:
    assert checklists.loads(with_type("betyg") + "    kritisk: ja\n").item("a").critical
    with pytest.raises(ChecklistError, match="typen ja_nej eller beraknad eller betyg"):
        checklists.loads(with_type("timmar") + "    kritisk: ja\n")


# --------------------------------------------------------------------------- store and results


def test_a_registered_type_is_stored_counted_in_results_and_its_no_is_a_deviation(ten_cases, own_checklist):
    session = ten_cases.create_session(checklists.load(own_checklist), n=10, seed=1, period="2026-T1")
    values = ["uppfyllt"] * 6 + ["ej_uppfyllt"] * 3 + ["delvis"]
    for case_id, value in zip(session.case_ids, values, strict=True):
        session.record(case_id, "bedomning", value, reviewer="Granskare A")
    session.record(session.case_ids[0], "timmar", 2.5, reviewer="Granskare A")
    with pytest.raises(SessionError, match="Svaret ska vara uppfyllt, delvis eller ej_uppfyllt"):
        session.record(session.case_ids[0], "bedomning", "kanske", reviewer="Granskare A")
    figures = results.item_results(ten_cases)
    assert list(figures["item"].unique()) == ["bedomning"]
    bedomning = figures[figures["group"] == "Alla"].iloc[0]
    assert (bedomning["k"], bedomning["n"]) == (6, 9)
    deviations = session.checklist.deviations({}, {"bedomning": "ej_uppfyllt"})
    assert [deviation.item_id for deviation in deviations] == ["bedomning"]
    assert session.checklist.deviations({}, {"bedomning": "delvis"}) == []


def test_the_demo_answers_registered_types_and_results_count_what_it_answered(
    ten_cases, own_checklist, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulate, "CHECKLISTS", ((str(own_checklist), False),))
    [session] = simulate.simulate_reviews(ten_cases, seed=3, per_session=10, periods=["2026-T1"])
    stored = session.answers()
    assert all(session.checklist.item(item_id).check_answer(value) is None
               for item_id, value in zip(stored["item_id"], stored["value"], strict=True))
    answers = stored.pivot(index="arende_id", columns="item_id", values="value")
    assert len(answers) == 10 and set(answers["bedomning"]) <= set(BETYG.values)
    shown = answers["bedomning"] == "uppfyllt"
    assert answers.loc[shown, "timmar"].notna().all() and answers.loc[~shown, "timmar"].isna().all()
    figures = results.item_results(ten_cases)
    bedomning = figures[(figures["item"] == "bedomning") & (figures["group"] == "Alla")].iloc[0]
    counted = answers["bedomning"].isin([BETYG.yes, BETYG.no])
    assert (bedomning["k"], bedomning["n"]) == (shown.sum(), counted.sum())


# --------------------------------------------------------------------------- review app


def editor(item: checklists.Item) -> review.ItemEditor:
    return review.ItemEditor(item, "", on_answer=lambda *_: None, on_text=lambda *_: None)


def test_every_answerable_type_has_a_widget() -> None:
    assert set(review._INPUTS) == {name for name, kind in ANSWER_TYPES.items() if not kind.computed}


def test_the_widget_map_refuses_a_type_it_has_no_widget_for(own_checklist) -> None:
    timmar = checklists.load(own_checklist).item("timmar")
    with pytest.raises(ChecklistError) as raised:
        editor(timmar)
    [problem] = raised.value.problems
    assert (problem.row, problem.column) == (timmar.line, "timmar")
    assert problem.message.startswith("Svarstypen 'timmar' kan inte visas i granskningen")


def test_a_registered_type_with_a_widget_shows_its_own_labels(own_checklist, monkeypatch) -> None:
    monkeypatch.setitem(review._INPUTS, BETYG.name, review._INPUTS["ja_nej"])
    shown = editor(checklists.load(own_checklist).item("bedomning"))
    assert shown.input.options == tuple((label, value) for value, label in BETYG.values.items())
    assert shown.comment is not None
