"""The demo's simulated granskningar: deterministic, improving, valid, with exactly one XSS comment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from egenkontroll import Workspace, demo, results, simulate

PERIODS = ["2025-T1", "2025-T2", "2025-T3"]
PER_SESSION = 12


@pytest.fixture(scope="module")
def register_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("register")
    return demo.write_export_xlsx(demo.generate_register(seed=5, n_cases=3000), folder / "export.xlsx")


def _simulated(folder: Path, register_file: Path) -> tuple[Workspace, list]:
    ws = Workspace.open(folder)
    ws.import_register(register_file)
    return ws, simulate.simulate_reviews(ws, seed=99, per_session=PER_SESSION, periods=PERIODS)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory, register_file: Path):
    ws, sessions = _simulated(tmp_path_factory.mktemp("ws"), register_file)
    yield ws, sessions
    ws.close()


def _answers(session) -> pd.DataFrame:
    return session.answers()[["arende_id", "item_id", "value", "comment", "reviewer"]]


def test_one_session_per_checklist_and_period_some_stratified(simulated):
    _, sessions = simulated
    assert [(s.checklist.id, s.title.rsplit(", ", 1)[1]) for s in sessions] == [
        (checklist, period) for period in PERIODS for checklist, _ in simulate.CHECKLISTS]
    stratified = {s.checklist.id for s in sessions if s.manifest["design"]["strata"] == ["enhet"]}
    assert stratified == {"valdsfraga", "barnperspektiv"}
    assert all(len(s.case_ids) == PER_SESSION for s in sessions)


def test_every_case_is_reviewed_with_valid_visible_answers(simulated):
    _, sessions = simulated
    for session in sessions:
        assert session.progress() == (PER_SESSION, PER_SESSION)
        for case_id, answers in _answers(session).groupby("arende_id"):
            given = dict(zip(answers["item_id"], answers["value"], strict=True))
            case = session.case(case_id)
            visible = {item.id: item for item in session.checklist.visible_items(case, given)}
            assert set(given) <= set(visible), (session.id, case_id)  # nothing answered while hidden
            assert all(visible[item].check_answer(value) is None for item, value in given.items())
    reviewers = set(pd.concat([_answers(s)["reviewer"] for s in sessions]))
    assert reviewers <= set(simulate.REVIEWERS) and len(reviewers) >= 2


def test_exactly_one_comment_holds_the_markup_and_deviations_have_swedish_comments(simulated):
    _, sessions = simulated
    comments = pd.concat([_answers(s)["comment"] for s in sessions]).dropna()
    assert (comments == simulate.XSS_COMMENT).sum() == 1
    assert comments.str.contains("<img src=x onerror=alert(1)>", regex=False).sum() == 1
    assert (comments != simulate.XSS_COMMENT).sum() >= 2
    assert comments.str.contains("å|ä|ö").any()


def test_rates_improve_from_the_first_to_the_last_period(simulated):
    ws, _ = simulated
    for checklist, item in (("valdsfraga", "vald_fragat"), ("barnperspektiv", "barnets_basta")):
        trend = results.trend(ws, checklist=checklist, item=item).set_index("period")
        first, last = trend.loc[PERIODS[0]], trend.loc[PERIODS[-1]]
        assert last["k"] / last["n"] > first["k"] / first["n"], (checklist, trend)
        low, high = simulate.RATES[(checklist, item)]
        assert abs(first["k"] - low * first["n"]) <= 1 and abs(last["k"] - high * last["n"]) <= 1


def test_same_seed_gives_the_same_samples_and_answers(simulated, tmp_path, register_file):
    _, sessions = simulated
    again_ws, again = _simulated(tmp_path / "again", register_file)
    try:
        assert [s.case_ids for s in again] == [s.case_ids for s in sessions]
        for first, second in zip(sessions, again, strict=True):
            pd.testing.assert_frame_equal(_answers(first), _answers(second))
    finally:
        again_ws.close()


def test_default_periods_run_from_2025_t1_to_the_tertial_of_as_of():
    assert simulate.default_periods() == ["2025-T1", "2025-T2", "2025-T3", "2026-T1", "2026-T2", "2026-T3"]
    assert simulate.default_periods(date(2025, 5, 1)) == ["2025-T1", "2025-T2"]
