"""The quality loop over a whole year: plan, draw and review, actions from deviations, effect follow-up;
and the loop the demo workspace tells."""

from __future__ import annotations

import pytest

from egenkontroll import EffectNotShownError, actions, effect, risks, yearplan
from egenkontroll.workspace import Workspace

YEAR_END = "2026-12-31"


@pytest.fixture
def ws(workspace, small_export):
    """A demo-like workspace: the small synthetic demo register (1500 cases)."""
    workspace.import_register(small_export)
    return workspace


def answer_all(session, rates: dict[str, int]) -> None:
    """Answer every case: the first rates[item] cases "ja" for each item, the rest "nej"; violence never came
    up, and no follow-up question shows."""
    answers = []
    for position, case_id in enumerate(session.case_ids):
        for item, yes in rates.items():
            answers.append({"case_id": case_id, "item_id": item, "value": "ja" if position < yes else "nej"})
        if session.checklist.id == "valdsfraga" and position < rates["vald_fragat"]:
            answers.append({"case_id": case_id, "item_id": "framkom_vald", "value": "nej"})
        if session.checklist.id == "barnperspektiv":
            answers.append({"case_id": case_id, "item_id": "anledning_till_oro", "value": "nej"})
    session.record_many(answers)


def test_a_whole_year_of_the_loop(ws):
    engine = ws.engine
    rows = {(checklist, tertial): yearplan.add_plan_row(engine, year=2026, checklist=checklist,
                                                        period=f"2026-T{tertial}", planned_n=15,
                                                        ansvarig="Enhetschef")
            for checklist in ("valdsfraga", "barnperspektiv") for tertial in (1, 2, 3)}
    assert yearplan.plan_summary(engine, 2026, "2026-06-15").text == (
        "Egenkontrollplan 2026: 0 av 6 genomförda, 2 försenade")  # T1's deadline, 31 May, has passed

    drawn = {}
    for (checklist, tertial), row in rows.items():
        if tertial == 3:
            continue  # the last tertial is drawn later in the year
        session = ws.create_session(checklist, n=15, seed=tertial, period=f"2026-T{tertial}")
        yearplan.link_session(engine, row, session.id)
        drawn[(checklist, tertial)] = session
    answer_all(drawn[("valdsfraga", 1)], {"vald_fragat": 9})  # the violence question asked in 9 of 15
    answer_all(drawn[("barnperspektiv", 1)],
               {"barn_klarlagt": 14, "barnens_situation": 12, "barnets_basta": 7})
    answer_all(drawn[("valdsfraga", 2)], {"vald_fragat": 10})
    assert yearplan.plan_summary(engine, 2026, "2026-09-01").text == (
        "Egenkontrollplan 2026: 3 av 6 genomförda")  # barnperspektiv T2 drawn, not yet reviewed

    # deviations of T1 become actions
    violence = actions.add_action(engine, session=drawn[("valdsfraga", 1)].id, item="vald_fragat",
                                  cause="Frågan ställs inte när ärendet gäller ekonomi",
                                  action="Rutinen gås igenom på APT", ansvarig="Enhetschef",
                                  deadline="2026-06-30", opened="2026-05-15")
    children = actions.add_action(engine, session=drawn[("barnperspektiv", 1)].id, item="barnets_basta",
                                  cause="Mallen saknar rubrik för barnets bästa", action="Ny beslutsmall",
                                  ansvarig="Enhetschef", deadline="2026-08-31", opened="2026-05-15")
    for action_id in (violence, children):
        actions.set_status(engine, action_id, "pågår")
    assert actions.actions_table(engine, as_of="2026-07-01").set_index("id")["shown_status"].to_dict() == {
        violence: "försenad", children: "pågår"}
    risk = risks.add_risk(engine, title="Våld uppmärksammas inte", sannolikhet=3, konsekvens=4,
                          checklist="valdsfraga", item="vald_fragat", actions=[violence])
    for action_id in (violence, children):
        actions.set_status(engine, action_id, "genomförd")

    # the last tertial is drawn and reviewed: it measures both items again
    for checklist, rates in (("valdsfraga", {"vald_fragat": 12}),
                             ("barnperspektiv", {"barn_klarlagt": 15, "barnens_situation": 14,
                                                 "barnets_basta": 15})):
        session = ws.create_session(checklist, n=15, seed=3, period="2026-T3")
        assert yearplan.matching_rows(engine, checklist, session.period) == [rows[(checklist, 3)]]
        yearplan.link_session(engine, rows[(checklist, 3)], session.id)
        answer_all(session, rates)
    answer_all(drawn[("barnperspektiv", 2)],
               {"barn_klarlagt": 14, "barnens_situation": 13, "barnets_basta": 11})

    confirmed = effect.record_follow_up(engine, children, as_of=YEAR_END)
    assert (confirmed.before.k, confirmed.after.k, confirmed.improvement_secured) == (7, 15, True)
    with pytest.raises(EffectNotShownError, match="ökningen är inte säkerställd") as refused:
        effect.record_follow_up(engine, violence, as_of=YEAR_END)
    assert (refused.value.follow_up.before.k, refused.value.follow_up.after.k) == (9, 12)
    effect.record_follow_up(engine, violence, achieved=False, as_of=YEAR_END)

    final = actions.actions_table(engine, as_of=YEAR_END).set_index("id")["status"].to_dict()
    assert final == {violence: "effekt ej uppnådd", children: "effekt uppnådd"}
    assert yearplan.plan_summary(engine, 2026, YEAR_END).text == "Egenkontrollplan 2026: 6 av 6 genomförda"
    assert risks.risks_table(engine).set_index("id").loc[risk, "band"] == "mycket hög"
    history = actions.action_history(engine, violence)
    assert history.loc[history["field"] == "status", "new_value"].tolist() == [
        "planerad", "pågår", "genomförd", "effekt ej uppnådd"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory, copy_of_demo):
    with Workspace.open(copy_of_demo(tmp_path_factory.mktemp("loop") / "demo")) as workspace:
        yield workspace


def test_the_demo_tells_the_loop_through_the_real_rule(demo):
    from egenkontroll.demo import EXPORT_DATE

    assert yearplan.plan_summary(demo, 2026, EXPORT_DATE).text == (
        "Egenkontrollplan 2026: 9 av 10 genomförda, 1 försenad")
    table = actions.actions_table(demo, as_of=EXPORT_DATE).set_index("id")
    assert table["status"].value_counts().to_dict() == {
        "effekt uppnådd": 1, "effekt ej uppnådd": 1, "pågår": 2, "planerad": 1}
    assert table["overdue"].sum() == 1
    for action_id, row in table[table["status"].str.startswith("effekt")].iterrows():
        again = effect.follow_up(demo, action_id, as_of=EXPORT_DATE)  # the rule, computed anew
        assert again.supported == (row["status"] == "effekt uppnådd")
        assert row["effect_note"] == again.text()
    assert sorted(risks.risks_table(demo)["band"]) == ["hög", "låg", "medel", "medel", "mycket hög"]
