"""The quality loop's storage: egenkontrollplan rows, åtgärder and risks, their log, revisions and refusals.

Every test using a workspace runs on SQLite and on PostgreSQL (``both_backends``, tests/pgserver.py)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from drills.synthetic import synthetic_personnummer, write_register

from egenkontroll import AccessError, ConflictError, LoopError, _db, actions, risks, yearplan

pytestmark = pytest.mark.both_backends


@pytest.fixture
def ws(workspace, tmp_path):
    workspace.import_register(write_register(tmp_path / "register.csv", 120))
    return workspace


@pytest.fixture
def session(ws):
    return ws.create_session("valdsfraga", n=8, seed=3, period="2026-T1")


def _plan(ws, **changes):
    row = {"year": 2026, "checklist": "valdsfraga", "period": "2026-T1", "planned_n": 8,
           "ansvarig": "Enhetschef"}
    return yearplan.add_plan_row(ws.engine, **{**row, **changes})


def _action(ws, session, **changes):
    values = {"session": session.id, "item": "vald_fragat", "action": "Påminnelse i arbetsplatsträff",
              "ansvarig": "Enhetschef", "deadline": "2026-06-30", "opened": "2026-05-15"}
    return actions.add_action(ws.engine, **{**values, **changes})


# --- the egenkontrollplan ------------------------------------------------------------------------

def test_a_plan_row_gets_its_period_deadline_and_is_planerad_until_then(ws):
    row_id = _plan(ws)
    _plan(ws, period="2026-03", checklist="barnperspektiv", deadline="2026-04-15")
    frame = yearplan.plan_status(ws.engine, 2026, as_of="2026-05-01")
    first = frame.set_index("id").loc[row_id]
    assert (first["period_start"], first["period_end"], first["deadline"]) == ("2026-01-01", "2026-04-30",
                                                                               "2026-05-31")
    assert frame["period"].tolist() == ["2026-T1", "2026-03"]  # by period start
    assert frame["status"].tolist() == ["planerad", "försenad"]  # the month's deadline passed


def test_a_linked_granskning_makes_the_row_pagar_then_genomford(ws, session):
    row_id = _plan(ws)
    yearplan.link_session(ws.engine, row_id, session.id)
    assert yearplan.plan_status(ws.engine, 2026, "2026-05-01")["status"].tolist() == ["pågår"]
    assert yearplan.plan_status(ws.engine, 2026, "2026-07-01")["status"].tolist() == ["försenad"]
    for case_id in session.case_ids:
        for item in session.checklist.items:
            if item.id == "vald_fragat":
                session.record(case_id, item.id, "ja")
            elif item.id == "framkom_vald":
                session.record(case_id, item.id, "nej")
    status = yearplan.plan_status(ws.engine, 2026, "2026-07-01").iloc[0]
    assert (status["status"], status["reviewed"], status["drawn"]) == ("genomförd", 8, 8)
    summary = yearplan.plan_summary(ws.engine, 2026, "2026-07-01")
    assert summary.text == "Egenkontrollplan 2026: 1 av 1 genomförda"


def test_the_summary_counts_done_and_overdue_rows():
    summary = yearplan.PlanSummary(2026, planned=6, done=5, overdue=1, as_of=date(2026, 12, 1))
    assert summary.text == "Egenkontrollplan 2026: 5 av 6 genomförda, 1 försenad"
    assert yearplan.PlanSummary(2026, 6, 3, 2, date(2026, 12, 1)).text.endswith("2 försenade")


def test_a_bad_plan_row_names_every_problem_and_writes_nothing(ws):
    with pytest.raises(LoopError) as raised:
        _plan(ws, checklist="finnsinte", period="2025-T4", planned_n=0, ansvarig=" ")
    message = str(raised.value)
    for part in ("checklistan 'finnsinte' finns inte", "'2025-T4' förstås inte", "minst 1", "ansvarig"):
        assert part in message
    assert yearplan.plan_rows(ws.engine).empty and yearplan.plan_history(ws.engine).empty


def test_a_period_outside_the_plans_year_is_refused(ws):
    with pytest.raises(LoopError, match="ligger inte i året 2026"):
        _plan(ws, period="2025-T3")


def test_linking_checks_checklist_and_period_and_a_linked_row_is_kept(ws, session):
    other = _plan(ws, checklist="barnperspektiv")
    with pytest.raises(LoopError, match="gäller checklistan barnperspektiv"):
        yearplan.link_session(ws.engine, other, session.id)
    wrong_period = _plan(ws, period="2026-T2")
    with pytest.raises(LoopError, match="inte planradens period"):
        yearplan.link_session(ws.engine, wrong_period, session.id)
    row_id = _plan(ws)
    assert yearplan.matching_rows(ws.engine, "valdsfraga", session.period) == [row_id]
    yearplan.link_session(ws.engine, row_id, session.id)
    assert yearplan.matching_rows(ws.engine, "valdsfraga", session.period) == []
    with pytest.raises(LoopError, match="tas inte bort"):
        yearplan.remove_plan_row(ws.engine, row_id)
    yearplan.remove_plan_row(ws.engine, other)
    assert set(yearplan.plan_rows(ws.engine)["id"]) == {wrong_period, row_id}
    removed = yearplan.plan_history(ws.engine, other)
    assert removed["change"].iloc[-1] == "borttagen" and "barnperspektiv" in removed["old_value"].tolist()


# --- the åtgärdsplan ----------------------------------------------------------------------------

def test_an_action_from_a_granskning_item_is_logged_field_by_field(ws, session, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "anna.chef")
    action_id = _action(ws, session, cause="Rutinen är okänd för nyanställda")
    stored = actions.action(ws.engine, action_id)
    assert (stored["kind"], stored["checklist_id"], stored["status"], stored["revision"]) == (
        "granskning", "valdsfraga", "planerad", 1)
    actions.set_status(ws.engine, action_id, "pågår")
    log = actions.action_history(ws.engine, action_id)
    assert set(log["actor"]) == {"anna.chef"}
    change = log[log["change"] == "ändring"].iloc[0]
    assert (change["field"], change["old_value"], change["new_value"], change["revision"]) == (
        "status", "planerad", "pågår", 2)
    assert "Rutinen är okänd för nyanställda" in log.loc[log["change"] == "ny", "new_value"].tolist()


def test_an_action_past_its_deadline_and_still_open_is_forsenad(ws, session):
    late, done = _action(ws, session), _action(ws, session)
    actions.set_status(ws.engine, done, "genomförd")
    table = actions.actions_table(ws.engine, as_of="2026-07-01").set_index("id")
    assert table.loc[late, "shown_status"] == "försenad" and bool(table.loc[late, "overdue"])
    assert table.loc[done, "shown_status"] == "genomförd"
    assert actions.actions_table(ws.engine, as_of="2026-06-30").set_index("id").loc[late, "shown_status"] == (
        "planerad")


def test_the_second_of_two_editors_gets_a_conflict_and_nothing_is_lost(ws, session):
    action_id = _action(ws, session)
    read_by_both = actions.action(ws.engine, action_id)["revision"]
    actions.update_action(ws.engine, action_id, cause="Första personens analys",
                          expected_revision=read_by_both)
    with pytest.raises(ConflictError, match=f"Åtgärden {action_id} ändrades av .* efter att du läste den"):
        actions.update_action(ws.engine, action_id, cause="Andra personens analys",
                              expected_revision=read_by_both)
    stored = actions.action(ws.engine, action_id)
    assert (stored["cause"], stored["revision"]) == ("Första personens analys", 2)


@pytest.mark.parametrize("field", ["deviation", "cause", "action", "ansvarig"])
def test_a_personnummer_in_any_free_text_of_an_action_is_refused(ws, field):
    values = {"kind": "lex_sarah", "deviation": "Brister i bemötande", "cause": "Stress",
              "action": "Utbildning", "ansvarig": "Verksamhetschef", "deadline": "2026-09-30",
              "opened": "2026-05-01"}
    values[field] = f"{values[field]} {synthetic_personnummer(3)}"
    with pytest.raises(LoopError, match="innehåller ett personnummer, som inte får sparas"):
        actions.add_action(ws.engine, **values)
    assert actions.actions_table(ws.engine, as_of="2026-05-01").empty


def test_a_personnummer_is_refused_in_changes_plans_and_risks_too(ws, session):
    number = synthetic_personnummer(5)
    action_id = _action(ws, session)
    with pytest.raises(LoopError, match="^Orsaksanalysen innehåller ett personnummer.*Inget sparades"):
        actions.update_action(ws.engine, action_id, cause=f"Gäller {number}")
    with pytest.raises(LoopError, match="Ansvarig innehåller ett personnummer"):
        _plan(ws, ansvarig=number)
    with pytest.raises(LoopError, match="Beskrivningen innehåller ett personnummer"):
        risks.add_risk(ws.engine, title="Risk", sannolikhet=1, konsekvens=1, description=number)
    with pytest.raises(LoopError, match="Risken innehåller ett personnummer"):
        risks.update_risk(ws.engine, risks.add_risk(ws.engine, title="Risk", sannolikhet=1, konsekvens=1),
                          title=number)
    assert actions.action(ws.engine, action_id)["revision"] == 1
    assert not any(number in str(value) for value in actions.action_history(ws.engine)["new_value"])


def test_effect_statuses_are_not_set_by_hand(ws, session):
    action_id = _action(ws, session)
    with pytest.raises(LoopError, match="sätts bara av en uppföljning"):
        actions.set_status(ws.engine, action_id, "effekt uppnådd")
    with pytest.raises(LoopError, match="finns inte; välj bland"):
        actions.set_status(ws.engine, action_id, "klar")
    assert actions.action(ws.engine, action_id)["revision"] == 1


def test_a_bad_action_names_every_problem(ws, session):
    with pytest.raises(LoopError) as raised:
        actions.add_action(ws.engine, session=session.id, item="kommentar", action=" ", ansvarig="",
                           deadline="30/13/2026")
    message = str(raised.value)
    for part in ("ingen fråga 'kommentar' som mäts", "åtgärden saknas", "ansvarig saknas", "inget datum"):
        assert part in message
    with pytest.raises(LoopError, match="registeruppgiften 'okand'.*tertialet"):
        actions.add_action(ws.engine, indicator="okand", action="x", ansvarig="y", deadline="2026-09-30")


# --- the riskanalys -----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (1, "låg"), (2, "låg"), (3, "låg"), (4, "medel"), (6, "medel"), (8, "hög"), (9, "hög"),
    (12, "mycket hög"), (16, "mycket hög")])
def test_every_possible_risk_value_has_its_band(value, expected):
    assert risks.band(value) == expected


def test_risks_are_listed_highest_first_with_their_actions_and_watch(ws, session):
    action_id = _action(ws, session)
    low = risks.add_risk(ws.engine, title="Sen förhandsbedömning", sannolikhet=1, konsekvens=3,
                         indicator="forhandsbedomning_14_dagar")
    high = risks.add_risk(ws.engine, title="Våld upptäcks inte", sannolikhet=3, konsekvens=4,
                          checklist="valdsfraga", item="vald_fragat", actions=[action_id])
    table = risks.risks_table(ws.engine)
    assert table["id"].tolist() == [high, low]
    assert table[["value", "band"]].values.tolist() == [[12, "mycket hög"], [3, "låg"]]
    assert table["actions"].tolist() == [(action_id,), ()]
    question = "Våldsfråga: Har frågan om våld ställts och är svaret dokumenterat?"
    assert table["watched_by"].tolist() == [question, "Förhandsbedömning inom 14 dagar"]
    matrix = risks.risk_matrix(ws.engine)
    assert matrix.loc[4, 3] == 1 and matrix.loc[3, 1] == 1 and int(matrix.to_numpy().sum()) == 2
    assert matrix.index.tolist() == [4, 3, 2, 1] and matrix.columns.tolist() == [1, 2, 3, 4]


def test_a_bad_risk_names_every_problem(ws):
    with pytest.raises(LoopError) as raised:
        risks.add_risk(ws.engine, title="", sannolikhet=5, konsekvens=0, checklist="valdsfraga", item="nej",
                       actions=[99])
    message = str(raised.value)
    for part in ("sannolikhet ska vara ett heltal 1-4 (inte 5)", "konsekvens", "rubrik", "ingen fråga 'nej'",
                 "åtgärd 99 finns inte"):
        assert part in message
    assert risks.risks_table(ws.engine).empty


# --- the log and the roles ----------------------------------------------------------------------

def test_the_loop_log_is_append_only_in_the_database_itself(ws, session):
    _action(ws, session)
    for statement in ("UPDATE loop_log SET actor = 'x'", "DELETE FROM loop_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), _db.write(ws.engine) as connection:
            connection.exec_driver_sql(statement)
    assert len(actions.action_history(ws.engine)) > 0


def test_ledning_may_read_the_loop_but_write_nothing(ws, session, monkeypatch):
    action_id = _action(ws, session)
    monkeypatch.setenv("EGENKONTROLL_ROLE", "ledning")
    with pytest.raises(AccessError):
        actions.set_status(ws.engine, action_id, "pågår")
    with pytest.raises(AccessError):
        _plan(ws)
    assert actions.actions_table(ws.engine, as_of="2026-05-01")["status"].tolist() == ["planerad"]
