"""Effect follow-up: "effekt uppnådd" only when a later measurement of the same item supports it."""

from __future__ import annotations

import math

import pytest
from drills.synthetic import write_register

from egenkontroll import EffectNotShownError, LoopError, actions, effect

PER_DATUM = "2026-12-31"


@pytest.fixture
def ws(workspace, tmp_path):
    workspace.import_register(write_register(tmp_path / "register.csv", 120))
    return workspace


def _granskning(ws, period, n, yes, seed=1):
    """A våldsfråga granskning of *n* cases of which *yes* were asked about violence."""
    session = ws.create_session("valdsfraga", n=n, seed=seed, period=period)
    answers = []
    for position, case_id in enumerate(session.case_ids):
        asked = position < yes
        answers.append({"case_id": case_id, "item_id": "vald_fragat", "value": "ja" if asked else "nej"})
        if asked:
            answers.append({"case_id": case_id, "item_id": "framkom_vald", "value": "nej"})
    session.record_many(answers)
    return session


def _action(ws, session, **changes):
    values = {"session": session.id, "item": "vald_fragat", "action": "Rutin för våldsfrågan",
              "ansvarig": "Enhetschef", "deadline": "2026-06-30", "opened": "2026-05-10"}
    return actions.add_action(ws.engine, **{**values, **changes})


def test_a_secured_improvement_marks_effekt_uppnadd_with_the_figures(ws):
    before = _granskning(ws, "2026-T1", 20, 10)
    after = _granskning(ws, "2026-T3", 20, 20)
    action_id = _action(ws, before)
    result = effect.record_follow_up(ws.engine, action_id, as_of=PER_DATUM)
    assert (result.before.k, result.before.n, result.after.k, result.after.n) == (10, 20, 20, 20)
    assert result.improvement_secured and result.p_value < 0.05 and not result.at_goal
    stored = actions.action(ws.engine, action_id)
    assert (stored["status"], stored["effect_source"]) == ("effekt uppnådd", after.id)
    note = stored["effect_note"].splitlines()
    assert note[0] == "Mäter: Våldsfråga: Har frågan om våld ställts och är svaret dokumenterat?"
    assert note[1].startswith("Före: 50 % (10 av 20; 95 % KI")
    assert note[1].endswith(") i granskningen jan–apr 2026")
    assert note[2].endswith(") i granskningen sep–dec 2026")
    assert "ökningen är säkerställd (Fishers exakta test p < 0,001, under 0,05)" in stored["effect_note"]
    log = actions.action_history(ws.engine, action_id)
    assert log.loc[log["field"] == "status", "new_value"].tolist() == ["planerad", "effekt uppnådd"]


def test_a_rise_chance_could_explain_is_refused_and_nothing_is_written(ws):
    before = _granskning(ws, "2026-T1", 20, 10)
    _granskning(ws, "2026-T2", 20, 13)
    action_id = _action(ws, before)
    actions.set_status(ws.engine, action_id, "genomförd")
    logged = len(actions.action_history(ws.engine))
    with pytest.raises(EffectNotShownError) as refused:
        effect.record_follow_up(ws.engine, action_id, as_of=PER_DATUM)
    message = str(refused.value)
    assert "markerades inte \"effekt uppnådd\"" in message
    assert "ökningen är inte säkerställd (Fishers exakta test p = 0,523, inte under 0,05)" in message
    assert "når inte målet 100 %" in message
    assert "har kvar status \"genomförd\"" in message and "--ej-uppnadd" in message
    assert refused.value.follow_up.after.k == 13
    assert actions.action(ws.engine, action_id)["status"] == "genomförd"
    assert len(actions.action_history(ws.engine)) == logged
    effect.record_follow_up(ws.engine, action_id, achieved=False, as_of=PER_DATUM)
    assert actions.action(ws.engine, action_id)["status"] == "effekt ej uppnådd"


def test_effekt_ej_uppnadd_is_refused_when_the_figures_show_the_effect(ws):
    before = _granskning(ws, "2026-T1", 20, 10)
    _granskning(ws, "2026-T3", 20, 20)
    action_id = _action(ws, before)
    with pytest.raises(LoopError, match="den senare mätningen visar effekten"):
        effect.record_follow_up(ws.engine, action_id, achieved=False, as_of=PER_DATUM)
    assert actions.action(ws.engine, action_id)["status"] == "planerad"


def test_the_later_measurement_must_come_after_the_deviation(ws):
    before = _granskning(ws, "2026-T2", 20, 10)
    earlier = _granskning(ws, "2026-T1", 20, 20)
    action_id = _action(ws, before)
    with pytest.raises(LoopError, match=f"{earlier.id} är ingen senare granskning.*Möjliga: inga ännu"):
        effect.follow_up(ws.engine, action_id, later=earlier.id, as_of=PER_DATUM)
    none_yet = "Ingen senare granskning av Våldsfråga har ännu svar på frågan \"Har frågan om våld ställts"
    with pytest.raises(LoopError, match=none_yet):
        effect.follow_up(ws.engine, action_id, as_of=PER_DATUM)
    assert effect.later_sessions(ws.engine, action_id) == []


def test_a_census_at_the_goal_supports_a_free_text_action_that_names_the_item(ws):
    whole = _granskning(ws, "2026-T3", 39, 39)  # every case of the tertial: no sampling error
    action_id = actions.add_action(ws.engine, kind="lex_sarah", deviation="Våld uppmärksammades inte",
                                   checklist="valdsfraga", item="vald_fragat", action="Utbildning i FREDA",
                                   ansvarig="Verksamhetschef", deadline="2026-08-31", opened="2026-05-01")
    result = effect.follow_up(ws.engine, action_id, as_of=PER_DATUM)
    assert result.before is None and math.isnan(result.p_value)
    assert result.after.source == whole.id and result.after.lower == 1.0
    assert result.at_goal and result.supported
    assert "det senare värdet ligger helt på eller över målet 100 %" in result.reason


def test_an_action_that_measures_nothing_cannot_get_effekt_uppnadd(ws):
    action_id = actions.add_action(ws.engine, kind="klagomal", deviation="Sent svar på brev",
                                   action="Ny rutin", ansvarig="Enhetschef", deadline="2026-08-31",
                                   opened="2026-05-01")
    with pytest.raises(LoopError, match="inte kopplad till någon fråga eller registeruppgift"):
        effect.record_follow_up(ws.engine, action_id, as_of=PER_DATUM)


def test_a_register_action_is_followed_by_a_later_ended_tertial(ws):
    action_id = actions.add_action(ws.engine, indicator="forhandsbedomning_14_dagar",
                                   indicator_period="2026-T1", action="Bevakningslista",
                                   ansvarig="Enhetschef", deadline="2026-06-30", opened="2026-05-10")
    not_ended = "Ingen registerperiod efter jan–apr 2026 har avslutats per 2026-08-30"
    with pytest.raises(LoopError, match=not_ended):
        effect.follow_up(ws.engine, action_id, as_of="2026-08-30")
    result = effect.follow_up(ws.engine, action_id, as_of=PER_DATUM)
    assert (result.before.period, result.after.period) == ("2026-T1", "2026-T3")
    assert math.isnan(result.after.lower)
    measured, before, after = result.text().splitlines()[:3]
    assert measured == "Mäter: Förhandsbedömning inom 14 dagar"
    assert before.endswith("; hela registret, inget urvalsfel) i registret, jan–apr 2026")
    assert after.endswith("; hela registret, inget urvalsfel) i registret, sep–dec 2026")
    assert not result.supported  # every seventh förhandsbedömning is late in every tertial


def test_too_few_cases_support_nothing():
    before = effect.Measurement("g1", "2026-T1", 0, 4, 0.0, 0.0, 0.6)
    after = effect.Measurement("g2", "2026-T2", 4, 4, 1.0, 1.0, 1.0)
    result = effect.judge(1, "valdsfraga: vald_fragat", 1.0, before, after)
    assert not result.supported and result.reason.startswith("För få ärenden")
    shown = result.text()  # neither figure is shown, so neither is their difference or its test
    assert "– (färre än 5 ärenden)" in shown
    assert "procentenheter" not in shown and "Förändring" not in shown and "p =" not in shown
