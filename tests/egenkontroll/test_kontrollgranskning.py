"""Issue 22, the workflow: kontrollgranskning (a seeded, blind second reading of a sub-draw of a granskning's
cases) and samstämmighet per item (egenkontroll.agreement), in the store, results, the dashboard, the
review model and widgets, the Excel export and the command line.

The store tests run on SQLite and on PostgreSQL (marked ``both_backends``, tests/pgserver.py); the screens
on SQLite."""

from __future__ import annotations

import json
import random
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from drills.synthetic import write_register
from ipywidgets import Widget
from openpyxl import load_workbook

import sampling
from egenkontroll import (
    SessionError,
    _db,
    agreement,
    checklists,
    cli,
    dashboard,
    export,
    results,
    review,
    store,
)
from egenkontroll._review_model import CORRECTED_ELSEWHERE, ReviewModel, StartModel

both_backends = pytest.mark.both_backends

CASES = 60
AS_OF = date(2026, 12, 31)
#: what the first reviewer wrote; the second reviewer must never see it
SECRET_COMMENT = "Förste granskarens hemliga anteckning 7f3a"
SECRET_REASON = "Förste granskarens rättelseorsak 9c1e"
VALD = checklists.load("valdsfraga")


@pytest.fixture
def ws(workspace, tmp_path):
    """A workspace holding the synthetic register of CASES cases."""
    workspace.import_register(write_register(tmp_path / "register.csv", CASES))
    return workspace


@pytest.fixture
def pair(ws):
    """A våldsfråga granskning of 20 cases in 2026-T1 and its kontrollgranskning of 10."""
    first = ws.create_session("valdsfraga", n=20, seed=7, period="2026-T1")
    return first, ws.create_control_session(first.id, k=10, seed=3)


def _answer(session, case_ids, answers, reviewer, comment=None):
    """Record *answers* (item -> value, or a list of values, one per case) on every case of *case_ids*."""
    rows = [{"case_id": case_id, "item_id": item, "value": value if isinstance(value, str) else value[i],
             "reviewer": reviewer, "comment": comment if item == "vald_fragat" else None}
            for i, case_id in enumerate(case_ids) for item, value in answers.items()]
    session.record_many(rows)


# --- the kontrollgranskning in the store -------------------------------------------------------------

@both_backends
def test_the_control_session_is_a_seeded_sub_draw_that_its_manifest_reproduces(pair):
    first, control = pair
    assert control.parent_id == first.id and first.parent_id is None
    assert len(control.case_ids) == 10 and set(control.case_ids) <= set(first.case_ids)
    manifest = control.manifest
    assert (manifest["seed"], manifest["n"], manifest["N"]) == (3, 10, 20)
    assert manifest["parent_session"] == first.id
    again = sampling.select(first.design[["arende_id"]], 10, seed=3, id_column="arende_id")
    assert again.ids == manifest["selected_ids"] and sorted(again.ids) == sorted(control.case_ids)
    verification = control.verify()
    assert verification and not verification.frame_changed
    assert control.checklist.source_text == first.checklist.source_text and control.period == first.period
    assert control.summary()["kontroll_av"] == first.id and "kontroll_av" not in first.summary()
    tampered = {**manifest, "strata": [{**manifest["strata"][0], "ids": first.case_ids[:10]}]}
    if sorted(first.case_ids[:10]) != sorted(control.case_ids):
        with pytest.raises(sampling.VerificationError):
            sampling.verify(tampered, control.sampling_frame())


@both_backends
def test_control_sessions_are_refused_where_they_make_no_sense(ws, pair):
    first, control = pair
    with pytest.raises(SessionError, match="har redan kontrollgranskningen"):
        ws.create_control_session(first.id, k=5, seed=1)
    with pytest.raises(SessionError, match="är själv en kontrollgranskning"):
        ws.create_control_session(control.id, k=5)
    other = ws.create_session("barnperspektiv", n=6, seed=1)
    for k in (None, 1, 7):
        with pytest.raises(SessionError, match="minst 2|större än granskningen"):
            ws.create_control_session(other.id, k=k)
    with pytest.raises(SessionError, match="kontrollgranskning"):
        control.correct(control.case_ids[0], "inkom_datum", "2026-01-02", "fel datum")
    assert store.control_session(ws, other.id) is None
    assert store.control_session(ws, first.id).id == control.id


@both_backends
def test_a_control_session_is_no_overlap_and_the_overlap_rule_still_holds(ws, pair):
    first, control = pair
    with pytest.raises(SessionError, match=f"Granskningen {first.id} "):  # the parent refuses
        ws.create_session("valdsfraga", n=5, seed=2, period="2026")
    assert ws.create_session("valdsfraga", n=3, seed=2, period="2026-T2").period[0] == date(2026, 5, 1)


@both_backends
def test_the_second_reading_never_changes_the_first_granskning_figures(ws, pair):
    first, control = pair
    _answer(first, first.case_ids, {"vald_fragat": "ja", "framkom_vald": "nej"}, "Anna")
    before = results.item_results(ws, as_of=AS_OF)
    before_json = results.results_json(ws, as_of=AS_OF)
    _answer(control, control.case_ids, {"vald_fragat": "nej"}, "Bertil")
    assert [s.id for s in ws.sessions()] == [first.id]
    assert [s.id for s in ws.sessions(controls=True)] == [first.id, control.id]
    pd.testing.assert_frame_equal(results.item_results(ws, as_of=AS_OF), before)
    assert results.results_json(ws, as_of=AS_OF) == before_json
    named = results.item_results(ws, sessions=[first.id, control.id], as_of=AS_OF)
    pd.testing.assert_frame_equal(named, before)
    assert [entry["session"] for entry in named.attrs["left_out"]] == [control.id]
    assert "kontrollgranskning" in named.attrs["left_out"][0]["reason"]
    vald = before.set_index("item").loc["vald_fragat"]
    assert (vald["k"], vald["n"]) == (20, 20)


@both_backends
def test_the_agreement_pairs_visible_answers_and_lists_the_lowest_first(ws, pair):
    first, control = pair
    cases = control.case_ids
    others = [case_id for case_id in first.case_ids if case_id not in cases]
    _answer(first, cases, {"vald_fragat": "ja", "framkom_vald": ["ja"] * 4 + ["nej"] * 6}, "Anna")
    _answer(first, others, {"vald_fragat": "nej"}, "Anna")
    _answer(first, cases[:4], {"riskbedomning": "ja"}, "Anna")
    # the second reader: vald_fragat nej on the last case (which hides framkom_vald there), framkom_vald
    # ja on the first three only (a disagreement on the fourth, which hides riskbedomning there)
    _answer(control, cases, {"vald_fragat": ["ja"] * 9 + ["nej"],
                             "framkom_vald": ["ja"] * 3 + ["nej"] * 6 + ["ja"],
                             "kommentar": "fritext jämförs inte"}, "Bertil")
    _answer(control, [*cases[:4], cases[9]], {"riskbedomning": ["nej"] * 3 + ["ja", "ja"]}, "Bertil")
    report = agreement.for_granskning(ws, first.id)
    assert agreement.for_granskning(ws, control.id) == report  # the control's id names the same pair
    assert [(item.item, item.n, item.agreed) for item in report.items] == [
        ("riskbedomning", 3, 0), ("framkom_vald", 9, 8), ("vald_fragat", 10, 9)]  # lowest agreement first
    differences = {item.item: [(d.arende_id, d.first, d.second) for d in item.differences]
                   for item in report.items}
    assert differences["vald_fragat"] == [(cases[9], "ja", "nej")]
    assert differences["framkom_vald"] == [(cases[3], "ja", "nej")]
    assert differences["riskbedomning"] == [(case_id, "ja", "nej") for case_id in cases[:3]]
    assert report.first_reviewers == ("Anna",) and report.second_reviewers == ("Bertil",)
    assert report.compared == 10 and report.sampled == 10 and report.parent_sampled == 20
    assert json.loads(json.dumps(report.to_json()))["fragor"][0]["fraga"] == "riskbedomning"


def test_computed_items_are_never_compared(ws):
    first = ws.create_session("utredningstid", n=10, seed=1)
    ws.create_control_session(first.id, k=4, seed=1)  # both readings have the computed verdicts, no answers
    assert any(item.computed for item in first.checklist.items)
    assert agreement.for_granskning(ws, first.id).items == ()


def test_a_granskning_without_control_has_no_agreement(ws):
    first = ws.create_session("valdsfraga", n=5, seed=1)
    with pytest.raises(SessionError, match="har ingen kontrollgranskning.*egenkontroll kontrollgranskning"):
        agreement.for_granskning(ws, first.id)


def test_migration_3_gives_old_sessions_no_parent(tmp_path):
    engine = _db.create_engine(f"sqlite:///{tmp_path / 'egenkontroll.sqlite'}")
    _db.migrate(engine, _db.MIGRATIONS[:2])
    with engine.begin() as connection:
        connection.execute(_db._V1.tables["sessions"].insert().values(
            id="gammal", title="t", checklist_id="valdsfraga", checklist_version="1",
            checklist_source=VALD.source_text, manifest="{}", created_by="x", created_at="2026-01-01"))
    assert _db.migrate(engine, _db.MIGRATIONS[:3]) == 3  # step 3 alone, whatever steps follow
    with engine.connect() as connection:
        assert connection.execute(sa.select(_db.sessions.c.parent_id)).scalar_one() is None


# --- the statistics per item ---------------------------------------------------------------------

def _pairs(answers: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    return [(f"Ä-{i:04d}", one, two) for i, (one, two) in enumerate(answers)]


def _figures(result: agreement.ItemAgreement) -> tuple:
    return tuple((f.estimate, f.lower, f.upper) if f is not None else None
                 for f in (result.percent, result.kappa, result.ac1))


def test_perfect_agreement_gives_one():
    answers = [("ja", "ja")] * 7 + [("nej", "nej")] * 3 + [("ej_aktuellt", "ej_aktuellt")]
    result = agreement.item_agreement(VALD.item("vald_fragat"), _pairs(answers))
    assert (result.percent.estimate, result.kappa.estimate, result.ac1.estimate) == (1.0, 1.0, 1.0)
    assert result.differences == () and result.note == ""


@pytest.mark.parametrize("seed", range(5))
def test_rater_order_changes_nothing(seed):
    draw = random.Random(seed)
    answers = [(draw.choice(["ja", "ja", "nej", "ej_aktuellt"]), draw.choice(["ja", "nej"]))
               for _ in range(25)]
    item = VALD.item("framkom_vald")
    forward = agreement.item_agreement(item, _pairs(answers))
    backward = agreement.item_agreement(item, _pairs([(two, one) for one, two in answers]))
    flat = [[value for figure in _figures(result) if figure for value in figure]
            for result in (forward, backward)]
    assert flat[0] == pytest.approx(flat[1]) and len(flat[0]) == 9
    assert [d.arende_id for d in forward.differences] == [d.arende_id for d in backward.differences]


def test_a_kappa_without_value_is_explained_in_swedish():
    result = agreement.item_agreement(VALD.item("vald_fragat"), _pairs([("ja", "ja")] * 12))
    assert result.kappa is None and result.ac1.estimate == 1.0 and result.percent.estimate == 1.0
    assert "Kappa saknas" in result.note and "ja i alla 12 ärenden" in result.note and "0/0" in result.note
    one = agreement.item_agreement(VALD.item("vald_fragat"), _pairs([("ja", "nej")]))
    assert one.kappa is None and one.ac1 is None and "minst två" in one.note


def test_a_dominant_answer_explains_a_low_kappa_beside_a_high_agreement():
    answers = [("ja", "ja")] * 18 + [("ja", "nej"), ("nej", "ja")]
    result = agreement.item_agreement(VALD.item("vald_fragat"), _pairs(answers))
    assert result.percent.estimate == 0.9 and result.kappa.estimate < 0 < 0.85 < result.ac1.estimate
    assert result.note.startswith("Nästan alla svar är ja (95 %); kappa blir då lågt även när granskarna "
                                  "är överens")
    on_the_scale = sampling.gwet_ac1([[18, 1, 0], [1, 0, 0], [0, 0, 0]])  # ja, nej, ej aktuellt
    assert result.ac1 == on_the_scale and "AC1 (0,90)" in result.note and "kappa är −0,05" in result.note
    mixed = [("ja", "ja")] * 9 + [("nej", "nej")] * 9 + [("ja", "nej"), ("nej", "ja")]
    balanced = agreement.item_agreement(VALD.item("vald_fragat"), _pairs(mixed))
    assert balanced.note == "" and balanced.kappa.estimate == pytest.approx(0.8)


def test_the_display_frame_is_text_in_swedish():
    answers = [("ja", "ja")] * 18 + [("ja", "nej"), ("nej", "ja")]
    item = agreement.item_agreement(VALD.item("vald_fragat"), _pairs(answers), checklist="v")
    report = agreement.AgreementReport("g", "k", 20, 40, 1, 20, (item,))
    row = agreement.display_frame(report).iloc[0]
    assert list(row.index) == agreement.DISPLAY_COLUMNS
    assert (row["Andel överens"], row["AC1"], row["Kappa"]) == ("90 %", "0,90", "−0,05")
    assert row["Intervall (andel)"] == "69–98 %" and row["Intervall (AC1)"].endswith("– 1,00")
    assert row["Ärenden som skiljer"] == "Ä-0018 (ja/nej), Ä-0019 (nej/ja)"


# --- the screens: review model and widgets, dashboard, Excel, CLI -----------------------------------

@pytest.fixture
def reviewed(ws, pair):
    """The pair with the first reading done (a comment and a date correction) and part of the second."""
    first, control = pair
    _answer(first, first.case_ids, {"vald_fragat": "ja", "framkom_vald": "nej"}, "Anna",
            comment=SECRET_COMMENT)
    first.correct(control.case_ids[0], "inkom_datum", "2026-01-02", SECRET_REASON, reviewer="Anna")
    _answer(control, control.case_ids[:6], {"vald_fragat": ["nej"] + ["ja"] * 5, "framkom_vald": "nej"},
            "Bertil")
    return ws, first, control


@both_backends
def test_the_review_model_of_a_control_session_shows_nothing_of_the_first_reading(reviewed):
    ws, first, control = reviewed
    blind = ReviewModel(control, reviewer="Bertil", as_of=AS_OF)
    blind.go_to(control.case_ids[0])
    assert blind.blind and blind.agreement_report() is None
    assert set(blind.answers()) == {"vald_fragat", "framkom_vald"}
    assert blind.answers()["vald_fragat"].value == "nej" and blind.answers()["vald_fragat"].comment is None
    fact = next(f for f in blind.card().dates if f.field == "inkom_datum")
    assert fact.reason == CORRECTED_ELSEWHERE and fact.value == date(2026, 1, 2)
    assert SECRET_COMMENT not in repr(blind.summary())
    seen = ReviewModel(first, reviewer="Anna", as_of=AS_OF)
    assert not seen.blind and seen.agreement_report().control == control.id
    labels = dict((session_id, label) for label, session_id in StartModel(ws).session_choices())
    assert labels[control.id].endswith(" · kontrollgranskning")
    assert not labels[first.id].endswith("kontrollgranskning")


def test_the_review_app_of_a_control_session_is_blind_in_its_widget_state(reviewed):
    ws, first, control = reviewed
    Widget.close_all()  # a clean slate: only this app's widgets
    app = review.ReviewApp(ws, session_id=control.id, reviewer="Bertil", as_of=AS_OF)
    app.screen.show_summary()
    state = json.dumps(Widget.get_manager_state(drop_defaults=False))
    assert "Kontrollgranskning av" in state and "Samstämmighet" not in state
    assert SECRET_COMMENT not in state and SECRET_REASON not in state and "Anna" not in state
    assert "Rätta ett registerdatum" not in state  # a second reading corrects nothing
    opened = review.ReviewApp(ws, session_id=first.id, reviewer="Anna", as_of=AS_OF)
    opened.screen.show_summary()
    assert "<h3>Samstämmighet</h3>" in opened.screen.summary.value
    assert f"{control.case_ids[0]} (ja/nej)" in opened.screen.summary.value


def test_the_dashboard_leaves_control_sessions_out(reviewed):
    ws, first, control = reviewed
    model = dashboard.Model(ws, as_of=AS_OF)
    assert [s.id for s in model.sessions] == [first.id]
    assert set(model.answers["session"]) == {first.id}


def test_the_excel_export_has_a_samstammighet_sheet_without_case_ids(reviewed, tmp_path):
    ws, first, control = reviewed
    path = export.export_xlsx(ws, tmp_path / "rapport.xlsx", as_of=AS_OF)
    sheet = load_workbook(path)[export.AGREEMENT_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Granskning", "Kontrollgranskning", "Checklista", "Fråga", "Granskade två gånger",
                           "Överens")
    figures = {row[3]: row for row in rows[1:]}
    vald = figures[VALD.item("vald_fragat").text]
    assert vald[:2] == (first.id, control.id) and vald[4:7] == (6, 5, 5 / 6) and vald[-1] == 1
    assert not any(case_id in str(rows) for case_id in control.case_ids)
    pd.testing.assert_frame_equal(results.item_results(ws, as_of=AS_OF),
                                  results.item_results(ws, sessions=[first], as_of=AS_OF))
    other = ws.create_session("barnperspektiv", n=4, seed=1)
    ws.create_control_session(other.id, k=3, seed=1)
    other.record(other.case_ids[0], "barn_klarlagt", "ja", reviewer="Anna")
    rows = list(load_workbook(export.export_xlsx(ws, tmp_path / "r2.xlsx", as_of=AS_OF))[
        export.AGREEMENT_SHEET].iter_rows(values_only=True))
    assert len(rows) == 1 + len(figures)  # a granskning whose control has no pair yet adds no row


def test_a_sheet_only_with_a_control_session_and_few_cases_suppressed(ws, tmp_path):
    first = ws.create_session("valdsfraga", n=6, seed=1)
    without = load_workbook(export.export_xlsx(ws, tmp_path / "a.xlsx", as_of=AS_OF))
    assert export.AGREEMENT_SHEET not in without.sheetnames
    control = ws.create_control_session(first.id, k=3, seed=1)
    _answer(first, control.case_ids, {"vald_fragat": "ja"}, "Anna")
    _answer(control, control.case_ids, {"vald_fragat": "ja"}, "Bertil")
    row = list(load_workbook(export.export_xlsx(ws, tmp_path / "b.xlsx", as_of=AS_OF))[export.AGREEMENT_SHEET]
               .iter_rows(values_only=True))[1]
    assert row[4] == 3 and set(row[5:]) == {"–"}


def test_the_command_line_creates_the_control_session_and_reports_agreement(ws, capsys):
    first = ws.create_session("valdsfraga", n=12, seed=5)
    folder = str(ws.path)
    assert cli.main(["--workspace", folder, "kontrollgranskning", first.id, "--antal", "6", "--seed", "9",
                     "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    control = ws.session(created["id"])
    assert (created["granskning"], created["k"], created["seed"]) == (first.id, 6, 9)
    assert created["arenden"] == control.case_ids
    _answer(first, control.case_ids, {"vald_fragat": "ja"}, "Anna")
    _answer(control, control.case_ids, {"vald_fragat": ["nej"] + ["ja"] * 5}, "Bertil")
    assert cli.main(["--workspace", folder, "samstammighet", first.id]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Samstämmighet mellan granskningen {first.id} och "
                           f"kontrollgranskningen\n{control.id}")
    assert "granskare Anna mot Bertil" in text
    assert "5 av 6 överens: 83 %" in text
    assert f"Skiljer sig (första/andra): {control.case_ids[0]} (ja/nej)" in text
    assert max(len(line) for line in text.splitlines()) <= cli.TABLE_WIDTH
    assert cli.main(["--workspace", folder, "samstammighet", first.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fragor"][0]["overens"] == 5
    assert cli.main(["--workspace", folder, "status"]) == 0
    assert f"kontrollgranskning av {first.id}" in capsys.readouterr().out
    for args, message in ((["kontrollgranskning", first.id, "--antal", "3"],
                           "har redan kontrollgranskningen"),
                          (["kontrollgranskning", "finns-inte", "--antal", "3"], "finns inte i arbetsytan"),
                          (["samstammighet", "finns-inte"], "finns inte i arbetsytan")):
        assert cli.main(["--workspace", folder, *args]) == 2
        assert message in capsys.readouterr().err
